"""Which files a directory argument of `biaslsp check` stands for.

Prose files only (.md, .markdown, .html, .htm, .txt), found recursively, skipping
`.git`, whatever the `.gitignore` files on the way ignore (the directory's own, its
subdirectories' and those above it up to the repository root) and the `--exclude`
patterns (gitignore syntax, relative to the directory given).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from pathspec import GitIgnoreSpec

CHECKED_SUFFIXES = (".md", ".markdown", ".html", ".htm", ".txt")


def _load(gitignore: Path) -> GitIgnoreSpec | None:
    try:
        return GitIgnoreSpec.from_lines(gitignore.read_text(encoding="utf-8", errors="replace").splitlines())
    except OSError:
        return None


def _parent_specs(root: Path) -> list[tuple[Path, GitIgnoreSpec]]:
    """.gitignore files above `root`, up to the directory holding `.git` (none outside a repository)."""
    found = []
    for parent in root.resolve().parents:
        spec = _load(parent / ".gitignore") if (parent / ".gitignore").is_file() else None
        if spec:
            found.append((parent, spec))
        if (parent / ".git").exists():
            return found
    return []


def _ignored(path: Path, is_dir: bool, specs: Sequence[tuple[Path, GitIgnoreSpec]]) -> bool:
    suffix = "/" if is_dir else ""
    absolute = path.resolve()
    for base, spec in specs:
        try:
            rel = absolute.relative_to(base).as_posix()
        except ValueError:
            continue
        if spec.match_file(rel + suffix):
            return True
    return False


def discover(root: Path, exclude: Sequence[str] = ()) -> Iterator[Path]:
    """The prose files under `root`, in a stable (sorted) order."""
    specs = _parent_specs(root)
    if exclude:
        specs.append((root.resolve(), GitIgnoreSpec.from_lines(exclude)))
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        if (here / ".gitignore").is_file() and (spec := _load(here / ".gitignore")):
            specs.append((here.resolve(), spec))
        dirnames[:] = sorted(d for d in dirnames if d != ".git" and not _ignored(here / d, True, specs))
        for name in sorted(filenames):
            path = here / name
            if name.lower().endswith(CHECKED_SUFFIXES) and not _ignored(path, False, specs):
                yield path
