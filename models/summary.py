"""Document summary: counts per category, an inclusiveness score and the gender balance."""

from __future__ import annotations

from collections.abc import Sequence

from .labels import LABELS
from .types import SentenceResult, Summary

# The score's two parts (docs/score.md): the share of flagged sentences costs up to
# SHARE_WEIGHT points, each finding a further PER_FINDING points, at most FINDINGS_CAP.
SHARE_WEIGHT = 60
PER_FINDING = 2
FINDINGS_CAP = 20


def inclusiveness_score(sentences: int, flagged: int, findings: int | None = None) -> int:
    """0-100: mostly by the share of clean sentences, with a gentle penalty per finding.

    score = 100 - 60 * flagged / sentences - min(20, 2 * findings), rounded.
    One flagged sentence in twenty with two findings scores 93; six in twenty with ten
    findings 62; three in seven with four findings 66; a text where every sentence is
    flagged scores between 20 and 38. `findings` defaults to one per flagged sentence.
    Written out in docs/score.md.
    """
    if sentences <= 0:
        return 100
    found = flagged if findings is None else findings
    value = 100 - SHARE_WEIGHT * min(flagged, sentences) / sentences - min(FINDINGS_CAP, PER_FINDING * found)
    return max(0, round(value))


def _finding_count(result: SentenceResult) -> int:
    """One finding per span; a flagged sentence without a narrower span is one finding."""
    return max(1, len(result.spans)) if result.labels else 0


def summarize(results: Sequence[SentenceResult]) -> Summary:
    counts = {l: sum(1 for r in results if l in r.labels) for l in LABELS}
    flagged = sum(1 for r in results if r.labels)
    found = sum(_finding_count(r) for r in results)
    masc, fem = counts["masculine"], counts["feminine"]
    balance = "masculine" if masc > fem else "feminine" if fem > masc else "balanced"
    score = inclusiveness_score(len(results), flagged, found)
    return Summary(len(results), flagged, counts, score, masc, fem, balance, found)
