// containerd-stargz-grpc for Starling's eStargz comparison benchmarks.
//
// A small daemon that serves the stargz snapshotter library packaged in Debian
// (golang-github-containerd-stargz-snapshotter-dev 0.12, service.NewStargzSnapshotterService)
// as a containerd remote snapshotter: containerd's snapshot gRPC API on a unix socket, through
// containerd's snapshotservice adapter. Debian packages the library but not the daemon; this
// is our own main, built by Benchmarks/estargz/build-stargz.sh in GOPATH mode.
//
//	containerd-stargz-grpc --address SOCK --root DIR [--config FILE] [--log-level LEVEL]
//
// The config file is TOML in the upstream daemon's format: the library's service.Config
// (fs settings at top level, [resolver.host."HOST".mirrors], [blob], [directory_cache], ...)
// plus `metrics_address` (TCP host:port serving Prometheus metrics at /metrics; empty = off).
// A missing --config is an error unless it is the empty string (then defaults apply).
//
// Shutdown:
//   - SIGTERM: stop serving (in-flight calls get up to 10 s), then unmount every FUSE mount
//     under <root>/snapshotter/snapshots and exit. Snapshots, their metadata and the cache
//     stay in --root: the next start mounts the remote snapshots again (the library's
//     restore step, which fetches each layer's TOC again), so containerd's records stay valid.
//   - SIGINT: the same, but the snapshotter is closed instead, which unmounts all its mounts
//     and removes every snapshot directory (upstream's behaviour without a FUSE manager): use
//     it only when --root is removed afterwards, since a later start with the same root fails
//     to restore the snapshots whose directories are gone.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	golog "log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/BurntSushi/toml"
	snapshotsapi "github.com/containerd/containerd/api/services/snapshots/v1"
	"github.com/containerd/containerd/contrib/snapshotservice"
	"github.com/containerd/containerd/log"
	"github.com/containerd/stargz-snapshotter/service"
	"github.com/containerd/stargz-snapshotter/service/keychain/dockerconfig"
	metrics "github.com/docker/go-metrics"
	"github.com/moby/sys/mountinfo"
	"github.com/sirupsen/logrus"
	"google.golang.org/grpc"
)

const (
	defaultAddress = "/run/containerd-stargz-grpc/containerd-stargz-grpc.sock"
	defaultRoot    = "/var/lib/containerd-stargz-grpc"
)

// daemonConfig is the config file: the library's config plus this daemon's own settings.
type daemonConfig struct {
	service.Config

	// MetricsAddress is a TCP address for Prometheus metrics (/metrics); empty disables.
	MetricsAddress string `toml:"metrics_address"`
}

