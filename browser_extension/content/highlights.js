// CSS Custom Highlight API painting for contenteditable fields: one Highlight per label and
// document, styled by an adopted stylesheet (no element is added to the host page).
(() => {
  const B = (globalThis.BiasLSP ||= {});
  const styled = new WeakSet();
  const NAME = (label) => `biaslsp-${label}`;

  function ensureStyle(doc) {
    if (styled.has(doc)) return;
    styled.add(doc);
    const win = doc.defaultView;
    const sheet = new win.CSSStyleSheet();
    // The wave hangs below the baseline by offset + about 2.5 x thickness. Editors with a tight
    // line height (Quill: 1.42) leave only (line height - 1.2em) / 2 under the descenders, so
    // both shrink with the gap (lh = the text's own line height): at 1.42 a 1px wave at the baseline,
    // at 1.6 and more the usual 2px wave 2-3px below it.
    const fit = "text-decoration-thickness: clamp(1px, calc((1lh - 1.3em) / 2), 2px); " +
      "text-underline-offset: clamp(-2px, calc(1lh - 1.5em), 3px);";
    const rules = Object.entries(B.LABELS).map(([label, { color }]) =>
      `::highlight(${NAME(label)}) { text-decoration: underline wavy ${color}; ${fit} background-color: ${color}1f; }`);
    rules.push(`::highlight(biaslsp-other) { text-decoration: underline wavy #e03131; ${fit} }`);
    sheet.replaceSync(rules.join("\n"));
    doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
  }

  // Repaint every label's highlight in `doc` from the given findings (each with a live .range).
  B.paintHighlights = function paintHighlights(doc, findings) {
    const win = doc.defaultView;
    if (!win || !win.CSS || !win.CSS.highlights) return;
    ensureStyle(doc);
    const byLabel = new Map();
    for (const f of findings) {
      if (!f.range) continue;
      const name = B.LABELS[f.label] ? NAME(f.label) : "biaslsp-other";
      if (!byLabel.has(name)) byLabel.set(name, []);
      byLabel.get(name).push(f.range);
    }
    const names = [...Object.keys(B.LABELS).map(NAME), "biaslsp-other"];
    for (const name of names) {
      const ranges = byLabel.get(name);
      if (!ranges) { win.CSS.highlights.delete(name); continue; }
      const hl = new win.Highlight(...ranges);
      hl.priority = 1;
      win.CSS.highlights.set(name, hl);
    }
  };
})();
