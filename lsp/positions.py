"""Character offsets (the engine's unit) <-> LSP positions (line, UTF-16 code units).

The engine reports offsets in code points; LSP clients count UTF-16 code units by
default, so a character outside the BMP is two units wide (a lone surrogate, which a
JSON client can send, is one code point and one unit). Lines end at `\\n`, `\\r\\n` or a
lone `\\r`, as the LSP specification says.

`LineIndex` is built once per document version in linear time (C-speed regex scans) and
then converts in O(log n) per call, however long the line: it keeps the line starts and
the offsets of the few characters wider than one unit, and counts units by bisection.
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

LINE_BREAK = re.compile(r"\r\n?|\n")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_NON_ASCII = re.compile("[\u0080-\U0010ffff]")


def utf16_len(s: str) -> int:
    """Length of `s` in UTF-16 code units."""
    return len(s) + sum(1 for _ in _ASTRAL.finditer(s))


def _utf8_extra(ch: str) -> int:
    o = ord(ch)
    return 1 if o < 0x800 else 2 if o < 0x10000 else 3  # surrogates: 3 bytes with surrogatepass


class LineIndex:
    """Line starts and wide characters of one text, for converting offsets and positions."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        self._ends: list[int] = []  # where each line's content ends (its break starts)
        for m in LINE_BREAK.finditer(text):
            self._ends.append(m.start())
            self.starts.append(m.end())
        self._ends.append(len(text))
        # offsets of characters wider than one unit, and the extra units before each
        if encoding == "utf-32":
            self._wide: list[int] = []
            self._cum: list[int] | None = None
        elif encoding == "utf-8":
            wide = list(_NON_ASCII.finditer(text))
            self._wide = [m.start() for m in wide]
            cum = [0]
            for m in wide:
                cum.append(cum[-1] + _utf8_extra(m.group()))
            self._cum = cum
        else:
            self._wide = [m.start() for m in _ASTRAL.finditer(text)]
            self._cum = None  # every wide character is one extra unit

    def _extra_before(self, offset: int) -> int:
        k = bisect.bisect_left(self._wide, offset)
        return k if self._cum is None else self._cum[k]

    def units(self, start: int, end: int) -> int:
        """Code units of text[start:end] in this index's encoding."""
        return (end - start) + self._extra_before(end) - self._extra_before(start)

    @property
    def line_count(self) -> int:
        return len(self.starts)

    def line_end(self, line: int) -> int:
        """Offset where `line`'s content ends (before its line break)."""
        return self._ends[line]

    def line_units(self, line: int) -> int:
        """Length of `line` in code units, without its line break."""
        return self.units(self.starts[line], self._ends[line])

    def line_text(self, line: int) -> str:
        return self.text[self.starts[line] : self._ends[line]]

    def position(self, offset: int) -> types.Position:
        """The LSP position of character offset `offset` (clamped into the text; an offset
        inside a CRLF is the end of its line)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        offset = min(offset, self._ends[line])
        return types.Position(line=line, character=self.units(self.starts[line], offset))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset(self, pos: types.Position) -> int:
        """The character offset of an LSP position; positions past a line's end or the
        text's end are clamped, a position inside a surrogate pair rounds down."""
        if pos.line < 0:
            return 0
        if pos.line >= len(self.starts):
            return len(self.text)
        start, end = self.starts[pos.line], self._ends[pos.line]
        want = max(0, pos.character)
        if self.units(start, end) <= want:
            return end
        lo, hi = start, end  # the last offset whose units from the line start fit in `want`
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.units(start, mid) <= want:
                lo = mid
            else:
                hi = mid - 1
        return lo

    def in_range(self, pos: types.Position) -> bool:
        """Whether `pos` is a place in the text: on an existing line, at most at its end (or
        the start of the line after the last, which some editors send for the text's end)."""
        if pos.line == len(self.starts) and pos.character == 0:
            return True
        if pos.line < 0 or pos.character < 0 or pos.line >= len(self.starts):
            return False
        return pos.character <= self.line_units(pos.line)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, max(0, min(offset, len(self.text)))) - 1
