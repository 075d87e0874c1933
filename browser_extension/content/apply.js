// Applying a rewrite through the path the editor understands, keeping undo and the caret.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  const norm = (s) => s.replace(/\u00a0/g, " ");
  const tick = (win) => new Promise((r) => win.requestAnimationFrame(() => setTimeout(r, 0)));

  // The minimal replacement [a, b) -> repl, in current-text offsets, for a rewrite of a finding's sentence.
  B.plannedEdit = function plannedEdit(text, f, rw) {
    if (f.sentenceDirty || text.slice(f.sStart, f.sEnd) !== f.sentenceText) return null;
    const edits = [...rw.edits].sort((x, y) => x.start - y.start);
    if (!edits.length) return null;
    const s = f.sentenceText;
    const lo = edits[0].start, hi = Math.max(...edits.map((e) => e.end));
    let out = "", at = lo;
    for (const e of edits) {
      if (e.start < at || e.end > s.length) return null;
      out += s.slice(at, e.start) + e.new_text;
      at = e.end;
    }
    out += s.slice(at, hi);
    const d = B.textDelta(s.slice(lo, hi), out);
    return { a: f.sStart + lo + d.start, b: f.sStart + lo + d.oldEnd, repl: out.slice(d.start, d.newEnd) };
  };

  function moveCaret(caret, a, b, repl) {
    if (caret < 0) return -1;
    if (caret <= a) return caret;
    if (caret >= b) return caret + repl.length - (b - a);
    return a + repl.length;
  }

  async function replaceInTextarea(field, a, b, repl) {
    const ta = field.root;
    ta.focus();
    ta.setSelectionRange(a, b);
    const ok = repl ? field.doc.execCommand("insertText", false, repl) : field.doc.execCommand("delete");
    if (!ok) {  // last resort: no native undo, but the page still hears an input event
      ta.setRangeText(repl, a, b, "end");
      ta.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertReplacementText" }));
    }
  }

  // Where white space collapses, Chrome's editing turns a space next to an element boundary
  // (or left doubled by a deletion) into &nbsp;, which then sticks in the saved ad. Under
  // pre-wrap it has no reason to: keep it there for the one edit, then restore the style.
  function withPlainSpaces(root, edit) {
    const ws = root.ownerDocument.defaultView.getComputedStyle(root).whiteSpace;
    if (ws.startsWith("pre") || ws === "break-spaces") { edit(); return; }
    const inline = root.style.getPropertyValue("white-space"), prio = root.style.getPropertyPriority("white-space");
    root.style.setProperty("white-space", "pre-wrap", "important");
    try { edit(); } finally {
      if (inline) root.style.setProperty("white-space", inline, prio); else root.style.removeProperty("white-space");
      if (!root.getAttribute("style")) root.removeAttribute("style");
    }
  }

  function selectRange(field, range) {
    const sel = field.win.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }

  async function replaceInEditable(field, a, b, repl, before) {
    const { root, doc, win } = field;
    if (field.frameEl) field.frameEl.contentWindow.focus();
    root.focus({ preventScroll: true });
    const range = B.rangeFor(B.extractText(root), a, b, doc);
    if (!range) return;
    if (B.isRichEditor(field.kind)) {
      // Rich editors that model input themselves (Quill, CKEditor 5, ...) handle this event.
      const dt = new DataTransfer();
      dt.setData("text/plain", repl);
      const ev = new InputEvent("beforeinput", {
        bubbles: true, cancelable: true, composed: true, inputType: "insertReplacementText",
        dataTransfer: dt, targetRanges: [new StaticRange(range)],
      });
      (range.startContainer.parentElement || root).dispatchEvent(ev);
      if (ev.defaultPrevented) { await tick(win); return; }
      await tick(win);
      if (norm(B.extractText(root).text) !== before) return;  // handled without preventDefault
      // CKEditor 5 renders its DOM from its model: a DOM edit would be reverted or leave the saved
      // data stale, so where it refused the event, Apply reports that rather than editing the DOM.
      if (field.kind === "ckeditor5") return;
    }
    selectRange(field, B.rangeFor(B.extractText(root), a, b, doc) || range);
    withPlainSpaces(root, () => { if (repl) doc.execCommand("insertText", false, repl); else doc.execCommand("delete"); });
    if (field.kind === "tinymce") {
      // TinyMCE records a non-typing undo level for replacement input (as from the spellchecker);
      // execCommand's own input event reads as typing, whose level would only come at keyup.
      root.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertReplacementText" }));
    }
    await tick(win);
  }

  function restoreCaret(field, caret) {
    if (caret < 0) return;
    if (field.kind === "textarea") { field.root.setSelectionRange(caret, caret); return; }
    const map = B.extractText(field.root);
    const p = B.pointAt(map, caret, true);
    if (!p) return;
    const r = field.doc.createRange();
    r.setStart(p.node, p.offset);
    r.collapse(true);
    selectRange(field, r);
  }

  // -> { ok: true } or { ok: false, reason }
  B.applyRewrite = async function applyRewrite(field, f, rw) {
    const { text, map } = field.readText();
    const plan = B.plannedEdit(text, f, rw);
    if (!plan) return { ok: false, reason: "The text changed since it was checked. Re-checking…" };
    const { a, b, repl } = plan;
    const expected = norm(text.slice(0, a) + repl + text.slice(b));
    const caret = moveCaret(field.caretOffset(map), a, b, repl);
    if (field.kind === "textarea") await replaceInTextarea(field, a, b, repl);
    else await replaceInEditable(field, a, b, repl, norm(text));
    const after = norm(field.readText().text);
    if (after !== expected) {
      field.onInput();
      return { ok: false, reason: "The editor did not accept the change." };
    }
    restoreCaret(field, caret);
    field.onInput();  // drops the findings the edit touched and re-checks after the pause
    return { ok: true };
  };
})();
