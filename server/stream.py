"""The websocket `/v1/stream`: per-sentence results streamed as they are ready.

One Connection per socket. Incoming frames are parsed and validated here; the
work goes to the shared Scheduler; results come back as frames in a bounded
outgoing queue drained by one sender task, so a client that stops reading is
dropped instead of holding memory, and never slows anyone else down. Errors are
frames and the connection stays open; only protocol violations (oversized frames:
1009, invalid UTF-8: 1007, both enforced by the websocket layer) close it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.websockets import WebSocket

from biaslsp.models import LABELS, BiaslspError, InputTooLargeError, InvalidInputError, Rewrite, SentenceResult
from biaslsp.models.summary import summarize

from .documents import by_distance, edit_point, place, segment
from .logs import log_internal
from .rewrites import rewrite_sentence
from .scheduler import BACKGROUND, FOREGROUND, BusyError, Ticket
from .schemas import MAX_ID, AnalyzeFrame, CancelFrame, RewriteFrame, describe, has_surrogate
from .security import RateLimiter
from .services import Services

log = logging.getLogger("biaslsp.server")
FOREGROUND_RADIUS = 1  # the edited sentence and its neighbours take the priority lane
INLINE_SEGMENT_CHARS = 4_000  # longer texts are segmented off the event loop


class FrameError(Exception):
    """A client mistake, answered with an error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


@dataclass
class DocState:
    version: int
    text: str
    ticket: Ticket
    task: asyncio.Task | None = None
    finished: bool = False


