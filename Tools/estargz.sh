#!/usr/bin/env bash
# Convert an image to eStargz with Debian's ctr-remote (stargz-snapshotter 0.12), against
# Starling's private containerd (Tools/containerd.sh, started if needed).
#
#   Tools/estargz.sh [options] SRC_REF DST_REF [-- EXTRA ctr-remote ARGS...]
#
#   --zstdchunked      zstd:chunked instead of gzip eStargz
#   --optimize         `ctr-remote image optimize` (runs the image's entrypoint for --period
#                      seconds and puts the files it reads first, marked for prefetch) instead
#                      of a plain `image convert --estargz`
#   --period SECONDS   with --optimize (default 10)
#   --platform P       platform to convert (default: containerd's default, linux/amd64)
#   --keep             leave DST (and SRC) in containerd's image store afterwards (by default
#                      DST is removed, and SRC too unless it was there before)
#
# Steps: fetch SRC (all blobs, no unpack; plain HTTP for the test registries), convert with
# `--oci`, push DST (plain HTTP), then print wall time and peak RSS of the conversion
# (GNU time -v of the ctr-remote process; the conversion runs client-side, in ctr-remote)
# and the compressed sizes of SRC's and DST's layers. Output ends with machine-readable
# lines "estargz.KEY=VALUE". Needs /usr/bin/time (Debian package `time`).
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TOOLS="$STARLING_REPO/Tools"
CTR_REMOTE_BIN="${STARLING_CTR_REMOTE_BIN:-/usr/bin/ctr-remote}"
TIME_BIN=/usr/bin/time

usage() {
  sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

mode=convert zstd=0 period=10 platform="" keep=0
args=()
while (( $# )); do
  case "$1" in
    --zstdchunked) zstd=1 ;;
    --optimize) mode=optimize ;;
    --period) period="${2:?}"; shift ;;
    --platform) platform="${2:?}"; shift ;;
    --keep) keep=1 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) die "unknown option $1" ;;
    *) args+=("$1") ;;
  esac
  shift
