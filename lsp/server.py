"""The biaslsp language server (pygls 2).

One handler per LSP feature; the work is in small modules:
positions (UTF-16), documents (edits), config, suppress (inline comments),
diagnostics, actions (code actions), hover, remote (model server client),
redact (secrets out of messages and logs).

The event loop only moves messages: the model loads in the background after
`initialized` (with `$/progress` and `biaslsp/status`), analysis runs on the engine's
thread, and preparing a document and converting findings to LSP positions run on worker
threads, so one long document never holds up the others.
"""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method
from pygls.uris import to_fs_path

from biaslsp import __version__
from biaslsp.models.errors import BiaslspError
from biaslsp.models.text.markup import guess_format, mask

from . import actions, config, hover
from .diagnostics import Finding, build, relabel, summary_json, summary_title
from .documents import OpenDocument, looks_binary
from .positions import LineIndex
from .redact import redact
from .remote import RemoteEngine, RemoteError, RemoteUnavailable
from .suppress import blank_directives, parse

if TYPE_CHECKING:  # the engine (spaCy, the model runtime) is imported when the model loads
    from biaslsp.models import Engine

log = logging.getLogger(__name__)

SUMMARY_METHOD = "biaslsp/summary"
STATUS_METHOD = "biaslsp/status"  # {"state": "loading" | "ready" | "error", "message": str}
LOAD_TITLE = "biaslsp: loading model\u2026"
CMD_ALLOW = "biaslsp.allowTerm"
CMD_DISABLE = "biaslsp.disableCategory"
CMD_SUMMARY = "biaslsp.showSummary"


