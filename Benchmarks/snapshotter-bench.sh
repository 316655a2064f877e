#!/usr/bin/env bash
# Cold start of the Python fixture under real containerd + runc on loopback, side by side
# in one run: containerd's overlayfs snapshotter with a full pull of the original image,
# versus starlingd (the `starling` proxy snapshotter) with `ctr-remote image rpull` of the
# converted image. Before every run: image and content removed, a fresh starlingd root
# (empty blob cache), page cache dropped. Prints pull / start / total per mode
# (min / median / max) and the ratio of medians. (Throttled links: Benchmarks issue.)
#
#   Benchmarks/snapshotter-bench.sh [RUNS]      (default 3; needs root)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../Tools/lib.sh"
cd "$STARLING_REPO"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
RUNS="${1:-3}"
(( EUID == 0 )) || die "needs root (containerd, FUSE, drop_caches)"

"$STARLING_REPO/Tools/registry.sh" start plain >/dev/null
"$STARLING_REPO/Tools/containerd.sh" start >/dev/null
"$STARLING_REPO/Tools/fixtures.sh" build python >/dev/null
"$STARLING_REPO/Tools/fixtures.sh" push python >/dev/null
eval "$("$STARLING_REPO/Tools/containerd.sh" env)"
swift build -c release --product starling >/dev/null 2>&1 || die "release build of starling failed"
swift build -c release --product starlingd >/dev/null 2>&1 || die "release build of starlingd failed"
BIN="$(swift build -c release --show-bin-path)"

REG="$STARLING_REGISTRY_ADDR"
ORIGINAL="$REG/fixtures/python:latest"
CONVERTED="$REG/bench/python:starling"
"$BIN/starling" convert -q "$ORIGINAL" "$CONVERTED"
NS="starling-bench-$$"
WORK="$STARLING_STATE/bench/snapshotter"
mkdir -p "$WORK"
ctr_ns() { "$STARLING_REPO/Tools/containerd.sh" ctr -n "$NS" "$@"; }
DPID=""
cleanup() {
  ctr_ns image rm --sync "$ORIGINAL" "$CONVERTED" >/dev/null 2>&1 || true
  [[ -n "$DPID" ]] && kill "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
  "$STARLING_REPO/Tools/containerd.sh" ctr namespaces rm "$NS" >/dev/null 2>&1 || true
}
trap cleanup EXIT
now() { date +%s.%N; }
cold() {
  ctr_ns image rm --sync "$ORIGINAL" "$CONVERTED" >/dev/null 2>&1 || true
  ctr_ns content prune references >/dev/null 2>&1 || true
  sync
  echo 3 >/proc/sys/vm/drop_caches
}
start_starlingd() {
  [[ -n "$DPID" ]] && { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null || true; }
  rm -rf "$WORK/root"
  "$BIN/starlingd" --root "$WORK/root" --address "$STARLING_SNAPSHOTTER_SOCKET" --metrics-address "" >"$WORK/starlingd.log" 2>&1 &
  DPID=$!
  for _ in $(seq 150); do
    if ctr_ns snapshots --snapshotter starling prepare "bench-probe" >/dev/null 2>&1; then
      ctr_ns snapshots --snapshotter starling rm "bench-probe" >/dev/null 2>&1 || true
      return 0
    fi
    sleep 0.2
  done
  die "starlingd did not become reachable through containerd"
}
CMD=(python3 -c "import numpy; print(numpy.__version__)")
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
for run in $(seq "$RUNS"); do
  cold
  t0=$(now)
  ctr_ns image pull --plain-http "$ORIGINAL" >/dev/null
  t1=$(now)
  out=$(ctr_ns run --rm "$ORIGINAL" "bench-overlay-$run" "${CMD[@]}")
  t2=$(now)
  [[ "$out" == "1.24.2" ]] || die "overlayfs run printed '$out'"
  echo -e "overlayfs full pull\t$(python3 -c "print($t1-$t0, $t2-$t1, $t2-$t0)")" >>"$RESULTS"

  cold
  start_starlingd
  t0=$(now)
  "$STARLING_REPO/Tools/containerd.sh" ctr-remote -n "$NS" image rpull --plain-http --snapshotter starling "$CONVERTED" >/dev/null
  t1=$(now)
  out=$(ctr_ns run --rm --snapshotter starling "$CONVERTED" "bench-lazy-$run" "${CMD[@]}")
  t2=$(now)
  [[ "$out" == "1.24.2" ]] || die "starling run printed '$out'"
  lazy=$(grep -c "layer mounted lazily" "$WORK/starlingd.log" || true)
  echo -e "starling lazy ($lazy layers lazy)\t$(python3 -c "print($t1-$t0, $t2-$t1, $t2-$t0)")" >>"$RESULTS"
  log "run $run done"
done
python3 - "$RESULTS" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    mode, figures = line.rstrip("\n").split("\t")
    rows.setdefault(mode.split(" (")[0], (mode, []))[1].append([float(x) for x in figures.split()])
print("| mode | pull s (min/median/max) | start s | total s |")
print("|---|---|---|---|")
medians = {}
for key, (mode, runs) in rows.items():
    cols = list(zip(*runs))
    fmt = lambda c: f"{min(c):.2f} / {statistics.median(c):.2f} / {max(c):.2f}"
    medians[key] = statistics.median(cols[2])
    print(f"| {mode} | {fmt(cols[0])} | {fmt(cols[1])} | {fmt(cols[2])} |")
if len(medians) == 2:
    a, b = medians["overlayfs full pull"], medians["starling lazy"]
    print(f"\nstarling lazy total / overlayfs full pull total (medians): {b / a:.2f}")
PY
