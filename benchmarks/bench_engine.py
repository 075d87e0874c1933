"""Engine speed and memory on 2 CPU cores (prints figures; asserts nothing).

    python benchmarks/bench_engine.py

Figures: cold analysis of a 1,000-word ad (model loaded, cache empty), re-analysis
after a one-sentence edit (the cache reuses unchanged sentences), batched sentences/s
against one sentence at a time, and resident memory with the model loaded.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import edit_one_sentence, job_ad  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def ms(f) -> float:  # noqa: ANN001
    t = time.perf_counter()
    f()
    return (time.perf_counter() - t) * 1000


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def main() -> None:
    import torch

    from biaslsp.models import default_engine, split_sentences

    t0 = time.perf_counter()
    engine = default_engine()
    load_s = time.perf_counter() - t0
    ad = job_ad(1000)
    n_sent = len(split_sentences(ad))
    print(f"threads={torch.get_num_threads()} ad: {len(ad.split())} words, {n_sent} sentences; model load {load_s:.2f} s")
    engine.analyze("Warm up the model once.")

    cold, cold_nr = [], []
    for _ in range(5):
        engine.clear_cache()
        cold.append(ms(lambda: engine.analyze(ad)))
        engine.clear_cache()
        cold_nr.append(ms(lambda: engine.analyze(ad, rewrites=False)))
    print(f"cold analyze (spans+rewrites): median {statistics.median(cold):.0f} ms  (goal <= 300 ms)")
    print(f"cold analyze (labels only):    median {statistics.median(cold_nr):.0f} ms")

    engine.clear_cache()
    engine.analyze(ad)
    edits = []
    for k in range(30):
        edited = edit_one_sentence(ad, k)
        edits.append(ms(lambda: engine.analyze(edited)))
    print(f"re-analyse after a one-sentence edit: p50 {pct(edits, .5):.1f} ms, p95 {pct(edits, .95):.1f} ms  (goal <= 30 ms)")
    print(f"  ratio cold / edit (p50): {statistics.median(cold) / pct(edits, .5):.1f}x")

    sentences = [s.text for s in split_sentences(job_ad(6000, seed=3))][:512]
    batched = ms(lambda: engine.classifier.predict(sentences))
    single = ms(lambda: [engine.classifier.predict([s]) for s in sentences[:64]]) * len(sentences) / 64
    print(f"throughput: batched {len(sentences) / batched * 1000:.0f} sentences/s, one at a time {len(sentences) / single * 1000:.0f} sentences/s "
          f"(ratio {single / batched:.1f}x)")
    print(f"resident memory with the model loaded: {rss_mb():.0f} MB  (goal <= 1024 MB)")


if __name__ == "__main__":
    main()
