"""Would a careful recruiter accept the engine's top rewrite as-is? Judgements, re-usable.

The sample is every third dev sentence (102 of 304). A judgement is keyed by the dev id and
a hash of the top rewrite it judged (no text is stored), so after the rewriter changes only
the sentences whose top rewrite changed need judging again:

    python benchmarks/rewrite_dev/acceptance.py list              # top rewrites, with stored verdicts
    python benchmarks/rewrite_dev/acceptance.py list --todo new.jsonl   # + a template for the unjudged
    python benchmarks/rewrite_dev/acceptance.py report [--judgements acceptance_baseline.jsonl new.jsonl]

A verdict is A (accepted: grammatical, the real requirement kept, the bias removed), R (rejected)
or - (no rewrite offered: counts as not accepted). Fill pass1, then re-read fresh for pass2,
and set final (with adjudicated true and a reason where they differ). Later files win.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from devset import load  # noqa: E402

BASELINE = HERE / "acceptance_baseline.jsonl"


def sample_ids(ids: list[str]) -> list[str]:
    return sorted(ids)[::3]


def text_hash(text: str | None) -> str | None:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12] if text is not None else None


def read_judgements(paths: list[Path]) -> dict[tuple[str, str | None], dict]:
    out: dict[tuple[str, str | None], dict] = {}
    for p in paths:
        for line in p.read_text(encoding="utf-8").splitlines():
            if line.strip():
                j = json.loads(line)
                if j.get("final") in ("A", "R", "-"):
                    out[(j["id"], j.get("rewrite_sha1"))] = j
    return out


def top_rewrites(items) -> dict[str, object]:  # noqa: ANN001 - DevItems -> Rewrite | None
    import torch

    from biaslsp.models import default_engine

    torch.set_num_threads(1)
    engine = default_engine()
    out = {}
    for it in items:
        ranked = engine.rewrite(it.text, labels=list(it.labels))
        out[it.id] = ranked[0] if ranked else None
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=("list", "report"))
    ap.add_argument("--data")
    ap.add_argument("--judgements", type=Path, nargs="*", default=[BASELINE])
    ap.add_argument("--todo", type=Path, help="list: write a judgement template for the unjudged sentences")
    args = ap.parse_args(argv)

    from biaslsp.models.training.data import data_dir

    items = {it.id: it for it in load(data_dir(args.data))}
    ids = sample_ids(list(items))
    judged = read_judgements(args.judgements)
    tops = top_rewrites([items[i] for i in ids])
    todo, verdicts = [], {}
    for i in ids:
        top = tops[i]
        key = (i, text_hash(top.text) if top is not None else None)
        j = judged.get(key)
        verdicts[i] = j["final"] if j else ("-" if top is None else None)
        if args.command == "list":
            status = f"stored {j['final']}" + (f" ({j['reason']})" if j.get("reason") else "") if j else ("-" if top is None else "TO JUDGE")
            print(f"{i} [{','.join(items[i].labels)}] {items[i].text}")
            print(f"      -> {top.text if top else '(no rewrite)'}" + (f"  [{'verified' if top.verified else 'unverified'}]" if top else ""))
            print(f"      {status}")
        if top is not None and not j:
            todo.append({"id": i, "rewrite_sha1": key[1], "verified": bool(top.verified), "pass1": "", "pass2": "",
                         "final": "", "adjudicated": False, "reason": ""})
    if args.todo:
        args.todo.write_text("".join(json.dumps(t) + "\n" for t in todo), encoding="utf-8")
    known = [v for v in verdicts.values() if v is not None]
    offered = [v for v in known if v != "-"]
    print(f"\n{len(ids)} sampled; {len(known)} with a verdict ({len(todo)} top rewrites still to judge)")
    for kind in ("real", "synthetic", "all"):
        vs = [verdicts[i] for i in ids if verdicts[i] is not None and kind in ("all", items[i].kind)]
        off = [v for v in vs if v != "-"]
        if vs:
            print(f"{kind:10} accepted top rewrite: {sum(v == 'A' for v in vs)}/{len(vs)} = {sum(v == 'A' for v in vs) / len(vs):.1%} of sentences; "
                  f"{sum(v == 'A' for v in off)}/{len(off)} = {sum(v == 'A' for v in off) / max(len(off), 1):.1%} of offered")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
