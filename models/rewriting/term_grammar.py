"""Small grammar repairs for word replacements: case, articles, pronoun agreement."""

from __future__ import annotations

import re

_VOWEL_SOUND = re.compile(r"^(?:[aeio]|u(?![nr]i|s[eu]|ti)|hour|honou?r|heir)", re.I)
_PLURAL_PRONOUNS = {"they", "them", "their", "theirs", "themselves"}
_AGREE = {"is": "are", "was": "were", "has": "have", "does": "do", "isn't": "aren't", "wasn't": "weren't",
          "hasn't": "haven't", "doesn't": "don't"}


def match_case(original: str, replacement: str) -> str:
    """Give `replacement` the capitalisation pattern of `original`."""
    if not replacement:
        return replacement
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def article_for(word: str) -> str:
    return "an" if _VOWEL_SOUND.match(word) else "a"


def fix_article(before: str, replacement: str) -> str:
    """Rewrite a trailing 'a'/'an' in `before` to suit `replacement`."""
    m = re.search(r"\b(a|an|A|An|AN)(\s*)$", before)
    if not m or not replacement:
        return before
    art = article_for(replacement)
    art = match_case(m.group(1), art)
    return before[: m.start(1)] + art + (m.group(2) or "")


def third_person_to_plural(verb: str) -> str:
    """'manages' -> 'manage', 'has' -> 'have' (after a singular pronoun became 'they')."""
    low = verb.lower()
    if low in _AGREE:
        return match_case(verb, _AGREE[low])
    if low.endswith("ies") and len(low) > 4:
        return verb[:-3] + "y"
    if re.search(r"(?:ss|sh|ch|x|zz|o)es$", low):
        return verb[:-2]
    if low.endswith("s") and not low.endswith("ss") and len(low) > 3:
        return verb[:-1]
    return verb


def agree_after(replacement: str, after: str) -> str:
    """When a pronoun became plural ('they'), make the following verb agree."""
    if replacement.lower() not in {"they"}:
        return after
    m = re.match(r"^(\s+)(?:(will|can|must|should|may|would|could|shall)\s+)?([A-Za-z']+)", after)
    if not m or m.group(2):
        return after
    return after[: m.start(3)] + third_person_to_plural(m.group(3)) + after[m.end(3):]
