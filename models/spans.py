"""Find the words that carry a sentence's bias labels.

First the term table; when no listed term explains a label, occlusion: drop each
short window of words, re-score, and keep the window whose removal lowers the
label's score the most. That works with any Classifier backend.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .backends import Classifier
from .terms import TermTable
from .types import Span

_WORD = re.compile(r"[\w'’/-]+", re.UNICODE)
OCCLUSION_WINDOW = 3
MIN_DROP = 0.25  # a window must remove at least this share of the score to be credited


def term_spans(sentence: str, labels: Sequence[str], terms: TermTable) -> list[Span]:
    return [
        Span(m.start, m.end, m.term.label, sentence[m.start : m.end], "lexicon")
        for m in terms.find(sentence, labels)
    ]


def occlusion_spans(
    sentence: str, labels: Sequence[str], classifier: Classifier, base: dict[str, float]
) -> list[Span]:
    """Spans for `labels` found by removing word windows and re-scoring."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(sentence)]
    if not labels or len(words) < 2:
        return []
    width = min(OCCLUSION_WINDOW, max(1, len(words) - 1))
    windows = [(words[i][0], words[i + width - 1][1]) for i in range(len(words) - width + 1)]
    variants = [sentence[:s] + sentence[e:] for s, e in windows]
    scores = classifier.predict(variants)
    spans = []
    for label in labels:
        drops = [base[label] - sc[label] for sc in scores]
        best = max(range(len(drops)), key=drops.__getitem__)
        if drops[best] >= MIN_DROP * base[label]:
            s, e = windows[best]
            spans.append(Span(s, e, label, sentence[s:e], "model"))
    return spans


def find_spans(
    sentence: str, labels: Sequence[str], scores: dict[str, float], classifier: Classifier, terms: TermTable
) -> list[Span]:
    """Spans for every flagged label; the whole sentence when nothing narrower is found."""
    spans = term_spans(sentence, labels, terms)
    missing = [l for l in labels if not any(s.label == l for s in spans)]
    if missing:
        spans += occlusion_spans(sentence, missing, classifier, scores)
    missing = [l for l in labels if not any(s.label == l for s in spans)]
    spans += [Span(0, len(sentence), l, sentence, "sentence") for l in missing]
    return sorted(spans, key=lambda s: (s.start, s.end, s.label))
