"""Server settings in one frozen object, so every module reads the same limits."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

DEFAULT_PORT = 8750
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps that keep one page or one client from exhausting the server."""

    max_text_chars: int = 200_000  # a long job ad is ~10k characters
    max_frame_bytes: int = 1_048_576  # websocket frames over this close the connection with 1009
    max_body_bytes: int = 1_048_576  # REST request bodies
    max_sentences: int = 4_000  # sentences per analyze request
    max_connections: int = 64  # open websockets
    max_docs_per_connection: int = 64  # documents tracked per websocket
    max_candidates: int = 8  # rewrite candidates per request
    rest_rate: float = 50.0  # REST requests per second (sustained) ...
    rest_burst: int = 200  # ... and in a burst
    ws_rate: float = 100.0  # websocket messages per second per connection ...
    ws_burst: int = 400  # ... and in a burst
    max_outgoing: int = 20_000  # frames queued for one client that is not reading
    send_timeout_s: float = 15.0  # a client that takes longer to accept one frame is dropped
    max_pending_rewrites: int = 16  # rewrites queued server-wide
    head_timeout_s: float = 10.0  # a connection must send its request line and headers within this
    max_idle_connections: int = 256  # connections waiting for a request head; more close the oldest

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SchedulerSettings:
    """Micro-batching knobs; see server/scheduler.py for what each one trades."""

    token_budget: int = 4_096  # padded tokens per model batch
    max_batch: int = 64  # sentences per model batch
    max_queue: int = 50_000  # queued sentences before `busy`
    linger_s: float = 0.002  # wait this long for a batch to fill when the queue is short
    aging_s: float = 0.25  # a background sentence waiting this long outranks a fresh edit
    recover_batches: int = 50  # after a model failure halved the batch size, double it after this many good batches

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything `biaslsp serve` decides before the app starts."""

    token: str
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    allowed_origins: tuple[str, ...] = ()
    allow_remote: bool = False
    log_text: bool = False  # never log user text unless asked (debugging only)
    device: str = "cpu"
    limits: Limits = field(default_factory=Limits)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
