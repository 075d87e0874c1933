"""GPU benchmark: the seq2seq label classifier (flan-t5-xl shape + LoRA r32) through the server's scheduler.

    .venv/bin/python benchmarks/bench_gpu_seq2seq.py [--sentences 20000] [--clients 64]
    .venv/bin/python benchmarks/bench_gpu_seq2seq.py --size tiny --device cpu   # smoke-test the script only

The model is built from a config with random weights (no download): flan-t5-xl's shape
(d_model 2048, 24+24 layers, gated-GELU), a PEFT LoRA r=32 adapter on q/k/v/o saved and
loaded through biaslsp's own loader (merged at load, bf16). Two measurements in one run:

* baseline: one sentence at a time through the classifier (generate + label likelihoods);
* scheduler: `--clients` concurrent submitters feeding the server's Scheduler, which batches
  by token budget and length bucket into Engine.analyze_sentences.

Printed: sentences/s and p50/p95 latency of both, and the ratio. Goal (issue 3): >= 5,000
sentences/s on an H100 with p50 <= 25 ms. Without CUDA it prints that it was skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

SIZES = {
    "xl": dict(d_model=2048, d_ff=5120, d_kv=64, num_heads=32, num_layers=24, num_decoder_layers=24),
    "tiny": dict(d_model=64, d_ff=128, d_kv=16, num_heads=4, num_layers=2, num_decoder_layers=2),
}


def build(folder: Path, size: str, vocab_words: int) -> tuple[Path, Path]:
    """Write a random flan-t5-shaped model, a word-level tokenizer and a LoRA r32 adapter."""
    import torch
    from peft import LoraConfig, get_peft_model
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast, T5Config, T5ForConditionalGeneration

    from biaslsp.models import LABELS

    torch.manual_seed(0)
    from corpus import BIASED, OPENERS

    words = sorted({w for s in OPENERS + BIASED for w in s.replace("{n}", "").split()} | set(LABELS) | {",", "neutral"})
    words += [f"w{i}" for i in range(vocab_words - len(words))]
    vocab = {t: i for i, t in enumerate(["<pad>", "</s>", "<unk>"] + words)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    base, adapter = folder / "base", folder / "lora"
    PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>").save_pretrained(str(base))
    cfg = T5Config(vocab_size=len(vocab), feed_forward_proj="gated-gelu", tie_word_embeddings=False,
                   pad_token_id=0, eos_token_id=1, decoder_start_token_id=0, **SIZES[size])
    with torch.device("cpu"):
        model = T5ForConditionalGeneration(cfg).to(torch.bfloat16)
    model.save_pretrained(str(base))
    peft_model = get_peft_model(model, LoraConfig(r=32, lora_alpha=64, target_modules=["q", "k", "v", "o"], task_type="SEQ_2_SEQ_LM"))
    peft_model.save_pretrained(str(adapter))
    del model, peft_model
    return base, adapter


def sentences(n: int) -> list[str]:
    from corpus import BIASED, OPENERS

    rng = random.Random(1)
    return [rng.choice(OPENERS + BIASED).replace("{n}", str(rng.randint(2, 10**6))) + f" ({i})" for i in range(n)]


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def through_scheduler(engine, items: list[str], clients: int, budget: int, max_batch: int) -> tuple[float, list[float], dict]:
    from biaslsp.server.config import SchedulerSettings
    from biaslsp.server.scheduler import FOREGROUND, Scheduler, Ticket

    sched = Scheduler(lambda s, r: engine.analyze_sentences(s, rewrites=r),
                      SchedulerSettings(token_budget=budget, max_batch=max_batch, max_queue=len(items) + 1, linger_s=0.002))
    sched.start()
    latencies: list[float] = []

    async def one_client(chunk: list[str]) -> None:
        for s in chunk:  # each client waits for its sentence, like an editor waiting for a result
            t = time.perf_counter()
            (fut,) = sched.submit([s], [FOREGROUND], Ticket(), rewrites=False)
            await fut
            latencies.append(time.perf_counter() - t)

    chunks = [items[i::clients] for i in range(clients)]
    start = time.perf_counter()
    await asyncio.gather(*(one_client(c) for c in chunks))
    elapsed = time.perf_counter() - start
    stats = sched.snapshot()
    sched.stop()
    return len(items) / elapsed, latencies, stats


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="xl")
    ap.add_argument("--device", choices=["cuda", "cpu"], default="cuda", help="cpu only makes sense with --size tiny")
    ap.add_argument("--sentences", type=int, default=20_000)
    ap.add_argument("--baseline", type=int, default=200, help="sentences for the one-at-a-time baseline")
    ap.add_argument("--clients", type=int, default=256, help="concurrent submitters (each waits for its result)")
    ap.add_argument("--token-budget", type=int, default=65_536)
    ap.add_argument("--max-batch", type=int, default=1_024)
    ap.add_argument("--vocab", type=int, default=32_128)
    args = ap.parse_args()

    import torch

    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench_gpu_seq2seq: SKIPPED - no CUDA device on this machine (torch.cuda.is_available() is False).")
        print("  Run it on a GPU host; nothing was measured. (--size tiny --device cpu smoke-tests the script.)")
        return 0
    from biaslsp.models import Engine
    from biaslsp.models.hf.classifiers import load_classifier

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        base, adapter = build(Path(tmp), args.size, args.vocab)
        clf = load_classifier(base, adapter=adapter, device=args.device)
        print(f"model {args.size} + LoRA r32 built and loaded (merged, {next(clf.model.parameters()).dtype}) "
              f"on {args.device} in {time.perf_counter() - t:.0f} s; "
              f"{sum(p.numel() for p in clf.model.parameters()) / 1e9:.2f} B parameters")
    if args.device == "cuda":
        print(f"device: {torch.cuda.get_device_name(0)}")
    engine = Engine(clf, cache_size=1)
    items = sentences(args.sentences + args.baseline)
    clf.predict(items[:8])  # warm-up (kernels, allocator)
    base_lat = []
    for s in items[: args.baseline]:
        t = time.perf_counter()
        clf.predict([s])
        if args.device == "cuda":
            torch.cuda.synchronize()
        base_lat.append(time.perf_counter() - t)
    base_rate = len(base_lat) / sum(base_lat)
    rate, lat, stats = asyncio.run(through_scheduler(engine, items[args.baseline :], args.clients, args.token_budget, args.max_batch))
    print(f"baseline one-at-a-time: {base_rate:.0f} sentences/s, p50 {1000 * statistics.median(base_lat):.1f} ms")
    print(f"scheduler ({args.clients} concurrent clients): {rate:.0f} sentences/s, p50 {1000 * pct(lat, .5):.1f} ms, "
          f"p95 {1000 * pct(lat, .95):.1f} ms; {stats['batches']} batches, largest {stats['largest_batch']}")
    print(f"ratio scheduler / baseline throughput: {rate / base_rate:.1f}x")
    print(f"goal: >= 5,000 sentences/s and p50 <= 25 ms on an H100 -> "
          f"{'met' if rate >= 5000 and pct(lat, .5) <= 0.025 else 'not met'} on this device")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
