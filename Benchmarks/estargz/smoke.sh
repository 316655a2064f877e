#!/usr/bin/env bash
# End-to-end check of the stargz snapshotter daemon on loopback, with timings: cold
# `ctr-remote image rpull --snapshotter stargz` + `ctr run` of the eStargz Python fixture.
#
#   Benchmarks/estargz/smoke.sh [--runs N] [--convert] [--keep-running]
#
#   --runs N          cold runs (default 1); before each: image removed, daemon reset (root
#                     removed) and started
#   --convert         convert again even when the registry already has $IMAGE
#   --keep-running    leave the daemon running at the end (it is stopped by default)
#
# Starts the plain registry and containerd (Tools/registry.sh, Tools/containerd.sh), pushes
# the python fixture (Tools/fixtures.sh), converts it to eStargz with Tools/estargz.sh when
# the registry lacks the tag, then per run: rpull, and `ctr run --rm` of
#   python3 -c "import numpy; print(numpy.__version__)"     (the fixture prints 1.24.2)
# Bytes are what the registry's log says it sent (http.response.written of the requests for
# IMAGE's repository logged during the step; on loopback there is no proxy in between): rpull fetches the
# manifest, config and each layer's footer + TOC; the run fetches the chunks it reads. The
# daemon's background fetcher downloads whole layers only after 5 s without on-demand
# fetches, so it stays out of a run this short but does show up in longer windows
# (STARLING_STARGZ_CONFIG_EXTRA="no_background_fetch = true" turns it off).
# Works in the containerd namespace estargz-helper, removed at the end.
# Output ends with lines "estargz.run<N>.KEY=VALUE".
#
# Environment: ESTARGZ_IMAGE (default $STARLING_REGISTRY_ADDR/bench/python:estargz),
# ESTARGZ_SOURCE (default $STARLING_REGISTRY_ADDR/fixtures/python:latest), ESTARGZ_REGISTRY_LOG
# (the log of IMAGE's registry; default the plain test registry's), and the settings of
# stargzd.sh. For an image on a plain-HTTP registry other than $STARLING_REGISTRY_ADDR, list
# it in both STARLING_STARGZ_HTTP_REGISTRIES and STARLING_CONTAINERD_HTTP_REGISTRIES.
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../Tools/lib.sh"

HERE="$STARLING_REPO/Benchmarks/estargz"
TOOLS="$STARLING_REPO/Tools"
IMAGE="${ESTARGZ_IMAGE:-$STARLING_REGISTRY_ADDR/bench/python:estargz}"
SOURCE="${ESTARGZ_SOURCE:-$STARLING_REGISTRY_ADDR/fixtures/python:latest}"
NS=estargz-helper
REGLOG="${ESTARGZ_REGISTRY_LOG:-$STARLING_STATE/registry/plain/registry.log}"
EXPECT=1.24.2

usage() {
  sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

runs=1 convert=0 keep=0
while (( $# )); do
  case "$1" in
    --runs) runs="${2:?--runs needs a number}"; shift ;;
    --convert) convert=1 ;;
    --keep-running) keep=1 ;;
    -h|--help) usage ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
  shift
done
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs wants a positive number, got '$runs'"

export CONTAINERD_NAMESPACE="$NS"   # ctr and ctr-remote honour it
ctr_() { "$TOOLS/containerd.sh" ctr "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }
# Bytes and request count the registry logged for IMAGE's repository since byte offset $1
# (other repositories' traffic on a shared registry is left out).
reg_since() {
  local repo="${IMAGE#*/}"
  repo="${repo%%[:@]*}"
  # logrus quotes a value only when it needs to (a digest's ':' does, a tag does not)
  tail -c +"$(($1 + 1))" "$REGLOG" | awk -v u="http.request.uri=/v2/$repo/" -v q="http.request.uri=\"/v2/$repo/" '
    /response completed/ && (index($0, u) || index($0, q)) {
      n++
      if (match($0, /http\.response\.written=[0-9]+/)) s += substr($0, RSTART + 22, RLENGTH - 22)
    }
    END { printf "%d %d\n", s, n }'
}
logsize() { stat -c %s "$REGLOG"; }

cleanup() {
  ctr_ tasks kill -s SIGKILL c1 >/dev/null 2>&1 || true
  ctr_ containers rm c1 >/dev/null 2>&1 || true
  ctr_ images rm --sync "$IMAGE" >/dev/null 2>&1 || true
  (( keep )) || "$HERE/stargzd.sh" stop
  ctr_ namespaces rm "$NS" >/dev/null 2>&1 || log "warning: namespace $NS not removed (not empty?)"
}

"$HERE/build-stargz.sh" >/dev/null
eval "$("$HERE/stargzd.sh" env)"
SG_LOG="$STARLING_STARGZ_LOG"
"$TOOLS/registry.sh" start plain
"$TOOLS/containerd.sh" start
[[ -f "$REGLOG" ]] || die "no registry log $REGLOG"

repo_tag="${IMAGE#*/}"
if (( convert )) || ! curl -sfI -o /dev/null \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    "http://${IMAGE%%/*}/v2/${repo_tag%:*}/manifests/${repo_tag##*:}"; then
  "$TOOLS/fixtures.sh" push python
  "$TOOLS/estargz.sh" "$SOURCE" "$IMAGE" | grep -E '^estargz\.(wall_seconds|dst_compressed_bytes|dst_digest)='
fi
trap cleanup EXIT

for run in $(seq "$runs"); do
  ctr_ images rm --sync "$IMAGE" >/dev/null 2>&1 || true
  "$HERE/stargzd.sh" reset
  "$HERE/stargzd.sh" start

  off="$(logsize)"; sgoff="$(stat -c %s "$SG_LOG")"; t0="$(now)"
  "$TOOLS/containerd.sh" ctr-remote image rpull --snapshotter stargz "$IMAGE" >/dev/null
  t1="$(now)"
  read -r rpull_bytes rpull_reqs < <(reg_since "$off")
  # A layer the daemon cannot mount lazily is pulled and unpacked in full by ctr-remote,
  # silently: fail instead of reporting a plain pull as eStargz.
  if tail -c +"$((sgoff + 1))" "$SG_LOG" | grep -q 'failed to prepare remote snapshot'; then
    tail -c +"$((sgoff + 1))" "$SG_LOG" | grep 'failed to prepare remote snapshot' | tail -1 | cut -c1-600 >&2
    die "run $run: the daemon could not mount a layer lazily; ctr-remote fell back to a full pull ($rpull_bytes bytes)"
  fi

  off="$(logsize)"; t2="$(now)"
  out="$(ctr_ run --rm --snapshotter stargz "$IMAGE" c1 python3 -c "import numpy; print(numpy.__version__)")"
  t3="$(now)"
  read -r run_bytes run_reqs < <(reg_since "$off")
  [[ "$out" == "$EXPECT" ]] || die "run $run printed '$out', expected $EXPECT"

  printf 'run %d: rpull %ss (%d bytes, %d requests), run %ss (%d bytes, %d requests), printed %s\n' \
    "$run" "$(secs "$t0" "$t1")" "$rpull_bytes" "$rpull_reqs" "$(secs "$t2" "$t3")" "$run_bytes" "$run_reqs" "$out"
  echo "estargz.run$run.rpull_seconds=$(secs "$t0" "$t1")"
  echo "estargz.run$run.rpull_bytes=$rpull_bytes"
  echo "estargz.run$run.run_seconds=$(secs "$t2" "$t3")"
  echo "estargz.run$run.run_bytes=$run_bytes"
done
