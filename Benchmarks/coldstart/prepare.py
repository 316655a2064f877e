#!/usr/bin/env python3
"""Prepares the cold-start benchmark's images in the local plain registry and describes them.

For each fixture (already built and pushed by Tools/fixtures.sh): converts it to Starling
(`bench/NAME:starling`, with the given starling binary) and to eStargz (`bench/NAME:estargz`,
Tools/estargz.sh), each once per fixture digest (a stamp file remembers), and writes
images.json: sizes, layer count, workload and its expected output, and per mode why it is
missing, if it is (a conversion that fails is recorded, not hidden).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STATE = Path(os.environ.get("STARLING_STATE", "/var/tmp/starling"))
REGISTRY = os.environ.get("STARLING_REGISTRY_ADDR", "127.0.0.1:5050")
TREE_WALK = ["/.bench/busybox", "sh", "-c",
             "/.bench/busybox find / -xdev | /.bench/busybox wc -l >/dev/null && echo ready"]


def log(message: str) -> None:
    print(f"[coldstart] {message}", file=sys.stderr, flush=True)


def convert(kind: str, name: str, digest: str, stamps: dict, command: list) -> str | None:
    """Runs `command` unless the stamp says this fixture digest was converted; None or the error."""
    key = f"{name}:{kind}"
    if stamps.get(key, {}).get("source") == digest:
        return stamps[key].get("error")
    log(f"converting {name} to {kind}")
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True)
    seconds = round(time.monotonic() - started, 1)
    error = None
    if result.returncode != 0:
        error = f"{kind} conversion failed: " + (result.stderr.strip().splitlines() or ["?"])[-1][:300]
        log(error)
    else:
        log(f"converted {name} to {kind} in {seconds} s")
    stamps[key] = {"source": digest, "error": error, "seconds": seconds}
    return error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", default="small,python,edge,large,dense")
    parser.add_argument("--bin", type=Path, required=True)
    parser.add_argument("--no-estargz", action="store_true")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    fixtures = json.loads((STATE / "fixtures/fixtures.json").read_text())["fixtures"]
    stamp_file = STATE / "bench/coldstart/converted.json"
    stamp_file.parent.mkdir(parents=True, exist_ok=True)
    stamps = json.loads(stamp_file.read_text()) if stamp_file.exists() else {}
    images = {}
    for name in args.images.split(","):
        fixture = fixtures.get(name)
        if fixture is None:
            raise SystemExit(f"no fixture {name!r}: build it with Tools/fixtures.sh build {name}")
        source = f"{REGISTRY}/fixtures/{name}:latest"
        digest = fixture["manifest_digest"]
        missing = {}
        error = convert("starling", name, digest, stamps,
                        [str(args.bin / "starling"), "convert", "-q", source, f"{REGISTRY}/bench/{name}:starling"])
        if error:
            missing["starling"] = error
        if args.no_estargz:
            missing["estargz"] = "eStargz left out (--no-estargz)"
        else:
            error = convert("estargz", name, digest, stamps,
                            ["bash", str(REPO / "Tools/estargz.sh"), source, f"{REGISTRY}/bench/{name}:estargz"])
            if error:
                missing["estargz"] = error
        stamp_file.write_text(json.dumps(stamps, indent=1) + "\n")
        workload = fixture.get("workload")
        busybox = workload is None
        images[name] = {
            "compressed_bytes": fixture["compressed_size"], "uncompressed_bytes": fixture["uncompressed_size"],
            "layers": len(fixture.get("layer_digests") or []),
            "workload": workload or TREE_WALK, "busybox": busybox,
            "workload_note": ("no shell in the image: a static busybox is bind-mounted and walks the whole tree"
                              if busybox else fixture.get("workload_note")),
            "expected_output": "ready\n" if busybox else fixture.get("expected_output"),
            "readiness": "exits", "missing": missing}
    args.out.write_text(json.dumps(images, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
