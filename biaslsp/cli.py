"""`biaslsp` command line: check, eval, train, serve, token, and the language server.

Each subcommand lives with its front-end; this module only parses and dispatches.
Exit codes: 0 no findings / success, 1 findings, 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# subcommand -> module with `add_arguments(parser)` and `run(args) -> int`
COMMANDS = {
    "check": ("biaslsp.check_cli", "check job ads for biased language"),
    "eval": ("biaslsp.models.training.eval_cli", "evaluate a model on a benchmark parquet file"),
    "train": ("biaslsp.models.training.train", "train the embedded default model"),
    "export-onnx": ("biaslsp.models.embedded.export_cli", "write a model folder's ONNX encoder files (needs the [train] extra)"),
    "serve": ("biaslsp.server.cli", "run the local model server"),
    "token": ("biaslsp.server.cli_token", "print this install's API token for the server"),
    "lsp": ("biaslsp.lsp.cli", "run the language server (same as `biaslsp --stdio`)"),
    "scan": ("biaslsp.scan.cli", "scan a library of job ads (folder, JSONL, Parquet) into one row per ad"),
    "report": ("biaslsp.scan.report_cli", "write a self-contained HTML report of a scan"),
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # exit 2 with a one-line message, no traceback
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {message}\n")


def _chosen(argv: Sequence[str]) -> str | None:
    """The subcommand named on the command line, if any (the first word that is not an option)."""
    rest = list(argv)
    while rest:
        word = rest.pop(0)
        if word == "--tcp":
            rest = rest[1:]
        elif not word.startswith("-"):
            return word
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the chosen subcommand's module is imported to add its arguments.

    Importing every subcommand (spaCy, the model runtime, the server stack) made `--help`,
    `--version` and usage errors take seconds; now they import nothing beyond argparse.
    `argv=None` builds every subcommand's arguments (documentation, tests).
    """
    from biaslsp import __version__

    parser = _Parser(prog="biaslsp", description="Find biased language in job ads and propose rewrites.")
    parser.add_argument("--version", action="version", version=f"biaslsp {__version__}")
    parser.add_argument("--stdio", action="store_true", help="run the language server over stdio")
    parser.add_argument("--tcp", type=int, metavar="PORT", help="run the language server on a TCP port")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging for --stdio/--tcp")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)
    chosen = _chosen(argv) if argv is not None else None
    for name, (module, help_text) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if argv is not None and name != chosen:
            continue
        try:
            importlib.import_module(module).add_arguments(p)
        except ImportError as exc:
            p.set_defaults(_unavailable=str(exc))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if args.stdio or args.tcp:
        args.command = "lsp"
    if not args.command:
        parser.print_help(sys.stderr)
        return 2
    if getattr(args, "_unavailable", None):
        print(f"biaslsp {args.command}: unavailable: {args._unavailable}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[args.command][0])
    try:
        return int(module.run(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
