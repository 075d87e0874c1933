"""Flatten an Analysis into findings (one per span) with line and column numbers."""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from .labels import TITLES
from .types import Analysis


@dataclass(frozen=True, slots=True)
class Finding:
    start: int
    end: int
    line: int  # 1-based
    column: int  # 1-based, in characters
    label: str
    text: str
    message: str
    suggestions: tuple[str, ...]
    sentence_start: int
    sentence_end: int
    guidance: str = ""  # what to write instead, when no honest rewrite exists

    def to_dict(self) -> dict[str, object]:
        return {
            "start": self.start,
            "end": self.end,
            "line": self.line,
            "column": self.column,
            "label": self.label,
            "text": self.text,
            "message": self.message,
            "suggestions": list(self.suggestions),
            "guidance": self.guidance,
        }


def line_starts(text: str) -> list[int]:
    starts = [0]
    starts += [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    return starts


def findings(analysis: Analysis, text: str) -> list[Finding]:
    """One finding per biased span, in document order."""
    starts = line_starts(text)
    out = []
    for sent in analysis.findings:
        for span in sent.spans:
            line = bisect.bisect_right(starts, span.start) - 1
            suggestions = tuple(r.text for r in sent.rewrites if span.label in r.cleared) or tuple(r.text for r in sent.rewrites)
            message = f"{TITLES.get(span.label, span.label)}: {sent.explanation_for(span.label)}"
            out.append(
                Finding(span.start, span.end, line + 1, span.start - starts[line] + 1, span.label, span.text,
                        message, suggestions, sent.start, sent.end, "" if suggestions else sent.guidance)
            )
    return out
