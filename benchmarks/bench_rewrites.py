"""How good are the engine's rewrites? Figures on the rewrite dev set (benchmarks/rewrite_dev).

For each dev sentence (flagged train/val sentences with hand-written references), the engine is
asked for rewrites of the sentence's labels (`Engine.rewrite(sentence, labels=...)`), and the
script prints, for real, synthetic and all sentences:

- with a verified rewrite / with any rewrite: shares of dev sentences
- grammar pass: share of top rewrites with no new grammar fault, by this script's own checker
  (the same for every rewriter, so versions compare) and, when it exists, the rewriter's
  (`biaslsp.models.rewriting.grammar.problems`)
- meaning: mean cosine of the top rewrite's sentence embedding with the source's
  (`EmbeddedClassifier.embed`)
- words changed: word-level edit distance of the top rewrite over the source's word count
- exact: top rewrite equals a reference after normalisation (case, quotes, spaces, final stop)
- chrF / BLEU: top rewrite against the references (sacrebleu); "source" rows score the
  unchanged sentence the same way, the do-nothing baseline of the same run
- re-flagged: share of offered rewrites (top, and every candidate) that the engine flags again
  when it analyses them on their own
- ms/sentence: wall time of Engine.rewrite (measured under whatever else the machine runs)

The same figures for the references themselves are printed as a calibration row: the
tool flagging a reference again says more about the classifier than about the rewriter.

Only the public API is used (Engine.rewrite, Engine.analyze_sentences, Rewrite.text/verified/
cleared/remaining/score), so the script runs against the current engine and its successors.

    python benchmarks/bench_rewrites.py [--data DIR] [--json OUT] [--tops OUT] [--limit N]
    python benchmarks/bench_rewrites.py --rewriter MODEL_DIR --device cuda --definitions ../shared/data/definitions
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "rewrite_dev"))

from devset import DevItem, load  # noqa: E402

_WORD = re.compile(r"\w+(?:[-'’]\w+)*")
_ARTICLE_VOWEL = re.compile(r"^(?:[aeio]|u(?![nr]i|s[eu]|ti)|hour|honou?r|heir)", re.I)
_DANGLING = r"(?:and|or|with|to|of|for|the|a|an)"


# -- grammar: the benchmark's own checker (independent of any rewriter) -------------------

def _new(pattern: str, candidate: str, original: str, flags: int = re.I) -> list[str]:
    had = {m.group().lower() for m in re.finditer(pattern, original, flags)}
    return [m.group() for m in re.finditer(pattern, candidate, flags) if m.group().lower() not in had]


def grammar_faults(candidate: str, original: str) -> list[str]:
    """Faults the rewrite introduced (a fault the source already had is not counted): dangling
    conjunctions/articles, doubled words, a lost subject, double spaces, a lower-case start."""
    c = candidate
    if not _WORD.search(c):
        return ["empty"]
    out: list[str] = []
    body = re.sub(r"^\s*(?:[-*\u2022]\s+)?", "", c)
    obody = re.sub(r"^\s*(?:[-*\u2022]\s+)?", "", original)
    if obody[:1].isupper() and body[:1].islower():
        out.append("lower-case start")
    if body[:1] in ",.;:!?)" and obody[:1] not in ",.;:!?)":
        out.append("starts with punctuation")
    verbs = r"(?:are|is|was|were|has|have|will)\b"  # "Must ..." and "Can ..." open job-ad bullets
    if re.match(verbs, body, re.I) and not re.match(verbs, obody, re.I):
        out.append("empty subject")
    out += [f"double space {m!r}" for m in _new(r"\S[ \t]{2,}\S", c, original)]
    out += [f"doubled word {m!r}" for m in _new(r"\b(\w+)\s+\1\b", c, original)]
    out += [f"dangling {m.strip()!r}" for m in _new(r"\b" + _DANGLING + r"\s*(?:[.;:!?)]|$)", c, original)]
    out += [f"dangling {m.strip()!r}" for m in _new(r"\b" + _DANGLING + r"\s*,", c, original)]
    out += [f"dangling conjunction {m!r}" for m in _new(r"\b" + _DANGLING + r"\s+(?:and|or)\b(?!\s+without)", c, original)]
    out += [f"doubled words {m!r}" for m in _new(r"\b(\w+\s+\w+)\s+\1\b", c, original)]
    out += [f"two articles {m!r}" for m in _new(r"\b(?:a|an|the)\s+(?:[\w-]+\s+)?(?:a|an|the)\b", c, original)]
    out += [f"doubled punctuation {m!r}" for m in _new(r"[,;:]\s*[,.;:!?]", c, original)]
    for m in re.finditer(r"\b(a|an)\s+([A-Za-z][\w'-]*)", c):
        want = "an" if _ARTICLE_VOWEL.match(m.group(2)) else "a"
        if want != m.group(1).lower() and not m.group(2).isupper() and m.group().lower() not in original.lower():
            out.append(f"wrong article {m.group()!r}")
    return out


def rewriter_grammar() -> Callable[[str, str], list[str]] | None:
    """The rewriter's own grammar check, when the engine has one (issue 14's rewriter v2)."""
    try:
        from biaslsp.models.rewriting.grammar import problems
    except ImportError:
        return None
    return problems


# -- text measures ------------------------------------------------------------------------

def normalise(text: str) -> str:
    t = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    t = re.sub(r"\s+", " ", t).strip().rstrip(".!?").strip()
    return t.lower()


def words_changed(source: str, rewrite: str) -> float:
    """Word-level edit distance over the source's word count."""
    a, b = [w.lower() for w in _WORD.findall(source)], [w.lower() for w in _WORD.findall(rewrite)]
    dist = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            dist += max(i2 - i1, j2 - j1)
    return dist / max(len(a), 1)


