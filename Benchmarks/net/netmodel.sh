#!/usr/bin/env bash
# Network model for cold-start benchmarks: the registry in its own network namespace behind a
# shaped veth link with added round-trip time.
#
#   Benchmarks/net/netmodel.sh up PROFILE [--registry-root DIR] [--no-handshake]
#   Benchmarks/net/netmodel.sh {down|counters|measure|status|env}
#
#   PROFILE  lan (1 Gbit/s, 1 ms RTT) | dc (100 Mbit/s, 20 ms) | wan (20 Mbit/s, 80 ms)
#            | none (no shaping, no delay: the registry listens on the veth itself)
#
# up       (re)creates netns starling-bench-net, veth stbh0 (host, 10.213.57.1/30) <-> stbn0
#          (netns, .2) with tbf on both ends; in the netns a read-only docker-registry on
#          127.0.0.1:5001 over DIR (default: the plain registry's storage, see Tools/registry.sh)
#          behind delay-proxy.py on 10.213.57.2:5000 (RTT/2 each way; a new connection's first
#          request waits one more RTT, for its TCP handshake, unless --no-handshake). Returns
#          when GET /v2/ answers from the host; prints exports for `eval "$(... up dc)"`:
#          STARLING_BENCH_REGISTRY (host:port, plain HTTP), _NETNS, _IFACE, _PROFILE, _RATE_MBIT
#          (0: unshaped), _RTT_MS, _HANDSHAKE (0/1), _REGISTRY_ROOT, _REGISTRY_LOG (a line per
#          request, fresh each up). A failed or interrupted `up` tears down what it made.
# down     kills every process in starling-bench-* netns, deletes them and leftover stb[hn]N
#          veths. Idempotent; cleans up after crashed runs too.
# counters "rx_bytes=N tx_bytes=N" of stbh0 (rx: registry -> host; frame bytes, ~payload + <1%
#          with GSO). Count transfers with these, not registry logs: the proxy reads ahead.
# measure  throughput (Range GET of the largest blob, ~4 s) and RTT (kept-alive GET /v2/; new
#          connection's connect + first byte), measured vs profile.
# status   what is up (exit 3 if down).    env   the export lines again.
#
# The harness should clean up on any exit:  trap 'Benchmarks/net/netmodel.sh down' EXIT INT TERM
#
# Caveats to state with results: the delay is added in user space, so kernel TCP sees ~0 RTT:
# slow start / window growth over the RTT is NOT modelled (short transfers on a real link are
# slower). No loss or jitter (no sch_netem). Payload rate is 3-5% under the tbf rate (headers;
# 6-12% at 1 Gbit on a busy host). The proxy costs this host's CPU (~0.3 core at 1 Gbit).
# Registry and proxy run SCHED_RR (chrt -r 10) against host-load jitter (unless
# STARLING_BENCH_NET_SCHED=normal). Also: STARLING_STATE (state: $STARLING_STATE/bench/net/),
# STARLING_BENCH_NET_PREFIX (the /30's first 3 octets, default 10.213.57),
# STARLING_BENCH_MEASURE_SECONDS (4).
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../Tools/lib.sh"

HERE="$STARLING_REPO/Benchmarks/net" NETDIR="$STARLING_STATE/bench/net" PY=/usr/bin/python3
NS=starling-bench-net HIF=stbh0 NIF=stbn0   # namespace, host and namespace ends of the veth
PREFIX="${STARLING_BENCH_NET_PREFIX:-10.213.57}"
HADDR="$PREFIX.1" NADDR="$PREFIX.2" PORT=5000 INNER_ADDR=127.0.0.1:5001
MEASURE_SECONDS="${STARLING_BENCH_MEASURE_SECONDS:-4}"
case "${STARLING_BENCH_NET_SCHED:-rt}" in
  rt) SCHED=(chrt --rr 10) ;; normal) SCHED=() ;; *) die "STARLING_BENCH_NET_SCHED: rt or normal" ;;
esac
mkdir -p "$NETDIR"

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2; exit 2; }

# profile NAME -> "rate_mbit rtt_ms tbf_burst"
profile() {
  case "$1" in lan) echo "1000 1 1mb" ;; dc) echo "100 20 256kb" ;; wan) echo "20 80 128kb" ;;
    none) echo "0 0 -" ;; *) die "unknown profile '$1' (lan, dc, wan, none)" ;; esac
}

http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" 2>/dev/null || true; }
in_ns() { ip netns exec "$NS" "$@"; }
lock() { exec 9>"$NETDIR/.lock"; flock -w 60 9 || die "timed out waiting for $NETDIR/.lock"; }

