#!/usr/bin/env bash
# Build containerd-stargz-grpc (the stargz snapshotter daemon) from Debian's Go sources, for
# the eStargz comparison row of the benchmarks. Debian packages the library
# (golang-github-containerd-stargz-snapshotter-dev 0.12) but not the daemon: we build our own
# small main (Benchmarks/estargz/main.go) against it.
#
#   Benchmarks/estargz/build-stargz.sh [--force]
#
#   --force   rebuild even when the binary is up to date
#
# Output: $STARLING_STATE/estargz/containerd-stargz-grpc (prints its path on stdout).
# Cached: when the binary exists and main.go, this script, the Go toolchain and the Debian Go
# packages are unchanged (a stamp beside the binary records them), it does nothing.
#
# Steps: apt-get install the toolchain and -dev packages when missing (needs root; set
# STARLING_ESTARGZ_NO_APT=1 to only check), then build in GOPATH mode (GO111MODULE=off) with
# GOPATH = a private copy of the stargz tree + /usr/share/gocode. The copy is whole, because
# GOPATH mode takes the first GOPATH entry holding a package's directory (a partial overlay
# hides the rest of the tree), and it leaves out service/resolver/cri.go, which needs
# k8s.io/cri-api (not packaged; a CRI registry-config helper we don't use). CGO is off: the
# binary is static and needs no C compiler. The Go build cache is kept in
# $STARLING_STATE/estargz/gocache, so a forced rebuild takes seconds; a first build ~35 s on
# 2 cores (plus ~45 s for the apt install on a fresh machine).
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../Tools/lib.sh"

HERE="$STARLING_REPO/Benchmarks/estargz"
OUT_DIR="$STARLING_STATE/estargz"
OUT="$OUT_DIR/containerd-stargz-grpc"
STAMP="$OUT.stamp"
GOCODE=/usr/share/gocode
STARGZ_PKG=github.com/containerd/stargz-snapshotter
MAIN_PKG=starling/containerd-stargz-grpc

# The toolchain and every -dev package providing an import path of main.go (the stargz
# package depends on the rest of its own imports).
PACKAGES=(
  golang-go
  golang-github-containerd-stargz-snapshotter-dev   # github.com/containerd/stargz-snapshotter
  golang-github-containerd-containerd-dev           # containerd API, snapshotservice, log
  golang-github-burntsushi-toml-dev                 # github.com/BurntSushi/toml (config file)
  golang-github-docker-go-metrics-dev               # github.com/docker/go-metrics (/metrics)
  golang-github-docker-docker-dev                   # github.com/docker/cli (dockerconfig keychain)
  golang-github-moby-sys-dev                        # github.com/moby/sys/mountinfo
  golang-github-sirupsen-logrus-dev
  golang-google-grpc-dev
)

usage() {
  sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

force=0
while (( $# )); do
  case "$1" in
    --force) force=1 ;;
    -h|--help) usage ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done

missing_packages() {
  local p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

install_packages() {
  local missing
  mapfile -t missing < <(missing_packages)
  (( ${#missing[@]} )) || return 0
  [[ "${STARLING_ESTARGZ_NO_APT:-0}" != 1 ]] || die "missing packages: ${missing[*]} (apt-get install them)"
  (( EUID == 0 )) || die "missing packages: ${missing[*]}; run as root or apt-get install them"
  log "installing ${missing[*]}"
  # An old or empty package list (fresh machine) fails the install: update once and retry.
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >"$OUT_DIR/apt.log" 2>&1; then
    apt-get update -q >>"$OUT_DIR/apt.log" 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >>"$OUT_DIR/apt.log" 2>&1 \
      || { tail -20 "$OUT_DIR/apt.log" >&2; die "apt-get install failed (log $OUT_DIR/apt.log)"; }
  fi
}

# What the binary depends on: our sources, the toolchain, and the versions of all Go -dev
# packages (any of them can change a transitive import).
stamp_text() {
  sha256sum "$HERE/main.go" "$HERE/build-stargz.sh" | awk '{print $1}'
  go version
  dpkg-query -W -f '${Package} ${Version}\n' 'golang-*-dev' 2>/dev/null | sort
}

mkdir -p "$OUT_DIR"
exec 9>"$OUT_DIR/.build.lock"
flock -w 600 9 || die "timed out waiting for $OUT_DIR/.build.lock"

install_packages
[[ -d "$GOCODE/src/$STARGZ_PKG/service" ]] || die "$GOCODE/src/$STARGZ_PKG/service missing (golang-github-containerd-stargz-snapshotter-dev broken?)"
command -v go >/dev/null || die "go not found after installing golang-go"

want="$(stamp_text)"
if (( ! force )) && [[ -x "$OUT" && -f "$STAMP" ]] && [[ "$(<"$STAMP")" == "$want" ]]; then
  log "up to date: $OUT"
  echo "$OUT"
  exit 0
fi

GOPATH_DIR="$OUT_DIR/gopath"
rm -rf "$GOPATH_DIR"
mkdir -p "$GOPATH_DIR/src/$(dirname "$STARGZ_PKG")" "$GOPATH_DIR/src/$MAIN_PKG"
cp -a "$GOCODE/src/$STARGZ_PKG" "$GOPATH_DIR/src/$STARGZ_PKG"
rm -f "$GOPATH_DIR/src/$STARGZ_PKG/service/resolver/cri.go"
cp "$HERE/main.go" "$GOPATH_DIR/src/$MAIN_PKG/main.go"

log "building $OUT (GOPATH mode, $(go version | awk '{print $3}'))"
t0=$SECONDS
if ! (cd "$GOPATH_DIR/src/$MAIN_PKG" &&
      env GO111MODULE=off GOFLAGS= CGO_ENABLED=0 \
        GOPATH="$GOPATH_DIR:$GOCODE" GOCACHE="$OUT_DIR/gocache" \
        go build -trimpath -o "$OUT.tmp" "$MAIN_PKG") >"$OUT_DIR/build.log" 2>&1; then
  tail -40 "$OUT_DIR/build.log" >&2
  rm -f "$OUT.tmp"
  die "go build failed (log $OUT_DIR/build.log)"
fi
mv -f "$OUT.tmp" "$OUT"
printf '%s\n' "$want" >"$STAMP"
rm -rf "$GOPATH_DIR"
log "built $OUT in $((SECONDS - t0)) s"
echo "$OUT"
