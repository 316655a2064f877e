#!/usr/bin/python3
"""Timed readers for the mount benchmark (standard library only). Each prints one JSON
object on stdout.

  readbench.py seq FILE [--block BYTES] [--pid PID ...]
      Sequential read of FILE in BLOCK-sized reads (default 1 MiB) into one buffer.
  readbench.py rand FILE [--count N] [--io BYTES] [--seed S] [--pid PID ...]
      N preads of IO bytes (default 2000 x 4 KiB) at random IO-aligned offsets (fixed seed);
      latency percentiles in microseconds.
  readbench.py walk DIR [DIR ...] [--pid PID ...]
      `find DIR... -type f -print0 | xargs -0 cat > /dev/null`, timed.
  readbench.py sha256 FILE            sha256 of FILE (untimed check)
  readbench.py tree DIR [DIR ...]     regular files, bytes and one sha256 over (path, content)
                                      of every regular file, sorted by path (untimed check)
  readbench.py fsync-probe DIR [--bytes N] [--count N]
      Cost of the blob cache's crash-safe put (write, fsync, rename, fsync dir) on DIR's
      file system, per frame of N bytes.
  readbench.py drop-caches            sync, then echo 3 > /proc/sys/vm/drop_caches
  readbench.py ceiling FILE [--zstd-dir DIR]
      Single-core CPU ceilings of this machine: sha256 MB/s over FILE (from the page cache)
      and, if DIR is a blob cache (`<root>/cache`), `zstd -dc` MB/s (CPU time) over its frames.

Every timed command also reports: its own user/sys CPU seconds (children included for
walk), the CPU seconds and block-device reads of each --pid meanwhile (the mount's
serving process, the registry), machine-wide busy and iowait shares of all cores from /proc/stat, and the
bytes read from block devices (/proc/diskstats, whole disks only).
"""
import argparse
import glob
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def pid_cpu(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # After the comm: state is fields[0]; utime, stime are stat fields 14, 15.
        return (int(fields[11]) + int(fields[12])) / TICK
    except (OSError, IndexError, ValueError):
        return None


def pid_read_bytes(pid):
    """Bytes the process made the block layer fetch (/proc/PID/io read_bytes)."""
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("read_bytes:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def cpu_times():
    with open("/proc/stat") as f:
        parts = f.readline().split()[1:]
    v = [int(x) for x in parts]
    # user nice system idle iowait irq softirq steal
    idle, iowait = v[3], v[4]
    total = sum(v[:8])
    return total, idle, iowait


def disk_read_bytes():
    whole = set()
    for path in glob.glob("/sys/block/*"):
        name = os.path.basename(path)
        if not name.startswith(("loop", "ram", "zram")):
            whole.add(name)
    total = 0
    with open("/proc/diskstats") as f:
        for line in f:
            p = line.split()
            if p[2] in whole:
                total += int(p[5]) * 512
    return total


class Measure:
    def __init__(self, pids):
        self.pids = [p for p in pids if p]

    def __enter__(self):
        self.ru_self = resource.getrusage(resource.RUSAGE_SELF)
        self.ru_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.pid_start = {p: pid_cpu(p) for p in self.pids}
        self.pid_io_start = {p: pid_read_bytes(p) for p in self.pids}
        self.cpu_start = cpu_times()
        self.disk_start = disk_read_bytes()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.t0
        ru_self = resource.getrusage(resource.RUSAGE_SELF)
        ru_children = resource.getrusage(resource.RUSAGE_CHILDREN)
        total, idle, iowait = cpu_times()
        t0, i0, w0 = self.cpu_start
        span = max(total - t0, 1)
        self.result = {
            "seconds": round(self.seconds, 4),
            "reader_user_s": round(ru_self.ru_utime - self.ru_self.ru_utime + ru_children.ru_utime
                                   - self.ru_children.ru_utime, 3),
            "reader_sys_s": round(ru_self.ru_stime - self.ru_self.ru_stime + ru_children.ru_stime
                                  - self.ru_children.ru_stime, 3),
            "pid_cpu_s": {str(p): (round(pid_cpu(p) - s, 3) if s is not None and pid_cpu(p) is not None else None)
                          for p, s in self.pid_start.items()},
            "pid_disk_read_bytes": {str(p): (pid_read_bytes(p) - s if s is not None and pid_read_bytes(p) is not None
                                             else None) for p, s in self.pid_io_start.items()},
            "machine_busy_share": round(1 - (idle - i0 + iowait - w0) / span, 3),
            "machine_iowait_share": round((iowait - w0) / span, 3),
            "cores": os.cpu_count(),
            "disk_read_bytes": disk_read_bytes() - self.disk_start,
        }
        return False


def cmd_seq(a):
    buf = bytearray(a.block)
    view = memoryview(buf)
    total = 0
    fd = os.open(a.file, os.O_RDONLY)
    try:
        with Measure(a.pid) as m:
            while True:
                n = os.readv(fd, [view])
                if n <= 0:
                    break
                total += n
    finally:
        os.close(fd)
    r = m.result
    r.update(bytes=total, block=a.block, mb_per_s=round(total / 1e6 / m.seconds, 1))
    return r


def cmd_rand(a):
    size = os.path.getsize(a.file)
    rng = random.Random(a.seed)
    offsets = [rng.randrange(0, size // a.io) * a.io for _ in range(a.count)]
    lat = []
    fd = os.open(a.file, os.O_RDONLY)
    try:
        with Measure(a.pid) as m:
            for off in offsets:
                t = time.perf_counter_ns()
                data = os.pread(fd, a.io, off)
                lat.append((time.perf_counter_ns() - t) / 1000)
                if len(data) != a.io:
                    raise SystemExit(f"short read at {off}: {len(data)}")
    finally:
        os.close(fd)
    lat_sorted = sorted(lat)

    def pct(p):
        return round(lat_sorted[min(len(lat_sorted) - 1, int(p / 100 * len(lat_sorted)))], 1)

    # Reads that hit a 1 MiB region already touched earlier in the run vs first touches.
    seen, first, repeat = set(), [], []
    for off, l in zip(offsets, lat):
        (repeat if off >> 20 in seen else first).append(l)
        seen.add(off >> 20)
    r = m.result
    r.update(count=a.count, io=a.io, seed=a.seed, p50_us=pct(50), p90_us=pct(90), p99_us=pct(99),
             max_us=round(lat_sorted[-1], 1), mean_us=round(sum(lat) / len(lat), 1),
             first_touch_mib_regions=len(first),
             first_touch_mean_us=round(sum(first) / len(first), 1) if first else None,
             repeat_mean_us=round(sum(repeat) / len(repeat), 1) if repeat else None)
    return r


def cmd_walk(a):
    cmd = "find " + " ".join(f"'{d}'" for d in a.dirs) + " -type f -print0 | xargs -0 cat > /dev/null"
    with Measure(a.pid) as m:
        subprocess.run(["bash", "-o", "pipefail", "-c", cmd], check=True)
    r = m.result
    r["command"] = cmd
    return r


def cmd_sha256(a):
    h = hashlib.sha256()
    with open(a.file, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return {"sha256": h.hexdigest()}


def cmd_tree(a):
    files, total = [], 0
    for d in a.dirs:
        base = os.path.dirname(d.rstrip("/"))
        for root, dirs, names in os.walk(d):
            for n in names:
                p = os.path.join(root, n)
                if os.path.isfile(p) and not os.path.islink(p):
                    files.append((os.path.relpath(p, base), p))
    h = hashlib.sha256()
    for rel, p in sorted(files):
        h.update(rel.encode("utf-8", "surrogateescape") + b"\0")
        with open(p, "rb") as f:
            data = f.read()
        total += len(data)
        h.update(len(data).to_bytes(8, "little") + data)
    return {"files": len(files), "bytes": total, "sha256": h.hexdigest()}


def cmd_drop(a):
    os.sync()
    with open("/proc/sys/vm/drop_caches", "w") as f:
        f.write("3\n")
    return {"dropped": True}


def cmd_ceiling(a):
    out = {}
    with open(a.file, "rb") as f:  # bring it into the page cache first
        while f.read(8 << 20):
            pass
    h = hashlib.sha256()
    total = 0
    t = time.perf_counter()
    with open(a.file, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            total += len(chunk)
    out["sha256_mb_per_s_1core"] = round(total / 1e6 / (time.perf_counter() - t), 0)
    if a.zstd_dir:
        # The blob cache's files are compressed frames named <sha256>-<uncompressed size>;
        # zstd decodes the concatenation (its CPU time, not wall, gives the rate).
        chunks = sorted(glob.glob(os.path.join(a.zstd_dir, "chunks", "*", "*")))
        if chunks:
            decoded = sum(int(c.rsplit("-", 1)[1]) for c in chunks)
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            p = subprocess.Popen(["zstd", "-dcq"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
            compressed = 0
            for c in chunks:
                with open(c, "rb") as f:
                    data = f.read()
                compressed += len(data)
                p.stdin.write(data)
            p.stdin.close()
            if p.wait() != 0:
                raise SystemExit("zstd -dc failed on the blob cache's frames")
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
            out.update(zstd_frames=len(chunks), zstd_compressed_bytes=compressed, zstd_decoded_bytes=decoded,
                       zstd_decode_cpu_s=round(cpu, 2),
                       zstd_decode_mb_per_s_1core=round(decoded / 1e6 / cpu, 0))
    return out


def cmd_fsync_probe(a):
    """The blob cache's put pattern (DiskChunkStore.put): write a frame to tmp/, fsync it,
    rename it into its shard directory, fsync the directory. Mean cost per put."""
    tmp, shard = os.path.join(a.dir, "tmp"), os.path.join(a.dir, "ab")
    os.makedirs(tmp, exist_ok=True)
    os.makedirs(shard, exist_ok=True)
    data = os.urandom(a.bytes)
    times = []
    for n in range(a.count):
        t = time.perf_counter()
        path = os.path.join(tmp, f"{n}.tmp")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, data)
        os.fsync(fd)
        os.close(fd)
        os.rename(path, os.path.join(shard, f"{n}"))
        dfd = os.open(shard, os.O_RDONLY | os.O_DIRECTORY)
        os.fsync(dfd)
        os.close(dfd)
        times.append(time.perf_counter() - t)
    for n in range(a.count):
        os.unlink(os.path.join(shard, f"{n}"))
    times.sort()
    return {"bytes": a.bytes, "count": a.count, "mean_ms": round(sum(times) / len(times) * 1000, 2),
            "p50_ms": round(times[len(times) // 2] * 1000, 2),
            "puts_per_s": round(len(times) / sum(times), 0),
            "mb_per_s_of_frames": round(a.bytes * len(times) / 1e6 / sum(times), 0)}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("seq")
    s.add_argument("file")
    s.add_argument("--block", type=int, default=1 << 20)
    s.add_argument("--pid", type=int, action="append", default=[])
    r = sub.add_parser("rand")
    r.add_argument("file")
    r.add_argument("--count", type=int, default=2000)
    r.add_argument("--io", type=int, default=4096)
    r.add_argument("--seed", type=int, default=1)
    r.add_argument("--pid", type=int, action="append", default=[])
    w = sub.add_parser("walk")
    w.add_argument("dirs", nargs="+")
    w.add_argument("--pid", type=int, action="append", default=[])
    h = sub.add_parser("sha256")
    h.add_argument("file")
    t = sub.add_parser("tree")
    t.add_argument("dirs", nargs="+")
    sub.add_parser("drop-caches")
    c = sub.add_parser("ceiling")
    c.add_argument("file")
    c.add_argument("--zstd-dir")
    f = sub.add_parser("fsync-probe")
    f.add_argument("dir")
    f.add_argument("--bytes", type=int, default=480000)
    f.add_argument("--count", type=int, default=40)
    a = p.parse_args()
    fn = {"fsync-probe": cmd_fsync_probe, "seq": cmd_seq, "rand": cmd_rand, "walk": cmd_walk, "sha256": cmd_sha256, "tree": cmd_tree,
          "drop-caches": cmd_drop, "ceiling": cmd_ceiling}[a.cmd]
    print(json.dumps(fn(a)))


if __name__ == "__main__":
    main()
