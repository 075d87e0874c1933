// Server settings (port, token) and per-site opt-outs, kept in chrome.storage.local.
export const DEFAULTS = { port: 8750, token: "", disabledSites: {} };

export async function loadSettings() {
  const got = await chrome.storage.local.get(["port", "token", "disabledSites"]);
  return { ...DEFAULTS, ...got };
}

export function streamUrl({ port, token }) {
  return `ws://127.0.0.1:${Number(port)}/v1/stream?token=${encodeURIComponent(token || "")}`;
}
