"""Turn engine results into LSP diagnostics (and the document summary).

Every diagnostic carries, in `data`, the rewrite candidates as ready-made LSP text
edits, so code actions can be answered from the diagnostic alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from lsprotocol import types

from biaslsp.models import LABELS, SentenceResult, Summary
from biaslsp.models.labels import TITLES, doc_url
from biaslsp.models.summary import summarize

from .config import Settings
from .positions import LineIndex
from .suppress import Suppressions

SOURCE = "biaslsp"
DENY_LABEL = "general"
MAX_TERM = 60  # characters of the flagged words quoted in a message; longer ones are cut with "…"

# The first words of a diagnostic message: short enough for an editor's virtual text.
# The explanation lives in the hover and behind codeDescription (docs/categories.md).
SHORT_TITLES: dict[str, str] = {
    "age": "Age-coded",
    "disability": "Ableist or needlessly physical",
    "feminine": "Feminine-coded",
    "general": "Exclusionary",
    "masculine": "Masculine-coded",
    "racial": "Racially exclusionary",
    "sexuality": "Gender or sexuality exclusion",
}


def short_message(label: str, term: str) -> str:
    """'Age-coded: ‘digital native’' — one line, whatever the length of the flagged text."""
    term = " ".join(term.split())
    if len(term) > MAX_TERM:
        term = term[: MAX_TERM - 1].rstrip() + "\u2026"
    return f"{SHORT_TITLES.get(label, TITLES.get(label, label))}: \u2018{term}\u2019"


@dataclass
class Finding:
    """One reported stretch of text, kept by the server for hover and fix-all."""

    start: int
    end: int
    label: str
    sentence: SentenceResult
    diagnostic: types.Diagnostic


def _range_json(index: LineIndex, start: int, end: int) -> dict[str, Any]:
    s, e = index.position(start), index.position(end)
    return {"start": {"line": s.line, "character": s.character}, "end": {"line": e.line, "character": e.character}}


def rewrites_for(sentence: SentenceResult, label: str) -> list:
    """Candidates that clear `label` first (they are already ranked best first)."""
    clearing = [r for r in sentence.rewrites if label in r.cleared]
    return clearing + [r for r in sentence.rewrites if r not in clearing]


def relabel(sentence: SentenceResult, settings: Settings, thresholds: dict[str, float] | None = None) -> SentenceResult:
    """Keep only enabled categories (and, for remote results, the configured thresholds)."""
    labels = sentence.labels
    if thresholds:
        labels = tuple(l for l in labels if sentence.scores.get(l, 0.0) >= thresholds.get(l, 0.0))
    labels = tuple(l for l in labels if l in settings.categories)
    if labels == sentence.labels:
        return sentence
    return replace(sentence, labels=labels, spans=tuple(s for s in sentence.spans if s.label in labels))


def build(
    text: str,
    sentences: list[SentenceResult] | tuple[SentenceResult, ...],
    index: LineIndex,
    settings: Settings,
    suppressions: Suppressions,
    version: int | None,
    masked: str,
) -> tuple[list[Finding], Summary]:
    findings: list[Finding] = []
    kept: list[SentenceResult] = []
    for sent in sentences:
        labels_kept = []
        for label in sent.labels:
            spans = [s for s in sent.spans if s.label == label]
            visible = [s for s in spans if not settings.is_allowed(s.text)]
            if spans and not visible:
                continue  # every span of this label is on the allow-list
            if not spans:
                if settings.is_allowed(sent.text):
                    continue
                lead = len(sent.text) - len(sent.text.lstrip())
                trail = len(sent.text.rstrip())
                targets = [(sent.start + lead, sent.start + trail, sent.text.strip())]
            else:
                targets = [(s.start, s.end, s.text) for s in visible]
            reported = False
            for start, end, snippet in targets:
                if suppressions.suppressed(start, index.line_of(start), label):
                    continue
                findings.append(Finding(start, end, label, sent, _diagnostic(index, settings, sent, label, start, end, snippet, version)))
                reported = True
            if reported:
                labels_kept.append(label)
        kept.append(replace(sent, labels=tuple(labels_kept)) if tuple(labels_kept) != sent.labels else sent)
    findings += _deny(text, masked, index, settings, suppressions, version)
    findings.sort(key=lambda f: (f.start, f.end, f.label))
    return findings, summarize(kept)


def _diagnostic(
    index: LineIndex, settings: Settings, sent: SentenceResult, label: str, start: int, end: int, snippet: str, version: int | None
) -> types.Diagnostic:
    cands = rewrites_for(sent, label)
    data = {
        "label": label,
        "version": version,
        "term": snippet,
        "sentence": _range_json(index, sent.start, sent.end),
        "sentenceText": sent.text,
        "scores": sent.scores,
        "rewrites": [
            {
                "text": r.text,
                "verified": r.verified,
                "preferred": r.preferred,
                "cleared": list(r.cleared),
                "remaining": list(r.remaining),
                "edits": [{"range": _range_json(index, e.start, e.end), "newText": e.new_text} for e in r.edits],
            }
            for r in cands
        ],
        "guidance": "" if cands else sent.guidance,
    }
    return types.Diagnostic(
        range=index.range(start, end),
        message=short_message(label, snippet),
        severity=settings.severity_for(label),
        code=label,
        code_description=types.CodeDescription(href=doc_url(label)),
        source=SOURCE,
        data=data,
    )


def _deny(
    text: str, masked: str, index: LineIndex, settings: Settings, suppressions: Suppressions, version: int | None
) -> list[Finding]:
    out = []
    for term in settings.deny:
        if not term.strip():
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", masked, re.I):
            if suppressions.suppressed(m.start(), index.line_of(m.start()), DENY_LABEL):
                continue
            sent = SentenceResult(m.start(), m.end(), text[m.start() : m.end()], {}, (DENY_LABEL,))
            diag = types.Diagnostic(
                range=index.range(m.start(), m.end()),
                message=f"On this project's deny-list: \u2018{text[m.start():m.end()]}\u2019",
                severity=settings.severity_for(DENY_LABEL),
                code=DENY_LABEL,
                code_description=types.CodeDescription(href=doc_url(DENY_LABEL)),
                source=SOURCE,
                data={"label": DENY_LABEL, "version": version, "term": text[m.start() : m.end()], "deny": True, "rewrites": []},
            )
            out.append(Finding(m.start(), m.end(), DENY_LABEL, sent, diag))
    return out


def summary_json(uri: str, version: int | None, summary: Summary) -> dict[str, Any]:
    return {"uri": uri, "version": version, **summary.to_dict()}


def summary_title(summary: Summary) -> str:
    parts = [f"{n} {l}" for l in LABELS if (n := summary.counts.get(l, 0))]
    return f"Inclusiveness {summary.score}/100" + (" \u00b7 " + ", ".join(parts) if parts else " \u00b7 no findings")
