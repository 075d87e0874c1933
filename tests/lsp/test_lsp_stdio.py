"""End to end: a pytest-lsp client drives the real `biaslsp --stdio` process."""

from __future__ import annotations

import tomllib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from biaslsp.models import LABELS, default_engine
from biaslsp.models.labels import TITLES, doc_url
from biaslsp.lsp.diagnostics import short_message

from lsp_helpers import (
    BIASED, NATIVE, NEUTRAL, SERVER_CMD, apply_edits, capabilities, diagnostics_for, edits_of, file_uri, make_client,
    open_doc, position_of, range_text, utf16, wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    return tmp_path_factory.mktemp("ws")


@pytest.fixture(scope="module")
def engine():
    return default_engine()


@pytest_lsp.fixture(scope="module", config=ClientServerConfig(server_command=SERVER_CMD, client_factory=make_client))
async def client(lsp_client: LanguageClient, workspace):
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(),
            root_uri=file_uri(workspace),
            initialization_options={"debounce": 50},
        )
    )
    yield
    await lsp_client.shutdown_session()


def doc_uri(workspace, name):
    return file_uri(workspace / name)


def flagged_labels(engine, sentence):
    return set(engine.analyze(sentence).sentences[0].labels)


async def test_model_load_reports_progress(client: LanguageClient):
    def ended():
        return any(any(isinstance(v, types.WorkDoneProgressEnd) for v in vals) for vals in client.progress_reports.values())

    await wait_until(ended, 90, "the model-load $/progress end")
    reports = next(iter(client.progress_reports.values()))
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert "model" in reports[0].message.lower()


async def test_open_reports_biased_sentences_only(client: LanguageClient, workspace, engine):
    text = f"{NEUTRAL}\n{BIASED}\n{NATIVE}\n"
    uri = doc_uri(workspace, "open.txt")
    open_doc(client, uri, text)
    diags = await diagnostics_for(client, uri, 1)
    expected = {1: flagged_labels(engine, BIASED), 2: flagged_labels(engine, NATIVE)}
    assert expected[1] or expected[2], "the test sentences should be flagged by the engine"
    for line, labels in expected.items():
        got = {d.code for d in diags if d.range.start.line == line}
        assert got == labels, (line, got, labels)
    assert not [d for d in diags if d.range.start.line == 0], "the neutral sentence must not be flagged"
    for d in diags:
        assert d.source == "biaslsp"
        assert d.code in LABELS
        assert d.severity == types.DiagnosticSeverity.Information
        assert d.code_description.href == doc_url(d.code)
        assert d.message == short_message(d.code, range_text(text, d.range))
        assert range_text(text, d.range).strip(), "a diagnostic must cover text"
        assert isinstance(d.data["rewrites"], list)
        assert d.data["version"] == 1


async def test_positions_are_utf16_with_emoji_and_cjk(client: LanguageClient, workspace, engine):
    prefix = "🎉🚀 招聘信息 — 😀 "
    text = f"{prefix}{NATIVE}\n🎉 {NEUTRAL}\n"
    uri = doc_uri(workspace, "emoji.txt")
    open_doc(client, uri, text)
    diags = await diagnostics_for(client, uri, 1)
    analysis = engine.analyze(text)
    spans = [(sp.start, sp.end, sp.label) for s in analysis.sentences for sp in s.spans]
    assert spans, "the engine should find a span here"
    assert len(diags) == len(spans)
    for d, (start, end, label) in zip(sorted(diags, key=lambda d: (d.range.start.character, d.code)), sorted(spans)):
        assert d.range.start == position_of(text, start)
        assert d.range.end == position_of(text, end)
        assert range_text(text, d.range) == text[start:end]
    # the columns really are UTF-16 units: every span ends after the emoji, which count twice
    assert all(d.range.end.character > len(text[: offset]) for d, offset in zip(diags, [e for _, e, _ in sorted(spans)]))


async def test_incremental_edit_publishes_for_the_new_version(client: LanguageClient, workspace, engine):
    text = f"😀 {NEUTRAL}\n{NEUTRAL}\n"
    uri = doc_uri(workspace, "edit.txt")
    open_doc(client, uri, text)
    assert await diagnostics_for(client, uri, 1) == []
    # replace the second line's sentence, addressed in UTF-16 units
    start = types.Position(line=1, character=0)
    end = types.Position(line=1, character=utf16(NEUTRAL))
    for version, new in ((2, "We want young"), (3, BIASED)):  # two quick edits: only the last is published
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=new)],
            )
        )
        end = types.Position(line=1, character=utf16(new))
    new_text = f"😀 {NEUTRAL}\n{BIASED}\n"
    diags = await diagnostics_for(client, uri, 3)
    assert {d.code for d in diags} == flagged_labels(engine, BIASED)
    assert all(d.range.start.line == 1 for d in diags)
    assert all(d.data["version"] == 3 for d in diags)
    for d in diags:
        assert range_text(new_text, d.range)