@dataclass
class DocState:
    doc: OpenDocument
    task: asyncio.Task | None = None
    findings: list[Finding] = field(default_factory=list)
    summary: Any = None
    done_version: int | None = None  # version the findings were computed on
    index: LineIndex | None = None
    notice: str = ""  # last size/binary message shown (shown once)
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class BiasProtocol(LanguageServerProtocol):
    """pygls's protocol, except that didChange goes to our handler untouched: pygls would
    clamp an out-of-range edit silently (and split lines differently) before we could check
    it. Our handler applies the edit to our copy (lsp/documents.py), reports a bad range,
    and then hands pygls's copy the resulting text."""

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (user_handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield user_handler, (params,), None


class BiasServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("biaslsp", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
                         protocol_cls=BiasProtocol)
        self.docs: dict[str, DocState] = {}
        self.init_options: dict[str, Any] = {}
        self.client_settings: dict[str, Any] = {}
        self.session_settings: dict[str, Any] = {}  # from commands when there is no workspace folder
        self.project_settings: dict[str, Any] = {}
        self.settings = config.Settings()
        self.root: str | None = None
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="biaslsp-engine")
        self._base: Engine | None = None
        self._engines: dict[tuple, Engine] = {}
        self._model_task: asyncio.Future | None = None
        self.model_status: dict[str, str] = {"state": "idle", "message": "the model loads when it is first needed"}
        self._problems_shown: set[str] = set()
        self.remote: RemoteEngine | None = None
        self.remote_warned = False
        self.remote_logged = False

    def report_server_error(self, error: Exception, source) -> None:
        """Malformed or unparsable messages: say so clearly, keep serving."""
        from pygls.exceptions import FeatureRequestError

        if source is FeatureRequestError:
            return  # the failing request already got an error response
        detail = str(error) or type(error).__name__
        self.message(f"ignored a message the server could not handle ({type(error).__name__}: {detail[:200]})",
                     types.MessageType.Error)

    # -- settings --------------------------------------------------------

    def message(self, text: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        self.window_show_message(types.ShowMessageParams(type=kind, message=redact(f"biaslsp: {text}")))

    def log_line(self, text: str, kind: types.MessageType = types.MessageType.Info) -> None:
        self.window_log_message(types.LogMessageParams(type=kind, message=redact(f"biaslsp: {text}")))

    def set_status(self, state: str, message: str) -> None:
        """Tell the client what the model is doing (a status bar can show it)."""
        self.model_status = {"state": state, "message": message}
        self.protocol.notify(STATUS_METHOD, dict(self.model_status))

    def reload_settings(self) -> None:
        layers, problems = [], []
        for raw in (self.init_options, self.client_settings):
            values, bad = config.normalise(raw)
            layers.append(values)
            problems += bad
        self.project_settings, bad = config.read_project_file(self.root)
        problems += bad
        self.settings = config.merge(*layers, self.project_settings, self.session_settings)
        for p in problems:
            if p not in self._problems_shown:  # once, not on every reload
                self.message(f"ignoring a setting: {p}")
        self._problems_shown = set(problems)
        url = self.settings.serverUrl
        token = self.settings.serverToken
        if self.remote and (not url or self.remote.server_url != url or self.remote.explicit_token != token):
            asyncio.ensure_future(self.remote.close())
            self.remote = None
        if url and self.remote is None:
            self.remote = RemoteEngine(url, token)
            self.remote_warned = self.remote_logged = False

    async def pull_client_settings(self) -> None:
        caps = self.client_capabilities.workspace
        if not (caps and caps.configuration):
            return
        try:
            result = await asyncio.wait_for(
                self.workspace_configuration_async(types.ConfigurationParams(items=[types.ConfigurationItem(section=config.SECTION)])),
                10,
            )
        except Exception as exc:  # the client failed to answer: keep what we have
            log.warning("workspace/configuration failed: %s", exc)
            return
        if result and isinstance(result[0], dict):
            self.client_settings = result[0]

    # -- engines ---------------------------------------------------------

    def _load_model(self) -> Engine:
        import os

        from biaslsp.models import default_engine

        # An editor wants low latency on one-sentence batches, next to other busy processes:
        # one intra-op thread has a much shorter tail than the runtime's default (all cores).
        return default_engine(threads=max(1, int(os.environ.get("BIASLSP_LSP_THREADS", "1"))))

    async def base_engine(self) -> Engine:
        if self._base is None:
            if self._model_task is None:
                self._model_task = asyncio.ensure_future(self._load_with_progress())
            self._base = await asyncio.shield(self._model_task)
        return self._base

    async def _load_with_progress(self) -> Engine:
        """Load the model on the engine thread, with `$/progress` (when the client can create
        a progress token) and `biaslsp/status` notifications either way."""
        loop = asyncio.get_running_loop()
        self.set_status("loading", "loading the bias model\u2026")
        token = None
        caps = self.client_capabilities.window
        if caps and caps.work_done_progress:
            token = f"biaslsp-model-load-{id(self)}-{time.monotonic_ns()}"
            try:
                await asyncio.wait_for(self.work_done_progress.create_async(token), 5)
                self.work_done_progress.begin(token, types.WorkDoneProgressBegin(
                    title=LOAD_TITLE, message="loading the bias model; diagnostics follow when it is ready", cancellable=False))
            except Exception:
                token = None
        t0 = time.perf_counter()
        try:
            engine = await loop.run_in_executor(self.executor, self._load_model)
        except Exception as exc:
            self._model_task = None
            detail = redact(str(exc) or type(exc).__name__)
            if token:
                self.work_done_progress.end(token, types.WorkDoneProgressEnd(message="the model could not be loaded"))
            self.set_status("error", f"could not load the bias model: {detail}")
            self.message(f"could not load the bias model: {detail}", types.MessageType.Error)
            raise
        took = f"bias model ready in {time.perf_counter() - t0:.1f} s"
        if token:
            self.work_done_progress.end(token, types.WorkDoneProgressEnd(message=took))
        self.set_status("ready", took)
        return engine

    async def engine(self) -> Engine:
        base = await self.base_engine()
        th = self.settings.thresholds
        if not th:
            return base
        key = tuple(sorted(th.items()))
        if key not in self._engines:
            from biaslsp.models import Engine

            self._engines[key] = Engine(base.classifier, base.rewriter, terms=base.terms, thresholds=th,
                                        max_chars=max(base.max_chars, self.settings.maxDocumentSize))
        return self._engines[key]

    async def analyze(self, uri: str, version: int, text: str, fmt: str):
        if self.remote is not None and (self.remote.connected or self.remote.should_try()):
            was_down = self.remote.down_since is not None and self.remote_warned
            try:
                sentences = await self.remote.analyze(uri, version, text, fmt)
                if was_down:
                    self.message(f"reconnected to the model server at {self.remote.server_url}", types.MessageType.Info)
                    self.remote_warned = False
                if not self.remote_logged:
                    self.remote_logged = True
                    self.log_line(f"analysing with the model server at {self.remote.server_url}")
                return [relabel(s, self.settings, self.settings.thresholds) for s in sentences]
            except RemoteUnavailable as exc:
                if not self.remote_warned:
                    self.remote_warned = True
                    self.message(
                        f"the model server at {self.remote.server_url} is not reachable ({exc}); "
                        "analysing in-process until it is back"
                    )
            except RemoteError as exc:
                if exc.code == "too_large":
                    raise BiaslspError(str(exc)) from exc
                self.message(f"the model server reported {exc}; analysing in-process")
        elif self.remote is not None and not self.remote_warned:  # dropped since the last run; retry later
            self.remote_warned = True
            self.message(
                f"lost the model server at {self.remote.server_url} ({self.remote.last_error or 'connection closed'}), "
                "which is not reachable now; analysing in-process until it is back"
            )
        engine = await self.engine()
        loop = asyncio.get_running_loop()
        analysis = await loop.run_in_executor(self.executor, lambda: engine.analyze(text, fmt=fmt))
        return [relabel(s, self.settings) for s in analysis.sentences]

    # -- documents -------------------------------------------------------

    @property
    def pull_mode(self) -> bool:
        td = self.client_capabilities.text_document
        return bool(td and td.diagnostic)

    def schedule(self, uri: str, delay: float) -> None:
        state = self.docs.get(uri)
        if state is None:
            return
        if state.task and not state.task.done():
            state.task.cancel()  # a newer version supersedes the pending (or running) one
        state.task = asyncio.ensure_future(self._run(state, delay))

    async def _run(self, state: DocState, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        doc = state.doc
        version, text = doc.version, doc.text
        index = None
        try:
            findings, summary, index = await self._findings(state, version, text)
        except asyncio.CancelledError:
            raise
        except BiaslspError as exc:
            self.message(f"{_name(doc.uri)}: {exc}")
            findings, summary = [], None
        except Exception as exc:  # never let one document take the server down
            log.exception("analysis failed (%s)", type(exc).__name__)
            self.message(f"analysis of {_name(doc.uri)} failed: {exc}", types.MessageType.Error)
            findings, summary = [], None
        if doc.version != version or self.docs.get(doc.uri) is not state:
            return  # stale: a newer run is (or will be) scheduled
        if index is None:
            index = await asyncio.to_thread(LineIndex, text, doc.encoding)
            if doc.version != version or self.docs.get(doc.uri) is not state:
                return
        state.findings, state.summary, state.done_version = findings, summary, version
        state.index = index
        if not self.pull_mode:
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=doc.uri, version=version, diagnostics=[f.diagnostic for f in findings])
            )
        if summary is not None:
            self.protocol.notify(SUMMARY_METHOD, summary_json(doc.uri, version, summary))
        state.changed.set()
        state.changed = asyncio.Event()

    async def _findings(self, state: DocState, version: int, text: str):
        """(findings, summary, index) of one version; the index is None when it was not checked."""
        doc, s = state.doc, self.settings
        path = to_fs_path(doc.uri) if doc.uri.startswith("file:") else None
        if not s.applies_to(path, self.root):
            return [], None, None
        if len(text) > s.maxDocumentSize:
            notice = (
                f"{_name(doc.uri)} is {len(text):,} characters, over the limit of {s.maxDocumentSize:,}; "
                "it is not checked (setting biaslsp.maxDocumentSize)"
            )
            self._notice(state, notice)
            return [], None, None
        if await asyncio.to_thread(looks_binary, text):
            self._notice(state, f"{_name(doc.uri)} looks like binary content; it is not checked")
            return [], None, None
        state.notice = ""
        fmt = guess_format(path or doc.uri, doc.language_id)
        prepared = await asyncio.to_thread(blank_directives, text)
        sentences = await self.analyze(doc.uri, version, prepared, fmt)
        return await asyncio.to_thread(_convert, text, sentences, doc.encoding, s, version, prepared, fmt)

    def _notice(self, state: DocState, text: str) -> None:
        if state.notice != text:
            state.notice = text
            self.message(text)

    def reanalyse_all(self) -> None:
        for uri in list(self.docs):
            self.schedule(uri, 0)
        if self.pull_mode:
            ws = self.client_capabilities.workspace
            if ws and ws.diagnostics and ws.diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)

    async def current(self, uri: str, timeout: float = 60) -> DocState | None:
        """The document's state once its findings match its current version."""
        state = self.docs.get(uri)
        if state is None:
            return None
        if state.done_version != state.doc.version and (state.task is None or state.task.done()):
            self.schedule(uri, 0)
        deadline = time.monotonic() + timeout
        while state.done_version != state.doc.version and time.monotonic() < deadline:
            try:
                await asyncio.wait_for(state.changed.wait(), max(0.01, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
            if self.docs.get(uri) is not state:
                return None
        return state


def _convert(text: str, sentences, encoding: str, settings: config.Settings, version: int, prepared: str, fmt: str):
    """Engine results -> LSP findings for one version (on a worker thread: linear in the text)."""
    index = LineIndex(text, encoding)
    sup = parse(text, index.line_of)
    findings, summary = build(text, sentences, index, settings, sup, version, mask(prepared, fmt))
    return findings, summary, index


def _name(uri: str) -> str:
    return uri.rsplit("/", 1)[-1] or uri


server = BiasServer()


@server.feature(types.INITIALIZE)
def initialize(ls: BiasServer, params: types.InitializeParams) -> None:
    ls.init_options = params.initialization_options if isinstance(params.initialization_options, dict) else {}
    folders = params.workspace_folders or []
    root_uri = params.root_uri or (folders[0].uri if folders else None)
    ls.root = to_fs_path(root_uri) if root_uri else params.root_path
    ls.reload_settings()


@server.feature(types.INITIALIZED)
async def initialized(ls: BiasServer, params: types.InitializedParams) -> None:
    await ls.pull_client_settings()
    ls.reload_settings()
    if ls.client_settings:
        ls.reanalyse_all()
    if not ls.settings.serverUrl:
        try:
            # load now, in the background (initialize is already answered), rather than on the
            # first keystroke; documents opened meanwhile get their diagnostics when it is ready
            await ls.base_engine()
        except Exception:
            pass


@server.feature(STATUS_METHOD)
def model_status(ls: BiasServer, *args) -> dict[str, str]:
    """The model's state, for clients that ask rather than listen."""
    return dict(ls.model_status)


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: BiasServer, params: types.DidOpenTextDocumentParams) -> None:
    td = params.text_document
    enc = str(ls.workspace.position_encoding or "utf-16")
    ls.docs[td.uri] = DocState(OpenDocument(td.uri, td.language_id, td.version, td.text, enc))
    if _name(td.uri) == config.PROJECT_FILE:
        return
    ls.schedule(td.uri, 0)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: BiasServer, params: types.DidChangeTextDocumentParams) -> None:
    state = ls.docs.get(params.text_document.uri)
    if state is None:
        ls.message(f"ignoring an edit to {_name(params.text_document.uri)}, which is not open")
        return
    problems = state.doc.apply(params.content_changes, params.text_document.version)
    try:  # keep pygls's copy equal to ours (nothing here reads it, but pygls features might)
        ls.workspace.update_text_document(params.text_document, types.TextDocumentContentChangeWholeDocument(text=state.doc.text))
    except Exception:
        pass
    if problems:
        ls.message(
            f"an edit to {_name(state.doc.uri)} was out of range ({'; '.join(problems)}); it was clamped, "
            "so findings may be misplaced until the file is reopened"
        )
    if _name(state.doc.uri) == config.PROJECT_FILE:
        return
    ls.schedule(state.doc.uri, ls.settings.debounce / 1000)


