#!/usr/bin/env bash
# Local test registries for Starling (Debian's docker-registry = Distribution 2.8).
#
#   Tools/registry.sh {start|stop|restart|status|env} [plain|basic|token|all]   (default: all)
#
#   plain  $STARLING_REGISTRY_ADDR        anonymous, no auth
#   basic  $STARLING_BASIC_REGISTRY_ADDR  htpasswd (bcrypt) Basic auth, realm "starling-basic"
#   token  $STARLING_TOKEN_REGISTRY_ADDR  Bearer token auth; tokens from Tools/token-server.py
#                                         on $STARLING_TOKEN_SERVER_ADDR (started/stopped with it)
#
# Each variant keeps its config, storage, pidfile and log in $STARLING_STATE/registry/<variant>/.
# `start` is idempotent (a live instance that answers is left alone) and waits until
# GET /v2/ answers (200 plain, 401 basic/token). `env` prints export lines for tests:
#   eval "$(Tools/registry.sh env)"
# The token lifetime is $STARLING_TOKEN_TTL seconds (default 300), read when the token server
# starts: `Tools/registry.sh stop token; STARLING_TOKEN_TTL=5 Tools/registry.sh start token`.
set -euo pipefail
# shellcheck source=Tools/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

REGISTRY_BIN="${STARLING_REGISTRY_BIN:-/usr/bin/docker-registry}"
PYTHON=/usr/bin/python3   # Debian's python, which has python3-cryptography
START_TIMEOUT="${STARLING_REGISTRY_START_TIMEOUT:-30}"

# Fixed test credentials (loopback-only throwaway registries).
TEST_USER=starling
TEST_PASSWORD=starling-test-password
TEST_READONLY_USER=reader            # token registry only: may pull, never push/delete
TEST_READONLY_PASSWORD=reader-test-password
TEST_BUILDER_USER=builder            # token registry only: may push (tests that must not
TEST_BUILDER_PASSWORD=builder-test-password   # disturb the token counts of $TEST_USER)
TEST_SHORTLIVED_USER=shortlived      # token registry only: pull, tokens valid 4 s (expiry tests)
TEST_SHORTLIVED_PASSWORD=shortlived-test-password

TOKEN_SERVICE=starling-registry
TOKEN_ISSUER=starling-token-server
BASIC_REALM=starling-basic

REG_ROOT="$STARLING_STATE/registry"
ALL_VARIANTS=(plain basic token)

addr_of() {
  case "$1" in
    plain) echo "$STARLING_REGISTRY_ADDR" ;;
    basic) echo "$STARLING_BASIC_REGISTRY_ADDR" ;;
    token) echo "$STARLING_TOKEN_REGISTRY_ADDR" ;;
    *) die "unknown variant '$1'" ;;
  esac
}
expected_code() { [[ "$1" == plain ]] && echo 200 || echo 401; }
dir_of() { echo "$REG_ROOT/$1"; }
token_auth_dir() { echo "$REG_ROOT/token/auth"; }

# HTTP status of a GET (000 when nothing answers).
http_code() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" 2>/dev/null || true
}

# pid from PIDFILE if that process is alive and its command line contains MARKER.
live_pid() {
  local pidfile="$1" marker="$2" pid
  [[ -s "$pidfile" ]] || return 1
  pid="$(<"$pidfile")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  local cmdline
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$marker"* ]] || return 1
  echo "$pid"
}

# Start "$@" detached in its own session, logging to LOG, pid into PIDFILE.
spawn() {
  local pidfile="$1" logfile="$2"; shift 2
  rm -f "$pidfile"
  printf '\n===== %s starting: %s\n' "$(date -u +%FT%TZ)" "$*" >>"$logfile"
  # The inner shell writes its own pid and then execs the server, so the pidfile is exact.
  # fd 9 (our start/stop lock) must not leak into the long-lived server.
  # shellcheck disable=SC2016  # $$/$0/$@ are for the inner shell
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  for _ in $(seq 50); do [[ -s "$pidfile" ]] && return 0; sleep 0.1; done
  die "could not start $1 (no pidfile $pidfile)"
}

# The last 30 lines the current run wrote to LOGFILE (spawn marks each start).
log_since_start() {
  awk '/^===== .* starting: /{n=0} {buf[n++]=$0} END{for(i=(n>30?n-30:0);i<n;i++) print buf[i]}' "$1" 2>/dev/null || true
}

