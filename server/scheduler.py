"""One micro-batching scheduler shared by every connection.

Requests from all clients land in one queue; a single worker thread takes batches
for the model. Why each rule exists:

* token budget + length buckets: a batch is cut when (longest sentence x count)
  would exceed `token_budget`, and it is filled from the same power-of-two length
  bucket first, so short sentences are not padded to the length of a long one;
* two lanes with aging: the sentence being edited (FOREGROUND) goes before
  background re-scans, but a background sentence counts as if enqueued `aging_s`
  later rather than never, so re-scans cannot starve;
* bounded queue: a submit that would exceed `max_queue` raises BusyError
  (the client gets a `busy` frame) instead of growing memory without limit;
* cancellation: a Ticket marks a document version as superseded; its queued
  sentences are dropped when they reach the head of the queue, before the model;
* identical sentences queued by several clients share one model call; finished
  results go to a bounded LRU cache keyed by model and sentence;
* back-off: when the model raises on a batch (an exception, or running out of
  memory), the batch is split in halves and retried, so only the sentences that
  fail on their own get the error; the batch size and token budget are halved
  (again for each half that still runs out of memory) and double again after
  `recover_batches` batches in a row succeed.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from .config import SchedulerSettings

T = TypeVar("T")
FOREGROUND, BACKGROUND = 0, 1


class BusyError(Exception):
    """The queue is full: try again shortly (back-pressure, not a failure)."""

    code = "busy"


class Ticket:
    """Cancellation handle shared by the sentences of one document version."""

    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


def estimate_tokens(sentence: str) -> int:
    """Cheap token estimate (~4 characters a token for English subwords, plus specials)."""
    return len(sentence) // 4 + 2


class LRUCache(Generic[T]):
    """A bounded, thread-safe least-recently-used map."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Any, T] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Any) -> T | None:
        with self._lock:
            value = self._data.get(key)
            if value is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return value

    def put(self, key: Any, value: T) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


@dataclass(eq=False)
class _Waiter:
    ticket: Ticket
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


@dataclass(eq=False)
class _Job:
    key: tuple[bool, str]
    tokens: int
    waiters: list[_Waiter] = field(default_factory=list)
    taken: bool = False

    @property
    def dead(self) -> bool:
        return all(w.ticket.cancelled for w in self.waiters)


def _out_of_memory(exc: BaseException) -> bool:
    """MemoryError, torch's OutOfMemoryError (a RuntimeError), or a backend's "out of memory" message."""
    return isinstance(exc, MemoryError) or "out of memory" in str(exc).lower() or type(exc).__name__ == "OutOfMemoryError"


def _resolve(fut: asyncio.Future, value: Any = None, exc: BaseException | None = None, cancel: bool = False) -> None:
    if fut.done():
        return
    if cancel:
        fut.cancel()
    elif exc is not None:
        fut.set_exception(exc)
    else:
        fut.set_result(value)


