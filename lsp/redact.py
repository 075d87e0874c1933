"""Keep secrets out of messages and user text out of logs.

`redact` removes tokens (known values, `token=` query values, Bearer credentials, URL
user-info) from any text the language server shows or logs. `SafeLogFilter` goes on the
log handlers: records from other libraries (pygls logs every JSON-RPC message, websockets
its handshake) keep their format string but lose their arguments, our own records are
redacted, and tracebacks keep their frames but drop the exception's message, which can
quote the text that caused it.
"""

from __future__ import annotations

import logging
import re
import traceback

_SECRETS: set[str] = set()
_QUERY_TOKEN = re.compile(r"(?i)((?:^|[?&;\s])(?:token|access_token|api_key|key)=)[^&#\s'\"]*")
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s,'\"]+")
_USERINFO = re.compile(r"(?i)([a-z][a-z0-9+.\-]*://)[^/\s@]*@")
HIDDEN = "[redacted]"


def remember(secret: str) -> None:
    """Treat `secret` (a token) as something never to show or log."""
    if secret and len(secret) >= 8:
        _SECRETS.add(secret)


def redact(text: str) -> str:
    for secret in sorted(_SECRETS, key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = _QUERY_TOKEN.sub(rf"\1{HIDDEN}", text)
    text = _BEARER.sub(rf"\1{HIDDEN}", text)
    return _USERINFO.sub(rf"\1{HIDDEN}@", text)


def _traceback_without_messages(exc_info) -> str:
    etype, _, tb = exc_info
    frames = "".join(traceback.format_tb(tb)) if tb else ""
    return f"Traceback (most recent call last):\n{frames}{etype.__name__ if etype else 'Exception'} (message withheld)"


class SafeLogFilter(logging.Filter):
    """Rewrite each record so that no document text or token reaches the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "biaslsp" or record.name.startswith("biaslsp."):
            try:
                message = record.getMessage()
            except Exception:  # a bad format string: keep the format only
                message = str(record.msg)
            record.msg, record.args = redact(message), None
        else:
            record.msg = redact(str(record.msg))
            if record.args:
                record.msg = record.msg.replace("%r", "%s")
                n = len(record.args) if isinstance(record.args, tuple) else 1
                try:
                    record.msg = record.msg % ((HIDDEN,) * n)
                except (TypeError, ValueError):
                    record.msg += f" [{n} argument(s) withheld]"
                record.args = None
        if record.exc_info:
            record.exc_text = _traceback_without_messages(record.exc_info)
            record.exc_info = None
        record.stack_info = None
        return True


def install(handlers: list[logging.Handler]) -> None:
    for h in handlers:
        if not any(isinstance(f, SafeLogFilter) for f in h.filters):
            h.addFilter(SafeLogFilter())
