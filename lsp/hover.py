"""Hover: the category, scores, explanation and best rewrite of the finding under the cursor."""

from __future__ import annotations

from lsprotocol import types

from biaslsp.models.labels import EXPLANATIONS, TITLES, doc_url

from .diagnostics import Finding, rewrites_for
from .positions import LineIndex


def hover(findings: list[Finding], index: LineIndex, position: types.Position) -> types.Hover | None:
    offset = index.offset(position)
    here = [f for f in findings if f.start <= offset <= f.end]
    if not here:
        return None
    parts = []
    for f in here:
        scores = ", ".join(f"{k} {v:.2f}" for k, v in sorted(f.sentence.scores.items(), key=lambda kv: -kv[1]) if v >= 0.05)
        lines = [f"**{TITLES.get(f.label, f.label)}** (`{f.label}`) \u2014 biaslsp"]
        if scores:
            lines.append(f"Scores: {scores}")
        lines.append(EXPLANATIONS.get(f.label, f.sentence.explanation) if f.sentence.scores else f.diagnostic.message)
        best = rewrites_for(f.sentence, f.label)
        if best:
            lines.append(f"Best rewrite: \u201c{best[0].text.strip()}\u201d")
        lines.append(f"[About this category]({doc_url(f.label)})")
        parts.append("\n\n".join(lines))
    first = min(here, key=lambda f: f.start)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)),
        range=index.range(first.start, max(f.end for f in here)),
    )
