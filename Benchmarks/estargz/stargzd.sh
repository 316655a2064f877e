#!/usr/bin/env bash
# The stargz snapshotter daemon (containerd-stargz-grpc, built by build-stargz.sh) as the
# `stargz` proxy snapshotter of Starling's private containerd (Tools/containerd.sh).
#
#   Benchmarks/estargz/stargzd.sh start    build if needed, start (idempotent; restarts a daemon
#                                          whose config or binary changed) and wait until
#                                          containerd can use it
#   Benchmarks/estargz/stargzd.sh stop     stop it, unmount every mount left under its root and
#                                          remove its socket (its root is kept)
#   Benchmarks/estargz/stargzd.sh reset    stop, then remove its root (a cold cache)
#   Benchmarks/estargz/stargzd.sh status   exit 0 when running and its socket answers, 3 otherwise
#   Benchmarks/estargz/stargzd.sh env      export lines:  eval "$(Benchmarks/estargz/stargzd.sh env)"
#
# Settings (environment):
#   STARLING_STARGZ_SOCKET   gRPC socket; default /run/containerd-stargz-grpc/containerd-stargz-grpc.sock
#                            (Tools/containerd.sh declares the same default for [proxy_plugins.stargz])
#   STARLING_STARGZ_HTTP_REGISTRIES  plain-HTTP registries, space separated host:port (e.g.
#                            10.213.57.2:5000); $STARLING_REGISTRY_ADDR is always included. Each gets
#                            a resolver mirror with insecure = true in the daemon's config.
#   STARLING_STARGZ_CONFIG_EXTRA     TOML put at the top of the config (e.g. "noprefetch = true")
#   STARLING_STARGZ_METRICS_ADDRESS  host:port for Prometheus metrics (default: off)
#   STARLING_STARGZ_LOG_LEVEL        daemon log level (default info)
#   STARLING_STARGZ_START_TIMEOUT    seconds to wait in `start` (default 60)
#
# State under $STARLING_STATE/estargz/: root/ (the daemon's --root: snapshots, FUSE mounts,
# cache), config.toml (rewritten on every start), stargzd.pid, stargzd.log.
#
# Readiness: `start` waits for the socket, then (when containerd runs) for a Prepare + Remove
# through containerd (`ctr snapshots --snapshotter stargz prepare/rm` in the throwaway
# namespace stargzd-probe, removed afterwards): containerd redials a proxy snapshotter with
# up to 3 s backoff after a restart, and `snapshots ls` alone reads only containerd's own
# database. Without a running containerd only the socket is checked.
#
# A registry the daemon cannot reach (e.g. plain HTTP not listed above: it tries https) does
# not fail `ctr-remote image rpull`: the daemon logs "failed to prepare remote snapshot" and
# ctr-remote silently downloads and unpacks the layer instead. Check the log (or the bytes).
#
# `stop` sends SIGTERM: the daemon stops serving, unmounts its FUSE mounts and exits; its
# snapshots, their metadata and the layer cache stay in root/, and the next `start` mounts
# the remote snapshots again (fetching each layer's TOC: the registry must be up). A running
# container on stargz snapshots loses its files (its overlay's lower FUSE layers are gone):
# `stop` warns about such mounts. For a cold run: stop the containers, remove the images
# (`ctr image rm --sync`, while the daemon runs, so containerd's GC removes the snapshots in
# both places), then `stargzd.sh reset` (= stop + rm -rf root) and `start`. A reset with
# images left in containerd leaves it with snapshot records the daemon no longer has
# (remove those images; their layers are then gone already).
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../Tools/lib.sh"

HERE="$STARLING_REPO/Benchmarks/estargz"
TOOLS="$STARLING_REPO/Tools"
SG_DIR="$STARLING_STATE/estargz"
SG_BIN="$SG_DIR/containerd-stargz-grpc"
SG_ROOT="$SG_DIR/root"
SG_CONFIG="$SG_DIR/config.toml"
SG_PIDFILE="$SG_DIR/stargzd.pid"
SG_LOG="$SG_DIR/stargzd.log"
SG_SOCK="${STARLING_STARGZ_SOCKET:-/run/containerd-stargz-grpc/containerd-stargz-grpc.sock}"
LOG_LEVEL="${STARLING_STARGZ_LOG_LEVEL:-info}"
START_TIMEOUT="${STARLING_STARGZ_START_TIMEOUT:-60}"
HTTP_REGISTRIES="$STARLING_REGISTRY_ADDR ${STARLING_STARGZ_HTTP_REGISTRIES:-}"
PROBE_NS=stargzd-probe
PY=/usr/bin/python3

usage() {
  sed -n '2,46p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

marker() { echo "$SG_BIN --address $SG_SOCK --root $SG_ROOT --config $SG_CONFIG"; }

# pid from the pidfile if that process is alive and is our daemon.
live_pid() {
  local pid cmdline
  [[ -s "$SG_PIDFILE" ]] || return 1
  pid="$(<"$SG_PIDFILE")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$(marker)"* ]] || return 1
  echo "$pid"
}

