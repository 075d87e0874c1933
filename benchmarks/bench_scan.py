"""`biaslsp scan` throughput on this machine: ads/s, scaling from 1 to 2 workers, Ray local, peak memory.

    python benchmarks/bench_scan.py [--ads 10000] [--sentences 10]

Ads are built at run time (nothing stored): each is `--sentences` sentences sampled from
examples/job-ad.md and the benchmark corpus's templates with random numbers (so most
sentences are new to the engine's cache, as in a real library), one biased sentence in
four. Every run is a real `biaslsp scan` subprocess on the same Parquet input; ads/s is
the number of ads over the whole command's wall time (engine load included), memory the
peak sum of resident memory over the command's process tree (workers and Ray included;
shared pages count once per process). Baseline: one local worker in the same run.
"""

from __future__ import annotations

import argparse
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import BIASED, OPENERS  # noqa: E402


def example_sentences() -> tuple[list[str], list[str]]:
    """Sentences of the example ad (list markers and Markdown stripped), split into neutral and biased ones."""
    text = (ROOT / "examples" / "job-ad.md").read_text(encoding="utf-8")
    text = re.sub(r"(?<=[a-z,])\n(?=[a-z])", " ", text)  # re-join wrapped paragraph lines
    lines = [re.sub(r"^[-#*\s]+|\*\*", "", l).strip() for l in text.splitlines()]
    sentences = [s for l in lines if l and "](" not in l for s in re.split(r"(?<=\.)\s+", l) if len(s.split()) > 3]
    biased_words = ("young", "rockstar", "ative", "lift", "top-tier", "aggressive", "He/she", "digital native", "caring")
    biased = [s for s in sentences if any(w in s for w in biased_words)]
    return [s for s in sentences if s not in biased], biased


def build_ads(n: int, sentences: int, seed: int = 11) -> list[dict]:
    rng = random.Random(seed)
    neutral, biased = example_sentences()
    biased += BIASED
    ads = []
    for i in range(n):
        parts = []
        for k in range(sentences):
            if k == sentences // 2 and i % 4 == 0:
                parts.append(rng.choice(biased))
            elif rng.random() < 0.25:
                parts.append(rng.choice(neutral))
            else:
                parts.append(rng.choice(OPENERS).format(n=rng.randint(2, 99_999)))
        ads.append({"id": f"bench-{i:06d}", "text": " ".join(parts)})
    return ads


def peak_tree_rss_mb(proc: subprocess.Popen, stop: threading.Event, out: list[float]) -> None:
    import psutil

    peak = 0.0
    try:
        root = psutil.Process(proc.pid)
        while not stop.is_set():
            try:
                procs = [root] + root.children(recursive=True)
                peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20)
            except psutil.Error:
                pass
            time.sleep(0.25)
    except psutil.Error:
        pass
    out.append(peak)


def run(name: str, src: Path, work: Path, n: int, extra: list[str]) -> dict:
    out = work / f"out-{name}"
    cmd = [sys.executable, "-m", "biaslsp", "scan", str(src), "--out", str(out), "--quiet", *extra]
    stop, peak = threading.Event(), []
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    watcher = threading.Thread(target=peak_tree_rss_mb, args=(proc, stop, peak))
    watcher.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode != 0:
        raise SystemExit(f"{name}: exit {proc.returncode}\n{err[-3000:]}")
    from biaslsp.scan.writer import read_rows

    rows = len(read_rows(out))
    assert rows == n, (name, rows, n)
    return {"name": name, "wall": wall, "ads_s": n / wall, "peak_mb": peak[0] if peak else float("nan")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ads", type=int, default=10_000)
    ap.add_argument("--sentences", type=int, default=10, help="sentences per ad")
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--no-ray", action="store_true")
    args = ap.parse_args()

    import os

    import pyarrow as pa
    import pyarrow.parquet as pq

    work = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    try:
        ads = build_ads(args.ads, args.sentences)
        src = work / "ads.parquet"
        pq.write_table(pa.Table.from_pylist(ads), src)
        chars = sum(len(a["text"]) for a in ads) / len(ads)
        print(f"{args.ads:,} ads of {args.sentences} sentences ({chars:.0f} characters on average), "
              f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at start")
        common = ["--batch-size", str(args.batch_size)]
        runs = [run("local, 1 worker", src, work, args.ads, ["--workers", "1", *common]),
                run("local, 2 workers", src, work, args.ads, ["--workers", "2", *common])]
        if not args.no_ray:
            runs.append(run("Ray local, 2 workers", src, work, args.ads, ["--ray", "--workers", "2", *common]))
        base = runs[0]["ads_s"]
        print(f"\n| run | wall s | ads/s | vs 1 worker | peak memory (process tree) |\n| --- | ---: | ---: | ---: | ---: |")
        for r in runs:
            print(f"| {r['name']} | {r['wall']:.1f} | {r['ads_s']:.2f} | {r['ads_s'] / base:.2f}× | {r['peak_mb']:.0f} MB |")
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