func main() {
	address := flag.String("address", defaultAddress, "unix socket for the snapshotter's gRPC server")
	root := flag.String("root", defaultRoot, "root directory of the snapshotter's state")
	configPath := flag.String("config", "", "TOML config file (upstream containerd-stargz-grpc format); empty: defaults")
	logLevel := flag.String("log-level", "info", "log level: trace, debug, info, warn, error, fatal, panic")
	flag.Parse()
	if flag.NArg() != 0 {
		fmt.Fprintf(os.Stderr, "unexpected arguments: %v\n", flag.Args())
		flag.Usage()
		os.Exit(2)
	}

	lvl, err := logrus.ParseLevel(*logLevel)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bad --log-level %q: %v\n", *logLevel, err)
		os.Exit(2)
	}
	logrus.SetLevel(lvl)
	logrus.SetFormatter(&logrus.TextFormatter{FullTimestamp: true, TimestampFormat: log.RFC3339NanoFixed})
	ctx := log.WithLogger(context.Background(), log.L)
	// go-fuse logs through the standard library's logger: keep that at debug level.
	golog.SetOutput(log.G(ctx).WriterLevel(logrus.DebugLevel))

	var cfg daemonConfig
	if *configPath != "" {
		md, err := toml.DecodeFile(*configPath, &cfg)
		if err != nil {
			log.G(ctx).WithError(err).Fatalf("failed to load config file %q", *configPath)
		}
		if undec := md.Undecoded(); len(undec) > 0 {
			log.G(ctx).Warnf("config %q: unknown keys ignored: %v", *configPath, undec)
		}
	}
	for host, hc := range cfg.ResolverConfig.Host {
		for _, m := range hc.Mirrors {
			log.G(ctx).Infof("resolver: %s -> mirror %s (insecure=%v)", host, m.Host, m.Insecure)
		}
	}

	if err := os.MkdirAll(*root, 0700); err != nil {
		log.G(ctx).WithError(err).Fatalf("failed to create root %q", *root)
	}
	if err := service.Supported(*root); err != nil {
		log.G(ctx).WithError(err).Fatalf("snapshotter is not supported on %q (needs overlayfs)", *root)
	}

	rs, err := service.NewStargzSnapshotterService(ctx, *root, &cfg.Config,
		service.WithCredsFuncs(dockerconfig.NewDockerconfigKeychain(ctx)))
	if err != nil {
		log.G(ctx).WithError(err).Fatalf("failed to configure the snapshotter")
	}

	rpc := grpc.NewServer()
	snapshotsapi.RegisterSnapshotsServer(rpc, snapshotservice.FromSnapshotter(rs))

	if err := os.MkdirAll(filepath.Dir(*address), 0700); err != nil {
		log.G(ctx).WithError(err).Fatalf("failed to create directory for %q", *address)
	}
	if err := os.Remove(*address); err != nil && !errors.Is(err, os.ErrNotExist) {
		log.G(ctx).WithError(err).Fatalf("failed to remove stale socket %q", *address)
	}
	l, err := net.Listen("unix", *address)
	if err != nil {
		log.G(ctx).WithError(err).Fatalf("failed to listen on %q", *address)
	}

	if cfg.MetricsAddress != "" {
		ml, err := net.Listen("tcp", cfg.MetricsAddress)
		if err != nil {
			log.G(ctx).WithError(err).Fatalf("failed to listen for metrics on %q", cfg.MetricsAddress)
		}
		mux := http.NewServeMux()
		mux.Handle("/metrics", metrics.Handler())
		go func() {
			if err := http.Serve(ml, mux); err != nil {
				log.G(ctx).WithError(err).Warn("metrics server stopped")
			}
		}()
		log.G(ctx).Infof("metrics on http://%s/metrics", ml.Addr())
	}

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- rpc.Serve(l) }()
	log.G(ctx).Infof("serving the stargz snapshotter on %s (root %s)", *address, *root)

	exit, closeAll := 0, false
	select {
	case sig := <-sigs:
		closeAll = sig == syscall.SIGINT
		log.G(ctx).Infof("got %v; shutting down", sig)
		stopServing(ctx, rpc)
	case err := <-served:
		log.G(ctx).WithError(err).Error("gRPC server stopped")
		exit = 1
	}
	os.Remove(*address)
	if closeAll {
		// Unmounts every FUSE mount (committed snapshots too) and removes the snapshot directories.
		if err := rs.Close(); err != nil {
			log.G(ctx).WithError(err).Warn("failed to close the snapshotter")
		}
	} else {
		unmountAll(ctx, filepath.Join(*root, "snapshotter", "snapshots"))
	}
	log.G(ctx).Info("exiting")
	os.Exit(exit)
}

// stopServing lets in-flight calls finish for a while, then closes every connection.
func stopServing(ctx context.Context, rpc *grpc.Server) {
	done := make(chan struct{})
	go func() { rpc.GracefulStop(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		log.G(ctx).Warn("in-flight calls still running after 10s; closing connections")
		rpc.Stop()
	}
}

// unmountAll unmounts the mounts at or under dir, deepest first: a forced unmount (which
// aborts a FUSE connection), else a lazy one (a mount still in use, e.g. as a running
// container's overlay lower layer).
func unmountAll(ctx context.Context, dir string) {
	mounts, err := mountinfo.GetMounts(mountinfo.PrefixFilter(dir))
	if err != nil {
		log.G(ctx).WithError(err).Warn("cannot read the mount table")
		return
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i].Mountpoint) > len(mounts[j].Mountpoint) })
	n := 0
	for _, m := range mounts {
		if err := syscall.Unmount(m.Mountpoint, syscall.MNT_FORCE); err != nil {
			if err2 := syscall.Unmount(m.Mountpoint, syscall.MNT_DETACH); err2 != nil {
				log.G(ctx).WithError(err2).Warnf("failed to unmount %s (forced: %v)", m.Mountpoint, err)
				continue
			}
			log.G(ctx).WithError(err).Warnf("%s busy; detached it", m.Mountpoint)
		}
		n++
	}
	log.G(ctx).Infof("unmounted %d of %d mount(s) under %s", n, len(mounts), dir)
}