@server.feature(types.TEXT_DOCUMENT_DID_SAVE)
def did_save(ls: BiasServer, params: types.DidSaveTextDocumentParams) -> None:
    if _name(params.text_document.uri) == config.PROJECT_FILE:
        ls.reload_settings()
        ls.reanalyse_all()


@server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
def did_close(ls: BiasServer, params: types.DidCloseTextDocumentParams) -> None:
    state = ls.docs.pop(params.text_document.uri, None)
    if state and state.task and not state.task.done():
        state.task.cancel()
    if not ls.pull_mode:
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))


@server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def did_change_configuration(ls: BiasServer, params: types.DidChangeConfigurationParams) -> None:
    settings = params.settings
    if isinstance(settings, dict) and isinstance(settings.get(config.SECTION), dict):
        ls.client_settings = settings[config.SECTION]
    else:
        await ls.pull_client_settings()
    ls.reload_settings()
    ls.reanalyse_all()


@server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
def did_change_watched_files(ls: BiasServer, params: types.DidChangeWatchedFilesParams) -> None:
    if any(_name(c.uri) == config.PROJECT_FILE for c in params.changes):
        ls.reload_settings()
        ls.reanalyse_all()


@server.feature(
    types.TEXT_DOCUMENT_DIAGNOSTIC,
    types.DiagnosticOptions(identifier="biaslsp", inter_file_dependencies=False, workspace_diagnostics=False),
)
async def pull_diagnostics(ls: BiasServer, params: types.DocumentDiagnosticParams):
    state = await ls.current(params.text_document.uri)
    items = [f.diagnostic for f in state.findings] if state else []
    return types.RelatedFullDocumentDiagnosticReport(items=items)


