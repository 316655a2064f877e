#!/usr/bin/env python3
"""Cold-start benchmark: real images under real containerd, the registry behind a shaped link.

Run through Benchmarks/coldstart.sh (which builds and prepares everything); see its header.
For every profile, run, image and mode (interleaved, so drift hits all modes alike): make
everything cold, pull/prepare, run the image's workload to completion, and record pull and
start times and the bytes that crossed the registry's link (the host veth's counters).
results.json is rewritten after every run, so an interrupted benchmark keeps what it measured.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("STARLING_STATE", "/var/tmp/starling"))
NETMODEL = REPO / "Benchmarks/net/netmodel.sh"
STARGZD = REPO / "Benchmarks/estargz/stargzd.sh"
CONTAINERD = REPO / "Tools/containerd.sh"
NAMESPACE = "starling-coldstart"
MODES = ["overlayfs", "starling", "starling-prefetch", "starling-peer", "estargz"]
NOT_YET = {
    "starling-prefetch": "prefetch lists from startup traces are not implemented yet (prefetch issue)",
    "starling-peer": "peer-to-peer chunk fetching is not implemented yet (P2P issue)",
}
BUSYBOX = "/bin/busybox"  # Debian's busybox-static, bind-mounted into images without a shell


def log(message: str) -> None:
    print(f"[coldstart] {message}", file=sys.stderr, flush=True)


def run(argv, check=True, capture=True, timeout=1800, env=None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(a) for a in argv], capture_output=capture, text=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({result.returncode}): {result.stderr[-2000:]}")
    return result


def ctr(*args, check=True, timeout=1800):
    return run(["bash", CONTAINERD, "ctr", "-n", NAMESPACE, *args], check=check, timeout=timeout)


def ctr_remote(*args, check=True, timeout=1800):
    return run(["bash", CONTAINERD, "ctr-remote", "-n", NAMESPACE, *args], check=check, timeout=timeout)


def counters() -> dict:
    out = run(["bash", NETMODEL, "counters"]).stdout
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", out)}


def drop_caches() -> None:
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


class Starlingd:
    """A fresh starlingd (empty root: no metadata, no blob cache) for one run."""

    def __init__(self, binary: Path, work: Path, registry: str, socket: str):
        self.binary, self.work, self.registry, self.socket = binary, work, registry, socket
        self.process: subprocess.Popen | None = None
        self.log = work / "starlingd.log"

    def start(self) -> None:
        self.stop()
        shutil.rmtree(self.work / "root", ignore_errors=True)
        self.work.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [self.binary, "--root", self.work / "root", "--address", self.socket, "--insecure-registry",
             self.registry, "--metrics-address", "127.0.0.1:0", "--no-docker-config"],
            stdout=open(self.log, "w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        probe = f"coldstart-probe-{os.getpid()}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"starlingd exited: {self.log.read_text()[-2000:]}")
            if ctr("snapshots", "--snapshotter", "starling", "prepare", probe, check=False).returncode == 0:
                ctr("snapshots", "--snapshotter", "starling", "rm", probe, check=False)
                return
            time.sleep(0.2)
        raise RuntimeError("starlingd did not become reachable through containerd")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def lazy_layers(self) -> int:
        return self.log.read_text().count("layer mounted lazily")


class Bench:
    def __init__(self, args, fixtures: dict, images: dict, out: Path):
        self.args, self.fixtures, self.images, self.out = args, fixtures, images, out
        self.starlingd: Starlingd | None = None
        self.results = {
            "started": now(), "finished": None, "commit": git_commit(),
            "machine": machine(), "config": {"runs": args.runs, "profiles": args.profiles, "images": args.images,
                                              "modes": args.modes},
            "profiles": {}, "images": images, "runs": [], "missing": []}

    def save(self) -> None:
        self.results["finished"] = now()
        tmp = self.out / "results.json.tmp"
        tmp.write_text(json.dumps(self.results, indent=1) + "\n")
        tmp.replace(self.out / "results.json")

    def ref(self, image: str, mode: str, registry: str) -> str:
        if mode == "overlayfs":
            return f"{registry}/fixtures/{image}:latest"
        return f"{registry}/bench/{image}:{'starling' if mode == 'starling' else 'estargz'}"

    def cleanup(self, ref: str | None) -> None:
        """Image, content and snapshots gone (while the snapshotters still run), then daemons."""
        if ref:
            ctr("image", "rm", "--sync", ref, check=False)
        for name in ctr("containers", "ls", "-q", check=False).stdout.split():
            ctr("containers", "rm", name, check=False)
        ctr("content", "prune", "references", check=False)
        if self.starlingd:
            self.starlingd.stop()

    def one(self, profile: str, registry: str, image: str, mode: str, number: int) -> dict:
        info = self.images[image]
        ref = self.ref(image, mode, registry)
        record = {"profile": profile, "image": image, "mode": mode, "run": number, "ref": ref, "ok": False,
                  "error": None, "pull_s": None, "start_s": None, "total_s": None, "rx_bytes": None,
                  "tx_bytes": None, "lazy_layers": None}
        snapshotter = {"overlayfs": "overlayfs", "starling": "starling", "estargz": "stargz"}[mode]
        try:
            if mode == "starling":
                self.starlingd.start()
            elif mode == "estargz":
                run(["bash", STARGZD, "reset"])
                run(["bash", STARGZD, "start"], timeout=120)
                stargz_log = STATE / "estargz/stargzd.log"
                log_offset = stargz_log.stat().st_size if stargz_log.exists() else 0
            drop_caches()
            before = counters()
            t0 = time.monotonic()
            if mode == "overlayfs":
                ctr("image", "pull", "--plain-http", ref)
            else:
                ctr_remote("image", "rpull", "--plain-http", "--snapshotter", snapshotter, ref)
            t1 = time.monotonic()
            argv = ["run", "--rm", "--snapshotter", snapshotter]
            workload = info["workload"]
            if info.get("busybox"):
                argv += ["--mount", f"type=bind,src={BUSYBOX},dst=/.bench/busybox,options=rbind:ro"]
            name = f"coldstart-{os.getpid()}-{number}"
            result = ctr(*argv, ref, name, *workload, check=False)
            t2 = time.monotonic()
            after = counters()
            record.update(pull_s=round(t1 - t0, 3), start_s=round(t2 - t1, 3), total_s=round(t2 - t0, 3),
                          rx_bytes=after["rx_bytes"] - before["rx_bytes"],
                          tx_bytes=after["tx_bytes"] - before["tx_bytes"])
            if result.returncode != 0:
                raise RuntimeError(f"workload exited {result.returncode}: {result.stderr[-1000:]}")
            expected = info.get("expected_output")
            if expected is not None and result.stdout != expected:
                raise RuntimeError(f"workload printed {result.stdout[:200]!r}, expected {expected[:200]!r}")
            if mode == "starling":
                record["lazy_layers"] = self.starlingd.lazy_layers()
                if record["lazy_layers"] != info["layers"]:
                    raise RuntimeError(f"only {record['lazy_layers']} of {info['layers']} layers were lazy")
            if mode == "estargz":
                with open(stargz_log, errors="replace") as handle:
                    handle.seek(log_offset)
                    this_run = handle.read()
                if "failed to prepare remote snapshot" in this_run:
                    raise RuntimeError("the stargz snapshotter fell back to a full pull for some layer")
            record["ok"] = True
        except Exception as error:  # recorded, shown in the table, never dropped
            record["error"] = str(error)
            log(f"{profile} {image} {mode} #{number}: FAILED: {error}")
        finally:
            self.cleanup(ref)
            if mode == "estargz":
                run(["bash", STARGZD, "stop"], check=False)
        return record

    def profile(self, profile: str) -> None:
        exports = run(["bash", NETMODEL, "up", profile]).stdout
        env = dict(re.findall(r"export (\w+)=(\S*)", exports))
        registry = env["STARLING_BENCH_REGISTRY"]
        measured = {}
        if not self.args.no_measure:
            out = run(["bash", NETMODEL, "measure"], check=False, timeout=300).stdout
            line = next((l for l in out.splitlines() if l.startswith("measure ")), "")
            raw = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}
            if "mbit" in raw:
                measured = {"throughput_mbit": raw["mbit"], "rtt_ms": raw.get("measured_rtt_ms"),
                            "newconn_ms": raw.get("newconn_ms")}
        self.results["profiles"][profile] = {
            "rate_mbit": int(env.get("STARLING_BENCH_RATE_MBIT", 0)), "rtt_ms": float(env.get("STARLING_BENCH_RTT_MS", 0)),
            "registry": registry, "measured": measured}
        self.starlingd = Starlingd(self.args.bin / "starlingd", STATE / "bench/coldstart/starlingd", registry,
                                   self.args.snapshotter_socket)
        os.environ["STARLING_STARGZ_HTTP_REGISTRIES"] = registry
        modes = [m for m in self.args.modes if m not in NOT_YET]
        for image in self.args.images:
            for mode in self.args.modes:
                reason = NOT_YET.get(mode) or self.images[image].get("missing", {}).get(mode)
                if reason:
                    self.results["missing"].append({"profile": profile, "image": image, "mode": mode, "reason": reason})
        for number in range(1, self.args.runs + 1):
            for image in self.args.images:
                for mode in modes:
                    if self.images[image].get("missing", {}).get(mode):
                        continue
                    record = self.one(profile, registry, image, mode, number)
                    self.results["runs"].append(record)
                    self.save()
                    if record["ok"]:
                        log(f"{profile} {image:7} {mode:9} #{number}: pull {record['pull_s']:.2f} s, start "
                            f"{record['start_s']:.2f} s, total {record['total_s']:.2f} s, "
                            f"{record['rx_bytes'] / 1e6:.1f} MB")


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def git_commit() -> str:
    result = run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], check=False)
    dirty = run(["git", "-C", REPO, "status", "--porcelain", "--untracked-files=no"], check=False).stdout.strip()
    return result.stdout.strip() + ("+dirty" if dirty else "")


def machine() -> dict:
    return {"cpus": os.cpu_count(), "kernel": os.uname().release,
            "note": "registry in its own network namespace behind tbf + a user-space delay proxy"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", dest="profiles", action="append", choices=["lan", "dc", "wan", "none"])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--images", default="small,python,edge,large,dense")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--bin", type=Path, required=True, help="folder with the starling and starlingd binaries")
    parser.add_argument("--prepared", type=Path, required=True, help="images.json written by prepare.py")
    parser.add_argument("--snapshotter-socket", required=True)
    parser.add_argument("--no-measure", action="store_true", help="skip measuring each profile's link")
    args = parser.parse_args()
    args.profiles = args.profiles or ["lan", "dc"]
    args.images = args.images.split(",")
    args.modes = args.modes.split(",")
    unknown = [m for m in args.modes if m not in MODES]
    if unknown:
        parser.error(f"unknown modes {unknown}; known: {MODES}")
    images = json.loads(args.prepared.read_text())
    missing = [i for i in args.images if i not in images]
    if missing:
        parser.error(f"images not prepared: {missing}")
    args.out.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, None, {i: images[i] for i in args.images}, args.out)
    interrupted = False
    try:
        for profile in args.profiles:
            log(f"profile {profile}")
            bench.profile(profile)
    except KeyboardInterrupt:
        interrupted = True
        log("interrupted: keeping the runs measured so far")
    finally:
        if bench.starlingd:
            bench.starlingd.stop()
        run(["bash", STARGZD, "stop"], check=False)
        run(["bash", NETMODEL, "down"], check=False)
        bench.results["interrupted"] = interrupted
        bench.save()
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
