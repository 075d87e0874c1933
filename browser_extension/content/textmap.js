// Plain text of an editable field, and the map between text offsets and DOM positions.
// Offsets here are UTF-16 code units (JavaScript); the server speaks code points, converted at the edge.
(() => {
  const B = (globalThis.BiasLSP ||= {});
  const BLOCKS = new Set(["P", "DIV", "LI", "UL", "OL", "H1", "H2", "H3", "H4", "H5", "H6", "BLOCKQUOTE",
    "PRE", "TR", "TABLE", "SECTION", "ARTICLE", "HEADER", "FOOTER", "FIGURE", "DD", "DT", "DL", "HR"]);
  const SKIP = new Set(["SCRIPT", "STYLE", "TEMPLATE", "NOSCRIPT"]);

  // -> { text, segs: [{ node, start, end }] } for the text nodes under root, blocks separated by "\n".
  B.extractText = function extractText(root) {
    let text = "";
    const segs = [];
    const newline = () => { if (text && !text.endsWith("\n")) text += "\n"; };
    const walk = (node) => {
      for (let n = node.firstChild; n; n = n.nextSibling) {
        if (n.nodeType === 3) {
          const v = n.nodeValue;
          if (v) { segs.push({ node: n, start: text.length, end: text.length + v.length }); text += v; }
        } else if (n.nodeType === 1) {
          const tag = n.tagName;
          if (SKIP.has(tag) || n.getAttribute("contenteditable") === "false") continue;
          if (tag === "BR") { text += "\n"; continue; }
          const block = BLOCKS.has(tag);
          if (block) newline();
          walk(n);
          if (block) newline();
        }
      }
    };
    walk(root);
    return { text, segs };
  };

  function segIndex(segs, off) {  // last seg with start <= off
    let lo = 0, hi = segs.length - 1, ans = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid].start <= off) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  // DOM point for a text offset; `atEnd` prefers the end of the previous text node at boundaries.
  B.pointAt = function pointAt(map, off, atEnd) {
    const { segs } = map;
    if (!segs.length) return null;
    let i = segIndex(segs, off);
    if (i < 0) return { node: segs[0].node, offset: 0 };
    let s = segs[i];
    if (atEnd && off === s.start && i > 0 && segs[i - 1].end === off) s = segs[i - 1];
    if (off > s.end) {  // inside a synthetic newline: snap
      if (atEnd) return { node: s.node, offset: s.node.nodeValue.length };
      const next = segs[i + 1];
      return next ? { node: next.node, offset: 0 } : { node: s.node, offset: s.node.nodeValue.length };
    }
    return { node: s.node, offset: off - s.start };
  };

  B.rangeFor = function rangeFor(map, start, end, doc) {
    const a = B.pointAt(map, start, false), b = B.pointAt(map, end, true);
    if (!a || !b) return null;
    const r = doc.createRange();
    try { r.setStart(a.node, a.offset); r.setEnd(b.node, b.offset); } catch { return null; }
    return r;
  };

  // Text offset of a DOM point (for the caret), or -1.
  B.offsetOf = function offsetOf(map, node, offset) {
    for (const s of map.segs) if (s.node === node) return s.start + Math.min(offset, s.end - s.start);
    const doc = node.ownerDocument || node;
    const probe = doc.createRange();
    let best = 0;
    try {
      probe.setStart(node, offset);
      for (const s of map.segs) {
        if (probe.comparePoint(s.node, 0) < 0) best = s.end; else break;
      }
    } catch { return -1; }
    return best;
  };

  // Code points <-> UTF-16 code units for one text. Identity when the text has no surrogate pairs.
  B.offsetConverter = function offsetConverter(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return { toU16: (cp) => cp, toCp: (u) => u };
    const cpToU16 = [];
    let u = 0;
    while (u < text.length) {
      cpToU16.push(u);
      const c = text.charCodeAt(u);
      u += c >= 0xd800 && c <= 0xdbff && u + 1 < text.length ? 2 : 1;
    }
    cpToU16.push(text.length);
    const toU16 = (cp) => cpToU16[Math.max(0, Math.min(cp, cpToU16.length - 1))];
    const toCp = (target) => {
      let lo = 0, hi = cpToU16.length - 1;
      while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (cpToU16[mid] <= target) lo = mid; else hi = mid - 1; }
      return lo;
    };
    return { toU16, toCp };
  };

  // Where two versions of a text differ: common prefix length and the changed lengths.
  B.textDelta = function textDelta(before, after) {
    let p = 0;
    const max = Math.min(before.length, after.length);
    while (p < max && before.charCodeAt(p) === after.charCodeAt(p)) p++;
    let s = 0;
    while (s < max - p && before.charCodeAt(before.length - 1 - s) === after.charCodeAt(after.length - 1 - s)) s++;
    return { start: p, oldEnd: before.length - s, newEnd: after.length - s };
  };

  // Map an old offset range through a delta; null when the range touches the changed region.
  B.shiftRange = function shiftRange(d, start, end) {
    if (end <= d.start) return [start, end];
    if (start >= d.oldEnd) { const k = d.newEnd - d.oldEnd; return [start + k, end + k]; }
    return null;
  };
})();
