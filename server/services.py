"""What every request handler shares: the engine, the scheduler, limits and counters."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from biaslsp.models import Engine, SentenceResult

from .config import ServerConfig
from .scheduler import BusyError, Scheduler

log = logging.getLogger("biaslsp.server")


@dataclass
class Services:
    engine: Engine
    config: ServerConfig
    scheduler: Scheduler[SentenceResult]
    rewrites: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="biaslsp-rewrite"))
    segmenter: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="biaslsp-segment"))
    connections: int = 0
    pending_rewrites: int = 0

    @classmethod
    def create(cls, engine: Engine, config: ServerConfig) -> Services:
        scheduler: Scheduler[SentenceResult] = Scheduler(
            lambda sentences, rewrites: engine.analyze_sentences(sentences, rewrites=rewrites),
            config.scheduler,
            model_key=engine.model_key,
        )
        return cls(engine, config, scheduler)

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        self.scheduler.stop()
        self.rewrites.shutdown(wait=False, cancel_futures=True)
        self.segmenter.shutdown(wait=False, cancel_futures=True)

    async def run_rewrite(self, fn: Any, *args: Any) -> Any:
        """Run a rewrite job on the rewrite thread, refusing when too many are waiting."""
        if self.pending_rewrites >= self.config.limits.max_pending_rewrites:
            raise BusyError(f"{self.pending_rewrites} rewrites are already waiting; try again shortly")
        self.pending_rewrites += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(self.rewrites, fn, *args)
        finally:
            self.pending_rewrites -= 1

    def info(self) -> dict[str, Any]:
        from biaslsp import __version__
        from biaslsp.models import LABELS, StreamingRewriter

        return {
            "version": __version__,
            "labels": list(LABELS),
            "models": {
                "classifier": self.engine.classifier.name,
                "rewriter": self.engine.rewriter.name,
                "rewriter_streams": isinstance(self.engine.rewriter, StreamingRewriter),
            },
            "thresholds": dict(self.engine.thresholds),
            "device": self.config.device,
            "limits": self.config.limits.to_dict(),
            "scheduler": self.config.scheduler.to_dict(),
        }

    def stats(self) -> dict[str, Any]:
        from .transport import COUNTERS

        return {**self.scheduler.snapshot(), "connections": self.connections, "pending_rewrites": self.pending_rewrites,
                **COUNTERS}
