"""Connection-level defences that uvicorn's own protocols lack.

Any process (and any web page) can open TCP connections to the loopback port without a token.
uvicorn gives a connection that has not finished its request head unlimited time, and its
`limit_concurrency` counts such idle connections, so ~200 of them made every request 503. Here:

- a request head (request line and headers) must arrive within `head_timeout_s` of the
  connection opening or of the previous response, however slowly it trickles in;
- at most `max_waiting` connections may be waiting for a head at once: a new one closes the
  oldest, so idle connections can never crowd out a client that sends its request at once;
- a websocket handshake whose request line or a header line is over 8 KiB gets its 414/431
  (websockets prepares that answer, uvicorn never wrote it, and the connection hung), and a
  refused handshake is not logged as an ASGI error.

`/v1/stats` reports the counts as `connections_closed_slow` and `connections_closed_crowded`.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

HEAD_TIMEOUT_S = 10.0
MAX_WAITING = 256
COUNTERS = {"connections_closed_slow": 0, "connections_closed_crowded": 0}


class GuardedH11Protocol(H11Protocol):
    head_timeout_s = HEAD_TIMEOUT_S
    max_waiting = MAX_WAITING

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # one registry per server (ServerState is shared by all its connections)
        self._waiting: OrderedDict[GuardedH11Protocol, None] = self.server_state.__dict__.setdefault(
            "biaslsp_waiting", OrderedDict())
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._await_head()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._head_arrived_if_so()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            if self.cycle is None or self.cycle.response_complete:
                self._await_head()  # idle again (or still sending a body nobody reads)
            self._head_arrived_if_so()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    # -- the head deadline --------------------------------------------------

    def _await_head(self) -> None:
        if self._head_timer is not None:
            return
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._close, "connections_closed_slow")
        self._waiting[self] = None
        while len(self._waiting) > self.max_waiting:
            oldest = next(iter(self._waiting))
            oldest._close("connections_closed_crowded")

    def _head_arrived_if_so(self) -> None:
        """A request is being served (a new cycle started, or the socket became a websocket)."""
        if self._head_timer is None:
            return
        upgraded = self.transport.get_protocol() is not self
        serving = self.cycle is not None and not self.cycle.response_complete
        if upgraded or serving or self.transport.is_closing():
            self._stop_waiting()

    def _stop_waiting(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None
        self._waiting.pop(self, None)

    def _close(self, counter: str) -> None:
        self._stop_waiting()
        if not self.transport.is_closing():
            COUNTERS[counter] += 1
            self.transport.close()


class GuardedWebSocketProtocol(WebSocketsSansIOProtocol):
    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.handshake_initiated and self.conn.handshake_exc is not None and not self.transport.is_closing():
            # websockets refused the handshake (line too long, too many headers, not HTTP) and
            # prepared the answer; send it and close instead of waiting forever
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.handshake_complete = self.close_sent = True
            self.transport.close()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if message["type"] == "websocket.http.response.body" and not message.get("more_body", False):
            self.handshake_complete = True  # a refusal the app sent on purpose, not a failed handshake
