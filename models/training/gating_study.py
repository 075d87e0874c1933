"""What an evidence gate does to passage-level quality, judged on out-of-fold scores.

On real job ads most wrong flags are the model's alone: no listed term and no phrase rule
backs them (models/annotations: 7 of 77 such flags were right, against 66 of 82 with a term
or rule). The gate keeps a label without such evidence only when the model is sure of it
(score >= `--min-score`). This study replays the engine's decision on the out-of-fold val
sentence scores that `biaslsp train --oof FILE` writes (the model never saw the passage it
scores), so the passage-level figure it prints is as honest as the training's own
cross-validation:

    biaslsp train --heads 1 --out /tmp/m --oof /tmp/oof.npz
    python -m biaslsp.models.training.gating_study --oof /tmp/oof.npz --min-score 0.5 0.6 0.7

Thresholds are cross-fitted like the training's (tuned on the other folds' passage maxima).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..labels import LABELS
from .metrics import prf, with_neutral


def _decide(sentences: Sequence[str], probs: np.ndarray, thresholds: dict[str, float], gate: float | None, terms) -> set[str]:  # noqa: ANN001
    """A passage's labels: the union of its sentences' labels as the engine decides them."""
    from ..engine import decide_labels

    out: set[str] = set()
    for text, p in zip(sentences, probs):
        out |= set(decide_labels(text, dict(zip(LABELS, map(float, p))), thresholds, terms, gate))
    return out


def study(oof: Path, data: Path, gates: Sequence[float]) -> dict[str, dict]:
    from ..detection.terms import load_terms
    from .data import VAL_FILE, read_passages, read_training_passages, sentence_examples
    from .train import tune_thresholds

    z = np.load(oof)
    passages = read_training_passages(data) + read_passages(data / VAL_FILE)
    examples = sentence_examples(passages)
    rotating, fold = z["rotating"], z["fold"]
    by_bag: dict[int, list[int]] = {}
    for k, bag in enumerate(z["bag"]):
        by_bag.setdefault(int(bag), []).append(k)
    y = np.array([[l in passages[b].labels for l in LABELS] for b in rotating], dtype=np.float32)
    maxima = np.stack([z["probs"][by_bag[int(b)]].max(0) for b in rotating])
    fold_thresholds = {int(k): tune_thresholds(maxima[fold != k], y[fold != k]) for k in np.unique(fold)}
    terms = load_terms()
    gold = [with_neutral(passages[b].labels) for b in rotating]
    synthetic = np.array([passages[b].synthetic for b in rotating])
    out = {}
    for gate in [None, *gates]:
        pred = []
        for i, b in enumerate(rotating):
            rows = by_bag[int(b)]
            texts = [examples[int(z["row"][k])].text for k in rows]
            pred.append(with_neutral(_decide(texts, z["probs"][rows], fold_thresholds[int(fold[i])], gate, terms)))
        name = "no gate" if gate is None else f"gate {gate:.2f}"
        part = {
            "all": prf(gold, pred),
            "synthetic": prf([g for g, s in zip(gold, synthetic) if s], [p for p, s in zip(pred, synthetic) if s]),
            "real": prf([g for g, s in zip(gold, synthetic) if not s], [p for p, s in zip(pred, synthetic) if not s]),
        }
        out[name] = {k: round(v["macro_f1"], 4) for k, v in part.items()}
        print(f"{name:<10} macro-F1 {out[name]['all']:.3f}  synthetic {out[name]['synthetic']:.3f}  real {out[name]['real']:.3f}", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> int:
    from .data import data_dir

    p = argparse.ArgumentParser(prog="python -m biaslsp.models.training.gating_study")
    p.add_argument("--oof", required=True, help="the .npz that `biaslsp train --oof FILE` wrote")
    p.add_argument("--data", help="data folder (default: $BIASLSP_DATA or ../shared/data)")
    p.add_argument("--min-score", type=float, nargs="*", default=[0.5, 0.6, 0.7], help="gate levels to compare with no gate")
    args = p.parse_args(argv)
    json.dump(study(Path(args.oof), data_dir(args.data), args.min_score), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
