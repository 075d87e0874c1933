"""A TF-IDF n-gram linear model: the lexical half of the embedded ensemble.

It reproduces scikit-learn's TfidfVectorizer (lowercase, word 1-2-grams, sublinear tf,
smooth idf, l2 norm) with a plain dictionary, so running it needs neither sklearn nor
pickles; training (models/train.py) fits it with sklearn and exports the numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
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

    def logits(self, sentences: Sequence[str]) -> np.ndarray:
        out = np.tile(self.bias, (len(sentences), 1))
        for i, s in enumerate(sentences):
            counts = Counter(self.vocab[g] for g in ngrams(s) if g in self.vocab)
            if not counts:
                continue
            idx = np.fromiter(counts.keys(), dtype=np.int64)
            vals = np.array([1.0 + math.log(c) for c in counts.values()], dtype=np.float32) * self.idf[idx]
            vals /= np.linalg.norm(vals) or 1.0
            out[i] += vals @ self.weight[idx]
        return out

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
