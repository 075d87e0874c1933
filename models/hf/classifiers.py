"""Hugging Face classifier backends (local directories only).

* Seq2SeqLabelClassifier: the benchmark authors' flan-t5 (+ LoRA) that *generates*
  comma-separated label names. Its output is parsed; per-label scores come from the
  likelihood of each label string as the answer: a generated label scores
  0.5 + 0.5 p, any other 0.5 p (p = geometric-mean token probability), so the 0.5
  threshold reproduces exactly what the model generated and scores still rank.
* SequenceClassifier: a multi-label AutoModelForSequenceClassification (sigmoid),
  optionally with a PEFT adapter.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Sequence
from typing import Any

from ..errors import ModelLoadError
from ..labels import LABELS
from .common import MAX_INPUT_TOKENS, load_model, load_tokenizer, model_dir, short_name

BATCH = 32
_SPLIT = re.compile(r"[,;\n|]+")


def parse_labels(text: str) -> tuple[str, ...]:
    """Label names in a generated answer ('age, masculine'); unknown words and 'neutral' are ignored."""
    found = {part.strip().strip(".\"'").lower() for part in _SPLIT.split(text)}
    return tuple(l for l in LABELS if l in found)


def _by_length(sentences: Sequence[str], batch: int) -> list[list[int]]:
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    return [order[k : k + batch] for k in range(0, len(order), batch)]


class Seq2SeqLabelClassifier:
    """A seq2seq model that answers with label names; see the module docstring for scores."""

    thresholds = {l: 0.5 for l in LABELS}
    labels = LABELS

    def __init__(self, model: Any, tokenizer: Any, name: str, device: str, max_new_tokens: int = 24) -> None:
        import torch

        self.model, self.tokenizer, self.name, self.device = model, tokenizer, name, device
        self.max_new_tokens = max_new_tokens
        self._torch = torch
        ids = [tokenizer(l, add_special_tokens=False)["input_ids"] for l in LABELS]
        if any(not t for t in ids):
            raise ModelLoadError("the tokenizer cannot encode every label name")
        width = max(len(t) for t in ids)
        self._label_ids = torch.tensor([t + [-100] * (width - len(t)) for t in ids], device=device)

    def predict(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        out: list[dict[str, float] | None] = [None] * len(sentences)
        with self._torch.inference_mode():
            for idx in _by_length(sentences, BATCH):
                for i, sc in zip(idx, self._predict_batch([sentences[i] or " " for i in idx])):
                    out[i] = sc
        return out  # type: ignore[return-value]

    def generate_labels(self, sentences: Sequence[str]) -> list[tuple[str, ...]]:
        """What the model answers for each sentence, parsed."""
        with self._torch.inference_mode():
            enc = self._encode(sentences)
            return [parse_labels(t) for t in self._generate(enc)]

    def _encode(self, sentences: Sequence[str]) -> Any:
        return self.tokenizer(list(sentences), padding=True, truncation=True, max_length=MAX_INPUT_TOKENS,
                              return_tensors="pt").to(self.device)

    def _generate(self, enc: Any) -> list[str]:
        ids = self.model.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                                  max_new_tokens=self.max_new_tokens, do_sample=False, num_beams=1)
        return self.tokenizer.batch_decode(ids, skip_special_tokens=True)

    def _predict_batch(self, sentences: list[str]) -> list[dict[str, float]]:
        enc = self._encode(sentences)
        generated = [parse_labels(t) for t in self._generate(enc)]
        probs = self.label_likelihoods(enc)
        return [
            {l: float(0.5 + 0.5 * p if l in gen else 0.5 * p) for l, p in zip(LABELS, row)}
            for gen, row in zip(generated, probs.tolist())
        ]

    def label_likelihoods(self, enc: Any) -> Any:
        """[batch, labels] geometric-mean probability of each label string as the answer."""
        torch = self._torch
        n_labels = len(LABELS)
        encoder = self.model.get_encoder()
        hidden = encoder(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"]).last_hidden_state
        b = hidden.shape[0]
        labels = self._label_ids.repeat(b, 1)
        out = self.model(
            encoder_outputs=(hidden.repeat_interleave(n_labels, 0),),
            attention_mask=enc["attention_mask"].repeat_interleave(n_labels, 0),
            labels=labels,
        )
        logp = torch.log_softmax(out.logits.float(), -1)
        mask = labels != -100
        tok = logp.gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1) * mask
        mean = tok.sum(-1) / mask.sum(-1)
        return mean.exp().view(b, n_labels)


class SequenceClassifier:
    """Multi-label sequence classifier: one sigmoid per label."""

    labels = LABELS

    def __init__(self, model: Any, tokenizer: Any, name: str, device: str, columns: dict[str, int]) -> None:
        import torch

        self.model, self.tokenizer, self.name, self.device = model, tokenizer, name, device
        self.columns = columns  # label -> output column
        self.thresholds = {l: 0.5 for l in LABELS}
        self._torch = torch
        self._token_types = "token_type_ids" in inspect.signature(model.forward).parameters

    def predict(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        torch = self._torch
        out: list[dict[str, float] | None] = [None] * len(sentences)
        with torch.inference_mode():
            for idx in _by_length(sentences, BATCH):
                enc = self.tokenizer([sentences[i] or " " for i in idx], padding=True, truncation=True,
                                     max_length=MAX_INPUT_TOKENS, return_tensors="pt").to(self.device)
                if not self._token_types:
                    enc.pop("token_type_ids", None)
                probs = torch.sigmoid(self.model(**enc).logits.float()).tolist()
                for i, row in zip(idx, probs):
                    out[i] = {l: (row[c] if c is not None else 0.0) for l, c in self.columns.items()}
        return out  # type: ignore[return-value]


def label_columns(id2label: dict[int, str] | None, num_labels: int) -> dict[str, int | None]:
    """Map our labels to the model's output columns from config.id2label."""
    names = {int(i): str(n).strip().lower() for i, n in (id2label or {}).items()}
    if names and set(names.values()) & set(LABELS):
        unknown = sorted(n for n in names.values() if n not in LABELS and n != "neutral")
        if unknown:
            raise ModelLoadError(f"the classifier has labels biaslsp does not know: {', '.join(unknown[:5])}")
        by_name = {n: i for i, n in names.items()}
        return {l: by_name.get(l) for l in LABELS}
    if num_labels == len(LABELS):  # generic LABEL_0.. names: assume biaslsp's label order
        return {l: i for i, l in enumerate(LABELS)}
    raise ModelLoadError(f"the classifier has {num_labels} outputs with no label names; expected {len(LABELS)} ({', '.join(LABELS)})")


