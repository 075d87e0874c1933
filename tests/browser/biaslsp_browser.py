"""Shared harness for the browser-extension tests and benchmark.

Real parts only: `biaslsp serve` as a subprocess on a free loopback port (temp config dir,
the extension's origin allowed), the fixture pages from a loopback HTTP server, Debian's
Chromium driven by Playwright with the unpacked extension loaded.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTENSION_DIR = ROOT / "browser_extension"
FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS_DIR = ROOT / "test-artifacts" / "browser"
CHROMIUM = os.environ.get("BIASLSP_CHROMIUM", "/usr/bin/chromium")
EXTENSION_ID = "akdjdohgofgnaddjimiimjmpiomdhlhf"  # fixed by the `key` in manifest.json
EXTENSION_ORIGIN = f"chrome-extension://{EXTENSION_ID}"
BIASED_AD = "We want young, energetic rockstar ninjas. He/she must be a native English speaker."


def missing_prerequisites() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} not found (scripts/deps/browser.sh installs Debian's chromium)"
    if not (FIXTURES_DIR / "node_modules" / "quill").exists():
        return "fixture editors not installed (run scripts/deps/browser.sh)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright (python) not installed"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BiaslspServer:
    """`biaslsp serve` on loopback; stop() and start() again on the same port."""

    def __init__(self, config_dir: Path, port: int | None = None):
        self.config_dir = Path(config_dir)
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = self.config_dir / "serve.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return (self.config_dir / "token").read_text().strip()

    def start(self, timeout: float = 120.0) -> None:
        env = {**os.environ, "BIASLSP_CONFIG_DIR": str(self.config_dir)}
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "biaslsp", "serve", "--port", str(self.port),
             "--allow-origin", EXTENSION_ORIGIN, "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"biaslsp serve exited: {self.log_path.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("biaslsp serve did not become healthy")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    def analyze(self, text: str) -> dict:
        req = urllib.request.Request(
            f"{self.base}/v1/analyze", method="POST",
            data=json.dumps({"text": text, "format": "text", "rewrites": True}).encode(),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())


def flagged_spans(analysis: dict) -> list[tuple[str, str]]:
    """(label, span text) pairs the server reports, sorted."""
    out = []
    for s in analysis["sentences"]:
        for sp in s.get("spans", []):
            out.append((sp["label"], sp["text"]))
        for label in s.get("labels", []):
            if not any(sp["label"] == label for sp in s.get("spans", [])):
                out.append((label, s["text"].strip()))
    return sorted(out)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass

    def end_headers(self):
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


@contextlib.contextmanager
def fixture_server():
    handler = functools.partial(_QuietHandler, directory=str(FIXTURES_DIR))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


@contextlib.contextmanager
def chromium_with_extension(playwright, profile_dir: Path | None = None):
    profile = Path(profile_dir or tempfile.mkdtemp(prefix="biaslsp-chromium-"))
    args = [
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--disable-extensions-except={EXTENSION_DIR}", f"--load-extension={EXTENSION_DIR}",
    ]
    context = playwright.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, headless=False, args=args,
        ignore_default_args=["--disable-extensions"], viewport={"width": 1100, "height": 900},
    )
    try:
        yield context
    finally:
        context.close()
        if profile_dir is None:
            shutil.rmtree(profile, ignore_errors=True)


def service_worker(context, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for sw in context.service_workers:
            if EXTENSION_ID in sw.url:
                return sw
        try:
            context.wait_for_event("serviceworker", timeout=1000)
        except Exception:
            pass
    raise RuntimeError("extension service worker did not start (extension not loaded?)")


def configure_extension(context, port: int, token: str) -> None:
    """Set port and token through the options page, like a user would."""
    page = context.new_page()
    page.goto(f"{EXTENSION_ORIGIN}/options/options.html")
    page.fill("#port", str(port))
    page.fill("#token", token)
    page.click("#save")
    page.wait_for_selector("#status:has-text('Saved')")
    page.close()


def badge_text(context, page=None) -> str:
    sw = service_worker(context)
    if page is None:
        return sw.evaluate("chrome.action.getBadgeText({})")
    tab_id = tab_id_of(context, page)
    return sw.evaluate("(id) => chrome.action.getBadgeText({tabId: id})", tab_id)


def tab_id_of(context, page) -> int:
    """The page's tab id (the extension has no "tabs" permission, so: bring it to front, ask for the active tab)."""
    page.bring_to_front()
    sw = service_worker(context)
    return sw.evaluate("chrome.tabs.query({active: true, lastFocusedWindow: true}).then(ts => ts[0]?.id ?? -1)")


# --- reading the annotations from the page (its main world sees the open shadow root) ---------

FINDINGS_JS = """
() => {
  const host = document.querySelector('biaslsp-overlay');
  if (!host || !host.shadowRoot) return [];
  const out = [];
  for (const n of host.shadowRoot.querySelectorAll('[data-biaslsp-finding]')) {
    const layer = n.closest('.layer');
    out.push({ id: n.dataset.biaslspFinding, label: n.dataset.label, field: layer?.dataset.field,
               kind: layer?.dataset.kind, text: layer?.dataset.kind === 'textarea' ? n.textContent : null,
               rects: (layer?.dataset.kind === 'textarea' ? [...n.getClientRects()] : [...n.children].map(c => c.getBoundingClientRect()))
                 .map(r => ({x: r.x, y: r.y, w: r.width, h: r.height})) });
  }
  return out;
}
"""

# Texts of the CSS Custom Highlight API ranges in a document, as (label, text).
HIGHLIGHTS_JS = """
() => {
  const out = [];
  for (const [name, hl] of CSS.highlights) {
    if (!name.startsWith('biaslsp-')) continue;
    for (const r of hl) out.push([name.slice(8), r.toString()]);
  }
  return out.sort();
}
"""

CHECKED_JS = """
() => {
  const host = document.querySelector('biaslsp-overlay');
  const layers = host && host.shadowRoot ? [...host.shadowRoot.querySelectorAll('.layer[data-checked]')] : [];
  return layers.map(l => ({ field: l.dataset.field, kind: l.dataset.kind, checked: +l.dataset.checked, count: +l.dataset.count }));
}
"""


def wait_checked(page, min_version: int = 1, kind: str | None = None, timeout: float = 30.0) -> dict:
    """Wait until a field (of `kind`) has a completed check of at least `min_version`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for layer in page.evaluate(CHECKED_JS):
            if layer["checked"] >= min_version and (kind is None or layer["kind"] == kind):
                return layer
        page.wait_for_timeout(100)
    raise AssertionError(f"no completed check (kind={kind}, version>={min_version}) within {timeout}s")


def checked_version(page, kind: str | None = None) -> int:
    versions = [l["checked"] for l in page.evaluate(CHECKED_JS) if kind is None or l["kind"] == kind]
    return max(versions, default=0)
