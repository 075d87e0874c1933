"""The embedded sentence rewriter (v2): job-ad patterns first, term-table swaps as a fallback.

Pattern candidates rewrite the requirement itself; term swaps (the v1 rewriter) are only
tried for sentences no pattern covers. Neither is offered unverified: the engine checks
grammar, the classifier and the meaning of every candidate.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..detection.terms import TermTable
from ..types import Span
from .grammar import tidy
from .library import PatternLibrary, default_library


class SentenceRewriter:
    """Rewriter backed by the patterns folder and the term table; needs no model download."""

    name = "embedded-patterns"

    def __init__(self, terms: TermTable | None = None, library: PatternLibrary | None = None) -> None:
        from .term_rewriter import TermRewriter

        self.library = library or default_library()
        self.fallback = TermRewriter(terms)

    def candidates(self, sentence: str, spans: Sequence[Span], n: int) -> list[str]:
        plan = self.library.plan(sentence, {s.label for s in spans}, n)
        if plan.matched:  # a pattern covers the sentence: its rewrites, or none when it blocks
            return list(plan.candidates)
        swaps = [tidy(c, sentence) for c in self.fallback.candidates(sentence, spans, n)]
        return [c for c in dict.fromkeys(swaps) if c != sentence]

    def guidance(self, sentence: str, labels: Iterable[str]) -> str:
        return self.library.guidance(sentence, labels)
