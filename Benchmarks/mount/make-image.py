#!/usr/bin/python3
"""Builds the mount benchmark's test image offline (standard library only).

  make-image.py --size BYTES --out DIR [--seed N]

DIR receives:
  big.bin          the big file itself (the "local ext4" reference of the benchmark)
  layout/          an OCI image layout, tag "latest": one gzip layer holding
                   bench/big.bin (BYTES long) and a few small files under bench/
  image.json       what was built: sizes, digests, sha256 of big.bin, the build key
                   (written last: its presence with the same key means "already built")

The big file's content is deterministic for a seed and size: every 64 KiB block is 20%
pseudo-random bytes followed by 80% text slices (words from a random vocabulary), so zstd
compresses 1 MiB frames about 2.2x and gzip -1 about 1.5x, and no two 1 MiB chunks are
equal (the converter's frame deduplication cannot shortcut the benchmark).
"""
import argparse
import hashlib
import io
import json
import os
import random
import shutil
import sys
import tarfile
import time
import zlib

GENERATOR_VERSION = 1
BLOCK = 64 << 10
RANDOM_SHARE = 0.2
MTIME = 1700000000


def content_blocks(seed, size):
    """Yields the big file's bytes in blocks of at most BLOCK."""
    r = random.Random(seed)
    letters = b"abcdefghijklmnopqrstuvwxyz"
    vocab = [bytes(r.choice(letters) for _ in range(r.randint(2, 10))) for _ in range(4096)]
    corpus = b" ".join(r.choice(vocab) for _ in range(300000))
    random_bytes = int(BLOCK * RANDOM_SHARE)
    done = 0
    while done < size:
        block = r.randbytes(random_bytes)
        start = r.randrange(0, len(corpus) - BLOCK)
        block += corpus[start:start + BLOCK - random_bytes]
        block = block[: size - done]
        done += len(block)
        yield block


class GzipHashWriter(io.RawIOBase):
    """File-like sink: hashes what tarfile writes (diff_id), gzips it, hashes and writes
    the compressed stream (layer digest)."""

    def __init__(self, path, level):
        self.out = open(path, "wb")
        self.diff = hashlib.sha256()
        self.digest = hashlib.sha256()
        self.size = 0
        self.uncompressed = 0
        self.z = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip wrapper

    def writable(self):
        return True

    def _emit(self, data):
        if data:
            self.digest.update(data)
            self.out.write(data)
            self.size += len(data)

    def write(self, b):
        b = bytes(b)
        self.diff.update(b)
        self.uncompressed += len(b)
        self._emit(self.z.compress(b))
        return len(b)

    def finish(self):
        self._emit(self.z.flush())
        self.out.close()


class BlockReader(io.RawIOBase):
    """Reads a file while hashing it (tarfile copies from it)."""

    def __init__(self, f, h):
        self.f, self.h = f, h

    def readable(self):
        return True

    def readinto(self, b):
        n = self.f.readinto(b)
        if n:
            self.h.update(memoryview(b)[:n])
        return n


def write_blob(layout, data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(layout, "blobs", "sha256", digest)
    with open(path, "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


def build(size, seed, out, key):
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    layout = os.path.join(tmp, "layout")
    os.makedirs(os.path.join(layout, "blobs", "sha256"))
    started = time.time()

    # 1. The big file (kept: it is the local-disk reference).
    big = os.path.join(tmp, "big.bin")
    with open(big, "wb") as f:
        for block in content_blocks(seed, size):
            f.write(block)

    # 2. The layer: tar (PAX) streamed through gzip -1.
    layer_tmp = os.path.join(tmp, "layer.tar.gz")
    sink = GzipHashWriter(layer_tmp, 1)
    big_hash = hashlib.sha256()
    with tarfile.open(fileobj=sink, mode="w|", format=tarfile.PAX_FORMAT) as tar:
        def add_dir(name):
            info = tarfile.TarInfo(name)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
            tar.addfile(info)

        def add_file(name, data=None, path=None, mode=0o644):
            info = tarfile.TarInfo(name)
            info.mode, info.mtime = mode, MTIME
            if path is None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                info.size = os.path.getsize(path)
                with open(path, "rb") as f:
                    tar.addfile(info, io.BufferedReader(BlockReader(f, big_hash), 1 << 20))

        add_dir("bench")
        add_file("bench/README", b"Starling mount benchmark image: bench/big.bin is the big file.\n")
        add_dir("bench/small")
        r = random.Random(seed + 1)
        for n in range(8):
            add_file(f"bench/small/{n:02d}.txt", (f"small file {n}\n" * r.randint(10, 4000)).encode())
        add_file("bench/big.bin", path=big)
    sink.finish()
    layer_digest = "sha256:" + sink.digest.hexdigest()
    diff_id = "sha256:" + sink.diff.hexdigest()
    os.rename(layer_tmp, os.path.join(layout, "blobs", "sha256", sink.digest.hexdigest()))

    # 3. Config, manifest, index, oci-layout.
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(MTIME)),
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": f"Benchmarks/mount/make-image.py --size {size} --seed {seed}"}],
    }
    config_digest, config_size = write_blob(layout, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                   "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                    "size": sink.size}],
    }
    manifest_digest, manifest_size = write_blob(layout, json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest,
                       "size": manifest_size, "platform": {"architecture": "amd64", "os": "linux"},
                       "annotations": {"org.opencontainers.image.ref.name": "latest"}}],
    }
    with open(os.path.join(layout, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(layout, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)

    info = {
        "key": key,
        "size": size,
        "seed": seed,
        "big_path": "bench/big.bin",
        "big_sha256": big_hash.hexdigest(),
        "layer_digest": layer_digest,
        "layer_bytes": sink.size,
        "tar_bytes": sink.uncompressed,
        "diff_id": diff_id,
        "manifest_digest": manifest_digest,
        "build_seconds": round(time.time() - started, 1),
    }
    with open(os.path.join(tmp, "image.json"), "w") as f:
        json.dump(info, f, indent=2)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    return info


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    with open(__file__, "rb") as f:
        key = hashlib.sha256(f.read() + f"|{a.size}|{a.seed}|{GENERATOR_VERSION}".encode()).hexdigest()
    try:
        with open(os.path.join(a.out, "image.json")) as f:
            info = json.load(f)
        if info.get("key") == key and os.path.getsize(os.path.join(a.out, "big.bin")) == a.size:
            print(json.dumps(info))
            return
    except (OSError, ValueError):
        pass
    print(f"building {a.size} byte test image in {a.out}", file=sys.stderr)
    print(json.dumps(build(a.size, a.seed, a.out, key)))


if __name__ == "__main__":
    main()