# Start "$@" inside the namespace, detached, pid (exact: the inner shell execs) into PIDFILE.
spawn_ns() {
  local pidfile="$1" logfile="$2"; shift 2
  rm -f "$pidfile"
  # shellcheck disable=SC2016  # $$/$0/$@ are for the inner shell
  setsid ip netns exec "$NS" bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "${SCHED[@]}" "$@" \
    >>"$logfile" 2>&1 </dev/null 9>&- &
  for _ in $(seq 50); do [[ -s "$pidfile" ]] && return 0; sleep 0.1; done
  die "could not start $* (no pidfile $pidfile)"
}

# Wait until CODE comes back from curl ARGS... (run by RUNNER: "" or in_ns); PIDFILE must live.
wait_http() {
  local what="$1" pidfile="$2" logfile="$3" code="$4" runner="$5" url="$6" got=""
  for _ in $(seq 150); do
    got="$($runner curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" 2>/dev/null || true)"
    [[ "$got" == "$code" ]] && return 0
    kill -0 "$(cat "$pidfile" 2>/dev/null || echo 0)" 2>/dev/null \
      || { tail -n 20 "$logfile" >&2; die "$what exited during startup"; }
    sleep 0.2
  done
  tail -n 20 "$logfile" >&2
  die "$what did not answer $code on $url within 30 s (last: $got)"
}

# Fail when the /30 overlaps an address or route already on this host.
check_subnet() {
  "$PY" - "$PREFIX.0/30" <<'PY' || die "pick another /30 with STARLING_BENCH_NET_PREFIX"
import ipaddress, json, subprocess, sys
net = ipaddress.ip_network(sys.argv[1])
ip = lambda *a: json.loads(subprocess.check_output(["ip", "-j", "-4", *a]) or b"[]")
for link in ip("addr"):
    for a in link.get("addr_info", []):
        if ipaddress.ip_interface(f"{a['local']}/{a['prefixlen']}").network.overlaps(net):
            sys.exit(f"{net} clashes with {a['local']}/{a['prefixlen']} on {link['ifname']}")
for r in ip("route"):
    if r["dst"] != "default" and ipaddress.ip_network(r["dst"], strict=False).overlaps(net):
        sys.exit(f"{net} clashes with route {r['dst']} dev {r.get('dev')}")
PY
}

