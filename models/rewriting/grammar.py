"""Tidy a rewritten sentence, and say what is wrong with one that cannot be offered.

`tidy` repairs what an edit typically breaks: spaces, list punctuation and conjunctions
left behind by a dropped item, a/an, the capital at the start. `problems` then reads the
result against the original and names every fault the edit introduced (a fault the
author's own sentence already had is not the rewrite's doing). A candidate with any
problem is never offered.
"""

from __future__ import annotations

import re

from .inflection import article_for, is_plural_noun, lemmas, only_noun

_END = r"(?=[.;:!?)]|$)"
_DANGLING = ("and", "or", "with", "to", "of", "for", "from", "by", "in", "as", "a", "an", "the", "who", "that", "than")
_FUNCTION_WORDS = {"them", "us", "you", "it", "him", "her", "me", "they", "we", "one", "all", "each", "both", "what", "that", "this"}
_CLAUSE_STARTS = {"we", "you", "they", "i", "he", "she", "it", "our", "your", "their", "the", "this", "there", "that", "these"}
_CONJ_END = re.compile(r",?\s*\b(?:and|or)\s*" + _END, re.I)


def tidy(text: str, original: str) -> str:
    """Repair spacing, punctuation, dangling conjunctions, articles and the first capital."""
    t = _repair(r"[ \t]{2,}", " ", text, original)
    t = _repair(r"\s+([,.;:!?)])", r"\1", t, original)
    t = _repair(r"\(\s+", "(", t, original)
    t = _repair(r"\(\)", "", t, original)
    t = _repair(r",(\s*,)+", ",", t, original)
    t = _repair(r",\s*([.;:!?])", r"\1", t, original)
    t = _repair(r"(?i)\b(and|or),?\s+(?:and|or)\b", r"\1", t, original)
    t = _repair(r"(?i),\s*(and|or)\s*,", r" \1", t, original)
    t = _drop_dangling_conjunction(t)
    t = _two_item_comma(t, original)
    lead = r"^(\s*(?:[-*\u2022]\s+)?)(?:,|\b(?:and|or)\b)\s*"  # left by dropping a first item, unless the author wrote it
    t = t if re.match(lead, original, flags=re.I) else re.sub(lead, r"\1", t, flags=re.I)
    # a replacement equal to its neighbour in a pair: 'a supportive and nurturing' -> 'a supportive'
    t = _repair(r"(?i)\b([\w-]+)(?:\s*,\s*|\s+)(?:and|or|&)\s+\1\b", r"\1", t, original)
    t = _agree_who(t, original)
    t = _fix_articles(t, original)
    t = _repair(r"[ \t]{2,}", " ", t, original)
    t = t.strip() if not original[:1].isspace() else t
    return _capitalise(t, original)


_WHO_VERB = {"is": "are", "has": "have", "was": "were"}
_WHO_SINGULAR = re.compile(r"\b([A-Za-z]+)\s+(who|that)\s+(is|has|was)\b")  # a plural noun here needs are/have/were


def _agree_who(t: str, original: str) -> str:
    """'candidates who is comfortable' (a replacement written for one person) -> 'who are'."""

    def fix(m: re.Match[str]) -> str:
        if m.group().lower() in original.lower() or not is_plural_noun(m.group(1)):
            return m.group()
        verb = m.group(3)
        return f"{m.group(1)} {m.group(2)} {_WHO_VERB[verb.lower()]}"

    return _WHO_SINGULAR.sub(fix, t)


def _repair(pattern: str, repl: str, t: str, original: str) -> str:
    """Apply a spacing repair only where the edit made the fault: spacing the author wrote
    ('speakers. !', two spaces after a full stop) is theirs to keep, not the rewrite's to change."""
    return re.sub(pattern, lambda m: m.group() if m.group() in original else m.expand(repl), t)


def _drop_dangling_conjunction(t: str) -> str:
    """'X, Y and' (its last item dropped) -> 'X and Y'."""
    m = _CONJ_END.search(t)
    while m:
        head, tail = t[: m.start()], t[m.end() :]
        comma = head.rfind(", ")
        clause_start = max(head.rfind(c) for c in ";:(") + 1
        if comma >= clause_start and comma != -1 and "," not in head[clause_start:comma]:
            head = head[:comma] + " and " + head[comma + 2 :]
        t = head + tail
        m = _CONJ_END.search(t)
    return t


def _two_item_comma(t: str, original: str) -> str:
    """'X, and Z' left by dropping Y from 'X, Y, and Z' -> 'X and Z' (a comma the author wrote stays)."""

    def fix(m: re.Match[str]) -> str:
        head = t[: m.start()]
        clause = head[max(head.rfind(c) for c in ";:(.") + 1 :]
        if m.group() in original or "," in clause or m.group(3).lower() in _CLAUSE_STARTS:
            return m.group()
        return f"{m.group(1)} {m.group(2)} {m.group(3)}"

    return re.sub(r"(\w+),\s+(and|or)\s+(\w+)", fix, t)


def _fix_articles(t: str, original: str) -> str:
    """a/an before a word the edit put there (pairs the author wrote are left alone)."""
    seen = {m.group().lower() for m in re.finditer(r"\b(?:a|an)\s+[\w'-]+", original, re.I)}

    def fix(m: re.Match[str]) -> str:
        art, word = m.group(1), m.group(2)
        if m.group().lower() in seen or not word[:1].isalpha():
            return m.group()
        want = article_for(word)
        if art.isupper() and len(art) > 1:
            want = want.upper()
        elif art[:1].isupper():
            want = want.capitalize()
        return f"{want}{m.group()[len(art):]}"

    return re.sub(r"\b(a|an|A|An|AN)\s+([\w'-]+)", fix, t)


