#!/usr/bin/env bash
# Cold-start benchmark: real images under real containerd + runc, the registry in its own
# network namespace behind a shaped link (Benchmarks/net/netmodel.sh), every run cold.
#
#   Benchmarks/coldstart.sh [--profile P]... [--runs N] [--images LIST] [--modes LIST]
#                           [--out DIR] [--no-estargz] [--no-measure]
#
#   --profile   lan (1 Gbit/s, 1 ms RTT), dc (100 Mbit/s, 20 ms), wan (20 Mbit/s, 80 ms);
#               repeatable; default: lan and dc
#   --runs      repetitions of every image x mode (default 5; min/median/max reported)
#   --images    comma list of fixtures (default small,python,edge,large,dense; large and dense
#               are built from this machine's files by Tools/fixtures.sh the first time)
#   --modes     comma list of overlayfs, starling, starling-prefetch, starling-peer, estargz
#               (default all; modes that cannot run yet are listed as missing, with why)
#   --out       results folder (default $STARLING_STATE/bench/results/<UTC time>; `latest`
#               links to the newest): results.json (every run), table.md, chart.svg
#   --no-estargz  skip building the stargz snapshotter and converting to eStargz
#
# Modes: overlayfs = containerd's own snapshotter with a full `ctr image pull` of the
# original image; starling = a fresh starlingd + `ctr-remote image rpull` of the converted
# image; estargz = the stargz snapshotter (built from Debian's Go sources by
# Benchmarks/estargz/build-stargz.sh) + `ctr-remote image rpull` of the eStargz conversion.
# Cold before every run: image, content and snapshots removed, the snapshotter restarted on
# an empty root (no blob cache), page cache dropped. pull = until the pull command returns;
# start = `ctr run --rm IMAGE WORKLOAD` until the workload exits (its output is checked);
# bytes = the host veth's rx counter over pull + start. Needs root.
# First run from a fresh clone: release build (~15 min on 2 cores), fixture builds (~3 min),
# conversions (eStargz of the 1.7 GB image takes several minutes); later runs reuse them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../Tools/lib.sh"
cd "$STARLING_REPO"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"
(( EUID == 0 )) || die "needs root (network namespaces, containerd, FUSE, drop_caches)"

PROFILES=() RUNS=5 IMAGES=small,python,edge,large,dense MODES="" OUT="" ESTARGZ=1 MEASURE=()
while (( $# )); do
  case "$1" in
    --profile) PROFILES+=(--profile "$2"); shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    --images) IMAGES="$2"; shift 2 ;;
    --modes) MODES="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --no-estargz) ESTARGZ=0; shift ;;
    --no-measure) MEASURE=(--no-measure); shift ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive number"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
OUT="${OUT:-$STARLING_STATE/bench/results/$STAMP}"
mkdir -p "$OUT"
PY=/usr/bin/python3
trap 'bash Benchmarks/net/netmodel.sh down >/dev/null 2>&1 || true; bash Benchmarks/estargz/stargzd.sh stop >/dev/null 2>&1 || true' EXIT
trap 'exit 130' INT TERM

command -v busybox >/dev/null 2>&1 && busybox --list >/dev/null 2>&1 && [[ -x /bin/busybox ]] \
  || { log "installing busybox-static (a shell for images without one)"; apt-get install -y -qq busybox-static >/dev/null; }
ldd /bin/busybox >/dev/null 2>&1 && die "/bin/busybox is not static (install busybox-static)"
command -v tc >/dev/null || apt-get install -y -qq iproute2 >/dev/null
Tools/registry.sh start plain >/dev/null
Tools/containerd.sh start >/dev/null
eval "$(Tools/containerd.sh env)"
IFS=, read -ra LIST <<<"$IMAGES"
for image in "${LIST[@]}"; do
  Tools/fixtures.sh build "$image" >/dev/null
  Tools/fixtures.sh push "$image" >/dev/null
done
log "release build of starling and starlingd"
swift build -c release >/dev/null 2>&1 || die "release build failed (run: swift build -c release)"
BIN="$(swift build -c release --show-bin-path)"
NO_ESTARGZ=()
if (( ESTARGZ )); then
  Benchmarks/estargz/build-stargz.sh >/dev/null || die "building the stargz snapshotter failed"
else
  NO_ESTARGZ=(--no-estargz)
fi
"$PY" Benchmarks/coldstart/prepare.py --images "$IMAGES" --bin "$BIN" "${NO_ESTARGZ[@]}" --out "$OUT/images.json"
status=0
trap ':' INT  # bench.py handles Ctrl-C itself (tears down, keeps its results); the report follows
"$PY" Benchmarks/coldstart/bench.py "${PROFILES[@]}" --runs "$RUNS" --images "$IMAGES" \
  ${MODES:+--modes "$MODES"} --out "$OUT" --bin "$BIN" --prepared "$OUT/images.json" \
  --snapshotter-socket "$STARLING_SNAPSHOTTER_SOCKET" "${MEASURE[@]}" || status=$?
trap 'exit 130' INT
# Also after Ctrl-C: the report shows what was measured (results.json says it was interrupted).
if [[ -s "$OUT/results.json" ]]; then
  ln -sfn "$OUT" "$STARLING_STATE/bench/results/latest"
  "$PY" Benchmarks/coldstart/report.py "$OUT"
  log "results: $OUT (results.json, table.md, chart.svg)"
fi
exit "$status"
