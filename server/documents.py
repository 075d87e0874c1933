"""Where a document's sentences are and which to score first.

Segmentation and placement are the engine's (models.engine.segment / place);
this module only decides the order: sentences nearest the last edit first.
"""

from __future__ import annotations

from collections.abc import Sequence

from biaslsp.models.engine import place, segment  # the engine's own steps, used by the stream
from biaslsp.models.text.segment import Sentence

__all__ = ["FORMATS", "by_distance", "edit_point", "place", "segment"]

FORMATS = ("text", "markdown", "html")


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