# Wait until URL gives CODE; fail early if the process dies.
wait_for() {
  local what="$1" pidfile="$2" marker="$3" logfile="$4" url="$5" code="$6" deadline got
  deadline=$((SECONDS + START_TIMEOUT))
  while :; do
    got="$(http_code "$url")"
    [[ "$got" == "$code" ]] && return 0
    if ! live_pid "$pidfile" "$marker" >/dev/null; then
      log "$what exited during startup (last answer from $url: $got); log tail ($logfile):"
      log_since_start "$logfile" >&2
      die "$what failed to start"
    fi
    if (( SECONDS >= deadline )); then
      log "$what did not answer $code on $url within ${START_TIMEOUT}s (last: $got); log tail ($logfile):"
      log_since_start "$logfile" >&2
      kill_pidfile "$pidfile" "$marker" "$what" || true
      die "$what failed to start"
    fi
    sleep 0.2
  done
}

kill_pidfile() {
  local pidfile="$1" marker="$2" what="$3" pid
  if ! pid="$(live_pid "$pidfile" "$marker")"; then
    rm -f "$pidfile"
    return 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true   # in case it was stopped (SIGSTOP)
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$what (pid $pid) ignored SIGTERM for 10s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "stopped $what (pid $pid)"
}

# ---------------------------------------------------------------- auth material

ensure_htpasswd() {
  local f
  f="$(dir_of basic)/htpasswd"
  if [[ -s "$f" ]] && htpasswd -vb "$f" "$TEST_USER" "$TEST_PASSWORD" >/dev/null 2>&1; then
    return 0
  fi
  log "creating bcrypt htpasswd for user '$TEST_USER' ($f)"
  htpasswd -Bbn "$TEST_USER" "$TEST_PASSWORD" >"$f.tmp"
  mv -f "$f.tmp" "$f"
}

ensure_token_cert() {
  local d key crt
  d="$(token_auth_dir)"; key="$d/token.key"; crt="$d/token.crt"
  mkdir -p "$d"; chmod 700 "$d"
  if [[ -s "$key" && -s "$crt" ]] \
     && openssl x509 -in "$crt" -noout -checkend 86400 >/dev/null 2>&1 \
     && [[ "$(openssl x509 -in "$crt" -noout -pubkey 2>/dev/null)" == "$(openssl pkey -in "$key" -pubout 2>/dev/null)" ]]; then
    return 0
  fi
  log "generating self-signed ECDSA P-256 token signing certificate ($crt)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout "$key.tmp" -out "$crt.tmp" -days 3650 -sha256 \
    -subj "/CN=$TOKEN_ISSUER" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,digitalSignature,keyCertSign" >/dev/null 2>&1 \
    || die "openssl could not create the token certificate"
  chmod 600 "$key.tmp"
  mv -f "$key.tmp" "$key"; mv -f "$crt.tmp" "$crt"
}

write_token_users() {
  local f
  f="$(token_auth_dir)/users.json"
  ( umask 077; cat >"$f.tmp" ) <<EOF
{
  "$TEST_USER": {"password": "$TEST_PASSWORD", "actions": ["*"]},
  "$TEST_READONLY_USER": {"password": "$TEST_READONLY_PASSWORD", "actions": ["pull"]},
  "$TEST_BUILDER_USER": {"password": "$TEST_BUILDER_PASSWORD", "actions": ["*"]},
  "$TEST_SHORTLIVED_USER": {"password": "$TEST_SHORTLIVED_PASSWORD", "actions": ["pull"], "ttl": 4}
}
EOF
  # Returns 0 when the file changed (a running token server must then be restarted).
  if cmp -s "$f.tmp" "$f"; then rm -f "$f.tmp"; return 1; fi
  mv -f "$f.tmp" "$f"
}

# ---------------------------------------------------------------- config

write_config() {
  local v="$1" d addr auth
  d="$(dir_of "$v")"; addr="$(addr_of "$v")"
  case "$v" in
    plain) auth="" ;;
    basic) auth="auth:
  htpasswd:
    realm: $BASIC_REALM
    path: $d/htpasswd" ;;
    token) auth="auth:
  token:
    realm: http://$STARLING_TOKEN_SERVER_ADDR/token
    service: $TOKEN_SERVICE
    issuer: $TOKEN_ISSUER
    rootcertbundle: $(token_auth_dir)/token.crt" ;;
  esac
  # No blobdescriptor cache: with deletes enabled an in-memory cache can keep
  # answering for deleted blobs, which makes delete/re-push tests flaky.
  cat >"$d/config.yml.tmp" <<EOF
# Generated by Tools/registry.sh; rewritten on every start.
version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: true   # "response completed" lines already log every request
  fields:
    service: registry
    variant: $v
storage:
  filesystem:
    rootdirectory: $d/storage
  delete:
    enabled: true
