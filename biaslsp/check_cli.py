"""`biaslsp check FILE|DIR... [-]`: report biased language in files, as text, JSON or SARIF."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from biaslsp.models.errors import BiaslspError, InputTooLargeError
from biaslsp.models.findings import Finding, findings, line_starts
from biaslsp.models.labels import EXPLANATIONS, LABELS, TITLES, doc_url
from biaslsp.models.limits import DEFAULT_MAX_CHARS
from biaslsp.models.text.markup import Format, guess_format
from biaslsp.models.types import Analysis, Summary

from .discover import CHECKED_SUFFIXES, discover

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_FIXES = 3
SERVER_ENV = "BIASLSP_SERVER_URL"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="files or directories to check (directories recursively: "
                        f"{', '.join(CHECKED_SUFFIXES)}, honouring .gitignore); - reads standard input")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text", help="output format")
    p.add_argument("--input-format", choices=["auto", "text", "markdown", "html"], default="auto",
                   help="how to read the input (default: from the file name)")
    p.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                   help="skip files matching this gitignore-style pattern in a directory argument (repeatable)")
    p.add_argument("--no-rewrites", action="store_true", help="skip rewrite suggestions (faster)")
    p.add_argument("--server", metavar="URL", default=os.environ.get(SERVER_ENV, ""),
                   help="analyse with a running `biaslsp serve` on this machine (e.g. http://127.0.0.1:8750; "
                        f"default ${SERVER_ENV}): no model load, so a check takes a fraction of a second; "
                        "when it is not up (or still loading) the model runs here as usual")


@dataclass
class _Checked:
    path: str
    text: str
    found: list[Finding]
    summary: Summary


def _read(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(name).read_bytes()
        except FileNotFoundError:
            raise BiaslspError(f"{name}: no such file") from None
        except OSError as exc:
            raise BiaslspError(f"{name}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BiaslspError(f"{name}: not valid UTF-8 (byte {exc.start}); convert it to UTF-8 first") from None


def _expand(names: list[str], exclude: list[str]) -> list[str]:
    """Directories become the prose files under them; everything else is kept as given."""
    out = []
    for name in names:
        if name != "-" and Path(name).is_dir():
            found = [str(p) for p in discover(Path(name), exclude)]
            if not found:
                print(f"biaslsp: {name}: no {'/'.join(CHECKED_SUFFIXES)} files to check", file=sys.stderr)
            out += found
        else:
            out.append(name)
    return out


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column (in characters) of a character offset."""
    import bisect

    line = bisect.bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1


def _region(starts: list[int], start: int, end: int) -> dict:
    sl, sc = _position(starts, start)
    el, ec = _position(starts, end)
    return {"startLine": sl, "startColumn": sc, "endLine": el, "endColumn": ec, "charOffset": start, "charLength": end - start}


def _fingerprint(f: Finding, text: str, seen: dict[str, int]) -> str:
    """Stable across moves and edits elsewhere: the rule, the flagged words and their sentence."""
    key = f"{f.label}\0{f.text.lower()}\0{' '.join(text[f.sentence_start:f.sentence_end].split())}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    seen[digest] = seen.get(digest, 0) + 1
    return f"{digest}:{seen[digest]}"


def _rule(label: str) -> dict:
    return {
        "id": label,
        "name": TITLES[label].title().replace(" ", "").replace("-", ""),
        "shortDescription": {"text": TITLES[label]},
        "fullDescription": {"text": EXPLANATIONS[label]},
        "help": {"text": f"{EXPLANATIONS[label]} See {doc_url(label)}",
                 "markdown": f"{EXPLANATIONS[label]}\n\n[More about {TITLES[label].lower()}]({doc_url(label)})"},
        "helpUri": doc_url(label),
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": ["inclusive-language", label], "precision": "medium", "problem.severity": "recommendation"},
    }


def _sarif(checked: list[_Checked]) -> dict:
    """SARIF 2.1.0 with what GitHub code scanning reads; columns count Unicode code points."""
    rule_index = {label: i for i, label in enumerate(LABELS)}
    results = []
    for c in checked:
        uri = quote(Path(c.path).as_posix()) if c.path != "<stdin>" else "stdin"
        starts = line_starts(c.text)
        seen: dict[str, int] = {}
        for f in c.found:
            location = {"artifactLocation": {"uri": uri}, "region": {**_region(starts, f.start, f.end), "snippet": {"text": f.text}}}
            sentence = _region(starts, f.sentence_start, f.sentence_end)
            results.append({
                "ruleId": f.label,
                "ruleIndex": rule_index[f.label],
                "level": "note",
                "message": {"text": f"{TITLES[f.label]}: \u201c{' '.join(f.text.split())}\u201d. {EXPLANATIONS[f.label]}"},
                "locations": [{"physicalLocation": location}],
                "partialFingerprints": {"biaslspFinding/v1": _fingerprint(f, c.text, seen)},
                "fixes": [{
                    "description": {"text": f"Rewrite the sentence: {s}"},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": uri},
                        "replacements": [{"deletedRegion": sentence, "insertedContent": {"text": s}}],
                    }],
                } for s in f.suggestions[:MAX_FIXES]],
            })
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "biaslsp", "informationUri": "https://github.com/biaslsp/biaslsp",
                                "rules": [_rule(l) for l in LABELS]}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def _print_text(path: str, found: list[Finding]) -> None:
    for f in found:
        quoted = " ".join(f.text.split())  # a phrase wrapped over two lines is quoted on one
        print(f"{path}:{f.line}:{f.column}: {f.label}: \"{quoted}\" - {f.message}")
        if f.suggestions:
            print(f"    suggestion: {f.suggestions[0]}")
        elif f.guidance:
            print(f"    guidance: {f.guidance}")


