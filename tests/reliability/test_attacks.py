"""Attacks on a real `biaslsp serve` (loopback only), beyond the ones tests/test_server_api.py and
tests/test_server_stream.py already make (evil Origin/Host/empty Host on REST and on the websocket
handshake, missing and wrong tokens, 1009 at a 64 KiB frame limit, 0.0.0.0 without --allow-remote):
tokens where they do not belong, repeated headers, cross-site simple POSTs, frames over the default
1 MiB limit whole and in fragments, binding every non-loopback address of this machine, a
thousand idle and half-sent connections held open without a token, and no user text or token in
the log after all of it."""

from __future__ import annotations

import asyncio
import json
import socket
import statistics
import time

import httpx
import psutil
import pytest
import websockets
from serverharness import free_port, run_cli, start_server
from websockets.exceptions import ConnectionClosed, InvalidStatus

SECRET = "Quokkawrangler applicants must be native English speakers."
REFUSED: dict[str, int] = {}


@pytest.fixture(scope="module")
def target(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("attacks"))
    yield srv
    srv.stop()


def refused(kind: str) -> None:
    REFUSED[kind] = REFUSED.get(kind, 0) + 1


async def raw(srv, lines: list[str], body: bytes = b"") -> int:
    """Status of one hand-written HTTP/1.1 request (exact header lines, repeats allowed)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return int(line.split()[1])


def ws_upgrade(path: str, *headers: str) -> list[str]:
    return [f"GET {path} HTTP/1.1", "Upgrade: websocket", "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13", *headers]


async def test_tokens_only_where_they_belong_and_repeated_headers_refused(target):
    host = f"Host: 127.0.0.1:{target.port}"
    bearer = f"Authorization: Bearer {target.token}"
    body = json.dumps({"text": SECRET}).encode()
    post = [f"POST /v1/analyze HTTP/1.1", "Content-Type: application/json", f"Content-Length: {len(body)}"]
    cases = [
        ("REST token in the query (only websockets may)", [f"GET /v1/info?token={target.token} HTTP/1.1", host], b"", 401),
        ("two Host headers", ["GET /v1/info HTTP/1.1", host, "Host: evil.example", bearer], b"", (400, 403)),  # h11 or the guard
        ("two Authorization headers", ["GET /v1/info HTTP/1.1", host, bearer, "Authorization: Bearer x"], b"", 401),
        ("cross-site simple POST (text/plain)", [*post[:1], host, bearer, "Origin: https://evil.example",
                                                "Content-Type: text/plain", f"Content-Length: {len(body)}"], body, 403),
        ("POST without Content-Length", ["POST /v1/analyze HTTP/1.1", host, bearer, "Transfer-Encoding: chunked"], b"0\r\n\r\n", 411),
        ("websocket, two Origin headers", ws_upgrade(f"/v1/stream?token={target.token}", host, "Origin: https://evil.example",
                                                     "Origin: https://evil.example"), b"", (400, 403)),
        ("websocket, Host with a rebinding name", ws_upgrade(f"/v1/stream?token={target.token}", f"Host: localhost.evil.example:{target.port}"), b"", 403),
        ("websocket, two tokens", ws_upgrade(f"/v1/stream?token={target.token}&token=x", host), b"", 401),
        ("websocket, Origin evil with the header token", ws_upgrade("/v1/stream", host, bearer, "Origin: https://evil.example"), b"", 403),
    ]
    for what, lines, payload, status in cases:
        got = await raw(target, lines, payload)
        assert got in (status if isinstance(status, tuple) else (status,)), (what, got)
        refused(what)
    assert await raw(target, ["GET /v1/info HTTP/1.1", host, bearer]) == 200  # the same request, done right
    assert await raw(target, ws_upgrade("/v1/stream", host, bearer)) == 101  # non-browser clients may use the header


@pytest.mark.parametrize("fragments", [1, 8])
async def test_frames_over_the_default_limit_close_with_1009(target, fragments):
    limit = httpx.get(f"{target.base}/v1/info", headers=target.auth).json()["limits"]["max_frame_bytes"]
    text = json.dumps({"type": "analyze", "doc": "x", "version": 1, "text": "y" * (limit + 10)})
    async with websockets.connect(target.ws_url(), max_size=None) as ws:
        # the server may close with 1009 while the client is still sending the frame: then the
        # send itself raises ConnectionClosed; either way the close must be the server's 1009
        with pytest.raises(ConnectionClosed) as info:
            if fragments == 1:
                await ws.send(text)
            else:  # a message in fragments, each under the limit, together over it
                size = len(text) // fragments + 1
                await ws.send([text[i:i + size] for i in range(0, len(text), size)])
            await asyncio.wait_for(ws.recv(), 30)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009
    refused(f"frame over {limit:,} bytes in {fragments} fragment(s)")
    async with websockets.connect(target.ws_url()) as ws:  # the server is fine
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv()) == {"type": "pong"}


async def test_wrong_tokens_on_the_websocket(target):
    for token in ["", "x", target.token[:-1], target.token + "x", target.token.upper() if target.token.upper() != target.token else "Z"]:
        with pytest.raises(InvalidStatus) as info:
            async with websockets.connect(target.ws_url(token=token)):
                pass
        assert info.value.response.status_code == 401
        refused("websocket with a missing or wrong token")


async def test_a_thousand_idle_and_half_sent_connections_starve_nobody(target, figures):
    """Connections opened without a token and never finished (half send part of a request head)
    used to fill uvicorn's limit_concurrency (192), after which every request got 503."""
    held, n = [], 1000
    for i in range(n):
        reader, writer = await asyncio.open_connection("127.0.0.1", target.port)
        if i % 2:
            writer.write(f"POST /v1/analyze HTTP/1.1\r\nHost: 127.0.0.1:{target.port}\r\nX-Slow: ".encode())
        held.append((reader, writer))
    opened = time.monotonic()
    try:
        health, analyze, codes = [], [], []
        async with httpx.AsyncClient(base_url=target.base, timeout=10) as c:
            for k in range(20):
                t = time.monotonic()
                codes.append((await c.get("/health")).status_code)
                health.append(time.monotonic() - t)
                if k % 4 == 0:
                    t = time.monotonic()
                    codes.append((await c.post("/v1/analyze", json={"text": f"{SECRET} {k}", "rewrites": False},
                                               headers=target.auth)).status_code)
                    analyze.append(time.monotonic() - t)
        assert set(codes) == {200}, codes
        closed = 0
        for reader, _ in held:  # what is left of the held connections is cut at the head deadline
            try:
                if await asyncio.wait_for(reader.read(), 15) == b"":
                    closed += 1
            except (TimeoutError, ConnectionError):
                pass
        cut_after = time.monotonic() - opened
        assert closed == n
        stats = target.stats()
    finally:
        for _, writer in held:
            writer.close()
    refused(f"{n} idle or half-sent connections (closed: crowded out or at the head deadline)")
    figures["starvation"] = {
        "held_connections": n, "requests": len(codes), "all_200": True,
        "health_p50_ms": round(statistics.median(health) * 1000, 1), "health_max_ms": round(max(health) * 1000, 1),
        "analyze_p50_ms": round(statistics.median(analyze) * 1000, 1), "analyze_max_ms": round(max(analyze) * 1000, 1),
        "all_held_closed_within_s": round(cut_after, 1),
        "closed_crowded": stats["connections_closed_crowded"], "closed_slow": stats["connections_closed_slow"],
    }


