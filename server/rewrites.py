"""Rewrite one sentence: stream a generative rewriter's tokens, then verify every candidate.

Runs on the rewrite thread. Term rewriters go straight through Engine.rewrite; a
StreamingRewriter's first candidate is streamed piece by piece (rewrite.delta),
the rest are sampled, and Engine.verify re-classifies and ranks them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from biaslsp.models import Engine, Rewrite, Span, StreamingRewriter


def rewrite_sentence(
    engine: Engine,
    sentence: str,
    labels: Sequence[str] | None,
    n: int,
    on_delta: Callable[[str], None] | None = None,
) -> list[Rewrite]:
    """Verified candidates for `sentence`, best first; `on_delta` receives streamed pieces."""
    rewriter = engine.rewriter
    if on_delta is None or not isinstance(rewriter, StreamingRewriter):
        return engine.rewrite(sentence, labels=labels, n=n)
    found = engine.analyze_sentences([sentence], rewrites=False)[0]
    want = tuple(labels) if labels else found.labels
    spans = [s for s in found.spans if s.label in want] or [Span(0, len(sentence), l, sentence, "sentence") for l in want]
    pieces = []
    for piece in rewriter.stream(sentence, spans):
        pieces.append(piece)
        on_delta(piece)
    tidy = getattr(rewriter, "clean", str.strip)  # the cleaning its own candidates get (quotes, lead-ins)
    candidates = [tidy("".join(pieces))]
    if n > 1:  # its first candidate is the greedy one just streamed: ask for n so n - 1 new ones remain
        candidates += rewriter.candidates(sentence, spans, n)
    unique = [c for c in dict.fromkeys(c.strip() for c in candidates) if c and c != sentence]
    return engine.verify(sentence, want, unique)[:n]
