// The one <biaslsp-overlay> element (open shadow root) holding everything drawn over the page:
// per-field layers with [data-biaslsp-finding] nodes (a mirror for textareas, hit boxes over
// contenteditable highlight ranges) and the suggestion card.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  let host = null, shadow = null;

  const CSS = `
    :host { all: initial; }
    .layer { position: fixed; overflow: hidden; pointer-events: none; box-sizing: border-box; }
    .mirror { position: absolute; inset: 0; overflow: hidden; box-sizing: border-box; color: transparent;
              white-space: pre-wrap; overflow-wrap: break-word; margin: 0; border: 0; }
    .mirror [data-biaslsp-finding] { text-decoration: underline wavy var(--c); text-decoration-thickness: 2px;
              text-underline-offset: 3px; background: color-mix(in srgb, var(--c) 12%, transparent); border-radius: 2px; }
    .boxes [data-biaslsp-finding] { position: absolute; inset: 0; }
    .boxes [data-biaslsp-finding] > i { position: absolute; display: block; }
    .status { position: absolute; right: 4px; bottom: 4px; z-index: 1; font: 600 11px/16px system-ui, sans-serif;
              color: #5c3c00; background: #fff3bf; border: 1px solid #f59f00; border-radius: 8px; padding: 0 7px; }
    .card { position: fixed; pointer-events: auto; z-index: 2; max-width: 380px; min-width: 240px;
            background: #fff; color: #212529; border: 1px solid #ced4da; border-radius: 8px;
            box-shadow: 0 6px 24px rgba(0,0,0,.18); font: 13px/1.45 system-ui, sans-serif; padding: 10px 12px; }
    .card[hidden] { display: none; }
    .card .chip { display: inline-block; color: #fff; border-radius: 10px; padding: 0 8px; font-size: 12px; font-weight: 600; }
    .card .word { font-weight: 600; margin-left: 6px; }
    .card .why { margin: 6px 0; color: #495057; }
    .card .cands { list-style: none; margin: 6px 0; padding: 0; }
    .card .cands li { display: flex; gap: 8px; align-items: flex-start; padding: 4px 0; border-top: 1px solid #f1f3f5; }
    .card .cands li span { flex: 1; }
    .card .cands ins { text-decoration: none; background: #d3f9d8; border-radius: 2px; }
    .card .cands small.verified { color: #2b8a3e; white-space: nowrap; }
    .card .cands small.unverified { color: #868e96; white-space: nowrap; }
    .card .cands li.guidance { color: #495057; }
    .card button { font: inherit; border: 1px solid #adb5bd; background: #f8f9fa; border-radius: 5px; padding: 1px 8px; cursor: pointer; }
    .card button.apply { border-color: #2b8a3e; color: #2b8a3e; }
    .card .msg { color: #c92a2a; font-size: 12px; }
    .card .actions { display: flex; justify-content: flex-end; gap: 6px; margin-top: 4px; }
  `;

  B.overlayRoot = function overlayRoot() {
    if (shadow && host.isConnected) return shadow;
    host = document.createElement("biaslsp-overlay");
    host.style.cssText = "position:fixed;top:0;left:0;width:0;height:0;z-index:2147483646;pointer-events:none;display:block;";
    shadow = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = CSS;
    shadow.append(style);
    document.documentElement.append(host);
    return shadow;
  };

  B.layerFor = function layerFor(field) {
    const root = B.overlayRoot();
    if (field.layer && field.layer.isConnected) return field.layer;
    const layer = document.createElement("div");
    layer.className = "layer";
    layer.dataset.field = field.id;
    layer.dataset.kind = field.kind;
    const inner = document.createElement("div");
    inner.className = field.kind === "textarea" ? "mirror" : "boxes";
    layer.append(inner);
    if (field.statusText) {  // the layer was dropped and rebuilt: keep its note
      const note = Object.assign(document.createElement("div"), { className: "status", textContent: field.statusText });
      layer.append(note);
    }
    root.append(layer);
    field.layer = layer;
    return layer;
  };

  // A note on the field itself ("biaslsp offline"), so that no underlines never reads as "no bias".
  B.setFieldStatus = function setFieldStatus(field, text) {
    if (!text) {
      if (field.layer) { field.layer.querySelector(".status")?.remove(); delete field.layer.dataset.status; }
      return;
    }
    const layer = B.layerFor(field);
    let note = layer.querySelector(".status");
    if (!note) {
      note = document.createElement("div");
      note.className = "status";
      layer.append(note);
    }
    note.textContent = text;
    layer.dataset.status = text;
    B.layoutField(field);
  };

  B.removeLayer = function removeLayer(field) {
    if (field.layer) field.layer.remove();
    field.layer = null;
  };

  const MIRRORED = ["fontFamily", "fontSize", "fontWeight", "fontStyle", "fontVariant", "fontStretch",
    "letterSpacing", "wordSpacing", "lineHeight", "textIndent", "textTransform", "tabSize", "direction",
    "textAlign", "paddingTop", "paddingRight", "paddingBottom", "paddingLeft", "whiteSpace", "wordBreak",
    "overflowWrap", "fontKerning", "fontFeatureSettings", "textRendering"];

  // Textarea: rebuild the mirror's text with one span per finding.
  B.renderMirror = function renderMirror(field, findings) {
    const layer = B.layerFor(field);
    const mirror = layer.firstChild;
    const cs = getComputedStyle(field.root);
    for (const p of MIRRORED) mirror.style[p] = cs[p];
    if (cs.whiteSpace === "normal") mirror.style.whiteSpace = "pre-wrap";
    const text = field.root.value;
    const frag = document.createDocumentFragment();
    let at = 0;
    for (const f of [...findings].sort((a, b) => a.start - b.start)) {
      if (f.start < at || f.end > text.length) continue;  // overlapping: the first one wins the mirror
      if (f.start > at) frag.append(text.slice(at, f.start));
      const span = document.createElement("span");
      span.dataset.biaslspFinding = f.id;
      span.dataset.label = f.label;
      span.style.setProperty("--c", B.labelInfo(f.label).color);
      span.textContent = text.slice(f.start, f.end);
      frag.append(span);
      f.node = span;
      at = f.end;
    }
    frag.append(text.slice(at) + "\u200b");
    mirror.replaceChildren(frag);
  };

  // Contenteditable: one [data-biaslsp-finding] node per finding, its boxes follow the range rects.
  B.renderBoxes = function renderBoxes(field, findings) {
    const layer = B.layerFor(field);
    const boxes = layer.firstChild;
    const nodes = findings.map((f) => {
      const n = document.createElement("div");
      n.dataset.biaslspFinding = f.id;
      n.dataset.label = f.label;
      f.node = n;
      return n;
    });
    boxes.replaceChildren(...nodes);
  };

  // Offset of a field's document inside the top page (iframes), in CSS px.
  B.frameOffset = function frameOffset(field) {
    if (!field.frameEl) return { x: 0, y: 0 };
    const r = field.frameEl.getBoundingClientRect();
    const cs = getComputedStyle(field.frameEl);
    return { x: r.left + field.frameEl.clientLeft + parseFloat(cs.paddingLeft),
             y: r.top + field.frameEl.clientTop + parseFloat(cs.paddingTop) };
  };

  // Position the field's layer and its finding nodes (scroll, resize, reflow).
  B.layoutField = function layoutField(field) {
    const layer = field.layer;
    if (!layer) return;
    const off = B.frameOffset(field);
    let box;
    if (field.frameEl) {
      const r = field.frameEl.getBoundingClientRect();
      box = { left: off.x, top: off.y, width: field.frameEl.clientWidth, height: field.frameEl.clientHeight };
      if (!r.width) box.width = 0;
    } else {
      const r = field.root.getBoundingClientRect();
      box = { left: r.left + field.root.clientLeft, top: r.top + field.root.clientTop,
              width: field.root.clientWidth || r.width, height: field.root.clientHeight || r.height };
    }
    Object.assign(layer.style, { left: `${box.left}px`, top: `${box.top}px`, width: `${box.width}px`, height: `${box.height}px` });
    if (field.kind === "textarea") {
      const m = layer.firstChild;
      m.scrollTop = field.root.scrollTop;
      m.scrollLeft = field.root.scrollLeft;
      return;
    }
    for (const f of field.visibleFindings()) {
      if (!f.node || !f.range) continue;
      const rects = [...f.range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      const parts = rects.map((r) => {
        const i = document.createElement("i");
        i.style.cssText = `left:${r.left + off.x - box.left}px;top:${r.top + off.y - box.top}px;width:${r.width}px;height:${r.height}px`;
        return i;
      });
      f.node.replaceChildren(...parts);
    }
  };

  // Page-coordinate rectangles of a finding (for hit-testing and placing the card).
  B.findingRects = function findingRects(field, f) {
    if (field.kind === "textarea") return f.node ? [...f.node.getClientRects()] : [];
    if (!f.range) return [];
    const off = B.frameOffset(field);
    return [...f.range.getClientRects()].filter((r) => r.width > 0)
      .map((r) => new DOMRect(r.left + off.x, r.top + off.y, r.width, r.height));
  };
})();
