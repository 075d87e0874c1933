"""Character offsets (the engine's unit) <-> LSP positions (line, UTF-16 code units).

The engine reports offsets in code points; LSP clients count UTF-16 code units by
default, so an emoji or a character outside the BMP is two units wide. `LineIndex`
converts one document version both ways in O(log lines + line length).
"""

from __future__ import annotations

import bisect

from lsprotocol import types


def utf16_len(s: str) -> int:
    """Length of `s` in UTF-16 code units."""
    return len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF)


class LineIndex:
    """Line starts of one text, for converting offsets and positions."""

    def __init__(self, text: str, encoding: str = "utf-16") -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        i = text.find("\n")
        while i != -1:
            self.starts.append(i + 1)
            i = text.find("\n", i + 1)

    def _units(self, s: str) -> int:
        if self.encoding == "utf-32":
            return len(s)
        if self.encoding == "utf-8":
            return len(s.encode("utf-8", "surrogatepass"))
        return utf16_len(s)

    def line_text(self, line: int) -> str:
        start = self.starts[line]
        end = self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)
        return self.text[start:end]

    def position(self, offset: int) -> types.Position:
        """The LSP position of character offset `offset` (clamped into the text)."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return types.Position(line=line, character=self._units(self.text[self.starts[line] : offset]))

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset(self, pos: types.Position) -> int:
        """The character offset of an LSP position; positions past a line's end or the
        text's end are clamped, a position inside a surrogate pair rounds down."""
        if pos.line < 0:
            return 0
        if pos.line >= len(self.starts):
            return len(self.text)
        start = self.starts[pos.line]
        line = self.line_text(pos.line)
        units = 0
        for i, ch in enumerate(line):
            w = self._units(ch)
            if units + w > pos.character:
                return start + i
            units += w
        return start + len(line)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, max(0, min(offset, len(self.text)))) - 1
