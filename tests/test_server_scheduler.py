"""The shared micro-batching scheduler, driven with the real engine (batches recorded on the way)."""

from __future__ import annotations

import asyncio

import pytest

from biaslsp.models import default_engine
from biaslsp.server.config import SchedulerSettings
from biaslsp.server.scheduler import BACKGROUND, FOREGROUND, BusyError, LRUCache, Scheduler, Ticket, estimate_tokens


class Recorder:
    """The engine's analyze_sentences, remembering every batch it was given."""

    def __init__(self) -> None:
        self.engine = default_engine()
        self.batches: list[list[str]] = []

    def __call__(self, sentences: list[str], rewrites: bool):
        self.batches.append(list(sentences))
        return self.engine.analyze_sentences(sentences, rewrites=rewrites)


def make(**settings) -> tuple[Scheduler, Recorder]:
    rec = Recorder()
    return Scheduler(rec, SchedulerSettings(**{"linger_s": 0.0, **settings})), rec


def sentences(n: int, tag: str, words: int = 6) -> list[str]:
    return [f"{tag} {i} " + " ".join(["reports"] * words) + "." for i in range(n)]


async def test_results_are_the_engines_and_batches_respect_the_token_budget():
    sched, rec = make(token_budget=200, max_batch=64)
    items = sentences(20, "short", 4) + sentences(10, "long", 60)
    futures = sched.submit(items, [BACKGROUND] * len(items), Ticket(), rewrites=False)
    sched.start()
    try:
        results = await asyncio.gather(*futures)
    finally:
        sched.stop()
    assert [r.text for r in results] == items
    assert results == rec.engine.analyze_sentences(items, rewrites=False)
    for batch in rec.batches:
        assert max(estimate_tokens(s) for s in batch) * len(batch) <= 200 or len(batch) == 1
    # length buckets: no batch mixes the 4-word and the 60-word sentences
    assert all(len({s.split()[0] for s in b}) == 1 for b in rec.batches)
    assert sorted(s for b in rec.batches for s in b) == sorted(items)


async def test_foreground_goes_first_and_background_ages():
    sched, rec = make(max_batch=1, aging_s=0.2)
    old = sentences(3, "background")
    sched.submit(old, [BACKGROUND] * 3, Ticket(), rewrites=False)
    fresh = sched.submit(["The edited sentence, foreground."], [FOREGROUND], Ticket(), rewrites=False)
    await asyncio.sleep(0.3)  # background work has now waited longer than aging_s ...
    late = sched.submit(["A later edit, foreground too."], [FOREGROUND], Ticket(), rewrites=False)
    sched.start()
    try:
        await asyncio.gather(*fresh, *late)
    finally:
        sched.stop()
    order = [b[0] for b in rec.batches]
    assert order[0] == "The edited sentence, foreground."
    assert order.index("A later edit, foreground too.") > order.index(old[0])  # ... so it is not starved


async def test_cancelled_work_never_reaches_the_model():
    sched, rec = make()
    ticket = Ticket()
    doomed = sched.submit(sentences(30, "doomed"), [BACKGROUND] * 30, ticket, rewrites=False)
    kept = sched.submit(sentences(5, "kept"), [FOREGROUND] * 5, Ticket(), rewrites=False)
    ticket.cancel()
    sched.start()
    try:
        await asyncio.gather(*kept)
        await asyncio.sleep(0.1)
    finally:
        sched.stop()
    assert all(f.cancelled() for f in doomed)
    assert not any(s.startswith("doomed") for b in rec.batches for s in b)
    assert sched.snapshot()["dropped"] == 30 and sched.snapshot()["queued"] == 0


async def test_shared_sentences_run_once_and_survive_one_cancellation():
    sched, rec = make()
    a, b = Ticket(), Ticket()
    fa = sched.submit(["Shared sentence about reports."], [BACKGROUND], a, rewrites=False)
    fb = sched.submit(["Shared sentence about reports."], [BACKGROUND], b, rewrites=False)
    a.cancel()  # the other client still wants it
    sched.start()
    try:
        (rb,) = await asyncio.gather(*fb)
    finally:
        sched.stop()
    assert rb.text == "Shared sentence about reports." and fa[0].done()
    assert sum(b.count("Shared sentence about reports.") for b in rec.batches) == 1
    assert sched.cached("Shared sentence about reports.", False) == rb


async def test_full_queue_raises_busy_instead_of_growing():
    sched, _ = make(max_queue=10)
    sched.submit(sentences(8, "a"), [BACKGROUND] * 8, Ticket())
    with pytest.raises(BusyError):
        sched.submit(sentences(3, "b"), [BACKGROUND] * 3, Ticket())  # all or nothing
    assert sched.queued() == 8
    sched.submit(sentences(2, "c"), [BACKGROUND] * 2, Ticket())
    assert sched.queued() == 10 and sched.snapshot()["busy"] == 1


async def test_model_errors_reach_every_waiter():
    def broken(sentences, rewrites):
        raise RuntimeError("CUDA out of memory")

    sched = Scheduler(broken, SchedulerSettings(linger_s=0.0))
    futures = sched.submit(["one.", "two."], [BACKGROUND] * 2, Ticket())
    sched.start()
    try:
        results = await asyncio.gather(*futures, return_exceptions=True)
    finally:
        sched.stop()
    assert all(isinstance(r, RuntimeError) for r in results) and sched.snapshot()["model_errors"] == 1


def test_lru_cache_is_bounded():
    cache: LRUCache[int] = LRUCache(3)
    for i in range(5):
        cache.put(i, i)
    cache.get(2)
    cache.put(9, 9)
    assert len(cache) == 3 and cache.get(0) is None and cache.get(2) == 2 and cache.get(3) is None