def non_loopback_addresses() -> list[str]:
    out = ["0.0.0.0", "::"]
    for addrs in psutil.net_if_addrs().values():
        for a in addrs:
            if a.family in (socket.AF_INET, socket.AF_INET6):
                ip = a.address.split("%")[0]
                if not (ip.startswith("127.") or ip == "::1"):
                    out.append(ip)
    return out


def test_binding_a_non_loopback_address_is_refused(tmp_path):
    for host in non_loopback_addresses():
        port = free_port()
        out = run_cli(tmp_path, "serve", "--host", host, "--port", str(port))
        assert out.returncode == 2 and "--allow-remote" in out.stderr, (host, out.stderr[-500:])
        with socket.socket() as s:  # nothing was left listening
            assert s.connect_ex(("127.0.0.1", port)) != 0
        refused(f"bind {host} without --allow-remote")


def test_logs_hold_no_user_text_or_token_after_the_attacks(target, figures):
    with target.client() as c:  # user text in a bad request, an accepted one and a refused one
        c.post("/v1/analyze", json={"text": SECRET, "format": "pdf"})
        c.post("/v1/analyze", json={"text": SECRET})
        httpx.post(f"{target.base}/v1/analyze", json={"text": SECRET}, headers={**target.auth, "Origin": "https://evil.example"})
    log = target.log()
    assert "Quokkawrangler" not in log and "native English" not in log and target.token not in log
    figures["attacks"] = {"refused": dict(REFUSED), "total_refused": sum(REFUSED.values()), "user_text_in_log": 0}