# -- the run ------------------------------------------------------------------------------

@dataclass
class Offered:
    text: str
    verified: bool
    cleared: list[str]
    remaining: list[str]
    score: float
    reflagged: list[str] = field(default_factory=list)  # labels the engine gives the rewrite on its own
    faults: list[str] = field(default_factory=list)  # this script's grammar check
    rewriter_faults: list[str] | None = None  # the rewriter's grammar check, when there is one


@dataclass
class Record:
    id: str
    kind: str
    labels: list[str]
    engine_labels: list[str]  # what the engine flags in the sentence on its own
    offered: list[Offered]
    ms: float
    meaning: float | None = None  # cosine(top, source)
    changed: float | None = None
    exact: bool = False
    chrf: float | None = None

    @property
    def top(self) -> Offered | None:
        return self.offered[0] if self.offered else None


def run(engine, items: Sequence[DevItem], n: int | None = None) -> list[Record]:  # noqa: ANN001 - biaslsp Engine
    own_check = rewriter_grammar()
    records = []
    for it in items:
        t0 = time.perf_counter()
        rewrites = engine.rewrite(it.text, labels=list(it.labels), n=n)
        ms = (time.perf_counter() - t0) * 1000
        engine_labels = list(engine.analyze_sentences([it.text], rewrites=False)[0].labels)
        offered = [Offered(r.text, bool(r.verified), list(r.cleared), list(r.remaining), float(r.score)) for r in rewrites]
        if offered:
            again = engine.analyze_sentences([o.text for o in offered], rewrites=False)
            for o, a in zip(offered, again):
                o.reflagged = list(a.labels)
                o.faults = grammar_faults(o.text, it.text)
                o.rewriter_faults = own_check(o.text, it.text) if own_check else None
        records.append(Record(it.id, it.kind, list(it.labels), engine_labels, offered, ms))
    score_against_references(engine, items, records)
    return records


def _embed(engine, texts: list[str]):  # noqa: ANN001, ANN202
    embed = getattr(engine.classifier, "embed", None)
    return embed(texts) if embed is not None and texts else None


def score_against_references(engine, items: Sequence[DevItem], records: list[Record]) -> None:  # noqa: ANN001
    from sacrebleu.metrics import CHRF

    chrf = CHRF()
    tops = [(it, r) for it, r in zip(items, records) if r.top is not None]
    src = _embed(engine, [it.text for it, _ in tops])
    hyp = _embed(engine, [r.top.text for _, r in tops])
    for k, (it, r) in enumerate(tops):
        if src is not None:
            r.meaning = float(src[k] @ hyp[k])
        r.changed = words_changed(it.text, r.top.text)
        r.exact = normalise(r.top.text) in {normalise(x) for x in it.references}
        r.chrf = chrf.sentence_score(r.top.text, list(it.references)).score


