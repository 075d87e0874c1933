"""Is a rewrite's meaning the original's? Two measures, both blind to the biased words.

A rewrite is meant to change the biased wording and nothing else, so both measures look
at the sentence with its biased stretches (flagged spans and pattern matches) taken out:
- `masked_original`: the original with those stretches removed; the engine embeds it and
  takes the cosine with the candidate's embedding (masked-span embedding cosine);
- `content_kept`: the share of the original's other content words (lemmas, stop words
  aside) that the candidate still has. Dropping the rest of a requirement ('Native English
  speaker with excellent communication skills' -> 'Excellent communication skills') keeps
  the embedding close but loses words; a fluent paraphrase keeps both.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ..types import Span
from .inflection import lemmas
from .library import PatternLibrary

_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+")


def bias_regions(sentence: str, spans: Iterable[Span], library: PatternLibrary) -> list[tuple[int, int]]:
    """Character ranges of the biased wording: narrow spans, and every pattern match."""
    out = [(s.start, s.end) for s in spans if s.source != "sentence" and s.end > s.start]
    for rule in library.matching(sentence):
        kept_groups = set(re.findall(r"\\g<(\w+)>|\{(?:gerund|cap|like|title):(\w+)", " ".join(rule.replace)))
        names = {g for pair in kept_groups for g in pair if g} - {"v"}  # a verb inflected anew is not kept content
        for m in rule.regex.finditer(sentence):
            if m.end() <= m.start():
                continue
            pos = m.start()
            for name in sorted(names, key=lambda n: m.start(n) if n in m.groupdict() else -1):
                if name in m.groupdict() and m.group(name) and m.start(name) >= pos:
                    out.append((pos, m.start(name)))
                    pos = m.end(name)
            out.append((pos, m.end()))
    return sorted((s, e) for s, e in out if e > s)


def _outside(sentence: str, regions: Sequence[tuple[int, int]]) -> str:
    keep, pos = [], 0
    for s, e in sorted(regions):
        if s > pos:
            keep.append(sentence[pos:s])
        pos = max(pos, e)
    keep.append(sentence[pos:])
    return " ".join(k.strip() for k in keep if k.strip())


def masked_original(sentence: str, regions: Sequence[tuple[int, int]]) -> str:
    """The original without its biased stretches (what a rewrite must still say)."""
    return _outside(sentence, regions) or sentence


def _stop_words() -> frozenset[str]:
    from ..text.segment import _import_spacy

    _import_spacy()  # spaCy without its CLI and thinc's torch (models/text/segment.py), if it is not loaded yet
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(STOP_WORDS)


def _lemma(word: str) -> str:
    low = word.lower()
    found = lemmas(low)
    for pos in ("NOUN", "VERB", "ADJ", "ADV", "AUX"):
        if pos in found:
            return found[pos][0]
    return low


def content_words(text: str) -> int:
    stop = _stop_words()
    return sum(1 for w in _WORD.findall(text) if w.lower() not in stop)


def content_kept(original: str, candidate: str, regions: Sequence[tuple[int, int]]) -> float:
    """Share of the original's content words outside the biased stretches that the candidate keeps."""
    stop = _stop_words()
    words = [w.lower() for w in _WORD.findall(_outside(original, regions)) if w.lower() not in stop]
    if not words:
        return 1.0
    said = {w.lower() for w in _WORD.findall(candidate)}
    changed = [w for w in words if w not in said]
    if not changed:  # every word kept as written: no lemma needed (lemminflect's table costs ~0.3 s to load)
        return 1.0
    have = {_lemma(w) for w in said}
    return (len(words) - len(changed) + sum(1 for w in changed if _lemma(w) in have)) / len(words)