do_down() {
  local ns pids link="" i l sig
  for ns in $(ip netns list | awk '$1 ~ /^starling-bench-/ {print $1}'); do
    for sig in TERM KILL; do  # everything in our namespace was started by us (or the harness)
      pids="$(ip netns pids "$ns" 2>/dev/null | xargs)"
      [[ -n "$pids" ]] || break
      log "SIG$sig to the processes in $ns: $pids"
      # shellcheck disable=SC2086  # a list of pids
      kill -"$sig" $pids 2>/dev/null || true
      for i in $(seq 50); do [[ -z "$(ip netns pids "$ns" 2>/dev/null)" ]] && break; sleep 0.1; done
    done
    ip netns del "$ns" || die "could not delete namespace $ns"
    log "deleted namespace $ns"
  done
  for i in $(seq 50); do  # veths vanish with their namespace, asynchronously
    link="$(ip -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | grep -E '^stb[hn][0-9]+$' || true)"
    [[ -z "$link" ]] && break
    if (( i == 10 )); then for l in $link; do ip link del "$l" 2>/dev/null && log "deleted stale veth $l"; done; fi
    sleep 0.1
  done
  [[ -z "$link" ]] || die "could not delete veth: $link"
  rm -f "$NETDIR"/*.pid "$NETDIR/env.sh"
}

cmd_up() {
  local name="${1:-}" root="" handshake=1 spec rate rtt burst reg_addr front=proxy
  [[ -n "$name" ]] || usage
  shift
  while (( $# )); do
    case "$1" in
      --registry-root) root="${2:?--registry-root needs a directory}"; shift 2 ;;
      --no-handshake) handshake=0; shift ;;
      *) usage ;;
    esac
  done
  spec="$(profile "$name")"  # exits here on an unknown profile (set -e)
  read -r rate rtt burst <<<"$spec"
  (( EUID == 0 )) || die "needs root (network namespaces, tc)"
  [[ -n "$root" ]] || root="$(awk '/rootdirectory:/ {print $2; exit}' \
    "$STARLING_STATE/registry/plain/config.yml" 2>/dev/null || echo "$STARLING_STATE/registry/plain/storage")"
  [[ -d "$root/docker/registry/v2" ]] \
    || die "no registry storage in $root (Tools/registry.sh start plain; or --registry-root DIR)"
  [[ -x /usr/bin/docker-registry ]] || die "/usr/bin/docker-registry not found (Tools/install-deps.sh)"
  lock
  do_down
  trap 'log "up failed or interrupted: tearing down"; do_down' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  check_subnet

  ip netns add "$NS"
  ip link add "$HIF" type veth peer name "$NIF" netns "$NS"
  ip addr add "$HADDR/30" dev "$HIF"
  ip link set "$HIF" up
  in_ns ip addr add "$NADDR/30" dev "$NIF"
  in_ns ip link set "$NIF" up
  in_ns ip link set lo up
  if (( rate > 0 )); then  # shape both directions: host -> registry and registry -> host
    tc qdisc replace dev "$HIF" root tbf rate "${rate}mbit" burst "$burst" latency 100ms
    in_ns tc qdisc replace dev "$NIF" root tbf rate "${rate}mbit" burst "$burst" latency 100ms
  fi
  reg_addr="$INNER_ADDR"
  [[ "$name" == none ]] && { reg_addr="$NADDR:$PORT"; front=registry; handshake=0; }
  cat >"$NETDIR/registry.yml" <<EOF
# Generated by Benchmarks/net/netmodel.sh up $name: read-only over $root.
version: 0.1
log: {level: info, formatter: text, accesslog: {disabled: true}}
storage:
  filesystem: {rootdirectory: $root}
  maintenance: {uploadpurging: {enabled: false}, readonly: {enabled: true}}
http: {addr: $reg_addr, secret: starling-bench-net}
EOF
  rm -f "$NETDIR/registry.log" "$NETDIR/proxy.log"
  spawn_ns "$NETDIR/registry.pid" "$NETDIR/registry.log" /usr/bin/docker-registry serve "$NETDIR/registry.yml"
  wait_http registry "$NETDIR/registry.pid" "$NETDIR/registry.log" 200 in_ns "http://$reg_addr/v2/"
  if [[ "$name" != none ]]; then
    local hs=(); (( handshake )) || hs=(--no-handshake)
    spawn_ns "$NETDIR/proxy.pid" "$NETDIR/proxy.log" "$PY" "$HERE/delay-proxy.py" \
      --listen "$NADDR:$PORT" --upstream "$INNER_ADDR" --rtt-ms "$rtt" "${hs[@]}"
  fi
  wait_http "$front" "$NETDIR/$front.pid" "$NETDIR/$front.log" 200 "" "http://$NADDR:$PORT/v2/"
  printf 'export STARLING_BENCH_%q\n' "REGISTRY=$NADDR:$PORT" "NETNS=$NS" "IFACE=$HIF" "PROFILE=$name" \
    "RATE_MBIT=$rate" "RTT_MS=$rtt" "HANDSHAKE=$handshake" "REGISTRY_ROOT=$root" \
    "REGISTRY_LOG=$NETDIR/registry.log" >"$NETDIR/env.sh"
  trap - EXIT INT TERM
  log "up: profile $name (${rate:-0} Mbit/s, RTT $rtt ms), registry http://$NADDR:$PORT via $HIF"
  cat "$NETDIR/env.sh"
}

load_env() {
  [[ -s "$NETDIR/env.sh" && -d "/sys/class/net/$HIF" ]] || die "not up (run: $0 up PROFILE)"
  # shellcheck source=/dev/null
  source "$NETDIR/env.sh"
}

cmd_counters() {
  [[ -d "/sys/class/net/$HIF" ]] || die "$HIF does not exist (not up)"
  echo "rx_bytes=$(<"/sys/class/net/$HIF/statistics/rx_bytes") tx_bytes=$(<"/sys/class/net/$HIF/statistics/tx_bytes")"
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }
# keepalive RUNNER URL: median time of 20 GETs on one connection (after a first one).
keepalive() {
  local a=() i; for i in $(seq 21); do a+=(-o /dev/null "$2"); done
  $1 curl -sf -w '%{time_total}\n' "${a[@]}" | tail -n +2 | median
}
# newconn RUNNER URL: median connect + first byte of 5 GETs, each on a new connection.
newconn() {
  local i; for i in 1 2 3 4 5; do $1 curl -sf -o /dev/null -w '%{time_starttransfer}\n' "$2"; done | median
}

cmd_measure() {
  load_env
  local v2="$STARLING_BENCH_REGISTRY_ROOT/docker/registry/v2" url="http://$STARLING_BENCH_REGISTRY"
  local rate="$STARLING_BENCH_RATE_MBIT" size path hex="" link="" repo want inner="$INNER_ADDR"
  [[ "$STARLING_BENCH_PROFILE" == none ]] && inner="$STARLING_BENCH_REGISTRY"
  # The largest blob that some repository links as a layer (so /v2/REPO/blobs/DIGEST serves it).
  while read -r size path; do
    hex="$(basename "$path")"
    link="$(find "$v2/repositories" -path "*/_layers/sha256/$hex/link" -print -quit)"
    [[ -n "$link" ]] && break
  done < <(find "$v2/blobs/sha256" -name data -size +1M -printf '%s %h\n' | sort -rn | head -n 20)
  [[ -n "$link" ]] || die "no layer blob over 1 MB in $v2"
  repo="${link#"$v2/repositories/"}"; repo="${repo%/_layers/*}"
  want=$(( rate > 0 ? rate * 125000 * MEASURE_SECONDS : 512 << 20 ))
  (( want < size )) || want=$size
  local blob="/v2/$repo/blobs/sha256:$hex" range="0-$((want - 1))" base got rx0 rx1
  local fmt='%{size_download} %{time_starttransfer} %{time_total}'
  log "measuring with $want bytes of $repo@sha256:${hex:0:12} (first unshaped in the namespace)"
  base="$(in_ns curl -sf -r "$range" -o /dev/null -w "$fmt" "http://$inner$blob")" \
    || die "GET http://$inner$blob in the namespace failed"
  rx0="$(<"/sys/class/net/$HIF/statistics/rx_bytes")"
  got="$(curl -sf -r "$range" -o /dev/null -w "$fmt" "$url$blob")" || die "GET $url$blob failed"
  rx1="$(<"/sys/class/net/$HIF/statistics/rx_bytes")"
  awk -v p="$STARLING_BENCH_PROFILE" -v rate="$rate" -v prtt="$STARLING_BENCH_RTT_MS" \
      -v hs="$STARLING_BENCH_HANDSHAKE" -v base="$base" -v got="$got" -v wire=$((rx1 - rx0)) \
      -v rtt="$(keepalive "" "$url/v2/")" -v rtt0="$(keepalive in_ns "http://$inner/v2/")" \
      -v nc="$(newconn "" "$url/v2/")" -v nc0="$(newconn in_ns "http://$inner/v2/")" \
      -v what="$repo@sha256:${hex:0:12}" -v ifc="$HIF" 'BEGIN {
    split(base, b); split(got, g); secs = g[3] - g[2]; mbit = g[1] * 8 / secs / 1e6
    shaped = rate > 0 ? rate " Mbit/s" : "unshaped"
    printf "profile %s: %s, RTT %s ms, new connections +1 RTT: %s\n", p, shaped, prtt, (hs ? "yes" : "no")
    printf "throughput %8.1f Mbit/s  profile %s\n", mbit, shaped
    printf "  payload: %.1f MB of %s in %.2f s after the first byte\n", g[1] / 1e6, what, secs
    printf "  on the wire (%s rx) %.1f Mbit/s; unshaped in the namespace %.0f Mbit/s\n",
      ifc, wire * 8 / secs / 1e6, b[1] * 8 / (b[3] - b[2]) / 1e6
    printf "rtt        %8.2f ms      profile %s ms\n", rtt * 1000, prtt
    printf "  kept-alive GET /v2/, median of 20; registry alone %.2f ms\n", rtt0 * 1000
    printf "new conn   %8.2f ms      expected %s ms + registry\n", nc * 1000, prtt * (hs ? 2 : 1)
    printf "  connect + first byte, median of 5; registry alone %.2f ms\n", nc0 * 1000
    printf "measure profile=%s rate_mbit=%s mbit=%.1f rtt_ms=%s measured_rtt_ms=%.2f newconn_ms=%.2f\n",
      p, rate, mbit, prtt, rtt * 1000, nc * 1000
  }'
}

