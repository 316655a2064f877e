#!/usr/bin/env bash
# The main job end to end on the embedded default: install dependencies, start the local
# registry, build the small fixture image, and move it with `starling copy`
# registry -> OCI layout -> registry, checking that the manifest digest never changes.
# (Later steps of the project extend this to convert + lazy start.)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$STARLING_REPO"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

IMAGE="${1:-small}"
"$STARLING_REPO/Tools/install-deps.sh"
"$STARLING_REPO/Tools/registry.sh" start plain
"$STARLING_REPO/Tools/fixtures.sh" build "$IMAGE"
"$STARLING_REPO/Tools/fixtures.sh" push "$IMAGE"

log "building starling"
swift build --product starling
STARLING="$(swift build --show-bin-path)/starling"

SOURCE="$STARLING_REGISTRY_ADDR/fixtures/$IMAGE:latest"
LAYOUT="$STARLING_STATE/demo/$IMAGE"
rm -rf "$LAYOUT"
log "starling copy $SOURCE -> oci:$LAYOUT:latest"
"$STARLING" copy "$SOURCE" "oci:$LAYOUT:latest"
log "starling copy oci:$LAYOUT:latest -> $STARLING_REGISTRY_ADDR/demo/$IMAGE:copied"
"$STARLING" copy "oci:$LAYOUT:latest" "$STARLING_REGISTRY_ADDR/demo/$IMAGE:copied"

original=$(skopeo inspect --raw --tls-verify=false "docker://$SOURCE" | sha256sum | cut -d' ' -f1)
copied=$(skopeo inspect --raw --tls-verify=false "docker://$STARLING_REGISTRY_ADDR/demo/$IMAGE:copied" | sha256sum | cut -d' ' -f1)
layout=$(skopeo inspect --raw "oci:$LAYOUT:latest" | sha256sum | cut -d' ' -f1)
echo "manifest digest: registry sha256:$original  layout sha256:$layout  copy sha256:$copied"
[ "$original" = "$copied" ] && [ "$original" = "$layout" ] || die "digests differ"
echo "OK: $IMAGE copied registry -> layout -> registry with identical digests"
