"""Document summary: counts per category, an inclusiveness score and the gender balance."""

from __future__ import annotations

from collections.abc import Sequence

from .labels import LABELS
from .types import SentenceResult, Summary


def inclusiveness_score(sentences: int, flagged: int) -> int:
    """100 when nothing is flagged, falling steeply as the share of flagged sentences grows.

    (1 - share)^3: one flagged sentence in ten gives 73, one in four gives 42, all give 0.
    """
    if sentences == 0:
        return 100
    return round(100 * (1 - flagged / sentences) ** 3)


def summarize(results: Sequence[SentenceResult]) -> Summary:
    counts = {l: sum(1 for r in results if l in r.labels) for l in LABELS}
    flagged = sum(1 for r in results if r.labels)
    masc, fem = counts["masculine"], counts["feminine"]
    balance = "masculine" if masc > fem else "feminine" if fem > masc else "balanced"
    return Summary(len(results), flagged, counts, inclusiveness_score(len(results), flagged), masc, fem, balance)
