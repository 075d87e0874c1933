"""The rewrite-pattern library: job-ad patterns from patterns/*.toml, applied to whole sentences.

A pattern may rewrite a word, a clause, a coordinated item or a whole bullet. Each pattern
lists its replacements best first (ranked by hand for job ads); the k-th candidate of a
sentence takes every matching pattern's k-th choice. Patterns without replacements mark a
requirement that has no honest rewrite (an age limit, 'normal vision'): the sentence then
gets the pattern's guidance and no candidate. Pronouns (he/she -> they, with the verb made
to agree) are done in code, since the right form depends on the next word.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .grammar import tidy
from .inflection import gerund, inflect_like, is_plural_noun, is_verb, is_verb_only, lemmas, only_noun, plural_noun, plural_verb

PATTERNS = Path(__file__).resolve().parent / "patterns"
# one file per category, loaded in this order (rules apply in order, each to the text the earlier
# ones left: age proxies before the elite-school rule that shares "graduates", and so on)
PATTERN_FILES = ("age", "gender", "racial", "disability", "sexuality", "general", "titles", "guidance")
_DIRECTIVE = re.compile(r"\{(like|gerund|cap|title):(\w+)(?::([\w-]+))?\}")


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    label: str
    regex: re.Pattern[str]
    replace: tuple[str, ...]
    guidance: str

    @property
    def blocks(self) -> bool:
        """No honest rewrite exists where this rule matches."""
        return not self.replace


@dataclass(frozen=True, slots=True)
class Plan:
    """What the library makes of one sentence."""

    candidates: tuple[str, ...]  # tidied rewrites, best first
    matched: tuple[Rule, ...]  # rules that fired on the sentence
    guidance: str  # for the writer when no candidate survives; "" when none applies

    @property
    def blocked(self) -> bool:
        return any(r.blocks for r in self.matched)


class PatternLibrary:
    """The compiled rules of one patterns file."""

    def __init__(self, rules: Sequence[Rule], titles: dict[str, str], guidance: dict[str, str]) -> None:
        self.rules = tuple(rules)
        self.titles = titles
        self.label_guidance = guidance

    @classmethod
    def load(cls, path: Path = PATTERNS) -> PatternLibrary:
        """Load a patterns folder (its PATTERN_FILES, in order) or a single .toml file."""
        path = Path(path)
        files = [path / f"{name}.toml" for name in PATTERN_FILES] if path.is_dir() else [path]
        rules: list[Rule] = []
        titles: dict[str, str] = {}
        guidance: dict[str, str] = {}
        for file in files:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
            for row in data.get("rule", []):
                try:
                    regex = re.compile(row["match"], re.I)
                except re.error as exc:  # a broken pattern is a bug in the data file: name it
                    raise ValueError(f"{file}: rule {row.get('id')!r}: {exc}") from exc
                rules.append(Rule(row["id"], row["label"], regex, tuple(row.get("replace", ())), row.get("guidance", "")))
            titles.update(data.get("titles", {}))
            guidance.update(data.get("guidance", {}))
        return cls(rules, titles, guidance)

    # -- matching ---------------------------------------------------------

    def matching(self, text: str) -> list[Rule]:
        return [r for r in self.rules if r.regex.search(text)] + [r for r in PRONOUN_RULES if r.regex.search(text)]

    def leftovers(self, candidate: str, original: str) -> list[str]:
        """Biased wording a candidate still has (a rule that still fires, or fires anew).

        A rule whose replacement keeps matching itself ('fluent in English' is not matched by
        a native-speaker rule) never appears here; a pronoun rule counts only for binary
        pronouns, which a rewrite must never leave behind."""
        out = []
        for rule in self.rules:
            m = rule.regex.search(candidate)
            if m:
                out.append(f"{rule.id}: {m.group().strip()!r}")
        for rule in PRONOUN_RULES:
            m = rule.regex.search(candidate)
            if m and (rule.regex.search(original) or rule.id.endswith("binary")):
                out.append(f"{rule.id}: {m.group().strip()!r}")
        return out

    def guidance(self, text: str, labels: Iterable[str]) -> str:
        """Guidance for a flagged sentence: the first matching rule's, else the label's."""
        labels = list(labels)
        for rule in self.matching(text):
            if rule.guidance and (rule.blocks or rule.label in labels):
                return rule.guidance
        return next((self.label_guidance[l] for l in labels if l in self.label_guidance), "")

    # -- rewriting --------------------------------------------------------

    def plan(self, sentence: str, labels: Iterable[str] = (), n: int = 3) -> Plan:
        matched = self.matching(sentence)
        guidance = self.guidance(sentence, labels)
        if not matched or any(r.blocks for r in matched):
            return Plan((), tuple(matched), guidance)
        width = max(len(r.replace) if r.replace else 1 for r in matched)
        out: list[str] = []
        for k in range(max(width, 1)):
            text = self._apply_all(matched, sentence, k)
            if text != sentence and text not in out:
                out.append(text)
            if len(out) >= n:
                break
        if out and any(isinstance(r, PronounRule) for r in matched) and addresses_reader(sentence):
            text = self._apply_all(matched, sentence, 0, you=True)
            if text != sentence and text not in out:
                out.insert(1, text)  # the reference's alternative: 'You will ...' after 'They will ...'
                out = out[:n]
        return Plan(tuple(out), tuple(matched), guidance)

    def _apply_all(self, matched: list[Rule], sentence: str, k: int, *, you: bool = False) -> str:
        """The sentence with every matched rule applied in order (replacement `k` of each), tidied."""
        text = sentence
        for rule in matched:
            text = self._apply(rule, text, k, you=you)
        return tidy(text, sentence)

    def _apply(self, rule: Rule, text: str, k: int, *, you: bool = False) -> str:
        if isinstance(rule, PronounRule):
            return rule.apply(text, you=you)
        template = rule.replace[min(k, len(rule.replace) - 1)]
        return rule.regex.sub(lambda m: self._expand(m, template, text, title=rule.id.startswith("title.")), text)

    def _expand(self, m: re.Match[str], template: str, text: str, *, title: bool = False) -> str:
        def directive(d: re.Match[str]) -> str:
            kind, group, arg = d.group(1), d.group(2), d.group(3)
            value = m.group(group) or ""
            if kind == "like":
                return inflect_like(arg or "", value)
            if kind == "gerund":
                return gerund_items(value)
            if kind == "cap":
                return value.capitalize()
            return self._title(value, m.group(arg) if arg and arg != group else value)

        body = _DIRECTIVE.sub(lambda d: directive(d).replace("\\", "\\\\"), template)
        new = m.expand(body) if "\\g<" in body else body
        before, after = text[: m.start()], text[m.end() :]
        return match_case(m.group(), new, at_start=not before.strip(" -*\u2022\"'\u201c("),
                          title=title or "{title:" in template, before=before, after=after)

    def _title(self, stem: str, ending: str) -> str:
        low = stem.lower()
        if low.endswith(("ess", "esses")) and ending.lower() == low:  # a whole -ess word (not 'business' of 'businessmen')
            title = self.titles.get(low.removesuffix("es") if low.endswith("esses") else low, stem)
            return plural_noun(title) if low.endswith("esses") else title
        title = self.titles.get(low, stem)
        return plural_noun(title) if ending.lower().endswith(("en", "ies", "ys", "ls")) else title


def gerund_items(task: str) -> str:
    """'lift 50 pounds and stand for long periods' -> 'lifting 50 pounds and standing for long periods'."""
    parts = re.split(r"(\s*(?:,\s*(?:and\s+|or\s+)?|\s+and\s+|\s+or\s+))", task)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0 and part:
            first, _, rest = part.partition(" ")
            if is_verb(first) and "VERB" in lemmas(first):
                part = gerund(first) + (" " + rest if rest else "")
        out.append(part)
    return "".join(out)


_SMALL_WORDS = {"a", "an", "the", "and", "or", "of", "in", "on", "for", "to", "with", "at", "by", "as"}
_LEAD = re.compile(r"^[\s\-*\u2022\"'\u201c(]*")


def match_case(original: str, new: str, *, at_start: bool, title: bool = False, before: str = "", after: str = "") -> str:
    """Give `new` the capitalisation `original` had where it stood.

    At the start of a sentence the first letter is capitalised when the original's was, or when
    the original began with no letter at all ('15+ years ...' -> 'Extensive ...'). Mid-sentence,
    an original in capitals stays in capitals, and a Title Case original keeps Title Case when it
    names a job title (`title`) or stands in a Title Case run ('Fabrication Foreman' ->
    'Fabrication Supervisor'); a capital used for emphasis ('support Moms and Dads') is not
    copied onto the replacement."""
    if not new:
        return new
    core = original.strip(" \t-*\u2022\"'\u201c(")
    words = re.findall(r"[A-Za-z][\w'\u2019-]*", core)
    if len(core) > 1 and core.isupper() and sum(c.isalpha() for c in core) > 1:
        return new.upper()
    if at_start:
        if core[:1].isupper() or (core[:1] and not core[:1].isalpha()):
            return _upper_first(new)
        return new
    if words and all(w[:1].isupper() for w in words):
        prev = re.findall(r"[A-Za-z][\w'-]*", before)
        # the word before counts unless it is the sentence's first ('Our Moms' is no Title Case run)
        neighbours = prev[-1:] if len(prev) > 1 else []
        neighbours += re.findall(r"[A-Za-z][\w'-]*", after[:40])[:1]
        if title or len(words) > 1 or any(w[:1].isupper() and w.lower() not in _SMALL_WORDS for w in neighbours):
            return re.sub(r"[A-Za-z][\w'-]*", lambda w: w.group() if w.group() in _SMALL_WORDS else w.group()[:1].upper() + w.group()[1:], new)
    return new


def _upper_first(text: str) -> str:
    """Capitalise the first letter after any leading space, bullet, quote or bracket."""
    i = _LEAD.match(text).end()  # type: ignore[union-attr]
    return text[:i] + text[i : i + 1].upper() + text[i + 1 :]


# -- pronouns -------------------------------------------------------------

_ADVERBS = {"also", "always", "often", "then", "usually", "typically", "currently", "directly", "really", "ideally",
            "quickly", "regularly", "not", "never", "closely", "personally", "primarily", "mainly", "still"}
_PREPOSITIONS = {"to", "with", "for", "in", "on", "at", "and", "or", "as", "by", "from", "about", "up", "if", "when",
                 "a", "an", "the", "into", "through", "during", "after", "before", "over", "throughout", "because"}
# a possessive that opens a sentence before a quality the job asks for ('His strong analytical
# skills ...', 'Her passion for ...') describes an imagined applicant: the rewrite drops it and
# gives the noun the article a recruiter would write ('The ability to ...', 'A passion for ...',
# 'Strong analytical skills ...') rather than 'Their passion', which still reads as one person
_QUALITY_ARTICLE = {
    **dict.fromkeys(("ability", "capacity", "willingness", "eagerness", "readiness", "aptitude"), "The"),
    **dict.fromkeys(("passion", "track", "understanding", "background", "commitment", "desire", "knack", "flair", "eye"), "A"),
    **dict.fromkeys(("dedication", "enthusiasm", "attention", "focus", "drive", "determination", "experience", "expertise",
                     "knowledge", "skills", "creativity", "flexibility", "proficiency", "integrity", "professionalism",
                     "patience", "reliability", "energy", "empathy", "curiosity"), ""),
}
# "he's" + one of these is "he has": 'he's been' -> 'they've been', not 'they're been'
_HAS_PARTICIPLES = {"been", "got", "gotten", "had", "worked", "led", "managed", "built", "spent", "developed",
                    "delivered", "helped", "run", "grown", "held", "gained", "shown", "done", "completed"}


class PronounRule(Rule):
    """he/she -> they (the next verb made to agree), his/her -> their, him/her -> them."""

    __slots__ = ()

    def apply(self, text: str, *, you: bool = False) -> str:
        """Replace every match; `you` addresses the reader instead ('You will ...', 'Your role ...')."""
        kind = self.id.split(".")[1]
        pos = 0
        while True:
            m = self.regex.search(text, pos)
            if not m:
                return text
            after = text[m.end() :]
            if kind == "her":
                nxt = re.match(r"\s+([A-Za-z][\w'-]*)(?:\s+([A-Za-z][\w'-]*))?", after)
                possessive = bool(nxt) and nxt.group(1).lower() not in _PREPOSITIONS and (
                    not is_verb_only(nxt.group(1))
                    # 'her welcoming nature': an -ing word before a noun modifies it ('help her settle in' stays 'them')
                    or (nxt.group(1).lower().endswith("ing") and bool(nxt.group(2)) and only_noun(nxt.group(2)))
                )
                new = "their" if possessive else "them"
            else:
                new = self.replace[0]
            opens = not text[: m.start()].strip(" -*\u2022\"'\u201c")
            if you:
                new = _YOU.get(new, new)
            elif new == "their" and opens and (article := _quality_article(after)) is not None:
                after = after.lstrip()
                new, after = (article + " ", after) if article else ("", after[:1].upper() + after[1:])
                # the possessive covered a coordinated quality too: 'His skills and ability to ...' -> '... and the ability to ...'
                after = re.sub(r"^([^.;:]*?\b(?:and|or)\s+)(ability|capacity|willingness|readiness)\b", r"\1the \2", after, count=1)
                text = text[: m.start()] + new + after
                pos = m.start() + len(new)
                continue
            new = match_case(m.group(), new, at_start=opens or m.group()[:1].isupper())
            if kind == "subject":
                if re.match(r"(?:'|\u2019)s\b", after):
                    has = re.match(r"(?:'|\u2019)s\s+(?:(?:also|already|always|recently|just|never)\s+)?([a-z]+)\b(?!\s+(?:to|by)\b)", after)
                    after = _agree_coordinated(("'ve" if has and has.group(1) in _HAS_PARTICIPLES else "'re") + after[2:], 3)
                else:
                    after = _agree(after)
            text = text[: m.start()] + new + after
            pos = m.start() + len(new)


_YOU = {"they": "you", "their": "your", "them": "you", "themselves": "yourself"}
# a sentence about the imagined applicant: it opens with their pronoun ('He will ...', 'Her role is ...',
# 'As a Buyer, she will ...'); 'Monitor her well-being' is about someone else and gets no 'you'
_OPENS_WITH_PRONOUN = re.compile(
    r"^\s*(?:[-*\u2022]\s+)?(?:as\s+(?:an?|the|our)\s+[^,]{2,60},\s*)?(?:he|she|his|her|s/he|\(s\)he)\b", re.I)
_OTHER_PERSON = re.compile(r"\b(?:they|their|them|theirs|themselves|you|your|yours|yourself|we|our|us)\b", re.I)


def addresses_reader(sentence: str) -> bool:
    """Can the applicant's he/she of this sentence become 'you'? Only where the sentence opens
    with it and mentions no one else by pronoun."""
    if not _OPENS_WITH_PRONOUN.match(sentence):
        return False
    rest = _OPENS_WITH_PRONOUN.sub("", sentence, count=1)
    return not _OTHER_PERSON.search(rest)


def _quality_article(after: str) -> str | None:
    """The article for a sentence-opening 'His/Her [adjectives] <quality>' ('The', 'A', or '' for
    none), or None when something else follows ('Her role is ...' keeps 'Their role')."""
    words = re.findall(r"[A-Za-z][\w'-]*", after[:80])[:4]
    for i, w in enumerate(words):
        low = w.lower()
        if low in _QUALITY_ARTICLE:
            if low == "track" and words[i + 1 : i + 2] != ["record"]:
                return None
            article = _QUALITY_ARTICLE[low]
            return article if i == 0 or not article else "A"  # 'A proven ability', 'Strong analytical skills'
        participle = low.endswith(("ed", "en")) and "VERB" in lemmas(w)  # 'proven', 'demonstrated'
        if not participle and (not ({"ADJ", "ADV"} & set(lemmas(w))) or is_verb_only(w)):
            return None  # a noun or a verb that is no quality: 'Her manager', 'His team'
    return None


def _agree(after: str) -> str:
    """Make the first verb after a new 'they' plural, skipping adverbs; then re-apply to the rest."""
    words = list(re.finditer(r"[A-Za-z][\w'-]*", after))
    for w in words[:4]:
        low = w.group().lower()
        if low in _ADVERBS:
            continue
        new = plural_verb(w.group())
        if new == w.group():  # a modal or past tense ('should', 'worked'): what follows already agrees
            return after
        after = after[: w.start()] + new + after[w.end() :]
        return _agree_coordinated(after, w.start() + len(new))
    # a second subject pronoun later in the sentence is handled by the next rule pass
    return after


def _plural_before(text: str) -> bool:
    """'... nights and weekends.': a plural noun before the conjunction (and, checked by the caller,
    nothing after the second word) makes the pair two nouns, not two verbs."""
    m = re.search(r"([A-Za-z]+)\s*$", text)
    return bool(m) and is_plural_noun(m.group(1))


def _agree_coordinated(after: str, rest_start: int) -> str:
    """Coordinated verbs of the same subject: 'they manage the team and has' -> 'and have'."""
    rest = after[rest_start:]
    coord = re.search(r"\b(and|or)\s+([a-z][\w'-]*)", rest)
    if coord and len(rest[: coord.start()].split()) <= 8 and coord.group(2) in ("has", "is", "does", "was") or (
        coord and plural_verb(coord.group(2)) != coord.group(2) and not re.search(r"[,;]", rest[: coord.start()] or "")
        and len(rest[: coord.start()].split()) <= 6 and "VERB" in lemmas(coord.group(2))
        and not (_plural_before(rest[: coord.start()]) and re.match(r"\s*(?:[.,;:!?)]|and\b|or\b|$)", rest[coord.end() :]))
    ):
        s, e = rest_start + coord.start(2), rest_start + coord.end(2)
        after = after[:s] + plural_verb(coord.group(2)) + after[e:]
    return after


PRONOUN_RULES: tuple[PronounRule, ...] = (
    PronounRule("pronoun.reflexive.binary", "sexuality", re.compile(r"\b(?:himself\s*(?:/|or)\s*herself|herself\s*(?:/|or)\s*himself|him\s*(?:/|or)\s*herself|her\s*(?:/|or)\s*himself)\b", re.I), ("themselves",), ""),
    PronounRule("pronoun.possessive.binary", "sexuality", re.compile(r"\b(?:his\s*(?:/|or)\s*her|her\s*(?:/|or)\s*his)\b", re.I), ("their",), ""),
    PronounRule("pronoun.object.binary", "sexuality", re.compile(r"\b(?:him\s*(?:/|or)\s*her|her\s*(?:/|or)\s*him)\b", re.I), ("them",), ""),
    PronounRule("pronoun.subject.binary", "sexuality", re.compile(r"(?<![\w/])(?:(?:he\s*(?:/|or)\s*she|she\s*(?:/|or)\s*he)(?:\s*/\s*they)?|s/he|\(s\)he|s\(he\)|he\s*\(\s*or\s+she\s*\)|she\s*\(\s*or\s+he\s*\))(?![\w/])", re.I), ("they",), ""),
    PronounRule("pronoun.reflexive.single", "masculine", re.compile(r"\b(?:himself|herself)\b", re.I), ("themselves",), ""),
    PronounRule("pronoun.subject.single", "masculine", re.compile(r"(?<![\w/])(?:he|she)(?![\w/])", re.I), ("they",), ""),
    PronounRule("pronoun.possessive.single", "masculine", re.compile(r"(?<![\w/])his(?![\w/])", re.I), ("their",), ""),
    PronounRule("pronoun.object.single", "masculine", re.compile(r"(?<![\w/])him(?![\w/])", re.I), ("them",), ""),
    PronounRule("pronoun.her.single", "feminine", re.compile(r"(?<![\w/])her(?![\w/])", re.I), ("their",), ""),
)


@lru_cache(maxsize=1)
def default_library() -> PatternLibrary:
    return PatternLibrary.load()