http:
  addr: $addr
  secret: starling-test-$v-upload-state-secret
  headers:
    X-Content-Type-Options: [nosniff]
$auth
EOF
  mv -f "$d/config.yml.tmp" "$d/config.yml"
}

# ---------------------------------------------------------------- token server

TS_SCRIPT="$STARLING_REPO/Tools/token-server.py"
ts_pidfile() { echo "$(dir_of token)/token-server.pid"; }
ts_logfile() { echo "$(dir_of token)/token-server.log"; }
ts_marker() { echo "token-server.py --listen $STARLING_TOKEN_SERVER_ADDR"; }

start_token_server() {
  local pid url="http://$STARLING_TOKEN_SERVER_ADDR/healthz"
  local users_changed=false
  mkdir -p "$(token_auth_dir)"
  if write_token_users; then users_changed=true; fi
  if pid="$(live_pid "$(ts_pidfile)" "$(ts_marker)")" && $users_changed; then
    log "token users changed; restarting the token server (pid $pid)"
    kill_pidfile "$(ts_pidfile)" "$(ts_marker)" "token server" || true
  fi
  if pid="$(live_pid "$(ts_pidfile)" "$(ts_marker)")"; then
    if [[ "$(http_code "$url")" == 200 ]]; then
      log "token server already running (pid $pid) on $STARLING_TOKEN_SERVER_ADDR"
      return 0
    fi
    log "token server pid $pid is alive but $url does not answer; restarting it"
    kill_pidfile "$(ts_pidfile)" "$(ts_marker)" "token server" || true
  fi
  if [[ "$(http_code "$url")" != 000 ]]; then
    die "$STARLING_TOKEN_SERVER_ADDR is already answering HTTP but not from our token server (see: ss -ltnp)"
  fi
  [[ -x "$PYTHON" ]] || die "$PYTHON not found"
  "$PYTHON" -c 'import cryptography' 2>/dev/null || die "$PYTHON lacks python3-cryptography (run Tools/install-deps.sh)"
  ensure_token_cert
  local d; d="$(token_auth_dir)"
  log "starting token server on $STARLING_TOKEN_SERVER_ADDR (ttl ${STARLING_TOKEN_TTL:-300}s, log $(ts_logfile))"
  spawn "$(ts_pidfile)" "$(ts_logfile)" "$PYTHON" "$TS_SCRIPT" --listen "$STARLING_TOKEN_SERVER_ADDR" \
    --key "$d/token.key" --cert "$d/token.crt" --users "$d/users.json" \
    --service "$TOKEN_SERVICE" --issuer "$TOKEN_ISSUER" --ttl "${STARLING_TOKEN_TTL:-300}" \
    --key-mode "${STARLING_TOKEN_KEY_MODE:-x5c}"
  wait_for "token server" "$(ts_pidfile)" "$(ts_marker)" "$(ts_logfile)" "$url" 200
  log "token server up (pid $(<"$(ts_pidfile)"))"
}

# ---------------------------------------------------------------- registries

reg_pidfile() { echo "$(dir_of "$1")/registry.pid"; }
reg_logfile() { echo "$(dir_of "$1")/registry.log"; }
reg_marker() { echo "serve $(dir_of "$1")/config.yml"; }

start_one() {
  local v="$1" addr pid url code
  addr="$(addr_of "$v")"; url="http://$addr/v2/"; code="$(expected_code "$v")"
  if [[ "$v" == token ]]; then start_token_server; fi
  if pid="$(live_pid "$(reg_pidfile "$v")" "$(reg_marker "$v")")"; then
    if [[ "$(http_code "$url")" == "$code" ]]; then
      log "$v registry already running (pid $pid) on $addr"
      return 0
    fi
    log "$v registry pid $pid is alive but GET $url does not answer $code; restarting it"
    kill_pidfile "$(reg_pidfile "$v")" "$(reg_marker "$v")" "$v registry" || true
  fi
  if [[ "$(http_code "$url")" != 000 ]]; then
    die "$addr is already answering HTTP but not from our $v registry (see: ss -ltnp)"
  fi
  [[ -x "$REGISTRY_BIN" ]] || die "$REGISTRY_BIN not found (run Tools/install-deps.sh)"
  mkdir -p "$(dir_of "$v")/storage"
  if [[ "$v" == basic ]]; then ensure_htpasswd; fi
  if [[ "$v" == token ]]; then ensure_token_cert; fi
  write_config "$v"
  log "starting $v registry on $addr (state $(dir_of "$v"))"
  spawn "$(reg_pidfile "$v")" "$(reg_logfile "$v")" "$REGISTRY_BIN" serve "$(dir_of "$v")/config.yml"
  wait_for "$v registry" "$(reg_pidfile "$v")" "$(reg_marker "$v")" "$(reg_logfile "$v")" "$url" "$code"
  log "$v registry up (pid $(<"$(reg_pidfile "$v")")): GET $url -> $code"
}

