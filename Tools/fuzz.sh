#!/usr/bin/env bash
# Builds a libFuzzer target with swiftc (-sanitize=fuzzer,address) and runs it.
#
#   Tools/fuzz.sh TARGET [seconds]     (default 60 seconds; FUZZ_JOBS=N runs N processes in fork mode)
#
# Builds go to .build-fuzz/TARGET/ (gitignored): the binary, corpus/ (seeded on first run, grown by the
# fuzzer) and crash-*/leak-*/timeout-* artifacts. Prints the run count; exits non-zero when the fuzzer
# found a crash. To add a target, add a row to TARGETS and, optionally, a seed_<name> function that writes
# seed inputs into the corpus directory it is given and a libFuzzer dictionary Tests/Fuzz/<name>.dict.
set -euo pipefail
cd "$(dirname "$0")/.."

# name | fuzz entry point (defines LLVMFuzzerTestOneInput) | source directories and/or extra .swift files
# compiled with it into one module (space-separated; "!FILE" leaves a file out) | extra swiftc flags
TARGETS='
tar | Tests/Fuzz/TarReaderFuzz.swift | Sources/StarlingTar
index | Tests/Fuzz/ChunkIndexFuzz.swift | Sources/StarlingFormat Sources/StarlingCompression Tests/Fuzz/FuzzDigestHasher.swift !Sources/StarlingFormat/DigestHasher.swift | -I Sources/CZstd -I Sources/CZlib -lzstd -lz
'

usage() {
  echo "usage: Tools/fuzz.sh TARGET [seconds]; targets:" >&2
  echo "$TARGETS" | awk -F' *[|] *' 'NF > 1 { print "  " $1 }' >&2
  exit 2
}

# Seeds: small archives in every dialect GNU tar and Python write, with one-block records (-b 1).
seed_tar() {
  local corpus=$1 work
  work=$(mktemp -d)
  local tree="$work/tree"
  mkdir -p "$tree/dir/sub" "$tree/long/$(printf 'd%.0s' {1..120})"
  printf 'hello\n' >"$tree/dir/file"
  printf 'x' >"$tree/one"
  : >"$tree/empty"
  head -c 1500 /dev/urandom >"$tree/dir/sub/blob"
  printf 'long\n' >"$tree/long/$(printf 'd%.0s' {1..120})/$(printf 'n%.0s' {1..110})"
  printf 'unicode\n' >"$tree/ünïcode-名前"
  ln -s ../one "$tree/dir/symlink"
  ln -s "/$(printf 't%.0s' {1..150})" "$tree/long-target"
  ln "$tree/one" "$tree/dir/hardlink"
  mkfifo "$tree/fifo"
  mknod "$tree/null" c 1 3 2>/dev/null || true
  truncate -s 20000 "$tree/sparse" && printf 'data' | dd of="$tree/sparse" bs=1 seek=10000 conv=notrunc 2>/dev/null
  touch -d @-86400 "$tree/empty"
  setfattr_py="import os,sys; os.setxattr(sys.argv[1], 'user.test', b'\\xff\\x00value')"
  /usr/bin/python3 -c "$setfattr_py" "$tree/dir/file" 2>/dev/null || true
  local format n=0
  for format in pax gnu oldgnu ustar v7; do
    tar --format=$format -b 1 --exclude=./sparse -cf "$corpus/seed-$format.tar" -C "$tree" . 2>/dev/null || true
  done
  for options in "--format=gnu --sparse" "--format=pax --sparse --sparse-version=0.0" \
    "--format=pax --sparse --sparse-version=0.1" "--format=pax --sparse --sparse-version=1.0" \
    "--format=pax --xattrs --xattrs-include=*"; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    tar $options -b 1 -cf "$corpus/seed-options-$n.tar" -C "$tree" sparse dir 2>/dev/null || true
  done
  /usr/bin/python3 - "$corpus" <<'PY'
import io, sys, tarfile
corpus = sys.argv[1]
def write(name, fmt, members, pax_headers=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=fmt, pax_headers=pax_headers or {}) as tf:
        for ti, data in members:
            tf.addfile(ti, io.BytesIO(data) if data is not None else None)
    data = buf.getvalue()
    while data.endswith(b"\0" * 512):  # drop tarfile's 10 KiB record padding, keep whole blocks
        data = data[:-512]
    open("%s/seed-python-%s.tar" % (corpus, name), "wb").write(data + b"\0" * 1024)
def ti(name, type=tarfile.REGTYPE, data=b"", **kw):
    t = tarfile.TarInfo(name); t.type = type; t.size = len(data) if type == tarfile.REGTYPE else 0
    for k, v in kw.items(): setattr(t, k, v)
    return t, (data if type == tarfile.REGTYPE else None)
base = [ti("a.txt", data=b"abc"), ti("d", tarfile.DIRTYPE), ti("d/l", tarfile.SYMTYPE, linkname="../a.txt"),
        ti("d/h", tarfile.LNKTYPE, linkname="a.txt"), ti("dev", tarfile.BLKTYPE, devmajor=259, devminor=1)]
write("pax", tarfile.PAX_FORMAT, base + [ti("x", mtime=-1.5, uid=5000000, pax_headers={
    "SCHILY.xattr.user.a": "v", "LIBARCHIVE.xattr.user.b": "AAE", "atime": "1.25", "hdrcharset": "BINARY"})])
write("global", tarfile.PAX_FORMAT, base, pax_headers={"comment": "global", "uid": "7", "mtime": "3.5"})
write("gnu", tarfile.GNU_FORMAT, base + [ti("n" * 200, uid=3000000, mtime=-86400, data=b"gnu")])
write("ustar", tarfile.USTAR_FORMAT, base + [ti("p" * 120 + "/" + "q" * 90, data=b"prefix")])
PY
  rm -rf "$work"
}

