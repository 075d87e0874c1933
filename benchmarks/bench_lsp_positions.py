"""Offset <-> LSP position conversion on long lines (printed, not asserted; issue 13 item 4).

    .venv/bin/python benchmarks/bench_lsp_positions.py [--chars 50000]

Converts one position per 20 characters both ways (about what a document full of findings
needs: each diagnostic has a range, its sentence's range and its rewrite edits' ranges) on
the same text laid out as one line and as many 100-character lines, with lsp/positions.py
and, as the baseline in the same run, the earlier method (count UTF-16 units from the line
start for every position).
"""

from __future__ import annotations

import argparse
import bisect
import time

from lsprotocol import types

from biaslsp.lsp.positions import LineIndex


class StartCountingIndex:
    """The method before the fix: O(line length) per conversion."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def position(self, offset: int) -> types.Position:
        line = bisect.bisect_right(self.starts, offset) - 1
        s = self.text[self.starts[line] : offset]
        return types.Position(line=line, character=len(s) + sum(1 for ch in s if ord(ch) > 0xFFFF))

    def offset(self, pos: types.Position) -> int:
        start = self.starts[pos.line]
        end = self.starts[pos.line + 1] - 1 if pos.line + 1 < len(self.starts) else len(self.text)
        units = 0
        for i, ch in enumerate(self.text[start:end]):
            w = 2 if ord(ch) > 0xFFFF else 1
            if units + w > pos.character:
                return start + i
            units += w
        return end


def run(index_cls, text: str, step: int) -> float:
    t0 = time.perf_counter()
    index = index_cls(text)
    for off in range(0, len(text), step):
        index.offset(index.position(off))
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--chars", type=int, default=50_000)
    ap.add_argument("--step", type=int, default=20)
    args = ap.parse_args()
    unit = "We want young, energetic rockstars 😀 for our team. "
    one = (unit * (args.chars // len(unit) + 1))[: args.chars]
    many = "\n".join(one[i : i + 99] for i in range(0, len(one), 100))
    n = len(range(0, len(one), args.step))
    print(f"{len(one):,} characters, {n:,} conversions each way (machine shared with other work: compare ratios)")
    for name, text in (("one line", one), ("100-char lines", many)):
        new = run(LineIndex, text, args.step)
        old = run(StartCountingIndex, text, args.step)
        print(f"  {name:15s} positions.py {new * 1000:8.1f} ms   baseline {old * 1000:9.1f} ms   baseline/new {old / new:7.1f}x")


if __name__ == "__main__":
    main()
