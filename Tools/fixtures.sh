#!/usr/bin/env bash
# Build, push and list Starling's test images.
#
#   Tools/fixtures.sh build [small|python|edge|multi|large|dense|all|bench]   (default: all)
#   Tools/fixtures.sh push  [small|python|edge|multi|large|dense|all|bench]
#   Tools/fixtures.sh list
#
# all = small python edge multi (what the tests use); bench = large dense
# (big cold-start benchmark images, ~0.7 GB compressed together: built only
# when named).
#
# build  writes OCI image layouts to $STARLING_STATE/fixtures/<name>/ (tag
#        "latest"; edge also has "pax-global") and $STARLING_STATE/fixtures/
#        fixtures.json.  Cached: a stamp (hash of the builder sources and
#        recipes) makes a rebuild a no-op; the debootstrap rootfs, the python
#        snapshots and the rootfs layers are cached under fixtures/cache/.
# push   builds if needed, then copies each layout to
#        $STARLING_REGISTRY_ADDR/fixtures/<name>:<tag> with skopeo (skipped when
#        the registry already has the same manifest digest); small is pushed
#        again as Docker schema 2 to fixtures/small-docker:latest.
# list   prints name, manifest digest, layer count and sizes.
#
# Fixtures (see Tools/fixtures/*.py):
#   small   debootstrap --variant=minbase bookworm, 2 layers (base, docs/locales)
#   python  small's 2 layers + python3, python3-numpy and an apt-lists cleanup
#           layer (whiteouts): 5 layers
#   edge    synthetic 3-layer image with every tar/OCI corner case (edge.py)
#   multi   OCI index: linux/amd64 and linux/arm64/v8, one tiny layer each
#   large   python's 5 layers + 2 layers of this machine's Swift toolchain
#           libraries under /opt/swift (~1.7 GB unpacked); workload imports numpy
#   dense   small's 2 layers + 1 layer of real files under /data (a JDK and the
#           Go library sources, ~0.4 GB); workload reads all of /data
#   fixtures.json gives each fixture's "workload" (argv, or null: no binaries).
#   large/dense copy host files: their stamp includes a fingerprint of them.
#
# Environment: STARLING_STATE, STARLING_REGISTRY_ADDR (lib.sh),
# STARLING_DEBIAN_MIRROR (default: first bookworm mirror in apt's sources).
# Needs root (debootstrap, chroot, mount) for small/python.

source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PY=/usr/bin/python3
TOOLS="$STARLING_REPO/Tools"
BUILD="$TOOLS/fixtures/build.py"
FIXTURES_DIR="$STARLING_STATE/fixtures"
CACHE="$FIXTURES_DIR/cache"
META="$FIXTURES_DIR/meta"
ALL_FIXTURES=(small python edge multi)
BENCH_FIXTURES=(large dense)
SUITE=bookworm

# Recipes.  Changing one of these invalidates the matching cached rootfs.
MINBASE_RECIPE="v1 debootstrap --variant=minbase $SUITE; apt-get clean; rm -rf /var/lib/apt/lists/*; rm -f /etc/resolv.conf; hostname starling"
PY_STEPS=(
  "apt-get update && apt-get install -y --no-install-recommends python3 && apt-get clean"
  "apt-get install -y --no-install-recommends python3-numpy && apt-get clean"
  "rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/debconf/*-old /var/lib/dpkg/*-old"
)