@dataclass
class Connection:
    ws: WebSocket
    services: Services
    docs: dict[str, DocState] = field(default_factory=dict)
    rewrites: set[asyncio.Task] = field(default_factory=set)
    closed: bool = False

    def __post_init__(self) -> None:
        limits = self.services.config.limits
        self.out: asyncio.Queue[str] = asyncio.Queue(limits.max_outgoing)
        self.rate = RateLimiter(limits.ws_rate, limits.ws_burst)
        self.overflow = asyncio.Event()

    # -- lifecycle --------------------------------------------------------

    async def serve(self) -> None:
        sender = asyncio.create_task(self._send_loop())
        receiver = asyncio.create_task(self._receive_loop())
        overflow = asyncio.create_task(self.overflow.wait())
        try:
            await asyncio.wait({sender, receiver, overflow}, return_when=asyncio.FIRST_COMPLETED)
            if overflow.done() and not receiver.done():
                log.warning("dropped a websocket client that stopped reading (%d frames queued)", self.out.qsize())
        finally:
            self.closed = True
            for t in (sender, receiver, overflow):
                t.cancel()
            for state in self.docs.values():
                state.ticket.cancel()
                if state.task:
                    state.task.cancel()
            for t in self.rewrites:
                t.cancel()
            await asyncio.wait({sender, receiver, overflow}, timeout=5)

    def emit(self, frame: dict[str, Any]) -> None:
        """Queue a frame; a client that lets the queue fill up is disconnected."""
        if self.closed:
            return
        try:
            self.out.put_nowait(encode(frame))
        except asyncio.QueueFull:
            self.overflow.set()

    def error(self, code: str, message: str, **ids: Any) -> None:
        self.emit({"type": "error", "code": code, "message": message, **{k: v for k, v in ids.items() if v is not None}})

    async def _send_loop(self) -> None:
        timeout = self.services.config.limits.send_timeout_s
        while not self.closed:
            frame = await self.out.get()
            try:
                async with asyncio.timeout(timeout):  # not wait_for: on 3.11 it can swallow a cancellation
                    await self.ws.send_text(frame)
            except TimeoutError:
                log.warning("dropped a websocket client that did not read a frame for %.0f s", timeout)
                return

    async def _receive_loop(self) -> None:
        while True:
            message = await self.ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is None:
                self.error("bad_request", "send JSON text frames, not binary ones")
                continue
            if not self.rate.allow():
                self._refuse_rate_limited(message["text"])
                continue
            try:
                self._handle(_parse(message["text"]))
            except FrameError as exc:
                self.error(exc.code, exc.message, **_ids(message["text"]))
            except Exception as exc:  # noqa: BLE001 - the connection must survive any one bad frame
                log_internal(log, "handling a frame", exc)
                self.error("internal", "internal server error", **_ids(message["text"]))

    def _refuse_rate_limited(self, raw: str) -> None:
        """Like any refused analyze, a rate-limited one is answered for its doc and version, with a `done`."""
        message = "too many messages; slow down"
        ids = _ids(raw)
        if "doc" in ids and "version" in ids:  # only an analyze's version is echoed
            doc, version = ids["doc"], ids["version"]
            self.error("rate_limited", message, doc=doc, version=version)
            self.emit({"type": "done", "doc": doc, "version": version, "cancelled": True, "error": "rate_limited"})
            return
        self.error("rate_limited", message, **ids)

    # -- messages ---------------------------------------------------------

    def _handle(self, msg: dict[str, Any]) -> None:
        kind = msg.get("type")
        if not isinstance(kind, str):
            raise FrameError("bad_request", "every message needs a string field 'type'")
        if kind == "analyze":
            self._analyze(_validate(AnalyzeFrame, msg))
        elif kind == "rewrite":
            self._rewrite(_validate(RewriteFrame, msg))
        elif kind == "cancel":
            doc = _validate(CancelFrame, msg).doc
            state = self.docs.get(doc)
            if state is not None:
                self._cancel(doc, state)
        elif kind == "ping":
            self.emit({"type": "pong"})
        else:
            kind = ascii(kind[:40]) if has_surrogate(kind) else repr(kind[:40])
            raise FrameError("unknown_type", f"unknown message type {kind} (analyze, rewrite, cancel, ping)")

    def _analyze(self, msg: AnalyzeFrame) -> None:
        limits = self.services.config.limits
        doc, version, text, fmt, cursor, rewrites = msg.doc, msg.version, msg.text, msg.format, msg.cursor, msg.rewrites
        if len(text) > limits.max_text_chars:
            raise FrameError("too_large", str(InputTooLargeError(len(text), limits.max_text_chars)))
        old = self.docs.get(doc)
        if old is None and len(self.docs) >= limits.max_docs_per_connection:
            self._forget_finished()
            if len(self.docs) >= limits.max_docs_per_connection:
                raise FrameError("too_large", f"at most {limits.max_docs_per_connection} documents per connection")
        if old is not None and version < old.version:
            self.emit({"type": "done", "doc": doc, "version": version, "cancelled": True, "stale": True})
            return
        if old is not None:
            self._cancel(doc, old)
        state = DocState(version, text, Ticket())
        self.docs[doc] = state
        point = cursor if cursor is not None else edit_point(old.text if old else None, text)
        state.task = asyncio.create_task(self._guarded(doc, state, fmt, point, rewrites))

    def _cancel(self, doc: str, state: DocState) -> None:
        """Stop a version's pending work; its `done` goes out now, marked cancelled."""
        state.ticket.cancel()
        if state.task is not None and not state.task.done():
            state.task.cancel()
        if not state.finished:
            state.finished = True
            self.emit({"type": "done", "doc": doc, "version": state.version, "cancelled": True})

    def _forget_finished(self) -> None:
        for doc in [d for d, s in self.docs.items() if s.finished]:
            del self.docs[doc]

    async def _guarded(self, doc: str, state: DocState, fmt: str, point: int, rewrites: bool) -> None:
        """Run one analysis; whatever goes wrong, the version still gets its `done`."""
        try:
            await self._run_analysis(doc, state, fmt, point, rewrites)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001
            log_internal(log, "an analysis", exc)
            self._finish_with_error(doc, state, "internal", "internal server error")

    async def _run_analysis(self, doc: str, state: DocState, fmt: str, point: int, rewrites: bool) -> None:
        services, text, version = self.services, state.text, state.version
        if len(text) > INLINE_SEGMENT_CHARS:  # one shared segmenting thread: a flood of big texts cannot starve the loop
            sentences = await asyncio.get_running_loop().run_in_executor(services.segmenter, segment, text, fmt)
        else:
            sentences = segment(text, fmt)
        if state.finished:
            return
        limit = services.config.limits.max_sentences
        if len(sentences) > limit:
            self._finish_with_error(doc, state, "too_large", f"the text has {len(sentences):,} sentences; the limit is {limit:,}")
            return
        order = by_distance(sentences, point)
        results: list[Any] = [None] * len(sentences)

        def send(i: int) -> None:
            self.emit({"type": "sentence", "doc": doc, "version": version, **result_fields(place(results[i], text, sentences[i]))})

        misses = []
        for k, i in enumerate(order):  # unchanged sentences straight from the cache, nearest the edit first
            results[i] = services.scheduler.cached(sentences[i].text, rewrites)
            if results[i] is None:
                misses.append(i)
            else:
                send(i)
            if k % 200 == 199:
                await asyncio.sleep(0)  # let other clients' frames through on a long document
                if state.finished or self.closed:
                    return
        if misses:
            centre = order[0]
            priorities = [FOREGROUND if abs(i - centre) <= FOREGROUND_RADIUS else BACKGROUND for i in misses]
            try:
                futures = services.scheduler.submit([sentences[i].text for i in misses], priorities, state.ticket, rewrites=rewrites)
            except BusyError as exc:
                self._finish_with_error(doc, state, "busy", str(exc))
                return
            index = dict(zip(futures, misses))
            pending = set(futures)
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for fut in sorted(done, key=lambda f: order.index(index[f]) if len(done) < 64 else index[f]):
                    if fut.cancelled():
                        return  # only happens when this version was superseded
                    exc = fut.exception()
                    if exc is not None:
                        for f in pending:
                            f.cancel()
                        code = "model_error"
                        if isinstance(exc, BiaslspError):
                            message = str(exc)
                        else:
                            message = f"the model failed on this text ({type(exc).__name__})"
                        self._finish_with_error(doc, state, code, message)
                        return
                    results[index[fut]] = fut.result()
                    send(index[fut])
        if state.finished:
            return
        state.finished = True
        placed = [place(r, text, s) for r, s in zip(results, sentences)]
        summary = summarize(placed)
        labels = [l for l in LABELS if any(l in r.labels for r in placed)]
        self.emit({"type": "done", "doc": doc, "version": version, "labels": labels, "summary": summary.to_dict()})

    def _finish_with_error(self, doc: str, state: DocState, code: str, message: str) -> None:
        state.ticket.cancel()
        self.error(code, message, doc=doc, version=state.version)
        if not state.finished:
            state.finished = True
            self.emit({"type": "done", "doc": doc, "version": state.version, "cancelled": True, "error": code})

    def _rewrite(self, msg: RewriteFrame) -> None:
        limits = self.services.config.limits
        rid, labels = msg.id, msg.labels
        n = self.services.engine.candidates if msg.n is None else msg.n
        if not 1 <= n <= limits.max_candidates:
            raise FrameError("bad_request", f"n: must be between 1 and {limits.max_candidates}")
        offset, doc = 0, None
        if msg.text is not None:
            sentence = msg.text
        elif msg.doc is None:
            raise FrameError("bad_request", "a rewrite needs 'text', or 'doc' with 'start' and 'end'")
        else:
            doc = msg.doc
            state = self.docs.get(doc)
            if state is None:
                raise FrameError("bad_request", "unknown 'doc': send it with 'analyze' first, or send 'text'")
            version = msg.version
            if version is not None and version != state.version:
                raise FrameError("bad_request", f"version {version} of this doc is not the latest ({state.version})")
            start, end = msg.start, msg.end
            if start is None or end is None or not 0 <= start < end <= len(state.text):
                raise FrameError("bad_request", "'start' and 'end' must select text inside the document")
            sentence, offset = state.text[start:end], start
        if len(sentence) > limits.max_text_chars:
            raise FrameError("too_large", str(InputTooLargeError(len(sentence), limits.max_text_chars)))
        task = asyncio.create_task(self._run_rewrite(rid, doc, sentence, offset, labels, n))
        self.rewrites.add(task)
        task.add_done_callback(self.rewrites.discard)

    async def _run_rewrite(self, rid: Any, doc: str | None, sentence: str, offset: int, labels: Any, n: int) -> None:
        loop = asyncio.get_running_loop()
        engine = self.services.engine

        def delta(piece: str) -> None:
            loop.call_soon_threadsafe(self.emit, {"type": "rewrite.delta", "id": rid, "text": piece})

        try:
            ranked = await self.services.run_rewrite(rewrite_sentence, engine, sentence, labels, n, delta)
        except BusyError as exc:
            self.error("busy", str(exc), id=rid, doc=doc)
            return
        except (InputTooLargeError, InvalidInputError) as exc:
            self.error("too_large" if isinstance(exc, InputTooLargeError) else "bad_request", str(exc), id=rid, doc=doc)
            return
        except Exception as exc:  # noqa: BLE001 - reported as a frame; the connection stays
            log.warning("rewrite failed: %s", type(exc).__name__)
            self.error("model_error", f"the rewriter failed ({type(exc).__name__})", id=rid, doc=doc)
            return
        frame: dict[str, Any] = {"type": "rewrite.done", "id": rid, "candidates": [rewrite_fields(r.shifted(offset)) for r in ranked]}
        if doc is not None:
            frame["doc"] = doc
        self.emit(frame)


