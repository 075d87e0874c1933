"""Bad input never takes the server down: every case ends with the server still serving."""

from __future__ import annotations

import time

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcMethodNotFound
from pytest_lsp import ClientServerConfig, LanguageClient

from lsp_helpers import (
    BIASED, NATIVE, NEUTRAL, SERVER_CMD, capabilities, diagnostics_for, make_client, open_doc, range_text, utf16, wait_until,
)

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


def change_range(client: LanguageClient, uri: str, version: int, start, end, text: str) -> None:
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start=types.Position(line=start[0], character=start[1]),
                              end=types.Position(line=end[0], character=end[1])), text=text)]))


async def fresh_diagnostics(client: LanguageClient, text: str, name: str):
    uri = f"untitled:fresh-{name}.txt"
    open_doc(client, uri, text)
    return await diagnostics_for(client, uri, 1)


async def test_position_inside_crlf_is_reported(client: LanguageClient):
    """A character past a CRLF line's end used to be taken as a place inside the CRLF."""
    uri = "untitled:crlf-range.txt"
    open_doc(client, uri, f"{NEUTRAL}\r\n{NEUTRAL}\r\n")
    await diagnostics_for(client, uri, 1)
    since = len(client.messages)
    change_range(client, uri, 2, (0, utf16(NEUTRAL) + 1), (0, utf16(NEUTRAL) + 1), " x")
    await wait_until(lambda: any("out of range" in m and "0:" in m for m in new_messages(client, since)), 20,
                     "the out-of-range message")
    await diagnostics_for(client, uri, 2)
    await still_serving(client, "crlf-range")


async def test_lone_carriage_return_is_a_line_break(client: LanguageClient):
    text = f"{NEUTRAL}\r{NATIVE}\r{NEUTRAL}\r"
    uri = "untitled:cr.txt"
    open_doc(client, uri, text)
    diags = await diagnostics_for(client, uri, 1)
    assert diags and {d.range.start.line for d in diags} == {1}
    for d in diags:
        assert d.data["term"] in range_text(text, d.range)
    # an incremental edit addressed in \r-separated lines lands where the editor put it
    since = len(client.messages)
    change_range(client, uri, 2, (2, 0), (2, utf16(NEUTRAL)), BIASED)
    new_text = f"{NEUTRAL}\r{NATIVE}\r{BIASED}\r"
    after = await diagnostics_for(client, uri, 2)
    assert {d.range.start.line for d in after} == {1, 2}
    want = await fresh_diagnostics(client, new_text, "cr")
    assert [(d.range, d.code, d.message) for d in after] == [(d.range, d.code, d.message) for d in want]
    assert not [m for m in new_messages(client, since) if "out of range" in m]


async def test_lone_surrogate_keeps_the_rest_of_the_document(client: LanguageClient):
    text = f"{NATIVE}\n\ud800 {NATIVE} 😀\n{NEUTRAL} \udfff\n{BIASED}\n"
    uri = "untitled:surrogate.txt"
    open_doc(client, uri, text)
    diags = await diagnostics_for(client, uri, 1)
    assert {0, 1, 3} <= {d.range.start.line for d in diags}
    for d in diags:  # a lone surrogate is one UTF-16 unit
        assert d.data["term"] == range_text(text, d.range)
    line1 = [d for d in diags if d.range.start.line == 1]
    assert line1[0].range.start.character == utf16("\ud800 ") + NATIVE.index(line1[0].data["term"])
    # an edit after the surrogate, in UTF-16 units, stays in step
    change_range(client, uri, 2, (1, utf16(f"\ud800 {NATIVE} 😀")), (1, utf16(f"\ud800 {NATIVE} 😀")), " Really.")
    await diagnostics_for(client, uri, 2)
    want = await fresh_diagnostics(client, text.replace("😀\n", "😀 Really.\n", 1), "surrogate")
    assert [(d.range, d.code) for d in client.diagnostics[uri]] == [(d.range, d.code) for d in want]


async def test_one_long_line_is_not_slower_than_many_short_ones(client: LanguageClient):
    """Item 4: converting offsets counted from the line start per position made a 50,000-character
    line take ~20 s; now one line costs what the same text on many lines does. Both documents
    are timed with the engine's sentence cache warm, so the conversion is what is measured."""
    pair = f"{NATIVE} {NEUTRAL} "
    n = 50_000 // len(pair) + 1
    many = "\n".join([f"{NATIVE} {NEUTRAL}"] * n) + "\n"
    one = pair * n
    assert len(one) >= 50_000 and "\n" not in one
    open_doc(client, "untitled:warm.txt", many)
    await diagnostics_for(client, "untitled:warm.txt", 1, timeout=300)
    t0 = time.perf_counter()
    open_doc(client, "untitled:many.txt", many)
    many_diags = await diagnostics_for(client, "untitled:many.txt", 1, timeout=300)
    t_many = time.perf_counter() - t0
    t0 = time.perf_counter()
    open_doc(client, "untitled:one.txt", one)
    one_diags = await diagnostics_for(client, "untitled:one.txt", 1, timeout=300)
    t_one = time.perf_counter() - t0
    assert len(one_diags) == len(many_diags) >= n
    for d in one_diags[:5] + one_diags[-5:]:
        assert d.range.start.line == 0 and range_text(one, d.range) == d.data["term"]
    print(f"\n{len(one_diags)} diagnostics: one {len(one):,}-character line {t_one:.2f} s, {n} lines {t_many:.2f} s")
    assert t_one < 3 * t_many + 2.0, (t_one, t_many)
    for uri in ("untitled:warm.txt", "untitled:many.txt", "untitled:one.txt"):
        client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
