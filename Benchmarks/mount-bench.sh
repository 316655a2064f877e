#!/usr/bin/env bash
# Lazy-mount benchmark: `starling mount` against the same data on local disk, in one run.
#
#   Benchmarks/mount-bench.sh [--runs N] [--size BYTES] [--skip-build] [--results DIR]
#                             [--only LIST] [--rand-count N] [--mount-args "ARGS"]
#                             [--fuse-read-ahead-kb KB] [--shared-registry]   (--help for details)
#
# Measures (each RUNS times; min / median / max):
#   mount -> first byte   launch of `starling mount` until `head -c1` of a file returns, and
#                         the mount's own mount_milliseconds (stats.json), per layer; python
#                         fixture (5 layers) and the big image (1 layer); fresh --root each run
#   sequential read       the big image's BYTES-long file (default 1 GiB) in 1 MiB reads:
#                         cold (fresh --root, empty blob cache, from the registry over
#                         loopback), warm (blob cache populated, remounted), local ext4,
#                         local tmpfs; page cache dropped before each (not for tmpfs)
#   random 4 KiB reads    warm (remounted, caches dropped) and local ext4 / tmpfs: latency
#   small files           `find DIR/usr/lib/python3* -type f -print0 | xargs -0 cat` over the
#                         python fixture: cold, warm, local ext4 (tree unpacked by tree.py)
# plus the fetch counters of each mounted run, the CPU the serving process and the registry
# used, read-ahead settings of the FUSE mounts, and single-core decode ceilings.
# Output: a markdown table on stdout (also report.md) and raw JSON under --results.
# Needs root (FUSE, overlayfs, drop_caches). Nothing outside $STARLING_STATE/bench and
# /dev/shm is written; everything it mounts is unmounted on exit or Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../Tools/lib.sh"
cd "$STARLING_REPO"
command -v swift >/dev/null 2>&1 || export PATH="/opt/swift/usr/bin:$PATH"

