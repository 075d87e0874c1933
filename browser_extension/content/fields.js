// Finding the editable job-description fields on a page, and the opt-outs.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  const OPT_OUT = '[data-gramm="false"], [data-biaslsp="off"], [data-gramm_editor="false"]';

  B.editorKind = function editorKind(el) {
    if (el.tagName === "TEXTAREA") return "textarea";
    const cl = el.classList;
    if (cl.contains("ProseMirror")) return el.classList.contains("tiptap") ? "tiptap" : "prosemirror";
    if (cl.contains("ql-editor")) return "quill";
    if (cl.contains("ck-editor__editable") || cl.contains("ck-content")) return "ckeditor5";
    if (el.id === "tinymce" || cl.contains("mce-content-body")) return "tinymce";
    if (cl.contains("public-DraftEditor-content") || el.closest(".DraftEditor-root")) return "draftjs";
    if (el.hasAttribute("data-lexical-editor")) return "lexical";
    return "contenteditable";
  };

  B.isRichEditor = (kind) => kind !== "textarea" && kind !== "contenteditable";

  // Words in a field's label, name or placeholder that say it is not the published ad.
  const NOT_THE_AD = /\b(internal|private|confidential|not (?:be )?(?:published|public|shown|visible)|never published|hiring[- ]team only|recruiter notes?)\b/i;

  // What a person reads as the field's name: its <label>s, aria-label(ledby), placeholder, name, id.
  B.fieldName = function fieldName(el, frameEl) {
    const target = frameEl || el;
    const doc = target.ownerDocument;
    const parts = [target.getAttribute("aria-label"), target.getAttribute("placeholder"), target.getAttribute("name"),
      target.getAttribute("title"), target.id, el !== target ? el.getAttribute("aria-label") : null];
    for (const id of (target.getAttribute("aria-labelledby") || "").split(/\s+/)) {
      if (id) parts.push(doc.getElementById(id)?.textContent);
    }
    for (const label of target.labels || []) parts.push(label.textContent);
    if (target.id) for (const label of doc.querySelectorAll(`label[for="${CSS.escape(target.id)}"]`)) parts.push(label.textContent);
    return parts.filter(Boolean).join(" \u00b7 ").replace(/[_-]+/g, " ");
  };

  B.clearlyNotTheAd = (el, frameEl) => NOT_THE_AD.test(B.fieldName(el, frameEl));

  // Fields the user turned off, per site: chrome.storage.local { offFields: { host: [signature] } }.
  B.OFF_FIELDS_KEY = "offFields";
  B.offFields = new Set();
  B.fieldSignature = function fieldSignature(el, frameEl) {
    const name = B.fieldName(el, frameEl);
    return `${location.pathname}|${(frameEl || el).tagName.toLowerCase()}|${name}`;
  };
  B.turnFieldOff = async function turnFieldOff(el, frameEl) {
    const sig = B.fieldSignature(el, frameEl);
    B.offFields.add(sig);
    const all = (await chrome.storage.local.get(B.OFF_FIELDS_KEY))[B.OFF_FIELDS_KEY] || {};
    all[location.hostname] = [...new Set([...(all[location.hostname] || []), sig])];
    await chrome.storage.local.set({ [B.OFF_FIELDS_KEY]: all });
  };
  B.loadOffFields = (stored) => { B.offFields = new Set((stored || {})[location.hostname] || []); };

  B.optedOut = function optedOut(el, frameEl) {
    if (B.offFields.has(B.fieldSignature(el, frameEl))) return true;
    if (el.closest(OPT_OUT)) return true;
    if (frameEl && frameEl.closest(OPT_OUT)) return true;
    if (el.tagName === "TEXTAREA" && (el.readOnly || el.disabled)) return true;
    if (B.clearlyNotTheAd(el, frameEl)) return true;
    return false;
  };

  // Editable roots in one document: textareas and outermost contenteditable elements.
  B.findEditableRoots = function findEditableRoots(doc) {
    const out = [];
    for (const el of doc.querySelectorAll('textarea, [contenteditable]:not([contenteditable="false"])')) {
      if (el.tagName === "TEXTAREA") { out.push(el); continue; }
      if (!el.isContentEditable) continue;
      const parent = el.parentElement;
      if (parent && parent.isContentEditable) continue;
      out.push(el);
    }
    if (doc.designMode === "on" && doc.body) out.push(doc.body);
    return out;
  };

  // Same-origin iframes that host an editor body (TinyMCE and friends): [{ frameEl, root }].
  B.findFrameEditors = function findFrameEditors(doc) {
    const out = [];
    for (const frameEl of doc.querySelectorAll("iframe")) {
      let fdoc;
      try { fdoc = frameEl.contentDocument; } catch { continue; }
      if (!fdoc || !fdoc.body) continue;
      const body = fdoc.body;
      if (body.isContentEditable || fdoc.designMode === "on") out.push({ frameEl, root: body });
    }
    return out;
  };

  B.isVisible = function isVisible(el, frameEl) {
    const box = (frameEl || el).getBoundingClientRect();
    if (box.width < 2 || box.height < 2) return false;
    if ((frameEl || el).checkVisibility && !(frameEl || el).checkVisibility({ visibilityProperty: true })) return false;
    const win = (frameEl || el).ownerDocument.defaultView;
    return box.bottom > 0 && box.right > 0 && box.top < win.innerHeight && box.left < win.innerWidth;
  };
})();
