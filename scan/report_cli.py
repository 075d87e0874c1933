"""`biaslsp report OUTPUT --html report.html`: a self-contained HTML report of a scan."""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("output", metavar="OUTPUT", help="what `biaslsp scan --out` wrote (a Parquet folder or a .jsonl file)")
    p.add_argument("--html", required=True, metavar="FILE", help="the report to write")
    p.add_argument("--errors", metavar="PATH", help="the scan's errors file (default: OUTPUT.errors.jsonl)")
    p.add_argument("--title", help="the report's title")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .report import write_report

    out = Path(args.output)
    if not out.exists():
        print(f"biaslsp report: {out}: no such scan output", file=sys.stderr)
        return 2
    try:
        agg = write_report(out, Path(args.html), errors=Path(args.errors) if args.errors else None, title=args.title)
    except (OSError, ValueError, KeyError) as exc:
        print(f"biaslsp report: cannot read {out} as a scan output ({exc})", file=sys.stderr)
        return 2
    print(f"biaslsp report: {agg.ads:,} ad(s), {agg.findings:,} finding(s); wrote {args.html}", file=sys.stderr)
    return 0