usage() {
  cat <<EOF
usage: Benchmarks/mount-bench.sh [options]

Benchmarks \`starling mount\` (lazy FUSE + overlayfs mount of a converted image) against
local disk: mount -> first byte, sequential read of a big file cold / warm / local,
random 4 KiB read latency, and a walk over many small files. Prints a markdown table.

options:
  --runs N          repetitions of every measurement (default 3)
  --size BYTES      size of the big file (default 1073741824; suffixes K M G allowed)
  --skip-build      do not run \`swift build -c release --product starling\`
  --results DIR     where raw JSON and the report go (default $STARLING_STATE/bench/mount);
                    each run writes DIR/mount-<timestamp>/{records.jsonl,summary.json,report.md}
  --only LIST       comma-separated subset of: first-byte,seq,rand,walk (default: all)
  --rand-count N    random reads per run (default 2000)
  --mount-args S    extra arguments for every \`starling mount\`, word-split
                    (e.g. "--read-ahead 0" to compare fetcher settings)
  --fuse-read-ahead-kb KB
                    experiment: after each mount, set the kernel read-ahead of its FUSE
                    and overlay mounts to KB (/sys/class/bdi/*/read_ahead_kb)
  --shared-registry mount from the shared test registry itself instead of a private
                    read-only instance over the same storage (see below)
  -h, --help        this text

environment:
  STARLING_BIN      the starling binary (default .build/release/starling; implies no build)
  STARLING_STATE    state folder (default /var/tmp/starling)

The test image (one BYTES-long file of ~2.2x zstd-compressible content plus small files)
is built offline by Benchmarks/mount/make-image.py and cached in
\$STARLING_STATE/bench/mount-image (rebuilt when the size or the generator changes), then
copied to the local registry and converted there once per content key. The local
reference tree of the python fixture is cached in \$STARLING_STATE/bench/mount-python-tree.
Mounts read from a private, read-only docker-registry on 127.0.0.1:\$STARLING_BENCH_REGISTRY_PORT
(default 5059) serving the shared registry's storage with the same settings, so the
registry's CPU time is this benchmark's alone (tests may use the shared one meanwhile).
Disk use: about 2.2x BYTES for the cached image plus the registry's copies, plus up to
1x BYTES of blob cache while running; BYTES of RAM for the tmpfs copy.
EOF
}

RUNS=3
SIZE=$((1 << 30))
SKIP_BUILD=0
RESULTS="$STARLING_STATE/bench/mount"
RAND_COUNT=2000
MOUNT_ARGS=""
ONLY="first-byte,seq,rand,walk"
FUSE_RA_KB=""
SHARED_REGISTRY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS="$2"; shift 2 ;;
    --size) SIZE="$(numfmt --from=iec "$2")"; shift 2 ;;
    --skip-build) SKIP_BUILD=1; shift ;;
    --results) RESULTS="$2"; shift 2 ;;
    --rand-count) RAND_COUNT="$2"; shift 2 ;;
    --mount-args) MOUNT_ARGS="$2"; shift 2 ;;
    --only) ONLY="$2"; shift 2 ;;
    --fuse-read-ahead-kb) FUSE_RA_KB="$2"; shift 2 ;;
    --shared-registry) SHARED_REGISTRY=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[[ "$SIZE" =~ ^[0-9]+$ ]] && [ "$SIZE" -ge $((16 << 20)) ] || die "--size must be at least 16M"
[[ "$RAND_COUNT" =~ ^[1-9][0-9]*$ ]] || die "--rand-count must be a positive integer"
[ -z "$FUSE_RA_KB" ] || [[ "$FUSE_RA_KB" =~ ^[1-9][0-9]*$ ]] || die "--fuse-read-ahead-kb must be a positive integer"
for group in ${ONLY//,/ }; do
  case "$group" in first-byte|seq|rand|walk) ;; *) die "--only: unknown group $group" ;; esac
done
want() { [[ ",$ONLY," == *",$1,"* ]]; }
[ "$(id -u)" -eq 0 ] || die "needs root (FUSE mounts, overlayfs, /proc/sys/vm/drop_caches)"
for tool in jq curl timeout zstd numfmt mountpoint realpath; do
  command -v "$tool" >/dev/null 2>&1 || die "missing tool: $tool"
done
read -r -a EXTRA_MOUNT_ARGS <<<"$MOUNT_ARGS"

PY=/usr/bin/python3
HERE="$STARLING_REPO/Benchmarks/mount"
BENCH="$STARLING_STATE/bench"
WORK="$BENCH/mount-work"
IMAGE_DIR="$BENCH/mount-image"
TREE_CACHE="$BENCH/mount-python-tree"
SHM_FILE="/dev/shm/starling-mount-bench-big.bin"
OUT="$RESULTS/mount-$(date -u +%Y%m%dT%H%M%SZ)"
RECORDS="$OUT/records.jsonl"
T="timeout"   # every access to a FUSE mount goes through `timeout`
FUSE_TIMEOUT=600

# --- cleanup: unmount everything this run mounted, stop its mount processes -------------
MOUNTS=()  # "root|dir" of every mount made
PIDS=()    # serving processes started (from mount.json)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  local entry root dir pid m
  for entry in "${MOUNTS[@]}"; do
    root="${entry%%|*}"; dir="${entry#*|}"
    if mountpoint -q "$dir" 2>/dev/null; then
      timeout 30 "$BIN" umount --force --root "$root" "$dir" >/dev/null 2>&1 \
        || log "warning: starling umount --force $dir failed; detaching"
    fi
  done
  # Whatever is left under the work folder (overlay, layer mounts): detach, deepest first.
  awk -v w="$WORK/" 'index($2, w) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m" 2>/dev/null || log "warning: umount -l $m failed"
  done
  for pid in "${PIDS[@]}"; do
    # Only our own servers: the pid must still be a starling process serving under WORK.
    if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$WORK/"; then
      kill -TERM "$pid" 2>/dev/null
      for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && { log "warning: killing stuck mount process $pid"; kill -KILL "$pid"; }
    fi
  done
  if [ -n "${BENCH_REG_PID:-}" ] && kill -0 "$BENCH_REG_PID" 2>/dev/null; then
    kill -TERM "$BENCH_REG_PID" 2>/dev/null
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$BENCH_REG_PID" 2>/dev/null || break; sleep 0.3; done
    kill -0 "$BENCH_REG_PID" 2>/dev/null && kill -KILL "$BENCH_REG_PID"
  fi
  rm -rf "$WORK" "$SHM_FILE"
  [ "$rc" -ne 0 ] && log "failed (exit $rc); partial records: $RECORDS"
  exit "$rc"
}
BIN="${STARLING_BIN:-$STARLING_REPO/.build/release/starling}"
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- setup -----------------------------------------------------------------------------
mkdir -p "$OUT" "$BENCH"
rm -rf "$WORK"
mkdir -p "$WORK"
: >"$RECORDS"
started=$(date +%s)

"$STARLING_REPO/Tools/registry.sh" start plain >/dev/null
eval "$("$STARLING_REPO/Tools/registry.sh" env)"
REG="${STARLING_TEST_REGISTRY:-$STARLING_REGISTRY_ADDR}"
REG_PID=$(cat "$STARLING_STATE/registry/plain/registry.pid" 2>/dev/null || echo 0)

if [ -n "${STARLING_BIN:-}" ]; then
  log "using STARLING_BIN=$BIN"
elif [ "$SKIP_BUILD" -eq 0 ]; then
  log "building starling (release; log: $OUT/build.log)"
  swift build -c release --product starling >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log" >&2; die "build failed"; }
fi
[ -x "$BIN" ] || die "no starling binary at $BIN (build it or set STARLING_BIN)"

# manifest_exists REF: does the registry have REF (host/repo:tag)?
manifest_exists() {
  local ref="$1" host repo tag
  host="${ref%%/*}"; repo="${ref#*/}"; tag="${repo##*:}"; repo="${repo%:*}"
  curl -sf -o /dev/null -I \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json' \
    "http://$host/v2/$repo/manifests/$tag"
}

# The big image: built offline once per (size, generator), pushed and converted once per key.
log "test image: $(numfmt --to=iec "$SIZE") file (cached in $IMAGE_DIR)"
BIG_INFO=$("$PY" "$HERE/make-image.py" --size "$SIZE" --out "$IMAGE_DIR")
BIG_KEY=$(jq -r '.key[:12]' <<<"$BIG_INFO")
BIG_FILE="$IMAGE_DIR/big.bin"
BIG_PATH=$(jq -r .big_path <<<"$BIG_INFO")
BIG_SHA=$(jq -r .big_sha256 <<<"$BIG_INFO")
BIG_SRC="$REG/bench/mount-big:src-$BIG_KEY"
BIG_ST="$REG/bench/mount-big:st-$BIG_KEY"
if ! manifest_exists "$BIG_ST"; then
  log "pushing and converting the test image ($BIG_ST)"
  manifest_exists "$BIG_SRC" || "$BIN" copy "oci:$IMAGE_DIR/layout:latest" "$BIG_SRC" >&2
  "$BIN" convert "$BIG_SRC" "$BIG_ST" >&2
fi

# The python fixture, converted once per fixture digest, and its unpacked reference tree.
"$STARLING_REPO/Tools/fixtures.sh" build python >/dev/null
"$STARLING_REPO/Tools/fixtures.sh" push python >/dev/null
FIXTURES_JSON="$STARLING_STATE/fixtures/fixtures.json"
PY_LAYOUT=$(jq -r .fixtures.python.layout "$FIXTURES_JSON")
PY_DIGEST=$(jq -r '.fixtures.python.manifest_digest | sub("sha256:"; "") | .[:12]' "$FIXTURES_JSON")
PY_SRC="$REG/fixtures/python:latest"
PY_ST="$REG/bench/mount-python:st-$PY_DIGEST"
if ! manifest_exists "$PY_ST"; then
  log "converting the python fixture ($PY_ST)"
  "$BIN" convert "$PY_SRC" "$PY_ST" >&2
fi
PY_TREE="$TREE_CACHE/$PY_DIGEST"
if [ ! -f "$PY_TREE.done" ]; then
  log "unpacking the python fixture as the local reference tree ($PY_TREE)"
  rm -rf "$TREE_CACHE"
  mkdir -p "$TREE_CACHE"
  "$PY" "$STARLING_REPO/Tools/tree.py" unpack "$PY_LAYOUT" --tag latest "$PY_TREE" >&2
  "$PY" "$HERE/readbench.py" tree "$PY_TREE"/usr/lib/python3* >"$PY_TREE.done"
fi
PY_TREE_INFO=$(cat "$PY_TREE.done")

# The registry the mounts read from: a private read-only instance over the shared storage.
MREG="$REG"
BENCH_REG_PID=""
REG_LOG="$STARLING_STATE/registry/plain/registry.log"
if [ "$SHARED_REGISTRY" -eq 0 ]; then
  port="${STARLING_BENCH_REGISTRY_PORT:-5059}"
  storage=$(awk '/rootdirectory:/ {print $2; exit}' "$STARLING_STATE/registry/plain/config.yml")
  [ -d "$storage" ] || die "cannot find the shared registry's storage (config: $STARLING_STATE/registry/plain/config.yml)"
  cat >"$WORK/registry.yml" <<YML
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $storage
  maintenance:
    uploadpurging:
      enabled: false
    readonly:
      enabled: true
http:
  addr: 127.0.0.1:$port
YML
  REG_LOG="$WORK/registry.log"
  ! curl -s -o /dev/null "http://127.0.0.1:$port/v2/" \
    || die "127.0.0.1:$port is taken; set STARLING_BENCH_REGISTRY_PORT or use --shared-registry"
  /usr/bin/docker-registry serve "$WORK/registry.yml" >"$REG_LOG" 2>&1 </dev/null &
  BENCH_REG_PID=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/v2/" && break; sleep 0.1; done
  curl -sf -o /dev/null "http://127.0.0.1:$port/v2/" || { tail -5 "$REG_LOG" >&2; die "private registry did not start on :$port"; }
  MREG="127.0.0.1:$port"
  REG_PID="$BENCH_REG_PID"
fi
BIG_ST="$MREG/${BIG_ST#*/}"
PY_ST="$MREG/${PY_ST#*/}"

TMPFS_OK=0
if [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ] \
  && [ "$(df --output=avail -B1 /dev/shm | tail -1)" -gt $((SIZE + (512 << 20))) ]; then
  cp "$BIG_FILE" "$SHM_FILE"
  TMPFS_OK=1
else
  log "warning: /dev/shm is not a tmpfs with room for the file; no tmpfs reference"
fi

# --- helpers -----------------------------------------------------------------------------
drop_caches() { "$PY" "$HERE/readbench.py" drop-caches >/dev/null; }
now_ns() { date +%s%N; }
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e6 }'; }

# do_mount ROOT DIR IMAGE: mounts; sets M_T0 (ns, before launch), M_WALL_MS, M_STATE, M_PID.
do_mount() {
  local root="$1" dir="$2" image="$3" t1
  mkdir -p "$dir"
  MOUNTS+=("$root|$dir")
  M_T0=$(now_ns)
  timeout 120 "$BIN" mount --root "$root" "${EXTRA_MOUNT_ARGS[@]}" "$image" "$dir" \
    >"$WORK/mount.out" 2>"$WORK/mount.err" || { cat "$WORK/mount.err" >&2; die "starling mount $image failed"; }
  t1=$(now_ns)
  M_WALL_MS=$(ms_between "$M_T0" "$t1")
  M_STATE="$root/mounts/$(printf %s "$(realpath "$dir")" | sha256sum | cut -c1-16)"
  M_PID=$(jq -r .pid "$M_STATE/mount.json")
  PIDS+=("$M_PID")
  if [ -n "$FUSE_RA_KB" ]; then
    local m dev
    for m in $(jq -r '.layers[]' "$M_STATE/mount.json") "$dir"; do
      dev=$(mountpoint -d "$m") && echo "$FUSE_RA_KB" >"/sys/class/bdi/$dev/read_ahead_kb" 2>/dev/null \
        || log "warning: cannot set read_ahead_kb of $m"
    done
  fi
}

do_umount() {
  local root="$1" dir="$2"
  if ! timeout 60 "$BIN" umount --root "$root" "$dir" >/dev/null 2>"$WORK/umount.err"; then
    log "warning: umount $dir: $(cat "$WORK/umount.err"); forcing"
    timeout 60 "$BIN" umount --force --root "$root" "$dir" >/dev/null || die "cannot unmount $dir"
  fi
}

# mount_facts: JSON with the mount's final counters (stats.json, after its 250 ms refresh
# settled) and the read-ahead of its FUSE mounts.
mount_facts() {
  local layer dev ra=() stats
  sleep 0.6
  stats=$(cat "$M_STATE/stats.json")
  for layer in $(jq -r '.layers[]' "$M_STATE/mount.json"); do
    dev=$(mountpoint -d "$layer" 2>/dev/null || true)
    ra+=("$(cat "/sys/class/bdi/$dev/read_ahead_kb" 2>/dev/null || echo null)")
  done
  jq -n --argjson stats "$stats" --argjson ra "[$(IFS=,; echo "${ra[*]}")]" --arg pid "$M_PID" \
    --arg wall "$M_WALL_MS" '{stats: $stats, fuse_read_ahead_kb: $ra, mount_pid: ($pid|tonumber),
     mount_command_ms: ($wall|tonumber)}'
}

# rec METRIC MODE RUN JSON [EXTRA_JSON]: appends one record.
rec() {
  jq -c --arg metric "$1" --arg mode "$2" --argjson run "$3" --argjson extra "${5:-null}" \
    '{metric: $metric, mode: $mode, run: $run} + . + ($extra // {})' <<<"$4" >>"$RECORDS"
}

bench() { $T "$FUSE_TIMEOUT" "$PY" "$HERE/readbench.py" "$@"; }

VERIFY_FAILED=0
# check_big MODE FILE JSON: JSON + {verified}; sha256 of what the reader got, outside the
# timed region (the bytes are in the page cache by then).
check_big() {
  local got ok=true
  got=$($T "$FUSE_TIMEOUT" "$PY" "$HERE/readbench.py" sha256 "$2" | jq -r .sha256)
  if [ "$got" != "$BIG_SHA" ]; then
    log "CONTENT MISMATCH ($1): sha256 $got, expected $BIG_SHA"; VERIFY_FAILED=1; ok=false
  fi
  CHECKED=$(jq --argjson ok "$ok" '. + {verified: $ok}' <<<"$3")
}

# --- measurements --------------------------------------------------------------------------
BIG_MNT="$WORK/mnt-big"
PY_MNT="$WORK/mnt-py"
jq -n --argjson big "$BIG_INFO" --argjson pytree "$PY_TREE_INFO" --arg big_ref "$BIG_ST" --arg py_ref "$PY_ST" \
  --arg runs "$RUNS" --arg kernel "$(uname -r)" --arg cores "$(nproc)" --arg bin "$BIN" \
  --arg bin_mtime "$(date -u -r "$BIN" +%FT%TZ)" --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --arg ext4 "$(df --output=fstype "$IMAGE_DIR" | tail -1)" --arg workfs "$(df --output=fstype "$WORK" | tail -1)" \
  --arg tmpfs "$TMPFS_OK" --arg mount_args "$MOUNT_ARGS" --arg rand_count "$RAND_COUNT" \
  --arg only "$ONLY" --arg fuse_ra "$FUSE_RA_KB" --arg registry "$MREG" --arg private_registry "$((1 - SHARED_REGISTRY))" \
  --argjson py_layers "$(jq '.fixtures.python.layers | length' "$FIXTURES_JSON")" \
  '{big_image: $big, big_ref: $big_ref, python_ref: $py_ref, python_layers: $py_layers, python_tree: $pytree,
    runs: ($runs|tonumber), kernel: $kernel, cores: ($cores|tonumber), starling: $bin, starling_built: $bin_mtime,
    commit: $commit, local_fs: $ext4, cache_fs: $workfs, tmpfs: ($tmpfs == "1"), mount_args: $mount_args,
    rand_count: ($rand_count|tonumber), only: $only, fuse_read_ahead_kb: $fuse_ra, registry: $registry,
    private_registry: ($private_registry == "1")}' >"$OUT/setup.json"

log "machine ceilings: blob-cache put cost, sha256"
rec ceiling fsync-probe 0 "$("$PY" "$HERE/readbench.py" fsync-probe "$WORK/probe")"
rm -rf "$WORK/probe"

# Registry requests logged meanwhile (the private instance serves only this benchmark).
reg_lines() { grep -c 'msg="response completed"' "$REG_LOG" 2>/dev/null || true; }

for run in $(seq "$RUNS"); do
  # Big file: cold (empty blob cache), warm (populated, remounted), random reads warm.
  root="$WORK/root-big-$run"
  if want seq; then
    do_mount "$root" "$BIG_MNT" "$BIG_ST"
    drop_caches
    l0=$(reg_lines)
    r=$(bench seq "$BIG_MNT/$BIG_PATH" --pid "$M_PID" --pid "$REG_PID")
    facts=$(mount_facts)
    facts=$(jq --argjson n "$(( $(reg_lines) - l0 ))" '. + {registry_responses: $n}' <<<"$facts")
    if [ "$run" -eq 1 ]; then check_big cold "$BIG_MNT/$BIG_PATH" "$facts"; facts=$CHECKED; fi
    rec seq cold "$run" "$r" "$facts"
    log "run $run: seq cold $(jq .mb_per_s <<<"$r") MB/s"
    do_umount "$root" "$BIG_MNT"
    if [ "$run" -eq 1 ]; then
      rec ceiling cpu 0 "$("$PY" "$HERE/readbench.py" ceiling "$BIG_FILE" --zstd-dir "$root/cache")"
    fi

    do_mount "$root" "$BIG_MNT" "$BIG_ST"
    drop_caches
    r=$(bench seq "$BIG_MNT/$BIG_PATH" --pid "$M_PID")
    facts=$(mount_facts)
    if [ "$run" -eq 1 ]; then check_big warm "$BIG_MNT/$BIG_PATH" "$facts"; facts=$CHECKED; fi
    rec seq warm "$run" "$r" "$facts"
    log "run $run: seq warm $(jq .mb_per_s <<<"$r") MB/s"
    do_umount "$root" "$BIG_MNT"
  fi

  if want rand; then
    if ! want seq; then  # fill the blob cache first (untimed)
      do_mount "$root" "$BIG_MNT" "$BIG_ST"
      $T "$FUSE_TIMEOUT" cat "$BIG_MNT/$BIG_PATH" >/dev/null
      do_umount "$root" "$BIG_MNT"
    fi
    do_mount "$root" "$BIG_MNT" "$BIG_ST"
    drop_caches
    r=$(bench rand "$BIG_MNT/$BIG_PATH" --count "$RAND_COUNT" --pid "$M_PID")
    rec rand warm "$run" "$r" "$(mount_facts)"
    log "run $run: rand warm p50 $(jq .p50_us <<<"$r") us"
    do_umount "$root" "$BIG_MNT"
  fi
  rm -rf "$root"

  # Local references.
  if want seq; then
    drop_caches
    r=$(bench seq "$BIG_FILE")
    if [ "$run" -eq 1 ]; then check_big ext4 "$BIG_FILE" "$r"; r=$CHECKED; fi
    rec seq ext4 "$run" "$r"
    if [ "$TMPFS_OK" -eq 1 ]; then rec seq tmpfs "$run" "$(bench seq "$SHM_FILE")"; fi
    log "run $run: seq local ext4 $(jq .mb_per_s <<<"$r") MB/s"
  fi
  if want rand; then
    drop_caches
    rec rand ext4 "$run" "$(bench rand "$BIG_FILE" --count "$RAND_COUNT")"
    if [ "$TMPFS_OK" -eq 1 ]; then rec rand tmpfs "$run" "$(bench rand "$SHM_FILE" --count "$RAND_COUNT")"; fi
  fi

  # Small files: python fixture, cold / warm / local.
  if want walk; then
    root="$WORK/root-py-$run"
    do_mount "$root" "$PY_MNT" "$PY_ST"
    drop_caches
    l0=$(reg_lines)
    r=$(bench walk "$PY_MNT"/usr/lib/python3* --pid "$M_PID" --pid "$REG_PID")
    facts=$(mount_facts)
    facts=$(jq --argjson n "$(( $(reg_lines) - l0 ))" '. + {registry_responses: $n}' <<<"$facts")
    if [ "$run" -eq 1 ]; then
      tree=$($T "$FUSE_TIMEOUT" "$PY" "$HERE/readbench.py" tree "$PY_MNT"/usr/lib/python3*)
      if [ "$(jq -r .sha256 <<<"$tree")" = "$(jq -r .sha256 <<<"$PY_TREE_INFO")" ]; then ok=true; else
        ok=false; VERIFY_FAILED=1; log "CONTENT MISMATCH (small files): $tree vs $PY_TREE_INFO"
      fi
      facts=$(jq --argjson ok "$ok" --argjson tree "$tree" '. + {verified: $ok, tree: $tree}' <<<"$facts")
    fi
    rec walk cold "$run" "$r" "$facts"
    do_umount "$root" "$PY_MNT"
    do_mount "$root" "$PY_MNT" "$PY_ST"
    drop_caches
    r=$(bench walk "$PY_MNT"/usr/lib/python3* --pid "$M_PID")
    rec walk warm "$run" "$r" "$(mount_facts)"
    do_umount "$root" "$PY_MNT"
    rm -rf "$root"
    drop_caches
    rec walk ext4 "$run" "$(bench walk "$PY_TREE"/usr/lib/python3*)"
    log "run $run: small files cold/warm/local $(jq -r -s '[.[] | select(.metric=="walk")][-3:] | map(.seconds) | join(" / ")' "$RECORDS") s"
  fi

  # Mount -> first byte, fresh root (empty blob cache; the binary and the registry's files
  # are in the page cache, as on a node that runs containers).
  if want first-byte; then
    for image in python big; do
      root="$WORK/root-fb-$image-$run"
      if [ "$image" = python ]; then ref="$PY_ST"; dir="$PY_MNT"; file="usr/bin/python3"; else
        ref="$BIG_ST"; dir="$BIG_MNT"; file="$BIG_PATH"; fi
      do_mount "$root" "$dir" "$ref"
      $T 60 head -c1 "$dir/$file" >/dev/null
      t=$(now_ns)
      facts=$(mount_facts)
      layers=$(jq '.layers | length' "$M_STATE/mount.json")
      rec first-byte "$image" "$run" "$(jq -n --arg fb "$(ms_between "$M_T0" "$t")" --arg file "$file" \
        --argjson layers "$layers" '{first_byte_ms: ($fb|tonumber), file: $file, layers: $layers}')" "$facts"
      do_umount "$root" "$dir"
      rm -rf "$root"
    done
    log "run $run: first byte python/big $(jq -r -s '[.[] | select(.metric=="first-byte")][-2:] | map(.first_byte_ms) | join(" / ")' "$RECORDS") ms"
  fi
done

jq -n --arg s "$(( $(date +%s) - started ))" '{benchmark_seconds: ($s|tonumber)}' >"$OUT/timing.json"
"$PY" "$HERE/report.py" "$OUT" | tee "$OUT/report.md"
log "raw: $OUT/records.jsonl, $OUT/summary.json, $OUT/setup.json"
[ "$VERIFY_FAILED" -eq 0 ] || die "content verification failed (see CONTENT MISMATCH above)"
