"""Load: 100 websocket clients editing documents at once against one `biaslsp serve`.

Every version sent gets exactly one `done`; every frame names a document and version its
client sent, never arrives after that version's `done`, and its offsets are sentences of
exactly that version's text; the latest version of each document finishes; the server's
queue drains, its cache stays within its bound and its memory stays bounded. Each client
first opens its two documents (all 100 at once: a cold burst), then edits for the set time;
p50/p95 from `analyze` to a finished `done` is recorded for both phases.

Bounded by default (100 clients, 10 s: BIASLSP_LOAD_SECONDS changes it); the full 60 s run
is `-m slow` or BIASLSP_SLOW=1. tests/test_server_load.py has the smaller shapes (6 and 20
clients) and the random-frame fuzz.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import time

import psutil
import pytest
import websockets
from serverharness import start_server

from biaslsp.server.documents import segment

from conftest import ROOT, slow_requested

sys.path.insert(0, str(ROOT / "benchmarks"))
from corpus import edit_one_sentence, job_ad  # noqa: E402

CLIENTS = 100
CACHE_BOUND = 50_000  # Scheduler's cache_size


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = start_server(tmp_path_factory.mktemp("load"), "--set", "max_connections=128", "--log-level", "warning")
    yield srv
    srv.stop()


class Client:
    """One editor: two documents, edits at typing-pause intervals, every frame checked."""

    def __init__(self, cid: int) -> None:
        self.cid = cid
        self.rng = random.Random(cid)
        self.texts = {f"c{cid}-{d}": job_ad(120, seed=1000 * cid + d, biased_every=4) for d in range(2)}
        self.versions = {doc: 0 for doc in self.texts}
        self.sent: dict[tuple[str, int], tuple[str, set, float]] = {}
        self.dones: dict[tuple[str, int], dict] = {}
        self.latency: list[float] = []
        self.open_latency: list[float] = []
        self.problems: list[str] = []
        self.frames = 0
        self.all_done = asyncio.Event()

    async def run(self, url: str, go: asyncio.Event, clock: dict, opened: list) -> None:
        """Open both documents, wait for `go` (every client has opened), then edit until the deadline."""
        async with websockets.connect(url, max_size=None, open_timeout=120) as ws:
            reader = asyncio.create_task(self.read(ws))
            try:
                for doc in sorted(self.texts):
                    await self.send(ws, doc)
                await self.settle()
                self.open_latency, self.latency = self.latency, []
                opened.append(self.cid)
                await go.wait()
                k = 0
                while time.monotonic() < clock["deadline"]:
                    k += 1
                    doc = self.rng.choice(sorted(self.texts))
                    self.texts[doc] = edit_one_sentence(self.texts[doc], k + self.cid)
                    await self.send(ws, doc)
                    await asyncio.sleep(self.rng.uniform(0.3, 1.5))  # a typing pause
                await self.settle()
            finally:
                reader.cancel()

    async def send(self, ws, doc: str) -> None:
        text = self.texts[doc]
        self.versions[doc] += 1
        key = (doc, self.versions[doc])
        self.sent[key] = (text, {(s.start, s.end) for s in segment(text, "markdown")}, time.monotonic())
        self.all_done.clear()
        await ws.send(json.dumps({"type": "analyze", "doc": doc, "version": key[1], "text": text, "format": "markdown"}))

    async def settle(self) -> None:
        async with asyncio.timeout(300):
            while len(self.dones) < len(self.sent):
                await self.all_done.wait()
                self.all_done.clear()

    async def read(self, ws) -> None:
        async for raw in ws:
            self.frames += 1
            m = json.loads(raw)
            if m["type"] == "error":
                self.problems.append(f"error frame {m.get('code')}")
                continue
            key = (m.get("doc"), m.get("version"))
            if key not in self.sent:
                self.problems.append(f"frame for a document/version this client never sent: {key}")
                continue
            if key in self.dones:
                self.problems.append(f"{m['type']} after the done of {key}")
                continue
            text, bounds, t0 = self.sent[key]
            if m["type"] == "sentence":
                if (m["start"], m["end"]) not in bounds:
                    self.problems.append(f"sentence {m['start']}-{m['end']} is not a sentence of {key}")
                for sp in m["spans"]:
                    if text[sp["start"]:sp["end"]] != sp["text"]:
                        self.problems.append(f"span {sp['text']!r} does not match the text of {key}")
            elif m["type"] == "done":
                self.dones[key] = m
                if not m.get("cancelled"):
                    self.latency.append(time.monotonic() - t0)
                if len(self.dones) == len(self.sent):
                    self.all_done.set()


async def _load(server, seconds: float, figures: dict, name: str) -> None:
    proc = psutil.Process(server.proc.pid)
    rss_before = proc.memory_info().rss
    clients = [Client(c) for c in range(CLIENTS)]
    go, clock, opened = asyncio.Event(), {"deadline": 0.0}, []
    peak_queue, sampling = 0, True

    async def sample() -> None:
        nonlocal peak_queue
        while sampling:
            st = await asyncio.to_thread(server.stats)
            peak_queue = max(peak_queue, st["queued"])
            await asyncio.sleep(1)

    async def start_when_open() -> None:
        async with asyncio.timeout(600):
            while len(opened) < CLIENTS:
                await asyncio.sleep(0.1)
        clock["deadline"] = time.monotonic() + seconds
        go.set()

    sampler = asyncio.create_task(sample())
    t0 = time.monotonic()
    await asyncio.gather(start_when_open(), *(c.run(server.ws_url(), go, clock, opened) for c in clients))
    wall = time.monotonic() - t0
    sampling = False
    await sampler
    rss_after = proc.memory_info().rss
    async with asyncio.timeout(30):
        while (st := server.stats())["connections"] > 0:
            await asyncio.sleep(0.2)

    problems = [p for c in clients for p in c.problems]
    assert problems == [], problems[:10]
    for c in clients:
        assert sorted(c.dones) == sorted(c.sent)  # every version: exactly one done
        for doc, latest in c.versions.items():
            if latest:
                assert not c.dones[(doc, latest)].get("cancelled"), (doc, latest)  # the latest always finishes
    assert st["queued"] == 0 and st["cache_entries"] <= CACHE_BOUND
    assert rss_after - rss_before < 512 * 2**20, (rss_before, rss_after)

    lat = sorted(x for c in clients for x in c.latency)
    q = statistics.quantiles(lat, n=100) if len(lat) > 1 else lat * 99
    op = statistics.quantiles(sorted(x for c in clients for x in c.open_latency), n=100)
    sent = sum(len(c.sent) for c in clients)
    cancelled = sum(1 for c in clients for d in c.dones.values() if d.get("cancelled"))
    figures[name] = {
        "clients": CLIENTS, "seconds": seconds, "wall_s": round(wall, 1), "versions_sent": sent,
        "dones": sum(len(c.dones) for c in clients), "finished": sent - cancelled, "superseded": cancelled,
        "frames": sum(c.frames for c in clients), "lost": 0, "misattributed": 0,
        "edit_p50_s": round(q[49], 3), "edit_p95_s": round(q[94], 3), "edit_max_s": round(lat[-1], 3),
        "open_p50_s": round(op[49], 3), "open_p95_s": round(op[94], 3),
        "rss_before_mb": round(rss_before / 2**20), "rss_after_mb": round(rss_after / 2**20),
        "peak_queue": peak_queue, "cache_entries": st["cache_entries"], "model_sentences": st["model_sentences"],
        "batches": st["batches"], "largest_batch": st["largest_batch"], "dropped_before_model": st["dropped"],
    }
    print(json.dumps(figures[name]))


async def test_100_clients_bounded(server, figures):
    await _load(server, float(os.environ.get("BIASLSP_LOAD_SECONDS", "10")), figures, "load_bounded")


@pytest.mark.slow
async def test_100_clients_60_seconds(server, figures, request):
    if not slow_requested(request.config):
        pytest.skip("the 60 s load runs with -m slow or BIASLSP_SLOW=1 (the bounded version ran)")
    await _load(server, 60.0, figures, "load_60s")
