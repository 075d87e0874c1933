// The suggestion card: category, explanation, rewrite candidates, Apply and Ignore.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  let el = null, current = null, hideTimer = null, nextReq = 0;
  const pending = new Map();   // rewrite request id -> { field, finding }

  function node(tag, props = {}, ...kids) {
    const n = document.createElement(tag);
    Object.assign(n, props);
    n.append(...kids);
    return n;
  }

  function ensure() {
    const root = B.overlayRoot();
    if (el && el.isConnected) return el;
    el = node("div", { className: "card", hidden: true });
    el.setAttribute("role", "dialog");
    el.addEventListener("mousedown", (e) => e.preventDefault());  // keep the editor's focus and caret
    el.addEventListener("mouseenter", () => clearTimeout(hideTimer));
    el.addEventListener("mouseleave", () => { if (current && !current.pinned) B.card.hideSoon(); });
    root.append(el);
    return el;
  }

  // The rewrite with its changed parts marked, as DOM.
  function preview(f, rw) {
    const s = f.sentenceText, out = node("span");
    let at = 0;
    for (const e of [...rw.edits].sort((x, y) => x.start - y.start)) {
      if (e.start < at) continue;
      out.append(s.slice(at, e.start));
      if (e.new_text) out.append(node("ins", { textContent: e.new_text }));
      at = e.end;
    }
    out.append(s.slice(at));
    return out;
  }

  function draw() {
    if (!current) return;
    const { field, finding: f } = current;
    const info = B.labelInfo(f.label);
    const chip = node("span", { className: "chip", textContent: info.name });
    chip.style.background = info.color;
    const cands = node("ul", { className: "cands" });
    const usable = f.rewrites.filter((rw) => rw.edits.length);
    for (const rw of usable.slice(0, 3)) {
      const apply = node("button", { className: "apply", textContent: "Apply" });
      apply.addEventListener("click", async () => {
        const res = await B.applyRewrite(field, f, rw);
        if (res.ok) B.card.close(); else { current.msg = res.reason; draw(); }
      });
      const mark = node("small", { className: rw.verified ? "verified" : "unverified",
                                  textContent: rw.verified ? " \u2713 verified" : " not verified" });
      mark.title = rw.verified ? "Re-checked: no bias label remains and the meaning is kept"
                               : `Not re-checked clean${rw.remaining && rw.remaining.length ? ": still " + rw.remaining.join(", ") : ""}`;
      cands.append(node("li", {}, preview(f, rw), mark, apply));
    }
    if (!usable.length) {
      const none = current.loading ? "Looking for rewrites…" : f.guidance || "No rewrite suggested.";
      cands.append(node("li", { className: f.guidance && !current.loading ? "guidance" : "", textContent: none }));
    }
    const ignore = node("button", { className: "ignore", textContent: "Ignore" });
    ignore.addEventListener("click", () => {
      B.ignore(f.key);
      B.card.close();
      field.render();
      B.reportState();
    });
    const off = node("button", { className: "field-off", textContent: "Don\u2019t check this field" });
    off.title = "Stop checking this field on this site (the options page turns it back on)";
    off.addEventListener("click", async () => {
      B.card.close();
      await B.turnFieldOff(field.root, field.frameEl);
      B.rescan?.();
    });
    ensure().replaceChildren(
      node("div", {}, chip, node("span", { className: "word", textContent: `“${f.text}”` })),
      node("div", { className: "why", textContent: f.explanation || `Wording that can read as ${info.name.toLowerCase()} bias.` }),
      cands,
      current.msg ? node("div", { className: "msg", textContent: current.msg }) : "",
      node("div", { className: "actions" }, off, ignore),
    );
    el.dataset.finding = f.id;
    el.dataset.label = f.label;
    place();
  }

  function place() {
    if (!current || !el) return;
    const rects = B.findingRects(current.field, current.finding);
    if (!rects.length) { B.card.close(); return; }
    const r = rects[0];
    el.hidden = false;
    const w = el.offsetWidth, h = el.offsetHeight;
    let left = Math.min(Math.max(4, r.left), innerWidth - w - 4);
    let top = r.bottom + 6;
    if (top + h > innerHeight - 4) top = Math.max(4, r.top - h - 6);
    el.style.left = `${left}px`;
    el.style.top = `${top}px`;
  }

  function requestRewrites(field, f) {
    if (!field.sent || f.version !== field.sent.version || field.sent.text !== field.lastText) {
      return false;
    }
    const conv = field.sent.conv;
    const id = `rw${++nextReq}`;
    const start = conv.toCp(f.sStart), end = conv.toCp(f.sEnd);
    pending.set(id, { field, finding: f });
    return B.send({ type: "rewrite", id, doc: field.id, version: f.version, start, end, labels: [f.label], n: 3 });
  }

  B.card = {
    open(field, finding, pinned) {
      clearTimeout(hideTimer);
      if (current && current.finding === finding) { current.pinned ||= pinned; return; }
      current = { field, finding, pinned, loading: false, msg: "" };
      if (!finding.rewrites.some((rw) => rw.edits.length)) current.loading = requestRewrites(field, finding);
      draw();
    },
    close() {
      clearTimeout(hideTimer);
      current = null;
      if (el) { el.hidden = true; el.replaceChildren(); delete el.dataset.finding; }
    },
    hideSoon() {
      clearTimeout(hideTimer);
      hideTimer = setTimeout(() => B.card.close(), 400);
    },
    isOpen: () => !!current,
    current: () => current,
    contains: (ev) => !!el && ev.composedPath().includes(el),
    place,
    refresh(field) {
      if (!current || current.field !== field) return;
      if (!field.findings.includes(current.finding) || B.ignored.has(current.finding.key)) B.card.close();
      else place();
    },
    onRewrite(msg) {
      const req = pending.get(msg.id);
      if (!req) return;
      if (msg.type === "rewrite.delta") return;
      pending.delete(msg.id);
      if (msg.type === "rewrite.done") {
        const { field, finding: f } = req;
        const conv = field.sent ? field.sent.conv : B.offsetConverter(field.lastText);
        const su = conv.toU16(conv.toCp(f.sStart));
        f.rewrites = (msg.candidates || []).map((rw) => B.relativeRewrite(rw, conv, su));
      }
      if (current && current.finding === req.finding) { current.loading = false; draw(); }
    },
  };
})();
