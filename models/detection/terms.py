"""The term table: which words carry which bias, and what to say instead.

Used after the classifier has flagged a sentence, to point at the words that carry
the bias and to propose replacements. Detection itself is the model's job: a term
alone does not flag a sentence ("young company" is fine, "young candidates" is not).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .curated_terms import CURATED, NOT_TERMS

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"


@dataclass(frozen=True, slots=True)
class Term:
    term: str
    label: str
    replacements: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TermMatch:
    start: int
    end: int
    term: Term


def _pattern(term: str) -> str:
    parts = [re.escape(p) for p in re.split(r"[\s-]+", term.strip())]
    body = r"[\s-]+".join(parts)
    plural = "(?:s|es)?" if term[-1:].isalpha() else ""
    return rf"(?<![\w/-]){body}{plural}(?![\w/])"


class TermTable:
    """Case-insensitive, longest-match-first lookup of terms per label."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms: dict[tuple[str, str], Term] = {}
        for t in terms:
            self.terms[(t.term.lower(), t.label)] = t
        self._by_label: dict[str, tuple[re.Pattern[str], dict[str, Term]]] = {}
        labels = {label for _, label in self.terms}
        for label in labels:
            entries = sorted((t for (k, lab), t in self.terms.items() if lab == label), key=lambda t: -len(t.term))
            regex = re.compile("|".join(f"(?P<t{i}>{_pattern(t.term)})" for i, t in enumerate(entries)), re.I)
            self._by_label[label] = (regex, {f"t{i}": t for i, t in enumerate(entries)})

    def find(self, text: str, labels: Iterable[str]) -> list[TermMatch]:
        """Non-overlapping matches for the given labels, longest first."""
        found: list[TermMatch] = []
        for label in labels:
            if label not in self._by_label:
                continue
            regex, names = self._by_label[label]
            for m in regex.finditer(text):
                found.append(TermMatch(m.start(), m.end(), names[m.lastgroup]))  # type: ignore[index]
        found.sort(key=lambda m: (m.start, -(m.end - m.start)))
        kept: list[TermMatch] = []
        for m in found:
            if not kept or m.start >= kept[-1].end:
                kept.append(m)
        return kept

    def replacements(self, term: str, label: str) -> tuple[str, ...]:
        t = self.terms.get((term.lower(), label))
        return t.replacements if t else ()

    def to_json(self) -> list[dict[str, object]]:
        return [{"term": t.term, "label": t.label, "replacements": list(t.replacements)} for t in self.terms.values()]

    @classmethod
    def from_json(cls, rows: list[dict[str, object]]) -> TermTable:
        return cls(Term(str(r["term"]), str(r["label"]), tuple(r.get("replacements") or ())) for r in rows)  # type: ignore[arg-type]


def curated_terms() -> list[Term]:
    return [Term(term, label, repl) for term, (label, repl) in CURATED.items()]


@lru_cache(maxsize=4)
def load_terms(folder: Path = WEIGHTS_DIR) -> TermTable:
    """The shipped table (built by `biaslsp train`) with the curated terms on top (they win)."""
    path = Path(folder) / "terms.json"
    shipped = TermTable.from_json(json.loads(path.read_text(encoding="utf-8"))).terms.values() if path.is_file() else []
    return TermTable([t for t in shipped if (t.term.lower(), t.label) not in NOT_TERMS] + curated_terms())


def build_term_table(passages, phrase_terms, folder: Path) -> TermTable:  # noqa: ANN001 - data.Passage list
    """Curated terms plus listed terms that the training passages support.

    A candidate term from the lexicon or the machine-labelled phrases is kept for a
    label when at least half of the training passages that contain it carry that label
    (single words such as 'customer' appear everywhere and are dropped).
    """
    import pandas as pd

    candidates: dict[tuple[str, str], set[str]] = {}
    lexicon = pd.read_parquet(Path(folder) / "lexicon-taxonomy.parquet")
    for term, label in zip(lexicon["term"], lexicon["category"]):
        if isinstance(term, str) and 2 < len(term) < 60:
            candidates.setdefault((term.strip().lower(), str(label)), set())
    for term, label, suggestions in phrase_terms:
        if 2 < len(term) < 60:
            candidates.setdefault((term.lower(), label), set()).update(s for s in suggestions if s and len(s) < 60)
    texts = [" " + " ".join(p.text.lower().split()) + " " for p in passages]
    kept = {(t.term.lower(), t.label): t for t in curated_terms()}
    for (term, label), suggestions in candidates.items():
        if (term, label) in kept or (term, label) in NOT_TERMS:
            continue
        regex = re.compile(_pattern(term), re.I)
        hits = [i for i, text in enumerate(texts) if term.split()[0] in text and regex.search(text)]
        positive = sum(1 for i in hits if label in passages[i].labels)
        if hits and positive >= 2 and positive / len(hits) >= 0.5:
            kept[(term, label)] = Term(term, label, tuple(sorted(suggestions))[:3])
    return TermTable(kept.values())
