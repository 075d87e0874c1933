"""`biaslsp report`: a self-contained HTML report of a scan, checked offline in a real Chromium."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from scan_helpers import made_up_ads, write_parquet

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def scanned(tmp_path_factory):
    from biaslsp.scan.run import ScanRequest, scan

    tmp = tmp_path_factory.mktemp("report")
    ads = made_up_ads(30) + [{"id": "broken", "text": None},
                             {"id": "worst", "text": "We want young rockstars. He/she must be a native English speaker. Digital natives only."}]
    src = write_parquet(tmp / "ads.parquet", ads)
    scan(ScanRequest(input=str(src), out=str(tmp / "scan"), workers=1, batch_size=8, progress=False))
    return tmp


def test_report_counts_phrases_and_worst_ads(scanned):
    from biaslsp.scan.report import aggregate, iter_rows

    agg = aggregate(iter_rows(scanned / "scan"))
    rows = list(iter_rows(scanned / "scan"))
    assert agg.ads == len(rows) == 31
    assert agg.flagged == sum(1 for r in rows if r["labels"])
    assert sum(agg.scores) == agg.ads
    assert agg.worst_ads()[0]["id"] == "worst"
    assert sum(agg.phrases["age"].values()) == sum(1 for r in rows for f in r["findings"] if f["label"] == "age")


@pytest.mark.browser
def test_report_opens_offline_in_chromium_with_its_plots(scanned):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"SKIPPED: {CHROMIUM} not found")
    sync_api = pytest.importorskip("playwright.sync_api")
    html = scanned / "report.html"
    r = subprocess.run([sys.executable, "-m", "biaslsp", "report", str(scanned / "scan"), "--html", str(html)],
                       capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    source = html.read_text(encoding="utf-8")
    assert "http://" not in source.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in source
    requests = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        try:
            context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
            context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
            page = context.new_page()
            page.on("request", lambda req: requests.append(req.url))
            page.goto(html.as_uri())
            assert page.title() == "Scan of scan"
            bars = page.locator("#per-category svg rect")
            assert bars.count() == 7
            assert page.locator("#scores svg rect").count() == 11
            box = page.locator("#per-category svg").bounding_box()
            assert box and box["width"] > 300 and box["height"] > 150  # the plot is drawn, not an empty box
            widths = [float(bars.nth(i).get_attribute("width")) for i in range(7)]
            assert max(widths) > 100
            assert "1 unreadable" in " ".join(page.locator(".cards").inner_text().split())
            assert page.locator("#worst tr").nth(1).inner_text().startswith("worst")
            assert "rockstars" in page.locator("#phrases").inner_text() or "young" in page.locator("#phrases").inner_text()
            page.screenshot(path=str(scanned / "report.png"), full_page=True)
        finally:
            browser.close()
    assert all(u.startswith("file:") for u in requests), requests
    assert (scanned / "report.png").stat().st_size > 10_000