@server.feature(
    types.TEXT_DOCUMENT_CODE_ACTION,
    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix, actions.FIX_ALL_KIND]),
)
def code_action(ls: BiasServer, params: types.CodeActionParams):
    state = ls.docs.get(params.text_document.uri)
    return actions.code_actions(ls, params, state)


@server.feature(types.TEXT_DOCUMENT_HOVER)
def on_hover(ls: BiasServer, params: types.HoverParams):
    state = ls.docs.get(params.text_document.uri)
    if state is None or state.index is None or state.done_version != state.doc.version:
        return None
    return hover.hover(state.findings, state.index, params.position)


@server.feature(types.TEXT_DOCUMENT_CODE_LENS, types.CodeLensOptions(resolve_provider=False))
async def code_lens(ls: BiasServer, params: types.CodeLensParams):
    state = await ls.current(params.text_document.uri, timeout=30)
    if state is None or state.summary is None:
        return []
    return [
        types.CodeLens(
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            command=types.Command(title=summary_title(state.summary), command=CMD_SUMMARY, arguments=[state.doc.uri]),
        )
    ]


@server.command(CMD_SUMMARY)
async def show_summary(ls: BiasServer, *args):
    uri = str(args[0]) if args else ""
    state = await ls.current(uri, timeout=30)
    if state is None or state.summary is None:
        return None
    ls.message(summary_title(state.summary), types.MessageType.Info)
    return summary_json(uri, state.done_version, state.summary)


