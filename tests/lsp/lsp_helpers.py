"""Shared helpers for the language-server tests: a recording client and UTF-16 utilities."""

from __future__ import annotations

import asyncio
import bisect
import re
import sys
import time
from pathlib import Path
from typing import Union

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

SERVER_CMD = [sys.executable, "-m", "biaslsp", "--stdio"]
BIASED = "We want young, energetic rockstar ninjas."
NATIVE = "He/she must be a native English speaker."
NEUTRAL = "The role involves preparing monthly financial reports."


def make_client() -> LanguageClient:
    """pytest-lsp's client, also recording the version of each publishDiagnostics and biaslsp/summary."""
    client = LanguageClient(converter_factory=default_converter)
    features = {k: v for k, v in DEFAULT_CLIENT_FEATURES.items() if k != types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS}
    register_lsp_features(client, features)
    # lsprotocol structures every code action that carries a `command` as a Command
    # (lsprotocol/_hooks.py _code_action_hook); tell them apart the way the spec does.
    conv = client.protocol._converter

    def _action(obj, _):
        if isinstance(obj.get("command"), str):
            return conv.structure(obj, types.Command)
        return conv.structure(obj, types.CodeAction)

    conv.register_structure_hook(Union[types.Command, types.CodeAction], _action)
    client.diag_versions = {}
    client.summaries = {}
    client.diag_hooks = []  # more callables(client, params) to run on each publishDiagnostics

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diags(client: LanguageClient, params: types.PublishDiagnosticsParams):
        client.diagnostics[params.uri] = params.diagnostics
        client.diag_versions[params.uri] = params.version
        for hook in client.diag_hooks:
            hook(client, params)

    @client.feature("biaslsp/summary")
    def _summary(client: LanguageClient, params):
        d = plain(params)
        client.summaries[d["uri"]] = d

    return client


def plain(o):
    """pygls hands unknown notifications' params over as namedtuples: make them dicts."""
    if hasattr(o, "_asdict"):
        return {k: plain(v) for k, v in o._asdict().items()}
    if isinstance(o, dict):
        return {k: plain(v) for k, v in o.items()}
    if isinstance(o, list):
        return [plain(v) for v in o]
    return o


def capabilities(pull: bool = False) -> types.ClientCapabilities:
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            workspace_edit=types.WorkspaceEditClientCapabilities(document_changes=True),
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(dynamic_registration=False),
        ),
        window=types.WindowClientCapabilities(work_done_progress=True),
        text_document=types.TextDocumentClientCapabilities(
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
        ),
    )


async def wait_until(predicate, timeout: float = 60.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


async def diagnostics_for(client: LanguageClient, uri: str, version: int, timeout: float = 60.0):
    await wait_until(lambda: client.diag_versions.get(uri) == version and uri in client.diagnostics,
                     timeout, f"diagnostics for {uri} v{version}")
    return list(client.diagnostics[uri])


def open_doc(client: LanguageClient, uri: str, text: str, language: str = "plaintext", version: int = 1) -> None:
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id=language, version=version, text=text))
    )


def utf16(s: str) -> int:
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def _line_starts(text: str) -> list[int]:
    """Line starts as the LSP specification counts them: \\n, \\r\\n and a lone \\r end a line."""
    return [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]


def _line_end(text: str, starts: list[int], line: int) -> int:
    if line + 1 < len(starts):
        end = starts[line + 1]
        return end - 2 if text[end - 2 : end] == "\r\n" else end - 1
    return len(text)


def offset_of(text: str, pos: types.Position) -> int:
    """Character offset of an LSP (UTF-16) position, computed independently of the server."""
    starts = _line_starts(text)
    base = starts[pos.line]
    line = text[base : _line_end(text, starts, pos.line)].encode("utf-16-le", "surrogatepass")
    return base + len(line[: pos.character * 2].decode("utf-16-le", "surrogatepass"))


def position_of(text: str, offset: int) -> types.Position:
    starts = _line_starts(text)
    line = bisect.bisect_right(starts, offset) - 1
    return types.Position(line=line, character=utf16(text[starts[line] : offset]))


def range_text(text: str, rng: types.Range) -> str:
    return text[offset_of(text, rng.start) : offset_of(text, rng.end)]


def apply_edits(text: str, edits) -> str:
    """Apply LSP TextEdits (UTF-16 ranges) the way an editor does: back to front."""
    spans = sorted(((offset_of(text, e.range.start), offset_of(text, e.range.end), e.new_text) for e in edits), reverse=True)
    for s, e, new in spans:
        text = text[:s] + new + text[e:]
    return text


def edits_of(action: types.CodeAction, uri: str):
    edit = action.edit
    if edit.document_changes:
        return [e for dc in edit.document_changes if dc.text_document.uri == uri for e in dc.edits]
    return edit.changes[uri]


def file_uri(path: Path) -> str:
    return path.resolve().as_uri()
