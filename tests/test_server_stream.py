"""The websocket /v1/stream against a real `biaslsp serve`: streaming, edits, cancellation, bad input."""

from __future__ import annotations

import asyncio
import json

import pytest
import websockets
from serverharness import BIASED, NEUTRAL, ORIGIN, start_server, until_done
from websockets.exceptions import ConnectionClosed, InvalidStatus

from biaslsp.models import default_engine



@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("stream"), "--allow-origin", ORIGIN, "--set", "max_frame_bytes=65536",
                       "--set", "max_text_chars=20000")
    yield srv
    srv.stop()


def ad(n: int, tag: str) -> str:
    """A job ad of n distinct sentences (tag makes it unseen by the cache)."""
    return " ".join(f"Item {i} of the {tag} list covers monthly financial reports for team {i}." for i in range(n))


async def test_one_frame_per_sentence_then_done_matching_the_engine(server):
    text = f"{BIASED}\n{NEUTRAL}\nWe need a strong, dominant salesman."
    want = json.loads(json.dumps(default_engine().analyze(text).to_dict()))
    async with websockets.connect(server.ws_url()) as ws:
        await ws.send(json.dumps({"type": "analyze", "doc": "ad-1", "version": 1, "text": text}))
        frames, done = await until_done(ws, "ad-1", 1)
    assert all(f["type"] == "sentence" and f["doc"] == "ad-1" and f["version"] == 1 for f in frames)
    got = sorted(frames, key=lambda f: f["start"])
    assert len(got) == len(want["sentences"])
    for f, s in zip(got, want["sentences"]):
        for key in ("start", "end", "labels", "scores", "spans", "explanation", "rewrites"):
            assert f[key] == s[key], key
    assert done["summary"] == want["summary"] and done["labels"] == want["labels"]
    assert "cancelled" not in done


async def test_cursor_sentence_first_and_unchanged_sentences_from_cache(server):
    sentences = [f"Paragraph {i} explains the quarterly budget review process {i}." for i in range(30)]
    text = " ".join(sentences)
    cursor = text.index(sentences[17]) + 5
    async with websockets.connect(server.ws_url()) as ws:
        await ws.send(json.dumps({"type": "analyze", "doc": "d", "version": 1, "text": text, "cursor": cursor}))
        frames, _ = await until_done(ws, "d", 1)
        assert frames[0]["start"] == cursor - 5  # the sentence being edited comes first
        before = server.stats()["model_sentences"]
        edited = text.replace("process 25.", "process twenty-five, with a young team.")
        await ws.send(json.dumps({"type": "analyze", "doc": "d", "version": 2, "text": edited}))
        frames2, done = await until_done(ws, "d", 2)
    assert len(frames2) == 30 and "cancelled" not in done
    assert server.stats()["model_sentences"] - before == 1  # only the edited sentence reached the model
    changed = [f for f in frames2 if "twenty-five" in edited[f["start"]:f["end"]]]
    assert changed and changed[0] is frames2[-1]  # the others came straight from the cache, first
    near = [int(edited[f["start"]:f["end"]].split()[1]) for f in frames2[:29]]  # ... nearest the edit first
    assert [abs(n - 25) for n in near] == sorted(abs(n - 25) for n in near), near


async def test_newer_version_cancels_the_older_and_every_version_gets_done(server):
    async with websockets.connect(server.ws_url()) as ws:
        before = server.stats()
        await ws.send(json.dumps({"type": "analyze", "doc": "big", "version": 1, "text": ad(200, "v1")}))
        first = json.loads(await ws.recv())  # v1 is under way: its first batch is done, the rest queued
        assert first["type"] == "sentence" and first["version"] == 1
        for v in range(2, 6):
            await ws.send(json.dumps({"type": "analyze", "doc": "big", "version": v, "text": ad(120, f"v{v}")}))
        dones = {}
        async with asyncio.timeout(120):
            while len(dones) < 5:
                m = json.loads(await ws.recv())
                if m["type"] == "done":
                    dones[m["version"]] = m
                elif m["type"] == "sentence":
                    assert m["version"] not in dones  # nothing for a version after its done
    assert sorted(dones) == [1, 2, 3, 4, 5]
    assert all(dones[v].get("cancelled") for v in range(1, 5)) and "cancelled" not in dones[5]
    after = server.stats()
    assert after["dropped"] > before["dropped"]  # superseded sentences never reached the model
    assert after["model_sentences"] - before["model_sentences"] < 200 + 4 * 120


