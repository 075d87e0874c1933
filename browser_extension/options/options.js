// Options page: the server's port and token, stored in chrome.storage.local.
import { loadSettings } from "../background/settings.js";

const form = document.getElementById("form");
const status = document.getElementById("status");

const s = await loadSettings();
form.port.value = s.port;
form.token.value = s.token;

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const port = Number(form.port.value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) { status.textContent = "Port must be 1–65535"; return; }
  await chrome.storage.local.set({ port, token: form.token.value.trim() });
  status.textContent = "Saved";
  setTimeout(() => { status.textContent = ""; }, 2000);
});

// Fields turned off ("Don't check this field") and ignored findings, per site: count and forget.
const KEYS = ["offFields", "ignoredFindings"];
async function showRemembered() {
  const got = await chrome.storage.local.get(KEYS);
  const n = KEYS.reduce((sum, k) => sum + Object.values(got[k] || {}).reduce((a, list) => a + list.length, 0), 0);
  document.getElementById("off-count").textContent = String(n);
}
document.getElementById("forget").addEventListener("click", async () => {
  await chrome.storage.local.remove(KEYS);
  await showRemembered();
});
showRemembered();
