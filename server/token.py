"""The per-install API token: created once with mode 0600, compared in constant time.

Any web page can send requests to a loopback port; only a caller that can read this
file (the user, the extension after pairing) can get answers.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from pathlib import Path

TOKEN_FILE = "token"
TOKEN_BYTES = 32


def config_dir() -> Path:
    """$BIASLSP_CONFIG_DIR, else $XDG_CONFIG_HOME/biaslsp, else ~/.config/biaslsp."""
    explicit = os.environ.get("BIASLSP_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".config"
    return base / "biaslsp"


def token_path() -> Path:
    return config_dir() / TOKEN_FILE


def load_or_create_token(path: Path | None = None) -> str:
    """Read the token, creating it (0600, in a 0700 folder) on first use."""
    path = path or token_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:  # someone loosened it: tighten rather than serve a readable secret
            os.chmod(path, 0o600)
        token = path.read_text(encoding="utf-8").strip()
        if len(token) >= 16:
            return token
        fd = os.open(path, os.O_WRONLY | os.O_TRUNC, 0o600)  # empty or truncated file: replace it
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(token + "\n")
    return token


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing leaks nothing about the token."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))
