"""Read the training and evaluation data from ../shared/data (never copied into the repo).

Passages carry labels; a sentence model needs sentence targets. A sentence of a
positive passage is a positive when it contains a phrase quoted in that label's
analysis (or a listed term); other sentences of a positive passage are unknown for
that label and left out of its loss; every sentence of a negative passage is a negative.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DataError
from ..labels import LABELS
from ..text.segment import split_sentences

DATA_ENV = "BIASLSP_DATA"
TRAIN_FILES = (
    "train-polarity-synthetic.parquet",
    "train-gpt4-feminine.parquet",
    "train-gpt4-masculine.parquet",
)
VAL_FILE = "val.parquet"
_QUOTED = re.compile(r"[\"“”'‘’]([^\"“”]{3,160}?)[\"“”'‘’](?=[\s,.;:)!?]|$)")
_NORM = re.compile(r"[^a-z0-9]+")


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data folder: an explicit path, $BIASLSP_DATA, or ../shared/data beside the project."""
    candidates = [explicit, os.environ.get(DATA_ENV)]
    here = Path(__file__).resolve().parent.parent.parent
    candidates += [here.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for c in candidates:
        if c and Path(c).is_dir():
            return Path(c)
    raise DataError(f"data folder not found: pass --data or set ${DATA_ENV} (looked for {explicit or '../shared/data'})")


@dataclass
class Passage:
    id: str
    text: str
    labels: frozenset[str]
    synthetic: bool
    phrases: dict[str, list[str]] = field(default_factory=dict)  # label -> quoted phrases


def _norm(s: str) -> str:
    return " " + _NORM.sub(" ", s.lower()).strip() + " "


def quoted_phrases(analysis: object) -> list[str]:
    """Phrases an annotator quoted in an analysis text."""
    if not isinstance(analysis, str):
        return []
    return [p.strip() for p in _QUOTED.findall(analysis) if len(p.strip()) >= 3]


def read_passages(path: str | os.PathLike[str]) -> list[Passage]:
    """Load one benchmark-style parquet file as passages."""
    import pandas as pd

    p = Path(path)
    if not p.is_file():
        raise DataError(f"no such data file: {p}")
    try:
        df = pd.read_parquet(p)
    except Exception as exc:  # pyarrow raises many kinds
        raise DataError(f"cannot read {p}: {exc}") from exc
    if "text" not in df.columns:
        raise DataError(f"{p} has no 'text' column")
    out = []
    for i, row in enumerate(df.itertuples(index=False)):
        r = row._asdict()
        labels = frozenset(l for l in LABELS if bool(r.get(f"label_{l}", False)))
        phrases = {l: quoted_phrases(r.get(f"analysis_{l}")) for l in labels}
        synthetic = bool(r.get("synthetic", str(r.get("id", "")).startswith("Synthetic")))
        out.append(Passage(str(r.get("id", r.get("document_id", i))), str(r["text"]), labels, synthetic, phrases))
    return out


def read_training_passages(folder: Path) -> list[Passage]:
    passages: list[Passage] = []
    for name in TRAIN_FILES:
        passages += read_passages(folder / name)
    return passages


@dataclass
class SentenceExample:
    text: str
    passage: int  # index of the passage it came from
    targets: dict[str, float]  # label -> 1.0 / 0.0; a label absent here is unknown


def sentence_examples(passages: list[Passage]) -> list[SentenceExample]:
    """Derive sentence targets from passage labels and quoted phrases."""
    examples = []
    for pi, p in enumerate(passages):
        sents = split_sentences(p.text)
        normed = [_norm(s.text) for s in sents]
        for si, s in enumerate(sents):
            targets: dict[str, float] = {}
            for label in LABELS:
                if label not in p.labels:
                    targets[label] = 0.0
                    continue
                if any(len(_norm(ph)) > 4 and _norm(ph) in normed[si] for ph in p.phrases.get(label, [])):
                    targets[label] = 1.0
            examples.append(SentenceExample(s.text, pi, targets))
    return examples


_ITEM = re.compile(r"\[Term \d+\]\[(.*?)\](?=,?\s*(?:\n|\[Term|$))", re.S)


def read_phrase_examples(folder: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """(term, label, suggested replacements) listed for the machine-labelled real job-ad phrases (weak, noisy)."""
    import pandas as pd

    df = pd.read_parquet(folder / "train-gpt4o-machine-labelled.parquet")
    out = []
    for label in LABELS:
        terms_col, sugg_col = f"terms_list_{label}", f"suggestions_list_{label}"
        if terms_col not in df.columns:
            continue
        for terms, suggestions in zip(df[terms_col], df.get(sugg_col, [None] * len(df))):
            if not isinstance(terms, str):
                continue
            term_items = [re.findall(r'"(.*?)"', t) for t in _ITEM.findall(terms)]
            sugg_items = [tuple(re.findall(r'"(.*?)"', t)) for t in _ITEM.findall(suggestions)] if isinstance(suggestions, str) else []
            for i, found in enumerate(term_items):
                if found and found[0].strip():
                    out.append((found[0].strip(), label, sugg_items[i] if i < len(sugg_items) else ()))
    return out


def augmented_examples() -> list[tuple[str, dict[str, float]]]:
    """Sentence targets made from the curated terms, plus harmless uses of the same words.

    Real job ads use many listed terms that the synthetic passages rarely contain
    ("rockstar", "he/she"); single-sentence examples teach the model those words in
    context, and the harmless sentences keep it from flagging every "young" or
    "competitive".
    """
    from ..detection.curated_terms import CURATED, HARMLESS_CONTEXTS, PRONOUN_TEMPLATES, PRONOUNS, TERM_TEMPLATES

    out: list[tuple[str, dict[str, float]]] = []
    for term, (label, _) in CURATED.items():
        templates = PRONOUN_TEMPLATES[PRONOUNS[term]] if term in PRONOUNS else TERM_TEMPLATES
        for t in templates:
            text = t.format(term=term)
            text = text[0].upper() + text[1:]
            out.append((text, {l: float(l == label) for l in LABELS}))
    out += [(s, {l: 0.0 for l in LABELS}) for s in HARMLESS_CONTEXTS]
    return out


REAL_ADS = "train-gpt4o-machine-labelled.parquet"


def real_negatives(folder: Path, n: int, seed: int = 13, exclude_rows: set[int] | frozenset[int] = frozenset()) -> list[tuple[str, dict[str, float]]]:
    """Sentences of real job ads with no bias signal, as all-negative examples.

    The training files are synthetic and val's real passages are mostly positives, so the model
    learnt "reads like a real job ad" as a hint of age or general bias: on random real ads, 90% of
    the flags that no listed term or phrase rule backed were wrong. Sentences of the machine-
    labelled real ads whose row carries no label and which hold no listed term and no strong
    phrase of any label teach it that ordinary job-ad prose is neutral. `exclude_rows` keeps the
    rows this project annotated (models/annotations) out, so the precision check stays held out.
    """
    import random

    import pandas as pd

    from ..detection.consistency import safe_ranges, strong_hits
    from ..detection.terms import load_terms

    df = pd.read_parquet(folder / REAL_ADS)
    flagged = df[[f"label_{l}" for l in LABELS]].fillna(False).astype(bool).any(axis=1)
    terms = load_terms()
    pool = []
    for row, (text, bad) in enumerate(zip(df["text"].astype(str), flagged)):
        if bad or row in exclude_rows:
            continue
        for s in split_sentences(text):
            if len(s.text.split()) < 4 or len(s.text) > 400:
                continue
            if strong_hits(s.text) or safe_ranges(s.text) or terms.find(s.text, LABELS):
                continue
            pool.append(s.text)
    pool = sorted(set(pool))
    picked = random.Random(seed).sample(pool, min(n, len(pool)))
    return [(t, {l: 0.0 for l in LABELS}) for t in picked]
