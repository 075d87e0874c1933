"""`biaslsp serve`: run the local model server (uvicorn underneath)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from dataclasses import replace

from .config import DEFAULT_PORT, LOOPBACK_HOSTS, Limits, SchedulerSettings, ServerConfig
from .security import check_origins

log = logging.getLogger("biaslsp.server")


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to bind (loopback unless --allow-remote)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument("--classifier", metavar="DIR", help="Hugging Face classifier directory (seq2seq label generator or sequence classifier)")
    p.add_argument("--adapter", metavar="DIR", help="PEFT (LoRA) adapter directory for --classifier")
    p.add_argument("--rewriter", metavar="DIR", help="Hugging Face rewriter directory (causal LM with a chat template, or seq2seq)")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto", help="where Hugging Face models run")
    p.add_argument("--quantize", choices=["none", "8bit", "4bit"], default="none", help="bitsandbytes quantisation (CUDA only)")
    p.add_argument("--allow-remote", action="store_true", help="allow binding a non-loopback address (the token still applies)")
    p.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                   help="websocket/REST Origin to accept, e.g. chrome-extension://<id> (repeatable; also $BIASLSP_ALLOWED_ORIGINS)")
    p.add_argument("--threads", type=int, default=max(1, (os.cpu_count() or 2) - 1),
                   help="torch intra-op threads for CPU models (default: cores - 1, leaving one for the event loop)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
                   help="override a limit or scheduler setting (see GET /v1/info), e.g. --set max_queue=1000")
    p.add_argument("--log-level", choices=["debug", "info", "warning", "error"], default="info")


def overrides(settings: list[str]) -> tuple[Limits, SchedulerSettings]:
    """Apply `--set key=value` to the default limits and scheduler settings."""
    limits, sched = Limits(), SchedulerSettings()
    for item in settings:
        key, sep, value = item.partition("=")
        target = limits if hasattr(limits, key) else sched if hasattr(sched, key) else None
        if not sep or target is None or key.startswith("_"):
            raise ValueError(f"--set {item!r}: expected KEY=VALUE with KEY one of the limits or scheduler settings in /v1/info")
        kind = type(getattr(target, key))
        try:
            parsed = kind(value)
        except ValueError:
            raise ValueError(f"--set {item!r}: {key} takes a {kind.__name__}") from None
        if parsed < 0:
            raise ValueError(f"--set {item!r}: must not be negative")
        if target is limits:
            limits = replace(limits, **{key: parsed})
        else:
            sched = replace(sched, **{key: parsed})
    return limits, sched


def config_from_args(args: argparse.Namespace, token: str, device: str) -> ServerConfig:
    env = [o for o in os.environ.get("BIASLSP_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    limits, sched = overrides(args.settings)
    return ServerConfig(
        token=token,
        host=args.host,
        port=args.port,
        allowed_origins=check_origins([*args.allow_origin, *env]),
        allow_remote=args.allow_remote,
        device=device,
        limits=limits,
        scheduler=sched,
    )


def _fail(message: str) -> int:
    print(f"biaslsp serve: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from .loading import DeferredApp
    from .logs import install as install_logging
    from .token import load_or_create_token, token_path
    from .transport import GuardedH11Protocol, GuardedWebSocketProtocol

    if args.host not in LOOPBACK_HOSTS and not args.allow_remote:
        return _fail(f"refusing to bind {args.host}: only loopback (127.0.0.1, ::1, localhost) unless --allow-remote is given")
    if not 0 < args.port < 65536:
        return _fail("--port must be between 1 and 65535")
    if args.threads < 1:
        return _fail("--threads must be at least 1")
    safe_log = install_logging(args.log_level)
    try:
        config = config_from_args(args, load_or_create_token(), "cpu")
        safe_log.secrets.append(config.token)
    except ValueError as exc:
        return _fail(str(exc))

    def build():  # noqa: ANN202 - runs in a thread while the server already answers `loading`
        from .app import create_app  # the engine's imports (spaCy, the model runtime) happen here, not before listening
        from .engines import ModelOptions, build_engine

        if args.classifier or args.rewriter:  # only the Hugging Face backends run on torch
            import torch

            torch.set_num_threads(args.threads)  # an oversubscribed torch pool spins against the event loop
        if not args.classifier:  # the embedded model's onnxruntime threads; build_engine reuses this engine
            from biaslsp.models import default_engine

            default_engine(threads=args.threads)
        engine, device = build_engine(ModelOptions(args.classifier, args.adapter, args.rewriter, args.device, args.quantize))
        log.info("classifier: %s; rewriter: %s; device: %s; threads: %d", engine.classifier.name, engine.rewriter.name, device, args.threads)
        return create_app(engine, config_from_args(args, config.token, device))

    app = DeferredApp(build)
    log.info("listening on http://%s:%d (token in %s; origins allowed: %s); loading the model", args.host, args.port, token_path(),
             ", ".join(config.allowed_origins) or "none (non-browser clients only)")
    limits = config.limits
    http = type("HTTP", (GuardedH11Protocol,), {"head_timeout_s": limits.head_timeout_s,
                                               "max_waiting": max(1, limits.max_idle_connections)})
    server = uvicorn.Server(uvicorn.Config(
        app,
        host=args.host,
        port=args.port,
        http=http,
        ws=GuardedWebSocketProtocol,
        ws_max_size=limits.max_frame_bytes,
        ws_per_message_deflate=False,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        # no limit_concurrency: it counts idle connections, so a few hundred of them (no token
        # needed) made every request 503; server/transport.py bounds those instead, the guard
        # the requests, and stream.py the websockets
        timeout_keep_alive=5,
        log_config=None,
        # uvicorn's and websockets' DEBUG output is frames and headers verbatim: never below INFO
        log_level="info" if args.log_level == "debug" else args.log_level,
        timeout_graceful_shutdown=3,
    ))

    def failed(exc: BaseException) -> None:
        print(f"biaslsp serve: error: {exc}", file=sys.stderr)
        server.should_exit = True

    app.on_failure = failed
    server.run()
    return 2 if app.error else 0