async def test_code_action_rewrite_applies_and_clears(client: LanguageClient, workspace, engine):
    text = f"{NEUTRAL}\n{NATIVE}\n"
    uri = doc_uri(workspace, "fix.txt")
    open_doc(client, uri, text)
    diags = await diagnostics_for(client, uri, 1)
    target = next(d for d in diags if d.data["rewrites"])
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=target.range,
            context=types.CodeActionContext(diagnostics=[target]),
        )
    )
    titles = [a.title for a in actions]
    rewrites = [a for a in actions if a.title.startswith("Rewrite")]
    assert len(rewrites) == len(target.data["rewrites"])
    first_verified = next((i for i, rw in enumerate(target.data["rewrites"]) if rw["verified"]), None)
    assert [bool(a.is_preferred) for a in rewrites] == [i == first_verified for i in range(len(rewrites))]
    assert any(t.startswith("Ignore this sentence") for t in titles)
    assert any("allow-list" in t for t in titles)
    assert any(t.startswith("Disable") for t in titles)
    assert any(t.startswith("Fix all") for t in titles)
    best = rewrites[0]
    assert best.edit.document_changes[0].text_document.version == 1
    new_text = apply_edits(text, edits_of(best, uri))
    assert new_text == f"{NEUTRAL}\n{target.data['rewrites'][0]['text']}\n"
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=new_text)],
        )
    )
    after = await diagnostics_for(client, uri, 2)
    rewritten = new_text.split("\n")[1]
    assert {d.code for d in after} == flagged_labels(engine, rewritten)
    if target.data["rewrites"][0]["verified"]:
        assert target.code not in {d.code for d in after}


async def test_fix_all_rewrites_every_flagged_sentence(client: LanguageClient, workspace, engine):
    text = f"{NATIVE}\n{NEUTRAL}\n{NATIVE}\n"
    uri = doc_uri(workspace, "fixall.txt")
    open_doc(client, uri, text)
    diags = await diagnostics_for(client, uri, 1)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    assert [a.kind for a in actions] == ["source.fixAll.biaslsp"]
    new_text = apply_edits(text, edits_of(actions[0], uri))
    best = engine.analyze(NATIVE).sentences[0].rewrites[0].text
    assert new_text == f"{best}\n{NEUTRAL}\n{best}\n"
    assert diags


async def test_hover_shows_category_scores_and_rewrite(client: LanguageClient, workspace, engine):
    text = f"{NATIVE}\n"
    uri = doc_uri(workspace, "hover.txt")
    open_doc(client, uri, text)
    diags = await diagnostics_for(client, uri, 1)
    d = diags[0]
    result = await client.text_document_hover_async(types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=d.range.start))
    value = result.contents.value
    assert TITLES[d.code] in value and f"`{d.code}`" in value
    assert "Flagged:" in value
    sent = engine.analyze(NATIVE).sentences[0]
    if sent.rewrites:
        assert "Rewrites:" in value
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=1, character=0))
    )
    assert nothing is None


async def test_pull_diagnostics_match_pushed(client: LanguageClient, workspace):
    uri = doc_uri(workspace, "pull.txt")
    open_doc(client, uri, f"{BIASED}\n")
    pushed = await diagnostics_for(client, uri, 1)
    report = await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert [(d.range, d.code) for d in report.items] == [(d.range, d.code) for d in pushed]


async def test_summary_notification_and_code_lens(client: LanguageClient, workspace, engine):
    text = f"{BIASED}\n{NEUTRAL}\n{NATIVE}\n"
    uri = doc_uri(workspace, "summary.txt")
    open_doc(client, uri, text)
    await diagnostics_for(client, uri, 1)
    summary = await wait_until(lambda: client.summaries.get(uri), 10, "biaslsp/summary")
    want = engine.analyze(text).summary
    assert summary["score"] == want.score and summary["counts"] == want.counts and summary["version"] == 1
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    assert len(lenses) == 1 and f"Inclusiveness {want.score}/100" in lenses[0].command.title


