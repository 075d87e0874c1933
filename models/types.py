"""Result types of the engine. Offsets are character offsets into the analysed text."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of text that carries a bias label."""

    start: int
    end: int
    label: str
    text: str
    source: str = "lexicon"  # "lexicon", "rule", "model" or "sentence" (no narrower span known)
    # why this label, for this span: each flagged label of a sentence has its own span and message
    explanation: str = ""

    def shifted(self, offset: int) -> Span:
        return Span(self.start + offset, self.end + offset, self.label, self.text, self.source, self.explanation)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace text[start:end] with new_text."""

    start: int
    end: int
    new_text: str

    def shifted(self, offset: int) -> Edit:
        return Edit(self.start + offset, self.end + offset, self.new_text)


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A candidate rewrite of one sentence, verified by re-classifying it."""

    text: str  # the whole rewritten sentence
    edits: tuple[Edit, ...]  # minimal edits that turn the sentence into `text`
    cleared: tuple[str, ...]  # labels the original had and the rewrite no longer has
    remaining: tuple[str, ...]  # labels the rewrite still has
    verified: bool  # True when every flagged label was cleared
    score: float  # highest remaining label score (lower is better)
    source: str = "embedded"
    # cosine similarity of the rewrite's sentence embedding with the original's (meaning kept);
    # None when the classifier has no embedder (Hugging Face backends)
    meaning: float | None = None
    # the one rewrite a front-end may apply without asking (quick-fix "preferred", "Fix all"):
    # the first verified candidate; an unverified candidate is never preferred
    preferred: bool = False

    def shifted(self, offset: int) -> Rewrite:
        return Rewrite(
            self.text,
            tuple(e.shifted(offset) for e in self.edits),
            self.cleared,
            self.remaining,
            self.verified,
            self.score,
            self.source,
            self.meaning,
            self.preferred,
        )


@dataclass(frozen=True, slots=True)
class SentenceResult:
    """Everything the engine found in one sentence."""

    start: int
    end: int
    text: str
    scores: dict[str, float]
    labels: tuple[str, ...]
    spans: tuple[Span, ...] = ()
    explanation: str = ""
    rewrites: tuple[Rewrite, ...] = ()
    # what to tell the writer when the sentence is flagged but no verified rewrite exists
    # (an age limit, 'normal vision'): project-written, per pattern or category; "" otherwise
    guidance: str = ""

    @property
    def flagged(self) -> bool:
        return bool(self.labels)

    def explanation_for(self, label: str) -> str:
        from .labels import EXPLANATIONS

        return EXPLANATIONS.get(label, self.explanation)

    def shifted(self, offset: int) -> SentenceResult:
        return SentenceResult(
            self.start + offset,
            self.end + offset,
            self.text,
            self.scores,
            self.labels,
            tuple(s.shifted(offset) for s in self.spans),
            self.explanation,
            tuple(r.shifted(offset) for r in self.rewrites),
            self.guidance,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Summary:
    """Document-level figures: what a writer sees at a glance."""

    sentences: int
    flagged_sentences: int
    counts: dict[str, int]  # flagged sentences per category
    score: int  # inclusiveness 0-100, 100 = nothing found (docs/score.md)
    masculine: int
    feminine: int
    balance: str  # "masculine", "feminine" or "balanced"
    findings: int = 0  # findings (spans; a flagged sentence without one counts once)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Analysis:
    """The result of analysing one document."""

    length: int
    sentences: tuple[SentenceResult, ...]
    summary: Summary
    labels: tuple[str, ...] = field(default=())  # document labels: union of sentence labels

    @property
    def findings(self) -> list[SentenceResult]:
        return [s for s in self.sentences if s.labels]

    def to_dict(self) -> dict[str, Any]:
        return {
            "length": self.length,
            "labels": list(self.labels),
            "sentences": [s.to_dict() for s in self.sentences],
            "summary": self.summary.to_dict(),
        }
