#!/usr/bin/env bash
# Conversion benchmark: `starling convert` vs `ctr-remote image convert --estargz` (Debian's
# stargz-snapshotter) on the same source image, in one run, side by side.
#
#   Benchmarks/convert-bench.sh [FIXTURE] [RUNS]     (default: python 3)
#
# Measures, per tool: wall time and peak RSS of the conversion itself (GNU time -v), throughput
# in MB/s of uncompressed input (the source's tar bytes / wall time), and the size of the
# converted layers relative to the original gzip layers. Starling converts OCI layout ->
# OCI layout (local disk, like ctr-remote's content store -> content store); its
# registry -> registry time (pull + convert + push) is reported too. Medians of RUNS runs.
# Results: a markdown table on stdout and JSON in $STARLING_STATE/bench/.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../Tools/lib.sh"
cd "$STARLING_REPO"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

FIXTURE="${1:-python}"
RUNS="${2:-3}"
"$STARLING_REPO/Tools/install-deps.sh" >/dev/null
"$STARLING_REPO/Tools/registry.sh" start plain >/dev/null
"$STARLING_REPO/Tools/containerd.sh" start >/dev/null
"$STARLING_REPO/Tools/fixtures.sh" build "$FIXTURE" >/dev/null
"$STARLING_REPO/Tools/fixtures.sh" push "$FIXTURE" >/dev/null

log "building starling (release)"
swift build -c release --product starling >/dev/null
STARLING="$(swift build -c release --show-bin-path)/starling"

LAYOUT="$STARLING_STATE/fixtures/$FIXTURE"
SRC="$STARLING_REGISTRY_ADDR/fixtures/$FIXTURE:latest"
OUT="$STARLING_STATE/bench"
mkdir -p "$OUT"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tar_bytes=$(/usr/bin/python3 -c "import json,sys; f=json.load(open('$STARLING_STATE/fixtures/fixtures.json'))['fixtures']['$FIXTURE']; print(f['uncompressed_size'])")
src_bytes=$(/usr/bin/python3 -c "import json,sys; f=json.load(open('$STARLING_STATE/fixtures/fixtures.json'))['fixtures']['$FIXTURE']; print(f['compressed_size'])")

# timed OUTFILE CMD...: runs CMD under GNU time, prints "seconds rss_kb".
timed() {
  local stats="$work/time.txt"
  /usr/bin/time -v -o "$stats" "$@" >"$work/out.txt" 2>&1 || { cat "$work/out.txt" >&2; die "failed: $*"; }
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$stats")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$stats")
  /usr/bin/python3 -c "
w='$wall'.split(':'); s=float(w[-1])+60*float(w[-2])+(3600*float(w[-3]) if len(w)>2 else 0); print(f'{s:.2f} $rss')"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

declare -a s_wall s_rss r_wall e_wall e_rss
for run in $(seq "$RUNS"); do
  rm -rf "$work/starling"
  read -r w r < <(timed "$STARLING" convert -q "oci:$LAYOUT:latest" "oci:$work/starling:latest")
  s_wall+=("$w"); s_rss+=("$r")
  read -r w _ < <(timed "$STARLING" convert -q "$SRC" "$STARLING_REGISTRY_ADDR/bench/$FIXTURE:starling")
  r_wall+=("$w")
  "$STARLING_REPO/Tools/estargz.sh" "$SRC" "$STARLING_REGISTRY_ADDR/bench/$FIXTURE:esgz" >"$work/esgz.txt" 2>&1 \
    || { cat "$work/esgz.txt" >&2; die "eStargz conversion failed"; }
  e_wall+=("$(awk -F= '/^estargz.wall_seconds=/ {print $2}' "$work/esgz.txt")")
  e_rss+=("$(awk -F= '/^estargz.peak_rss_kb=/ {print $2}' "$work/esgz.txt")")
  esgz_bytes=$(awk -F= '/^estargz.dst_compressed_bytes=/ {print $2}' "$work/esgz.txt")
  log "run $run: starling ${s_wall[-1]} s (registry ${r_wall[-1]} s), eStargz ${e_wall[-1]} s"
done
starling_bytes=$("$STARLING" inspect --json "oci:$work/starling:latest" | /usr/bin/python3 -c "
import json,sys; d=json.load(sys.stdin); print(sum(l['compressedBytes'] for ls in d.values() for l in ls))")
index_bytes=$("$STARLING" inspect --json "oci:$work/starling:latest" | /usr/bin/python3 -c "
import json,sys; d=json.load(sys.stdin); print(sum(l.get('indexBytes') or 0 for ls in d.values() for l in ls))")

sw=$(printf '%s\n' "${s_wall[@]}" | median); sr=$(printf '%s\n' "${s_rss[@]}" | median)
rw=$(printf '%s\n' "${r_wall[@]}" | median)
ew=$(printf '%s\n' "${e_wall[@]}" | median); er=$(printf '%s\n' "${e_rss[@]}" | median)

/usr/bin/python3 - "$OUT" <<PY
import json, sys, time
tar, src = $tar_bytes, $src_bytes
rows = {
  "starling": {"wall_s": $sw, "rss_kb": $sr, "bytes": $starling_bytes, "registry_wall_s": $rw, "index_bytes": $index_bytes},
  "estargz": {"wall_s": $ew, "rss_kb": $er, "bytes": $esgz_bytes},
}
print(f"Conversion of fixtures/$FIXTURE: {tar/1e6:.1f} MB uncompressed, {src/1e6:.1f} MB gzip; medians of $RUNS runs, same machine, same run\n")
print("| tool | wall (s) | MB/s (uncompressed input) | peak RSS (MiB) | converted size (MB) | vs gzip |")
print("|---|---|---|---|---|---|")
for name, r in rows.items():
    print(f"| {name} | {r['wall_s']:.2f} | {tar/1e6/r['wall_s']:.0f} | {r['rss_kb']/1024:.0f} | {r['bytes']/1e6:.1f} | {(r['bytes']/src-1)*100:+.1f}% |")
s, e = rows["starling"], rows["estargz"]
print(f"\nStarling is {e['wall_s']/s['wall_s']:.1f}x faster than eStargz conversion; "
      f"registry->registry (pull + convert + push) {s['registry_wall_s']:.2f} s; "
      f"index {s['index_bytes']/1e3:.0f} kB = {s['index_bytes']*100/s['bytes']:.2f}% of the converted image.")
out = f"{sys.argv[1]}/convert-$FIXTURE-{time.strftime('%Y%m%dT%H%M%S')}.json"
json.dump({"fixture": "$FIXTURE", "runs": $RUNS, "tar_bytes": tar, "gzip_bytes": src, "results": rows}, open(out, "w"), indent=2)
print(f"raw: {out}")
PY