def _capitalise(t: str, original: str) -> str:
    o = re.match(r"^\s*(?:[-*\u2022]\s+)?", original)
    first = original[o.end() : o.end() + 1] if o else ""
    m = re.match(r"^\s*(?:[-*\u2022]\s+)?", t)
    i = m.end() if m else 0
    if first.isupper() and t[i : i + 1].islower():
        return t[:i] + t[i].upper() + t[i + 1 :]
    return t


def _noun_like(word: str) -> bool:
    """A noun by lemminflect, or a word it does not know that ends like an agent noun ('coder')."""
    return only_noun(word) or (len(word) >= 5 and not lemmas(word) and word.lower().endswith(("er", "or", "ist", "ian")))


def _new(pattern: str, candidate: str, original: str, flags: int = re.I) -> list[str]:
    """Matches of `pattern` in the candidate that the original does not have."""
    had = {m.group().lower() for m in re.finditer(pattern, original, flags)}
    return [m.group() for m in re.finditer(pattern, candidate, flags) if m.group().lower() not in had]


def problems(candidate: str, original: str) -> list[str]:
    """Every fault the rewrite introduced; empty when it reads as well as the original."""
    out: list[str] = []
    c = candidate
    if not re.search(r"\w", c):
        return ["nothing left"]
    if c[:1].isspace() and not original[:1].isspace():
        out.append("starts with a space")
    for bad in _new(r"\b(\w+(?:\s+\w+){0,2})\s+\1\b", c, original):  # 'at least at least', 'the the'
        out.append(f"repeated words {bad!r}")
    body = re.sub(r"^\s*(?:[-*\u2022]\s+)?", "", c)
    obody = re.sub(r"^\s*(?:[-*\u2022]\s+)?", "", original)
    if body[:1] in ",.;:!?)" and obody[:1] not in ",.;:!?)":
        out.append("starts with punctuation")
    if obody[:1].isupper() and body[:1].islower():
        out.append("lower-case start (subject lost?)")
    if re.match(r"(?:are|is|was|were|has|have|will|can|must|should)\b", body, re.I) and not re.match(
        r"(?:are|is|was|were|has|have|will|can|must|should)\b", obody, re.I
    ):
        out.append("starts with a verb (subject lost?)")
    for bad in _new(r"\S[ \t]{2,}\S", c, original):
        out.append(f"double space {bad!r}")
    for bad in _new(r"\w\s+[,.;:!?]", c, original):
        out.append(f"space before punctuation {bad!r}")
    for bad in _new(r"[,;:]\s*[,.;:!?]", c, original):
        out.append(f"doubled punctuation {bad!r}")
    for bad in _new(r"\band\s+[\w-]+\s+and\b", c, original):
        out.append(f"two 'and's in one list {bad!r}")
    for bad in _new(r"\b(\w+)\s+\1\b", c, original):
        out.append(f"doubled word {bad!r}")
    for bad in _new(r"\b([\w-]+)\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or|&)\s+)\1\b", c, original):  # 'supportive and supportive'
        out.append(f"one word coordinated with itself {bad!r}")
    for m in _WHO_SINGULAR.finditer(c):
        if m.group().lower() not in original.lower() and is_plural_noun(m.group(1)):
            out.append(f"plural subject with a singular verb {m.group()!r}")
    for bad in _new(r"\b(?:a|an|the)\s+(?:[\w-]+\s+)?(?:a|an|the)\b", c, original):
        out.append(f"two articles {bad!r}")
    for bad in _new(r"\b(?:" + "|".join(_DANGLING) + r")\s*(?:[.;:!?)]|$)", c, original):
        out.append(f"dangling {bad.strip()!r}")
    for bad in _new(r"\b(?:a|an|the|and|or|with)\s*,", c, original):
        out.append(f"dangling {bad.strip()!r}")
    for bad in _new(r"\b(?:and|or|to|of|for|a|an|the)\s+(?:and|or)\b|\bwith\s+(?:and|or)\b(?!\s+without)", c, original):
        out.append(f"dangling conjunction {bad!r}")
    for m in re.finditer(r"\b(a|an)\s+([A-Za-z][\w'-]*)", c):
        if m.group().lower() not in {x.group().lower() for x in re.finditer(r"\b(?:a|an)\s+[A-Za-z][\w'-]*", original)}:
            if article_for(m.group(2)) != m.group(1).lower() and not m.group(2).isupper():
                out.append(f"wrong article {m.group()!r}")
    for m in re.finditer(r"\b([a-z]+)\s+(the|a|an)\b", c):
        if m.group(1) not in _FUNCTION_WORDS and m.group().lower() not in original.lower() and _noun_like(m.group(1)):
            out.append(f"noun before a new noun phrase {m.group()!r} (a verb or conjunction lost?)")
    for m in re.finditer(r"\b(?:a|an)\s+([a-z]+)\s+(?:with|in|at|about|for|to|of)\b", c, re.I):
        if m.group().lower() not in original.lower() and set(lemmas(m.group(1))) == {"ADJ"}:
            out.append(f"article before a bare adjective {m.group()!r} (noun lost?)")
    for bad in _new(r"\w/[A-Z]", c, original, 0):
        out.append(f"capital after a slash {bad!r}")
    for o, cl in (("(", ")"), ("[", "]"), ('"', '"')):
        if (c.count(o) + c.count(cl)) % 2 != (original.count(o) + original.count(cl)) % 2 or c.count(o) - c.count(cl) != original.count(o) - original.count(cl):
            out.append(f"unbalanced {o}{cl}")
    if obody.rstrip()[-1:] in ".!?" and c.rstrip()[-1:] not in ".!?":
        out.append("lost the full stop")
    return out
