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
from .detection.consistency import adjust_labels
from .detection.spans import find_spans_batch, rule_spans, term_spans
from .detection.terms import TermTable, load_terms
from .errors import InputTooLargeError, InvalidInputError
from .labels import EXPLANATIONS, LABELS
from .limits import DEFAULT_MAX_CHARS
from .rewriting.term_rewriter import apply_edits, diff_edits
from .summary import summarize
from .text.markup import Format, mask
from .text.segment import Sentence, split_sentences
from .types import Analysis, Rewrite, SentenceResult, Span

DEFAULT_CANDIDATES = 3
# a rewrite keeps the sentence's meaning when (a) its embedding's cosine with the original's, the
# biased stretches masked out, is at least MEANING_THRESHOLD (it says something about the same
# thing: catches drift and preambles) and (b) it keeps CONTENT_KEPT_THRESHOLD of the content words
# outside the biased stretches (catches a dropped requirement). Calibrated on hand-judged good and
# bad job-ad rewrites (pinned in tests/test_rewriting_engine.py); see the report in that file's
# GOOD/LOST lists for what it catches and what it cannot (a dropped biased requirement itself).
MEANING_THRESHOLD = 0.20
CONTENT_KEPT_THRESHOLD = 0.75


def explain(labels: Iterable[str]) -> str:
    return " ".join(EXPLANATIONS[l] for l in labels if l in EXPLANATIONS)


def threshold_labels(scores: dict[str, float], thresholds: dict[str, float]) -> tuple[str, ...]:
    """The model's own labels: each label whose score reaches its threshold."""
    return tuple(l for l in LABELS if scores.get(l, 0.0) >= thresholds.get(l, 0.5))