# The socket accepts a connection.
sock_answers() {
  [[ -S "$SG_SOCK" ]] || return 1
  "$PY" - "$SG_SOCK" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(2)
s.connect(sys.argv[1])
PY
}

log_tail() {
  awk '/^===== .* starting: /{n=0} {buf[n++]=$0} END{for(i=(n>30?n-30:0);i<n;i++) print buf[i]}' "$SG_LOG" 2>/dev/null || true
}

toml_str() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

# Write config.toml; returns 1 when unchanged.
write_config() {
  local addr seen=" "
  {
    echo "# Generated by Benchmarks/estargz/stargzd.sh; rewritten on every start."
    if [[ -n "${STARLING_STARGZ_METRICS_ADDRESS:-}" ]]; then
      echo "metrics_address = $(toml_str "$STARLING_STARGZ_METRICS_ADDRESS")"
    fi
    if [[ -n "${STARLING_STARGZ_CONFIG_EXTRA:-}" ]]; then
      printf '%s\n' "$STARLING_STARGZ_CONFIG_EXTRA"
    fi
    echo
    echo "# Plain-HTTP registries: the registry itself as an insecure (http) mirror."
    for addr in $HTTP_REGISTRIES; do
      [[ "$seen" == *" $addr "* ]] && continue
      seen+="$addr "
      [[ "$addr" =~ ^[A-Za-z0-9._-]+(:[0-9]+)?$|^\[[0-9a-fA-F:]+\](:[0-9]+)?$ ]] \
        || die "bad registry address '$addr' in STARLING_STARGZ_HTTP_REGISTRIES (want host:port)"
      printf '[[resolver.host.%s.mirrors]]\n  host = %s\n  insecure = true\n\n' \
        "$(toml_str "$addr")" "$(toml_str "$addr")"
    done
  } >"$SG_CONFIG.tmp"
  if cmp -s "$SG_CONFIG.tmp" "$SG_CONFIG"; then rm -f "$SG_CONFIG.tmp"; return 1; fi
  mv -f "$SG_CONFIG.tmp" "$SG_CONFIG"
}

# Mount points at or under the root, deepest first (mountinfo escapes spaces as \040).
mounts_under_root() {
  local root
  root="$(realpath -m "$SG_ROOT")"
  awk -v r="$root" '{ m=$5; gsub(/\\040/, " ", m); if (m == r || index(m, r "/") == 1) print length(m) "\t" m }' \
    /proc/self/mountinfo | sort -rn | cut -f2- | uniq
}

unmount_leftovers() {
  local m n=0 left
  while IFS= read -r m; do
    [[ -n "$m" ]] || continue
    if umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; then
      n=$((n + 1))
    else
      log "warning: could not unmount $m"
    fi
  done < <(mounts_under_root)
  (( n == 0 )) || log "unmounted $n leftover mount(s) under $SG_ROOT"
  left="$(mounts_under_root | wc -l)"
  (( left == 0 )) || die "$left mount(s) still under $SG_ROOT"
}

