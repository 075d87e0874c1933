"""Made-up job ads and input builders shared by the scan tests (no data from ../shared)."""

from __future__ import annotations

import json
from pathlib import Path

BIASED = [
    "We want young, energetic rockstars who crush it.",
    "He/she must be a native English speaker.",
    "Must be able to lift 50 pounds and stand all day.",
    "Recent graduates from top-tier universities preferred.",
    "Join our tribe of digital natives.",
]
NEUTRAL = [
    "You will prepare monthly financial reports.",
    "The team reviews every change within a day.",
    "Training budgets are available for courses.",
    "The office is a short walk from the station.",
]


def made_up_ads(n: int) -> list[dict]:
    """n short ads (one or two sentences), every third one with biased wording; ids are strings."""
    ads = []
    for i in range(n):
        parts = [NEUTRAL[i % len(NEUTRAL)].replace("day", f"day ({i})").replace(".", f" (ref {i}).", 1)]
        if i % 3 == 0:
            parts.append(BIASED[i % len(BIASED)])
        ads.append({"id": f"ad-{i:05d}", "text": " ".join(parts)})
    return ads


def write_jsonl(path: Path, rows: list[dict], extra_lines: list[str] = ()) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "".join(l + "\n" for l in extra_lines), encoding="utf-8")
    return path


def write_parquet(path: Path, rows: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows, schema=pa.schema([("id", pa.string()), ("text", pa.string())])), path, row_group_size=7)
    return path


def by_id(rows: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in rows}