async def test_inline_disable_enable_and_ignore_next_line(client: LanguageClient, workspace, engine):
    labels = flagged_labels(engine, NATIVE)
    assert labels
    off = " ".join(sorted(labels))
    text = (
        f"<!-- biaslsp-disable {off} -->\n{NATIVE}\n<!-- biaslsp-enable -->\n{NATIVE}\n"
        f"<!-- biaslsp-ignore-next-line -->\n{NATIVE}\n<!-- biaslsp-disable -->\n{BIASED}\n"
    )
    uri = doc_uri(workspace, "suppress.md")
    open_doc(client, uri, text, "markdown")
    diags = await diagnostics_for(client, uri, 1)
    assert diags and {d.range.start.line for d in diags} == {3}


async def test_markdown_skips_code_front_matter_and_links(client: LanguageClient, workspace):
    text = (
        f"---\ntitle: {NATIVE}\n---\n\n{NEUTRAL}\n\n```\n{NATIVE}\n```\n\n"
        f"See [the page](https://example.com/young-rockstar-ninjas) and `{BIASED}`.\n\n{NATIVE}\n"
    )
    uri = doc_uri(workspace, "ad.md")
    open_doc(client, uri, text, "markdown")
    diags = await diagnostics_for(client, uri, 1)
    last = text.rstrip("\n").count("\n")
    assert diags and {d.range.start.line for d in diags} == {last}


async def test_html_checks_text_content_only(client: LanguageClient, workspace):
    text = f'<div class="young rockstar ninja" data-x="{NATIVE}">\n<p>{NEUTRAL}</p>\n<p>{NATIVE}</p>\n</div>\n'
    uri = doc_uri(workspace, "ad.html")
    open_doc(client, uri, text, "html")
    diags = await diagnostics_for(client, uri, 1)
    assert diags and {d.range.start.line for d in diags} == {2}
    for d in diags:
        assert "<" not in range_text(text, d.range)


async def test_configuration_change_categories_and_severity(client: LanguageClient, workspace, engine):
    uri = doc_uri(workspace, "config.txt")
    open_doc(client, uri, f"{NATIVE}\n{BIASED}\n")
    before = await diagnostics_for(client, uri, 1)
    dropped = before[0].code
    client.set_configuration({"categories": [l for l in LABELS if l != dropped], "severity": "warning"}, section="biaslsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))

    def republished():
        ds = client.diagnostics.get(uri)
        return ds is not None and all(d.severity == types.DiagnosticSeverity.Warning for d in ds) and dropped not in {d.code for d in ds}

    await wait_until(republished, 30, "re-published diagnostics after the configuration change")
    assert {d.code for d in client.diagnostics[uri]} == {d.code for d in before} - {dropped}
    client.set_configuration({}, section="biaslsp")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_until(lambda: dropped in {d.code for d in client.diagnostics.get(uri, [])}, 30, "restored settings")


async def test_allow_list_command_writes_project_file(client: LanguageClient, workspace):
    uri = doc_uri(workspace, "allow.txt")
    open_doc(client, uri, f"{NATIVE}\n{NEUTRAL}\n")
    diags = await diagnostics_for(client, uri, 1)
    d = diags[0]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri), range=d.range, context=types.CodeActionContext(diagnostics=[d]))
    )
    allow = next(a for a in actions if "allow-list" in a.title)
    await client.workspace_execute_command_async(types.ExecuteCommandParams(command=allow.command.command, arguments=allow.command.arguments))
    project = tomllib.loads((workspace / ".biaslsp.toml").read_text())
    assert d.data["term"] in project["allow"]
    await wait_until(lambda: not [x for x in client.diagnostics.get(uri, []) if x.data["term"] == d.data["term"]], 30, "the allowed term to disappear")
    (workspace / ".biaslsp.toml").unlink()
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=doc_uri(workspace, ".biaslsp.toml"), type=types.FileChangeType.Deleted)])
    )
    await wait_until(lambda: client.diagnostics.get(uri), 30, "findings back after removing the project file")


async def test_project_file_deny_terms_and_thresholds(client: LanguageClient, workspace):
    (workspace / ".biaslsp.toml").write_text('deny = ["synergy"]\n[thresholds]\nracial = 1.0\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=doc_uri(workspace, ".biaslsp.toml"), type=types.FileChangeType.Created)])
    )
    uri = doc_uri(workspace, "deny.txt")
    text = f"We value synergy across teams.\n{NATIVE}\n"
    open_doc(client, uri, text)
    try:
        diags = await diagnostics_for(client, uri, 1)
        deny = [d for d in diags if d.data.get("deny")]
        assert len(deny) == 1 and range_text(text, deny[0].range) == "synergy"
        assert "racial" not in {d.code for d in diags}
    finally:
        (workspace / ".biaslsp.toml").unlink()
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams(changes=[types.FileEvent(uri=doc_uri(workspace, ".biaslsp.toml"), type=types.FileChangeType.Deleted)])
        )