stop_daemon() {
  local pid
  if pid="$(live_pid)"; then
    kill -TERM "$pid" 2>/dev/null || true
    # Closing the snapshotter unmounts every layer: allow it some time.
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      log "containerd-stargz-grpc (pid $pid) ignored SIGTERM for 30s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    log "stopped containerd-stargz-grpc (pid $pid)"
  else
    log "containerd-stargz-grpc not running"
  fi
  rm -f "$SG_PIDFILE"
  unmount_leftovers
  local users
  users="$(awk -v r="$(realpath -m "$SG_ROOT")/" 'index($0, r) && index($5, r) != 1 {print $5}' /proc/self/mountinfo)"
  [[ -z "$users" ]] || log "warning: mounts still use layers under $SG_ROOT (running containers? they lost their files): $(tr '\n' ' ' <<<"$users")"
  # Our socket only (another daemon on it would have been refused at start).
  if [[ -S "$SG_SOCK" ]] && ! sock_answers; then rm -f "$SG_SOCK"; fi
  # The default socket's folder is the daemon's own (it creates it): leave none behind.
  [[ "$SG_SOCK" != /run/containerd-stargz-grpc/* ]] || rmdir "$(dirname "$SG_SOCK")" 2>/dev/null || true
}

containerd_up() {
  eval "$("$TOOLS/containerd.sh" env)"
  "$TOOLS/containerd.sh" status >/dev/null 2>&1
}

# One Prepare + Remove through containerd; prints the error on failure.
probe_containerd() {
  local key="probe-$$-$RANDOM" out rc=0
  local c=(ctr --address "$STARLING_CONTAINERD_ADDRESS" -n "$PROBE_NS" snapshots --snapshotter stargz)
  if out="$(timeout 10 "${c[@]}" prepare "$key" 2>&1)"; then
    timeout 10 "${c[@]}" rm "$key" >/dev/null 2>&1 || true
  else
    rc=1
    echo "$out"
  fi
  timeout 10 ctr --address "$STARLING_CONTAINERD_ADDRESS" namespaces rm "$PROBE_NS" >/dev/null 2>&1 || true
  return "$rc"
}

start() {
  local pid changed=0 deadline err=""
  (( ${#SG_SOCK} < 100 )) || die "socket path too long for a unix socket (${#SG_SOCK} bytes): $SG_SOCK"
  "$HERE/build-stargz.sh" >/dev/null
  mkdir -p "$SG_DIR" "$SG_ROOT"
  if write_config; then changed=1; fi
  if pid="$(live_pid)"; then
    if (( changed )); then
      log "config changed; restarting pid $pid"
    elif [[ "$SG_BIN" -nt "$SG_PIDFILE" ]]; then
      log "binary rebuilt; restarting pid $pid"
    elif sock_answers; then
      log "containerd-stargz-grpc already running (pid $pid) on $SG_SOCK"
      return 0
    else
      log "pid $pid is alive but its socket does not answer; restarting it"
    fi
    stop_daemon
  fi
  if sock_answers; then
    die "something else already answers on $SG_SOCK (not our pid $SG_PIDFILE)"
  fi
  unmount_leftovers   # from a daemon that died
  rm -f "$SG_SOCK" "$SG_PIDFILE"
  log "starting containerd-stargz-grpc on $SG_SOCK (root $SG_ROOT, log $SG_LOG)"
  printf '\n===== %s starting: %s\n' "$(date -u +%FT%TZ)" "$(marker)" >>"$SG_LOG"
  # The inner shell writes its own pid and execs the daemon, so the pidfile is exact.
  # shellcheck disable=SC2016
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$SG_PIDFILE" \
    "$SG_BIN" --address "$SG_SOCK" --root "$SG_ROOT" --config "$SG_CONFIG" --log-level "$LOG_LEVEL" \
    >>"$SG_LOG" 2>&1 </dev/null 9>&- &
  for _ in $(seq 50); do [[ -s "$SG_PIDFILE" ]] && break; sleep 0.1; done
  [[ -s "$SG_PIDFILE" ]] || die "containerd-stargz-grpc did not start (no pidfile $SG_PIDFILE)"

  deadline=$((SECONDS + START_TIMEOUT))
  fail() {
    log "$1; log tail ($SG_LOG):"
    log_tail >&2
    [[ -z "$err" ]] || log "last probe error: $err"
    stop_daemon || true
    die "containerd-stargz-grpc failed to start"
  }
  alive() { live_pid >/dev/null || { sleep 0.5; live_pid >/dev/null; }; }
  until sock_answers; do
    alive || fail "containerd-stargz-grpc exited during startup"
    (( SECONDS < deadline )) || fail "no answer on $SG_SOCK within ${START_TIMEOUT}s"
    sleep 0.1
  done
  if containerd_up; then
    until err="$(probe_containerd)"; do
      alive || fail "containerd-stargz-grpc exited during startup"
      (( SECONDS < deadline )) || fail "containerd could not use the stargz snapshotter within ${START_TIMEOUT}s (does containerd's [proxy_plugins.stargz] point at $SG_SOCK? restart it with the same STARLING_STARGZ_SOCKET)"
      sleep 0.2
    done
    log "containerd-stargz-grpc up (pid $(<"$SG_PIDFILE")) on $SG_SOCK; containerd uses it"
  else
    log "containerd-stargz-grpc up (pid $(<"$SG_PIDFILE")) on $SG_SOCK (containerd not running: socket checked only)"
  fi
}

status() {
  local pid
  if pid="$(live_pid)"; then
    if sock_answers; then
      echo "containerd-stargz-grpc: running pid $pid on $SG_SOCK (root $SG_ROOT, $(mounts_under_root | wc -l) mount(s))"
      return 0
    fi
    echo "containerd-stargz-grpc: pid $pid alive but $SG_SOCK does not answer"
    return 3
  fi
  echo "containerd-stargz-grpc: stopped ($SG_SOCK; $(mounts_under_root | wc -l) mount(s) under $SG_ROOT)"
  return 3
}

print_env() {
  cat <<EOF
export STARLING_STARGZ_SOCKET=$SG_SOCK
export STARLING_STARGZ_BIN=$SG_BIN
export STARLING_STARGZ_ROOT=$SG_ROOT
export STARLING_STARGZ_CONFIG=$SG_CONFIG
export STARLING_STARGZ_LOG=$SG_LOG
export STARLING_STARGZ_PIDFILE=$SG_PIDFILE
EOF
}

main() {
  local cmd="${1:-}"
  [[ -n "$cmd" ]] || usage
  shift
  (( $# == 0 )) || usage
  case "$cmd" in
    start|stop|reset)
      mkdir -p "$SG_DIR"
      exec 9>"$SG_DIR/.lock"
      flock -w 120 9 || die "timed out waiting for $SG_DIR/.lock" ;;
  esac
  case "$cmd" in
    start) start ;;
    stop) stop_daemon ;;
    reset)
      stop_daemon
      rm -rf "$SG_ROOT"
      log "removed $SG_ROOT" ;;
    status) status ;;
    env) print_env ;;
    -h|--help|help) usage ;;
    *) usage ;;
  esac
}

main "$@"