stop_one() {
  local v="$1"
  kill_pidfile "$(reg_pidfile "$v")" "$(reg_marker "$v")" "$v registry" || log "$v registry not running"
  if [[ "$v" == token ]]; then
    kill_pidfile "$(ts_pidfile)" "$(ts_marker)" "token server" || log "token server not running"
  fi
}

status_one() {
  local v="$1" addr pid code ok=0
  addr="$(addr_of "$v")"
  if pid="$(live_pid "$(reg_pidfile "$v")" "$(reg_marker "$v")")"; then
    code="$(http_code "http://$addr/v2/")"
    echo "$v: running pid $pid on $addr (GET /v2/ -> $code)"
    [[ "$code" == "$(expected_code "$v")" ]] || ok=1
  else
    echo "$v: stopped ($addr)"
    ok=1
  fi
  if [[ "$v" == token ]]; then
    if pid="$(live_pid "$(ts_pidfile)" "$(ts_marker)")"; then
      code="$(http_code "http://$STARLING_TOKEN_SERVER_ADDR/healthz")"
      echo "token-server: running pid $pid on $STARLING_TOKEN_SERVER_ADDR (GET /healthz -> $code)"
      [[ "$code" == 200 ]] || ok=1
    else
      echo "token-server: stopped ($STARLING_TOKEN_SERVER_ADDR)"
      ok=1
    fi
  fi
  return "$ok"
}

print_env() {
  cat <<EOF
export STARLING_TEST_REGISTRY=$STARLING_REGISTRY_ADDR
export STARLING_TEST_BASIC_REGISTRY=$STARLING_BASIC_REGISTRY_ADDR
export STARLING_TEST_BASIC_USER=$TEST_USER
export STARLING_TEST_BASIC_PASSWORD=$TEST_PASSWORD
export STARLING_TEST_TOKEN_REGISTRY=$STARLING_TOKEN_REGISTRY_ADDR
export STARLING_TEST_TOKEN_USER=$TEST_USER
export STARLING_TEST_TOKEN_PASSWORD=$TEST_PASSWORD
export STARLING_TEST_TOKEN_READONLY_USER=$TEST_READONLY_USER
export STARLING_TEST_TOKEN_READONLY_PASSWORD=$TEST_READONLY_PASSWORD
export STARLING_TEST_TOKEN_BUILDER_USER=$TEST_BUILDER_USER
export STARLING_TEST_TOKEN_BUILDER_PASSWORD=$TEST_BUILDER_PASSWORD
export STARLING_TEST_TOKEN_SHORTLIVED_USER=$TEST_SHORTLIVED_USER
export STARLING_TEST_TOKEN_SHORTLIVED_PASSWORD=$TEST_SHORTLIVED_PASSWORD
export STARLING_TEST_TOKEN_SERVER=$STARLING_TOKEN_SERVER_ADDR
export STARLING_TEST_TOKEN_REALM=http://$STARLING_TOKEN_SERVER_ADDR/token
export STARLING_TEST_TOKEN_SERVICE=$TOKEN_SERVICE
EOF
}

usage() {
  echo "usage: $(basename "$0") {start|stop|restart|status|env} [plain|basic|token|all]" >&2
  exit 2
}

main() {
  local cmd="${1:-}" which="${2:-all}" variants=() v rc=0
  [[ -n "$cmd" ]] || usage
  case "$which" in
    all) variants=("${ALL_VARIANTS[@]}") ;;
    plain|basic|token) variants=("$which") ;;
    *) usage ;;
  esac
  if [[ "$cmd" == start || "$cmd" == stop || "$cmd" == restart ]]; then
    # Serialize concurrent start/stop calls (e.g. parallel test scripts).
    mkdir -p "$REG_ROOT"
    exec 9>"$REG_ROOT/.lock"
    flock -w 120 9 || die "timed out waiting for $REG_ROOT/.lock"
  fi
  case "$cmd" in
    start) for v in "${variants[@]}"; do start_one "$v"; done ;;
    stop) for v in "${variants[@]}"; do stop_one "$v"; done ;;
    restart) for v in "${variants[@]}"; do stop_one "$v"; start_one "$v"; done ;;
    status) for v in "${variants[@]}"; do status_one "$v" || rc=3; done; return "$rc" ;;
    env) print_env ;;
    *) usage ;;
  esac
}

main "$@"
