"""Read ads from a folder, a glob, JSONL or Parquet, in bounded batches.

Each input row becomes an `Ad` (id, text, format) or a `Bad` (id, reason) so that an
unreadable file or row is reported and the scan goes on. The per-row parsers are shared
with the Ray pipeline, so both read an input into exactly the same ads.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Format = Literal["text", "markdown", "html"]
Kind = Literal["documents", "jsonl", "parquet"]

DOCUMENT_SUFFIXES = (".md", ".markdown", ".mdx", ".html", ".htm", ".xhtml", ".txt", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")


class InputError(Exception):
    """The input as a whole cannot be read (nothing matches, mixed kinds, missing column)."""


@dataclass(frozen=True, slots=True)
class Options:
    """How to find the text and id of each row, and how to read the text."""

    text_column: str = "text"
    id_column: str = "id"
    input_format: str = "auto"  # auto (from the file name; table rows: text), text, markdown or html


@dataclass(frozen=True, slots=True)
class Ad:
    id: str
    text: str
    fmt: Format
    source: str


@dataclass(frozen=True, slots=True)
class Bad:
    id: str
    source: str
    reason: str


Record = Ad | Bad


@dataclass(frozen=True, slots=True)
class Source:
    """The resolved input: what kind of files, which ones, and the folder document ids are relative to."""

    kind: Kind
    files: tuple[Path, ...]
    base: Path


def kind_of(path: Path) -> Kind | None:
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith(DOCUMENT_SUFFIXES):
        return "documents"
    return None


def resolve(spec: str) -> Source:
    """A folder (its .md/.html/.txt files, recursively), one file, or a glob of files of one kind."""
    path = Path(spec)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and kind_of(p) == "documents"
                       and not any(part.startswith(".") for part in p.relative_to(path).parts))
        if not files:
            raise InputError(f"{spec}: no .md, .html or .txt files in this folder")
        return Source("documents", tuple(files), path)
    if path.is_file():
        kind = kind_of(path) or "documents"
        return Source(kind, (path,), path.parent)
    matches = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
    if not matches:
        raise InputError(f"{spec}: no such file, folder or matching files")
    kinds = {kind_of(p) for p in matches} - {None}
    if len(kinds) != 1:
        raise InputError(f"{spec}: matches {', '.join(sorted(k or '?' for k in kinds)) or 'no readable files'}; give files of one kind")
    kind = kinds.pop()
    files = tuple(p for p in matches if kind_of(p) == kind)
    return Source(kind, files, Path(os.path.commonpath([str(p.parent) for p in files])))


def document_id(path: Path, base: Path) -> str:
    """A document's id: its path relative to the input folder, with forward slashes."""
    return Path(os.path.relpath(path, base)).as_posix()


def text_id(text: str) -> str:
    """The id of a table row that has none: a hash of its text (stable across runs and runners)."""
    return "sha1:" + hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _fmt(opts: Options, name: str, table: bool) -> Format:
    if opts.input_format != "auto":
        return opts.input_format  # type: ignore[return-value]
    if table:
        return "text"
    from biaslsp.models.text.markup import guess_format

    return guess_format(name)


def parse_document(path: str, ad_id: str, data: bytes, opts: Options) -> Record:
    """One document file's bytes as an Ad, or Bad when they are not UTF-8."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Bad(ad_id, path, f"not valid UTF-8 (byte {exc.start}); convert it to UTF-8 first")
    return Ad(ad_id, text, _fmt(opts, path, table=False), path)


def parse_values(source: str, text: Any, row_id: Any, where: str, opts: Options) -> Record:
    """A table row's text and id values as an Ad, or Bad saying what is wrong with them."""
    has_id = row_id is not None and str(row_id) != ""
    if not isinstance(text, str):
        what = "missing" if text is None else f"not a string ({type(text).__name__})"
        return Bad(str(row_id) if has_id else where, source, f"text column {opts.text_column!r} is {what}")
    return Ad(str(row_id) if has_id else text_id(text), text, _fmt(opts, source, table=True), source)


def parse_json_line(source: str, line: str, where: str, opts: Options) -> Record | None:
    """One JSONL line as an Ad or Bad; None for a blank line."""
    line = line.lstrip("\ufeff")  # a byte-order mark before the first line
    if not line.strip():
        return None
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        return Bad(where, source, f"not valid JSON ({exc.msg} at column {exc.colno})")
    if not isinstance(row, dict):
        return Bad(where, source, f"not a JSON object ({type(row).__name__})")
    return parse_values(source, row.get(opts.text_column), row.get(opts.id_column), where, opts)


def _documents(src: Source, opts: Options) -> Iterator[Record]:
    for path in src.files:
        ad_id = document_id(path, src.base)
        try:
            data = path.read_bytes()
        except OSError as exc:
            yield Bad(ad_id, str(path), f"cannot read ({exc.strerror})")
            continue
        yield parse_document(str(path), ad_id, data, opts)


def _jsonl(src: Source, opts: Options) -> Iterator[Record]:
    for path in src.files:
        try:
            fh = open(path, "rb")
        except OSError as exc:
            yield Bad(str(path), str(path), f"cannot read ({exc.strerror})")
            continue
        with fh:
            for n, raw in enumerate(fh, 1):
                where = f"{path.name}:{n}"
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    yield Bad(where, str(path), f"not valid UTF-8 (byte {exc.start} of the line)")
                    continue
                rec = parse_json_line(str(path), line, where, opts)
                if rec is not None:
                    yield rec


def parquet_columns(path: Path, opts: Options) -> list[str]:
    """The columns to read from a Parquet file; InputError when the text column is missing."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    if opts.text_column not in names:
        raise InputError(f"{path}: no text column {opts.text_column!r} (columns: {', '.join(names)}); use --text-column")
    return [opts.text_column] + ([opts.id_column] if opts.id_column in names and opts.id_column != opts.text_column else [])


def _parquet(src: Source, opts: Options, batch_size: int) -> Iterator[Record]:
    import pyarrow.parquet as pq

    for path in src.files:
        try:
            columns = parquet_columns(path, opts)
            pf = pq.ParquetFile(path)
        except InputError as exc:
            yield Bad(str(path), str(path), str(exc))
            continue
        except Exception as exc:  # noqa: BLE001 - a corrupt file is reported, the other files go on
            yield Bad(str(path), str(path), f"cannot read as Parquet ({exc})")
            continue
        n = 0
        for batch in pf.iter_batches(batch_size=batch_size, columns=columns):
            texts = batch.column(opts.text_column).to_pylist()
            ids = batch.column(opts.id_column).to_pylist() if opts.id_column in columns else [None] * len(texts)
            for text, row_id in zip(texts, ids):
                n += 1
                yield parse_values(str(path), text, row_id, f"{path.name}:row {n}", opts)


def records(src: Source, opts: Options, batch_size: int = 256) -> Iterator[Record]:
    """Every ad of the input, in input order, read lazily."""
    if src.kind == "documents":
        return _documents(src, opts)
    if src.kind == "jsonl":
        return _jsonl(src, opts)
    return _parquet(src, opts, batch_size)


def count(src: Source) -> int | None:
    """How many rows the input has, when that is cheap to know (for the progress bar's ETA)."""
    if src.kind == "documents":
        return len(src.files)
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            return sum(pq.ParquetFile(p).metadata.num_rows for p in src.files)
        except Exception:  # noqa: BLE001
            return None
    total = 0
    for p in src.files:
        try:
            with open(p, "rb") as fh:
                total += sum(1 for line in fh if line.strip())
        except OSError:
            return None
    return total


def batched(items: Iterator[Record], size: int) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
