"""`biaslsp serve` with a fault injector around the real classifier (a test backend, not a mock).

    python tests/reliability/faulty_serve.py --port P [serve options]

The classifier is the embedded one, wrapped so that it
* raises on any batch holding a sentence with RAISE_MARK (a model bug on one input);
* runs out of memory on any batch of more than BIASLSP_FAULT_OOM_ABOVE sentences
  (torch.OutOfMemoryError, what a GPU model raises when a batch does not fit).
Everything else (the CLI, the app, the scheduler, the websocket) is the real server.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

RAISE_MARK = "Zqx-fault-trigger"


class FaultInjector:
    """A Classifier (models/backends.py) that delegates to `inner` and fails on purpose."""

    def __init__(self, inner, oom_above: int) -> None:
        self.inner = inner
        self.name = f"{inner.name}+faults"
        self.labels = inner.labels
        self.thresholds = inner.thresholds
        self.oom_above = oom_above

    def predict(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        if any(RAISE_MARK in s for s in sentences):
            raise RuntimeError("injected fault: the model raised on this batch")
        if self.oom_above and len(sentences) > self.oom_above:
            import torch

            oom = getattr(torch, "OutOfMemoryError", MemoryError)
            raise oom(f"injected fault: out of memory on a batch of {len(sentences)}")
        return self.inner.predict(sentences)


def main() -> int:
    import biaslsp.server.engines as engines
    from biaslsp.cli import main as cli_main
    from biaslsp.models import Engine

    real = engines.build_engine
    oom_above = int(os.environ.get("BIASLSP_FAULT_OOM_ABOVE", "0"))

    def build_faulty(opts):
        engine, device = real(opts)
        return Engine(FaultInjector(engine.classifier, oom_above), engine.rewriter, terms=engine.terms,
                      thresholds=engine.thresholds, max_chars=engine.max_chars, candidates=engine.candidates), device

    engines.build_engine = build_faulty  # cli.run imports it at call time
    return cli_main(["serve", *sys.argv[1:]])


if __name__ == "__main__":
    sys.exit(main())
