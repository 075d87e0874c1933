"""Assemble dev.jsonl from the picked sentences and the two reference passes.

Re-runs the deterministic pick (pick_sentences.py) against ../shared/data, joins the pass-1
references (references_pass1.tsv) with the pass-2 corrections (references_pass2.tsv, the
adjudicated verdict wins), and writes dev.jsonl (kept sentences) and dropped.jsonl (candidates
judged not to carry the bias, with the reason). Neither file holds source text: only file names,
row numbers, character offsets and a short hash of the sentence, which the loader checks.

    python benchmarks/rewrite_dev/build_dev.py [--data DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from pick_sentences import candidates, select  # noqa: E402

from biaslsp.models.training.data import data_dir  # noqa: E402


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def read_pass(path: Path) -> dict[str, list[str]]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, *rest = line.split("\t")
            out[key] = rest
    return out


def build(folder: Path) -> tuple[list[dict], list[dict]]:
    picked = select(candidates(folder))
    picked.sort(key=lambda c: (c["labels"][0], c["kind"], c["file"], c["row"], c["sentence"][0]))
    first, second = read_pass(HERE / "references_pass1.tsv"), read_pass(HERE / "references_pass2.tsv")
    kept, dropped = [], []
    for i, c in enumerate(picked):
        rid = f"rw{i:03d}"
        p1 = first[rid]
        final, adjudicated = (second[rid], True) if rid in second else (p1, False)
        base = {"id": rid, "file": c["file"], "row": c["row"], "sentence": c["sentence"], "sha1": text_hash(c["text"]),
                "labels": c["labels"], "phrases": c["phrases"], "kind": c["kind"]}
        note = {"adjudicated": adjudicated}
        if adjudicated:
            note["pass1"] = p1[0] if p1[0] != "DROP" else "DROP: " + p1[1]
            note["why"] = final[-1]
        if final[0] == "DROP":
            dropped.append({**base, "reason": final[1], **note})
        else:
            kept.append({**base, "references": final[0].split("||"), **note})
    return kept, dropped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data")
    args = ap.parse_args()
    kept, dropped = build(data_dir(args.data))
    for name, rows in (("dev.jsonl", kept), ("dropped.jsonl", dropped)):
        with open(HERE / name, "w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"{len(kept)} kept, {len(dropped)} dropped, {sum(r['adjudicated'] for r in kept + dropped)} changed in adjudication")


if __name__ == "__main__":
    main()
