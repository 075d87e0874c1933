"""The engine: text -> sentences -> labels -> spans -> rewrites, with a sentence cache.

Results are cached per normalised sentence, relative to the sentence, so re-analysing
a document after a one-sentence edit only runs the model on the edited sentence.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .backends import Classifier, Rewriter
from .consistency import adjust_labels
from .errors import InputTooLargeError, InvalidInputError
from .labels import EXPLANATIONS, LABELS
from .markup import Format, mask
from .rewrite import apply_edits, diff_edits
from .segment import Sentence, split_sentences
from .spans import find_spans_batch
from .summary import summarize
from .terms import TermTable, load_terms
from .types import Analysis, Rewrite, SentenceResult, Span

DEFAULT_MAX_CHARS = 1_000_000
DEFAULT_CANDIDATES = 3


def explain(labels: Iterable[str]) -> str:
    return " ".join(EXPLANATIONS[l] for l in labels if l in EXPLANATIONS)


class Engine:
    """One classifier, one rewriter, thresholds and a bounded cache of sentence results."""

    def __init__(
        self,
        classifier: Classifier,
        rewriter: Rewriter | None = None,
        *,
        terms: TermTable | None = None,
        thresholds: dict[str, float] | None = None,
        max_chars: int = DEFAULT_MAX_CHARS,
        cache_size: int = 20_000,
        candidates: int = DEFAULT_CANDIDATES,
    ) -> None:
        self.classifier = classifier
        self.terms = terms or load_terms()
        if rewriter is None:
            from .rewrite import TermRewriter

            rewriter = TermRewriter(self.terms)
        self.rewriter = rewriter
        self.thresholds = {**classifier.thresholds, **(thresholds or {})}
        self.max_chars = max_chars
        self.candidates = candidates
        # what a cached result depends on besides the sentence; the thresholds are fixed per engine
        self.model_key = f"{classifier.name}|{rewriter.name}|{sorted(self.thresholds.items())}"
        self._cache: OrderedDict[tuple[str, str], SentenceResult] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # -- public API -------------------------------------------------------

    def analyze(self, text: str, *, fmt: Format = "text", rewrites: bool = True) -> Analysis:
        """Analyse a whole document; offsets in the result index into `text`."""
        self._check(text)
        sentences = segment(text, fmt)
        results = self.analyze_sentences([s.text for s in sentences], rewrites=rewrites)
        shifted = tuple(place(r, text, s) for s, r in zip(sentences, results))
        doc_labels = tuple(l for l in LABELS if any(l in r.labels for r in shifted))
        return Analysis(len(text), shifted, summarize(shifted), doc_labels)

    def analyze_sentences(self, sentences: Sequence[str], *, rewrites: bool = True) -> list[SentenceResult]:
        """Results for each sentence (offsets relative to the sentence), cached."""
        results: list[SentenceResult | None] = [self._cached(s, rewrites) for s in sentences]
        todo = sorted({s for s, r in zip(sentences, results) if r is None})
        if todo:
            fresh = dict(zip(todo, self._compute(todo, rewrites)))
            for s, r in fresh.items():
                self._store(s, rewrites, r)
            results = [r if r is not None else fresh[s] for s, r in zip(sentences, results)]
        return results  # type: ignore[return-value]

    def score(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        """Raw per-label scores (no spans, no rewrites, no cache)."""
        return self.classifier.predict(list(sentences)) if sentences else []

    def labels_for(self, scores: dict[str, float]) -> tuple[str, ...]:
        return tuple(l for l in LABELS if scores.get(l, 0.0) >= self.thresholds.get(l, 0.5))

    def labels_of(self, sentence: str, scores: dict[str, float]) -> tuple[str, ...]:
        """A sentence's labels: the model's, adjusted by the phrase-level rules (models/consistency.py),
        so the same phrase gets the same verdict in any sentence and a rewrite is judged alike."""
        return adjust_labels(sentence, self.labels_for(scores), self.terms)

    def rewrite(self, sentence: str, *, labels: Sequence[str] | None = None, n: int | None = None) -> list[Rewrite]:
        """Verified rewrite candidates for one sentence, best first."""
        self._check(sentence)
        result = self.analyze_sentences([sentence], rewrites=False)[0]
        want = tuple(labels) if labels else result.labels
        spans = [s for s in result.spans if s.label in want] or self._spans_for([sentence], [want], [result.scores])[0]
        return self._verified_rewrites([(sentence, want, spans)], n or self.candidates)[0]

    def verify(self, original: str, original_labels: Sequence[str], candidates: Sequence[str]) -> list[Rewrite]:
        """Re-classify candidate rewrites and rank them (used for generative rewriters too)."""
        return self._rank(original, tuple(original_labels), list(candidates), self.score(candidates))

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()

    # -- internals --------------------------------------------------------

    def _check(self, text: object) -> None:
        if isinstance(text, (bytes, bytearray)):
            raise InvalidInputError("text must be a decoded string, not bytes")
        if not isinstance(text, str):
            raise InvalidInputError(f"text must be a string, not {type(text).__name__}")
        if len(text) > self.max_chars:
            raise InputTooLargeError(len(text), self.max_chars)

    def _key(self, sentence: str, rewrites: bool) -> tuple[str, str]:
        """Cache key: the models and thresholds, whether rewrites were made, and the sentence."""
        return (f"{self.model_key}|{int(rewrites)}", sentence)

    def _cached(self, sentence: str, rewrites: bool) -> SentenceResult | None:
        with self._lock:
            key = self._key(sentence, rewrites)
            r = self._cache.get(key)
            if r is not None:
                self._cache.move_to_end(key)
            return r

    def _store(self, sentence: str, rewrites: bool, result: SentenceResult) -> None:
        with self._lock:
            self._cache[self._key(sentence, rewrites)] = result
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _compute(self, sentences: list[str], rewrites: bool) -> list[SentenceResult]:
        scores = self.classifier.predict(sentences)
        labels = [self.labels_of(s, sc) for s, sc in zip(sentences, scores)]
        flagged = [i for i, l in enumerate(labels) if l]
        spans_for = self._spans_for([sentences[i] for i in flagged], [labels[i] for i in flagged], [scores[i] for i in flagged])
        spans: dict[int, list[Span]] = dict(zip(flagged, spans_for))
        for i in flagged:  # a label whose only evidence another label's strong phrase explains is dropped (models/spans.py)
            labels[i] = tuple(l for l in labels[i] if any(sp.label == l for sp in spans[i]))
        rewritten: dict[int, list[Rewrite]] = {}
        if rewrites and flagged:
            jobs = [(sentences[i], labels[i], spans[i]) for i in flagged]
            rewritten = dict(zip(flagged, self._verified_rewrites(jobs, self.candidates)))
        return [
            SentenceResult(
                0,
                len(s),
                s,
                self._verdict_scores(sc, lab),
                lab,
                tuple(spans.get(i, ())),
                explain(lab),
                tuple(rewritten.get(i, ())),
            )
            for i, (s, sc, lab) in enumerate(zip(sentences, scores, labels))
        ]

    def _verdict_scores(self, scores: dict[str, float], labels: Sequence[str]) -> dict[str, float]:
        """Scores as reported: the model's, moved just across the threshold where a phrase rule
        forced or cleared a label, so that a label is flagged exactly when its score reaches
        its threshold (front-ends rely on that)."""
        out = {}
        for k, v in scores.items():
            v, t = round(float(v), 4), self.thresholds.get(k, 0.5)
            if k in labels and v < t:
                v = math.ceil(t * 1e4) / 1e4
            elif k not in labels and v >= t:
                v = math.floor(t * 1e4) / 1e4 - 1e-4 if t > 1e-4 else 0.0
            out[k] = round(v, 4)
        return out

    def _spans_for(
        self, sentences: Sequence[str], labels: Sequence[Sequence[str]], scores: Sequence[dict[str, float]]
    ) -> list[list[Span]]:
        return find_spans_batch(list(zip(sentences, labels, scores)), self.classifier, self.terms)

    def _verified_rewrites(self, jobs: Sequence[tuple[str, Sequence[str], Sequence[Span]]], n: int) -> list[list[Rewrite]]:
        cands = [self.rewriter.candidates(s, spans, n) for s, _, spans in jobs]
        flat = [c for cs in cands for c in cs]
        flat_scores = self.score(flat)
        out, k = [], 0
        for (s, lab, _), cs in zip(jobs, cands):
            out.append(self._rank(s, tuple(lab), cs, flat_scores[k : k + len(cs)]))
            k += len(cs)
        return out

    def _rank(self, original: str, labels: tuple[str, ...], cands: list[str], scores: list[dict[str, float]]) -> list[Rewrite]:
        ranked = []
        for c, sc in zip(cands, scores):
            remaining = self.labels_of(c, sc)
            cleared = tuple(l for l in labels if l not in remaining)
            verified = not remaining
            worst = max((sc.get(l, 0.0) for l in LABELS), default=0.0)
            ranked.append(Rewrite(c, diff_edits(original, c), cleared, remaining, verified, round(float(worst), 4), self.rewriter.name))
        ranked.sort(key=lambda r: (not r.verified, -len(r.cleared), r.score))
        return ranked


def segment(text: str, fmt: Format = "text") -> list[Sentence]:
    """The sentences the engine scores: markup masked, offsets into `text` kept."""
    return split_sentences(mask(text, fmt).replace("\x00", " "))


def place(result: SentenceResult, text: str, sentence: Sentence) -> SentenceResult:
    """A sentence-relative (cached) result placed into the document: original text, absolute offsets."""
    return _restore(result, text[sentence.start : sentence.end]).shifted(sentence.start)


def _restore(result: SentenceResult, original: str) -> SentenceResult:
    """Put back the original sentence text where masking blanked parts of it (code, URLs).

    A rewrite whose edits reach into blanked markup is dropped: dropping a list item takes
    its separator with it, and in '0,<A>YOUNG' that would have deleted the tag the model
    never saw."""
    if result.text == original:
        return result
    rewrites = tuple(
        replace(r, text=apply_edits(original, r.edits))
        for r in result.rewrites
        if all(result.text[e.start : e.end] == original[e.start : e.end] for e in r.edits)
    )
    spans = tuple(replace(s, text=original[s.start : s.end]) for s in result.spans)
    return replace(result, text=original, spans=spans, rewrites=rewrites)


_default: Engine | None = None
_default_lock = threading.Lock()


def default_engine() -> Engine:
    """The engine on the embedded default model, loaded once per process."""
    global _default
    with _default_lock:
        if _default is None:
            from .embedded import EmbeddedClassifier

            _default = Engine(EmbeddedClassifier.load())
        return _default


def analyze(text: str, *, fmt: Format = "text", rewrites: bool = True) -> Analysis:
    """Analyse `text` with the embedded default model."""
    return default_engine().analyze(text, fmt=fmt, rewrites=rewrites)
