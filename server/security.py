"""The gate in front of every route: Host, Origin, token, body size and request rate.

The server listens on loopback, which every web page the user opens can reach. A
page cannot read the token file, cannot make a browser send a foreign Host header
except through DNS rebinding (blocked by the Host check), and cannot forge Origin on
a websocket (blocked by the allow-list). A page's no-cors `fetch` or `<img>` sends no Origin
on a GET, but browsers mark it `Sec-Fetch-Site: cross-site`: such requests are refused too, so a
page cannot even learn from `/health` that biaslsp runs. Clients that are not browsers (the
language server, the CLI, curl) send neither header. This is pure ASGI so it also guards routes
that FastAPI does not see, and the websocket handshake before it is accepted.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterable
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .config import ServerConfig
from .token import token_matches

OPEN_PATHS = frozenset({"/health"})
# Sec-Fetch-Site values a browser sends for requests a page cannot have made on its own: typed in
# the address bar ("none") or from the server's own origin (it serves no pages)
_OWN_FETCH_SITES = frozenset({"none", "same-origin"})
_ORIGIN = re.compile(r"^(chrome-extension|moz-extension|safari-web-extension|https?)://[A-Za-z0-9.\-]+(:\d{1,5})?$")


class RateLimiter:
    """A token bucket: `rate` per second sustained, `burst` at once. Thread-safe."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = rate, float(burst)
        self._tokens, self._last = float(burst), time.monotonic()
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return True
            return False


def check_origins(origins: Iterable[str]) -> tuple[str, ...]:
    """Validate configured origins: exact scheme://host[:port], no wildcards, no paths."""
    out = []
    for o in origins:
        o = o.strip().rstrip("/")
        if not o:
            continue
        if "*" in o or not _ORIGIN.match(o):
            raise ValueError(f"invalid origin {o!r}: give an exact origin such as chrome-extension://<id> (no wildcards)")
        out.append(o)
    return tuple(dict.fromkeys(out))


def allowed_hosts(config: ServerConfig, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host header values accepted: loopback names with the server's port (plus --allow-remote hosts)."""
    names = {"localhost", "127.0.0.1", "[::1]", *extra}
    if config.allow_remote and config.host not in ("0.0.0.0", "::", ""):
        names.add(f"[{config.host}]" if ":" in config.host else config.host)
    return frozenset(f"{n.lower()}:{config.port}" for n in names)


def _header(scope: Scope, name: bytes) -> str | None:
    values = [v for k, v in scope.get("headers", []) if k == name]
    if len(values) != 1:  # missing, or repeated (ambiguous: refuse)
        return None if not values else ""
    return values[0].decode("latin-1")


def request_token(scope: Scope) -> str | None:
    """Bearer token from the Authorization header, or `token` from the query (websockets)."""
    auth = _header(scope, b"authorization")
    if auth and auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    if scope["type"] == "websocket":
        values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("token", [])
        return values[0] if len(values) == 1 else None
    return None


class Guard:
    """ASGI middleware: refuse before any handler runs; errors as {"error": {code, message}}."""

    def __init__(self, app: ASGIApp, config: ServerConfig, hosts: frozenset[str]) -> None:
        self.app = app
        self.config = config
        self.hosts = hosts
        self.origins = frozenset(config.allowed_origins)
        self.rest_limit = RateLimiter(config.limits.rest_rate, config.limits.rest_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = self._check(scope)
        if problem is not None:
            status, code, message = problem
            await _deny(scope, receive, send, status, code, message)
            return
        if scope["type"] == "http" and scope["method"] in ("POST", "PUT", "PATCH"):
            length = _header(scope, b"content-length")
            if length is None or not length.isdigit():
                await _deny(scope, receive, send, 411, "bad_request", "a Content-Length header is required")
                return
            if int(length) > self.config.limits.max_body_bytes:
                await _deny(scope, receive, send, 413, "too_large",
                            f"request body is {int(length):,} bytes; the limit is {self.config.limits.max_body_bytes:,}")
                return
        await self.app(scope, receive, send)

    def _check(self, scope: Scope) -> tuple[int, str, str] | None:
        host = (_header(scope, b"host") or "").lower()
        if host not in self.hosts:
            return 403, "forbidden", "Host header must be localhost, 127.0.0.1 or [::1] with the server's port"
        origin = _header(scope, b"origin")
        if origin is not None and origin not in self.origins:
            return 403, "forbidden", "this Origin is not on the server's allow-list (biaslsp serve --allow-origin)"
        site = _header(scope, b"sec-fetch-site")
        if origin is None and site is not None and site.lower() not in _OWN_FETCH_SITES:
            return 403, "forbidden", "requests from web pages need an Origin on the server's allow-list"
        if scope["type"] == "http" and scope["path"] in OPEN_PATHS:
            return None
        if not token_matches(request_token(scope), self.config.token):
            return 401, "unauthorized", "missing or wrong token (run `biaslsp token`)"
        if scope["type"] == "http" and not self.rest_limit.allow():
            return 429, "rate_limited", "too many requests; slow down"
        return None


def error_body(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


async def _deny(scope: Scope, receive: Receive, send: Send, status: int, code: str, message: str) -> None:
    body = error_body(code, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    msg: Message = await receive()  # websocket.connect
    if msg["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        await send({"type": "websocket.http.response.start", "status": status, "headers": headers})
        await send({"type": "websocket.http.response.body", "body": body})
    else:  # the server cannot send a body: a plain 403
        await send({"type": "websocket.close", "code": 1008})
