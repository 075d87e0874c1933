"""Load the rewrite dev set: re-read each sentence from ../shared/data and check it is unchanged.

dev.jsonl stores where a sentence is (file, row, character offsets into the passage's `text`),
its labels, the biased phrases (passage offsets) and the references written for it, never the
sentence itself; `load` puts the text back and fails loudly when the data no longer matches.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

DEV_FILE = Path(__file__).resolve().parent / "dev.jsonl"


@dataclass(frozen=True)
class DevItem:
    id: str
    file: str
    row: int
    start: int
    end: int
    text: str  # the sentence, re-read from the data
    labels: tuple[str, ...]
    phrases: tuple[tuple[int, int, str], ...]  # offsets into `text`
    kind: str  # "real" or "synthetic"
    references: tuple[str, ...]
    adjudicated: bool


class DevSetMismatch(RuntimeError):
    """The data under ../shared/data no longer holds the sentence a dev item points at."""


def load(data: Path, path: Path = DEV_FILE) -> list[DevItem]:
    import pandas as pd

    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts: dict[str, list[str]] = {}
    out = []
    for r in rows:
        if r["file"] not in texts:
            texts[r["file"]] = [str(t) for t in pd.read_parquet(data / r["file"], columns=["text"])["text"]]
        start, end = r["sentence"]
        passage = texts[r["file"]][r["row"]]
        text = passage[start:end]
        if hashlib.sha1(text.encode("utf-8")).hexdigest()[:12] != r["sha1"]:
            raise DevSetMismatch(f"{r['id']}: {r['file']} row {r['row']} [{start}:{end}] is not the sentence the dev set was built on")
        phrases = tuple((a - start, b - start, l) for a, b, l in r["phrases"])
        out.append(DevItem(r["id"], r["file"], r["row"], start, end, text, tuple(r["labels"]), phrases, r["kind"],
                           tuple(r["references"]), bool(r.get("adjudicated"))))
    return out
