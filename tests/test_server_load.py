"""Many clients editing at once: every version gets its done, nothing is lost, bad frames never hurt.

The bounded version runs by default; the `slow` one is the benchmark's shape (20 clients, 30 s).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest
import websockets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from serverharness import start_server
from websockets.sync.client import connect as connect_sync

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from corpus import edit_one_sentence, job_ad  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("load"), "--set", "ws_rate=10000", "--set", "ws_burst=10000")
    yield srv
    srv.stop()


async def _editor(url: str, cid: int, edits: int, words: int, skip_waits: bool) -> tuple[int, list[dict], list[str]]:
    """Send `edits` versions (sometimes without waiting, so older ones get cancelled); collect the dones."""
    text = job_ad(words, seed=500 + cid)
    dones, errors = [], []
    async with websockets.connect(url, max_size=None) as ws:
        for v in range(edits):
            text = edit_one_sentence(text, v + cid)
            await ws.send(json.dumps({"type": "analyze", "doc": "ad", "version": v, "text": text, "format": "markdown"}))
            if skip_waits and v % 3 != 2:
                continue  # typing on: the next version supersedes this one
            async with asyncio.timeout(120):
                while len(dones) <= v:
                    m = json.loads(await ws.recv())
                    if m["type"] == "done":
                        dones.append(m)
                    elif m["type"] == "error":
                        errors.append(m["code"])
        async with asyncio.timeout(120):
            while len(dones) < edits:
                m = json.loads(await ws.recv())
                if m["type"] == "done":
                    dones.append(m)
    return edits, dones, errors


async def _load(server, clients: int, edits: int, words: int) -> None:
    results = await asyncio.gather(*(_editor(server.ws_url(), c, edits, words, skip_waits=c % 2 == 0) for c in range(clients)))
    for sent, dones, errors in results:
        assert [d["version"] for d in dones] == list(range(sent))  # every version, once, in order
        assert not dones[-1].get("cancelled")  # the latest version is always finished
        assert errors == []


async def test_concurrent_editors_bounded(server):
    await _load(server, clients=6, edits=6, words=300)


@pytest.mark.slow
async def test_concurrent_editors_long(server, request):
    markexpr = request.config.getoption("markexpr") or ""
    if not (os.environ.get("BIASLSP_SLOW") == "1" or ("slow" in markexpr and "not slow" not in markexpr)):
        pytest.skip("long load test: run with -m slow or BIASLSP_SLOW=1 (the bounded version ran)")
    await _load(server, clients=20, edits=40, words=1000)


frames = st.one_of(
    st.text(max_size=200),
    st.dictionaries(st.sampled_from(["type", "doc", "version", "text", "id", "start", "end", "n", "labels", "cursor", "format"]),
                    st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6), st.text(max_size=50),
                              st.sampled_from(["analyze", "rewrite", "cancel", "ping"]), st.lists(st.text(max_size=8), max_size=3)),
                    max_size=8).map(json.dumps),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames)
def test_any_frame_gets_an_answer_and_the_connection_survives(server, frame):
    with connect_sync(server.ws_url(), open_timeout=30) as ws:
        ws.send(frame)
        ws.send(json.dumps({"type": "ping"}))
        seen = []
        while True:  # whatever the frame did (error, results, nothing), the ping is answered
            m = json.loads(ws.recv(timeout=60))
            seen.append(m["type"])
            if m["type"] == "pong":
                break
            assert m["type"] in ("error", "sentence", "done", "rewrite.delta", "rewrite.done")
            if m["type"] == "error":
                assert m["code"] in ("bad_request", "unknown_type", "too_large", "busy", "rate_limited", "model_error")
