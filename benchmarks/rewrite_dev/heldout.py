"""A held-out acceptance sample: flagged sentences nobody wrote rules or thresholds from.

    python benchmarks/rewrite_dev/heldout.py pick --out /tmp/h2/items.jsonl [--per-label 16 --seed 31]
    python benchmarks/rewrite_dev/heldout.py record --items /tmp/h2/items.jsonl \
        --judges /tmp/h2/judge1.jsonl /tmp/h2/judge2.jsonl --out benchmarks/rewrite_dev/heldout2_acceptance.jsonl
    python benchmarks/rewrite_dev/heldout.py report benchmarks/rewrite_dev/heldout2_acceptance.jsonl

`flags` (flag precision on real ads, issue 15) takes every sentence the engine flags in random
unused real job ads (val's real passages and the machine-labelled file), whatever their labels,
for judges to say which flagged labels are right; `precision` scores the two judges' files.

`pick` takes sentences the engine flags (with its current model, gate and rewriter) in train/val
passages that carry a flagged label, from rows that no earlier sample, the dev set or the
real-ad annotations used; balanced over the labels and over real and synthetic passages. It
writes a work file with the text, the labels and the engine's top rewrite or its guidance, for
judges (keep it outside the repository). `record` keeps locations, a hash of the rewrite and
both verdicts (no text). A judge file holds one line per item: {"id", "biased": "yes"/"no",
"verdict": "A"/"R"/"-"} (A: a careful recruiter accepts the top rewrite as-is: grammatical, the
real requirement kept, the bias removed; R: not; -: no rewrite offered).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))

from acceptance import text_hash  # noqa: E402 - the dev set's judgements key rewrites the same way
FILES = ("val.parquet", "train-polarity-synthetic.parquet", "train-gpt4-feminine.parquet",
         "train-gpt4-masculine.parquet", "train-gpt4o-machine-labelled.parquet")
USED = ("dev.jsonl", "dropped.jsonl", "heldout_acceptance.jsonl")


def used_rows(extra: list[Path] | None = None) -> set[tuple[str, int]]:
    rows = set()
    for path in [HERE / name for name in USED] + list(extra or []):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                rows.add((j["file"], int(j["row"])))
    ann = ROOT / "models" / "annotations" / "real_sentences.jsonl"
    for line in ann.read_text(encoding="utf-8").splitlines():
        if line.strip():
            j = json.loads(line)
            rows.add((j["file"], int(j["row"])))
    return rows


def pick(data: Path, per_label: int, seed: int, exclude: list[Path] | None = None) -> list[dict]:
    import pandas as pd

    from biaslsp.models import LABELS, default_engine, split_sentences

    engine = default_engine()
    used = used_rows(exclude)
    rng = random.Random(seed)
    pool: list[dict] = []
    for name in FILES:
        df = pd.read_parquet(data / name)
        rows = [i for i in range(len(df)) if (name, i) not in used]
        rng.shuffle(rows)
        for i in rows[:400]:  # enough candidates per file; the engine runs on these only
            row = df.iloc[i]
            labels = {l for l in LABELS if bool(row.get(f"label_{l}", False))}
            if not labels:
                continue
            synthetic = bool(row.get("synthetic", str(row.get("id", "")).startswith("Synthetic")))
            text = str(row["text"])
            sents = [s for s in split_sentences(text) if 25 <= len(s.text) <= 320]
            for s, r in zip(sents, engine.analyze_sentences([s.text for s in sents], rewrites=False)):
                hit = [l for l in r.labels if l in labels]
                if hit:
                    pool.append({"file": name, "row": i, "sentence": [s.start, s.end], "text": s.text,
                                 "kind": "synthetic" if synthetic else "real", "flagged": list(r.labels), "label": hit[0]})
    rng.shuffle(pool)
    count: Counter = Counter()
    per_passage: Counter = Counter()
    out = []
    for c in pool:  # per label: half real where the data has them, one sentence per passage
        key = (c["label"], c["kind"])
        if per_passage[(c["file"], c["row"])] or count[key] >= per_label // 2:
            continue
        count[key] += 1
        per_passage[(c["file"], c["row"])] += 1
        out.append(c)
    for c in pool:  # fill each label's remaining places from either kind
        if sum(count[(c["label"], k)] for k in ("real", "synthetic")) >= per_label or per_passage[(c["file"], c["row"])]:
            continue
        count[(c["label"], c["kind"])] += 1
        per_passage[(c["file"], c["row"])] += 1
        out.append(c)
    results = engine.analyze_sentences([c["text"] for c in out])
    for k, (c, r) in enumerate(zip(out, results)):
        top = r.rewrites[0] if r.rewrites else None
        c.update(id=f"g{k:03d}", rewrite=top.text if top else None, verified=bool(top and top.verified), guidance=r.guidance)
    return out


def flags(data: Path, rows: int, seed: int, exclude: list[Path] | None = None) -> list[dict]:
    import pandas as pd

    from biaslsp.models import default_engine, split_sentences

    engine = default_engine()
    used = used_rows(exclude)
    rng = random.Random(seed)
    candidates = []
    for name in ("val.parquet", "train-gpt4o-machine-labelled.parquet"):
        df = pd.read_parquet(data / name)
        real = [i for i in range(len(df)) if (name, i) not in used and not bool(df.iloc[i].get("synthetic", False))]
        candidates += [(name, i, str(df.iloc[i]["text"])) for i in real]
    rng.shuffle(candidates)
    out = []
    for name, i, text in candidates[:rows]:
        sents = split_sentences(text)
        for s, r in zip(sents, engine.analyze_sentences([s.text for s in sents], rewrites=False)):
            if r.labels:
                out.append({"id": f"f{len(out):03d}", "file": name, "row": i, "sentence": [s.start, s.end], "text": s.text,
                            "flagged": list(r.labels), "spans": [[sp.text, sp.label] for sp in r.spans]})
    return out


def precision(items: list[dict], judges: list[dict[str, dict]]) -> str:
    """Share of flagged labels both judges call right, and each judge's own share."""
    total = both = 0
    each = [0] * len(judges)
    for it in items:
        for label in it["flagged"]:
            total += 1
            votes = [label in j.get(it["id"], {}).get("right", []) for j in judges]
            both += all(votes)
            each = [e + v for e, v in zip(each, votes)]
    agree = sum(1 for it in items for label in it["flagged"]
                if len({label in j.get(it["id"], {}).get("right", []) for j in judges}) == 1)
    return (f"{len(items)} flagged sentences, {total} flags; right by both judges {both} ({both / max(total, 1):.2f}), "
            f"by each {', '.join(f'{e / max(total, 1):.2f}' for e in each)}; judges agree on {agree}/{total}")


