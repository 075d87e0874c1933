"""CPU load benchmark for `biaslsp serve`: N websocket clients editing 1,000-word ads.

    .venv/bin/python benchmarks/bench_server.py [--seconds 60] [--clients 20] [--think-ms 100]

Starts the real server (embedded model) on a free loopback port. Each client opens its own
~1,000-word ad (different seed, so nothing is shared), then loops: change one sentence, send
the new version, wait for its `done`, pause `--think-ms`. Reported: edit -> result of the
edited sentence and edit -> done (p50/p95), sentence frames/s, model sentences/s, and that
every version got its `done`. Baseline in the same run: the engine re-analysing each edited
ad in full, one at a time, with no cache (what a server without cache or scheduler does).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import websockets

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from corpus import edit_one_sentence, job_ad  # noqa: E402
from serverharness import start_server  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def client(url: str, cid: int, deadline: float, think: float, out: dict) -> None:
    text = job_ad(1000, seed=100 + cid)
    async with websockets.connect(url, max_size=None) as ws:
        version = 0
        await ws.send(json.dumps({"type": "analyze", "doc": f"c{cid}", "version": version, "text": text, "format": "markdown"}))
        await _until_done(ws, version, out, None, None)
        k = 0
        while time.monotonic() < deadline:
            k += 1
            version += 1
            new = edit_one_sentence(text, k * 7 + cid)
            changed = next(i for i, (a, b) in enumerate(zip(text, new)) if a != b) if new != text else 0
            text = new
            sent = time.monotonic()
            out["sent"] += 1
            await ws.send(json.dumps({"type": "analyze", "doc": f"c{cid}", "version": version, "text": text,
                                      "format": "markdown", "cursor": changed}))
            await _until_done(ws, version, out, sent, changed)
            if think:
                await asyncio.sleep(think)


async def _until_done(ws, version: int, out: dict, sent: float | None, changed: int | None) -> None:
    first = None
    while True:
        m = json.loads(await ws.recv())
        if m["type"] == "sentence":
            out["frames"] += 1
            if sent is not None and first is None and m["start"] <= changed <= m["end"]:
                first = time.monotonic() - sent
        elif m["type"] == "done" and m["version"] == version:
            if sent is not None:
                out["done"] += 1
                out["edit_to_done"].append(time.monotonic() - sent)
                if first is not None:
                    out["edit_to_result"].append(first)
                if m.get("cancelled"):
                    out["cancelled"] += 1
            return
        elif m["type"] == "error":
            out["errors"].append(m["code"])


def baseline(edits: int) -> tuple[float, float]:
    """(seconds per edit, sentences/s) re-analysing whole ads one at a time with no cache."""
    from biaslsp.models import default_engine, split_sentences

    engine = default_engine()
    text = job_ad(1000, seed=999)
    times, sentences = [], 0
    for k in range(edits):
        text = edit_one_sentence(text, k)
        engine.clear_cache()
        t = time.perf_counter()
        engine.analyze(text, fmt="markdown")
        times.append(time.perf_counter() - t)
        sentences += len(split_sentences(text))
    return statistics.median(times), sentences / sum(times)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--think-ms", type=float, default=100.0, help="pause between a done and the next edit")
    ap.add_argument("--baseline-edits", type=int, default=10)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        srv = start_server(Path(tmp), "--set", f"max_connections={max(64, args.clients + 4)}")
        try:
            out = {"sent": 0, "done": 0, "cancelled": 0, "frames": 0, "edit_to_result": [], "edit_to_done": [], "errors": []}
            before = httpx.get(f"{srv.base}/v1/stats", headers=srv.auth).json()
            start = time.monotonic()
            deadline = start + args.seconds
            await asyncio.gather(*(client(srv.ws_url(), c, deadline, args.think_ms / 1000, out) for c in range(args.clients)))
            elapsed = time.monotonic() - start
            after = httpx.get(f"{srv.base}/v1/stats", headers=srv.auth).json()
        finally:
            srv.stop()
    base_edit, base_rate = baseline(args.baseline_edits)
    e2r, e2d = out["edit_to_result"], out["edit_to_done"]
    model = after["model_sentences"] - before["model_sentences"]
    batches = after["batches"] - before["batches"]
    print(f"server: {args.clients} clients x ~1,000-word ads, {elapsed:.0f} s, think {args.think_ms:.0f} ms")
    print(f"  edits sent {out['sent']}, done received {out['done']} (cancelled {out['cancelled']}), lost {out['sent'] - out['done']}")
    print(f"  edit -> edited sentence's result: p50 {1000 * pct(e2r, .5):.1f} ms, p95 {1000 * pct(e2r, .95):.1f} ms (n={len(e2r)})")
    print(f"  edit -> done (whole ad):          p50 {1000 * pct(e2d, .5):.1f} ms, p95 {1000 * pct(e2d, .95):.1f} ms")
    print(f"  sentence frames/s {out['frames'] / elapsed:.0f}; model sentences/s {model / elapsed:.1f} "
          f"in {batches} batches (mean {model / max(batches, 1):.1f}, largest {after['largest_batch']})")
    print(f"  errors: {sorted(set(out['errors'])) or 'none'}")
    print(f"baseline (engine.analyze per edit, no cache, one at a time): {1000 * base_edit:.0f} ms per edit, {base_rate:.0f} sentences/s")
    print(f"ratio baseline edit time / server edit->result p50: {base_edit / pct(e2r, .5):.1f}x; "
          f"/ edit->done p50: {base_edit / pct(e2d, .5):.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
