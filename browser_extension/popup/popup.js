// Popup: the focused field's inclusiveness score and counts per category, and the per-site switch.
const B = globalThis.BiasLSP;
const $ = (id) => document.getElementById(id);

async function activeTabId() {
  const forced = new URLSearchParams(location.search).get("tab");  // tests open the popup as a page
  if (forced) return Number(forced);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab ? tab.id : -1;
}

async function render() {
  const tabId = await activeTabId();
  const { online, reason, state } = await chrome.runtime.sendMessage({ type: "popup-state", tabId });
  const noToken = !online && /^no token/.test(reason || "");
  $("conn").textContent = online ? "online" : noToken ? "no token" : "offline";
  $("conn").className = `conn ${online ? "on" : "off"}`;
  const body = $("counts").tBodies[0];
  body.replaceChildren();
  $("score").textContent = state && state.score != null ? String(Math.round(state.score)) : "–";
  if (noToken) $("hint").textContent = "No server token set: run `biaslsp token` and paste it under Server settings.";
  else if (!online) $("hint").textContent = "Start `biaslsp serve` and check the settings.";
  else if (!state || !state.doc) $("hint").textContent = "Click into a job-description field.";
  else $("hint").textContent = state.count ? "" : "No findings in this field.";
  for (const [label, info] of Object.entries(B.LABELS)) {
    const n = state && state.counts ? state.counts[label] || 0 : 0;
    const tr = document.createElement("tr");
    tr.dataset.label = label;
    const dot = Object.assign(document.createElement("span"), { className: "dot" });
    dot.style.background = info.color;
    const name = document.createElement("td");
    name.append(dot, info.name);
    tr.append(name, Object.assign(document.createElement("td"), { className: "n", textContent: String(n) }));
    body.append(tr);
  }
  const host = state && state.host;
  $("host").textContent = host || "this site";
  $("site").disabled = !host;
  const { disabledSites = {} } = await chrome.storage.local.get("disabledSites");
  $("site").checked = !host || !disabledSites[host];
  $("site").onchange = async () => {
    const cur = (await chrome.storage.local.get("disabledSites")).disabledSites || {};
    if ($("site").checked) delete cur[host]; else cur[host] = true;
    await chrome.storage.local.set({ disabledSites: cur });
  };
}

$("options").addEventListener("click", (e) => { e.preventDefault(); chrome.runtime.openOptionsPage(); });
render();
