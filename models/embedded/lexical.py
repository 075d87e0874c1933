"""A TF-IDF n-gram linear model: the lexical half of the embedded ensemble.

It reproduces scikit-learn's TfidfVectorizer (lowercase, word 1-2-grams, sublinear tf,
smooth idf, l2 norm) with a plain dictionary, so running it needs neither sklearn nor
pickles; training (models/training/train.py) fits it with sklearn and exports the numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

TOKEN = re.compile(r"(?u)\b\w\w+\b")


def ngrams(text: str) -> list[str]:
    words = TOKEN.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:])]


class LexicalModel:
    def __init__(self, vocab: dict[str, int], idf: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> None:
        self.vocab = vocab
        self.idf = idf.astype(np.float32)
        self.weight = weight.astype(np.float32)  # (features, labels)
        self.bias = bias.astype(np.float32)

    def _tfidf(self, grams: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vocabulary indices of the known n-grams and their l2-normalised sublinear tf-idf values."""
        counts = Counter(self.vocab[g] for g in grams if g in self.vocab)
        idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        vals = np.array([1.0 + math.log(c) for c in counts.values()], dtype=np.float32) * self.idf[idx]
        vals /= np.linalg.norm(vals) or 1.0
        return idx, vals

    def logits(self, sentences: Sequence[str]) -> np.ndarray:
        out = np.tile(self.bias, (len(sentences), 1))
        for i, s in enumerate(sentences):
            idx, vals = self._tfidf(ngrams(s))
            if len(idx):
                out[i] += vals @ self.weight[idx]
        return out

    def attribute(self, sentence: str, labels: Sequence[str], order: Sequence[str]) -> list[tuple[int, int, str]]:
        """(start, end, label) of the strongest n-gram of each label (`order`: the model's label order)."""
        out = []
        for label in labels:
            found = self.strongest_ngram(sentence, list(order).index(label))
            if found:
                out.append((found[0], found[1], label))
        return out

    def strongest_ngram(self, sentence: str, label: int) -> tuple[int, int] | None:
        """Character range of the 1-2-gram that adds most to `label`'s logit (None if none adds)."""
        words = [(m.start(), m.end(), m.group().lower()) for m in TOKEN.finditer(sentence)]
        grams = words + [(a[0], b[1], f"{a[2]} {b[2]}") for a, b in zip(words, words[1:])]
        idx, vals = self._tfidf(g for _, _, g in grams)
        gain = dict(zip(idx.tolist(), (vals * self.weight[idx, label]).tolist()))
        best, best_gain = None, 0.0
        for s, e, g in grams:
            i = self.vocab.get(g)
            if i is not None and gain[i] > best_gain:
                best, best_gain = (s, e), gain[i]
        return best

    def save(self, folder: Path) -> None:
        from safetensors.numpy import save_file

        (folder / "lexical_vocab.json").write_text(json.dumps(sorted(self.vocab, key=self.vocab.__getitem__)), encoding="utf-8")
        save_file({"idf": self.idf, "weight": self.weight.astype(np.float16), "bias": self.bias}, str(folder / "lexical.safetensors"))

    @classmethod
    def load(cls, folder: Path) -> LexicalModel:
        from safetensors.numpy import load_file

        terms = json.loads((folder / "lexical_vocab.json").read_text(encoding="utf-8"))
        t = load_file(str(folder / "lexical.safetensors"))
        return cls({g: i for i, g in enumerate(terms)}, t["idf"], t["weight"], t["bias"])