async def test_cancel_message_and_stale_version(server):
    async with websockets.connect(server.ws_url()) as ws:
        await ws.send(json.dumps({"type": "analyze", "doc": 7, "version": 3, "text": ad(80, "cancel")}))
        await ws.send(json.dumps({"type": "cancel", "doc": 7}))
        _, done = await until_done(ws, 7, 3)
        assert done["cancelled"] is True
        await ws.send(json.dumps({"type": "analyze", "doc": 7, "version": 2, "text": NEUTRAL}))
        _, stale = await until_done(ws, 7, 2)
        assert stale["cancelled"] is True and stale["stale"] is True


async def test_rewrite_by_offsets_and_by_text(server):
    text = f"{NEUTRAL} {BIASED}"
    sentence = "He/she must be a native English speaker."
    start = text.index(sentence)
    want = [json.loads(json.dumps(_asdict(r))) for r in default_engine().rewrite(sentence, n=2)]
    async with websockets.connect(server.ws_url()) as ws:
        await ws.send(json.dumps({"type": "analyze", "doc": "r", "version": 1, "text": text}))
        await until_done(ws, "r", 1)
        await ws.send(json.dumps({"type": "rewrite", "id": "r1", "doc": "r", "version": 1, "start": start,
                                  "end": start + len(sentence), "n": 2}))
        m = json.loads(await ws.recv())
        assert m["type"] == "rewrite.done" and m["id"] == "r1"
        assert [c["text"] for c in m["candidates"]] == [c["text"] for c in want]
        for c, w in zip(m["candidates"], want):  # edits are document offsets
            assert [e["start"] for e in c["edits"]] == [e["start"] + start for e in w["edits"]]
        await ws.send(json.dumps({"type": "rewrite", "id": 2, "text": sentence, "n": 2}))
        m = json.loads(await ws.recv())
        assert m["type"] == "rewrite.done" and m["id"] == 2 and m["candidates"] == want
        await ws.send(json.dumps({"type": "rewrite", "id": "r3", "doc": "r", "version": 0, "start": 0, "end": 5}))
        m = json.loads(await ws.recv())
        assert m["type"] == "error" and m["code"] == "bad_request" and m["id"] == "r3"


@pytest.mark.parametrize("frame, code", [
    ("{not json", "bad_request"),
    ("[1, 2]", "bad_request"),
    ('"text"', "bad_request"),
    ('{"no_type": 1}', "bad_request"),
    ('{"type": "launch_missiles"}', "unknown_type"),
    ('{"type": "analyze", "doc": "x", "version": "one", "text": "hi"}', "bad_request"),
    ('{"type": "analyze", "doc": "x", "version": 1, "text": 42}', "bad_request"),
    ('{"type": "analyze", "doc": "x", "version": true, "text": "hi"}', "bad_request"),
    ('{"type": "analyze", "doc": null, "version": 1, "text": "hi"}', "bad_request"),
    ('{"type": "analyze", "doc": "x", "version": 1, "text": "hi", "format": "pdf"}', "bad_request"),
    ('{"type": "analyze", "doc": "x", "version": 1, "text": "' + "a" * 20001 + '"}', "too_large"),
    ('{"type": "rewrite", "id": "q", "doc": "never-sent", "start": 0, "end": 3}', "bad_request"),
    ('{"type": "rewrite", "id": "q", "text": "hi", "n": 99}', "bad_request"),
    ('{"type": "rewrite", "id": "q", "text": "hi", "labels": ["nope"]}', "bad_request"),
    ("[" * 100000 + "]" * 100000, "too_large"),
])
async def test_bad_frames_get_error_frames_and_the_connection_survives(server, frame, code):
    async with websockets.connect(server.ws_url(), max_size=None) as ws:
        if len(frame) > 65536:  # over the frame limit: the server closes with 1009
            await ws.send(frame)
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), 30)
            assert info.value.rcvd.code == 1009
            return
        await ws.send(frame)
        m = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert m["type"] == "error" and m["code"] == code and m["message"]
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30)) == {"type": "pong"}


async def test_binary_frames_invalid_utf8_and_other_clients_unaffected(server):
    async with websockets.connect(server.ws_url()) as bystander:
        async with websockets.connect(server.ws_url()) as ws:
            await ws.send(b"\x00\x01binary")
            m = json.loads(await ws.recv())
            assert m["type"] == "error" and m["code"] == "bad_request"
            await ws.send(b'{"type": "ping", "x": "\xff\xfe"}', text=True)  # invalid UTF-8 in a text frame
            with pytest.raises(ConnectionClosed) as info:
                await asyncio.wait_for(ws.recv(), 30)
            assert info.value.rcvd.code == 1007
        await bystander.send(json.dumps({"type": "analyze", "doc": "b", "version": 1, "text": NEUTRAL}))
        frames, done = await until_done(bystander, "b", 1)
        assert len(frames) == 1 and "cancelled" not in done


