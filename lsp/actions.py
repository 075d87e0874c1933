"""Code actions: rewrites (from the diagnostic's data), fix all, ignore, allow, disable."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from .diagnostics import SOURCE
from .suppress import IGNORE_COMMENT

FIX_ALL_KIND = types.CodeActionKind.SourceFixAll + ".biaslsp"


def _range(r: dict[str, Any]) -> types.Range:
    return types.Range(
        start=types.Position(line=int(r["start"]["line"]), character=int(r["start"]["character"])),
        end=types.Position(line=int(r["end"]["line"]), character=int(r["end"]["character"])),
    )


def workspace_edit(ls, uri: str, version: int | None, edits: list[types.TextEdit]) -> types.WorkspaceEdit:
    """A versioned edit where the client supports it, so a stale fix is refused, not misapplied."""
    ws = ls.client_capabilities.workspace
    if ws and ws.workspace_edit and ws.workspace_edit.document_changes:
        doc = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=doc, edits=edits)])
    return types.WorkspaceEdit(changes={uri: edits})


def rewrite_title(rw: dict[str, Any]) -> str:
    """Say which rewrite was verified: re-classified and clear of every label the sentence had."""
    if rw.get("verified"):
        status = "verified"
    else:
        left = [str(l) for l in rw.get("remaining") or []]
        status = "not verified" + (f": still {', '.join(left)}" if left else "")
    return f"Rewrite: \u201c{str(rw.get('text', '')).strip()}\u201d ({status})"


def _wants(only: list[str] | None, kind: str) -> bool:
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def code_actions(ls, params: types.CodeActionParams, state) -> list[types.CodeAction]:
    uri = params.text_document.uri
    only = [str(k) for k in params.context.only] if params.context.only else None
    out: list[types.CodeAction] = []
    seen_terms: set[str] = set()
    seen_labels: set[str] = set()
    seen_sentences: set[int] = set()
    seen_rewrites: set[tuple] = set()
    have_preferred = False
    quick = _wants(only, types.CodeActionKind.QuickFix)
    for diag in params.context.diagnostics:
        data = diag.data if isinstance(diag.data, dict) else None
        if diag.source != SOURCE or data is None:
            continue
        version = data.get("version")
        label = str(data.get("label") or diag.code or "")
        if not quick:
            continue
        for rw in data.get("rewrites") or []:
            edits = [types.TextEdit(range=_range(e["range"]), new_text=e["newText"]) for e in rw.get("edits") or []]
            key = (rw.get("text", ""), tuple((e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character, e.new_text) for e in edits))
            if not edits or key in seen_rewrites:
                continue  # two findings in one sentence share its rewrites: offer each once
            seen_rewrites.add(key)
            verified = bool(rw.get("verified"))
            preferred = verified and not have_preferred
            have_preferred |= preferred
            out.append(
                types.CodeAction(
                    title=rewrite_title(rw),
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    is_preferred=preferred or None,
                    edit=workspace_edit(ls, uri, version, edits),
                )
            )
        sentence = data.get("sentence") or {"start": diag.range.start.__dict__, "end": diag.range.end.__dict__}
        line = int(sentence["start"]["line"]) if isinstance(sentence, dict) else diag.range.start.line
        if line not in seen_sentences:
            seen_sentences.add(line)
            pos = types.Position(line=line, character=0)
            out.append(
                types.CodeAction(
                    title="Ignore this sentence (biaslsp-ignore-next-line)",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    edit=workspace_edit(ls, uri, version, [types.TextEdit(range=types.Range(start=pos, end=pos), new_text=IGNORE_COMMENT + "\n")]),
                )
            )
        term = str(data.get("term") or "").strip()
        if term and not data.get("deny") and term.lower() not in seen_terms and len(term) <= 80:
            seen_terms.add(term.lower())
            out.append(
                types.CodeAction(
                    title=f"Add \u201c{term}\u201d to the project allow-list",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    command=types.Command(title="Allow term", command="biaslsp.allowTerm", arguments=[term]),
                )
            )
        if label and label not in seen_labels:
            seen_labels.add(label)
            out.append(
                types.CodeAction(
                    title=f"Disable the \u201c{label}\u201d category",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diag],
                    command=types.Command(title="Disable category", command="biaslsp.disableCategory", arguments=[label]),
                )
            )
    fix_all = fix_all_action(ls, uri, state, FIX_ALL_KIND if only and _wants(only, FIX_ALL_KIND) and not quick else types.CodeActionKind.QuickFix)
    if fix_all and (_wants(only, FIX_ALL_KIND) or (quick and out)):
        out.append(fix_all)
    return out


def fix_all_action(ls, uri: str, state, kind: str) -> types.CodeAction | None:
    """The best rewrite of every flagged sentence, from the last published findings."""
    if state is None or state.index is None or not state.findings:
        return None
    edits: list[types.TextEdit] = []
    taken: list[tuple[int, int]] = []
    done_sentences: set[tuple[int, int]] = set()
    for f in state.findings:
        key = (f.sentence.start, f.sentence.end)
        best = next((r for r in f.sentence.rewrites if r.verified), None)  # Fix all applies verified rewrites only
        if key in done_sentences or best is None:
            continue
        done_sentences.add(key)
        spans = [(e.start, e.end) for e in best.edits]
        if any(s < te and ts < e or (s == e == ts == te) for s, e in spans for ts, te in taken):
            continue
        taken += spans
        edits += [types.TextEdit(range=state.index.range(e.start, e.end), new_text=e.new_text) for e in best.edits]
    if not edits:
        return None
    return types.CodeAction(
        title=f"Fix all biaslsp findings in this document ({len(done_sentences)} sentences)",
        kind=kind,
        edit=workspace_edit(ls, uri, state.done_version, edits),
    )
