"""Where a document's sentences are and which to score first.

Segmentation and placement are the engine's (mask, split_sentences, restore);
this module only decides the order: sentences nearest the last edit first.
"""

from __future__ import annotations

from collections.abc import Sequence

from biaslsp.models import SentenceResult, mask, split_sentences
from biaslsp.models.engine import _restore  # the engine's own "put masked text back" step
from biaslsp.models.markup import Format
from biaslsp.models.segment import Sentence

FORMATS = ("text", "markdown", "html")


def segment(text: str, fmt: Format) -> list[Sentence]:
    """Sentences of `text` exactly as Engine.analyze finds them (masked markup, offsets kept)."""
    return split_sentences(mask(text, fmt).replace("\x00", " "))


def place(result: SentenceResult, text: str, sentence: Sentence) -> SentenceResult:
    """A cached, sentence-relative result placed into the document (original text, absolute offsets)."""
    return _restore(result, text[sentence.start : sentence.end]).shifted(sentence.start)


def edit_point(old: str | None, new: str) -> int:
    """Offset of the first character that changed since the previous version (0 for a new document)."""
    if not old:
        return 0
    n = min(len(old), len(new))
    i = 0
    step = 4096
    while i < n and old[i : i + step] == new[i : i + step]:  # compare in blocks: fast on long ads
        i += step
    i = min(i, n)
    while i < n and old[i] == new[i]:
        i += 1
    return i


def by_distance(sentences: Sequence[Sentence], point: int) -> list[int]:
    """Sentence indexes ordered by distance from `point` (the sentence containing it first)."""

    def distance(i: int) -> int:
        s = sentences[i]
        return 0 if s.start <= point <= s.end else min(abs(s.start - point), abs(s.end - point))

    return sorted(range(len(sentences)), key=lambda i: (distance(i), i))