async def test_handshake_needs_token_host_and_allowed_origin(server):
    for url, headers, status in [
        (server.ws_url(token=""), {}, 401),
        (server.ws_url(token="wrong-token-wrong-token"), {}, 401),
        (server.ws_url(), {"Origin": "https://evil.example"}, 403),
        (server.ws_url(), {"Origin": "null"}, 403),
    ]:
        with pytest.raises(InvalidStatus) as info:
            async with websockets.connect(url, additional_headers=headers):
                pass
        assert info.value.response.status_code == status
    async with websockets.connect(server.ws_url(), origin=ORIGIN) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        assert json.loads(await ws.recv()) == {"type": "pong"}
    for host, status in [(f"evil.example:{server.port}", 403), ("", 403), ("localhost:1", 403),
                         (f"localhost:{server.port}", 101), (f"[::1]:{server.port}", 101)]:
        assert await _raw_handshake(server, host) == status, host


async def _raw_handshake(server, host: str) -> int:
    """Status of a websocket upgrade sent with exactly this Host header (a DNS-rebinding page's view)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write((f"GET /v1/stream?token={server.token} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return int(line.split()[1])


@pytest.fixture(scope="module")
def tight(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("tight"), "--set", "max_queue=40", "--set", "ws_rate=2",
                       "--set", "ws_burst=6", "--set", "max_connections=3", "--set", "max_sentences=100",
                       "--set", "send_timeout_s=2", "--set", "max_outgoing=300")
    yield srv
    srv.stop()


async def test_busy_when_the_queue_is_full(tight):
    async with websockets.connect(tight.ws_url()) as ws:
        await ws.send(json.dumps({"type": "analyze", "doc": "a", "version": 1, "text": ad(60, "busy")}))
        frames, done = await until_done(ws, "a", 1)
        assert done["cancelled"] is True and done["error"] == "busy"
        assert [f["code"] for f in frames if f["type"] == "error"] == ["busy"]
        await ws.send(json.dumps({"type": "analyze", "doc": "a", "version": 2, "text": ad(101, "many")}))
        frames, done = await until_done(ws, "a", 2)
        assert [f["code"] for f in frames if f["type"] == "error"] == ["too_large"]
        await ws.send(json.dumps({"type": "analyze", "doc": "a", "version": 3, "text": ad(20, "fits")}))
        frames, done = await until_done(ws, "a", 3)
        assert len(frames) == 20 and "cancelled" not in done


async def test_message_rate_and_connection_limits(tight):
    await asyncio.sleep(3)  # refill the bucket after the previous test
    async with websockets.connect(tight.ws_url()) as ws:
        for _ in range(12):
            await ws.send(json.dumps({"type": "ping"}))
        got = [json.loads(await asyncio.wait_for(ws.recv(), 10)) for _ in range(12)]
        assert {"type": "pong"} in got and any(m.get("code") == "rate_limited" for m in got)
        others = [await websockets.connect(tight.ws_url()) for _ in range(2)]
        try:
            async with websockets.connect(tight.ws_url()) as extra:
                with pytest.raises(ConnectionClosed) as info:
                    await asyncio.wait_for(extra.recv(), 10)
                assert info.value.rcvd.code == 1013
        finally:
            for o in others:
                await o.close()


async def test_a_client_that_never_reads_is_dropped_and_others_carry_on(tmp_path):
    srv = start_server(tmp_path, "--set", "send_timeout_s=2", "--set", "max_outgoing=300")
    text = " ".join([NEUTRAL] * 2000)  # cached after the first sentence: thousands of cheap frames
    slow = await websockets.connect(srv.ws_url(), max_queue=1)  # stops reading once one message is buffered
    try:
        async with websockets.connect(srv.ws_url()) as bystander:
            for v in range(30):
                await slow.send(json.dumps({"type": "analyze", "doc": f"s{v}", "version": 1, "text": text}))
                await bystander.send(json.dumps({"type": "ping"}))
                assert json.loads(await asyncio.wait_for(bystander.recv(), 10)) == {"type": "pong"}
                if srv.stats()["connections"] < 2:
                    break
            async with asyncio.timeout(30):
                while srv.stats()["connections"] > 1:
                    await asyncio.sleep(0.2)
            assert "stopped reading" in srv.log() or "did not read" in srv.log()
            await bystander.send(json.dumps({"type": "analyze", "doc": "ok", "version": 1, "text": NEUTRAL}))
            frames, done = await until_done(bystander, "ok", 1)
            assert len(frames) == 1 and "cancelled" not in done
    finally:
        slow.transport.abort()
        srv.stop()


def _asdict(obj):
    from dataclasses import asdict

    return asdict(obj)
