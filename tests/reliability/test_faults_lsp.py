"""Fault: the model server is killed (SIGKILL) while it streams a document to the language
server. The language server finishes that version in-process, warns once, and goes back to
the model server when it returns. (tests/lsp/test_lsp_remote.py covers a clean stop between
requests; this is the crash in the middle of one.)
"""

from __future__ import annotations

import asyncio
import os
import time

import pytest
import pytest_lsp
from lsp_helpers import SERVER_CMD, capabilities, diagnostics_for, make_client, open_doc
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient
from serverharness import start_server

from conftest import LIFT, NATIVE

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_CMD, client_factory=make_client,
                                                              server_env={**os.environ}))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(),
                                                               initialization_options={"debounce": 0}))
    yield
    await lsp_client.shutdown_session()


def change(client, uri, version, text):
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))


def long_ad(n: int, tag: str) -> str:
    lines = [f"Paragraph {i} of the {tag} ad describes how the team plans sprint {i} together." for i in range(n)]
    lines[n // 2] = NATIVE
    lines[-1] = LIFT
    return "\n".join(lines) + "\n"


async def test_server_killed_mid_stream_language_server_carries_on_and_recovers(client, tmp_path, figures):
    srv = await asyncio.to_thread(start_server, tmp_path)
    try:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(
            settings={"biaslsp": {"debounce": 0, "serverUrl": srv.base, "serverToken": srv.token}}))
        uri = "untitled:killed.txt"
        open_doc(client, uri, long_ad(1500, "killed"))
        deadline = time.monotonic() + 60
        while (await asyncio.to_thread(srv.stats))["model_sentences"] == 0:  # the model server is streaming our document ...
            assert time.monotonic() < deadline, "the model server never started on the document"
            await asyncio.sleep(0.05)
        assert uri not in client.diag_versions  # ... and has not finished it
        srv.proc.kill()  # SIGKILL, our own child
        await asyncio.to_thread(srv.proc.wait, 10)
        diags = await diagnostics_for(client, uri, 1, timeout=180)  # finished in-process
        assert {d.code for d in diags} >= {d.code for d in await _fresh(client, long_ad(1500, "killed"))} and diags
        assert any("not reachable" in m.message for m in client.messages)
        # it comes back on the same port; after the retry interval (5 s) the language server uses it again
        srv = await asyncio.to_thread(start_server, tmp_path, port=srv.port)
        await asyncio.sleep(5.5)
        change(client, uri, 2, long_ad(40, "back"))
        assert await diagnostics_for(client, uri, 2, timeout=120)
        assert any("reconnected" in m.message for m in client.messages)
        assert srv.stats()["model_sentences"] > 0  # the new server did the work
        figures["fault_server_killed_lsp"] = {"sentences_in_flight": 1500, "diagnostics_lost": 0, "recovered": True}
    finally:
        srv.stop()


async def _fresh(client, text: str):
    """Diagnostics of the same text in a second document (no server change in between)."""
    uri = "untitled:fresh.txt"
    open_doc(client, uri, text)
    return await diagnostics_for(client, uri, 1, timeout=180)
