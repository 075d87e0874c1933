// The one websocket to the local server: connects, pings to stay alive, reconnects with back-off.
import { loadSettings, streamUrl } from "./settings.js";

const PING_MS = 20000;       // keeps the socket and (Chrome >= 116) the service worker alive
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 5000;

export class Connection {
  constructor({ onMessage, onStatus }) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.ws = null;
    this.online = false;
    this.attempt = 0;
    this.retryTimer = null;
    this.pingTimer = null;
    this.reason = "starting";
  }

  async connect() {
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.close();
    const settings = await loadSettings();
    if (!settings.token) {
      this.setStatus(false, "no token: set it on the options page");
      this.scheduleRetry();
      return;
    }
    let ws;
    try {
      ws = new WebSocket(streamUrl(settings));
    } catch (err) {
      this.setStatus(false, String(err));
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.setStatus(true, "connected");
      clearInterval(this.pingTimer);
      this.pingTimer = setInterval(() => this.send({ type: "ping" }), PING_MS);
    };
    ws.onmessage = (ev) => {
      if (this.ws !== ws) return;
      let msg;
      try { msg = JSON.parse(ev.data); } catch { return; }
      if (msg.type !== "pong") this.onMessage(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      clearInterval(this.pingTimer);
      this.setStatus(false, `closed (${ev.code})`);
      this.scheduleRetry();
    };
    ws.onerror = () => {};  // onclose follows and handles it
  }

  scheduleRetry() {
    if (this.retryTimer) return;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    const delay = base / 2 + Math.random() * (base / 2);
    this.retryTimer = setTimeout(() => { this.retryTimer = null; this.connect(); }, delay);
  }

  close() {
    clearInterval(this.pingTimer);
    const ws = this.ws;
    this.ws = null;
    if (ws) { try { ws.close(); } catch {} }
  }

  send(msg) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(msg));
    return true;
  }

  setStatus(online, reason) {
    const changed = online !== this.online;
    this.online = online;
    this.reason = reason;
    if (changed || !online) this.onStatus(online, reason);
  }
}
