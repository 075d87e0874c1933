"""`biaslsp check FILE... [-]`: report biased language in files, as text, JSON or SARIF."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import BiaslspError, InputTooLargeError
from .findings import Finding, findings
from .labels import LABELS, TITLES, doc_url
from .limits import DEFAULT_MAX_CHARS
from .markup import Format, guess_format


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("files", nargs="+", metavar="FILE", help="files to check; - reads standard input")
    p.add_argument("--format", choices=["text", "json", "sarif"], default="text", help="output format")
    p.add_argument("--input-format", choices=["auto", "text", "markdown", "html"], default="auto",
                   help="how to read the input (default: from the file name)")
    p.add_argument("--no-rewrites", action="store_true", help="skip rewrite suggestions (faster)")


def _read(name: str) -> str:
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(name)
        if path.is_dir():
            raise BiaslspError(f"{name}: is a directory")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise BiaslspError(f"{name}: no such file") from None
        except OSError as exc:
            raise BiaslspError(f"{name}: cannot read ({exc.strerror})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BiaslspError(f"{name}: not valid UTF-8 (byte {exc.start}); convert it to UTF-8 first") from None


def _sarif(results: list[dict]) -> dict:
    rules = [{"id": l, "name": TITLES[l], "helpUri": doc_url(l), "shortDescription": {"text": TITLES[l]}} for l in LABELS]
    sarif_results = []
    for f in results:
        for x in f["findings"]:
            sarif_results.append({
                "ruleId": x["label"],
                "level": "note",
                "message": {"text": x["message"]},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": f["path"]},
                    "region": {"startLine": x["line"], "startColumn": x["column"], "charOffset": x["start"], "charLength": x["end"] - x["start"], "snippet": {"text": x["text"]}},
                }}],
                "fixes": [{"description": {"text": s}} for s in x["suggestions"][:3]],
            })
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "biaslsp", "informationUri": "https://github.com/biaslsp/biaslsp", "rules": rules}}, "results": sarif_results}],
    }


def _print_text(path: str, found: list[Finding]) -> None:
    for f in found:
        print(f"{path}:{f.line}:{f.column}: {f.label}: \"{f.text}\" - {f.message}")
        if f.suggestions:
            print(f"    suggestion: {f.suggestions[0]}")


def run(args: argparse.Namespace) -> int:
    errors = 0
    any_findings = False
    results = []
    engine = None
    for name in args.files:
        try:
            text = _read(name)
            if len(text) > DEFAULT_MAX_CHARS:  # refused before the model loads (seconds saved)
                raise InputTooLargeError(len(text), DEFAULT_MAX_CHARS)
            fmt: Format = guess_format(name) if args.input_format == "auto" else args.input_format
            if engine is None:
                from .engine import default_engine  # spaCy and the model: only once there is text to check

                engine = default_engine()
            analysis = engine.analyze(text, fmt=fmt, rewrites=not args.no_rewrites)
        except BiaslspError as exc:
            print(f"biaslsp: {exc}", file=sys.stderr)
            errors += 1
            continue
        found = findings(analysis, text)
        any_findings |= bool(found)
        results.append({"path": name if name != "-" else "<stdin>", "findings": [f.to_dict() for f in found], "summary": analysis.summary.to_dict()})
        if args.format == "text":
            _print_text(results[-1]["path"], found)
    if args.format == "json":
        json.dump({"files": results}, sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif args.format == "sarif":
        json.dump(_sarif(results), sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif results:
        total = sum(len(r["findings"]) for r in results)
        scores = ", ".join(f"{r['path']}: {r['summary']['score']}/100" for r in results)
        print(f"{total} finding(s). Inclusiveness {scores}", file=sys.stderr)
    if errors:
        return 2
    return 1 if any_findings else 0
