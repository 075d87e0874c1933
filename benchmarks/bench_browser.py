"""Browser-extension latency: typing pause -> highlights on a 1,000-word field.

Real parts end to end: Debian Chromium (headless=new) with the unpacked extension, `biaslsp serve`
(embedded model) on loopback, the fixture pages. For each editor a ~1,000-word ad is put in the
field and checked once; then, N times, a biased sentence is typed at the end and we measure in the
page (performance.now, main world) from the last keystroke to
  - first:  the first new highlight ([data-biaslsp-finding] count grows; sentences near the caret are
            scored first), and
  - done:   the check of the whole field is complete (the field layer's data-checked advances).
The extension waits PAUSE_MS (300 ms) of no typing before it checks; "after pause" = that minus 300.
"cold check": the whole ~1,000-word text pasted into an empty field, to the first completed check.

    .venv/bin/python benchmarks/bench_browser.py [--runs 5] [--words 1000]
Figures are printed, not asserted; see benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "browser"))
import biaslsp_browser as H  # noqa: E402

PAUSE_MS = 300
PARAGRAPH = (
    "Our platform team builds the payment services that thousands of merchants rely on every day. "
    "You will design reliable APIs, review code with care and help colleagues grow. "
    "We value clear writing, thoughtful testing and steady delivery over heroics. "
    "The role includes on-call duty one week in six, with time off in lieu. "
    "We offer flexible hours, remote work within Europe and a yearly learning budget. "
)
# a different biased sentence each run, so no run is answered from a cache of the one before
NEW_SENTENCES = [
    " We need young, energetic rockstar ninjas.",
    " He must be a native English speaker.",
    " Recent graduates who are digital natives preferred.",
    " Join our tribe of aggressive, dominant go-getters.",
    " Applicants must be able-bodied and clean-shaven.",
    " We want a youthful salesman with a strong handshake.",
    " The ideal chairman is a mature gentleman.",
    " Looking for a young and hungry coding ninja.",
]

INSTALL_PROBE = """
() => {
  const root = document.querySelector('biaslsp-overlay').shadowRoot;
  const b = window.__bench = { lastKey: 0, first: 0, done: 0, base: 0, target: 0 };
  document.addEventListener('input', () => { b.lastKey = performance.now(); b.first = 0; b.done = 0; }, true);
  const frameDoc = document.querySelector('iframe')?.contentDocument;
  frameDoc?.addEventListener('input', () => { b.lastKey = performance.now(); b.first = 0; b.done = 0; }, true);
  new MutationObserver(() => {
    if (!b.lastKey) return;
    const n = root.querySelectorAll('[data-biaslsp-finding]').length;
    if (!b.first && n > b.base) b.first = performance.now();
    const layer = root.querySelector('.layer[data-checked]');
    if (!b.done && layer && +layer.dataset.checked >= b.target) b.done = performance.now();
  }).observe(root, { subtree: true, childList: true, attributes: true });
}
"""

COLD_PROBE = """
() => {
  const c = window.__cold = { start: performance.now(), done: 0 };
  const timer = setInterval(() => {
    const layer = document.querySelector('biaslsp-overlay')?.shadowRoot.querySelector('.layer[data-checked]');
    if (layer) { c.done = performance.now(); clearInterval(timer); }
  }, 2);
}
"""

EDITORS = {
    "textarea": ("greenhouse", "#job_post_content"),
    "contenteditable": ("lever", "#posting-description"),
    "prosemirror": ("prosemirror", ".ProseMirror"),
    "quill": ("quill", ".ql-editor"),
}


TEAMS = ["payments", "search", "billing", "identity", "mobile", "data", "platform", "support tools", "risk", "growth"]


def make_text(words: int, salt: str = "") -> str:
    """~`words` words of job-ad prose; every sentence unique (no server-side cache hits)."""
    out, i = [], 0
    while sum(len(p.split()) for p in out) < words:
        team = TEAMS[i % len(TEAMS)]
        out.append(PARAGRAPH.replace("payment services", f"{team} services (area {i}{salt})")
                   .replace("one week in six", f"one week in {6 + i % 5}").strip())
        i += 1
    return "\n".join(out)


def bench_editor(context, base, page_name, selector, text, runs):
    page = context.new_page()
    page.goto(f"{base}/{page_name}.html")
    if page_name == "prosemirror":
        page.wait_for_function("!!window.pmView")
    page.locator(selector).click()
    page.evaluate(COLD_PROBE)
    page.keyboard.insert_text(text)
    page.wait_for_function("() => window.__cold.done > 0", timeout=120000)
    cold = page.evaluate("window.__cold.done - window.__cold.start")
    page.keyboard.press("Control+End")
    page.evaluate(INSTALL_PROBE)
    out = []
    for _ in range(runs):
        version = H.checked_version(page)
        count = len(page.evaluate(H.FINDINGS_JS))
        page.evaluate(f"() => {{ window.__bench.base = {count}; window.__bench.target = {version + 1}; }}")
        page.keyboard.type(NEW_SENTENCES[len(out) % len(NEW_SENTENCES)], delay=20)
        page.wait_for_function("() => window.__bench.done > 0", timeout=60000)
        page.wait_for_timeout(100)
        b = page.evaluate("window.__bench")
        first = b["first"] - b["lastKey"] if b["first"] else float("nan")
        out.append((first, b["done"] - b["lastKey"]))
    words = len(page.evaluate(f"() => document.querySelector({selector!r}).value ?? document.querySelector({selector!r}).innerText").split())
    page.close()
    return words, cold, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--words", type=int, default=1000)
    ap.add_argument("--editors", default=",".join(EDITORS))
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    missing = H.missing_prerequisites()
    if missing:
        print(f"cannot run: {missing}", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    server = H.BiaslspServer(Path(tempfile.mkdtemp(prefix="biaslsp-bench-")))
    server.start()
    try:
        with sync_playwright() as p, H.fixture_server() as base, H.chromium_with_extension(p) as context:
            H.service_worker(context)
            H.configure_extension(context, server.port, server.token)
            print(f"{'editor':16} {'words':>5}  {'cold check':>10}  {'first new highlight after pause (ms)':>36}  {'whole field done after pause (ms)':>34}")
            for name in args.editors.split(","):
                page_name, selector = EDITORS[name]
                words, cold, runs = bench_editor(context, base, page_name, selector, make_text(args.words, name), args.runs)
                first = [f - PAUSE_MS for f, _ in runs if f == f] or [float("nan")]
                done = [d - PAUSE_MS for _, d in runs]
                fmt = lambda xs: f"median {statistics.median(xs):6.0f}  max {max(xs):6.0f}"  # noqa: E731
                if args.verbose:
                    print("   runs (first, done) ms:", [(None if f != f else round(f), round(d)) for f, d in runs])
                print(f"{name:16} {words:5d}  {cold - PAUSE_MS:8.0f}ms  {fmt(first):>36}  {fmt(done):>34}")
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
