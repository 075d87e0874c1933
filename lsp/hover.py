"""Hover: what the finding under the cursor is, why, and which rewrites are verified.

Only what matters to the writer: the labels this sentence is flagged with (and their
scores), the explanation, and up to three rewrites, each marked verified (re-checked
and clear of every flagged label) or not, with what it still carries.
"""

from __future__ import annotations

from lsprotocol import types

from biaslsp.models.labels import EXPLANATIONS, TITLES, doc_url
from biaslsp.models.types import Rewrite

from .diagnostics import Finding, rewrites_for
from .positions import LineIndex

MAX_REWRITES = 3


def _flagged_scores(f: Finding) -> str:
    """The finding's label first, then the sentence's other flagged labels; nothing unflagged."""
    labels = [f.label] + [l for l in f.sentence.labels if l != f.label]
    return " \u00b7 ".join(f"{l} {f.sentence.scores[l]:.2f}" for l in labels if l in f.sentence.scores)


def _rewrite_line(r: Rewrite) -> str:
    if r.verified:
        status = "verified"
    elif r.remaining:
        status = f"not verified: still {', '.join(r.remaining)}"
    else:
        status = "not verified"
    return f"- \u201c{r.text.strip()}\u201d \u2014 _{status}_"


def _part(f: Finding) -> str:
    lines = [f"**{TITLES.get(f.label, f.label)}** (`{f.label}`) \u2014 biaslsp"]
    if f.sentence.scores:
        scores = _flagged_scores(f)
        if scores:
            lines.append(f"Flagged: {scores}")
        lines.append(EXPLANATIONS.get(f.label, f.sentence.explanation))
    else:
        lines.append(f.diagnostic.message)  # deny-list terms: no model scores, no explanation
    rewrites = rewrites_for(f.sentence, f.label)[:MAX_REWRITES]
    if rewrites:
        lines.append("Rewrites:\n" + "\n".join(_rewrite_line(r) for r in rewrites))
    elif f.sentence.guidance:  # no honest rewrite: say what to write instead
        lines.append(f"What to write instead: {f.sentence.guidance}")
    lines.append(f"[About this category]({doc_url(f.label)})")
    return "\n\n".join(lines)


def hover(findings: list[Finding], index: LineIndex, position: types.Position) -> types.Hover | None:
    offset = index.offset(position)
    here = [f for f in findings if f.start <= offset <= f.end]
    if not here:
        return None
    first = min(here, key=lambda f: f.start)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(_part(f) for f in here)),
        range=index.range(first.start, max(f.end for f in here)),
    )
