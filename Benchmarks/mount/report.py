#!/usr/bin/python3
"""Turns a mount-bench run folder (setup.json, records.jsonl, timing.json) into the
markdown report (stdout) and summary.json (min / median / max of every figure).

  report.py RUN_DIR
"""
import json
import os
import statistics
import sys

MB = 1e6


def load(run_dir):
    with open(os.path.join(run_dir, "setup.json")) as f:
        setup = json.load(f)
    records = []
    with open(os.path.join(run_dir, "records.jsonl")) as f:
        for line in f:
            if line.strip():
                records.append(json.loads(line))
    timing = {}
    try:
        with open(os.path.join(run_dir, "timing.json")) as f:
            timing = json.load(f)
    except OSError:
        pass
    return setup, records, timing


def pick(records, metric, mode):
    return [r for r in records if r["metric"] == metric and r["mode"] == mode]


def get(r, path):
    for key in path.split("."):
        if r is None:
            return None
        r = r.get(key) if isinstance(r, dict) else None
    return r


def trio(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def fmt(x, digits=1):
    if x is None:
        return "–"
    if isinstance(x, float) and digits == 0:
        return f"{x:,.0f}"
    if abs(x) >= 1000 and digits <= 1:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def cells(t, digits=1):
    if t is None:
        return ["–", "–", "–"]
    return [fmt(t["min"], digits), fmt(t["median"], digits), fmt(t["max"], digits)]


def pct(share):
    return "–" if share is None else f"{share * 100:.0f}%"


def verdict(ok):
    return "PASS" if ok else "MISS"


def main():
    run_dir = sys.argv[1]
    setup, records, timing = load(run_dir)
    summary = {"setup": setup, "timing": timing, "figures": {}, "targets": {}}
    rows = []  # (label, unit, trio, digits, target, verdict)

    def add(key, label, unit, values, digits=1, target="", ok=None):
        t = trio(values)
        if t is None:  # group not measured (--only)
            return None
        summary["figures"][key] = t
        rows.append((label, unit, t, digits, target, "" if ok is None else verdict(ok)))
        return t

    big = setup["big_image"]
    size = big["size"]
    py_layers = setup["python_layers"]

    # Mount -> first byte.
    for image, layers_default in (("python", py_layers), ("big", 1)):
        rs = pick(records, "first-byte", image)
        layers = rs[0]["layers"] if rs else layers_default
        name = f"python fixture ({layers} layers)" if image == "python" else f"big image ({layers} layer)"
        add(f"first_byte_ms.{image}", f"mount → first byte, {name}", "ms", [r["first_byte_ms"] for r in rs])
        wall = [r["mount_command_ms"] / r["layers"] for r in rs]
        t = trio(wall)
        add(f"mount_wall_ms_per_layer.{image}", f"`starling mount` wall time per layer, {name}", "ms/layer", wall,
            target="< 100 ms/layer", ok=t is not None and t["median"] < 100)
        own = [get(r, "stats.mount_milliseconds") / r["layers"] for r in rs if get(r, "stats.mount_milliseconds") is not None]
        t = trio(own)
        add(f"mount_ms_per_layer.{image}", f"mount_milliseconds (stats.json) per layer, {name}", "ms/layer", own,
            target="< 100 ms/layer", ok=t is not None and t["median"] < 100)

    # Sequential read.
    seq = {m: trio([r["mb_per_s"] for r in pick(records, "seq", m)]) for m in ("cold", "warm", "ext4", "tmpfs")}
    gib = f"{size / 2**30:g} GiB" if size >= 2**30 else f"{size / 2**20:g} MiB"
    add("seq_mb_s.cold", f"sequential read {gib}, cold (registry over loopback)", "MB/s",
        [r["mb_per_s"] for r in pick(records, "seq", "cold")])
    warm_vals = [r["mb_per_s"] for r in pick(records, "seq", "warm")]
    ext4_med = seq["ext4"]["median"] if seq["ext4"] else None
    warm_t = trio(warm_vals)
    ok = warm_t is not None and ext4_med and warm_t["median"] >= 0.5 * ext4_med
    add("seq_mb_s.warm", f"sequential read {gib}, warm (blob cache, remounted)", "MB/s", warm_vals,
        target=f"≥ 50% of local ext4 (≥ {fmt(0.5 * ext4_med) if ext4_med else '?'})", ok=bool(ok))
    add("seq_mb_s.ext4", f"sequential read {gib}, local ext4 (page cache dropped)", "MB/s",
        [r["mb_per_s"] for r in pick(records, "seq", "ext4")])
    if seq["tmpfs"]:
        add("seq_mb_s.tmpfs", f"sequential read {gib}, local tmpfs", "MB/s",
            [r["mb_per_s"] for r in pick(records, "seq", "tmpfs")])
    ratios = {}
    for ref in ("ext4", "tmpfs"):
        if seq["warm"] and seq[ref]:
            ratios[ref] = seq["warm"]["median"] / seq[ref]["median"]
            summary["figures"][f"seq_warm_over_{ref}"] = ratios[ref]
    if seq["cold"] and seq["ext4"]:
        summary["figures"]["seq_cold_over_ext4"] = seq["cold"]["median"] / seq["ext4"]["median"]

    # Random reads.
    for mode, label in (("warm", "warm (blob cache, remounted, caches dropped)"), ("ext4", "local ext4 (caches dropped)"),
                        ("tmpfs", "local tmpfs")):
        rs = pick(records, "rand", mode)
        if not rs:
            continue
        for stat in ("p50_us", "p99_us", "mean_us"):
            add(f"rand_{stat}.{mode}", f"random 4 KiB read {stat[:-3]}, {label}", "µs", [r[stat] for r in rs])

    # Small files.
    walk = {m: trio([r["seconds"] for r in pick(records, "walk", m)]) for m in ("cold", "warm", "ext4")}
    tree = setup["python_tree"]
    what = f"{tree['files']:,} files, {tree['bytes'] / MB:.0f} MB"
    add("walk_s.cold", f"small files ({what}), cold", "s", [r["seconds"] for r in pick(records, "walk", "cold")], 2)
    wt = add("walk_s.warm", f"small files, warm (blob cache, remounted)", "s",
             [r["seconds"] for r in pick(records, "walk", "warm")], 2)
    add("walk_s.ext4", "small files, local ext4 (caches dropped)", "s", [r["seconds"] for r in pick(records, "walk", "ext4")], 2)
    if walk["warm"] and walk["ext4"]:
        r_warm = walk["warm"]["median"] / walk["ext4"]["median"]
        summary["figures"]["walk_warm_over_ext4"] = r_warm
    if walk["cold"] and walk["ext4"]:
        summary["figures"]["walk_cold_over_ext4"] = walk["cold"]["median"] / walk["ext4"]["median"]

    # --- output ---------------------------------------------------------------------------
    out = []
    p = out.append
    p(f"## `starling mount` benchmark ({setup['runs']} runs: min / median / max)\n")
    p(f"Commit {setup['commit']}, binary built {setup['starling_built']}; kernel {setup['kernel']}, "
      f"{setup['cores']} cores; local disk {setup['local_fs']}, blob cache on {setup['cache_fs']}; registry on "
      f"loopback (plain HTTP). Big image: one {gib} file (+ 8 small files), {big['layer_bytes'] / MB:.0f} MB gzip"
      + (f"; extra mount args `{setup['mount_args']}`" if setup.get("mount_args") else "")
      + (f"; FUSE read_ahead_kb forced to {setup['fuse_read_ahead_kb']}" if setup.get("fuse_read_ahead_kb") else "")
      + (f"; mounts read from {setup.get('registry')} (private read-only registry over the shared storage)"
         if setup.get("private_registry") else "") + ".\n")
    p("| measurement | unit | min | median | max | target | verdict |")
    p("|---|---|---|---|---|---|---|")
    for label, unit, t, digits, target, v in rows:
        p(f"| {label} | {unit} | " + " | ".join(cells(t, digits)) + f" | {target} | {v} |")
    if "ext4" in ratios:
        p(f"| warm sequential / local ext4 | ratio | | {ratios['ext4']:.2f} | | ≥ 0.50 | {verdict(ratios['ext4'] >= 0.5)} |")
    if "tmpfs" in ratios:
        p(f"| warm sequential / local tmpfs | ratio | | {ratios['tmpfs']:.2f} | | | |")
    if "walk_warm_over_ext4" in summary["figures"]:
        x = summary["figures"]["walk_warm_over_ext4"]
        p(f"| small files warm / local | ratio | | {x:.2f} | | ≤ 2.0 | {verdict(x <= 2.0)} |")
        summary["targets"]["small_files_warm_within_2x"] = x <= 2.0
    if "walk_cold_over_ext4" in summary["figures"]:
        p(f"| small files cold / local | ratio | | {summary['figures']['walk_cold_over_ext4']:.2f} | | | |")
    if "seq_cold_over_ext4" in summary["figures"]:
        p(f"| sequential cold / local ext4 | ratio | | {summary['figures']['seq_cold_over_ext4']:.2f} | | | |")
    if "ext4" in ratios:
        summary["targets"]["warm_seq_half_of_ext4"] = ratios["ext4"] >= 0.5
    for image in ("python", "big"):
        t = summary["figures"].get(f"mount_wall_ms_per_layer.{image}")
        if t:
            summary["targets"][f"mount_wall_under_100ms_per_layer.{image}"] = t["median"] < 100

    # Cost table.
    p("\n### What each figure cost (medians over runs)\n")
    p("Machine-wide columns (busy, iowait, disk read) include whatever else runs on the machine; dropping the "
      "page cache makes everything re-read its files.\n")
    p("| run | wall s | reader CPU s | mount process CPU s (cores busy) | registry CPU s | machine busy | iowait "
      "| disk read MB: mount process / machine | requests | fetched MB | frames fetched / disk cache / memory / read-ahead | served MB |")
    p("|---|---|---|---|---|---|---|---|---|---|---|---|")
    cost_rows = [("seq", "cold"), ("seq", "warm"), ("seq", "ext4"), ("seq", "tmpfs"), ("rand", "warm"), ("rand", "ext4"),
                 ("walk", "cold"), ("walk", "warm"), ("walk", "ext4"), ("first-byte", "python"), ("first-byte", "big")]
    costs = {}
    for metric, mode in cost_rows:
        rs = pick(records, metric, mode)
        if not rs:
            continue

        def med(path):
            v = [get(r, path) for r in rs]
            v = [x for x in v if x is not None]
            return statistics.median(v) if v else None

        wall = med("seconds")
        if metric == "first-byte":
            wall = med("first_byte_ms") / 1000
        mount_cpu = statistics.median([get(r, f"pid_cpu_s.{r.get('mount_pid')}") or 0 for r in rs]) \
            if rs[0].get("mount_pid") and rs[0].get("pid_cpu_s") else None
        reg_cpu = None
        for r in rs:
            others = [v for k, v in (r.get("pid_cpu_s") or {}).items() if k != str(r.get("mount_pid"))]
            if others:
                reg_cpu = (reg_cpu or []) + [others[0] or 0]
        reg_cpu = statistics.median(reg_cpu) if reg_cpu else None
        pdisk = [get(r, f"pid_disk_read_bytes.{r.get('mount_pid')}") for r in rs if r.get("mount_pid")]
        pdisk = [x for x in pdisk if x is not None]
        pdisk = statistics.median(pdisk) if pdisk else None
        reader = None
        if med("reader_user_s") is not None:
            reader = med("reader_user_s") + med("reader_sys_s")
        c = {k: med(f"stats.{k}") for k in ("requests", "bytes_fetched", "cache_misses", "cache_hits", "memory_hits",
                                             "read_ahead_frames", "bytes_served", "image_bytes", "index_bytes")}
        c.update(wall=wall, mount_cpu=mount_cpu, registry_cpu=reg_cpu, reader_cpu=reader,
                 busy=med("machine_busy_share"), iowait=med("machine_iowait_share"), disk=med("disk_read_bytes"),
                 mount_disk=pdisk)
        costs[f"{metric}.{mode}"] = c
        frames = "–" if c["cache_misses"] is None else \
            f"{c['cache_misses']:.0f} / {c['cache_hits']:.0f} / {c['memory_hits']:.0f} / {c['read_ahead_frames']:.0f}"
        busy_cores = f" ({mount_cpu / wall:.2f})" if mount_cpu is not None and wall else ""
        p(f"| {metric} {mode} | {fmt(wall, 2)} | {fmt(reader, 2)} | {fmt(mount_cpu, 2)}{busy_cores} | {fmt(reg_cpu, 2)} "
          f"| {pct(c['busy'])} | {pct(c['iowait'])} "
          f"| {fmt(pdisk / MB if pdisk is not None else None, 0)} / {fmt(c['disk'] / MB if c['disk'] is not None else None, 0)} "
          f"| {fmt(c['requests'], 0)} "
          f"| {fmt(c['bytes_fetched'] / MB if c['bytes_fetched'] is not None else None, 1)} | {frames} "
          f"| {fmt(c['bytes_served'] / MB if c['bytes_served'] is not None else None, 1)} |")
    summary["costs"] = costs

    # Fetched vs image size.
    p("\n### Bytes fetched from the registry (cold runs, medians) vs image size\n")
    p("| run | index bytes at mount | bytes fetched after mount | image size (compressed) | share |")
    p("|---|---|---|---|---|")
    for key, label in (("seq.cold", f"sequential read of the {gib} file"), ("walk.cold", "small-file walk (python)"),
                       ("first-byte.python", "mount → first byte (python; + read-ahead until unmount)"),
                       ("first-byte.big", "mount → first byte (big; + read-ahead until unmount)")):
        c = costs.get(key)
        if not c or c.get("image_bytes") is None:
            continue
        share = (c["index_bytes"] + c["bytes_fetched"]) / c["image_bytes"] * 100
        p(f"| {label} | {c['index_bytes'] / 1e3:,.1f} kB | {c['bytes_fetched'] / MB:,.1f} MB | "
          f"{c['image_bytes'] / MB:,.1f} MB | {share:.1f}% |")

    # Limits: what the data says.
    notes = []
    ceiling = (pick(records, "ceiling", "cpu") or [{}])[0]
    probe = (pick(records, "ceiling", "fsync-probe") or [{}])[0]
    sha = ceiling.get("sha256_mb_per_s_1core")
    zd = ceiling.get("zstd_decode_mb_per_s_1core")
    if sha and zd:
        per_core = 1 / (1 / sha + 1 / zd)
        notes.append(f"CPU ceiling of decode + verify on this machine: zstd -d {zd:.0f} MB/s and sha256 {sha:.0f} MB/s "
                     f"per core → {per_core:.0f} MB/s per core, {per_core * setup['cores']:.0f} MB/s on "
                     f"{setup['cores']} cores (before FUSE copies, page-cache fills and the reader).")
        summary["figures"]["decode_verify_mb_s_per_core"] = per_core
    if probe.get("mean_ms"):
        notes.append(f"Blob-cache put (write {probe['bytes'] / 1e3:.0f} kB, fsync, rename, fsync dir) costs "
                     f"{probe['mean_ms']:.2f} ms on {setup['cache_fs']} here: {probe['puts_per_s']:.0f} frames/s if "
                     f"puts run one at a time.")
    for key, label in (("seq.cold", "cold sequential"), ("seq.warm", "warm sequential"), ("walk.cold", "cold small files"),
                       ("walk.warm", "warm small files"), ("rand.warm", "warm random")):
        c = costs.get(key)
        if not c or not c["wall"]:
            continue
        parts = []
        if c["mount_cpu"] is not None:
            parts.append(f"mount process {c['mount_cpu'] / c['wall']:.2f} cores busy")
        if c["reader_cpu"] is not None:
            parts.append(f"reader {c['reader_cpu'] / c['wall']:.2f} cores")
        if c["registry_cpu"] is not None:
            parts.append(f"registry {c['registry_cpu'] / c['wall']:.2f} cores")
        if c["busy"] is not None:
            parts.append(f"machine {c['busy'] * 100:.0f}% busy, {c['iowait'] * 100:.0f}% iowait")
        if c["requests"]:
            parts.append(f"{c['requests']:.0f} range requests of {c['bytes_fetched'] / c['requests'] / 2**20:.2f} MiB avg, "
                         f"one per {c['wall'] / c['requests'] * 1000:.1f} ms of wall time")
            responses = statistics.median([r.get("registry_responses") or 0 for r in pick(records, *key.split("."))])
            if c["registry_cpu"] is not None and responses:
                parts.append(f"registry {c['registry_cpu'] / responses * 1000:.1f} ms CPU per response ({responses:.0f} logged)")
        if key.startswith("seq") and c["mount_cpu"]:
            gb = size / 1e9
            parts.append(f"{c['mount_cpu'] / gb:.2f} CPU-s per GB served → ≤ {gb / c['mount_cpu'] * setup['cores'] * 1000:.0f} "
                         f"MB/s if the mount process had all {setup['cores']} cores")
        lookups = sum(c[k] or 0 for k in ("cache_hits", "memory_hits")) + (c["cache_misses"] or 0) - (c["read_ahead_frames"] or 0)
        if c["bytes_served"] and lookups > 0 and key.startswith("seq"):
            parts.append(f"{c['bytes_served'] / lookups / 1024:.0f} KiB served per counted frame lookup")
        if c["mount_disk"] is not None:
            parts.append(f"mount process read {c['mount_disk'] / MB:.0f} MB from disk")
        notes.append(f"{label}: " + "; ".join(parts) + ".")
    ra = sorted({x for r in records for x in (r.get("fuse_read_ahead_kb") or []) if x is not None})
    if ra:
        notes.append(f"FUSE layer mounts' read_ahead_kb: {', '.join(str(x) for x in ra)}.")
    rw = costs.get("rand.warm")
    rs = pick(records, "rand", "warm")
    if rs and rs[0].get("first_touch_mean_us") is not None:
        ft = statistics.median([r["first_touch_mean_us"] for r in rs])
        rp = statistics.median([r["repeat_mean_us"] for r in rs if r.get("repeat_mean_us") is not None] or [0])
        notes.append(f"warm random reads: first touch of a 1 MiB region {ft:.0f} µs mean, later reads in a touched "
                     f"region {rp:.0f} µs mean ({rs[0]['first_touch_mib_regions']} of {rs[0]['count']} reads were first touches).")
    if notes:
        p("\n### What limits the figures (measured)\n")
        for n in notes:
            p(f"- {n}")
    verified = [r.get("verified") for r in records if "verified" in r]
    p(f"\nContent checked (sha256, outside the timed region): "
      + ("all matched" if verified and all(verified) else "MISMATCH" if verified else "not checked")
      + f" ({len(verified)} checks). Benchmark time {timing.get('benchmark_seconds', '?')} s.")
    summary["verified"] = bool(verified) and all(verified)

    print("\n".join(out))
    with open(os.path.join(run_dir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
