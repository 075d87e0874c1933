"""Word inflection for rewrites, from lemminflect and inflect (no hand tables).

Rewrites change words whose form depends on their neighbours: 'crushes' -> 'exceeds',
'he manages' -> 'they manage', 'lift ... and stand' -> 'lifting ... and standing',
'a' -> 'an'. These helpers ask the two libraries for the right form.
"""

from __future__ import annotations

import re
import sys
import types
from functools import lru_cache

_VERB_TAGS = ("VBZ", "VBG", "VBD", "VBN", "VBP", "VB")
_IRREGULAR_PLURAL_VERBS = {"is": "are", "was": "were", "has": "have", "does": "do", "isn't": "aren't",
                           "wasn't": "weren't", "hasn't": "haven't", "doesn't": "don't", "'s": "'re"}


@lru_cache(maxsize=1)
def _inflect():  # noqa: ANN202 - inflect.engine
    return _import_inflect().engine()


def _typechecked_off(target=None, **_options):  # noqa: ANN001, ANN202 - stands in for typeguard.typechecked
    """`@typechecked` and `@typechecked(...)` that return what they decorate unchanged."""
    return target if target is not None else (lambda decorated: decorated)


def _import_inflect() -> types.ModuleType:
    """`import inflect` without typeguard's instrumentation (2.4-2.7 s of CPU -> ~0.05 s).

    inflect 7 decorates ~23 methods with typeguard's `@typechecked`, which re-parses and
    recompiles each one's source when the module is imported (jaraco/inflect#212,
    agronholm/typeguard#468; the same fix as datamodel-code-generator PR #3458). While inflect
    is imported, `typeguard` in sys.modules is a module whose `typechecked` returns the
    function unchanged (what typeguard itself does under `python -O`); the previous entry, or
    its absence, is put back afterwards, so nothing else ever sees the stand-in. We only call
    `a()` and `plural_noun()` with non-empty strings, for which the checks never fire.
    """
    if "inflect" in sys.modules:
        return sys.modules["inflect"]
    missing = object()
    before = sys.modules.get("typeguard", missing)
    stand_in = types.ModuleType("typeguard", "typechecked() that does nothing, while biaslsp imports inflect")
    stand_in.typechecked = _typechecked_off  # type: ignore[attr-defined]
    sys.modules["typeguard"] = stand_in
    try:
        import inflect
    finally:
        if sys.modules.get("typeguard") is stand_in:
            if before is missing:
                del sys.modules["typeguard"]
            else:
                sys.modules["typeguard"] = before  # type: ignore[assignment]
    return inflect


@lru_cache(maxsize=4096)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """lemminflect's lemmas of a word per universal POS ('manages' -> {'VERB': ('manage',)})."""
    from lemminflect import getAllLemmas

    return dict(getAllLemmas(word.lower()))


def is_verb_only(word: str) -> bool:
    """A word lemminflect knows only as a verb or auxiliary ('includes', 'is')."""
    found = lemmas(word)
    return bool(found) and set(found) <= {"VERB", "AUX"}


def is_plural_noun(word: str) -> bool:
    """'candidates', 'people' (a plural noun, by its lemma), not 'business' or 'analysis'."""
    w = word.lower()
    if w in {"people", "those", "these", "men", "women", "children"}:
        return True
    nouns = lemmas(w).get("NOUN", ())
    return w.endswith("s") and not w.endswith(("ss", "us", "is", "ics")) and bool(nouns) and w not in nouns


def is_verb(word: str) -> bool:
    return "VERB" in lemmas(word) or "AUX" in lemmas(word)


def only_noun(word: str) -> bool:
    """A word lemminflect knows only as a noun ('quota'), never as a verb, adjective or adverb."""
    found = lemmas(word)
    return bool(found) and set(found) <= {"NOUN", "PROPN"}


def verb_tag(word: str) -> str | None:
    """The Penn tag of a verb form ('crushes' -> 'VBZ'), or None when `word` is not a verb form."""
    from lemminflect import getInflection

    low = word.lower()
    for lemma in lemmas(low).get("VERB", ()):
        for tag in _VERB_TAGS:
            if low in getInflection(lemma, tag):
                return tag
    return None


def inflect_like(lemma: str, model: str) -> str:
    """`lemma` in the form `model` has ('exceed' like 'crushes' -> 'exceeds')."""
    from lemminflect import getInflection

    tag = verb_tag(model)
    if tag is None or tag in ("VB", "VBP"):
        return lemma
    forms = getInflection(lemma, tag)
    return forms[0] if forms else lemma


def gerund(word: str) -> str:
    """'lift' -> 'lifting' (words that are not verbs are kept)."""
    from lemminflect import getInflection

    verbs = lemmas(word).get("VERB")
    if not verbs:
        return word
    forms = getInflection(verbs[0], "VBG")
    return forms[0] if forms else word


def plural_verb(word: str) -> str:
    """The verb form that agrees with 'they' ('manages' -> 'manage', 'is' -> 'are')."""
    from lemminflect import getInflection

    low = word.lower()
    if low in _IRREGULAR_PLURAL_VERBS:
        return _case(word, _IRREGULAR_PLURAL_VERBS[low])
    if verb_tag(low) != "VBZ":
        return word
    lemma = lemmas(low)["VERB"][0]
    forms = getInflection(lemma, "VBP")
    return _case(word, forms[0]) if forms else word


def plural_noun(phrase: str) -> str:
    """Plural of a phrase's last word ('skilled salesperson' -> 'skilled salespeople')."""
    head, _, last = phrase.rpartition(" ")
    if not last.isalpha():
        return phrase
    plural = _inflect().plural_noun(last) or last
    return f"{head} {plural}" if head else plural


def article_for(word: str) -> str:
    """'a' or 'an' before `word`, by its sound ('an hour', 'a user', 'an MBA')."""
    if not word:
        return "a"
    return _inflect().a(word).split(" ", 1)[0]


def _case(model: str, word: str) -> str:
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
