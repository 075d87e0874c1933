"""`biaslsp token`: print this install's server token (creating it on first use)."""

from __future__ import annotations

import argparse
import sys

from .token import TokenFileError, load_or_create_token, token_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--path", action="store_true", help="print the token file's path instead of the token")


def run(args: argparse.Namespace) -> int:
    if args.path:
        print(token_path())
        return 0
    try:
        print(load_or_create_token())
    except TokenFileError as exc:
        print(f"biaslsp token: error: {exc}", file=sys.stderr)
        return 2
    return 0
