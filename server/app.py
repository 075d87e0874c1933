"""The ASGI app: REST routes, the websocket route and the security gate around them."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from fastapi import FastAPI, Request, WebSocket
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from biaslsp import identity
from biaslsp.models import BiaslspError, Engine, InputTooLargeError, InvalidInputError

from . import stream
from .config import ServerConfig
from .documents import segment
from .logs import log_internal
from .rewrites import rewrite_sentence
from .scheduler import BACKGROUND, BusyError, Ticket
from .schemas import (AnalysisModel, AnalyzeRequest, ErrorModel, HealthModel, InfoModel, RewriteRequest, RewriteResponse,
                      describe, has_surrogate)
from .security import Guard, allowed_hosts
from .services import Services

log = logging.getLogger("biaslsp.server")
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": ErrorModel} for s in (400, 401, 403, 413, 422, 429, 500, 503)
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class SafeJSONResponse(JSONResponse):
    """JSON whose strings may hold lone surrogates (from the client's own text): those are sent
    escaped (`\\ud800`), which JSON allows, instead of failing to encode as UTF-8 (HTTP 500)."""

    def render(self, content: Any) -> bytes:
        raw = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        if has_surrogate(raw):
            raw = json.dumps(content, allow_nan=False, separators=(",", ":"))
        return raw.encode("utf-8")


def _error(status: int, code: str, message: str) -> JSONResponse:
    return SafeJSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def create_app(engine: Engine, config: ServerConfig, *, extra_hosts: tuple[str, ...] = ()) -> Guard:
    """Build the app for `engine`; the scheduler runs while the app's lifespan does."""
    services = Services.create(engine, config)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        services.start()
        try:
            yield
        finally:
            services.stop()

    app = FastAPI(
        title="biaslsp local model server",
        version=services.info()["version"],
        description="Finds biased language in job ads and proposes rewrites. See docs/protocol.md.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        responses=ERRORS,
        default_response_class=SafeJSONResponse,
    )
    app.state.services = services

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, "bad_request", describe(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "bad_request"}.get(exc.status_code, "bad_request")
        return _error(exc.status_code, code, str(exc.detail))

    @app.exception_handler(Exception)
    async def _internal(_: Request, exc: Exception) -> JSONResponse:
        log_internal(log, "a request", exc)
        return _error(500, "internal", "internal server error")

    @app.get("/health", response_model=HealthModel, response_model_exclude_none=True,
             summary="liveness and identity (no token needed)")
    async def health(challenge: str | None = None) -> dict[str, str]:
        return identity.health_answer(config.token, config.port, challenge)

    @app.get("/v1/info", response_model=InfoModel, summary="labels, models, device and limits")
    async def info() -> dict[str, Any]:
        return services.info()

    @app.get("/v1/stats", summary="scheduler and connection counters")
    async def stats() -> dict[str, Any]:
        return services.stats()

    @app.post("/v1/analyze", response_model=AnalysisModel, summary="analyse a whole document")
    async def analyze(req: AnalyzeRequest) -> JSONResponse:
        limits = config.limits
        if len(req.text) > limits.max_text_chars:
            raise ApiError(413, "too_large", str(InputTooLargeError(len(req.text), limits.max_text_chars)))
        sentences = await asyncio.to_thread(segment, req.text, req.format)
        if len(sentences) > limits.max_sentences:
            raise ApiError(413, "too_large", f"the text has {len(sentences):,} sentences; the limit is {limits.max_sentences:,}")
        # batch the uncached sentences with everyone else's work, then let the engine assemble the
        # answer from its (now warm) sentence cache
        misses = [s.text for s in sentences if services.scheduler.cached(s.text, req.rewrites) is None]
        if misses:
            ticket = Ticket()
            try:
                futures = services.scheduler.submit(misses, [BACKGROUND] * len(misses), ticket, rewrites=req.rewrites)
            except BusyError as exc:
                raise ApiError(503, "busy", str(exc)) from None
            try:
                await asyncio.gather(*futures)
            except BiaslspError as exc:
                raise ApiError(500, "model_error", str(exc)) from None
            except Exception as exc:  # the model raised (or ran out of memory) on this text, as on the websocket
                raise ApiError(500, "model_error", f"the model failed on this text ({type(exc).__name__})") from None
            except asyncio.CancelledError:
                ticket.cancel()  # the client went away: drop what is still queued
                raise
        try:
            result = await asyncio.to_thread(engine.analyze, req.text, fmt=req.format, rewrites=req.rewrites)
        except InputTooLargeError as exc:
            raise ApiError(413, "too_large", str(exc)) from None
        except InvalidInputError as exc:
            raise ApiError(400, "bad_request", str(exc)) from None
        return SafeJSONResponse(result.to_dict())

    @app.post("/v1/rewrite", response_model=RewriteResponse, summary="verified rewrites of one sentence")
    async def rewrite(req: RewriteRequest) -> JSONResponse:
        limits = config.limits
        if len(req.text) > limits.max_text_chars:
            raise ApiError(413, "too_large", str(InputTooLargeError(len(req.text), limits.max_text_chars)))
        n = req.n or engine.candidates
        if n > limits.max_candidates:
            raise ApiError(422, "bad_request", f"n: at most {limits.max_candidates} candidates")
        try:
            ranked = await services.run_rewrite(rewrite_sentence, engine, req.text, req.labels, n, None)
        except BusyError as exc:
            raise ApiError(503, "busy", str(exc)) from None
        except InvalidInputError as exc:
            raise ApiError(400, "bad_request", str(exc)) from None
        except BiaslspError as exc:
            raise ApiError(500, "model_error", str(exc)) from None
        return SafeJSONResponse({"candidates": [asdict(r) for r in ranked]})

    @app.websocket("/v1/stream")
    async def websocket(ws: WebSocket) -> None:
        await stream.handle(ws, services)

    return Guard(app, config, allowed_hosts(config, extra_hosts))
