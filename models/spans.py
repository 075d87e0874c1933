"""Find the words that carry a sentence's bias labels.

First the term table; when no listed term explains a label, the classifier's own
attribution if it has one (`attribute(sentence, labels)`, cheap for the embedded model);
otherwise occlusion: drop each short window of words, re-score, and keep the window whose
removal lowers the label's score the most. Occlusion works with any Classifier backend,
and the variants of all sentences go to the model in one batch.
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


def occlusion_windows(sentence: str) -> list[tuple[int, int]]:
    """Windows of up to three words whose removal is scored."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(sentence)]
    if len(words) < 2:
        return []
    width = min(OCCLUSION_WINDOW, len(words) - 1)
    return [(words[i][0], words[i + width - 1][1]) for i in range(len(words) - width + 1)]


def credit(
    sentence: str, labels: Sequence[str], base: dict[str, float], windows: Sequence[tuple[int, int]], scores: Sequence[dict[str, float]]
) -> list[Span]:
    """For each label, the window whose removal lowered its score the most (if enough)."""
    spans = []
    for label in labels:
        drops = [base[label] - sc[label] for sc in scores]
        if not drops:
            continue
        best = max(range(len(drops)), key=drops.__getitem__)
        if drops[best] >= MIN_DROP * base[label]:
            s, e = windows[best]
            spans.append(Span(s, e, label, sentence[s:e], "model"))
    return spans


def _unexplained(labels: Sequence[str], spans: Sequence[Span]) -> list[str]:
    return [l for l in labels if not any(sp.label == l for sp in spans)]


def find_spans_batch(
    items: Sequence[tuple[str, Sequence[str], dict[str, float]]], classifier: Classifier, terms: TermTable
) -> list[list[Span]]:
    """Spans for each (sentence, flagged labels, scores); the whole sentence when nothing narrower is found."""
    found = [term_spans(s, labels, terms) for s, labels, _ in items]
    attribute = getattr(classifier, "attribute", None)
    jobs = []  # (item index, missing labels, windows)
    for i, (s, labels, _) in enumerate(items):
        missing = _unexplained(labels, found[i])
        if missing and attribute is not None:
            found[i] += [Span(a, b, l, s[a:b], "model") for a, b, l in attribute(s, missing)]
            missing = _unexplained(labels, found[i])
        windows = occlusion_windows(s) if missing else []
        if windows:
            jobs.append((i, missing, windows))
    variants = [items[i][0][:a] + items[i][0][b:] for i, _, windows in jobs for a, b in windows]
    scores = classifier.predict(variants) if variants else []
    k = 0
    for i, missing, windows in jobs:
        sentence, _, base = items[i]
        found[i] += credit(sentence, missing, base, windows, scores[k : k + len(windows)])
        k += len(windows)
    out = []
    for (s, labels, _), spans in zip(items, found):
        spans += [Span(0, len(s), l, s, "sentence") for l in _unexplained(labels, spans)]
        out.append(sorted(spans, key=lambda sp: (sp.start, sp.end, sp.label)))
    return out
