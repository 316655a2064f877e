#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, starts the real local
# registries (plain, Basic, Bearer token), builds and pushes the fixture images, builds
# the package once, and runs every unit and integration test against those services.
#
#   Tools/test.sh                 # everything
#   Tools/test.sh --filter NAME   # extra arguments go to `swift test`
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$STARLING_REPO"

command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

log "installing system packages (no-op when present)"
"$STARLING_REPO/Tools/install-deps.sh"

log "starting local registries"
"$STARLING_REPO/Tools/registry.sh" start all
eval "$("$STARLING_REPO/Tools/registry.sh" env)"

log "starting a private containerd"
"$STARLING_REPO/Tools/containerd.sh" start

log "building fixture images (cached under $STARLING_STATE/fixtures)"
"$STARLING_REPO/Tools/fixtures.sh" build all
"$STARLING_REPO/Tools/fixtures.sh" push all

log "building (debug, tests included)"
swift build --build-tests --explicit-target-dependency-import-check error
STARLING_BIN="$(swift build --show-bin-path)/starling"
export STARLING_BIN STARLING_STATE

if (( $# > 0 )); then
  log "running tests: $*"
  swift test --skip-build "$@"
else
  # Three runs: the fetcher's tests measure deadlines and retries in wall time, and other
  # suites (CPU-heavy fixtures, tests that wait on child processes) would starve them of
  # the cooperative thread pool (two threads here) if run beside them.
  log "running unit tests"
  swift test --skip-build --skip "StarlingIntegrationTests|StarlingFetchTests"
  log "running the fetcher's timing-sensitive unit tests on their own"
  swift test --skip-build --filter StarlingFetchTests
  log "running integration tests"
  swift test --skip-build --filter StarlingIntegrationTests
fi
