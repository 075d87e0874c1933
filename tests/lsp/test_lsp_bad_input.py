"""Bad input never takes the server down: every case ends with the server still serving."""

from __future__ import annotations

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import BIASED, NATIVE, NEUTRAL, SERVER_CMD, capabilities, diagnostics_for, make_client, open_doc, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_CMD, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=capabilities(), initialization_options={"debounce": 0})
    )
    yield
    await lsp_client.shutdown_session()


async def still_serving(client: LanguageClient, name: str) -> None:
    """A fresh document still gets its diagnostics (and a hover answers)."""
    uri = f"untitled:alive-{name}.txt"
    open_doc(client, uri, f"{NEUTRAL}\n{BIASED}\n")
    diags = await diagnostics_for(client, uri, 1)
    await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=3)))
    assert isinstance(diags, list)


def new_messages(client: LanguageClient, since: int) -> list[str]:
    return [m.message for m in client.messages[since:]]


async def test_malformed_json_rpc(client: LanguageClient):
    since = len(client.messages)
    for body in (b"{not json", b"\xff\xfe\x00\x01", b'{"jsonrpc": "2.0", "id": 7, "method": "textDocument/hover", "params": {"bogus": 1}}', b"[]"):
        client.protocol.writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await wait_until(lambda: len(new_messages(client, since)) >= 3, 20, "error messages")
    assert all(m.startswith("biaslsp: ignored a message") for m in new_messages(client, since))
    await still_serving(client, "json")


async def test_unknown_methods(client: LanguageClient):
    with pytest.raises(JsonRpcMethodNotFound):
        await client.protocol.send_request_async("biaslsp/noSuchMethod", {"x": 1})
    client.protocol.notify("biaslsp/noSuchNotification", {"x": 1})
    client.protocol.notify("$/noSuchNotification", None)
    await still_serving(client, "unknown")


async def test_edit_out_of_range_is_clamped_and_reported(client: LanguageClient):
    uri = "untitled:range.txt"
    open_doc(client, uri, f"{NEUTRAL}\n")
    await diagnostics_for(client, uri, 1)
    since = len(client.messages)
    far = types.Position(line=99, character=500)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=far, end=far), text=f"\n{NATIVE}")],
        )
    )
    await wait_until(lambda: any("out of range" in m for m in new_messages(client, since)), 20, "the out-of-range message")
    diags = await diagnostics_for(client, uri, 2)  # the edit was clamped to the end: the sentence is checked
    assert diags and all(d.range.start.line == 2 for d in diags)  # appended after the final newline
    # an edit to a document that is not open
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri="untitled:never-opened.txt", version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text="x")],
        )
    )
    await wait_until(lambda: any("not open" in m for m in new_messages(client, since)), 20, "the not-open message")
    await still_serving(client, "range")


async def test_ten_megabyte_document(client: LanguageClient):
    since = len(client.messages)
    uri = "untitled:huge.txt"
    open_doc(client, uri, (NEUTRAL + " ") * (10_000_000 // (len(NEUTRAL) + 1) + 1))
    assert await diagnostics_for(client, uri, 1, timeout=120) == []
    msgs = new_messages(client, since)
    assert any("huge.txt is 10,0" in m and "limit of 1,000,000" in m and "maxDocumentSize" in m for m in msgs), msgs
    client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    await still_serving(client, "huge")


async def test_size_cap_is_configurable(client: LanguageClient):
    since = len(client.messages)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"biaslsp": {"maxDocumentSize": 60}}))
    uri = "untitled:capped.txt"
    open_doc(client, uri, f"{BIASED} {BIASED}\n")
    try:
        assert await diagnostics_for(client, uri, 1) == []
        await wait_until(lambda: any("limit of 60" in m for m in new_messages(client, since)), 20, "the cap message")
    finally:
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"biaslsp": {}}))
    await wait_until(lambda: client.diagnostics.get(uri), 30, "findings once the cap is lifted")


async def test_binary_content(client: LanguageClient):
    since = len(client.messages)
    uri = "untitled:blob.bin"
    open_doc(client, uri, "\x00\x01\x02PNG\x1a\x00" * 1000 + BIASED)
    assert await diagnostics_for(client, uri, 1) == []
    assert any("binary" in m for m in new_messages(client, since))
    await still_serving(client, "binary")


async def test_invalid_settings_are_reported_not_fatal(client: LanguageClient):
    since = len(client.messages)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"biaslsp": {"categories": ["nonsense"], "severity": "loud", "debounce": "soon"}})
    )
    await wait_until(lambda: len([m for m in new_messages(client, since) if "ignoring a setting" in m]) >= 3, 20, "three setting messages")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"biaslsp": {}}))
    await still_serving(client, "settings")
