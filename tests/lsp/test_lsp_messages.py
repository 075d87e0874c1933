"""What an editor user reads (issue 17): short diagnostic messages, a hover that shows what
matters, and rewrite actions that say which one is verified and appear once per line.

A pytest-lsp client drives the real `biaslsp --stdio` process.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from biaslsp.models import LABELS
from biaslsp.models.labels import EXPLANATIONS, doc_url
from biaslsp.lsp.diagnostics import SHORT_TITLES

from lsp_helpers import SERVER_CMD, capabilities, diagnostics_for, file_uri, make_client, open_doc, range_text

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROOT = Path(__file__).resolve().parents[2]
# one sentence with two masculine spans (a listed run like "aggressive, competitive" is one), one with an age and a general span
MANY = "An aggressive, competitive self-starter who dominates the market."
TWO_KINDS = "Recent graduates from top-tier universities preferred."
TEXT = f"{MANY}\n{TWO_KINDS}\n"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("ws")


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_CMD, client_factory=make_client))
async def client(lsp_client: LanguageClient, workspace):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=capabilities(), root_uri=file_uri(workspace), initialization_options={"debounce": 50}))
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def diags(client: LanguageClient, workspace):
    uri = file_uri(workspace / "ad.txt")
    open_doc(client, uri, TEXT)
    found = await diagnostics_for(client, uri, 1)
    lines = {d.range.start.line for d in found}
    assert lines == {0, 1}, f"the test sentences should both be flagged: {found}"
    assert len([d for d in found if d.range.start.line == 0]) >= 2, "the first sentence should have several findings"
    return uri, found


def _sentence_labels(found, line: int) -> set[str]:
    return {d.code for d in found if d.range.start.line == line}


async def test_message_is_one_short_line_and_the_explanation_is_linked(diags):
    _, found = diags
    anchors = set(re.findall(r"^## (\w+)", (ROOT / "docs" / "categories.md").read_text(encoding="utf-8"), re.M))
    for d in found:
        term = range_text(TEXT, d.range)
        assert d.message == f"{SHORT_TITLES[d.code]}: \u2018{term}\u2019", d.message
        assert "\n" not in d.message and len(d.message) <= 80
        assert EXPLANATIONS[d.code] not in d.message
        assert d.code_description.href == doc_url(d.code) and d.code_description.href.endswith(f"#{d.code}")
        assert d.code in anchors  # the link lands on the category's section
    assert set(SHORT_TITLES) == set(LABELS)


async def _hover(client, uri, pos):
    return await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=pos))


async def test_hover_shows_flagged_labels_explanation_and_which_rewrites_are_verified(client: LanguageClient, diags):
    uri, found = diags
    for line in (0, 1):
        d = next(x for x in found if x.range.start.line == line)
        value = (await _hover(client, uri, d.range.start)).contents.value
        flagged = _sentence_labels(found, line)
        shown = re.findall(r"Flagged: (.*)", value)
        assert shown, value
        for row in shown:
            pairs = dict((l, float(v)) for l, v in re.findall(r"(\w+) (\d\.\d\d)", row))
            assert set(pairs) <= flagged and d.code in pairs, (row, flagged)
            for label, score in pairs.items():
                assert abs(score - d.data["scores"][label]) < 0.006
        unflagged = [l for l in LABELS if l not in flagged]
        assert not any(re.search(rf"\b{l} \d\.\d\d", value) for l in unflagged), value  # no unrelated scores
        assert EXPLANATIONS[d.code] in value
        for rw in d.data["rewrites"][:3]:
            row = next(r for r in value.splitlines() if rw["text"].strip() in r)
            assert ("_verified_" in row) == rw["verified"], row
            if not rw["verified"]:
                assert "not verified" in row


async def _actions(client, uri, line_diags):
    rng = types.Range(start=line_diags[0].range.start, end=line_diags[-1].range.end)
    return await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), range=rng, context=types.CodeActionContext(diagnostics=line_diags)))


async def test_two_findings_on_a_line_offer_each_rewrite_once(client: LanguageClient, diags):
    uri, found = diags
    for line in (0, 1):
        line_diags = [d for d in found if d.range.start.line == line]
        assert len(line_diags) >= 2
        actions = await _actions(client, uri, line_diags)
        rewrites = [a.title for a in actions if a.title.startswith("Rewrite")]
        distinct = {rw["text"] for d in line_diags for rw in d.data["rewrites"] if rw["edits"]}
        assert distinct, "the engine should offer rewrites for these sentences"
        assert len(rewrites) == len(set(rewrites)) == len(distinct), rewrites


async def test_rewrite_actions_say_which_is_verified_and_prefer_only_a_verified_one(client: LanguageClient, diags):
    uri, found = diags
    for line in (0, 1):
        line_diags = [d for d in found if d.range.start.line == line]
        verified = {rw["text"].strip(): rw["verified"] for d in line_diags for rw in d.data["rewrites"]}
        actions = [a for a in await _actions(client, uri, line_diags) if a.title.startswith("Rewrite")]
        for a in actions:
            text = re.match(r"Rewrite: \u201c(.*)\u201d \((verified|not verified.*)\)$", a.title)
            assert text, a.title
            assert (text.group(2) == "verified") == verified[text.group(1)], a.title
            if a.is_preferred:
                assert verified[text.group(1)]
        preferred = [a for a in actions if a.is_preferred]
        assert len(preferred) == (1 if any(verified[t] for t in offered_texts(actions)) else 0), [a.title for a in actions]


def offered_texts(actions) -> list[str]:
    return [re.match(r"Rewrite: \u201c(.*)\u201d", a.title).group(1) for a in actions]
