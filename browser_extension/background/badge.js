// Toolbar badge: "off" while the server is unreachable, else the focused field's finding count.
export function showBadge(tabId, online, count) {
  const opts = tabId == null ? {} : { tabId };
  if (!online) {
    chrome.action.setBadgeBackgroundColor({ ...opts, color: "#868e96" });
    chrome.action.setBadgeText({ ...opts, text: "off" });
    chrome.action.setTitle({ ...opts, title: "biaslsp: offline (is `biaslsp serve` running?)" });
    return;
  }
  chrome.action.setBadgeBackgroundColor({ ...opts, color: count ? "#e03131" : "#2b8a3e" });
  chrome.action.setBadgeText({ ...opts, text: count == null ? "" : String(Math.min(count, 999)) });
  chrome.action.setTitle({ ...opts, title: `biaslsp: ${count ?? 0} finding(s) in this field` });
}
