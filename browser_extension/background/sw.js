// Service worker: routes content-script requests to the server socket and answers back.
// Documents are namespaced per port so that frames and tabs never see each other's results.
import { Connection } from "./connection.js";
import { showBadge } from "./badge.js";

const ports = new Map();     // key -> { port, tabId }
const tabs = new Map();      // tabId -> latest field state reported by the tab
let seq = 0;

const conn = new Connection({
  onMessage: route,
  onStatus(online, reason) {
    for (const { port } of ports.values()) port.postMessage({ type: "status", online, reason });
    showBadge(null, online, null);
    for (const [tabId, st] of tabs) showBadge(tabId, online, st.count);
  },
});

function route(msg) {
  const tagged = msg.doc || msg.id;
  if (typeof tagged !== "string") return;
  const cut = tagged.indexOf("|");
  if (cut < 0) return;
  const entry = ports.get(tagged.slice(0, cut));
  if (!entry) return;
  const out = { ...msg };
  if (msg.doc) out.doc = msg.doc.slice(msg.doc.indexOf("|") + 1);
  if (msg.id) out.id = msg.id.slice(msg.id.indexOf("|") + 1);
  entry.port.postMessage(out);
}

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== "biaslsp") return;
  const key = `p${++seq}`;
  const tabId = port.sender?.tab?.id ?? -1;
  ports.set(key, { port, tabId });
  port.postMessage({ type: "status", online: conn.online, reason: conn.reason });
  port.onMessage.addListener((msg) => {
    if (msg.type === "state") {
      tabs.set(tabId, msg);
      showBadge(tabId, conn.online, msg.count);
      return;
    }
    if (!["analyze", "rewrite", "cancel"].includes(msg.type)) return;
    const out = { ...msg };
    if (out.doc) out.doc = `${key}|${out.doc}`;
    if (out.id) out.id = `${key}|${out.id}`;
    if (!conn.send(out)) {
      port.postMessage({ type: "error", code: "offline", message: "server offline", doc: msg.doc, id: msg.id });
    }
  });
  port.onDisconnect.addListener(() => {
    ports.delete(key);
    for (const d of [...ports.values()]) if (d.tabId === tabId) return;
    tabs.delete(tabId);
  });
});

chrome.runtime.onMessage.addListener((msg, _sender, reply) => {
  if (msg?.type === "popup-state") {
    reply({ online: conn.online, reason: conn.reason, state: tabs.get(msg.tabId) || null });
  } else if (msg?.type === "reconnect") {
    conn.connect().then(() => reply({ ok: true }));
    return true;
  }
  return false;
});

chrome.storage.onChanged.addListener((changes, area) => {
  if (area === "local" && (changes.port || changes.token)) conn.connect();
});

chrome.tabs?.onRemoved?.addListener((tabId) => tabs.delete(tabId));

conn.connect();
