"""Flag precision on real job-ad sentences, judged against this project's own sentence labels.

The training labels of real ads are passage-level; `models/annotations/real_sentences.jsonl`
holds sentence-level labels made by hand with the category definitions (see its README),
keyed by data file, row and character offsets (never the text). This module picks the
sentences to label and scores the engine's flags against the adjudicated labels:

    python -m biaslsp.models.training.real_precision select --rows 120   # candidates to label (prints JSONL)
    python -m biaslsp.models.training.real_precision score                # precision of the flags, dev and test

A flag is a (sentence, label) the engine reports; it is right when the adjudicated labels of
the sentence contain the label. "before" is the model alone (thresholds only), "after" the
engine with its phrase rules (models/detection/consistency.py).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ANNOTATIONS = Path(__file__).resolve().parent.parent / "annotations" / "real_sentences.jsonl"
MACHINE = "train-gpt4o-machine-labelled.parquet"


def split_of(file: str, row: int) -> str:
    """Half the rows tune, half are held out: by a hash of (file, row), so a passage's sentences stay together."""
    h = int(hashlib.sha256(f"{file}:{row}".encode()).hexdigest(), 16)
    return "dev" if h % 2 == 0 else "test"


def _texts(data: Path, file: str) -> list[str]:
    import pandas as pd

    return pd.read_parquet(data / file, columns=["text"])["text"].tolist()


def select(data: Path, rows: int, seed: int, unflagged: int) -> list[dict]:
    """Sentences of `rows` random real ads that hold a listed term or a phrase-rule match (where
    flags come from), plus `unflagged` others. Chosen without running the model, so the
    selection does not favour the build being judged."""
    import random

    from ..detection.consistency import safe_ranges, strong_hits
    from ..detection.terms import load_terms
    from ..labels import LABELS
    from ..text.segment import split_sentences

    terms = load_terms()
    texts = _texts(data, MACHINE)
    rng = random.Random(seed)
    picked = sorted(rng.sample(range(len(texts)), rows))
    out, quiet = [], []
    for row in picked:
        for s in split_sentences(str(texts[row])):
            if len(s.text.split()) < 3:
                continue
            item = {"file": MACHINE, "row": row, "start": s.start, "end": s.end}
            if strong_hits(s.text) or safe_ranges(s.text) or terms.find(s.text, LABELS):
                out.append(item)
            else:
                quiet.append(item)
    out += rng.sample(quiet, min(unflagged, len(quiet)))
    return sorted(out, key=lambda x: (x["row"], x["start"]))


def load(path: Path = ANNOTATIONS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _figures(items: list[dict], flags: list[tuple[str, ...]]) -> dict:
    pairs = [(l, l in a["labels"]) for a, f in zip(items, flags) for l in f]
    right = sum(ok for _, ok in pairs)
    gold = sum(len(a["labels"]) for a in items)
    found = sum(1 for a, f in zip(items, flags) for l in a["labels"] if l in f)
    return {"sentences": len(items), "flags": len(pairs), "right": right, "precision": right / len(pairs) if pairs else 0.0,
            "gold_labels": gold, "recall": found / gold if gold else 0.0}


def score(data: Path) -> dict:
    """Precision (and recall) of the flags before (model and thresholds only) and after (engine), per split."""
    from ..engine import default_engine

    engine = default_engine()
    items = load()
    texts = {f: _texts(data, f) for f in {a["file"] for a in items}}
    sentences = [str(texts[a["file"]][a["row"]])[a["start"] : a["end"]] for a in items]
    after = [r.labels for r in engine.analyze_sentences(sentences, rewrites=False)]
    before = [engine.labels_for(sc) for sc in engine.score(sentences)]
    out = {}
    for split in ("dev", "test", "all"):
        keep = [i for i, a in enumerate(items) if split in ("all", a["split"])]
        out[split] = {name: _figures([items[i] for i in keep], [flags[i] for i in keep]) for name, flags in (("before", before), ("after", after))}
    return out


def main(argv: list[str] | None = None) -> int:
    from .data import data_dir

    p = argparse.ArgumentParser(prog="python -m biaslsp.models.training.real_precision")
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("select")
    s.add_argument("--rows", type=int, default=60)
    s.add_argument("--seed", type=int, default=15)
    s.add_argument("--unflagged", type=int, default=40)
    sub.add_parser("score")
    p.add_argument("--data")
    args = p.parse_args(argv)
    data = data_dir(args.data)
    if args.cmd == "select":
        for item in select(data, args.rows, args.seed, args.unflagged):
            print(json.dumps(item))
    else:
        json.dump(score(data), sys.stdout, indent=2)
        print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
