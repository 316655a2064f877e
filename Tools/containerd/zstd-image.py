#!/usr/bin/python3
"""Re-compress an OCI image's layers as tar+zstd (for probing what stock runtimes accept).

    zstd-image.py SRC_LAYOUT --tag T DST_LAYOUT [--dst-tag T2]
                  [--frame-size BYTES] [--level N]
                  [--skippable start,middle,end] [--skippable-size BYTES]

Each layer of SRC (gzip, zstd or uncompressed) is decompressed and written as
`application/vnd.oci.image.layer.v1.tar+zstd`:
  * --frame-size 0 (default): one zstd frame per layer (plain `zstd -LEVEL`);
  * --frame-size N: the uncompressed tar is cut every N bytes and each piece is an
    independent zstd frame, frames concatenated (like Starling's chunked layers);
  * --skippable: zstd skippable frames (magic 0x184D2A50, little-endian u32 size,
    payload) inserted at the start, in the middle (between two frames; with a single
    frame, the layer is split in two frames to make room) and/or at the end.
The config (diff_ids) is unchanged because the uncompressed tars are unchanged.
Standard library only; compression through the `zstd` command.
"""

import argparse
import gzip
import hashlib
import json
import os
import struct
import subprocess
import sys

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
LAYER_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd"
SKIPPABLE_MAGIC = 0x184D2A50


def blob_path(layout, digest):
    algo, hexd = digest.split(":", 1)
    return os.path.join(layout, "blobs", algo, hexd)


def read_json_blob(layout, digest):
    with open(blob_path(layout, digest), "rb") as f:
        return json.load(f)


def write_blob(layout, data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    p = blob_path(layout, d)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if not os.path.exists(p):
        with open(p + ".tmp", "wb") as f:
            f.write(data)
        os.replace(p + ".tmp", p)
    return d


def resolve_manifest(layout, tag):
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    for m in index["manifests"]:
        if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            desc = m
            break
    else:
        sys.exit("tag %r not in %s/index.json" % (tag, layout))
    if desc["mediaType"] == OCI_INDEX:
        sub = read_json_blob(layout, desc["digest"])
        desc = sub["manifests"][0]  # first platform is enough for a probe
    return read_json_blob(layout, desc["digest"])


def decompress(layout, layer):
    with open(blob_path(layout, layer["digest"]), "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:4] == b"\x28\xb5\x2f\xfd" or (len(data) >= 4 and
                                           struct.unpack("<I", data[:4])[0] & 0xFFFFFFF0 == SKIPPABLE_MAGIC):
        return subprocess.run(["zstd", "-q", "-d", "-c"], input=data, check=True,
                              stdout=subprocess.PIPE).stdout
    return data


def zstd_frame(data, level):
    return subprocess.run(["zstd", "-q", "-c", "-%d" % level], input=data, check=True,
                          stdout=subprocess.PIPE).stdout


def skippable(payload, variant=0):
    return struct.pack("<II", SKIPPABLE_MAGIC | variant, len(payload)) + payload


def recompress(tar, frame_size, level, where, skip_size, trailer=b""):
    if frame_size <= 0:
        pieces = [tar]
        if "middle" in where:
            half = len(tar) // 2
            pieces = [tar[:half], tar[half:]]
    else:
        pieces = [tar[i:i + frame_size] for i in range(0, len(tar), frame_size)] or [b""]
    frames = [zstd_frame(p, level) for p in pieces]
    payload = (b"STARLING-SKIPPABLE-PROBE " * (skip_size // 25 + 1))[:skip_size]
    out = []
    if "start" in where:
        out.append(skippable(payload, 0))
    mid = len(frames) // 2 if len(frames) > 1 else None
    for i, fr in enumerate(frames):
        if "middle" in where and i == mid:
            out.append(skippable(payload, 5))
        out.append(fr)
    if "end" in where:
        out.append(skippable(payload, 15))
    out.append(trailer)  # raw bytes after the last frame (not valid zstd): a negative probe
    return b"".join(out), len(frames)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--tag", default="latest")
    ap.add_argument("--dst-tag", default=None)
    ap.add_argument("--frame-size", type=int, default=0)
    ap.add_argument("--level", type=int, default=3)
    ap.add_argument("--skippable", default="")
    ap.add_argument("--skippable-size", type=int, default=4096)
    ap.add_argument("--raw-trailer", default="", help="raw (non-frame) bytes appended to each layer")
    a = ap.parse_args()
    where = {w for w in a.skippable.split(",") if w}
    bad = where - {"start", "middle", "end"}
    if bad:
        sys.exit("unknown --skippable position(s): %s" % ",".join(sorted(bad)))

    manifest = resolve_manifest(a.src, a.tag)
    os.makedirs(os.path.join(a.dst, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(a.dst, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(blob_path(a.src, manifest["config"]["digest"]), "rb") as f:
        config_digest = write_blob(a.dst, f.read())
    assert config_digest == manifest["config"]["digest"]
    layers = []
    for layer in manifest["layers"]:
        tar = decompress(a.src, layer)
        blob, nframes = recompress(tar, a.frame_size, a.level, where, a.skippable_size,
                                   a.raw_trailer.encode())
        d = write_blob(a.dst, blob)
        print("layer %s: %d bytes tar -> %d bytes zstd, %d frame(s), skippable: %s -> %s"
              % (layer["digest"][:19], len(tar), len(blob), nframes,
                 ",".join(sorted(where)) or "none", d[:19]), file=sys.stderr)
        layers.append({"mediaType": LAYER_ZSTD, "digest": d, "size": len(blob)})
    new = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
           "config": manifest["config"], "layers": layers}
    mbytes = json.dumps(new, separators=(",", ":"), sort_keys=True).encode()
    md = write_blob(a.dst, mbytes)
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [{
        "mediaType": OCI_MANIFEST, "digest": md, "size": len(mbytes),
        "annotations": {"org.opencontainers.image.ref.name": a.dst_tag or a.tag}}]}
    with open(os.path.join(a.dst, "index.json"), "w") as f:
        json.dump(index, f)
    print(md)


if __name__ == "__main__":
    main()