usage() {
  sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

sha() { sha256sum | cut -c1-64; }

# Debian mirror for debootstrap, read from apt's sources at run time.
if [[ -z "${STARLING_DEBIAN_MIRROR:-}" ]]; then
  STARLING_DEBIAN_MIRROR="$("$PY" "$BUILD" mirror 2>/dev/null || echo http://deb.debian.org/debian)"
fi
mirror() { printf '%s\n' "$STARLING_DEBIAN_MIRROR"; }

# Hash of everything that determines fixture contents.
source_hash() {
  {
    cat "${BASH_SOURCE[0]}"
    for f in "$TOOLS"/fixtures/*.py; do printf '%s\n' "$(basename "$f")"; cat "$f"; done
    printf '%s\n' "$MINBASE_RECIPE" "${PY_STEPS[@]}" "$(mirror)"
  } | sha
}

# ---------------------------------------------------------------------------
# mounts: everything we mount is recorded and unmounted on exit.

MOUNTS=()
cleanup_mounts() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    if mountpoint -q "${MOUNTS[i]}"; then umount -l "${MOUNTS[i]}" || true; fi
  done
  MOUNTS=()
}
trap cleanup_mounts EXIT
trap 'cleanup_mounts; exit 130' INT TERM

# Unmount anything (e.g. left by an interrupted debootstrap) below $1.
umount_under() {
  local dir m
  dir="$(realpath -m "$1")"
  awk '{print $2}' /proc/mounts | sed 's/\\040/ /g' | sort -r | while read -r m; do
    case "$m" in "$dir" | "$dir"/*) umount -l "$m" || true ;; esac
  done
}

remove_tree() {
  [[ -e "$1" ]] || return 0
  umount_under "$1"
  rm -rf --one-file-system "$1"
}

# Run a shell command inside a rootfs with /proc mounted, the host's
# resolv.conf and a policy-rc.d that stops services from starting.
chroot_run() {
  local root="$1" cmd="$2"
  mount -t proc proc "$root/proc"
  MOUNTS+=("$root/proc")
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  local rc=0
  chroot "$root" /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    HOME=/root LC_ALL=C DEBIAN_FRONTEND=noninteractive /bin/sh -c "$cmd" || rc=$?
  rm -f "$root/usr/sbin/policy-rc.d" "$root/etc/resolv.conf"
  umount "$root/proc" || umount -l "$root/proc"
  MOUNTS=("${MOUNTS[@]:0:${#MOUNTS[@]}-1}")
  return $rc
}

# ---------------------------------------------------------------------------
# cached root filesystems. Each DIR has DIR.stamp = "<recipe hash> <build id>".

stamp_recipe() { [[ -f "$1.stamp" ]] && cut -d' ' -f1 "$1.stamp"; }
write_stamp() { printf '%s %s-%s\n' "$2" "$(date -u +%Y%m%dT%H%M%SZ)" "$(head -c6 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$1.stamp"; }

ensure_minbase() {
  local dir="$CACHE/rootfs/minbase" want
  want="$(printf '%s\n%s\n' "$MINBASE_RECIPE" "$(mirror)" | sha)"
  if [[ -d "$dir" && "$(stamp_recipe "$dir")" == "$want" ]]; then return 0; fi
  command -v debootstrap >/dev/null || die "debootstrap not installed (Tools/install-deps.sh)"
  [[ $EUID -eq 0 ]] || die "building the minbase rootfs needs root"
  log "debootstrap --variant=minbase $SUITE from $(mirror) (log: $CACHE/debootstrap.log)"
  mkdir -p "$CACHE/rootfs"
  remove_tree "$dir.tmp"
  if ! debootstrap --variant=minbase "$SUITE" "$dir.tmp" "$(mirror)" >"$CACHE/debootstrap.log" 2>&1; then
    tail -n 20 "$CACHE/debootstrap.log" >&2
    remove_tree "$dir.tmp"
    die "debootstrap failed"
  fi
  umount_under "$dir.tmp"
  chroot_run "$dir.tmp" "apt-get clean"
  rm -rf "$dir.tmp"/var/lib/apt/lists/* "$dir.tmp"/var/log/bootstrap.log
  mkdir -p "$dir.tmp/var/lib/apt/lists/partial"
  rm -f "$dir.tmp/etc/resolv.conf"
  printf 'starling\n' >"$dir.tmp/etc/hostname"
  chmod 644 "$dir.tmp/etc/hostname"
  remove_tree "$dir"
  rm -f "$dir.stamp"
  mv "$dir.tmp" "$dir"
  write_stamp "$dir" "$want"
}

# python snapshots: python-1 (python3), python-2 (numpy), python-3 (cleanup).
ensure_python() {
  local prev="$CACHE/rootfs/minbase" i dir want
  for i in 1 2 3; do
    dir="$CACHE/rootfs/python-$i"
    want="$(printf '%s\n%s\n' "$(cat "$prev.stamp")" "${PY_STEPS[i-1]}" | sha)"
    if [[ -d "$dir" && "$(stamp_recipe "$dir")" == "$want" ]]; then prev="$dir"; continue; fi
    log "python snapshot $i: ${PY_STEPS[i-1]}"
    remove_tree "$dir.tmp"
    cp -a "$prev" "$dir.tmp"
    if ! chroot_run "$dir.tmp" "${PY_STEPS[i-1]}" >"$CACHE/python-$i.log" 2>&1; then
      tail -n 20 "$CACHE/python-$i.log" >&2
      remove_tree "$dir.tmp"
      die "python snapshot $i failed"
    fi
    remove_tree "$dir"
    rm -f "$dir.stamp"
    mv "$dir.tmp" "$dir"
    write_stamp "$dir" "$want"
    prev="$dir"
  done
}

# ---------------------------------------------------------------------------

index() { "$PY" "$BUILD" index --fixtures-dir "$FIXTURES_DIR" --registry "$STARLING_REGISTRY_ADDR"; }

build_one() {
  local name="$1" salt="$2" out="$FIXTURES_DIR/$1" stamp="$2"
  case "$name" in
    large | dense) stamp="$salt $("$PY" "$BUILD" fingerprint "$name")" ;;
  esac
  if [[ -f "$out/index.json" && -f "$META/$name.json" && "$(cat "$META/$name.stamp" 2>/dev/null)" == "$stamp" ]]; then
    log "$name: up to date"
    return 0
  fi
  local args=()
  case "$name" in
    small)
      ensure_minbase
      args=(--rootfs "$CACHE/rootfs/minbase") ;;
    python | large)
      ensure_minbase
      ensure_python
      args=(--rootfs "$CACHE/rootfs/minbase" "$CACHE"/rootfs/python-{1,2,3}
            --step "${PY_STEPS[0]}" --step "${PY_STEPS[1]}" --step "${PY_STEPS[2]}") ;;
    dense)
      ensure_minbase
      args=(--rootfs "$CACHE/rootfs/minbase") ;;
  esac
  log "$name: building"
  rm -f "$META/$name.stamp"
  "$PY" "$BUILD" build "$name" --out "$out" --meta-dir "$META" --cache "$CACHE" --salt "$salt" "${args[@]}"
  printf '%s\n' "$stamp" >"$META/$name.stamp"
}

cmd_build() {
  local salt name
  salt="$(source_hash)"
  for name in "$@"; do build_one "$name" "$salt"; done
  "$PY" "$BUILD" prune-cache --fixtures-dir "$FIXTURES_DIR"
  index
}

push_record() { "$PY" "$BUILD" push-record --meta-dir "$META" --registry "$STARLING_REGISTRY_ADDR" "$1"; }
remote_digest() { "$PY" "$BUILD" remote-digest "$STARLING_REGISTRY_ADDR" "$1" "$2"; }

push_one() {
  local name="$1" layout="$FIXTURES_DIR/$1" tag digest remote extra=()
  [[ "$name" == multi ]] && extra=(--multi-arch all)
  while read -r tag digest; do
    remote="$(remote_digest "fixtures/$name" "$tag")"
    if [[ "$remote" == "$digest" ]]; then
      log "$name:$tag: registry already has $digest"
      continue
    fi
    log "$name:$tag: pushing $digest to $STARLING_REGISTRY_ADDR/fixtures/$name:$tag"
    skopeo copy -q --preserve-digests "${extra[@]}" --dest-tls-verify=false \
      "oci:$layout:$tag" "docker://$STARLING_REGISTRY_ADDR/fixtures/$name:$tag"
    remote="$(remote_digest "fixtures/$name" "$tag")"
    [[ "$remote" == "$digest" ]] || die "$name:$tag: registry has ${remote:-nothing}, expected $digest"
  done < <("$PY" "$BUILD" tags "$layout")
  digest="$("$PY" "$BUILD" layout-digest "$layout")"
  printf '{"registry":"%s","digest":"%s"}\n' "$STARLING_REGISTRY_ADDR" "$digest" >"$(push_record "$name")"

  if [[ "$name" == small ]]; then
    local rec want have
    rec="$(push_record small-docker)"
    want="$(printf '{"registry":"%s","source_digest":"%s"' "$STARLING_REGISTRY_ADDR" "$digest")"
    have="$(cat "$rec" 2>/dev/null || true)"
    remote="$(remote_digest fixtures/small-docker latest)"
    if [[ -n "$remote" && "$have" == "$want,\"digest\":\"$remote\"}" ]]; then
      log "small-docker: registry already has $remote"
    else
      log "small-docker: pushing small as Docker schema 2"
      local df
      df="$(mktemp)"
      skopeo copy -q --format v2s2 --digestfile "$df" --dest-tls-verify=false \
        "oci:$layout:latest" "docker://$STARLING_REGISTRY_ADDR/fixtures/small-docker:latest"
      remote="$(remote_digest fixtures/small-docker latest)"
      [[ "$remote" == "$(cat "$df")" ]] || die "small-docker: registry has ${remote:-nothing}, skopeo pushed $(cat "$df")"
      rm -f "$df"
      printf '%s,"digest":"%s"}\n' "$want" "$remote" >"$rec"
    fi
  fi
}

cmd_push() {
  command -v skopeo >/dev/null || die "skopeo not installed (Tools/install-deps.sh)"
  cmd_build "$@"
  curl -fsS -o /dev/null --max-time 10 "http://$STARLING_REGISTRY_ADDR/v2/" ||
    die "no registry at http://$STARLING_REGISTRY_ADDR/v2/ (start one: Tools/registry.sh start plain)"
  local name
  for name in "$@"; do push_one "$name"; done
  index
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  local targets=("$@")
  [[ ${#targets[@]} -eq 0 ]] && targets=(all)
  local names=() t
  for t in "${targets[@]}"; do
    case "$t" in
      all) names+=("${ALL_FIXTURES[@]}") ;;
      bench) names+=("${BENCH_FIXTURES[@]}") ;;
      small | python | edge | multi | large | dense) names+=("$t") ;;
      *) usage ;;
    esac
  done
  mkdir -p "$FIXTURES_DIR" "$CACHE" "$META"
  case "$cmd" in
    build | push)
      exec 9>"$FIXTURES_DIR/.lock"
      if ! flock -n 9; then
        log "waiting for another fixtures.sh run to finish"
        flock 9
      fi
      local start=$SECONDS
      "cmd_$cmd" "${names[@]}"
      log "$cmd done in $((SECONDS - start))s; see $FIXTURES_DIR/fixtures.json"
      ;;
    list)
      index
      "$PY" "$BUILD" list --fixtures-dir "$FIXTURES_DIR"
      ;;
    -h | --help | help) usage ;;
    *) usage ;;
  esac
}

main "$@"
