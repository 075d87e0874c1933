"""Inline suppression comments.

    <!-- biaslsp-disable -->            everything below is not reported ...
    <!-- biaslsp-disable age general --> ... or only these categories
    <!-- biaslsp-enable -->             ... until re-enabled (optionally per category)
    <!-- biaslsp-ignore-next-line -->   nothing on the next line is reported

The directive is recognised inside any comment syntax (<!-- -->, #, //), so plain-text
files can use them too. Directive text is blanked before analysis so it is never flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from biaslsp.models import LABELS

DIRECTIVE = re.compile(r"biaslsp-(disable|enable|ignore-next-line)\b((?:[ \t]+[a-z]+)*)")
_COMMENT = re.compile(r"<!--[^\n]*?biaslsp-[^\n]*?-->|(?:#|//)[ \t]*biaslsp-[^\n]*")
IGNORE_COMMENT = "<!-- biaslsp-ignore-next-line -->"


@dataclass
class Suppressions:
    # (offset, frozenset of labels disabled from there on)
    regions: list[tuple[int, frozenset[str]]] = field(default_factory=list)
    ignored_lines: set[int] = field(default_factory=set)  # 0-based lines

    def suppressed(self, offset: int, line: int, label: str) -> bool:
        if line in self.ignored_lines:
            return True
        disabled: frozenset[str] = frozenset()
        for at, labels in self.regions:
            if at > offset:
                break
            disabled = labels
        return label in disabled


def parse(text: str, line_of) -> Suppressions:
    """Directives in `text`; `line_of(offset)` gives the 0-based line of an offset."""
    sup = Suppressions()
    disabled: set[str] = set()
    for m in DIRECTIVE.finditer(text):
        kind = m.group(1)
        words = [w for w in m.group(2).split() if w in LABELS]
        if kind == "ignore-next-line":
            sup.ignored_lines.add(line_of(m.start()) + 1)
            continue
        if kind == "disable":
            disabled = disabled | set(words or LABELS)
        else:
            disabled = disabled - set(words) if words else set()
        sup.regions.append((m.end(), frozenset(disabled)))
    return sup


def blank_directives(text: str) -> str:
    """`text` with directive comments replaced by spaces (same length, same lines)."""
    if "biaslsp-" not in text:
        return text
    return _COMMENT.sub(lambda m: " " * len(m.group(0)), text)
