"""Resumable scan output: a Parquet folder of part files or one JSONL file, plus an errors JSONL.

A batch's rows are written in one step (a Parquet part is written under a hidden name and
renamed into place; JSONL lines are appended in one write and a torn last line is cut on
resume), so a killed scan loses at most the batch it was working on and never writes a row
twice: the next run skips every id already in the output or the errors file.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .inputs import Bad

JSONL_SUFFIXES = (".jsonl", ".ndjson")


class OutputError(Exception):
    """The output path cannot be used (a file where a folder is needed, unwritable...)."""


def is_jsonl(path: Path) -> bool:
    return path.name.lower().endswith(JSONL_SUFFIXES)


def default_errors_path(out: Path) -> Path:
    """OUTPUT.errors.jsonl beside the output (out.jsonl -> out.errors.jsonl)."""
    name = out.name
    for suffix in JSONL_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    return out.with_name(name + ".errors.jsonl")


def _truncate_torn_line(path: Path) -> None:
    """Cut a last line that a kill left half-written (no newline at its end)."""
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return
        pos = size
        while pos > 0:  # scan back for the last newline, a block at a time
            step = min(65536, pos)
            fh.seek(pos - step)
            block = fh.read(step)
            i = block.rfind(b"\n")
            if i >= 0:
                fh.truncate(pos - step + i + 1)
                return
            pos -= step
        fh.truncate(0)


def _jsonl_ids(path: Path) -> set[str]:
    if not path.exists():
        return set()
    _truncate_torn_line(path)
    ids = set()
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    ids.add(str(json.loads(line)["id"]))
                except (ValueError, KeyError, TypeError):
                    raise OutputError(f"{path}: line {n} is not a scan row with an id; is this a scan output?") from None
    return ids


def parquet_parts(folder: Path) -> list[Path]:
    """The visible .parquet files of an output folder (hidden ones are in-progress or set aside)."""
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*.parquet") if not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts))


def parquet_ids(folder: Path) -> set[str]:
    """Ids already in a Parquet output folder; a part that cannot be read (a writer killed
    mid-file) is renamed to a hidden name so the rows it held are scanned again."""
    import pyarrow.parquet as pq

    ids: set[str] = set()
    for part in parquet_parts(folder):
        try:
            ids.update(pq.read_table(part, columns=["id"]).column("id").to_pylist())
        except Exception as exc:  # noqa: BLE001
            aside = part.with_name(f".unreadable-{part.name}")
            part.rename(aside)
            print(f"biaslsp scan: {part}: unreadable ({exc}); set aside as {aside.name}, its ads are scanned again", file=sys.stderr)
    return ids


def _append(path: Path, lines: list[str]) -> None:
    """Append whole lines in one write (O_APPEND: Ray actors share the errors file this way)."""
    if not lines:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("".join(line + "\n" for line in lines))


def append_errors(path: Path, bad: Iterable[Bad]) -> None:
    """One errors line per unreadable ad: its id, where it came from and why."""
    _append(Path(path), [json.dumps({"id": b.id, "source": b.source, "reason": b.reason}, ensure_ascii=False) for b in bad])


class ScanOutput:
    """Where a scan writes its rows and its errors."""

    def __init__(self, out: Path, errors: Path | None = None) -> None:
        self.out = Path(out)
        self.errors = Path(errors) if errors else default_errors_path(self.out)
        self.jsonl = is_jsonl(self.out)
        if self.jsonl:
            if self.out.is_dir():
                raise OutputError(f"{self.out}: is a folder; a .jsonl output is a file")
        elif self.out.exists() and not self.out.is_dir():
            raise OutputError(f"{self.out}: is a file; Parquet output is a folder of part files (or name a .jsonl file)")
        self._run = f"{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        self._seq = 0

    def done_ids(self) -> set[str]:
        """Ids already written, as rows or as errors: a rerun skips them."""
        rows = _jsonl_ids(self.out) if self.jsonl else parquet_ids(self.out)
        return rows | _jsonl_ids(self.errors)

    def write(self, rows: Sequence[dict[str, Any]], bad: Iterable[Bad]) -> None:
        """Write one batch: its errors first, then its rows (a kill in between re-scans only the rows)."""
        append_errors(self.errors, bad)
        if not rows:
            return
        if self.jsonl:
            _append(self.out, [json.dumps(r, ensure_ascii=False) for r in rows])
        else:
            self._write_part(rows)

    def _write_part(self, rows: Sequence[dict[str, Any]]) -> None:
        import pyarrow.parquet as pq

        from .rows import to_table

        self.out.mkdir(parents=True, exist_ok=True)
        name = f"part-{self._run}-{self._seq:06d}.parquet"
        self._seq += 1
        tmp = self.out / f".{name}.tmp"
        pq.write_table(to_table(rows), tmp)
        os.replace(tmp, self.out / name)


def read_rows(out: Path) -> list[dict[str, Any]]:
    """All rows of a scan output (Parquet folder or JSONL), for the report and tests."""
    out = Path(out)
    if is_jsonl(out):
        with open(out, encoding="utf-8") as fh:
            return [json.loads(line) for line in fh if line.strip()]
    import pyarrow.parquet as pq

    if out.is_file():
        return pq.read_table(out).to_pylist()
    rows: list[dict[str, Any]] = []
    for part in parquet_parts(out):
        rows += pq.read_table(part).to_pylist()
    return rows