class Scheduler(Generic[T]):
    """Collects sentences from all connections and runs them through `run` in batches.

    `run(sentences, rewrites)` returns one result per sentence (the engine's
    analyze_sentences); it is only ever called from the worker thread.
    """

    def __init__(
        self,
        run: Callable[[list[str], bool], list[T]],
        settings: SchedulerSettings,
        *,
        model_key: str = "model",
        cache_size: int = 50_000,
    ) -> None:
        self._run = run
        self.settings = settings
        self.model_key = model_key
        self.cache: LRUCache[T] = LRUCache(cache_size)
        self._buckets: dict[int, list[tuple[float, int, _Job]]] = {}
        self._index: dict[tuple[bool, str], _Job] = {}
        self._queued = 0
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.stats: dict[str, int] = {
            "batches": 0, "sentences": 0, "model_sentences": 0, "dropped": 0, "busy": 0, "shared": 0,
            "largest_batch": 0, "model_errors": 0, "failed_sentences": 0, "backoffs": 0,
        }
        # the current caps (halved on a model failure, restored while batches succeed)
        self.batch_limit = settings.max_batch
        self.token_limit = settings.token_budget
        self._ok_streak = 0

    # -- lifecycle --------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._work, name="biaslsp-scheduler", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    # -- called on the event loop ----------------------------------------

    def cached(self, sentence: str, rewrites: bool) -> T | None:
        return self.cache.get((self.model_key, rewrites, sentence))

    def queued(self) -> int:
        return self._queued

    def submit(
        self, sentences: Sequence[str], priorities: Sequence[int], ticket: Ticket, *, rewrites: bool = True
    ) -> list[asyncio.Future]:
        """Queue sentences (all or none); each future resolves to that sentence's result.

        Raises BusyError when the queue cannot take them all.
        """
        loop = asyncio.get_running_loop()
        now = time.monotonic()
        futures = []
        with self._cond:
            new = sum(1 for s in set(sentences) if (rewrites, s) not in self._index)
            if self._queued + new > self.settings.max_queue:
                self.stats["busy"] += 1
                raise BusyError(f"the server is busy ({self._queued:,} sentences queued); try again shortly")
            for sentence, prio in zip(sentences, priorities):
                key = (rewrites, sentence)
                job = self._index.get(key)
                if job is None:
                    job = _Job(key, estimate_tokens(sentence))
                    self._index[key] = job
                    self._queued += 1
                else:
                    self.stats["shared"] += 1
                fut = loop.create_future()
                job.waiters.append(_Waiter(ticket, fut, loop))
                futures.append(fut)
                # a later, more urgent request for a queued sentence adds a second heap entry;
                # whichever comes first takes the job, the other is skipped as stale
                deadline = now + (self.settings.aging_s if prio == BACKGROUND else 0.0)
                heapq.heappush(self._buckets.setdefault(job.tokens.bit_length(), []), (deadline, next(self._seq), job))
            self._cond.notify()
        return futures

    # -- worker thread ----------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._cond:
                while self._queued == 0 and not self._stopping:
                    self._cond.wait()
                if self._stopping:
                    self._cancel_all()
                    return
                short = self._queued < self.batch_limit
            if short and self.settings.linger_s > 0:
                time.sleep(self.settings.linger_s)  # let a burst of edits from other clients join
            with self._cond:
                jobs = self._take()
            if jobs:
                self._execute(jobs)

    def _head(self, bucket: int) -> _Job | None:
        """The bucket's first live job; stale and cancelled entries are discarded on the way."""
        heap = self._buckets.get(bucket)
        while heap:
            job = heap[0][2]
            if job.taken:
                heapq.heappop(heap)
                continue
            if job.dead:  # cancelled before it reached the model
                heapq.heappop(heap)
                self._finish(job)
                self.stats["dropped"] += 1
                for w in job.waiters:
                    w.loop.call_soon_threadsafe(_resolve, w.future, None, None, True)
                continue
            return job
        return None

    def _best_bucket(self) -> int | None:
        best, best_deadline = None, float("inf")
        for b in list(self._buckets):
            if self._head(b) is None:
                continue
            deadline = self._buckets[b][0][0]
            if deadline < best_deadline:
                best, best_deadline = b, deadline
        return best

    def _take(self) -> list[_Job]:
        """Pick the next batch: most urgent job first, then its length bucket, within the budget."""
        jobs: list[_Job] = []
        longest = 0
        bucket = self._best_bucket()
        rewrites = None
        while bucket is not None and len(jobs) < self.batch_limit:
            job = self._head(bucket)
            if job is None or (rewrites is not None and job.key[0] != rewrites):
                bucket = self._next_bucket(rewrites)
                if bucket is None:
                    break
                continue
            longest_after = max(longest, job.tokens)
            if jobs and longest_after * (len(jobs) + 1) > self.token_limit:
                break
            heapq.heappop(self._buckets[bucket])
            job.taken = True
            self._finish(job)
            jobs.append(job)
            longest, rewrites = longest_after, job.key[0]
        return jobs

    def _next_bucket(self, rewrites: bool | None) -> int | None:
        """The most urgent other bucket whose head can join the batch (same rewrites flag)."""
        best, best_deadline = None, float("inf")
        for b in list(self._buckets):
            job = self._head(b)
            if job is None or (rewrites is not None and job.key[0] != rewrites):
                continue
            if self._buckets[b][0][0] < best_deadline:
                best, best_deadline = b, self._buckets[b][0][0]
        return best

    def _finish(self, job: _Job) -> None:
        """Remove a job from the queue's bookkeeping (taken or dropped)."""
        job.taken = True
        if self._index.get(job.key) is job:
            del self._index[job.key]
            self._queued -= 1

    def _drop_dead(self, jobs: list[_Job]) -> list[_Job]:
        """Cancel the waiters of jobs whose every client moved on; return the jobs still wanted.

        Each job is judged once: a ticket cancelled meanwhile must not leave a job in neither list.
        """
        live = []
        for j in jobs:
            if not j.dead:
                live.append(j)
                continue
            self.stats["dropped"] += 1
            for w in j.waiters:
                w.loop.call_soon_threadsafe(_resolve, w.future, None, None, True)
        return live

    def _execute(self, jobs: list[_Job]) -> None:
        live = self._drop_dead(jobs)
        if not live:
            return
        rewrites = live[0].key[0]
        try:
            results = self._run([j.key[1] for j in live], rewrites)
        except Exception as exc:  # noqa: BLE001 - the model failed on this batch (raised, or out of memory)
            self.stats["model_errors"] += 1
            self._back_off(live)
            self._isolate(live, rewrites, exc)
            return
        self._deliver(live, results, rewrites)
        self._ok_streak += 1
        if self._ok_streak >= max(1, self.settings.recover_batches) and self.batch_limit < self.settings.max_batch:
            self._ok_streak = 0
            self.batch_limit = min(self.settings.max_batch, self.batch_limit * 2)
            self.token_limit = min(self.settings.token_budget, self.token_limit * 2)

    def _deliver(self, jobs: list[_Job], results: list[T], rewrites: bool) -> None:
        self.stats["batches"] += 1
        self.stats["model_sentences"] += len(jobs)
        self.stats["largest_batch"] = max(self.stats["largest_batch"], len(jobs))
        for j, r in zip(jobs, results):
            self.cache.put((self.model_key, rewrites, j.key[1]), r)
            for w in j.waiters:
                self.stats["sentences"] += 1
                w.loop.call_soon_threadsafe(_resolve, w.future, r)

    def _back_off(self, jobs: list[_Job]) -> None:
        """Halve the caps below the batch that failed (a smaller batch may fit in memory)."""
        self._ok_streak = 0
        if len(jobs) > 1:
            self.stats["backoffs"] += 1
            self.batch_limit = max(1, min(self.batch_limit, len(jobs) // 2))
            padded = max(j.tokens for j in jobs) * len(jobs)
            self.token_limit = max(1, min(self.token_limit, padded // 2))

    def _isolate(self, jobs: list[_Job], rewrites: bool, exc: BaseException) -> None:
        """Retry a failed batch in halves; a sentence that fails on its own gets the error."""
        if len(jobs) == 1:
            self.stats["failed_sentences"] += 1
            for w in jobs[0].waiters:
                w.loop.call_soon_threadsafe(_resolve, w.future, None, exc)
            return
        mid = len(jobs) // 2
        for half in (jobs[:mid], jobs[mid:]):
            live = self._drop_dead(half)
            if not live:
                continue
            try:
                results = self._run([j.key[1] for j in live], rewrites)
            except Exception as again:  # noqa: BLE001
                if _out_of_memory(again):  # still too big: back off further (another error may be one bad input)
                    self._back_off(live)
                self._isolate(live, rewrites, again)
            else:
                self._deliver(live, results, rewrites)

    def _cancel_all(self) -> None:
        for heap in self._buckets.values():
            for _, _, job in heap:
                for w in job.waiters:
                    try:
                        w.loop.call_soon_threadsafe(_resolve, w.future, None, None, True)
                    except RuntimeError:  # loop already closed
                        pass
        self._buckets.clear()
        self._index.clear()
        self._queued = 0

    def snapshot(self) -> dict[str, Any]:
        """Counters for /v1/stats and the benchmarks."""
        return {**self.stats, "queued": self._queued, "batch_limit": self.batch_limit, "token_limit": self.token_limit,
                "cache_entries": len(self.cache),
                "cache_hits": self.cache.hits, "cache_misses": self.cache.misses}