# Seeds: decompressed indexes of real converted layers (when a converted fixture exists) and a tiny one.
seed_index() {
  local corpus=$1 blob
  for blob in "${STARLING_STATE:-/var/tmp/starling}"/demo-index-seeds/*.idx; do
    [ -f "$blob" ] && cp "$blob" "$corpus/"
  done
  /usr/bin/python3 - "$corpus" <<'PY'
import struct, sys
corpus = sys.argv[1]
# A root directory only: header (96 bytes) + one 64-byte entry with an empty name.
header = b"STRLNGIX" + struct.pack("<HHIIIIHHQQQII", 1, 96, 0, 1, 0, 0, 64, 64, 0, 0, 0, 1 << 20, 0) + bytes(32)
root = struct.pack("<IIIIIIQqIIQIHH", 0, 0, 0, 0o40755, 0, 0, 0, 0, 0, 2, 1, 0xFFFFFFFF, 0, 0)
open(corpus + "/root-only.idx", "wb").write(header + root)
PY
}

run() {
  local name=$1 seconds=$2 row entry dirs
  row=$(echo "$TARGETS" | awk -F' *[|] *' -v name="$name" '$1 == name')
  [ -n "$row" ] || usage
  entry=$(echo "$row" | awk -F' *[|] *' '{ print $2 }')
  dirs=$(echo "$row" | awk -F' *[|] *' '{ print $3 }')
  local flags
  flags=$(echo "$row" | awk -F' *[|] *' '{ print $4 }')
  local build=".build-fuzz/$name"
  mkdir -p "$build/corpus" "$build/artifacts"
  local sources=("$entry")
  local dir
  for dir in $dirs; do
    case "$dir" in
      !*) ;;  # exclusions are applied below
      *) if [ -d "$dir" ]; then sources+=("$dir"/*.swift); else sources+=("$dir"); fi ;;
    esac
  done
  for dir in $dirs; do
    case "$dir" in
      !*) local keep=() s; for s in "${sources[@]}"; do [ "$s" = "${dir#!}" ] || keep+=("$s"); done; sources=("${keep[@]}") ;;
    esac
  done
  # Everything becomes one module, so imports of the project's own modules must go.
  rm -rf "$build/src" && mkdir -p "$build/src"
  local copied=() i=0 s
  for s in "${sources[@]}"; do
    i=$((i + 1))
    sed -E '/^(public |package )?import Starling[A-Za-z]*$/d' "$s" >"$build/src/$i-$(basename "$s")"
    copied+=("$build/src/$i-$(basename "$s")")
  done
  sources=("${copied[@]}")
  echo "building $build/fuzzer from $entry + $dirs"
  # The linker warns about every ASan helper symbol; show its output only when the build fails.
  if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -g -swift-version 6 \
    -enable-upcoming-feature ExistentialAny -enable-upcoming-feature InternalImportsByDefault \
    -enable-upcoming-feature MemberImportVisibility \
    -module-name "Fuzz${name//[^A-Za-z0-9]/_}" $flags "${sources[@]}" -o "$build/fuzzer" >"$build/build.log" 2>&1; then
    grep -v 'Cannot export local symbol' "$build/build.log" >&2
    exit 1
  fi
  grep -E 'error|warning: ' "$build/build.log" | grep -v 'Cannot export local symbol' >&2 || true
  if [ -z "$(ls -A "$build/corpus")" ] && declare -F "seed_$name" >/dev/null; then
    "seed_$name" "$build/corpus"
    echo "seeded corpus with $(ls "$build/corpus" | wc -l) inputs"
  fi
  local log="$build/last-run.log" status=0
  local extra=()
  [ -n "${FUZZ_JOBS:-}" ] && extra+=(-fork="$FUZZ_JOBS" -ignore_crashes=0)
  [ -f "Tests/Fuzz/$name.dict" ] && extra+=(-dict="Tests/Fuzz/$name.dict")
  echo "fuzzing $name for $seconds s (log: $log)"
  # Swift's own crash handler reads memory ASan considers wild; let libFuzzer report the crash instead.
  SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1 "$build/fuzzer" "$build/corpus" \
    -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 -max_len=131072 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/" "${extra[@]}" >"$log" 2>&1 || status=$?
  local runs
  # Single-process runs print final stats; fork mode (FUZZ_JOBS) only prints "#RUNS: ..." progress lines.
  runs=$({ grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" || true; } | awk '{ s += $2 } END { print s + 0 }')
  [ "$runs" -gt 0 ] || runs=$({ grep -Eo '^#[0-9]+' "$log" || true; } | tail -1 | tr -d '#')
  echo "runs: ${runs:-unknown} (time limit $seconds s); corpus: $(ls "$build/corpus" | wc -l) inputs"
  if [ "$status" -ne 0 ]; then
    echo "CRASH (fuzzer exit status $status); new artifacts (reproduce: $build/fuzzer ARTIFACT):" >&2
    find "$build/artifacts" -type f -newer "$build/build.log" >&2
    grep -E -A 30 'ERROR: |Fatal error|deadly signal|==ERROR' "$log" | head -60 >&2 || true
    exit 1
  fi
  echo "no crash"
}

[ $# -ge 1 ] || usage
run "$1" "${2:-60}"
