#!/usr/bin/env bash
# Installs the Debian packages Starling's build and tests need (idempotent).
# A fast no-op when everything is already installed; runs `apt-get update`
# only when something is missing. Also reports whether a Swift toolchain is
# on PATH (it does not come from apt and is not installed here): fails when
# it is not, unless STARLING_REQUIRE_SWIFT=0.
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGES=(
  libfuse3-dev fuse3          # FUSE filesystem (lazy-loading mount)
  libzstd-dev zstd            # zstd layer compression
  zlib1g-dev                  # gzip source layers (CZlib)
  time                        # /usr/bin/time -v for benchmark peak RSS
  docker-registry             # Distribution v2.8 test registries
  containerd runc             # end-to-end tests through containerd
  skopeo umoci                # image copying / OCI layout building
  stargz-snapshotter          # eStargz reference tooling
  debootstrap                 # building rootfs fixtures
  apache2-utils               # htpasswd (bcrypt) for the Basic-auth registry
  python3-cryptography        # Tools/token-server.py (JWT signing)
  jq curl iproute2 pkg-config
)

installed() {
  # Status-Abbrev is "ii " for a fully installed package.
  [[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" == "ii "* ]]
}

wait_for_apt() {
  local waited=0
  while pgrep -x apt-get >/dev/null || pgrep -x dpkg >/dev/null || pgrep -x apt >/dev/null; do
    (( waited == 0 )) && log "another apt-get/dpkg is running; waiting for it to finish"
    sleep 5
    waited=$((waited + 5))
    (( waited < 1800 )) || die "apt/dpkg still busy after ${waited}s"
  done
}

missing=()
for p in "${PACKAGES[@]}"; do
  installed "$p" || missing+=("$p")
done

if (( ${#missing[@]} == 0 )); then
  log "all ${#PACKAGES[@]} Debian packages already installed"
else
  log "missing packages: ${missing[*]}"
  (( EUID == 0 )) || die "need root to apt-get install: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  wait_for_apt
  # Another installer may have finished the job while we waited.
  still=()
  for p in "${missing[@]}"; do installed "$p" || still+=("$p"); done
  if (( ${#still[@]} > 0 )); then
    log "apt-get update"
    apt-get update -q
    log "apt-get install ${still[*]}"
    apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${still[@]}"
  fi
  for p in "${missing[@]}"; do installed "$p" || die "package $p is still not installed"; done
  log "installed: ${missing[*]}"
fi

# Tools the scripts rely on (sanity check: binaries, not just packages).
for bin in docker-registry htpasswd skopeo umoci jq curl openssl; do
  command -v "$bin" >/dev/null || die "'$bin' not found on PATH after install"
done
/usr/bin/python3 -c 'import cryptography' 2>/dev/null \
  || die "/usr/bin/python3 cannot import cryptography (python3-cryptography)"

if command -v swift >/dev/null 2>&1 && swift_version="$(swift --version 2>&1 | head -n1)"; then
  log "swift found: $swift_version"
else
  log "WARNING: no working 'swift' on PATH: the Swift toolchain is NOT installed (it is not an apt package);"
  log "WARNING: 'swift build' / 'swift test' will not work until a toolchain is put on PATH"
  [[ "${STARLING_REQUIRE_SWIFT:-1}" == 0 ]] || die "swift missing (set STARLING_REQUIRE_SWIFT=0 to only warn)"
fi
