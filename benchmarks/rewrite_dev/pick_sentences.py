"""Pick the dev set's sentences from ../shared/data train and val (never the test split).

A sentence is picked when it contains a phrase that the passage's annotator quoted for a
positive label (`analysis_<label>`), or, for the machine-labelled real ads, a listed term
(`terms_list_<label>`) of a positive label. Selection is deterministic (seeded), balanced over
the seven labels and, where the data has them, over real and synthetic passages. Writes a work
file (with the sentence text, for writing references; kept outside the repo) to --out.

    python benchmarks/rewrite_dev/pick_sentences.py --out /tmp/rwdev/candidates.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import pandas as pd

from biaslsp.models import LABELS, split_sentences
from biaslsp.models.training.data import data_dir, quoted_phrases

FILES = ("val.parquet", "train-polarity-synthetic.parquet", "train-gpt4-feminine.parquet",
         "train-gpt4-masculine.parquet", "train-gpt4o-machine-labelled.parquet")
_ITEM = re.compile(r"\[Term \d+\]\[(.*?)\](?=,?\s*(?:\n|\[Term|$))", re.S)
PER_LABEL = 54
# machine-labelled "terms" that are ordinary job-ad words, not bias (the file is noisy)
GENERIC_TERMS = {"see", "type", "special", "normal", "support", "strong", "lead", "community", "committed",
                 "exciting", "understanding", "competitive salary", "motor vehicle", "scavenge", "driven"}
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
REAL_SHARE = 0.5


def listed_terms(cell: object) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [t for item in _ITEM.findall(cell) for t in re.findall(r'"(.*?)"', item)[:1] if len(t) >= 3]


def phrase_offsets(text: str, phrase: str) -> list[tuple[int, int]]:
    """Every case-insensitive occurrence of `phrase` in `text` (whitespace-flexible)."""
    pat = r"\s+".join(re.escape(w) for w in phrase.split())
    pat = (r"\b" if phrase[:1].isalnum() else "") + pat + (r"\b" if phrase[-1:].isalnum() else "")
    return [(m.start(), m.end()) for m in re.finditer(pat, text, re.I)]


def candidates(folder: Path) -> list[dict]:
    out = []
    for name in FILES:
        df = pd.read_parquet(folder / name)
        for row_index, row in enumerate(df.to_dict("records")):
            text = str(row["text"])
            synthetic = bool(row.get("synthetic", str(row.get("id", "")).startswith("Synthetic")))
            machine = name.startswith("train-gpt4o")
            found: list[tuple[int, int, str]] = []
            for label in LABELS:
                if not row.get(f"label_{label}", False):
                    continue
                phrases = [t for t in listed_terms(row.get(f"terms_list_{label}")) if t.lower() not in GENERIC_TERMS] if machine else quoted_phrases(row.get(f"analysis_{label}"))
                for ph in phrases:
                    found += [(a, b, label) for a, b in phrase_offsets(text, ph)]
            if not found:
                continue
            for s in split_sentences(text):
                inside = sorted({f for f in found if s.start <= f[0] and f[1] <= s.end})
                if not inside or not 25 <= len(s.text) <= 320 or _TAG.search(s.text) or "Note: This language" in s.text:
                    continue
                out.append({"file": name, "row": row_index, "sentence": [s.start, s.end],
                            "labels": sorted({l for *_, l in inside}, key=LABELS.index),
                            "phrases": [list(f) for f in inside], "kind": "synthetic" if synthetic else "real",
                            "text": s.text})
    return out


def select(cands: list[dict], seed: int = 14) -> list[dict]:
    rng = random.Random(seed)
    rng.shuffle(cands)
    seen, picked = set(), []
    count = {(l, k): 0 for l in LABELS for k in ("real", "synthetic")}
    per_passage: dict[tuple[str, int], int] = {}
    quota = {"real": int(PER_LABEL * REAL_SHARE), "synthetic": PER_LABEL - int(PER_LABEL * REAL_SHARE)}
    for relax in (False, True):  # second pass: fill a label's real quota with synthetic sentences
        for c in cands:
            key = re.sub(r"\W+", " ", c["text"].lower()).strip()
            pkey = (c["file"], c["row"])
            if key in seen or per_passage.get(pkey, 0) >= 2:
                continue
            label = min(c["labels"], key=lambda l: count[(l, "real")] + count[(l, "synthetic")])
            total = count[(label, "real")] + count[(label, "synthetic")]
            limit = PER_LABEL if relax else quota[c["kind"]]
            if (count[(label, c["kind"])] if not relax else total) >= limit:
                continue
            seen.add(key)
            per_passage[pkey] = per_passage.get(pkey, 0) + 1
            count[(label, c["kind"])] += 1
            picked.append(c)
    return picked


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    picked = select(candidates(data_dir(args.data)))
    picked.sort(key=lambda c: (c["labels"][0], c["kind"], c["file"], c["row"], c["sentence"][0]))
    with open(args.out, "w", encoding="utf-8") as f:
        for i, c in enumerate(picked):
            f.write(json.dumps({"id": f"rw{i:03d}", **c}, ensure_ascii=False) + "\n")
    from collections import Counter
    print(len(picked), Counter((c["labels"][0], c["kind"]) for c in picked))


if __name__ == "__main__":
    main()
