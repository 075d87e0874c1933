"""`biaslsp --stdio`, `biaslsp --tcp PORT`, `biaslsp lsp [--stdio | --tcp PORT] [--host H]`."""

from __future__ import annotations

import argparse
import logging
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true", dest="lsp_stdio", help="talk LSP over stdin/stdout (default)")
    parser.add_argument("--tcp", type=int, metavar="PORT", dest="lsp_tcp", help="listen for one LSP client on a TCP port")
    parser.add_argument("--host", default="127.0.0.1", help="address for --tcp (default 127.0.0.1)")
    parser.add_argument("--log-file", help="write the server's log here (stderr otherwise)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="debug logging (never with document text or tokens: see lsp/redact.py)")


def main(argv: list[str] | None = None) -> int:
    """Parse only the language server's own options (nothing else is imported)."""
    parser = argparse.ArgumentParser(prog="biaslsp lsp", description="run the biaslsp language server")
    add_arguments(parser)
    return run(parser.parse_args(argv))


def run(args: argparse.Namespace) -> int:
    tcp = getattr(args, "tcp", None) or getattr(args, "lsp_tcp", None)
    level = logging.DEBUG if getattr(args, "verbose", False) else logging.WARNING
    log_file = getattr(args, "log_file", None)
    fmt = "%(asctime)s %(name)s %(levelname)s %(message)s"
    if log_file:
        logging.basicConfig(level=level, filename=log_file, format=fmt)
    else:
        logging.basicConfig(level=level, stream=sys.stderr, format=fmt)
    from .redact import install

    install(logging.getLogger().handlers)
    from .server import server

    if tcp:
        server.start_tcp(getattr(args, "host", "127.0.0.1"), int(tcp))
    else:
        server.start_io()
    return 0
