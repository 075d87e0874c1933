"""Client for a running `biaslsp serve` (docs/protocol.md, websocket /v1/stream).

One connection, shared by all documents. `analyze` sends an `analyze` frame and
collects `sentence` frames until the matching `done`. When the server cannot be
reached it raises `RemoteUnavailable`; the caller falls back to the in-process engine
and calls again later (at most every `retry_s` seconds), which reconnects.

Text and the token go only to a loopback URL (`check_server_url`), and only after the
server there has proved, on each connection, that it holds the token
(biaslsp/identity.py: a challenge on /health); the token travels in an Authorization
header, never in the URL. No proxy is used for these loopback connections.
"""

from __future__ import annotations

import asyncio
import http.client
import ipaddress
import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from biaslsp import identity
from biaslsp.models.types import Edit, Rewrite, SentenceResult, Span

from .redact import redact, remember

log = logging.getLogger(__name__)


class RemoteUnavailable(Exception):
    """The model server cannot be reached (or the connection dropped)."""


class RemoteError(Exception):
    """The model server answered with an error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


class RemoteCancelled(Exception):
    """A newer version of the document superseded this request."""


def default_token() -> str:
    """The per-install token `biaslsp token` prints, if this user has one (never created here)."""
    if tok := os.environ.get("BIASLSP_TOKEN"):
        return tok
    explicit = os.environ.get("BIASLSP_CONFIG_DIR")
    if explicit:
        base = Path(explicit)
    else:
        xdg = os.environ.get("XDG_CONFIG_HOME")
        base = (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config") / "biaslsp"
    try:
        return (base / "token").read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server_url(server_url: str) -> str:
    """`server_url` if it names a biaslsp server on this machine, else ValueError.

    The error never repeats the URL's query or user-info (where a token might be)."""
    url = server_url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname or ""
    except ValueError as exc:
        raise ValueError(f"not a valid URL ({redact(str(exc))})") from None
    shown = f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    if parts.scheme not in {"ws", "wss", "http", "https"}:
        raise ValueError(f"{shown}: use ws://127.0.0.1:PORT (or http://); {parts.scheme or 'no'} scheme is not supported")
    if parts.username is not None or parts.password is not None or parts.query or parts.fragment:
        raise ValueError(f"{shown}: the URL must not carry a user, query or fragment; put the token in biaslsp.serverToken "
                         "(or let biaslsp read it from `biaslsp token`'s file)")
    if not _is_loopback(host):
        raise ValueError(f"{shown}: the model server must be on this machine (127.0.0.1, [::1] or localhost); "
                         "biaslsp sends your documents and token to no other host")
    return url


def stream_url(server_url: str) -> str:
    """ws(s)://host:port/v1/stream from http(s):// or ws(s):// base URLs (no token in it)."""
    parts = urlsplit(server_url.strip())
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme or "ws")
    path = parts.path.rstrip("/")
    if not path.endswith("/v1/stream"):
        path += "/v1/stream"
    return urlunsplit((scheme, parts.netloc, path, "", ""))


def _health(server_url: str, challenge: str, timeout: float) -> tuple[int, dict[str, Any]]:
    """(port, body) of GET /health?challenge=... on the server, directly (no proxy, no redirect)."""
    parts = urlsplit(server_url.strip())
    secure = parts.scheme in {"https", "wss"}
    port = parts.port or (443 if secure else 80)
    conn_cls = http.client.HTTPSConnection if secure else http.client.HTTPConnection
    conn = conn_cls(parts.hostname, port, timeout=timeout)
    try:
        conn.request("GET", f"/health?challenge={challenge}", headers={"Accept": "application/json"})
        resp = conn.getresponse()
        raw = resp.read(65536)
        if resp.status != 200:
            raise RemoteUnavailable(f"/health answered HTTP {resp.status}")
    except OSError as exc:
        raise RemoteUnavailable(str(exc) or type(exc).__name__) from exc
    finally:
        conn.close()
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    return port, body if isinstance(body, dict) else {}


def sentence_from_frame(f: dict[str, Any]) -> SentenceResult:
    return SentenceResult(
        int(f["start"]),
        int(f["end"]),
        str(f.get("text", "")),
        {k: float(v) for k, v in (f.get("scores") or {}).items()},
        tuple(f.get("labels") or ()),
        tuple(Span(int(s["start"]), int(s["end"]), s["label"], s.get("text", ""), s.get("source", "model")) for s in f.get("spans") or ()),
        str(f.get("explanation", "")),
        tuple(
            Rewrite(
                r["text"],
                tuple(Edit(int(e["start"]), int(e["end"]), e["new_text"]) for e in r.get("edits") or ()),
                tuple(r.get("cleared") or ()),
                tuple(r.get("remaining") or ()),
                bool(r.get("verified")),
                float(r.get("score", 0.0)),
                r.get("source", "server"),
            )
            for r in f.get("rewrites") or ()
        ),
    )