def result_fields(r: SentenceResult) -> dict[str, Any]:
    """A placed sentence result as frame fields (hand-written: dataclasses.asdict is ~3x slower)."""
    return {
        "start": r.start,
        "end": r.end,
        "labels": list(r.labels),
        "scores": r.scores,
        "spans": [{"start": s.start, "end": s.end, "label": s.label, "text": s.text, "source": s.source,
                   "explanation": s.explanation} for s in r.spans],
        "explanation": r.explanation,
        "rewrites": [rewrite_fields(w) for w in r.rewrites],
        "guidance": r.guidance,
    }


def rewrite_fields(w: Rewrite) -> dict[str, Any]:
    return {
        "text": w.text,
        "edits": [{"start": e.start, "end": e.end, "new_text": e.new_text} for e in w.edits],
        "cleared": list(w.cleared),
        "remaining": list(w.remaining),
        "verified": w.verified,
        "score": w.score,
        "source": w.source,
        "meaning": w.meaning,
        "preferred": w.preferred,
    }


def encode(frame: dict[str, Any]) -> str:
    """A frame as JSON text; a lone surrogate (echoed from the client's text) is sent escaped,
    as JSON allows, since the websocket layer can only send text that encodes as UTF-8."""
    raw = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(frame, separators=(",", ":")) if has_surrogate(raw) else raw


