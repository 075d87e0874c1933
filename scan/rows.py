"""One output row per ad, from the engine's Analysis; the same function serves every runner.

The row is flat where a report or a SQL query wants to filter (score, per-label counts and
maximum scores) and nested where the detail lives (findings). Its Arrow schema is fixed, so
local and Ray runs write the same columns with the same types.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from biaslsp.models.labels import LABELS

from .inputs import Ad, Bad, Record

if TYPE_CHECKING:
    import pyarrow as pa

    from biaslsp.models import Analysis, Engine

COUNT = "count_"  # sentences carrying the label (the engine's Summary.counts)
MAX = "max_"  # the highest sentence score for the label in the ad


def schema() -> pa.Schema:
    import pyarrow as pa

    finding = pa.struct([
        ("start", pa.int64()), ("end", pa.int64()), ("label", pa.string()),
        ("text", pa.string()), ("message", pa.string()), ("rewrite", pa.string()),
    ])
    return pa.schema(
        [("id", pa.string()), ("length", pa.int64()), ("labels", pa.list_(pa.string())),
         ("score", pa.int32()), ("sentences", pa.int32()), ("flagged_sentences", pa.int32()),
         ("balance", pa.string())]
        + [(COUNT + l, pa.int32()) for l in LABELS]
        + [(MAX + l, pa.float64()) for l in LABELS]
        + [("findings", pa.list_(finding))]
    )


def row(ad: Ad, analysis: Analysis) -> dict[str, Any]:
    """The output row of one analysed ad: the engine's summary, labels and findings.

    A finding's `rewrite` is its sentence's best verified rewrite (None without --rewrites
    or when no candidate cleared every label)."""
    from biaslsp.models.findings import findings

    summary = analysis.summary
    best = {s.start: next((r.text for r in s.rewrites if r.verified), None) for s in analysis.findings}
    found = [
        {"start": f.start, "end": f.end, "label": f.label, "text": f.text, "message": f.message,
         "rewrite": best.get(f.sentence_start)}
        for f in findings(analysis, ad.text)
    ]
    out: dict[str, Any] = {
        "id": ad.id, "length": analysis.length, "labels": list(analysis.labels), "score": summary.score,
        "sentences": summary.sentences, "flagged_sentences": summary.flagged_sentences, "balance": summary.balance,
    }
    out.update({COUNT + l: summary.counts.get(l, 0) for l in LABELS})
    out.update({MAX + l: max((s.scores.get(l, 0.0) for s in analysis.sentences), default=0.0) for l in LABELS})
    out["findings"] = found
    return out


def scan_batch(engine: Engine, records: Sequence[Record], rewrites: bool) -> tuple[list[dict[str, Any]], list[Bad]]:
    """Rows for the ads of a batch and the records that could not be scanned.

    The sentences of all ads are first scored in one call (the classifier buckets them by
    length across ads, so there is less padding than ad by ad); `Engine.analyze` then finds
    them in its cache and builds each ad's Analysis."""
    from biaslsp.models import BiaslspError
    from biaslsp.models.engine import segment

    bad = [r for r in records if isinstance(r, Bad)]
    ads = [r for r in records if isinstance(r, Ad)]
    sentences: list[str] = []
    for ad in ads:
        if len(ad.text) <= engine.max_chars:
            try:
                sentences += [s.text for s in segment(ad.text, ad.fmt)]
            except Exception:  # noqa: BLE001 - analyze below reports it for this ad alone
                pass
    if sentences:
        engine.analyze_sentences(sentences, rewrites=rewrites)
    rows = []
    for ad in ads:
        try:
            rows.append(row(ad, engine.analyze(ad.text, fmt=ad.fmt, rewrites=rewrites)))
        except BiaslspError as exc:
            bad.append(Bad(ad.id, ad.source, str(exc)))
        except Exception as exc:  # noqa: BLE001 - one ad that breaks the engine must not stop a library scan
            bad.append(Bad(ad.id, ad.source, f"analysis failed: {type(exc).__name__}: {exc}"))
    return rows, bad


def to_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    return pa.Table.from_pylist(list(rows), schema=schema())