cmd_status() {
  ip netns list | awk '{print $1}' | grep -qx "$NS" || { echo "down"; return 3; }
  local f pid rc=0 code
  # shellcheck source=/dev/null
  [[ -s "$NETDIR/env.sh" ]] && source "$NETDIR/env.sh"
  echo "up: namespace $NS, profile ${STARLING_BENCH_PROFILE:-?} (${STARLING_BENCH_RATE_MBIT:-?} Mbit/s, RTT ${STARLING_BENCH_RTT_MS:-?} ms)"
  for f in registry proxy; do
    [[ -e "$NETDIR/$f.pid" ]] || continue
    pid="$(<"$NETDIR/$f.pid")"
    if kill -0 "$pid" 2>/dev/null; then echo "$f: pid $pid"; else echo "$f: dead (pid $pid)"; rc=3; fi
  done
  code="$(http_code "http://$NADDR:$PORT/v2/")"; [[ "$code" == 200 ]] || rc=3
  echo "GET http://$NADDR:$PORT/v2/ -> $code"
  echo "$HIF: $(tc qdisc show dev "$HIF" | head -n 1)"
  echo "$NIF: $(in_ns tc qdisc show dev "$NIF" | head -n 1)"
  cmd_counters
  return "$rc"
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) lock; do_down ;;
  counters) cmd_counters ;;
  measure) cmd_measure ;;
  status) cmd_status ;;
  env) load_env; cat "$NETDIR/env.sh" ;;
  *) usage ;;
esac
