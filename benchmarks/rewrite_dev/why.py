"""Why does a dev sentence get no verified rewrite? One line of reasons per sentence.

For pattern work: shows, for each dev sentence (or only those without a verified rewrite), the
engine's labels and spans, the pattern rules that fired, every candidate the rewriter made and
why the engine dropped it (grammar problems, wording a rule still matches, a label still
flagged, meaning too far), next to the first reference.

    python benchmarks/rewrite_dev/why.py [--all] [--label age] [--kind real] [--ids rw001,rw007]
    python benchmarks/rewrite_dev/why.py --summary      # counts of each reason
    python benchmarks/rewrite_dev/why.py --half even    # look at one half; --half odd --summary measures the other
"""

from __future__ import annotations

import argparse
import collections
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from devset import load  # noqa: E402


def reasons(engine, text: str, labels: tuple[str, ...]) -> dict:  # noqa: ANN001 - biaslsp Engine
    from biaslsp.models.engine import CONTENT_KEPT_THRESHOLD, MEANING_THRESHOLD
    from biaslsp.models.rewriting import default_library, problems

    library = default_library()
    result = engine.analyze_sentences([text], rewrites=False)[0]
    spans = [s for s in result.spans if s.label in labels] or engine._spans_for([text], [labels], [result.scores])[0]
    cands = engine.rewriter.candidates(text, spans, engine.candidates)
    ranked = {r.text: r for r in engine._check_candidates([(text, labels, list(cands), spans)])[0]}
    rows = []
    for c in dict.fromkeys(cands):
        why = []
        if p := problems(c, text):
            why.append("grammar: " + "; ".join(p))
        if left := library.leftovers(c, text):
            why.append("still matches " + ", ".join(left))
        r = ranked.get(c)
        if r is not None and not r.verified:
            if r.remaining:
                why.append("still flagged " + ",".join(r.remaining) + f" ({r.score:.2f})")
            if r.meaning is not None and r.meaning < MEANING_THRESHOLD:
                why.append(f"meaning {r.meaning:.2f} < {MEANING_THRESHOLD}")
            if not r.remaining and (r.meaning is None or r.meaning >= MEANING_THRESHOLD):
                why.append(f"content kept < {CONTENT_KEPT_THRESHOLD}")
        rows.append((c, "ok" if r is not None and r.verified else "; ".join(why) or "dropped"))
    return {
        "engine_labels": result.labels,
        "spans": [(s.label, s.text, s.source) for s in spans],
        "rules": [r.id + (" (blocks)" if r.blocks else "") for r in library.matching(text)],  # the rules plan() applies
        "candidates": rows,
        "verified": any(v == "ok" for _, v in rows),
        "guidance": engine.guidance(text, labels),
    }


def cause(info: dict) -> str:
    if info["verified"]:
        return "verified"
    if any(r.endswith("(blocks)") for r in info["rules"]):
        return "blocked by a rule (guidance only)"
    if not info["candidates"]:
        return "no rule matched, no term swap" if not info["rules"] else "rules matched, no candidate"
    text = " ".join(v for _, v in info["candidates"])
    for key, name in (("grammar", "grammar"), ("still matches", "rule still matches"), ("still flagged", "classifier still flags"),
                      ("meaning", "meaning"), ("content", "content kept")):
        if key in text:
            return "candidates dropped: " + name
    return "candidates dropped"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("BIASLSP_DATA", "../shared/data")))
    ap.add_argument("--all", action="store_true", help="also sentences that have a verified rewrite")
    ap.add_argument("--label", help="only dev sentences with this label")
    ap.add_argument("--kind", choices=("real", "synthetic"))
    ap.add_argument("--ids", help="comma-separated dev ids")
    ap.add_argument("--summary", action="store_true", help="only the counts of each cause")
    ap.add_argument("--half", choices=("even", "odd"),
                    help="only dev ids with an even/odd number: write rules looking at one half, measure on the other")
    args = ap.parse_args(argv)

    from biaslsp.models import default_engine

    engine = default_engine(threads=1)
    items = load(args.data)
    ids = set(args.ids.split(",")) if args.ids else None
    counts: collections.Counter[str] = collections.Counter()
    for it in items:
        if args.half and int(it.id[2:]) % 2 != (0 if args.half == "even" else 1):
            continue
        if (ids and it.id not in ids) or (args.label and args.label not in it.labels) or (args.kind and it.kind != args.kind):
            continue
        info = reasons(engine, it.text, it.labels)
        why = cause(info)
        counts[why] += 1
        if args.summary or (info["verified"] and not args.all and not ids):
            continue
        print(f"== {it.id} [{it.kind}] labels={','.join(it.labels)} engine={','.join(info['engine_labels']) or '-'} -> {why}")
        print(f"   src: {it.text}")
        print(f"   ref: {it.references[0]}")
        print(f"   spans: {info['spans']}")
        print(f"   rules: {info['rules'] or '-'}")
        for c, v in info["candidates"]:
            print(f"   cand [{v}]: {c}")
        if not info["verified"] and info["guidance"]:
            print(f"   guidance: {info['guidance'][:140]}")
    total = sum(counts.values())
    print(f"\n{total} dev sentences")
    for k, v in counts.most_common():
        print(f"  {v:4d} {100 * v / max(total, 1):5.1f}%  {k}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
