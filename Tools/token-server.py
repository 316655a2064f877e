#!/usr/bin/python3
"""Tiny Docker Registry token-auth server for Starling's tests.

Implements https://distribution.github.io/distribution/spec/auth/token/ well
enough for a Distribution 2.8 registry configured with `auth: token:`:

  GET  /token?service=SVC&scope=repository:NAME:pull,push[&scope=...]
       optional `Authorization: Basic ...`; `offline_token=true` also returns
       a refresh_token.
  POST /token  (OAuth2 form: grant_type=password|refresh_token, username,
       password, refresh_token, service, scope (space separated), client_id,
       access_type=offline) as used by containerd.
  GET  /healthz  -> 200 "ok"
  GET  /stats    -> JSON counters (tokens issued, denied requests, ...), so a
       test can check that a client really fetched a fresh token.

Valid credentials get a JWT granting the requested actions that the user is
allowed (see --users); anonymous requests get a token with an empty access
list (the registry then answers 401 for repository operations); a wrong
password gets 401 with a JSON error.

The JWT is ES256 (or RS256 for an RSA key) signed with --key. By default its
header carries `x5c` = [the --cert certificate], which Distribution verifies
against its `rootcertbundle`; `--key-mode kid` instead sends only a libtrust
`kid` (the key fingerprint Distribution 2.8 derives from the certificates in
rootcertbundle). Both are also sent with --key-mode both (x5c wins in 2.8).

Needs Debian's python3-cryptography: run it with /usr/bin/python3.
Never logs passwords or tokens.
"""

import argparse
import base64
import hashlib
import json
import os
import secrets
import socket
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