done
extra=("$@")
(( ${#args[@]} == 2 )) || usage
SRC="${args[0]}" DST="${args[1]}"

[[ -x "$TIME_BIN" ]] || die "$TIME_BIN not found: apt-get install time"
[[ -x "$CTR_REMOTE_BIN" ]] || die "$CTR_REMOTE_BIN not found (Debian package stargz-snapshotter)"

"$TOOLS/containerd.sh" start
eval "$("$TOOLS/containerd.sh" env)"
SOCK="$STARLING_CONTAINERD_ADDRESS"
HOSTS="$STARLING_CONTAINERD_HOSTS_DIR"
ctr_() { ctr --address "$SOCK" "$@"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/starling-estargz.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

plat_args=()
[[ -n "$platform" ]] && plat_args=(--platform "$platform")

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

# Layers of a local image: "digest size mediaType toc.digest" per line (first manifest
# for the platform when REF is an index).
layers_of() {
  local ref="$1" digest
  digest="$(ctr_ images ls | awk -v r="$ref" '$1==r{print $3}')"
  [[ -n "$digest" ]] || die "image $ref not in containerd"
  SOCK="$SOCK" /usr/bin/python3 - "$digest" "${platform:-linux/amd64}" <<'PY'
import json, os, subprocess, sys
def get(d):
    return json.loads(subprocess.run(["ctr", "--address", os.environ["SOCK"], "content", "get", d],
                                     check=True, stdout=subprocess.PIPE).stdout)
digest, plat = sys.argv[1], sys.argv[2].split("/")
m = get(digest)
while "manifests" in m:
    for d in m["manifests"]:
        p = d.get("platform", {})
        if p.get("os") == plat[0] and p.get("architecture") == plat[1]:
            m = get(d["digest"]); break
    else:
        sys.exit("no %s manifest in %s" % ("/".join(plat), digest))
for l in m["layers"]:
    a = l.get("annotations", {})
    print(l["digest"], l["size"], l["mediaType"], a.get("containerd.io/snapshot/stargz/toc.digest", "-"))
PY
}

src_existed=0
ctr_ images ls -q | grep -qxF "$SRC" && src_existed=1
t0="$(now)"
log "fetching $SRC (all blobs, no unpack)"
ctr_ content fetch --plain-http --hosts-dir "$HOSTS" "${plat_args[@]}" "$SRC" >"$WORK/fetch.log" 2>&1 \
  || { tail -5 "$WORK/fetch.log" >&2; die "fetch of $SRC failed"; }
t1="$(now)"

ctr_ images rm --sync "$DST" >/dev/null 2>&1 || true
cmd=("$CTR_REMOTE_BIN" --address "$SOCK" image)
if [[ "$mode" == optimize ]]; then
  cmd+=(optimize --oci --period "$period")
  (( zstd )) && cmd+=(--zstdchunked)
else
  cmd+=(convert --oci)
  if (( zstd )); then cmd+=(--zstdchunked); else cmd+=(--estargz); fi
fi
cmd+=("${plat_args[@]}" "${extra[@]}" "$SRC" "$DST")
log "converting: ${cmd[*]}"
cd_hwm_before="$(awk '/VmHWM/{print $2}' "/proc/$(<"$STARLING_CONTAINERD_DIR/containerd.pid")/status" 2>/dev/null || echo 0)"
if ! "$TIME_BIN" -v -o "$WORK/time.txt" "${cmd[@]}" >"$WORK/convert.log" 2>&1; then
  tail -20 "$WORK/convert.log" >&2
  die "ctr-remote $mode failed"
fi
cd_hwm_after="$(awk '/VmHWM/{print $2}' "/proc/$(<"$STARLING_CONTAINERD_DIR/containerd.pid")/status" 2>/dev/null || echo 0)"
t2="$(now)"

log "pushing $DST"
ctr_ images push --plain-http --hosts-dir "$HOSTS" "${plat_args[@]}" "$DST" >"$WORK/push.log" 2>&1 \
  || { tail -5 "$WORK/push.log" >&2; die "push of $DST failed"; }
t3="$(now)"

wall="$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time.txt")"
rss_kb="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")"
user_s="$(sed -n 's/.*User time (seconds): //p' "$WORK/time.txt")"
sys_s="$(sed -n 's/.*System time (seconds): //p' "$WORK/time.txt")"
cpu="$(sed -n 's/.*Percent of CPU this job got: //p' "$WORK/time.txt")"

layers_of "$SRC" >"$WORK/src.layers"
layers_of "$DST" >"$WORK/dst.layers"
src_total="$(awk '{s+=$2} END{print s+0}' "$WORK/src.layers")"
dst_total="$(awk '{s+=$2} END{print s+0}' "$WORK/dst.layers")"
dst_digest="$(ctr_ images ls | awk -v r="$DST" '$1==r{print $3}')"

echo "eStargz conversion ($mode$( (( zstd )) && echo ', zstd:chunked')): $SRC -> $DST"
printf '  fetch %ss, %s %ss, push %ss\n' "$(secs "$t0" "$t1")" "$mode" "$(secs "$t1" "$t2")" "$(secs "$t2" "$t3")"
printf '  ctr-remote: wall %s, user %ss, sys %ss, CPU %s, peak RSS %s KiB (%.1f MiB)\n' \
  "$wall" "$user_s" "$sys_s" "$cpu" "$rss_kb" "$(awk -v k="$rss_kb" 'BEGIN{print k/1024}')"
printf '  containerd daemon VmHWM (peak RSS since it started): %s KiB before, %s KiB after\n' "$cd_hwm_before" "$cd_hwm_after"
echo "  layers (compressed bytes):"
paste "$WORK/src.layers" "$WORK/dst.layers" | awk '{
  printf "    %s %10d  ->  %s %10d  %+6.1f%%  toc %s\n", substr($1,8,12), $2, substr($5,8,12), $6, ($6-$2)*100/$2, ($8=="-" ? "-" : substr($8,8,12)) }'
printf '  total: %d -> %d bytes (%+.1f%%); result %s (%s)\n' "$src_total" "$dst_total" \
  "$(awk -v a="$src_total" -v b="$dst_total" 'BEGIN{print (b-a)*100/a}')" "$DST" "$dst_digest"
echo "estargz.mode=$mode"
echo "estargz.wall=$wall"
echo "estargz.wall_seconds=$(secs "$t1" "$t2")"
echo "estargz.peak_rss_kb=$rss_kb"
echo "estargz.src_compressed_bytes=$src_total"
echo "estargz.dst_compressed_bytes=$dst_total"
echo "estargz.dst_digest=$dst_digest"

if (( ! keep )); then
  # remove what this run added (SRC only when it was not there before)
  rm_refs=("$DST")
  (( src_existed )) || rm_refs+=("$SRC")
  ctr_ images rm --sync "${rm_refs[@]}" >/dev/null 2>&1 || true
fi
