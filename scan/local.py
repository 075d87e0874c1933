"""Scan on one machine: worker processes that each load the engine once and share the batches.

The main process only reads inputs and writes outputs; at most two batches per worker are
in flight, so memory stays bounded however large the input is. Rows are written in input
order, so the same input gives the same output files whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from .engine_options import EngineOptions, build
from .inputs import Bad, Record

_engine = None
_rewrites = False


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init_worker(opts: EngineOptions, rewrites: bool, threads: int) -> None:
    """Load the engine once in this worker; one torch thread per core it has, not per machine."""
    global _engine, _rewrites
    import torch

    torch.set_num_threads(threads)
    _engine = build(opts)
    _rewrites = rewrites


def _scan(records: Sequence[Record]) -> tuple[list[dict[str, Any]], list[Bad]]:
    from .rows import scan_batch

    return scan_batch(_engine, records, _rewrites)


Sink = Callable[[list[dict[str, Any]], list[Bad], int], None]


def run_local(batches: Iterator[list[Record]], sink: Sink, *, opts: EngineOptions, rewrites: bool, workers: int) -> None:
    """Scan every batch; `sink(rows, bad, n_records)` gets each batch's results in input order."""
    if workers <= 1:
        from .rows import scan_batch

        engine = None  # loaded at the first batch: resuming a finished scan loads nothing
        for batch in batches:
            engine = engine or build(opts)
            rows, bad = scan_batch(engine, batch, rewrites)
            sink(rows, bad, len(batch))
        return
    threads = max(1, cores() // workers)
    ctx = multiprocessing.get_context("spawn")  # no torch state forked into the workers
    with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(opts, rewrites, threads)) as pool:
        pending: deque[tuple[Future, int]] = deque()
        try:
            for batch in batches:
                pending.append((pool.submit(_scan, batch), len(batch)))
                while len(pending) >= 2 * workers:
                    future, n = pending.popleft()
                    sink(*future.result(), n)
            while pending:
                future, n = pending.popleft()
                sink(*future.result(), n)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
