"""The span benchmark: do the highlights land on the phrases annotators quoted?

Built at run time from a benchmark parquet file (never stored): for each positive label
of a passage, the phrases quoted in its `analysis_<label>` text that occur in the passage
(case-insensitive, any run of spaces or punctuation between words) are that label's gold
character ranges. Quoted phrases that are not in the text (suggested replacements, job
titles the annotator proposes) are dropped. Only (passage, label) pairs with at least one
located phrase take part in the span figures; passage-level precision is `biaslsp eval`'s
job, so a span on a passage without the label is not counted here.

Figures (per label, real and synthetic passages apart):
- span precision / recall / F1 by character overlap: |pred ∩ gold| / |pred| and
  |pred ∩ gold| / |gold|, summed over passages (pred = characters under a span of the label);
- hit rate: the share of positive (passage, label) pairs with a located phrase where at
  least one character of a quoted phrase lies under a span of that label;
- two-label sentences: sentences containing located phrases of two or more labels, and the
  share of them whose predicted labels include all of those labels (and exactly them).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..labels import LABELS
from .data import Passage

_WORDS = re.compile(r"\w+", re.UNICODE)


def phrase_pattern(phrase: str) -> re.Pattern[str] | None:
    """A phrase's words in order, any spaces or punctuation between them, whole words."""
    words = _WORDS.findall(phrase)
    if not words:
        return None
    return re.compile(r"(?<!\w)" + r"[\W_]+".join(re.escape(w) for w in words) + r"(?!\w)", re.I)


def locate(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Character ranges of every occurrence of the quoted phrases in the text (merged)."""
    found = []
    for ph in phrases:
        if len(ph.strip()) < 3:
            continue
        pat = phrase_pattern(ph)
        if pat is not None:
            found += [(m.start(), m.end()) for m in pat.finditer(text)]
    return merge(found)


def merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[list[int]] = []
    for s, e in sorted(ranges):
        if out and s <= out[-1][1]:
            out[-1][1] = max(out[-1][1], e)
        else:
            out.append([s, e])
    return [(s, e) for s, e in out]


def overlap(a: Sequence[tuple[int, int]], b: Sequence[tuple[int, int]]) -> int:
    """Characters covered by both sets of merged ranges."""
    total, i, j = 0, 0, 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        total += max(0, hi - lo)
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return total


def length(ranges: Sequence[tuple[int, int]]) -> int:
    return sum(e - s for s, e in ranges)


@dataclass
class GoldPassage:
    """A passage's located quoted phrases per label."""

    index: int
    synthetic: bool
    spans: dict[str, list[tuple[int, int]]]


def gold_spans(passages: Sequence[Passage]) -> list[GoldPassage]:
    out = []
    for i, p in enumerate(passages):
        spans = {l: locate(p.text, p.phrases.get(l, [])) for l in p.labels}
        out.append(GoldPassage(i, p.synthetic, {l: s for l, s in spans.items() if s}))
    return out


@dataclass
class _Counts:
    inter: int = 0
    pred: int = 0
    gold: int = 0
    pairs: int = 0
    hits: int = 0

    def figures(self) -> dict[str, float | int]:
        p = self.inter / self.pred if self.pred else 0.0
        r = self.inter / self.gold if self.gold else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return {"precision": p, "recall": r, "f1": f, "hit_rate": self.hits / self.pairs if self.pairs else 0.0, "pairs": self.pairs}


@dataclass
class SpanScorer:
    """Accumulates span figures over analysed passages."""

    counts: dict[str, _Counts] = field(default_factory=lambda: {l: _Counts() for l in LABELS})
    two_label: int = 0
    two_label_found: int = 0
    two_label_exact: int = 0

    def add(self, gold: GoldPassage, sentences: Sequence[tuple[int, int, Sequence[str]]], spans: Sequence[tuple[int, int, str]]) -> None:
        """sentences: (start, end, predicted labels); spans: (start, end, label), document offsets."""
        for label, g in gold.spans.items():
            pred = merge((s, e) for s, e, l in spans if l == label)
            c = self.counts[label]
            inter = overlap(pred, g)
            c.inter, c.pred, c.gold, c.pairs = c.inter + inter, c.pred + length(pred), c.gold + length(g), c.pairs + 1
            c.hits += inter > 0
        for start, end, labels in sentences:
            want = {l for l, g in gold.spans.items() if any(s < end and e > start for s, e in g)}
            if len(want) >= 2:
                self.two_label += 1
                self.two_label_found += want <= set(labels)
                self.two_label_exact += want == set(labels)

    def result(self) -> dict[str, object]:
        per = {l: c.figures() for l, c in self.counts.items()}
        scored = [v for v in per.values() if v["pairs"]]
        total = _Counts(*(sum(getattr(c, f) for c in self.counts.values()) for f in ("inter", "pred", "gold", "pairs", "hits")))
        return {
            "labels": per,
            "macro_f1": sum(v["f1"] for v in scored) / len(scored) if scored else 0.0,
            "micro": total.figures(),
            "two_label_sentences": self.two_label,
            "two_label_all_found": self.two_label_found / self.two_label if self.two_label else 0.0,
            "two_label_exact": self.two_label_exact / self.two_label if self.two_label else 0.0,
        }
