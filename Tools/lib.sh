# Shared helpers for Starling's Tools/ scripts. Source it; do not run it.
# All state (registries, fixtures, containerd, caches) lives under one folder.
set -euo pipefail

STARLING_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STARLING_STATE="${STARLING_STATE:-/var/tmp/starling}"
mkdir -p "$STARLING_STATE"

# Loopback addresses of the test registries (override to move them).
STARLING_REGISTRY_ADDR="${STARLING_REGISTRY_ADDR:-127.0.0.1:5050}"
STARLING_BASIC_REGISTRY_ADDR="${STARLING_BASIC_REGISTRY_ADDR:-127.0.0.1:5051}"
STARLING_TOKEN_REGISTRY_ADDR="${STARLING_TOKEN_REGISTRY_ADDR:-127.0.0.1:5052}"
STARLING_TOKEN_SERVER_ADDR="${STARLING_TOKEN_SERVER_ADDR:-127.0.0.1:5053}"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }
