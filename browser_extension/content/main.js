// Wiring: the port to the service worker, field discovery, events, hover/click cards, state for the badge.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  if (B.started) return;
  B.started = true;
  const fields = new Map();          // root element -> Field
  const hookedDocs = new WeakSet();
  let port = null, focused = null, layoutQueued = false, scanTimer = null;
  B.online = false;
  B.disabled = false;

  B.findingsInDoc = (doc) => {
    const out = [];
    for (const f of fields.values()) if (f.doc === doc) out.push(...f.visibleFindings());
    return out;
  };

  // --- service worker port -------------------------------------------------------------------
  function alive() { try { return !!chrome.runtime?.id; } catch { return false; } }

  function connectPort() {
    if (port || !alive()) return;
    try { port = chrome.runtime.connect({ name: "biaslsp" }); } catch { port = null; return; }
    port.onMessage.addListener(onMessage);
    port.onDisconnect.addListener(() => {
      port = null;
      void chrome.runtime.lastError;
      setStatus(false);
      if (alive()) setTimeout(connectPort, 1000);
    });
  }

  B.send = (msg) => {
    if (!port) return false;
    try { port.postMessage(msg); return true; } catch { return false; }
  };

  function fieldById(id) { for (const f of fields.values()) if (f.id === id) return f; return null; }

  function onMessage(msg) {
    switch (msg.type) {
      case "status": setStatus(msg.online, msg.reason); break;
      case "sentence": fieldById(msg.doc)?.onSentence(msg); break;
      case "done": fieldById(msg.doc)?.onDone(msg); break;
      case "rewrite.delta": case "rewrite.done": B.card.onRewrite(msg); break;
      case "error":
        if (msg.id) B.card.onRewrite(msg);
        else if (msg.code !== "offline") console.debug("biaslsp:", msg.code, msg.message);
        break;
    }
  }

  // What a field says while nothing can be checked (null: checking works).
  function offlineNote(reason) {
    return /^no token/.test(reason || "") ? "biaslsp: no token set" : "biaslsp offline";
  }

  function showStatusOn(f) {
    f.statusText = B.statusKnown && !B.online && !B.disabled ? offlineNote(B.reason) : null;
    B.setFieldStatus(f, f.statusText);
  }

  function setStatus(online, reason) {
    const was = B.online;
    B.online = online;
    B.reason = reason || "";
    B.statusKnown = true;
    for (const f of fields.values()) showStatusOn(f);
    if (online && !was) checkVisible();
    if (!online && was) {
      B.card.close();
      for (const f of fields.values()) { f.clear(); f.sent = null; }
      B.reportState();
    }
  }

  B.reportState = () => {
    const f = focused && fields.get(focused) ? fields.get(focused) : null;
    const counts = f ? f.counts() : {};
    B.send({
      type: "state", host: location.hostname, online: B.online, disabled: B.disabled,
      doc: f ? f.id : null, kind: f ? f.kind : null,
      count: f ? Object.values(counts).reduce((a, b) => a + b, 0) : null,
      counts, score: f && f.summary ? f.summary.score ?? null : null, summary: f ? f.summary : null,
    });
  };

  // --- discovery -----------------------------------------------------------------------------
  const visibility = new IntersectionObserver((entries) => {
    for (const e of entries) if (e.isIntersecting) checkVisible();
  });
  const resizes = new ResizeObserver(() => B.scheduleLayout());

  function addField(root, frameEl) {
    if (fields.has(root) || B.optedOut(root, frameEl)) return;
    const f = new B.Field(root, frameEl);
    fields.set(root, f);
    hookDoc(root.ownerDocument);
    visibility.observe(frameEl || root);
    resizes.observe(frameEl || root);
    connectPort();
    showStatusOn(f);
    if (B.online && B.isVisible(root, frameEl)) f.analyze();
  }

  // Same-origin frames whose body turns editable only later: TinyMCE's classic mode writes an
  // about:blank iframe by script and sets contenteditable once its content CSS is in, when the top
  // document may not change any more. Watch each such frame's document (and its reloads) for that.
  const watchedFrameDocs = new WeakSet(), watchedFrames = new WeakSet();
  const frameTurnedEditable = (records) => {
    for (const r of records) {
      if (r.type === "attributes" || r.target.nodeType === Node.DOCUMENT_NODE || r.target.nodeName === "HTML") return scanSoon();
    }
  };
  function watchFrames() {
    for (const frameEl of document.querySelectorAll("iframe")) {
      if (!watchedFrames.has(frameEl)) { watchedFrames.add(frameEl); frameEl.addEventListener("load", scanSoon); }
      let fdoc;
      try { fdoc = frameEl.contentDocument; } catch { continue; }
      if (!fdoc || watchedFrameDocs.has(fdoc)) continue;
      watchedFrameDocs.add(fdoc);
      new MutationObserver(frameTurnedEditable).observe(fdoc, { childList: true, subtree: true, attributes: true,
        attributeFilter: ["contenteditable"] });
    }
  }

  // all_frames runs this script in same-origin frames with a src too, but the frame above already
  // checks an editable body there (one overlay and card over the page): such a frame leaves it to it.
  // (A parent the script does not run in, such as an about:srcdoc frame, leaves them to this frame.)
  function checkedFromAbove() {
    try { return !!window.frameElement && /^(https?|file):$/.test(window.parent.location.protocol); } catch { return false; }
  }

  function scan() {
    scanTimer = null;
    if (B.disabled) return;
    watchFrames();
    const bodyFromAbove = checkedFromAbove();
    for (const root of B.findEditableRoots(document)) if (!(bodyFromAbove && root === document.body)) addField(root, null);
    for (const { frameEl, root } of B.findFrameEditors(document)) addField(root, frameEl);
    for (const [root, f] of fields) {
      const gone = !root.isConnected || (f.frameEl && !f.frameEl.isConnected) || B.optedOut(root, f.frameEl);
      if (gone) { f.destroy(); fields.delete(root); visibility.unobserve(f.frameEl || root); }
    }
  }
  const scanSoon = () => { if (!scanTimer) scanTimer = setTimeout(scan, 250); };

  function checkVisible() {
    if (!B.online || B.disabled) return;
    for (const f of fields.values()) {
      if (!f.sent && B.isVisible(f.root, f.frameEl)) f.analyze();
    }
  }

  function fieldFor(target) {
    for (let el = target; el; el = el.parentElement) if (fields.has(el)) return fields.get(el);
    return null;
  }

  // --- events (also hooked inside same-origin editor iframes) ----------------------------------
  let hoverTimer = null;
  function hitTest(ev, doc) {
    const off = doc === document ? { x: 0, y: 0 } : null;
    for (const f of fields.values()) {
      if (f.doc !== doc) continue;
      const o = off || B.frameOffset(f);
      const x = ev.clientX + o.x, y = ev.clientY + o.y;
      const clip = f.layer ? f.layer.getBoundingClientRect() : null;
      if (clip && (x < clip.left || x > clip.right || y < clip.top || y > clip.bottom)) continue;
      for (const fd of f.visibleFindings()) {
        for (const r of B.findingRects(f, fd)) {
          if (x >= r.left && x <= r.right && y >= r.top - 2 && y <= r.bottom + 2) return { field: f, finding: fd };
        }
      }
    }
    return null;
  }

  function hookDoc(doc) {
    if (hookedDocs.has(doc)) return;
    hookedDocs.add(doc);
    const win = doc.defaultView;
    doc.addEventListener("input", (e) => { const f = fieldFor(e.target); if (f) { B.card.close(); f.onInput(); } }, true);
    doc.addEventListener("focusin", (e) => {
      const f = fieldFor(e.target);
      if (f) { focused = f.root; B.reportState(); }
    }, true);
    doc.addEventListener("scroll", () => B.scheduleLayout(), { capture: true, passive: true });
    win.addEventListener("resize", () => B.scheduleLayout(), { passive: true });
    doc.addEventListener("mousemove", (e) => {
      if (B.card.contains(e)) return;
      const hit = hitTest(e, doc);
      clearTimeout(hoverTimer);
      if (hit) {
        const cur = B.card.current();
        if (cur && cur.finding === hit.finding) return B.card.open(hit.field, hit.finding, false);
        hoverTimer = setTimeout(() => B.card.open(hit.field, hit.finding, false), 250);
      } else if (B.card.isOpen() && !B.card.current().pinned) B.card.hideSoon();
    }, { passive: true });
    doc.addEventListener("click", (e) => {
      if (B.card.contains(e)) return;
      const hit = hitTest(e, doc);
      if (hit) B.card.open(hit.field, hit.finding, true); else B.card.close();
    }, true);
    doc.addEventListener("keydown", (e) => { if (e.key === "Escape") B.card.close(); }, true);
    if (doc !== document) {
      const frame = win.frameElement;
      frame?.addEventListener("load", scanSoon);
      new MutationObserver(() => B.scheduleLayout()).observe(doc.documentElement, { childList: true, subtree: true, characterData: true });
    }
  }

  B.scheduleLayout = () => {
    if (layoutQueued) return;
    layoutQueued = true;
    requestAnimationFrame(() => {
      layoutQueued = false;
      for (const f of fields.values()) if (f.layer) B.layoutField(f);
      B.card.place();
    });
  };

  // --- settings: per-site switch ----------------------------------------------------------------
  function applySites(disabledSites) {
    const off = !!(disabledSites || {})[location.hostname];
    if (off === B.disabled) return;
    B.disabled = off;
    if (off) { B.card.close(); for (const [root, f] of fields) { f.destroy(); visibility.unobserve(f.frameEl || root); } fields.clear(); }
    else { scan(); checkVisible(); }
    B.reportState();
  }

  B.rescan = () => { scan(); B.reportState(); };

  chrome.storage.local.get(["disabledSites", B.IGNORED_KEY, B.OFF_FIELDS_KEY]).then((stored) => {
    const { disabledSites } = stored;
    B.loadIgnored(stored[B.IGNORED_KEY]);
    B.loadOffFields(stored[B.OFF_FIELDS_KEY]);
    B.disabled = !!(disabledSites || {})[location.hostname];
    hookDoc(document);
    scan();
    new MutationObserver(() => { scanSoon(); B.scheduleLayout(); })
      .observe(document.documentElement, { childList: true, subtree: true, attributes: true,
        attributeFilter: ["contenteditable", "data-gramm", "data-biaslsp", "style", "class", "hidden"] });
  });
  chrome.storage.onChanged.addListener((changes, area) => {
    if (area === "local" && changes.disabledSites) applySites(changes.disabledSites.newValue);
    if (area === "local" && changes[B.OFF_FIELDS_KEY]) { B.loadOffFields(changes[B.OFF_FIELDS_KEY].newValue); B.rescan(); }
    if (area === "local" && changes[B.IGNORED_KEY]) {  // ignored in another tab of this site
      const before = B.ignored.size;
      B.loadIgnored(changes[B.IGNORED_KEY].newValue);
      if (B.ignored.size !== before) { for (const f of fields.values()) f.render(); B.reportState(); }
    }
  });
})();
