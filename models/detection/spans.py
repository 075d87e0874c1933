"""Find the words that carry each of a sentence's bias labels, one span (or more) per label.

For each flagged label, in this order, the first source that finds something wins:
1. strong curated phrases (models/detection/consistency.py), which also forced the label;
2. the term table (curated and data-derived terms of that label);
3. the model itself: the token attention heads' weights for that label
   (`token_attention`, the embedded model), the highest-weighted run of adjacent words;
4. the classifier's lexical attribution (`attribute`), then occlusion (drop each short window
   of words, re-score, keep the window whose removal lowers the label's score the most), for
   backends without attention;
5. the whole sentence.
Every span carries its own label's explanation, so a sentence flagged for two labels shows
two findings with two messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from ..backends import Classifier
from ..labels import EXPLANATIONS
from ..types import Span
from .consistency import strong_hits
from .terms import TermTable

_WORD = re.compile(r"[\w'’/-]+", re.UNICODE)
OCCLUSION_WINDOW = 3
MIN_DROP = 0.25  # a window must remove at least this share of the score to be credited
MAX_RUN = 4  # words in an attention span at most
RUN_SHARE = 0.35  # a neighbouring word joins the run when it has this share of the peak word's weight

# function words: an attention span never starts or ends on one, and one only joins a run between two heavy words
STOPWORDS = frozenset(
    """a an the and or of to in on at for with by from as is are be been being was were will would can could
    should must may might shall do does did have has had this that these those it its we our us you your they
    their them he she his her i me my who which what when where how than then so such not no nor if but also all
    any each every some very more most into onto over under about after before up out off only just""".split()
)


def _span(start: int, end: int, label: str, sentence: str, source: str) -> Span:
    return Span(start, end, label, sentence[start:end], source, EXPLANATIONS.get(label, ""))


def rule_spans(sentence: str, labels: Sequence[str]) -> list[Span]:
    return [_span(h.start, h.end, h.label, sentence, "rule") for h in strong_hits(sentence, labels)]


def term_spans(sentence: str, labels: Sequence[str], terms: TermTable) -> list[Span]:
    return [_span(m.start, m.end, m.term.label, sentence, "lexicon") for m in terms.find(sentence, labels)]


def words_of(sentence: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _WORD.finditer(sentence)]


def attention_run(sentence: str, offsets: Sequence[tuple[int, int]], weights: np.ndarray) -> tuple[int, int] | None:
    """The run of adjacent whole words that holds the label's attention peak.

    Word-piece weights are summed per word; the run starts at the heaviest content word and
    takes in neighbours with at least RUN_SHARE of its weight (a function word only between
    two such words: "born after 1995", "young and energetic"), at most MAX_RUN words."""
    words = words_of(sentence)
    if not words:
        return None
    w = np.zeros(len(words), dtype=np.float32)
    k = 0
    for (a, b), x in zip(offsets, weights.tolist()):
        while k < len(words) and words[k][1] <= a:
            k += 1
        if k < len(words) and words[k][0] < b:
            w[k] += x
    content = [sentence[s:e].lower() not in STOPWORDS for s, e in words]
    candidates = [i for i in range(len(words)) if content[i]] or list(range(len(words)))
    peak = max(candidates, key=lambda i: w[i])
    if w[peak] <= 0:
        return None
    lo = hi = peak
    bar = RUN_SHARE * w[peak]

    def grow(i: int, step: int) -> int | None:
        """The farthest index the run may extend to from i in one direction (None: not at all)."""
        j = i + step
        if not 0 <= j < len(words):
            return None
        if content[j]:
            return j if w[j] >= bar else None
        k = j + step  # a function word joins only as a bridge to a heavy content word
        if 0 <= k < len(words) and content[k] and w[k] >= bar:
            return k
        return None

    while True:
        options = []
        right, left = grow(hi, 1), grow(lo, -1)
        if right is not None and right - lo + 1 <= MAX_RUN:
            options.append((w[right], lo, right))
        if left is not None and hi - left + 1 <= MAX_RUN:
            options.append((w[left], left, hi))
        if not options:
            break
        _, lo, hi = max(options)
    return words[lo][0], words[hi][1]


def occlusion_windows(sentence: str) -> list[tuple[int, int]]:
    """Windows of up to three words whose removal is scored."""
    words = words_of(sentence)
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
            spans.append(_span(s, e, label, sentence, "model"))
    return spans


def _unexplained(labels: Sequence[str], spans: Sequence[Span]) -> list[str]:
    return [l for l in labels if not any(sp.label == l for sp in spans)]


def _without_overlap(spans: list[Span], extra: Sequence[Span]) -> list[Span]:
    """Rule spans and term spans together; where two of one label overlap, the longer one."""
    out: list[Span] = []
    for x in sorted([*spans, *extra], key=lambda sp: -(sp.end - sp.start)):
        if not any(x.label == s.label and x.start < s.end and s.start < x.end for s in out):
            out.append(x)
    return out


def drop_shadowed(spans: list[Span]) -> tuple[list[Span], set[str]]:
    """Drop a label whose only evidence is words that a strong phrase gives to another label.

    "Only applicants born after 1995" is age; the model's general attention resting on "born"
    is the same words read a second time, so general goes (the engine drops labels left
    without a span)."""
    rules = [sp for sp in spans if sp.source == "rule"]

    def rereads(sp: Span) -> bool:
        return sp.source == "model" and any(r.label != sp.label and r.start < sp.end and sp.start < r.end for r in rules)

    labels = {sp.label for sp in spans}
    shadowed = {l for l in labels if all(rereads(sp) for sp in spans if sp.label == l)}
    return [sp for sp in spans if sp.label not in shadowed], shadowed


def find_spans_batch(
    items: Sequence[tuple[str, Sequence[str], dict[str, float]]], classifier: Classifier, terms: TermTable
) -> list[list[Span]]:
    """Spans for each (sentence, flagged labels, scores); the whole sentence when nothing narrower is found."""
    found = [_without_overlap(rule_spans(s, labels), term_spans(s, labels, terms)) for s, labels, _ in items]
    attention = getattr(classifier, "token_attention", None)
    model_labels = list(getattr(classifier, "labels", ()))
    if attention is not None and model_labels:
        todo = [i for i, (_, labels, _) in enumerate(items) if _unexplained(labels, found[i])]
        for i, (offsets, weights) in zip(todo, attention([items[i][0] for i in todo]) if todo else []):
            s, labels, _ = items[i]
            for label in _unexplained(labels, found[i]):
                if label in model_labels:
                    run = attention_run(s, offsets, weights[model_labels.index(label)])
                    if run:
                        found[i].append(_span(run[0], run[1], label, s, "model"))
    attribute = getattr(classifier, "attribute", None)
    jobs = []  # (item index, missing labels, windows)
    for i, (s, labels, _) in enumerate(items):
        missing = _unexplained(labels, found[i])
        if missing and attribute is not None:
            found[i] += [_span(a, b, l, s, "model") for a, b, l in attribute(s, missing)]
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
        spans, shadowed = drop_shadowed(spans)
        spans += [_span(0, len(s), l, s, "sentence") for l in _unexplained(labels, spans) if l not in shadowed]
        out.append(join_listed(s, sorted(spans, key=lambda sp: (sp.start, sp.end, sp.label))))
    return out


_LIST_GAP = re.compile(r"\s*(?:,|,?\s*(?:and|or|&|/))\s*", re.IGNORECASE)
_SPACE_GAP = re.compile(r"[ \t]+")


def _listed(sentence: str, prev: Span, nxt: Span) -> bool:
    """Two spans form one listed run when a comma or conjunction joins them, or when two single
    words stand side by side on one line ("aggressive competitive"). Two phrases that merely touch
    ("rockstar developers works hard") are two findings."""
    if _LIST_GAP.fullmatch(sentence, prev.end, nxt.start):
        return True
    single = len(prev.text.split()) == 1 and len(nxt.text.split()) == 1
    return single and bool(_SPACE_GAP.fullmatch(sentence, prev.end, nxt.start))


def join_listed(sentence: str, spans: list[Span]) -> list[Span]:
    """One span for a listed run of one label's words: "young, energetic" or "young and
    energetic" is one finding, as a writer reads it, not two with the same advice."""
    out: list[Span] = []
    for sp in spans:
        prev = next((p for p in reversed(out) if p.label == sp.label), None)
        if prev is not None and prev.end <= sp.start and _listed(sentence, prev, sp):
            out[out.index(prev)] = Span(prev.start, sp.end, sp.label, sentence[prev.start : sp.end], prev.source, prev.explanation)
        else:
            out.append(sp)
    return out
