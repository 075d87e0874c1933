"""The server's own copy of each open document, with checked incremental edits.

pygls keeps a copy too, but clamps an edit whose range lies past the end of a line or
of the document without a word; here such a range is detected before it is applied,
clamped and reported, so the user learns the editor and the server may disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from lsprotocol import types

from .positions import LineIndex

CONTROL = {chr(c) for c in range(32)} - {"\t", "\n", "\r", "\f", "\v"}


@dataclass
class OpenDocument:
    uri: str
    language_id: str
    version: int
    text: str
    encoding: str = "utf-16"

    def apply(self, changes, version: int) -> list[str]:
        """Apply `changes` in order; returns descriptions of out-of-range edits (clamped).

        Each range is checked against this copy before anything changes it (pygls's own
        copy is not consulted: it clamps silently and splits a lone `\\r` differently)."""
        problems = []
        for change in changes:
            rng = getattr(change, "range", None)
            if rng is None:
                self.text = change.text
                continue
            index = LineIndex(self.text, self.encoding)
            for where, pos in (("start", rng.start), ("end", rng.end)):
                if not index.in_range(pos):
                    problems.append(f"{where} {pos.line}:{pos.character} is outside the document ({index.line_count} lines)")
            start, end = index.offset(rng.start), index.offset(rng.end)
            if end < start:
                problems.append(f"range end {rng.end.line}:{rng.end.character} is before its start")
                start, end = end, start
            self.text = self.text[:start] + change.text + self.text[end:]
        self.version = version
        return problems


def looks_binary(text: str) -> bool:
    """NUL characters, or many control characters, in the first 64K characters."""
    head = text[:65536]
    if "\x00" in head:
        return True
    if not head:
        return False
    return sum(1 for ch in head if ch in CONTROL) / len(head) > 0.05


def change_text(change: types.TextDocumentContentChangeEvent) -> str:
    return change.text