def reference_rows(engine, items: Sequence[DevItem]) -> dict[str, dict[str, float]]:  # noqa: ANN001
    """The calibration row: the same measures for the first reference of every dev sentence."""
    refs = [it.references[0] for it in items]
    flagged = engine.analyze_sentences(refs, rewrites=False)
    src, hyp = _embed(engine, [it.text for it in items]), _embed(engine, refs)
    out: dict[str, dict[str, float]] = {}
    for group in ("real", "synthetic", "all"):
        idx = [i for i, it in enumerate(items) if group in ("all", it.kind)]
        if not idx:
            continue
        out[group] = {
            "grammar_pass": _share(not grammar_faults(refs[i], items[i].text) for i in idx),
            "meaning": statistics.fmean(float(src[i] @ hyp[i]) for i in idx) if src is not None else float("nan"),
            "words_changed": statistics.fmean(words_changed(items[i].text, refs[i]) for i in idx),
            "top_reflagged": _share(bool(flagged[i].labels) for i in idx),
        }
    return out


def _share(flags) -> float:  # noqa: ANN001
    flags = list(flags)
    return sum(map(bool, flags)) / len(flags) if flags else float("nan")


def _mean(values) -> float:  # noqa: ANN001
    values = [v for v in values if v is not None]
    return statistics.fmean(values) if values else float("nan")


def summarise(items: Sequence[DevItem], records: Sequence[Record]) -> dict[str, dict[str, float]]:
    from sacrebleu.metrics import BLEU, CHRF

    out: dict[str, dict[str, float]] = {}
    by_id = {it.id: it for it in items}
    for group in ("real", "synthetic", "all"):
        rs = [r for r in records if group in ("all", r.kind)]
        if not rs:
            continue
        offered = [r for r in rs if r.top is not None]
        every = [o for r in rs for o in r.offered]
        refs = [list(by_id[r.id].references) for r in rs]
        width = max(len(x) for x in refs)
        ref_streams = [[x[k] if k < len(x) else x[0] for x in refs] for k in range(width)]
        hyp = [r.top.text if r.top else by_id[r.id].text for r in rs]  # no rewrite: the user keeps the source
        src = [by_id[r.id].text for r in rs]
        own = [r.top.rewriter_faults for r in offered if r.top.rewriter_faults is not None]
        out[group] = {
            "sentences": len(rs),
            "engine_flags_source": _share(bool(r.engine_labels) for r in rs),
            "verified": _share(any(o.verified for o in r.offered) for r in rs),
            "top_verified": _share(r.top is not None and r.top.verified for r in rs),
            "any": _share(bool(r.offered) for r in rs),
            "grammar_pass": _share(not r.top.faults for r in offered),
            "grammar_pass_rewriter": _share(not f for f in own) if own else float("nan"),
            "meaning": _mean(r.meaning for r in offered),
            "words_changed": _mean(r.changed for r in offered),
            "exact": _share(r.exact for r in rs),
            "exact_offered": _share(r.exact for r in offered),
            "chrf_offered": _mean(r.chrf for r in offered),
            "chrf_with_fallback": CHRF().corpus_score(hyp, ref_streams).score,
            "chrf_source": CHRF().corpus_score(src, ref_streams).score,
            "bleu_with_fallback": BLEU().corpus_score(hyp, ref_streams).score,
            "bleu_source": BLEU().corpus_score(src, ref_streams).score,
            "top_reflagged": _share(bool(r.top.reflagged) for r in offered),
            "any_reflagged": _share(bool(o.reflagged) for o in every),
            "candidates_per_sentence": len(every) / len(rs),
            "ms_per_sentence": _mean(r.ms for r in rs),
        }
    return out


