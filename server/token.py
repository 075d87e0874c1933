"""The per-install API token: created once with mode 0600, compared in constant time.

Any web page can send requests to a loopback port; only a caller that can read this
file (the user, the extension after pairing) can get answers.
"""

from __future__ import annotations

import hmac
import logging
import os
import secrets
import stat
from pathlib import Path

log = logging.getLogger("biaslsp.server")
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


class TokenFileError(ValueError):
    """The token file or its folder cannot be trusted; the message says what to do."""


def _private_dir(folder: Path) -> None:
    """Create the folder 0700, or tighten an existing one that others can read or write."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if not stat.S_ISDIR(info.st_mode):
        raise TokenFileError(f"{folder} is not a folder")
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            os.chmod(folder, 0o700)
        except PermissionError:
            raise TokenFileError(f"{folder} is open to other users and is not yours to tighten: "
                                 "set BIASLSP_CONFIG_DIR to a private folder") from None
        log.warning("%s was open to other users (mode %o); tightened it to 0700", folder, stat.S_IMODE(info.st_mode))


def _write_new(path: Path, *, replace: bool = False) -> str | None:
    """A fresh token in a new 0600 file, put in place in one step: `replace` swaps out the old
    file (os.replace swaps a symlink itself, never what it points to); otherwise it is linked in
    only if there is still no file, so two processes starting at once agree (None: the other won)."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(token + "\n")
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return None
    finally:
        tmp.unlink(missing_ok=True)
    return token


def load_or_create_token(path: Path | None = None) -> str:
    """Read the token, creating it (0600, in a 0700 folder) on first use.

    A token file that others could read may have been read: it is replaced by a new token (the
    extension then needs the new one). A symlink is refused rather than followed, so nobody can
    point the server at a file of their choosing.
    """
    path = path or token_path()
    _private_dir(path.parent)
    fd = None
    for _ in range(3):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            break
        except FileNotFoundError:
            token = _write_new(path)
            if token is not None:
                return token
            # another process created it just now: read theirs
        except OSError as exc:
            if path.is_symlink():
                raise TokenFileError(f"{path} is a symbolic link; the token file must be a plain file (delete the link)") from None
            raise TokenFileError(f"cannot read {path}: {exc.strerror}") from None
    if fd is None:
        raise TokenFileError(f"{path} keeps appearing and disappearing")
    with os.fdopen(fd, "r", encoding="utf-8") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TokenFileError(f"{path} is not a plain file")
        if hasattr(os, "getuid") and info.st_uid != os.getuid():
            raise TokenFileError(f"{path} belongs to another user; delete it to get a new token")
        token = f.read(4096).strip()
    if stat.S_IMODE(info.st_mode) & 0o077:
        log.warning("%s was readable by other users (mode %o): replaced it with a new token; "
                    "give the new one (`biaslsp token`) to the browser extension", path, stat.S_IMODE(info.st_mode))
        return _write_new(path, replace=True) or token
    if len(token) >= 16:
        return token
    return _write_new(path, replace=True) or token  # empty or truncated file: replace it


def token_matches(given: str | None, expected: str) -> bool:
    """Constant-time comparison, so response timing leaks nothing about the token."""
    if not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8"))