@server.command(CMD_ALLOW)
def allow_term(ls: BiasServer, *args):
    term = str(args[0]).strip() if args else ""
    if not term:
        raise ValueError("biaslsp.allowTerm needs the term to allow")
    allow = list(ls.project_settings.get("allow", ()))
    if term.lower() not in {t.lower() for t in allow}:
        allow.append(term)
    _persist(ls, "allow", allow)
    return {"allow": allow}


@server.command(CMD_DISABLE)
def disable_category(ls: BiasServer, *args):
    label = str(args[0]).strip().lower() if args else ""
    if label not in config.LABELS:
        raise ValueError(f"unknown category {label!r}")
    cats = [c for c in ls.settings.categories if c != label]
    _persist(ls, "categories", cats)
    return {"categories": cats}


def _persist(ls: BiasServer, key: str, value: Any) -> None:
    """Write to the project's .biaslsp.toml, or keep it for this session without a workspace."""
    if ls.root:
        try:
            path = config.update_project_file(ls.root, key, value)
            ls.message(f"updated {path}", types.MessageType.Info)
        except Exception as exc:
            ls.message(f"could not update {config.PROJECT_FILE}: {exc}; the change holds for this session only")
            ls.session_settings[key] = tuple(value)
    else:
        ls.session_settings[key] = tuple(value)
    ls.reload_settings()
    ls.reanalyse_all()