ALL_ACTIONS = "*"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def libtrust_key_id(public_key) -> str:
    """libtrust's KeyID: base32(sha256(DER SPKI)[:30]) in 4-char groups joined by ':'."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode("ascii").rstrip("=")
    return ":".join(s[i : i + 4] for i in range(0, len(s), 4))


def log(msg: str) -> None:
    ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    sys.stderr.write(f"[token-server {ts}] {msg}\n")
    sys.stderr.flush()


class Signer:
    def __init__(self, key_path: str, cert_path: str, key_mode: str):
        with open(key_path, "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        with open(cert_path, "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        cert_pub = cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        key_pub = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if cert_pub != key_pub:
            raise SystemExit(f"{cert_path} does not hold the public key of {key_path}")
        if isinstance(self.key, ec.EllipticCurvePrivateKey):
            if not isinstance(self.key.curve, ec.SECP256R1):
                raise SystemExit("only P-256 EC keys are supported (ES256)")
            self.alg = "ES256"
        elif isinstance(self.key, rsa.RSAPrivateKey):
            self.alg = "RS256"
        else:
            raise SystemExit("key must be ECDSA P-256 or RSA")
        self.x5c = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")]
        self.kid = libtrust_key_id(self.key.public_key())
        self.key_mode = key_mode

    def sign(self, claims: dict) -> str:
        header = {"typ": "JWT", "alg": self.alg}
        if self.key_mode in ("x5c", "both"):
            header["x5c"] = self.x5c
        if self.key_mode in ("kid", "both"):
            header["kid"] = self.kid
        signing_input = (
            b64url(json.dumps(header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        ).encode("ascii")
        if self.alg == "ES256":
            # JOSE wants the raw 32-byte r || 32-byte s, not DER.
            r, s = decode_dss_signature(self.key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        else:
            sig = self.key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode("ascii") + "." + b64url(sig)


def parse_scope(scope: str):
    """'repository:foo/bar:pull,push' -> ('repository', 'foo/bar', ['pull','push']).

    The name may itself contain ':' (e.g. a registry host with a port), so the
    type is up to the first ':' and the actions after the last one."""
    first, last = scope.find(":"), scope.rfind(":")
    if first <= 0 or last == first:
        return None
    rtype, name, actions = scope[:first], scope[first + 1 : last], scope[last + 1 :]
    if "(" in rtype:  # 'repository(plugin)' resource class: keep the bare type
        rtype = rtype.split("(", 1)[0]
    if not name:
        return None
    return rtype, name, [a for a in actions.split(",") if a]


class State:
    def __init__(self, args, users):
        self.args = args
        self.users = users
        self.signer = Signer(args.key, args.cert, args.key_mode)
        self.lock = threading.Lock()
        self.refresh_tokens = {}  # opaque refresh token -> username
        self.stats = {
            "requests": 0,
            "tokens_issued": 0,
            "anonymous_tokens": 0,
            "refresh_grants": 0,
            "denied": 0,
            "bad_requests": 0,
            "tokens_by_user": {},  # user ("" for anonymous) -> tokens issued
        }

    def bump(self, key: str) -> None:
        with self.lock:
            self.stats[key] += 1

    def bump_user(self, user) -> None:
        with self.lock:
            by_user = self.stats["tokens_by_user"]
            by_user[user or ""] = by_user.get(user or "", 0) + 1


class Handler(BaseHTTPRequestHandler):
    server_version = "starling-token-server/1"
    protocol_version = "HTTP/1.1"
    state: State  # set on the class before serving

    # --- plumbing -----------------------------------------------------------
    def log_message(self, fmt, *args):  # silence the default access log
        pass

    def send_json(self, status: int, body: dict, extra_headers=None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def error(self, status: int, code: str, message: str, note: str) -> None:
        self.state.bump("bad_requests" if status == 400 else "denied")
        if status == 400:
            self.close_connection = True  # the request body may be unread
        log(f"{self.client_address[0]} {self.command} {self.path_only()} -> {status} {code}: {note}")
        headers = {}
        if status == 401:
            headers["WWW-Authenticate"] = f'Basic realm="{self.state.args.realm}"'
        self.send_json(status, {"errors": [{"code": code, "message": message}]}, headers)

    def path_only(self) -> str:
        return urlsplit(self.path).path

    def basic_credentials(self):
        """(user, password) from a Basic Authorization header, None if absent,
        or 'bad' when it is present but malformed."""
        h = self.headers.get("Authorization")
        if not h:
            return None
        scheme, _, value = h.partition(" ")
        if scheme.lower() != "basic":
            return "bad"
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except Exception:
            return "bad"
        if not sep:
            return "bad"
        return user, password

    # --- endpoints ----------------------------------------------------------
    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        self.state.bump("requests")
        path = self.path_only()
        if path == "/healthz":
            self.send_json(200, {"status": "ok"})
            return
        if path == "/stats":
            with self.state.lock:
                stats = json.loads(json.dumps(self.state.stats))
            self.send_json(200, stats)
            return
        if path != "/token":
            self.send_json(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})
            return
        q = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        service = (q.get("service") or [""])[0]
        scopes = q.get("scope", [])
        offline = (q.get("offline_token") or ["false"])[0].lower() == "true"
        creds = self.basic_credentials()
        if creds == "bad":
            self.error(400, "UNSUPPORTED", "malformed Authorization header", "malformed Authorization")
            return
        user = None
        if creds is not None:
            user = self.authenticate(*creds)
            if user is None:
                return
        self.issue(service, scopes, user, offline, oauth=None)

    def do_POST(self):
        self.state.bump("requests")
        if self.path_only() != "/token":
            self.send_json(404, {"errors": [{"code": "NOT_FOUND", "message": "not found"}]})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > 1 << 20:
            self.error(400, "UNSUPPORTED", "bad Content-Length", "bad Content-Length")
            return
        body = self.rfile.read(length).decode("utf-8", "replace")
        form = parse_qs(body, keep_blank_values=True)
        get = lambda k: (form.get(k) or [""])[0]  # noqa: E731
        grant = get("grant_type")
        service = get("service")
        scopes = [s for v in form.get("scope", []) for s in v.split(" ") if s]
        offline = get("access_type") == "offline"
        if grant == "password":
            user = self.authenticate(get("username"), get("password"))
            if user is None:
                return
            self.issue(service, scopes, user, offline, oauth="password")
        elif grant == "refresh_token":
            with self.state.lock:
                user = self.state.refresh_tokens.get(get("refresh_token"))
            if user is None:
                self.error(401, "UNAUTHORIZED", "invalid refresh token", "unknown refresh token")
                return
            self.state.bump("refresh_grants")
            self.issue(service, scopes, user, False, oauth="refresh_token")
        else:
            self.error(400, "UNSUPPORTED", "unsupported grant_type", f"grant_type={grant!r}")

    # --- logic --------------------------------------------------------------
    def authenticate(self, user: str, password: str):
        entry = self.state.users.get(user)
        if entry is None or not secrets.compare_digest(
            str(entry.get("password", "")).encode(), password.encode()
        ):
            self.error(401, "UNAUTHORIZED", "authentication required", f"bad credentials for user {user!r}")
            return None
        return user

    def issue(self, service: str, scopes, user, offline: bool, oauth) -> None:
        """oauth: None for GET, else the POST grant_type."""
        args = self.state.args
        if service and service != args.service:
            self.error(400, "UNSUPPORTED", f"unknown service {service!r}", f"unknown service {service!r}")
            return
        access = []
        if user is not None:
            allowed = self.state.users[user].get("actions", [ALL_ACTIONS])
            for scope in scopes:
                parsed = parse_scope(scope)
                if parsed is None:
                    self.error(400, "UNSUPPORTED", f"malformed scope {scope!r}", f"malformed scope {scope!r}")
                    return
                rtype, name, actions = parsed
                granted = [a for a in actions if ALL_ACTIONS in allowed or a in allowed]
                if granted:
                    access.append({"type": rtype, "name": name, "actions": granted})
        now = int(time.time())
        ttl = self.state.users[user].get("ttl", args.ttl) if user is not None else args.ttl
        claims = {
            "iss": args.issuer,
            "sub": user or "",
            "aud": args.service,  # a string: Distribution 2.8 rejects an array
            "exp": now + ttl,
            "nbf": now,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": access,
        }
        token = self.state.signer.sign(claims)
        body = {
            "token": token,
            "access_token": token,
            "expires_in": ttl,
            "issued_at": datetime.fromtimestamp(now, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if user is not None and offline:
            refresh = secrets.token_urlsafe(32)
            with self.state.lock:
                self.state.refresh_tokens[refresh] = user
            body["refresh_token"] = refresh
        self.state.bump("tokens_issued")
        self.state.bump_user(user)
        if user is None:
            self.state.bump("anonymous_tokens")
        granted = ";".join(f"{a['type']}:{a['name']}:{','.join(a['actions'])}" for a in access) or "-"
        log(
            f"{self.client_address[0]} {self.command} /token{f' grant_type={oauth}' if oauth else ''} "
            f"user={user or '<anonymous>'} service={service or '-'} "
            f"scope={' '.join(scopes) or '-'} -> 200 granted={granted} ttl={ttl}s"
            f"{' +refresh_token' if 'refresh_token' in body else ''}"
        )
        self.send_json(200, body)


def load_users(args):
    users = {}
    if args.users:
        with open(args.users) as f:
            data = json.load(f)
        for name, entry in data.items():
            if isinstance(entry, str):
                entry = {"password": entry}
            users[name] = {"password": entry["password"], "actions": entry.get("actions", [ALL_ACTIONS])}
            if "ttl" in entry:  # per-user token lifetime (expiry tests), else --ttl
                users[name]["ttl"] = int(entry["ttl"])
    env_user = os.environ.get("STARLING_TOKEN_USER")
    env_password = os.environ.get("STARLING_TOKEN_PASSWORD")
    if env_user and env_password:
        users[env_user] = {"password": env_password, "actions": [ALL_ACTIONS]}
    if not users:
        raise SystemExit("no users: pass --users FILE or set STARLING_TOKEN_USER/STARLING_TOKEN_PASSWORD")
    return users


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--listen", default=os.environ.get("STARLING_TOKEN_SERVER_ADDR", "127.0.0.1:5053"),
                   help="HOST:PORT to bind (default $STARLING_TOKEN_SERVER_ADDR or 127.0.0.1:5053)")
    p.add_argument("--key", required=True, help="PEM private key (ECDSA P-256 or RSA)")
    p.add_argument("--cert", required=True, help="PEM certificate of that key (the registry's rootcertbundle)")
    p.add_argument("--users", help='JSON {"user": {"password": "...", "actions": ["pull","push"]}} or {"user": "password"}; '
                                   'actions default to ["*"] (everything requested)')
    p.add_argument("--service", default="starling-registry", help="accepted service = token audience")
    p.add_argument("--issuer", default="starling-token-server", help="token issuer (registry's `issuer`)")
    p.add_argument("--realm", default="starling-token", help="Basic realm in 401 answers")
    p.add_argument("--ttl", type=int, default=int(os.environ.get("STARLING_TOKEN_TTL", "300")),
                   help="token lifetime in seconds (default $STARLING_TOKEN_TTL or 300)")
    p.add_argument("--key-mode", choices=["x5c", "kid", "both"], default="x5c",
                   help="how the JWT header names its signing key (default x5c)")
    args = p.parse_args()
    if args.ttl <= 0:
        raise SystemExit("--ttl must be positive")

    host, _, port = args.listen.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    Handler.state = State(args, load_users(args))
    class Server(ThreadingHTTPServer):
        daemon_threads = True
        allow_reuse_address = True
        address_family = socket.AF_INET6 if ":" in host else socket.AF_INET

    server = Server((host, int(port)), Handler)
    log(
        f"listening on {host}:{port} service={args.service} issuer={args.issuer} alg={Handler.state.signer.alg} "
        f"key-mode={args.key_mode} kid={Handler.state.signer.kid} ttl={args.ttl}s users={sorted(Handler.state.users)}"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
