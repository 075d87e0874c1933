"""What `biaslsp serve` may write to its log: no user text, no token, no floods, at any level.

User text reaches the log through third-party debug output (websockets logs every frame and
header at DEBUG), through exception messages (pydantic and codec errors quote their input) and
through tracebacks; any web page can make the server refuse things as fast as it likes. So the
one filter on the log handler drops third-party DEBUG records, turns exceptions into one line
(type and where, never the message), redacts tokens, caps line length and throttles repeats.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
from collections.abc import Iterable

MAX_LINE = 500
BURST = 5  # lines of one kind written at once ...
PERIOD_S = 10.0  # ... then at most BURST more per period, with a count of those left out
_SECRETS = (
    re.compile(r"(token=)[^&\s\"']+", re.I),
    re.compile(r"(bearer\s+)[^\s\"',]+", re.I),
)


def exception_summary(exc: BaseException) -> str:
    """`TypeName at file.py:12 in func <- file.py:40 in caller`: enough to find a bug, no message
    (messages may quote the user's text)."""
    frames = traceback.extract_tb(exc.__traceback__)[-3:]
    where = " <- ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} in {f.name}" for f in reversed(frames))
    return f"{type(exc).__name__}" + (f" at {where}" if where else "")


def log_internal(log: logging.Logger, during: str, exc: BaseException) -> None:
    """One line for an unexpected error (throttled by the handler's filter like any other line)."""
    log.error("internal error during %s: %s", during, exception_summary(exc))


class SafeLog(logging.Filter):
    """Installed on the log handler, so it sees records from every logger (logger filters do not
    apply to records propagated from child loggers)."""

    def __init__(self, secrets: Iterable[str] = (), *, own: str = "biaslsp", burst: int = BURST,
                 period_s: float = PERIOD_S) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]
        self.own, self.burst, self.period_s = own, burst, period_s
        self._seen: dict[tuple[str, str], list[float]] = {}  # key -> [window start, count, left out]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO and not (record.name == self.own or record.name.startswith(self.own + ".")):
            return False  # third-party debug output carries frames and headers verbatim
        left_out = self._throttle(record)
        if left_out is None:
            return False
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string must not break logging
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            message = f"{message} [{exception_summary(record.exc_info[1])}]"
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        record.msg, record.args = self.redact(message), ()
        if left_out:
            record.msg += f" ({left_out} similar lines left out)"
        return True

    def redact(self, message: str) -> str:
        for secret in self.secrets:
            message = message.replace(secret, "<redacted>")
        for pattern in _SECRETS:
            message = pattern.sub(r"\1<redacted>", message)
        if len(message) > MAX_LINE:
            message = message[:MAX_LINE] + f"... ({len(message) - MAX_LINE} characters cut)"
        return message

    def _throttle(self, record: logging.LogRecord) -> int | None:
        """None: leave this record out; else how many like it were left out before it."""
        key = (record.name, str(record.msg)[:100])
        now = time.monotonic()
        with self._lock:
            state = self._seen.get(key)
            if state is None or now - state[0] >= self.period_s:
                left_out = int(state[2]) if state else 0
                if len(self._seen) > 10_000:
                    self._seen.clear()
                self._seen[key] = [now, 1, 0]
                return left_out
            if state[1] < self.burst:
                state[1] += 1
                left_out, state[2] = int(state[2]), 0
                return left_out
            state[2] += 1
            return None


def install(level: str, secrets: Iterable[str] = ()) -> SafeLog:
    """Configure the root handler for `biaslsp serve --log-level LEVEL`; add secrets to the
    returned filter's `secrets` as they become known."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    safe = SafeLog(secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(safe)
    return safe
