"""Answer at once while the model loads: `biaslsp serve` listens before its engine exists.

Loading the model took most of the server's start-up; clients (the browser extension, the
LSP's remote mode) saw "connection refused" and could not tell a starting server from a dead
one. `DeferredApp` serves from the first moment: `/health` says `{"status": "loading"}` (503,
so readiness probes keep waiting), every other request gets a 503 `loading` error with
`Retry-After`, websockets are closed with 1013 (try again later). When the app built in a
background thread is ready, its lifespan is started and every request goes to it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("biaslsp.server")
ASGIApp = Callable[..., Any]

LOADING_HEALTH = {"status": "loading"}
LOADING_ERROR = {"error": {"code": "loading", "message": "the model is still loading; retry in a moment"}}


class DeferredApp:
    """ASGI app that answers `loading` until `build()` (run in a thread) returns the real app."""

    def __init__(self, build: Callable[[], ASGIApp], on_failure: Callable[[BaseException], None] | None = None) -> None:
        self._build = build
        self.on_failure = on_failure
        self.app: ASGIApp | None = None  # set once the real app's lifespan has started
        self.error: BaseException | None = None
        self._inner: tuple[asyncio.Queue, asyncio.Queue, asyncio.Task] | None = None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        if self.app is not None:
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1013, "reason": "model loading"})
            return None
        body = LOADING_HEALTH if scope.get("path") == "/health" else LOADING_ERROR
        await send({"type": "http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1"), (b"cache-control", b"no-store")]})
        await send({"type": "http.response.body", "body": json.dumps(body).encode()})
        return None

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        loop = asyncio.get_running_loop()
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                threading.Thread(target=self._load, args=(loop,), name="biaslsp-model-load", daemon=True).start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._stop_inner()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def _load(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            app = self._build()
        except BaseException as exc:  # noqa: BLE001 - reported to the caller, which stops the server
            self.error = exc
            if self.on_failure:
                loop.call_soon_threadsafe(self.on_failure, exc)
            return
        asyncio.run_coroutine_threadsafe(self._start_inner(app), loop)

    async def _start_inner(self, app: ASGIApp) -> None:
        """Run the real app's lifespan startup (its scheduler), then route requests to it."""
        to_app: asyncio.Queue = asyncio.Queue()
        from_app: asyncio.Queue = asyncio.Queue()
        task = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, to_app.get, from_app.put))
        self._inner = (to_app, from_app, task)
        await to_app.put({"type": "lifespan.startup"})
        reply = await from_app.get()
        if reply["type"] != "lifespan.startup.complete":
            self.error = RuntimeError(reply.get("message", "the app failed to start"))
            if self.on_failure:
                self.on_failure(self.error)
            return
        self.app = app
        log.info("model loaded; serving")

    async def _stop_inner(self) -> None:
        if self._inner is None:
            return
        to_app, from_app, task = self._inner
        self.app = None
        if not task.done():
            await to_app.put({"type": "lifespan.shutdown"})
            try:
                await asyncio.wait_for(from_app.get(), timeout=5)
            except TimeoutError:
                task.cancel()
