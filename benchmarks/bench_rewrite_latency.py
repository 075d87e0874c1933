"""Rewriter v2 speed: edit -> results for a flagged sentence, on 2 threads (prints figures; asserts nothing).

    python benchmarks/bench_rewrite_latency.py

The worst case for an edit is one inside a flagged sentence: the engine must score it,
build rewrite candidates, and verify them (grammar, classifier and meaning in one encoder
pass). Measured in the same run against the v1 term rewriter (same verification) and
against labels only (no rewrites). Goal: edit -> diagnostics p95 <= 50 ms on 2 cores.
Also prints the share of the example ad's flagged sentences that get a verified rewrite.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    import torch

    torch.set_num_threads(2)
    from biaslsp.models import Engine, default_engine
    from biaslsp.models.rewriting.term_rewriter import TermRewriter

    v2 = default_engine()
    v1 = Engine(v2.classifier, TermRewriter(v2.terms))
    ad = (ROOT / "examples" / "job-ad.md").read_text(encoding="utf-8")
    flagged = [s for s in v2.analyze(ad, fmt="markdown").findings]
    print(f"threads={torch.get_num_threads()}; examples/job-ad.md: {len(flagged)} flagged sentences")

    def edits(k: int) -> str:
        s = flagged[k % len(flagged)]
        body = ad[s.start : s.end]
        new = re.sub(r"([.!?]?)$", f" (v{k})\\1", body.rstrip(), count=1)
        return ad[: s.start] + new + ad[s.start + len(body.rstrip()) :]

    rows = {}
    for name, engine, rewrites in (("labels only", v2, False), ("v1 term rewriter", v1, True), ("v2 patterns", v2, True)):
        engine.analyze(ad, fmt="markdown", rewrites=rewrites)
        times = []
        for k in range(60):
            doc = edits(k)
            t = time.perf_counter()
            engine.analyze(doc, fmt="markdown", rewrites=rewrites)
            times.append((time.perf_counter() - t) * 1000)
        rows[name] = times[5:]
        print(f"{name:18s} edit in a flagged sentence -> result: p50 {pct(rows[name], .5):.1f} ms, p95 {pct(rows[name], .95):.1f} ms")
    print(f"ratio v2 / v1 (p95): {pct(rows['v2 patterns'], .95) / pct(rows['v1 term rewriter'], .95):.2f}x; "
          f"v2 / labels only (p95): {pct(rows['v2 patterns'], .95) / pct(rows['labels only'], .95):.2f}x  (goal p95 <= 50 ms)")
    for name, engine in (("v1", v1), ("v2", v2)):
        engine.clear_cache()
        found = engine.analyze(ad, fmt="markdown").findings
        print(f"{name}: {sum(1 for s in found if s.rewrites)}/{len(found)} flagged sentences with a verified rewrite; "
              f"{sum(1 for s in found if not s.rewrites and s.guidance)} with guidance instead")


if __name__ == "__main__":
    sys.exit(main())
