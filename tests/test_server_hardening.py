"""Regression tests for the server items of issue 13 (an outside probe of `biaslsp serve`), each
against a real server on loopback: connection starvation and long handshakes (2), debug logs (3),
lone surrogates (5), log floods (9), the token file (10), one schema for REST and websocket (11)
and cross-site probes of /health (12)."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import time

import httpx
import pytest
import websockets
from serverharness import BIASED, ORIGIN, run_cli, start_server, until_done

SECRET_WORD = "Xylophonequokka"
SECRET = f"{SECRET_WORD} wants young rockstars {SECRET_WORD}"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("hardening"), "--log-level", "debug", "--allow-origin", ORIGIN,
                       "--set", "head_timeout_s=2")
    yield srv
    srv.stop()


async def raw_status(srv, head: str, timeout: float = 5.0) -> int | None:
    """Status of a hand-written request; None when the server closed without answering."""
    reader, writer = await asyncio.open_connection("127.0.0.1", srv.port)
    try:
        writer.write(head.encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
        return int(line.split()[1]) if line else None
    finally:
        writer.close()


# -- item 2: idle and partial-header connections, long handshakes ------------------------------

async def test_idle_and_partial_header_connections_cannot_starve_clients(server):
    held = []
    for i in range(400):  # more than uvicorn's old limit_concurrency (192) and than max_idle_connections (256)
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        if i % 2:  # half send the start of a request and never finish it
            writer.write(f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Slow: ".encode())
        held.append((reader, writer))
    try:
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=server.base, timeout=10) as c:
            health = await c.get("/health")
            analyzed = await c.post("/v1/analyze", json={"text": BIASED, "rewrites": False}, headers=server.auth)
        assert health.status_code == 200 and analyzed.status_code == 200, (health.text, analyzed.text)
        assert time.monotonic() - started < 8
        # a connection that never finishes its head is closed after head_timeout_s (2 s here)
        reader, _ = held[-1]
        assert await asyncio.wait_for(reader.read(), 6) == b""
        stats = server.stats()
        assert stats["connections_closed_crowded"] > 0 and stats["connections_closed_slow"] > 0
    finally:
        for _, writer in held:
            writer.close()


async def test_a_head_trickled_in_byte_by_byte_is_cut_off(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    started = time.monotonic()
    head = f"GET /health HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Slow: " + "a" * 100
    try:
        for ch in head:  # one byte every 0.05 s: each byte would reset a keep-alive timer
            writer.write(ch.encode())
            await writer.drain()
            await asyncio.sleep(0.05)
            if reader.at_eof():
                break
        assert await asyncio.wait_for(reader.read(), 5) == b""
    except ConnectionError:
        pass  # closed while we were still writing: also cut off
    finally:
        writer.close()
    assert time.monotonic() - started < 5  # cut at ~2 s, long before the 5.2 s the head takes


@pytest.mark.parametrize("what, status", [("request line", 414), ("header line", 431)])
async def test_oversized_websocket_handshake_is_answered_not_hung(server, what, status):
    upgrade = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
               "Sec-WebSocket-Version: 13\r\n")
    pad = "a" * 9000
    if what == "request line":
        head = f"GET /v1/stream?token={server.token}&pad={pad} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n{upgrade}\r\n"
    else:
        head = f"GET /v1/stream?token={server.token} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nX-Pad: {pad}\r\n{upgrade}\r\n"
    started = time.monotonic()
    assert await raw_status(server, head) == status
    assert time.monotonic() - started < 3


# -- item 3: debug logs ------------------------------------------------------------------------

async def test_debug_log_holds_no_user_text_and_no_token(server):
    async with websockets.connect(server.ws_url(), additional_headers=server.auth) as ws:
        await ws.send(json.dumps({"type": "analyze", "doc": "s", "version": 1, "text": SECRET}))
        await until_done(ws, "s", 1)
        await ws.send(json.dumps({"type": "rewrite", "id": SECRET_WORD, "text": SECRET}))
        await ws.send(json.dumps({"type": "nonsense", "doc": SECRET_WORD}))
    with server.client() as c:
        c.post("/v1/analyze", json={"text": SECRET})
        c.post("/v1/analyze", json={"text": SECRET, "format": SECRET_WORD})
    time.sleep(0.5)
    log = server.log()
    assert SECRET_WORD[:8] not in log and SECRET_WORD[-8:] not in log  # no user text (websockets cut the middle) ...
    assert server.token not in log and server.token[:12] not in log
    assert " DEBUG biaslsp.server: websocket connected" in log  # ... though debug logging is on


# -- item 5: lone surrogates -------------------------------------------------------------------

async def test_lone_surrogates_get_clear_errors_or_are_analysed(server):
    async with websockets.connect(server.ws_url()) as ws:
        async def answer(frame: str) -> dict:
            await ws.send(frame)
            return json.loads(await asyncio.wait_for(ws.recv(), 30))

        m = await answer('{"type": "x", "doc": "\\ud800"}')
        assert m["type"] == "error" and m["code"] == "unknown_type" and "doc" not in m
        m = await answer('{"type": "analyze", "doc": "\\ud800", "version": 1, "text": "hi"}')
        assert m["type"] == "error" and m["code"] == "bad_request" and "surrogate" in m["message"]
        m = await answer('{"type": "rewrite", "id": "\\udc00", "text": "We want young people."}')
        assert m["type"] == "error" and m["code"] == "bad_request" and "id" in m["message"]
        # in the text itself: the rest of the document is analysed, the surrogate comes back escaped
        await ws.send('{"type": "analyze", "doc": "t", "version": 1, "text": "Hi \\ud800 there. ' + BIASED + '"}')
        frames, done = await until_done(ws, "t", 1)
        assert "error" not in done and "cancelled" not in done and "age" in done["labels"]
        assert len(frames) == 3 and all(f["type"] == "sentence" for f in frames)
        assert await answer('{"type": "ping"}') == {"type": "pong"}
    body = ('{"text": "Hi \\ud800 there. ' + BIASED + '"}').encode()
    r = httpx.post(f"{server.base}/v1/analyze", content=body, headers={**server.auth, "content-type": "application/json"})
    assert r.status_code == 200 and "age" in r.json()["labels"]
    assert r.json()["sentences"][0]["text"] == "Hi \ud800 there."
    r = httpx.post(f"{server.base}/v1/analyze", content=b'{"text": "hi", "\\ud800": 1}',
                   headers={**server.auth, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_request"


# -- item 9: log floods ------------------------------------------------------------------------

async def test_refused_handshakes_and_huge_numbers_do_not_flood_the_log(server):
    before = len(server.log().splitlines())
    for _ in range(40):
        with pytest.raises(websockets.exceptions.InvalidStatus):
            async with websockets.connect(server.ws_url(token="wrong")):
                pass
    async with websockets.connect(server.ws_url()) as ws:
        for _ in range(20):
            await ws.send('{"type": "analyze", "doc": "n", "version": ' + "9" * 5000 + ', "text": "hi"}')
            m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert m["type"] == "error" and m["code"] == "bad_request" and "digits" in m["message"]
    r = httpx.post(f"{server.base}/v1/rewrite", content=b'{"text": "hi", "n": ' + b"9" * 5000 + b"}",
                   headers={**server.auth, "content-type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"]["code"] == "bad_request"
    time.sleep(0.5)
    new = server.log().splitlines()[before:]
    assert not [line for line in new if " ERROR " in line or "Traceback" in line], new[:20]
    assert len(new) <= 20, new  # 60 refusals, a handful of lines


# -- item 10: the token file -------------------------------------------------------------------

def test_a_loose_token_file_is_replaced_and_its_folder_tightened(tmp_path):
    config = tmp_path / "config"
    first = run_cli(tmp_path, "token").stdout.strip()
    os.chmod(config, 0o777)
    os.chmod(config / "token", 0o644)
    out = run_cli(tmp_path, "token")
    assert out.returncode == 0 and len(out.stdout.strip()) >= 32 and out.stdout.strip() != first
    assert "readable by other users" in out.stderr and first not in out.stderr
    assert stat.S_IMODE((config / "token").stat().st_mode) == 0o600
    assert stat.S_IMODE(config.stat().st_mode) == 0o700
    assert run_cli(tmp_path, "token").stdout.strip() == out.stdout.strip()  # stable once private


def test_a_symlinked_token_file_is_refused(tmp_path):
    config = tmp_path / "config"
    config.mkdir(mode=0o700)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_text("attacker-chosen-token-value-1234\n")
    os.chmod(elsewhere, 0o600)
    (config / "token").symlink_to(elsewhere)
    out = run_cli(tmp_path, "token")
    assert out.returncode == 2 and "symbolic link" in out.stderr and "Traceback" not in out.stderr
    assert "attacker-chosen" not in out.stdout
    assert elsewhere.read_text() == "attacker-chosen-token-value-1234\n"
    serve = run_cli(tmp_path, "serve", "--port", "1")
    assert serve.returncode == 2 and "symbolic link" in serve.stderr


# -- item 11: one schema for REST and websocket -----------------------------------------------

async def test_rest_and_websocket_accept_and_refuse_the_same_values(server):
    with server.client() as c:
        assert c.post("/v1/analyze", json={"text": "hi", "rewrites": "yes"}).status_code == 422
        assert c.post("/v1/analyze", json={"text": "hi", "rewrites": 1}).status_code == 422
        assert c.post("/v1/rewrite", json={"text": "We want young people.", "n": 0}).status_code == 422
        assert c.post("/v1/rewrite", json={"text": "We want young people.", "n": 1.0}).status_code == 422
    async with websockets.connect(server.ws_url()) as ws:
        for frame in ({"type": "rewrite", "id": "a", "text": "We want young people.", "n": 0},
                      {"type": "rewrite", "id": "a", "text": "We want young people.", "n": 1.0},
                      {"type": "analyze", "doc": "r", "version": 1, "text": "hi", "rewrites": "yes"},
                      {"type": "analyze", "doc": "r", "version": 1, "text": "hi", "rewrites": 1}):
            await ws.send(json.dumps(frame))
            m = json.loads(await asyncio.wait_for(ws.recv(), 30))
            assert m["type"] == "error" and m["code"] == "bad_request", (frame, m)


async def test_a_rate_limited_analyze_gets_its_error_and_done(tmp_path):
    srv = start_server(tmp_path, "--set", "ws_rate=0.5", "--set", "ws_burst=2")
    try:
        async with websockets.connect(srv.ws_url()) as ws:
            for v in range(1, 6):
                await ws.send(json.dumps({"type": "analyze", "doc": "d", "version": v, "text": BIASED, "rewrites": False}))
            dones, errors = {}, []
            async with asyncio.timeout(60):
                while len(dones) < 5:
                    m = json.loads(await ws.recv())
                    if m["type"] == "done":
                        dones[m["version"]] = m
                    elif m["type"] == "error":
                        errors.append(m)
        limited = [v for v, d in dones.items() if d.get("error") == "rate_limited"]
        assert limited and sorted(dones) == [1, 2, 3, 4, 5]
        assert sorted(e["version"] for e in errors if e["code"] == "rate_limited") == sorted(limited)
        assert all(e["doc"] == "d" for e in errors)
    finally:
        srv.stop()


# -- item 12: cross-site probes of /health ----------------------------------------------------

def test_health_answers_only_non_browser_clients_and_allowed_origins(server):
    url = f"{server.base}/health"
    assert httpx.get(url).status_code == 200  # the CLI, the language server, curl
    assert httpx.get(url, headers={"Sec-Fetch-Site": "none"}).status_code == 200  # typed in the address bar
    for site in ("cross-site", "same-site"):  # a page's no-cors fetch or <img>: no Origin on a GET
        r = httpx.get(url, headers={"Sec-Fetch-Site": site, "Sec-Fetch-Mode": "no-cors"})
        assert r.status_code == 403 and "biaslsp" not in r.text.lower()
    assert httpx.get(url, headers={"Origin": "https://evil.example"}).status_code == 403
    assert httpx.get(url, headers={"Origin": ORIGIN, "Sec-Fetch-Site": "cross-site"}).status_code == 200  # the extension
    assert httpx.get(url, headers={"Host": "evil.example"}).status_code == 403
