#!/usr/bin/env bash
# The main job end to end on the embedded default image (the `python` fixture: Debian
# minbase + python3 + numpy, built locally): install dependencies, start the local registry
# and a private containerd, build the image, `starling copy` it registry -> OCI layout ->
# registry (digests must not change), `starling convert` it to Starling's chunked layers,
# `starling check` and `starling inspect` the result, start it lazily (`starling mount` from
# an empty blob cache, then the image's command chrooted into the mount: only the chunks it
# reads are fetched), start it lazily under containerd (starlingd as the `starling` proxy
# snapshotter, `ctr-remote image rpull` + `ctr run`, with timings), and run it with stock
# containerd (full pull, overlayfs) for comparison.
#
#   Tools/demo.sh [FIXTURE]      (small | python | edge; default python)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$STARLING_REPO"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

IMAGE="${1:-python}"
"$STARLING_REPO/Tools/install-deps.sh"
"$STARLING_REPO/Tools/registry.sh" start plain
"$STARLING_REPO/Tools/containerd.sh" start
"$STARLING_REPO/Tools/fixtures.sh" build "$IMAGE"
"$STARLING_REPO/Tools/fixtures.sh" push "$IMAGE"

log "building starling"
swift build --product starling
STARLING="$(swift build --show-bin-path)/starling"

REG="$STARLING_REGISTRY_ADDR"
SOURCE="$REG/fixtures/$IMAGE:latest"
LAYOUT="$STARLING_STATE/demo/$IMAGE"
rm -rf "$LAYOUT"
log "starling copy $SOURCE -> oci:$LAYOUT:latest -> $REG/demo/$IMAGE:copied"
"$STARLING" copy "$SOURCE" "oci:$LAYOUT:latest"
"$STARLING" copy "oci:$LAYOUT:latest" "$REG/demo/$IMAGE:copied"
digest() { skopeo inspect --raw --tls-verify=false "$1" | sha256sum | cut -d' ' -f1; }
original=$(digest "docker://$SOURCE")
copied=$(digest "docker://$REG/demo/$IMAGE:copied")
[ "$original" = "$copied" ] && [ "$original" = "$(digest "oci:$LAYOUT:latest")" ] || die "copy changed the digest"
log "copy kept manifest digest sha256:$original"

CONVERTED="$REG/demo/$IMAGE:starling"
log "starling convert $SOURCE -> $CONVERTED"
"$STARLING" convert "$SOURCE" "$CONVERTED"
"$STARLING" check "$CONVERTED"
"$STARLING" inspect "$CONVERTED"

log "starting $CONVERTED lazily: starling mount (empty blob cache) + its command in a chroot"
MNT="$STARLING_STATE/demo/mnt"
ROOT="$STARLING_STATE/demo/root"
mkdir -p "$MNT"
"$STARLING" umount --root "$ROOT" --force "$MNT" >/dev/null 2>&1 || true
rm -rf "$ROOT"
trap '"$STARLING" umount --root "$ROOT" --force "$MNT" >/dev/null 2>&1 || true' EXIT
"$STARLING" mount --root "$ROOT" "$CONVERTED" "$MNT"
mapfile -t command < <(skopeo inspect --config --tls-verify=false "docker://$CONVERTED" |
  python3 -c 'import json, sys; c = json.load(sys.stdin)["config"]; print("\n".join((c.get("Entrypoint") or []) + (c.get("Cmd") or ["/bin/sh"])))')
start=$(date +%s.%N)
output=$(timeout 120 chroot "$MNT" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin HOME=/root "${command[@]}")
finish=$(date +%s.%N)
echo "lazy start output: $output ($(python3 -c "print(f'{$finish - $start:.2f}')") s in the chroot)"
"$STARLING" umount --root "$ROOT" "$MNT"
trap - EXIT

log "starting $CONVERTED lazily under containerd: starlingd + ctr-remote image rpull + ctr run"
eval "$("$STARLING_REPO/Tools/containerd.sh" env)"
swift build --product starlingd >/dev/null 2>&1 || die "building starlingd failed (run swift build --product starlingd)"
STARLINGD="$(swift build --show-bin-path)/starlingd"
DROOT="$STARLING_STATE/demo/starlingd"
NS="starling-demo"
ctr_ns() { "$STARLING_REPO/Tools/containerd.sh" ctr -n "$NS" "$@"; }
pkill -f "starlingd --root $DROOT" 2>/dev/null || true
ctr_ns image rm --sync "$CONVERTED" >/dev/null 2>&1 || true
rm -rf "$DROOT"
mkdir -p "$DROOT"
"$STARLINGD" --root "$DROOT" --address "$STARLING_SNAPSHOTTER_SOCKET" --metrics-address 127.0.0.1:0 \
  >"$DROOT.log" 2>&1 &
DPID=$!
trap 'ctr_ns image rm --sync "$CONVERTED" >/dev/null 2>&1 || true; kill $DPID 2>/dev/null || true' EXIT
# Ready once containerd reaches it (containerd may still be backing off from an earlier
# daemon's socket): probe with a snapshot only the snapshotter can create.
for _ in $(seq 150); do
  if ctr_ns snapshots --snapshotter starling prepare "demo-probe-$$" >/dev/null 2>&1; then
    ctr_ns snapshots --snapshotter starling rm "demo-probe-$$" >/dev/null 2>&1 || true
    break
  fi
  sleep 0.2
done
start=$(date +%s.%N)
"$STARLING_REPO/Tools/containerd.sh" ctr-remote -n "$NS" image rpull --plain-http --snapshotter starling "$CONVERTED" >/dev/null
pulled=$(date +%s.%N)
output=$(ctr_ns run --rm --snapshotter starling "$CONVERTED" "starling-lazy-$$")
finish=$(date +%s.%N)
echo "lazy container output: $output"
python3 -c "print(f'rpull {$pulled - $start:.2f} s, run {$finish - $pulled:.2f} s, total {$finish - $start:.2f} s')"
grep -c "layer mounted lazily" "$DROOT.log" | sed 's/^/layers mounted lazily: /'
# The daemon's Prometheus endpoint says how many chunk bytes came from the registry.
metrics_url=$(grep -o 'address=http://[^ ]*/metrics' "$DROOT.log" | head -1 | cut -d= -f2 || true)
if [[ -n "$metrics_url" ]]; then
  curl -s "$metrics_url" | grep -E '^starling_(fetch_bytes_total|layers_total)' | sed 's/^/metrics: /'
fi
ctr_ns image rm --sync "$CONVERTED" >/dev/null 2>&1 || true
kill $DPID 2>/dev/null || true
wait $DPID 2>/dev/null || true
trap - EXIT

log "running the converted image with stock containerd (full pull, overlayfs)"
"$STARLING_REPO/Tools/containerd.sh" ctr image rm --sync "$CONVERTED" >/dev/null 2>&1 || true
"$STARLING_REPO/Tools/containerd.sh" ctr image pull --plain-http "$CONVERTED" >/dev/null
output=$("$STARLING_REPO/Tools/containerd.sh" ctr run --rm "$CONVERTED" "starling-demo-$$")
echo "container output: $output"
echo "OK: $IMAGE copied with identical digests, converted, verified, started lazily, and run by containerd"