def load_classifier(
    path: str | os.PathLike[str], *, adapter: str | os.PathLike[str] | None = None, device: str = "cpu", quantize: str = "none"
) -> Seq2SeqLabelClassifier | SequenceClassifier:
    """Pick the backend from the model's config and load it (adapter merged when not quantised)."""
    from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoModelForSequenceClassification

    folder = model_dir(path, "classifier")
    try:
        config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"classifier {folder}: unreadable config: {exc}") from None
    name = short_name(folder) + (f"+{short_name(adapter)}" if adapter else "")
    tokenizer = load_tokenizer(folder)
    architectures = config.architectures or []
    if getattr(config, "is_encoder_decoder", False):
        model = load_model(AutoModelForSeq2SeqLM, folder, device=device, quantize=quantize, adapter=adapter)
        return Seq2SeqLabelClassifier(model, tokenizer, f"hf-seq2seq:{name}", device)
    if any(a.endswith("ForSequenceClassification") for a in architectures) or config.id2label:
        columns = label_columns(config.id2label, config.num_labels)
        model = load_model(AutoModelForSequenceClassification, folder, device=device, quantize=quantize, adapter=adapter)
        return SequenceClassifier(model, tokenizer, f"hf-seqcls:{name}", device, columns)
    raise ModelLoadError(f"classifier {folder}: neither a seq2seq model nor a sequence classifier ({architectures})")