ROWS = [
    ("sentences", "dev sentences", "{:.0f}"),
    ("engine_flags_source", "engine flags the source", "{:.1%}"),
    ("verified", "with a verified rewrite", "{:.1%}"),
    ("top_verified", "top rewrite verified", "{:.1%}"),
    ("any", "with any rewrite", "{:.1%}"),
    ("grammar_pass", "grammar pass (bench checker), top", "{:.1%}"),
    ("grammar_pass_rewriter", "grammar pass (rewriter's check), top", "{:.1%}"),
    ("meaning", "meaning: cosine(top, source)", "{:.3f}"),
    ("words_changed", "words changed, top", "{:.1%}"),
    ("exact", "exact match with a reference (all)", "{:.1%}"),
    ("exact_offered", "exact match (offered only)", "{:.1%}"),
    ("chrf_offered", "chrF top vs refs (offered only)", "{:.1f}"),
    ("chrf_with_fallback", "chrF corpus (source where none)", "{:.1f}"),
    ("chrf_source", "chrF corpus, source unchanged", "{:.1f}"),
    ("bleu_with_fallback", "BLEU corpus (source where none)", "{:.1f}"),
    ("bleu_source", "BLEU corpus, source unchanged", "{:.1f}"),
    ("top_reflagged", "top rewrite flagged again", "{:.1%}"),
    ("any_reflagged", "any offered rewrite flagged again", "{:.1%}"),
    ("candidates_per_sentence", "candidates per sentence", "{:.2f}"),
    ("ms_per_sentence", "ms per Engine.rewrite", "{:.1f}"),
]


def print_table(summary: dict[str, dict[str, float]], title: str) -> None:
    groups = list(summary)
    print(f"\n{title}")
    print(f"{'':38}" + "".join(f"{g:>12}" for g in groups))
    for key, label, fmt in ROWS:
        if all(key not in summary[g] for g in groups):
            continue
        cells = []
        for g in groups:
            v = summary[g].get(key, float("nan"))
            cells.append(f"{'n/a' if v != v else fmt.format(v):>12}")
        print(f"{label:38}" + "".join(cells))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", help="data folder (default: $BIASLSP_DATA or ../shared/data)")
    ap.add_argument("--dev", type=Path, help="dev set file (default: benchmarks/rewrite_dev/dev.jsonl)")
    ap.add_argument("--limit", type=int, help="only the first N dev sentences")
    ap.add_argument("-n", type=int, help="candidates per sentence (default: the engine's)")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on a shared 2-core machine more threads only contend)")
    ap.add_argument("--rewriter", metavar="DIR", help="a local Hugging Face rewriter (LLM path) instead of the engine's own")
    ap.add_argument("--device", default="auto", help="with --rewriter: auto, cpu or cuda")
    ap.add_argument("--definitions", metavar="DIR", help="with --rewriter: <label>.txt category definitions for the prompt")
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--tops", type=Path, help="write every sentence's offered rewrites here (JSON lines)")
    args = ap.parse_args(argv)

    import torch

    from biaslsp.models import default_engine
    from biaslsp.models.training.data import data_dir

    torch.set_num_threads(args.threads)

    folder = data_dir(args.data)
    items = load(folder, args.dev) if args.dev else load(folder)
    items = items[: args.limit] if args.limit else items
    engine = default_engine()
    if args.rewriter:  # the LLM path: same classifier, same verification (Engine.verify via Engine.rewrite)
        from biaslsp.models import Engine
        from biaslsp.models.hf.common import resolve_device
        from biaslsp.models.hf.rewriter import load_rewriter

        device = resolve_device(args.device)
        engine = Engine(engine.classifier, load_rewriter(args.rewriter, device=device, definitions=args.definitions))
    engine.rewrite("Warm-up sentence for the young rockstar.")
    t0 = time.perf_counter()
    records = run(engine, items, args.n)
    elapsed = time.perf_counter() - t0
    summary = summarise(items, records)
    refs = reference_rows(engine, items)
    checker = "yes" if rewriter_grammar() else "no (bench checker only)"
    print(f"rewrite dev set: {len(items)} sentences from {folder}; engine {engine.classifier.name} + {engine.rewriter.name}; "
          f"rewriter grammar check: {checker}; {elapsed:.1f} s")
    print_table(summary, "engine rewrites")
    print_table(refs, "calibration: the references themselves (first reference; 'top' rows read 'reference')")
    if args.json:
        args.json.write_text(json.dumps({"engine": summary, "references": refs, "rewriter": engine.rewriter.name,
                                         "classifier": engine.classifier.name}, indent=2) + "\n", encoding="utf-8")
    if args.tops:
        with args.tops.open("w", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
