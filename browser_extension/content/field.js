// One editable field: its text, the versions sent to the server, and the findings shown on it.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  const PAUSE_MS = 300;        // typing pause before a field is checked
  const MAX_CHARS = 20000;     // cap on the text sent (UTF-16 units); the rest is not checked
  let nextField = 0, nextFinding = 0;
  B.ignored = new Set();        // keys of findings the user chose to ignore on this site
  const IGNORED_KEY = "ignoredFindings";  // chrome.storage.local: { host: [key, ...] }, newest last
  const MAX_IGNORED = 500;                 // per site; the oldest are forgotten first

  // Ignore survives reloads: remembered per site in the extension's storage.
  B.ignore = async function ignore(key) {
    B.ignored.add(key);
    const all = (await chrome.storage.local.get(IGNORED_KEY))[IGNORED_KEY] || {};
    const list = (all[location.hostname] || []).filter((k) => k !== key);
    list.push(key);
    all[location.hostname] = list.slice(-MAX_IGNORED);
    await chrome.storage.local.set({ [IGNORED_KEY]: all });
  };

  B.loadIgnored = function loadIgnored(stored) {
    for (const key of ((stored || {})[location.hostname] || [])) B.ignored.add(key);
  };
  B.IGNORED_KEY = IGNORED_KEY;

  const findingKey = (label, text, sentence) => `${label}|${text.toLowerCase()}|${sentence.trim()}`;

  class Field {
    constructor(root, frameEl) {
      this.id = `f${++nextField}`;
      this.root = root;
      this.frameEl = frameEl || null;
      this.doc = root.ownerDocument;
      this.win = this.doc.defaultView;
      this.kind = B.editorKind(root);
      this.findings = [];
      this.version = 0;
      this.sent = null;        // { version, text, conv }
      this.summary = null;
      this.lastText = this.readText().text;
      this.timer = null;
      this.layer = null;
    }

    readText() {
      if (this.kind === "textarea") return { text: this.root.value, map: null };
      return B.extractText(this.root);
    }

    visibleFindings() { return this.findings.filter((f) => !B.ignored.has(f.key)); }

    caretOffset(map) {
      if (this.kind === "textarea") return this.doc.activeElement === this.root ? this.root.selectionEnd : -1;
      const sel = this.win.getSelection();
      if (!sel || !sel.rangeCount || !this.root.contains(sel.focusNode)) return -1;
      return B.offsetOf(map || B.extractText(this.root), sel.focusNode, sel.focusOffset);
    }

    // The user typed: keep findings outside the edit aligned, then check after a pause.
    onInput() {
      const { text } = this.readText();
      if (text !== this.lastText) {
        const d = B.textDelta(this.lastText, text);
        this.findings = this.findings.filter((f) => {
          const r = B.shiftRange(d, f.start, f.end);
          if (!r) return false;
          [f.start, f.end] = r;
          const s = B.shiftRange(d, f.sStart, f.sEnd);
          if (s) [f.sStart, f.sEnd] = s; else f.sentenceDirty = true;
          return true;
        });
        this.lastText = text;
        this.render();
      }
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.analyze(), PAUSE_MS);
    }

    analyze() {
      clearTimeout(this.timer);
      if (B.disabled || !B.online) return false;
      const { text, map } = this.readText();
      this.lastText = text;
      let sendText = text;
      if (sendText.length > MAX_CHARS) {
        let cut = MAX_CHARS;
        if (/[\uD800-\uDBFF]/.test(sendText[cut - 1])) cut--;
        sendText = sendText.slice(0, cut);
      }
      const conv = B.offsetConverter(sendText);
      const version = ++this.version;
      this.sent = { version, text: sendText, conv, at: performance.now() };
      const caret = this.caretOffset(map);
      const msg = { type: "analyze", doc: this.id, version, text: sendText, format: "text" };
      if (caret >= 0 && caret <= sendText.length) msg.cursor = conv.toCp(caret);
      if (!text.trim()) { this.findings = []; this.summary = null; this.render(); B.reportState(); return true; }
      return B.send(msg);
    }

    // Offsets of version `sent` mapped to the current text (it may have changed since).
    mapper() {
      const { text, conv } = this.sent;
      const d = text === this.lastText ? null : B.textDelta(text, this.lastText);
      return (cs, ce) => {
        const s = conv.toU16(cs), e = conv.toU16(ce);
        return d ? B.shiftRange(d, s, e) : [s, e];
      };
    }

    onSentence(msg) {
      if (!this.sent || msg.version !== this.sent.version) return;
      const map = this.mapper();
      const conv = this.sent.conv;
      const sr = map(msg.start, msg.end);
      if (!sr) return;  // that sentence was edited since; the next version covers it
      const [sStart, sEnd] = sr;
      const su = conv.toU16(msg.start);
      const sentenceText = this.sent.text.slice(su, conv.toU16(msg.end));
      this.findings = this.findings.filter((f) => f.end <= sStart || f.start >= sEnd);
      const rewrites = (msg.rewrites || []).map((rw) => B.relativeRewrite(rw, conv, su));
      const base = { version: msg.version, sStart, sEnd, sentenceText, explanation: msg.explanation || "",
                     guidance: msg.guidance || "", rewrites, labels: msg.labels || [], scores: msg.scores || {} };
      const spans = msg.spans || [];
      const add = (label, s, e, explanation) => {
        const text = this.lastText.slice(s, e);
        this.findings.push({ ...base, explanation: explanation || base.explanation,
                             id: `${this.id}-${++nextFinding}`, label, start: s, end: e, text,
                             key: findingKey(label, text, sentenceText) });
      };
      for (const sp of spans) {
        const r = map(sp.start, sp.end);
        if (r && r[1] > r[0]) add(sp.label, r[0], r[1], sp.explanation);  // each label its own explanation
      }
      for (const label of base.labels) {  // flagged sentence without a span for that label: mark it whole
        if (spans.some((sp) => sp.label === label)) continue;
        const lead = sentenceText.length - sentenceText.trimStart().length;
        const trail = sentenceText.length - sentenceText.trimEnd().length;
        if (sEnd - trail > sStart + lead) add(label, sStart + lead, sEnd - trail);
      }
      this.findings.sort((a, b) => a.start - b.start);
      this.render();
      B.reportState();
    }

    onDone(msg) {
      if (!this.sent || msg.version !== this.sent.version || msg.cancelled) return;
      this.findings = this.findings.filter((f) => f.version === msg.version);
      this.summary = msg.summary || null;
      this.lastDoneMs = performance.now() - this.sent.at;
      this.render();
      B.reportState();
      const layer = B.layerFor(this);  // tests and benchmarks wait on this attribute
      layer.dataset.checked = String(msg.version);
      layer.dataset.count = String(this.visibleFindings().length);
    }

    clear() {
      clearTimeout(this.timer);
      this.findings = [];
      this.summary = null;
      this.render();
    }

    counts() {
      const counts = {};
      for (const f of this.visibleFindings()) counts[f.label] = (counts[f.label] || 0) + 1;
      return counts;
    }

    render() {
      const shown = this.visibleFindings();
      if (this.kind === "textarea") {
        if (!shown.length && !this.layer) return;
        B.renderMirror(this, shown);
      } else {
        const map = B.extractText(this.root);
        for (const f of shown) f.range = B.rangeFor(map, f.start, f.end, this.doc);
        B.paintHighlights(this.doc, B.findingsInDoc(this.doc));
        if (!shown.length && !this.layer) return;
        B.renderBoxes(this, shown);
      }
      B.layoutField(this);
      B.card?.refresh(this);
    }

    destroy() {
      clearTimeout(this.timer);
      this.findings = [];
      if (this.kind !== "textarea") B.paintHighlights(this.doc, B.findingsInDoc(this.doc));
      B.removeLayer(this);
    }
  }

  // Rewrite edits relative to the sentence start, in UTF-16 units.
  B.relativeRewrite = function relativeRewrite(rw, conv, sentenceU16Start, relativeTo) {
    const edits = (rw.edits || []).map((e) => ({
      start: relativeTo ? relativeTo.toU16(e.start) : conv.toU16(e.start) - sentenceU16Start,
      end: relativeTo ? relativeTo.toU16(e.end) : conv.toU16(e.end) - sentenceU16Start,
      new_text: e.new_text ?? "",
    }));
    return { text: rw.text || "", edits, verified: rw.verified, cleared: rw.cleared || [], remaining: rw.remaining || [] };
  };

  B.Field = Field;
})();
