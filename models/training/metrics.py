"""The benchmark's metrics: per-label precision/recall/F1 on passages, micro- and macro-F1."""

from __future__ import annotations

from collections.abc import Sequence

from ..labels import EVAL_LABELS, NEUTRAL


def with_neutral(labels: frozenset[str] | set[str] | Sequence[str]) -> set[str]:
    s = set(labels)
    return s if s else {NEUTRAL}


def prf(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> dict[str, object]:
    """Per-label P/R/F1 over the eight labels (neutral included), micro-F1 and macro-F1."""
    per: dict[str, dict[str, float]] = {}
    tp_all = fp_all = fn_all = 0
    for label in EVAL_LABELS:
        tp = sum(1 for g, p in zip(gold, pred) if label in g and label in p)
        fp = sum(1 for g, p in zip(gold, pred) if label not in g and label in p)
        fn = sum(1 for g, p in zip(gold, pred) if label in g and label not in p)
        tp_all, fp_all, fn_all = tp_all + tp, fp_all + fp, fn_all + fn
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    micro_p = tp_all / (tp_all + fp_all) if tp_all + fp_all else 0.0
    micro_r = tp_all / (tp_all + fn_all) if tp_all + fn_all else 0.0
    micro = 2 * micro_p * micro_r / (micro_p + micro_r) if micro_p + micro_r else 0.0
    macro = sum(v["f1"] for v in per.values()) / len(per)
    return {"labels": per, "micro_f1": micro, "macro_f1": macro, "passages": len(gold)}
