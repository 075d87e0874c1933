"""The embedded rewriter: replace flagged spans with alternatives from the term table.

It keeps grammar and capitalisation (articles, 'he/she' -> 'they' with verb agreement)
and, for a span with no listed alternative, tries dropping it. The engine then
re-classifies every candidate, so only rewrites that clear the labels rank first.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from ..detection.terms import TermTable, load_terms
from ..types import Edit, Span
from .term_grammar import agree_after, fix_article


class TermRewriter:
    """Rewriter backed by the shipped term table; needs no model download."""

    name = "embedded-terms"

    def __init__(self, terms: TermTable | None = None) -> None:
        self.terms = terms or load_terms()

    def _options(self, sentence: str, span: Span) -> list[str | None]:
        """Replacement texts for one span; None means 'drop the span'."""
        opts: list[str | None] = []
        for m in self.terms.find(span.text, [span.label]):
            if "-" in span.text and " " in m.term.term and not _hyphen_ok(sentence, span):
                continue  # 'husband-and-wife team' is a modifier, not 'husband and wife' ('partners team')
            if m.start == 0 and m.end == len(span.text):
                plural = _is_plural_of(span.text, m.term.term)
                opts += [pluralize(r) if plural else r for r in m.term.replacements]
        if span.source != "sentence" and _droppable(sentence, span):
            opts.append(None)
        return opts

    def candidates(self, sentence: str, spans: Sequence[Span], n: int = 3) -> list[str]:
        spans = _non_overlapping(spans)
        options = [(s, self._options(sentence, s)) for s in spans]
        options = [(s, o) for s, o in options if o]
        if not options:
            return []
        out: list[str] = []
        width = max(len(o) for _, o in options)
        for k in range(width):
            text = sentence
            for span, choice in sorted(_distinct_choices(options, k), key=lambda sc: -sc[0].start):
                text = apply_replacement(text, span.start, span.end, choice)
            if text and text != sentence and text not in out:
                out.append(text)
            if len(out) >= n:
                break
        return out


def _distinct_choices(options: Sequence[tuple[Span, list[str | None]]], k: int) -> list[tuple[Span, str | None]]:
    """The k-th option of each span, moving on to a span's next option when an earlier span of
    the same candidate already used that word ('young, energetic' -> not 'enthusiastic, enthusiastic')."""
    used: set[str] = set()
    out: list[tuple[Span, str | None]] = []
    for span, opts in sorted(options, key=lambda so: so[0].start):
        first = min(k, len(opts) - 1)
        order = opts[first:] + opts[:first]
        choice = next((o for o in order if o is None or o.lower() not in used), order[0])
        if choice is not None:
            used.add(choice.lower())
        out.append((span, choice))
    return out


_SEP_AFTER = re.compile(r"^(?:\s*,)?\s*(?:(?:and|or)\s+)?")  # ", " or " and " after a list item
_SEP_BEFORE = re.compile(r"(?:,|\s+and|\s+or)\s*$")


def _is_plural_of(found: str, term: str) -> bool:
    """'ninjas' found for the listed term 'ninja'."""
    extra = len(found) - len(term)
    return extra in (1, 2) and found.lower().endswith(("s", "es")) and not term.lower().endswith("s")


def pluralize(phrase: str) -> str:
    """Plural of a replacement's last word ('skilled professional' -> 'skilled professionals',
    'proactive person' -> 'proactive people'), from the inflect library."""
    from .inflection import plural_noun

    head, _, last = phrase.rpartition(" ")
    if not last.isalpha() or last.endswith("s"):
        return phrase
    return plural_noun(phrase)


def _drop(before: str, after: str) -> str:
    """Remove a list item with its own separator only ('young, driven and' -> 'driven and')."""
    m = _SEP_AFTER.match(after)
    if m and m.group().strip() and after[m.end() : m.end() + 1].isalnum():
        rest = after[m.end() :]
    else:
        sep = _SEP_BEFORE.search(before)
        before, rest = (before[: sep.start()], after) if sep else (before.rstrip(" "), after)
    word = re.match(r"\s*(\w+)", rest)
    return fix_article(before, word.group(1) if word else "") + rest


def _hyphen_ok(sentence: str, span: Span) -> bool:
    """A hyphenated match of a spaced term ('work-hard-play-hard') may be swapped only where no
    noun follows it, i.e. it is not a compound modifier ('a husband-and-wife team')."""
    nxt = re.match(r"\s+([A-Za-z][\w'-]*)", sentence[span.end :])
    if not nxt:
        return True
    from .inflection import lemmas

    return "NOUN" not in lemmas(nxt.group(1))


def _droppable(sentence: str, span: Span) -> bool:
    """Dropping a span is safe only for a short item in a list ('young, driven and ...')."""
    if len(span.text.split()) > 2:
        return False
    before, after = sentence[: span.start], sentence[span.end :]
    nxt = re.match(r"^\s*(?:,\s*)?(?:(?:and|or)\s+)?([A-Za-z][\w-]*)", after) if re.match(r"^\s*(?:,|and\b|or\b)", after) else None
    if nxt and _verb_not_adjective(nxt.group(1)):
        return False  # 'the physically handicapped and includes ...': a clause follows, not another item
    return bool(nxt or re.search(r"(?:,|\band|\bor)\s*$", before))


def _verb_not_adjective(word: str) -> bool:
    from .inflection import is_verb_only

    # participles ('motivated', 'driven', 'caring') can be the next item of a list
    return is_verb_only(word) and not word.lower().endswith(("ed", "en", "ing"))


def _non_overlapping(spans: Sequence[Span]) -> list[Span]:
    kept: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -(s.end - s.start))):
        if s.source == "sentence":
            continue
        if not kept or s.start >= kept[-1].end:
            kept.append(s)
    return kept


_SUBJECT = re.compile(r"^(?P<subj>we|you|they)(?P<verb>\s+are|'re|’re)?\s+", re.I)


def apply_replacement(text: str, start: int, end: int, replacement: str | None) -> str:
    """Replace text[start:end], fixing case, the article before it and verb agreement after it.

    A replacement written as a clause ('we work well together', 'you are fluent in English')
    loses its subject where the sentence already gives one ('We work hard, play hard' -> 'We
    work well together', not 'We we ...')."""
    from .library import match_case

    before, original, after = text[:start], text[start:end], text[end:]
    if replacement is None:
        return _drop(before, after)
    replacement = _without_repeated_subject(before, replacement)
    if original[:1].islower() and replacement[:1].isupper() and not replacement[:2].isupper():
        replacement = replacement[:1].lower() + replacement[1:]  # a table entry's stray capital ('Reliable')
    at_start = not before.strip(" \t-*\u2022\"'\u201c(") or bool(re.search(r"[.!?:;]\s*$", before))
    title = bool(re.search(r"(?:man|men|woman|women)$", original, re.I))  # a -man job title keeps its capital
    new = match_case(original, replacement, at_start=at_start, title=title, before=before, after=after)
    return fix_article(before, new) + new + agree_after(replacement, after)


def _without_repeated_subject(before: str, replacement: str) -> str:
    m = _SUBJECT.match(replacement)
    if not m:
        return replacement
    prev = re.search(r"\b(we|you|they)(?:\s+are|'re|’re)?\s*$", before, re.I)
    if prev and prev.group(1).lower() == m.group("subj").lower():
        return replacement[m.end() :]
    return replacement


_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def diff_edits(old: str, new: str) -> tuple[Edit, ...]:
    """Minimal word-level edits that turn `old` into `new` (offsets into `old`)."""
    a = [(m.start(), m.group()) for m in _TOKEN.finditer(old)]
    b = [m.group() for m in _TOKEN.finditer(new)]
    sm = difflib.SequenceMatcher(a=[t for _, t in a], b=b, autojunk=False)
    edits = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        start = a[i1][0] if i1 < len(a) else len(old)
        end = a[i2 - 1][0] + len(a[i2 - 1][1]) if i2 > i1 else start
        edits.append(Edit(start, end, "".join(b[j1:j2])))
    return tuple(edits)


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """Apply non-overlapping edits (offsets into `text`)."""
    for e in sorted(edits, key=lambda e: -e.start):
        text = text[: e.start] + e.new_text + text[e.end :]
    return text
