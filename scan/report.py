"""A self-contained HTML report of a scan: nothing is fetched, the plots are inline SVG.

Rows are read one part at a time and folded into counters, so the report of a large scan
needs memory for the aggregates only (the worst ads are kept in a bounded heap).
"""

from __future__ import annotations

import heapq
import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

from biaslsp.models.labels import LABELS, TITLES

from .writer import default_errors_path, is_jsonl, parquet_parts

COLORS = {
    "age": "#8c6bb1", "disability": "#2b8cbe", "feminine": "#dd3497", "general": "#737373",
    "masculine": "#225ea8", "racial": "#e6550d", "sexuality": "#31a354",
}
COLUMNS = ["id", "score", "labels", "sentences", "flagged_sentences", "findings"]


def iter_rows(out: Path) -> Iterator[dict[str, Any]]:
    """The rows of a scan output, one Parquet part (or JSONL line) at a time."""
    out = Path(out)
    if is_jsonl(out):
        with open(out, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    yield json.loads(line)
        return
    import pyarrow.parquet as pq

    for part in ([out] if out.is_file() else parquet_parts(out)):
        yield from pq.read_table(part, columns=COLUMNS).to_pylist()


@dataclass
class Aggregate:
    """What the report shows, folded from the rows."""

    ads: int = 0
    flagged: int = 0
    findings: int = 0
    score_sum: int = 0
    ads_per_label: Counter = field(default_factory=Counter)
    findings_per_label: Counter = field(default_factory=Counter)
    scores: list[int] = field(default_factory=lambda: [0] * 11)  # 0-9, 10-19, ... 90-99, 100
    phrases: dict[str, Counter] = field(default_factory=lambda: {l: Counter() for l in LABELS})
    worst: list[tuple[int, int, str, dict[str, Any]]] = field(default_factory=list)  # heap of (-score, findings, id, row)
    keep_worst: int = 20

    def add(self, row: dict[str, Any]) -> None:
        self.ads += 1
        score = int(row["score"])
        self.score_sum += score
        self.scores[min(score // 10, 10)] += 1
        found = row.get("findings") or []
        self.findings += len(found)
        if row.get("labels"):
            self.flagged += 1
        for label in row.get("labels") or []:
            self.ads_per_label[label] += 1
        for f in found:
            self.findings_per_label[f["label"]] += 1
            if f["label"] in self.phrases:
                self.phrases[f["label"]][" ".join(f["text"].lower().split())] += 1
        if found:
            brief = {"id": row["id"], "score": score, "labels": list(row.get("labels") or []),
                     "findings": [(f["label"], f["text"]) for f in found[:6]], "more": max(0, len(found) - 6)}
            item = (-score, len(found), str(row["id"]), brief)
            if len(self.worst) < self.keep_worst:
                heapq.heappush(self.worst, item)
            elif item[:3] > self.worst[0][:3]:
                heapq.heapreplace(self.worst, item)

    def worst_ads(self) -> list[dict[str, Any]]:
        return [b for *_, b in sorted(self.worst, key=lambda t: (t[0], t[1], t[2]), reverse=True)]


def aggregate(rows: Iterable[dict[str, Any]], keep_worst: int = 20) -> Aggregate:
    agg = Aggregate(keep_worst=keep_worst)
    for row in rows:
        agg.add(row)
    return agg


def bar_chart(items: list[tuple[str, int, str]], *, title: str, width: int = 960) -> str:
    """Horizontal bars as inline SVG: (label, value, colour) each."""
    row_h, left, right = 26, 110, 60
    height = row_h * len(items) + 36
    top = max([v for _, v, _ in items] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    for i, (name, value, color) in enumerate(items):
        y = 10 + i * row_h
        w = (width - left - right) * value / top
        parts.append(f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" class="axis">{escape(name)}</text>'
                     f'<rect x="{left}" y="{y + 2}" width="{w:.1f}" height="{row_h - 8}" fill="{color}" rx="2"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + 15}" class="value">{value:,}</text>')
    parts.append(f'<line x1="{left}" y1="6" x2="{left}" y2="{height - 22}" stroke="#999"/></svg>')
    return "".join(parts)


def histogram(counts: list[int], *, title: str, width: int = 960, height: int = 260) -> str:
    """Column chart of the inclusiveness score distribution as inline SVG."""
    left, bottom, top_pad = 50, 40, 16
    n = len(counts)
    bw = (width - left - 10) / n
    top = max(counts + [1])
    names = [f"{10 * i}-{10 * i + 9}" for i in range(10)] + ["100"]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="{escape(title)}" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>']
    plot_h = height - bottom - top_pad
    for i, c in enumerate(counts):
        h = plot_h * c / top
        x = left + i * bw
        color = "#d7301f" if i < 5 else "#fdae61" if i < 9 else "#1a9850"
        parts.append(f'<rect x="{x + 2:.1f}" y="{top_pad + plot_h - h:.1f}" width="{bw - 4:.1f}" height="{h:.1f}" fill="{color}"/>'
                     f'<text x="{x + bw / 2:.1f}" y="{height - bottom + 16}" text-anchor="middle" class="axis small">{names[i]}</text>')
        if c:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{top_pad + plot_h - h - 4:.1f}" text-anchor="middle" class="value small">{c:,}</text>')
    parts.append(f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{width - 10}" y2="{top_pad + plot_h}" stroke="#999"/>'
                 f'<text x="{(left + width) / 2}" y="{height - 6}" text-anchor="middle" class="axis">inclusiveness score (100 = nothing found)</text>'
                 f'<text x="14" y="{top_pad + plot_h / 2}" text-anchor="middle" class="axis" transform="rotate(-90 14 {top_pad + plot_h / 2})">ads</text></svg>')
    return "".join(parts)


CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;background:#f6f6f4}
main{max-width:1040px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;border-bottom:1px solid #ddd;padding-bottom:4px}
.sub{color:#666;margin:0 0 18px}
.cards{display:flex;gap:12px;flex-wrap:wrap}.card{background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:12px 16px;min-width:150px}
.card b{display:block;font-size:24px}.card span{color:#666;font-size:13px}
.panel{background:#fff;border:1px solid #e2e2e2;border-radius:8px;padding:14px 16px}
svg .axis{font-size:13px;fill:#333}svg .value{font-size:12px;fill:#333}svg .small{font-size:11px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
table{border-collapse:collapse;width:100%;font-size:14px}td,th{text-align:left;padding:4px 6px;border-bottom:1px solid #eee;vertical-align:top}
th{color:#555;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
svg{max-width:100%;height:auto}
.tag{display:inline-block;border-radius:10px;padding:0 8px;margin:1px 2px;color:#fff;font-size:12px}
.phrase{font-family:ui-monospace,Menlo,monospace;font-size:13px}.none{color:#888}
"""


def _tag(label: str) -> str:
    return f'<span class="tag" style="background:{COLORS.get(label, "#555")}">{escape(label)}</span>'


def _worst_row(w: dict[str, Any]) -> str:
    found = "; ".join(f"<b>{escape(t)}</b> ({escape(l)})" for l, t in w["findings"])
    more = f" and {w['more']} more" if w["more"] else ""
    labels = "".join(_tag(l) for l in w["labels"])
    return (f'<tr><td class="phrase">{escape(str(w["id"]))}</td><td class="n">{w["score"]}</td>'
            f"<td>{labels}</td><td>{found}{more}</td></tr>")


def render(agg: Aggregate, *, title: str, errors: int = 0, top_phrases: int = 8) -> str:
    """The report as one HTML document (no scripts, no external resources)."""
    mean = agg.score_sum / agg.ads if agg.ads else 100.0
    share = 100 * agg.flagged / agg.ads if agg.ads else 0.0
    cards = [(f"{agg.ads:,}", "ads scanned"), (f"{agg.flagged:,} ({share:.0f}%)", "ads with findings"),
             (f"{agg.findings:,}", "findings"), (f"{mean:.0f}", "mean inclusiveness score")]
    if errors:
        cards.append((f"{errors:,}", "unreadable (see errors file)"))
    per_label = bar_chart([(l, agg.ads_per_label[l], COLORS[l]) for l in LABELS], title="Ads with findings per category")
    hist = histogram(agg.scores, title="Inclusiveness score distribution")
    phrase_panels = []
    for l in LABELS:
        top = agg.phrases[l].most_common(top_phrases)
        body = "".join(f'<tr><td class="phrase">{escape(p)}</td><td class="n">{c:,}</td></tr>' for p, c in top) \
            or '<tr><td class="none" colspan="2">nothing flagged</td></tr>'
        phrase_panels.append(f'<div class="panel"><h3>{_tag(l)} {escape(TITLES[l])}</h3>'
                             f'<table><tr><th>phrase</th><th class="n">times</th></tr>{body}</table></div>')
    worst_rows = "".join(_worst_row(w) for w in agg.worst_ads()) \
        or '<tr><td class="none" colspan="4">no ad has findings</td></tr>'
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>{escape(title)}</title><style>{CSS}</style></head>
<body><main>
<h1>{escape(title)}</h1><p class="sub">biaslsp scan report: biased language found in job ads, by category.</p>
<div class="cards">{"".join(f'<div class="card"><b>{v}</b><span>{escape(k)}</span></div>' for v, k in cards)}</div>
<h2>Ads with findings per category</h2><div class="panel" id="per-category">{per_label}</div>
<h2>Inclusiveness scores</h2><div class="panel" id="scores">{hist}</div>
<h2>Most frequent flagged phrases</h2><div class="grid" id="phrases">{"".join(phrase_panels)}</div>
<h2>Ads with the lowest scores</h2><div class="panel" id="worst"><table>
<tr><th>ad</th><th class="n">score</th><th>labels</th><th>findings</th></tr>{worst_rows}</table></div>
</main></body></html>
"""


def count_errors(path: Path) -> int:
    if not path.exists():
        return 0
    with open(path, encoding="utf-8") as fh:
        return sum(1 for line in fh if line.strip())


def write_report(out: Path, html_path: Path, *, errors: Path | None = None, title: str | None = None) -> Aggregate:
    """Read a scan output and write its HTML report; returns the aggregates shown."""
    agg = aggregate(iter_rows(out))
    n_errors = count_errors(errors or default_errors_path(Path(out)))
    html_path.write_text(render(agg, title=title or f"Scan of {Path(out).name}", errors=n_errors), encoding="utf-8")
    return agg