def record(items: list[dict], judges: list[dict[str, dict]]) -> list[dict]:
    out = []
    for it in items:
        verdicts = [j.get(it["id"], {}) for j in judges]
        out.append({"id": it["id"], "file": it["file"], "row": it["row"], "sentence": it["sentence"], "kind": it["kind"],
                    "flagged": it["flagged"], "rewrite_sha1": text_hash(it["rewrite"]), "verified": it["verified"],
                    **{f"judge{n + 1}": {"biased": v.get("biased"), "verdict": v.get("verdict")} for n, v in enumerate(verdicts)}})
    return out


def report(rows: list[dict]) -> str:
    lines = ["| | flagged | biased (both judges) | top rewrite offered (of biased) | accepted as-is (both) | accepted / biased |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for kind in ("real", "synthetic", "all"):
        part = [r for r in rows if kind in ("all", r["kind"])]
        biased = [r for r in part if all(r[j]["biased"] == "yes" for j in ("judge1", "judge2"))]
        offered = [r for r in biased if r["rewrite_sha1"]]
        accepted = [r for r in offered if all(r[j]["verdict"] == "A" for j in ("judge1", "judge2"))]
        share = len(accepted) / len(biased) if biased else 0.0
        lines.append(f"| {kind} | {len(part)} | {len(biased)} | {len(offered)} | {len(accepted)} of {len(offered)} | {share:.2f} |")
    agree_v = sum(r["judge1"]["verdict"] == r["judge2"]["verdict"] for r in rows)
    agree_b = sum(r["judge1"]["biased"] == r["judge2"]["biased"] for r in rows)
    lines.append(f"\nagreement: verdict {agree_v}/{len(rows)}, biased {agree_b}/{len(rows)}")
    return "\n".join(lines)


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    from biaslsp.models.training.data import data_dir

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pick")
    p.add_argument("--data")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--per-label", type=int, default=16)
    p.add_argument("--seed", type=int, default=31)
    p.add_argument("--exclude", type=Path, nargs="*", default=[], help="item files whose rows must not be picked (e.g. a sample used for development)")
    r = sub.add_parser("record")
    r.add_argument("--items", type=Path, required=True)
    r.add_argument("--judges", type=Path, nargs=2, required=True)
    r.add_argument("--out", type=Path, required=True)
    s = sub.add_parser("report")
    s.add_argument("file", type=Path)
    f = sub.add_parser("flags")
    f.add_argument("--data")
    f.add_argument("--out", type=Path, required=True)
    f.add_argument("--rows", type=int, default=120)
    f.add_argument("--seed", type=int, default=41)
    f.add_argument("--exclude", type=Path, nargs="*", default=[])
    q = sub.add_parser("precision")
    q.add_argument("--items", type=Path, required=True)
    q.add_argument("--judges", type=Path, nargs=2, required=True)
    q.add_argument("--out", type=Path, help="write the items' locations and both judges' verdicts (no text)")
    args = ap.parse_args(argv)
    if args.cmd == "pick":
        items = pick(data_dir(args.data), args.per_label, args.seed, args.exclude)
        args.out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        print(len(items), Counter((i["label"], i["kind"]) for i in items), file=sys.stderr)
    elif args.cmd == "record":
        judges = [{j["id"]: j for j in _jsonl(path)} for path in args.judges]
        rows = record(_jsonl(args.items), judges)
        args.out.write_text("".join(json.dumps(x) + "\n" for x in rows), encoding="utf-8")
        print(report(rows))
    elif args.cmd == "flags":
        items = flags(data_dir(args.data), args.rows, args.seed, args.exclude)
        args.out.write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8")
        print(len(items), "flagged sentences", file=sys.stderr)
    elif args.cmd == "precision":
        items = _jsonl(args.items)
        judges = [{j["id"]: j for j in _jsonl(path)} for path in args.judges]
        if args.out:
            keep = ("id", "file", "row", "sentence", "flagged")
            rows = [{**{k: it[k] for k in keep}, **{f"judge{n + 1}": judges[n].get(it["id"], {}).get("right", []) for n in range(2)}} for it in items]
            args.out.write_text("".join(json.dumps(x) + "\n" for x in rows), encoding="utf-8")
        print(precision(items, judges))
    else:
        print(report(_jsonl(args.file)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
