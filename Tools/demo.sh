#!/usr/bin/env bash
# The main job end to end on the embedded default image (the `python` fixture: Debian
# minbase + python3 + numpy, built locally): install dependencies, start the local registry
# and a private containerd, build the image, `starling copy` it registry -> OCI layout ->
# registry (digests must not change), `starling convert` it to Starling's chunked layers,
# `starling check` and `starling inspect` the result, and run the converted image with stock
# containerd. (The lazy start through starlingd replaces that last step once the snapshotter
# lands.)
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

log "running the converted image with stock containerd (full pull, overlayfs)"
"$STARLING_REPO/Tools/containerd.sh" ctr image rm --sync "$CONVERTED" >/dev/null 2>&1 || true
"$STARLING_REPO/Tools/containerd.sh" ctr image pull --plain-http "$CONVERTED" >/dev/null
output=$("$STARLING_REPO/Tools/containerd.sh" ctr run --rm "$CONVERTED" "starling-demo-$$")
echo "container output: $output"
echo "OK: $IMAGE copied with identical digests, converted, verified, and run by containerd"