def decide_labels(
    sentence: str, scores: dict[str, float], thresholds: dict[str, float], terms: TermTable, evidence_gate: float | None
) -> tuple[str, ...]:
    """A sentence's labels: the model's at its thresholds, adjusted by the phrase-level rules
    (models/detection/consistency.py), so the same phrase gets the same verdict in any sentence
    and a rewrite is judged alike; then the evidence gate: on real job ads the model's flags with
    no listed term or phrase rule behind them were wrong 9 times in 10 (models/annotations), so
    such a label needs a score of at least `evidence_gate` (None: no gate)."""
    adjusted = adjust_labels(sentence, threshold_labels(scores, thresholds), terms)
    adjusted = tuple(l for l in adjusted if thresholds.get(l, 0.5) < 1.0)  # a threshold of 1 turns a label off, rules included
    unsure = [l for l in adjusted if scores.get(l, 0.0) < evidence_gate] if evidence_gate is not None else []
    if not unsure:
        return adjusted
    backed = {s.label for s in rule_spans(sentence, unsure) + term_spans(sentence, unsure, terms)}
    return tuple(l for l in adjusted if l not in unsure or l in backed)


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
        evidence_gate: float | None = None,
    ) -> None:
        self.classifier = classifier
        self.terms = terms or load_terms()
        if rewriter is None:
            from .rewriting.rewriter import SentenceRewriter

            rewriter = SentenceRewriter(self.terms)
        self.rewriter = rewriter
        self.thresholds = {**classifier.thresholds, **(thresholds or {})}
        self.max_chars = max_chars
        self.candidates = candidates
        # a label no listed term or phrase rule backs is flagged only at this model score or above
        # (None: at its threshold, like any other); the model's calibration, so the model says it
        self.evidence_gate = evidence_gate if evidence_gate is not None else getattr(classifier, "evidence_gate", None)
        # what a cached result depends on besides the sentence; the thresholds are fixed per engine
        self.model_key = f"{classifier.name}|{rewriter.name}|{sorted(self.thresholds.items())}|{self.evidence_gate}"
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
        return threshold_labels(scores, self.thresholds)

    def labels_of(self, sentence: str, scores: dict[str, float]) -> tuple[str, ...]:
        """A sentence's labels under this engine's thresholds, phrase rules and evidence gate."""
        return decide_labels(sentence, scores, self.thresholds, self.terms, self.evidence_gate)

    def rewrite(self, sentence: str, *, labels: Sequence[str] | None = None, n: int | None = None) -> list[Rewrite]:
        """Verified rewrite candidates for one sentence, best first."""
        self._check(sentence)
        result = self.analyze_sentences([sentence], rewrites=False)[0]
        want = tuple(labels) if labels else result.labels
        spans = [s for s in result.spans if s.label in want] or self._spans_for([sentence], [want], [result.scores])[0]
        ranked = self._verified_rewrites([(sentence, want, spans)], n or self.candidates)[0]
        return [r for r in ranked if r.verified][: n or self.candidates]

    def verify(self, original: str, original_labels: Sequence[str], candidates: Sequence[str]) -> list[Rewrite]:
        """Check candidate rewrites (used for generative rewriters too): those that break the
        grammar are dropped, the rest are re-classified, meaning-checked and ranked, verified first."""
        found = self.analyze_sentences([original], rewrites=False)[0]
        return self._check_candidates([(original, tuple(original_labels), list(candidates), found.spans)])[0]

    def guidance(self, sentence: str, labels: Sequence[str]) -> str:
        """What to tell the writer about a flagged sentence that has no verified rewrite."""
        find = getattr(self.rewriter, "guidance", None)
        if callable(find):
            return str(find(sentence, labels))
        from .rewriting import default_library

        return default_library().guidance(sentence, labels)

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
        for i in flagged:  # a label whose only evidence another label's strong phrase explains is dropped (models/detection/spans.py)
            labels[i] = tuple(l for l in labels[i] if any(sp.label == l for sp in spans[i]))
        rewritten: dict[int, list[Rewrite]] = {}
        guidance: dict[int, str] = {}
        if rewrites and flagged:
            jobs = [(sentences[i], labels[i], spans[i]) for i in flagged]
            for i, ranked in zip(flagged, self._verified_rewrites(jobs, self.candidates)):
                rewritten[i] = [r for r in ranked if r.verified][: self.candidates]  # only verified ones are offered
                if not rewritten[i]:
                    guidance[i] = self.guidance(sentences[i], labels[i])
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
                guidance.get(i, ""),
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
        """Candidates of the rewriter for each job, checked and ranked (verified first)."""
        cands = [self.rewriter.candidates(s, spans, n) for s, _, spans in jobs]
        return self._check_candidates([(s, tuple(lab), cs, spans) for (s, lab, spans), cs in zip(jobs, cands)])

    def _check_candidates(self, jobs: Sequence[tuple[str, tuple[str, ...], list[str], Sequence[Span]]]) -> list[list[Rewrite]]:
        """The three checks of a rewrite, for many sentences in one classifier batch.

        (1) grammar: a candidate with any problem (rewriting.grammar.problems) or with biased
        wording a pattern still matches is dropped, never offered; (2) the classifier, on the
        original and the candidates together: a candidate is verified only when none of the
        labels it was asked to clear is flagged and no label the original lacked is flagged;
        (3) meaning (rewriting/meaning.py), from the same encoder pass: the cosine of its
        embedding with the original's, biased stretches masked out, must reach MEANING_THRESHOLD
        and it must keep CONTENT_KEPT_THRESHOLD of the original's other content words."""
        from .rewriting import default_library, problems
        from .rewriting.meaning import bias_regions, content_kept, content_words, masked_original

        library = default_library()
        kept = [
            [c for c in dict.fromkeys(cs) if c and c != s and not problems(c, s) and not library.leftovers(c, s)]
            for s, _, cs, _ in jobs
        ]
        regions = [bias_regions(s, spans, library) if cs else [] for (s, _, _, spans), cs in zip(jobs, kept)]
        # per job: the original, what the meaning is compared with, then the candidates
        refs = []
        for (s, _, _, _), reg in zip(jobs, regions):
            masked = masked_original(s, reg)
            refs.append(masked if content_words(masked) >= 2 else s)
        batch = [t for (s, _, _, _), ref, cs in zip(jobs, refs, kept) if cs for t in (s, ref, *cs)]
        scores, emb = self._score_and_embed(batch)
        out, k = [], 0
        for (s, lab, _, _), reg, cs in zip(jobs, regions, kept):
            if not cs:
                out.append([])
                continue
            sims = [None if emb is None else float(emb[k + 1] @ emb[k + 2 + j]) for j in range(len(cs))]
            words = [content_kept(s, c, reg) for c in cs]
            out.append(self._rank(s, lab, cs, scores[k + 2 : k + 2 + len(cs)], sims, self.labels_of(s, scores[k]), words))
            k += 2 + len(cs)
        return out

    def _score_and_embed(self, sentences: list[str]):  # noqa: ANN202 - (scores, float32 [n, d] or None)
        """Scores and, when the classifier can embed, sentence embeddings from one encoder pass."""
        if not sentences:
            return [], None
        both = getattr(self.classifier, "predict_and_embed", None)
        if callable(both):
            return both(sentences)
        embed = getattr(self.classifier, "embed", None)
        return self.score(sentences), (embed(sentences) if callable(embed) else None)

    def _rank(
        self,
        original: str,
        labels: tuple[str, ...],
        cands: list[str],
        scores: list[dict[str, float]],
        meanings: Sequence[float | None] | None = None,
        original_labels: Sequence[str] = (),
        content: Sequence[float] | None = None,
    ) -> list[Rewrite]:
        meanings = list(meanings) if meanings is not None else [None] * len(cands)
        content = list(content) if content is not None else [1.0] * len(cands)
        ranked = []
        for c, sc, sim, words in zip(cands, scores, meanings, content):
            remaining = self.labels_of(c, sc)
            cleared = tuple(l for l in labels if l not in remaining)
            kept_meaning = (sim is None or sim >= MEANING_THRESHOLD) and words >= CONTENT_KEPT_THRESHOLD
            # no label at all may remain: not one it was asked to clear, not one the original had
            # besides, not a new one (an offered rewrite must never be flagged again by the tool)
            verified = not remaining and kept_meaning
            worst = max((sc.get(l, 0.0) for l in LABELS), default=0.0)
            ranked.append(
                Rewrite(c, diff_edits(original, c), cleared, remaining, verified, round(float(worst), 4), self.rewriter.name,
                        None if sim is None else round(sim, 4))
            )
        # verified first, then more labels cleared; the rewriter's own order (hand-ranked patterns)
        # decides among equals (the sort is stable), not the classifier's score
        ranked.sort(key=lambda r: (not r.verified, -len(r.cleared)))
        return [replace(r, preferred=True) if i == 0 and r.verified else r for i, r in enumerate(ranked)]


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


def default_engine(*, threads: int | None = None) -> Engine:
    """The engine on the embedded default model, loaded once per process (`threads`: its
    onnxruntime intra-op threads, taken by the first call; default all cores)."""
    global _default
    with _default_lock:
        if _default is None:
            from .embedded.classifier import EmbeddedClassifier

            _default = Engine(EmbeddedClassifier.load(threads=threads))
        return _default


def analyze(text: str, *, fmt: Format = "text", rewrites: bool = True) -> Analysis:
    """Analyse `text` with the embedded default model."""
    return default_engine().analyze(text, fmt=fmt, rewrites=rewrites)
