#!/usr/bin/env bash
# Does stock containerd 1.6 pull, unpack and run tar+zstd layers made of many zstd frames
# with zstd *skippable* frames in them (the shape of Starling's converted layers)?
#
#   Tools/containerd/zstd-check.sh [FIXTURE]     (default fixture: small)
#
# For each variant below, re-compresses the fixture's layers with zstd-image.py, checks
# `zstd -t` and that `zstd -dc` gives back the config's diff_id, pushes the image with
# `skopeo copy --preserve-digests` to $STARLING_REGISTRY_ADDR/starling-probe/…, pulls it
# into the private containerd (Tools/containerd.sh; containerd verifies every layer's
# diff_id while unpacking), runs `/bin/sh -c 'echo ok'`, and removes it again (from
# containerd and, by manifest DELETE, from the registry).
#   plain       one zstd frame per layer
#   frames      1 MiB zstd frames, concatenated
#   skip-mid-end 1 MiB frames + a skippable frame in the middle and one at the end
#   skip-start  the same + a skippable frame at the very start
#   raw-trailer 1 MiB frames + skippable frame at the end + 19 raw bytes that are not a
#               zstd frame (negative probe: zstd -dc and containerd must both REJECT it,
#               so a footer after the index must itself be a skippable frame)
# Exits non-zero if any variant fails. Needs the registry (Tools/registry.sh start plain).
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

FIXTURE="${1:-small}"
SRC="$STARLING_STATE/fixtures/$FIXTURE"
WORK="$STARLING_STATE/zstd-check"
CD="$STARLING_REPO/Tools/containerd.sh"
[[ -f "$SRC/index.json" ]] || die "no fixture layout $SRC (run Tools/fixtures.sh)"
"$CD" start
rm -rf "$WORK"; mkdir -p "$WORK"

declare -A VARIANTS=(
  [plain]=""
  [frames]="--frame-size 1048576"
  [skip-mid-end]="--frame-size 1048576 --skippable middle,end"
  [skip-start]="--frame-size 1048576 --skippable start,middle,end"
  [raw-trailer]="--frame-size 1048576 --skippable end --raw-trailer STARLING-FOOTER-19B"
)
fail=0
for v in plain frames skip-mid-end skip-start raw-trailer; do
  ref="$STARLING_REGISTRY_ADDR/starling-probe/$FIXTURE-zstd-$v:latest"
  # shellcheck disable=SC2086
  /usr/bin/python3 "$STARLING_REPO/Tools/containerd/zstd-image.py" "$SRC" "$WORK/$v" ${VARIANTS[$v]} >/dev/null 2>"$WORK/$v.log"
  m="$(jq -r '.manifests[0].digest' "$WORK/$v/index.json")"
  cfg="$(jq -r '.config.digest' "$WORK/$v/blobs/sha256/${m#sha256:}")"
  mapfile -t layers < <(jq -r '.layers[].digest' "$WORK/$v/blobs/sha256/${m#sha256:}")
  mapfile -t diffs < <(jq -r '.rootfs.diff_ids[]' "$WORK/$v/blobs/sha256/${cfg#sha256:}")
  zok=ok
  for i in "${!layers[@]}"; do
    f="$WORK/$v/blobs/sha256/${layers[$i]#sha256:}"
    zstd -q -t "$f" 2>/dev/null || zok="rejected"
    [[ "sha256:$(zstd -q -dc "$f" 2>/dev/null | sha256sum | cut -d' ' -f1)" == "${diffs[$i]}" ]] || zok="rejected"
  done
  # --preserve-digests: without it skopeo re-compresses a layer that starts with a
  # skippable frame (it does not recognise it as zstd) into gzip.
  skopeo copy -q --preserve-digests --dest-tls-verify=false "oci:$WORK/$v:latest" "docker://$ref"
  "$CD" ctr images rm --sync "$ref" >/dev/null 2>&1 || true
  # containerd skips unpacking when the layers' snapshots already exist (same diff_ids)
  chain="$(/usr/bin/python3 -c 'import hashlib,sys
c=None
for d in sys.argv[1:]:
    c = d if c is None else "sha256:" + hashlib.sha256((c + " " + d).encode()).hexdigest()
print(c)' "${diffs[@]}")"
  if "$CD" ctr snapshots info "$chain" >/dev/null 2>&1; then
    log "WARNING: snapshot $chain exists already: containerd will not unpack $v (run Tools/containerd.sh clean)"
    fail=1
  fi
  out="$("$CD" ctr image pull --plain-http "$ref" 2>&1 | tail -1)" || true
  run="$("$CD" ctr run --rm "$ref" "zstd-check-$v" /bin/sh -c 'echo ok' 2>&1 | tail -1)" || true
  [[ "$out" == done:* ]] || out="rejected"
  [[ "$run" == ok ]] || run="failed"
  "$CD" ctr images rm --sync "$ref" >/dev/null 2>&1 || true
  frames="$(sed -n 's/.*, \([0-9]*\) frame(s).*/\1/p' "$WORK/$v.log" | paste -sd+ -)"
  want=ok; [[ "$v" == raw-trailer ]] && want=rejected
  verdict=PASS
  if [[ "$want" == ok ]]; then
    [[ "$zok" == ok && "$run" == ok ]] || verdict=FAIL
  else
    [[ "$zok" == rejected && "$out" == rejected ]] || verdict=FAIL
  fi
  [[ "$verdict" == PASS ]] || fail=1
  printf '%-4s %-12s frames %-7s zstd(1): %-8s containerd pull: %-24s run: %s\n' \
    "$verdict" "$v" "$frames" "$zok" "$out" "$run"
  curl -s -o /dev/null -X DELETE "http://$STARLING_REGISTRY_ADDR/v2/starling-probe/$FIXTURE-zstd-$v/manifests/$m" || true
done
[[ "${STARLING_KEEP_WORK:-0}" == 1 ]] || rm -rf "$WORK"   # layouts kept with STARLING_KEEP_WORK=1
exit "$fail"
