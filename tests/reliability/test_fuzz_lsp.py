"""Random LSP edit sequences (hypothesis) against the real `biaslsp --stdio`: incremental
didChange edits with UTF-16 ranges over text with emoji, combining marks, CJK and CRLF, several
changes per notification. After the last one, the server's copy of the document equals the
client's: its diagnostics and summary equal those of a fresh document opened with the client's
text, and every diagnostic's range selects, in the client's text, the words the server flagged.
"""

from __future__ import annotations

import itertools

import pytest
import pytest_lsp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsp_helpers import SERVER_CMD, capabilities, diagnostics_for, make_client, open_doc, position_of, range_text, wait_until
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from conftest import BIASED, LIFT, NATIVE

pytestmark = pytest.mark.asyncio(loop_scope="module")
PIECES = [BIASED, NATIVE, LIFT, " ", "\n", "\r\n", "😀", "👩🏽‍💻", "e\u0301", "日本語。", "young ", "x", ". ", "\t"]
pieces = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
edit = st.tuples(st.floats(0, 1), st.floats(0, 1), pieces)
changes = st.lists(st.lists(edit, min_size=1, max_size=3), min_size=1, max_size=8)  # notifications of changes
URIS = itertools.count()


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_CMD, client_factory=make_client))
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(),
                                                               initialization_options={"debounce": 0}))
    yield
    await lsp_client.shutdown_session()


def at(text: str, frac: float) -> int:
    return min(len(text), int(frac * (len(text) + 1)))


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(start=pieces, notifications=changes)
async def test_after_random_edits_the_server_has_the_clients_text(client, start, notifications, figures):
    uri = f"untitled:fuzz-{next(URIS)}.txt"
    text = start
    open_doc(client, uri, text)
    for version, batch in enumerate(notifications, start=2):
        events = []
        for a, b, new in batch:
            lo, hi = sorted((at(text, a), at(text, b)))
            if text[lo - 1:lo] == "\r" and text[lo:lo + 1] == "\n":
                lo -= 1  # never split a CRLF (an editor cannot place a cursor inside one)
            if text[hi - 1:hi] == "\r" and text[hi:hi + 1] == "\n":
                hi += 1
            rng = types.Range(start=position_of(text, lo), end=position_of(text, hi))
            events.append(types.TextDocumentContentChangePartial(range=rng, text=new))
            text = text[:lo] + new + text[hi:]
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=events))
    final = len(notifications) + 1
    diags = await diagnostics_for(client, uri, final, timeout=120)
    fresh = f"untitled:fuzz-{next(URIS)}.txt"
    open_doc(client, fresh, text)
    want = await diagnostics_for(client, fresh, 1, timeout=120)
    assert [(d.range, d.code, d.message) for d in diags] == [(d.range, d.code, d.message) for d in want]
    for d in diags:
        assert d.data["term"] in range_text(text, d.range) or range_text(text, d.range) == d.data["term"]
        assert range_text(text, types.Range(**_rng(d.data["sentence"]))) == d.data["sentenceText"]
    await wait_until(lambda: client.summaries.get(uri, {}).get("version") == final and fresh in client.summaries, 30, "summaries")
    assert {k: v for k, v in client.summaries[uri].items() if k not in ("uri", "version")} == \
           {k: v for k, v in client.summaries[fresh].items() if k not in ("uri", "version")}
    assert not [m for m in client.messages if "out of range" in m.message]
    for u in (uri, fresh):
        client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=u)))
    stats = figures.setdefault("fuzz_lsp_edits", {"documents": 0, "notifications": 0, "changes": 0})
    stats["documents"] += 1
    stats["notifications"] += len(notifications)
    stats["changes"] += sum(len(b) for b in notifications)


def _rng(r: dict) -> dict:
    return {"start": types.Position(**r["start"]), "end": types.Position(**r["end"])}
