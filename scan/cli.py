"""`biaslsp scan INPUT --out OUTPUT`: audit a library of job ads, one output row per ad.

Parsing imports nothing heavy (no engine, pyarrow or ray): those load in `run`.
"""

from __future__ import annotations

import argparse
import sys


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("input", metavar="INPUT",
                   help="a folder of .md/.html/.txt files, a JSONL or Parquet file, or a glob of such files")
    p.add_argument("--out", required=True, metavar="OUTPUT",
                   help="a folder of Parquet part files, or a .jsonl file; rerunning resumes where it stopped")
    p.add_argument("--errors", metavar="PATH", help="where unreadable ads go (default: OUTPUT.errors.jsonl)")
    p.add_argument("--text-column", default="text", metavar="C", help="JSONL/Parquet column with the ad text (default: text)")
    p.add_argument("--id-column", default="id", metavar="C",
                   help="JSONL/Parquet column with the ad id (default: id; without one, a hash of the text)")
    p.add_argument("--input-format", choices=["auto", "text", "markdown", "html"], default="auto",
                   help="how to read each ad (default: from the file name; JSONL/Parquet rows as text)")
    p.add_argument("--rewrites", action="store_true", help="add each finding's best verified rewrite (slower)")
    p.add_argument("--workers", type=int, metavar="N", help="worker processes, or Ray actors (default: all cores)")
    p.add_argument("--batch-size", type=int, default=64, metavar="N",
                   help="ads per batch; a killed scan loses at most the batches in flight (default: 64)")
    p.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run on a Ray cluster with Ray Data (needs biaslsp[ray]); ADDRESS defaults to RAY_ADDRESS or a new "
                        "local cluster (write --ray=ADDRESS, or --ray after INPUT, so INPUT is not read as the address)")
    p.add_argument("--classifier", metavar="DIR", help="a Hugging Face classifier directory instead of the embedded model")
    p.add_argument("--adapter", metavar="DIR", help="a PEFT adapter directory for --classifier")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="device for Hugging Face models")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    from .run import ScanRequest, scan

    if args.batch_size < 1 or (args.workers is not None and args.workers < 1):
        print("biaslsp scan: --batch-size and --workers must be at least 1", file=sys.stderr)
        return 2
    req = ScanRequest(
        input=args.input, out=args.out, errors=args.errors, text_column=args.text_column, id_column=args.id_column,
        input_format=args.input_format, rewrites=args.rewrites, workers=args.workers, batch_size=args.batch_size,
        ray=args.ray, classifier=args.classifier, adapter=args.adapter, device=args.device, progress=not args.quiet,
    )
    return scan(req)