def _parse(raw: str) -> dict[str, Any]:
    try:
        msg = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FrameError("bad_request", f"malformed JSON: {exc}"[:200]) from None
    except ValueError:  # an integer of more than sys.get_int_max_str_digits() digits
        raise FrameError("bad_request", "malformed JSON: a number has too many digits") from None
    if not isinstance(msg, dict):
        raise FrameError("bad_request", "each frame must be one JSON object")
    return msg


def _validate(model: type[BaseModel], msg: dict[str, Any]) -> Any:
    try:
        return model.model_validate(msg)
    except ValidationError as exc:
        raise FrameError("bad_request", describe(exc.errors(include_url=False, include_input=False))) from None


def _ids(raw: str) -> dict[str, Any]:
    """doc/id of a frame (and version, for an analyze), echoed in its error frame when valid."""
    try:
        msg = json.loads(raw)
    except Exception:  # noqa: BLE001
        return {}
    if not isinstance(msg, dict):
        return {}
    out: dict[str, Any] = {}
    for key in ("doc", "id"):
        value = msg.get(key)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and len(str(value)) <= MAX_ID \
                and not (isinstance(value, str) and has_surrogate(value)):
            out[key] = value
    version = msg.get("version")
    if msg.get("type") == "analyze" and isinstance(version, int) and not isinstance(version, bool) and 0 <= version < 2**53:
        out["version"] = version
    return out


async def handle(ws: WebSocket, services: Services) -> None:
    """Entry point for one websocket (already past the security gate)."""
    await ws.accept()
    if services.connections >= services.config.limits.max_connections:
        await ws.close(code=1013, reason="too many connections")
        return
    services.connections += 1
    log.debug("websocket connected (%d open)", services.connections)
    try:
        await Connection(ws, services).serve()
    finally:
        services.connections -= 1