def _category_counts(found: list[Finding]) -> str:
    counts = {l: sum(1 for f in found if f.label == l) for l in LABELS}
    return ", ".join(f"{l} {n}" for l, n in counts.items() if n)


def _print_totals(checked: list[_Checked]) -> None:
    """The closing line(s), on stderr, after everything on stdout has been written."""
    sys.stdout.flush()  # else a pipe holding both streams gets this line before, or inside, the report
    every = [f for c in checked for f in c.found]
    lines = [f"{len(every)} finding(s)" + (f" ({_category_counts(every)})" if every else "") + "."]
    for c in checked:
        counts = _category_counts(c.found)
        lines.append(f"{c.path}: inclusiveness {c.summary.score}/100"
                     f" ({c.summary.flagged_sentences} of {c.summary.sentences} sentence(s) flagged"
                     + (f"; {counts}" if counts else "") + ")")
    print("\n".join(lines), file=sys.stderr)


class _Server:
    """A running `biaslsp serve` (lsp/remote.py: loopback only, and only once it has proved it
    holds this user's token), used while it answers; None from `analyze` means: run the model here."""

    def __init__(self, url: str) -> None:
        import asyncio

        from biaslsp.lsp.remote import RemoteEngine

        self.remote = RemoteEngine(url, timeout_s=120.0)
        self.loop = asyncio.new_event_loop()
        self.used = False
        self.down = ""
        self.version = 0  # one per document sent, so a file named twice is two analyses

    def analyze(self, name: str, text: str, fmt: Format, rewrites: bool) -> Analysis | None:
        from biaslsp.lsp.remote import RemoteCancelled, RemoteError, RemoteUnavailable

        from biaslsp.models.summary import summarize

        if self.down:
            return None
        self.version += 1
        try:
            results = self.loop.run_until_complete(self.remote.analyze(name, self.version, text, fmt, rewrites=rewrites))
        except (RemoteUnavailable, RemoteError, RemoteCancelled) as exc:  # not up, loading, busy: the model runs here
            self.down = str(exc)
            return None
        self.used = True
        labels = tuple(l for l in LABELS if any(l in r.labels for r in results))
        return Analysis(len(text), tuple(results), summarize(results), labels)

    def close(self) -> None:
        self.loop.run_until_complete(self.remote.close())
        self.loop.close()


def _server(url: str) -> _Server | None:
    if not url:
        return None
    try:
        return _Server(url)
    except ValueError as exc:  # not a loopback URL: refused before any text is sent
        raise BiaslspError(f"--server: {exc}") from None


def run(args: argparse.Namespace) -> int:
    errors = 0
    checked: list[_Checked] = []
    engine = None
    try:
        server = _server(getattr(args, "server", ""))
    except BiaslspError as exc:
        print(f"biaslsp: {exc}", file=sys.stderr)
        return 2
    for name in _expand(args.files, getattr(args, "exclude", [])):
        try:
            text = _read(name)
            if len(text) > DEFAULT_MAX_CHARS:  # refused before the model loads (seconds saved)
                raise InputTooLargeError(len(text), DEFAULT_MAX_CHARS)
            fmt: Format = guess_format(name) if args.input_format == "auto" else args.input_format
            analysis = server.analyze(name, text, fmt, not args.no_rewrites) if server else None
            if analysis is None:
                if engine is None:
                    from biaslsp.models.engine import default_engine  # spaCy and the model: only once there is text to check

                    engine = default_engine()
                analysis = engine.analyze(text, fmt=fmt, rewrites=not args.no_rewrites)
        except BiaslspError as exc:
            print(f"biaslsp: {exc}", file=sys.stderr)
            errors += 1
            continue
        checked.append(_Checked(name if name != "-" else "<stdin>", text, findings(analysis, text), analysis.summary))
        if args.format == "text":
            _print_text(checked[-1].path, checked[-1].found)
    if args.format == "json":
        files = [{"path": c.path, "findings": [f.to_dict() for f in c.found], "summary": c.summary.to_dict()} for c in checked]
        json.dump({"files": files}, sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif args.format == "sarif":
        json.dump(_sarif(checked), sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif checked:
        _print_totals(checked)
    if server:
        server.close()
        if server.down:
            print(f"biaslsp: the model server at {server.remote.server_url} was not used ({server.down}); "
                  "the model ran here", file=sys.stderr)
    if errors:
        return 2
    return 1 if any(c.found for c in checked) else 0
