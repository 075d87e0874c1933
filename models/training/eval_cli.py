"""`biaslsp eval --data PATH.parquet`: the benchmark protocol on passages.

A passage's predicted labels are the union of its sentences' labels ('neutral' when
none). Prints per-label precision/recall/F1, micro- and macro-F1 over the eight labels,
and milliseconds per passage; synthetic and real passages are also scored separately
because the labels are confounded with the source. A model trained on the file being
evaluated (the shipped one trains on val) says so, with its cross-validated figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from ..errors import BiaslspError
from ..labels import EVAL_LABELS
from .metrics import prf, with_neutral
from .span_bench import SpanScorer, gold_spans


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", required=True, help="a benchmark-style parquet file (e.g. ../shared/data/val.parquet)")
    p.add_argument("--model", help="model folder written by `biaslsp train` (default: the shipped model)")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    p.add_argument("--limit", type=int, help="evaluate only the first N passages")


def _table(title: str, metrics: dict) -> str:
    rows = [f"{title}: {metrics['passages']} passages", f"{'label':<11} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"]
    for label in EVAL_LABELS:
        m = metrics["labels"][label]
        rows.append(f"{label:<11} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['support']:8d}")
    rows.append(f"micro-F1 {metrics['micro_f1']:.3f}   macro-F1 {metrics['macro_f1']:.3f}")
    return "\n".join(rows)


def _span_table(spans: dict) -> str:
    """Span P/R/F1 (character overlap with quoted phrases) and hit rate per label, real and synthetic apart."""
    rows = ["spans (character overlap with the quoted phrases; pairs = positive passages with a located phrase)",
            f"{'label':<11} {'':>4} {'P':>6} {'R':>6} {'F1':>6} {'hit':>6} {'pairs':>6}"]
    for label in [*spans["all"]["labels"], "micro"]:
        for part in ("real", "synthetic", "all"):
            m = spans[part]["micro"] if label == "micro" else spans[part]["labels"][label]
            rows.append(f"{label:<11} {part[:4]:>4} {m['precision']:6.3f} {m['recall']:6.3f} {m['f1']:6.3f} {m['hit_rate']:6.3f} {m['pairs']:6d}")
    for part in ("real", "synthetic", "all"):
        s = spans[part]
        rows.append(f"{part}: span macro-F1 {s['macro_f1']:.3f}; sentences with two labels' phrases: {s['two_label_sentences']}, "
                    f"both labels found {s['two_label_all_found']:.3f}, exactly {s['two_label_exact']:.3f}")
    return "\n".join(rows)


def _seen_note(name: str, cv: dict) -> str:
    """Why figures on a file the model trained on are not its quality, and where the honest one is."""
    honest = cv.get("macro_f1")
    figure = f"{honest:.3f}" if isinstance(honest, (int, float)) else "not recorded"
    return (f"the model was trained on {name}, so these figures are optimistic; "
            f"its {cv.get('folds', '?')}-fold cross-validated macro-F1 on it is {figure}")


def run(args: argparse.Namespace) -> int:
    from ..embedded.classifier import EmbeddedClassifier
    from ..engine import Engine, default_engine
    from .data import read_passages

    try:
        passages = read_passages(args.data)
        engine = Engine(EmbeddedClassifier.load(args.model)) if args.model else default_engine()
    except BiaslspError as exc:
        print(f"biaslsp eval: {exc}", file=sys.stderr)
        return 2
    if args.limit:
        passages = passages[: args.limit]
    engine.analyze("warm up the model.", rewrites=False)
    gold, pred, synthetic = [], [], []
    spans = {"all": SpanScorer(), "synthetic": SpanScorer(), "real": SpanScorer()}
    start = time.perf_counter()
    for p, g in zip(passages, gold_spans(passages)):
        analysis = engine.analyze(p.text, rewrites=False)
        gold.append(with_neutral(p.labels))
        pred.append(with_neutral(set(analysis.labels)))
        synthetic.append(p.synthetic)
        sents = [(s.start, s.end, s.labels) for s in analysis.sentences]
        found = [(sp.start, sp.end, sp.label) for s in analysis.sentences for sp in s.spans]
        for key in ("all", "synthetic" if p.synthetic else "real"):
            spans[key].add(g, sents, found)
    ms = (time.perf_counter() - start) * 1000 / max(1, len(passages))
    training = getattr(engine.classifier, "config", {}).get("training", {})
    name, cv = Path(args.data).name, training.get("cross_validation")
    seen = name in training.get("files", [])
    result = {
        "model": engine.classifier.name,
        # a model trained on this file scores optimistically on it; its honest figure is the cross-validated one
        "trained_on_this_file": seen,
        "cross_validation": cv,
        "data": str(args.data),
        "ms_per_passage": round(ms, 2),
        "all": prf(gold, pred),
        "synthetic": prf([g for g, s in zip(gold, synthetic) if s], [p for p, s in zip(pred, synthetic) if s]),
        "real": prf([g for g, s in zip(gold, synthetic) if not s], [p for p, s in zip(pred, synthetic) if not s]),
        # do the highlights land on the annotators' quoted phrases (models/training/span_bench.py)
        "spans": {k: v.result() for k, v in spans.items()},
    }
    note = _seen_note(name, cv or {}) if seen else ""
    if note:
        print(f"biaslsp eval: note: {note}", file=sys.stderr)
    if args.json:
        json.dump(result, sys.stdout, indent=2)
        print()
    else:
        print(_table("all", result["all"]))
        print()
        print(f"synthetic macro-F1 {result['synthetic']['macro_f1']:.3f} ({result['synthetic']['passages']} passages); "
              f"real macro-F1 {result['real']['macro_f1']:.3f} ({result['real']['passages']} passages)")
        print()
        print(_span_table(result["spans"]))
        print(f"{ms:.1f} ms per passage ({result['model']})")
        if note:
            print(f"note: {note}")
    return 0