class RemoteEngine:
    def __init__(self, server_url: str, token: str = "", *, timeout_s: float = 30.0, retry_s: float = 5.0) -> None:
        self.server_url = check_server_url(server_url)
        self.url = stream_url(self.server_url)
        self.explicit_token = token
        self._token = token or default_token()
        remember(self._token)
        self.timeout_s = timeout_s
        self.retry_s = retry_s
        self._ws: Any = None
        self._reader: asyncio.Task | None = None
        self._pending: dict[tuple[str, int], tuple[list[SentenceResult], asyncio.Future]] = {}
        self._lock = asyncio.Lock()
        self.down_since: float | None = None
        self._last_try = 0.0
        self.last_error = ""

    @property
    def connected(self) -> bool:
        return self._ws is not None

    def should_try(self) -> bool:
        return self.down_since is None or time.monotonic() - self._last_try >= self.retry_s

    async def _connect(self) -> None:
        import websockets

        async with self._lock:
            if self._ws is not None:
                return
            self._last_try = time.monotonic()
            try:
                await self._prove()
                self._ws = await asyncio.wait_for(
                    websockets.connect(self.url, max_size=64 * 2**20, open_timeout=3, proxy=None,
                                       additional_headers={"Authorization": f"Bearer {self._token}"}),
                    5,
                )
            except Exception as exc:  # refused, not proven, handshake rejected (401/403), timeout
                self.down_since = self.down_since or time.monotonic()
                self.last_error = redact(str(exc) or type(exc).__name__)
                raise RemoteUnavailable(self.last_error) from None
            self.down_since = None
            self._reader = asyncio.create_task(self._read(self._ws))

    async def _prove(self) -> None:
        """Check that the server holds our token before sending it anything else."""
        if not self._token:
            raise RemoteUnavailable("no token: run `biaslsp token` or set biaslsp.serverToken")
        challenge = secrets.token_hex(32)
        port, body = await asyncio.to_thread(_health, self.server_url, challenge, 3.0)
        if body.get("service") != identity.SERVICE or not identity.proof_matches(body.get("proof"), self._token, port, challenge):
            raise RemoteUnavailable("the server there did not prove it is your biaslsp serve (it does not hold your token); "
                                    "nothing was sent to it")

    async def _read(self, ws: Any) -> None:
        try:
            async for raw in ws:
                try:
                    frame = json.loads(raw)
                except (TypeError, ValueError):
                    continue
                self._dispatch(frame)
        except Exception as exc:  # connection closed
            self.last_error = redact(str(exc) or type(exc).__name__)
        finally:
            if self._ws is ws:
                self._ws = None
                self.down_since = time.monotonic()
                self._last_try = time.monotonic()
            for _, fut in list(self._pending.values()):
                if not fut.done():
                    fut.set_exception(RemoteUnavailable(f"connection closed: {self.last_error}"))
            self._pending.clear()

    def _dispatch(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        key = (str(frame.get("doc")), int(frame.get("version") or 0))
        entry = self._pending.get(key)
        if kind == "sentence" and entry:
            entry[0].append(sentence_from_frame(frame))
        elif kind == "done" and entry:
            self._pending.pop(key, None)
            if not entry[1].done():
                if frame.get("cancelled"):
                    entry[1].set_exception(RemoteCancelled())
                else:
                    entry[1].set_result(sorted(entry[0], key=lambda s: s.start))
        elif kind == "error":
            doc = frame.get("doc")
            for k, (_, fut) in list(self._pending.items()):
                if (doc is None or k[0] == str(doc)) and not fut.done():
                    if doc is None and frame.get("code") not in {"too_large", "bad_request"}:
                        continue
                    self._pending.pop(k, None)
                    fut.set_exception(RemoteError(str(frame.get("code")), str(frame.get("message"))))

    async def analyze(self, doc: str, version: int, text: str, fmt: str, *, rewrites: bool = True) -> list[SentenceResult]:
        await self._connect()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future = loop.create_future()
        key = (doc, version)
        self._pending[key] = ([], fut)
        frame = {"type": "analyze", "doc": doc, "version": version, "text": text, "format": fmt}
        if not rewrites:
            frame["rewrites"] = False
        try:
            await self._ws.send(json.dumps(frame))
        except Exception as exc:
            self._pending.pop(key, None)
            raise RemoteUnavailable(str(exc)) from exc
        try:
            return await asyncio.wait_for(fut, self.timeout_s)
        except asyncio.TimeoutError as exc:
            self._pending.pop(key, None)
            raise RemoteUnavailable(f"no answer within {self.timeout_s:.0f} s") from exc

    async def close(self) -> None:
        ws, self._ws = self._ws, None
        if ws is not None:
            try:
                await ws.close()
            except Exception:
                pass
