"""The embedded default classifier: MiniLM token states with a trained attention-pooling head,
blended with a TF-IDF n-gram model, on onnxruntime + tokenizers + numpy.

Everything it reads ships in models/weights/: the encoder as `encoder.onnx` + `embeddings.safetensors`
(all-MiniLM-L6-v2, weights stored as float16, arithmetic float32, written by `biaslsp export-onnx`, models/embedded/onnx_export.py),
`tokenizer.json`, the heads (`classifier.safetensors`) and the lexical model. No torch: loading
takes well under a second where torch + transformers took ~10 s. The torch original
(models/embedded/torch_reference.py) is what training encodes with and what tests compare against.

The two halves see different things: the encoder the meaning ("young company" vs "young
candidates"), the n-grams exact wording; their averaged probabilities beat either alone on the
validation split.
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelLoadError
from ..labels import LABELS
from .lexical import LexicalModel
from .onnx_export import EMBEDDINGS_FILE, ENCODER_FILE, TOKENIZER_FILE, WEIGHT_FILES  # the files the export writes

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights"
MAX_TOKENS = 96
BATCH = 32


class Encoder:
    """all-MiniLM-L6-v2's layers on onnxruntime; word embeddings looked up in numpy from an int8 table."""

    def __init__(self, folder: Path, threads: int | None = None) -> None:
        import onnxruntime as ort
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        missing = [n for n in (ENCODER_FILE, *WEIGHT_FILES, EMBEDDINGS_FILE, TOKENIZER_FILE) if not (folder / n).is_file()]
        if missing:
            raise ModelLoadError(f"{folder} has no {', '.join(missing)} (run `biaslsp export-onnx --model {folder}`)")
        table = load_file(str(folder / EMBEDDINGS_FILE))
        self.words, self.word_scale = table["word_int8"], table["word_scale"]
        self.position_and_type = table["position"] + table["token_type"][0]  # every sentence is segment 0
        options = ort.SessionOptions()
        options.log_severity_level = 3
        # idle pool threads sleep instead of spinning: on a shared 2-core machine spinning threads
        # fought the editor, the server's event loop and each other
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(folder / ENCODER_FILE), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER_FILE))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, viewed: Sequence[str]) -> tuple[np.ndarray, np.ndarray, list]:
        """Last-layer token states (batch x length x 384), attention mask and tokenizer encodings."""
        enc = self.tokenizer.encode_batch(list(viewed))
        ids = np.array([e.ids for e in enc], dtype=np.int64)
        mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
        emb = self.words[ids].astype(np.float32) * self.word_scale[ids][..., None] + self.position_and_type[: ids.shape[1]]
        (hidden,) = self.session.run(None, {"embeddings": emb, "attention_mask": mask})
        return hidden, mask, enc


class HeadEnsemble:
    """The attention-pooling token heads (models/embedded/token_head.py) in numpy, for inference.

    Each head maps every token to a logit and an attention score per label; a per-label
    softmax over the sentence's tokens weights the logits. The ensemble's probability is the
    mean of its heads' (clipped like torch.logit's eps, so both paths give the same numbers).
    """

    def __init__(self, tensors: dict[str, np.ndarray], heads: int, labels: int) -> None:
        members = [{k.removeprefix(f"members.{i}."): v.astype(np.float32) for k, v in tensors.items() if k.startswith(f"members.{i}.")} for i in range(heads)]
        expected = {"mlp.0.weight", "mlp.0.bias", "mlp.3.weight", "mlp.3.bias"}
        if any(set(m) != expected for m in members) or len(tensors) != 4 * heads:
            raise ValueError(f"expected {heads} head(s) of {sorted(expected)}, found {sorted(tensors)[:6]}")
        if any(m["mlp.3.weight"].shape[0] != 2 * labels for m in members):
            raise ValueError(f"a head's output does not fit {labels} labels")
        self.labels, self.heads = labels, heads
        self.w0 = np.concatenate([m["mlp.0.weight"].T for m in members], axis=1)  # dim x (heads*hidden): one matmul for all heads
        self.b0 = np.concatenate([m["mlp.0.bias"] for m in members])
        self.w3 = [m["mlp.3.weight"].T for m in members]
        self.b3 = [m["mlp.3.bias"] for m in members]

    def _token_outputs(self, states: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per head: (logits, attention scores), each tokens x labels."""
        h = states @ self.w0 + self.b0
        h = 0.5 * h * (1.0 + _erf(h / np.sqrt(2.0)))  # exact GELU, as torch.nn.GELU()
        size = h.shape[1] // self.heads
        out = []
        for i in range(self.heads):
            o = h[:, i * size : (i + 1) * size] @ self.w3[i] + self.b3[i]
            out.append((o[:, : self.labels], o[:, self.labels :]))
        return out

    def attention(self, states: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """One sentence's tokens (tokens x dim) -> per head: (logits, softmax weights), tokens x labels."""
        out = []
        for logit, score in self._token_outputs(states):
            w = np.exp(score - score.max(axis=0, keepdims=True))
            out.append((logit, w / w.sum(axis=0, keepdims=True)))
        return out

    def probabilities(self, states: np.ndarray) -> np.ndarray:
        """One sentence's tokens (tokens x dim) -> its label probabilities."""
        probs = [_sigmoid((w * logit).sum(axis=0)) for logit, w in self.attention(states)]
        if len(probs) == 1:
            return probs[0]
        return np.clip(np.mean(probs, axis=0), 1e-7, 1 - 1e-7)


class EmbeddedClassifier:
    """Classifier backend that runs on CPU with files that pip installed (no torch)."""

    def __init__(self, encoder: Encoder, head: HeadEnsemble, config: dict, lexical: LexicalModel | None = None) -> None:
        self.encoder = encoder
        self.head = head
        self.lexical = lexical
        self.blend = str(config.get("blend", "mean"))  # how the two halves' probabilities combine
        self.tokenizer = encoder.tokenizer
        self.config = config
        self.labels = tuple(config.get("labels", LABELS))
        self.thresholds = {l: float(config.get("thresholds", {}).get(l, 0.5)) for l in self.labels}
        # model-only flags need this score (models/engine.py: Engine.labels_of); None: no gate
        self.evidence_gate = None if config.get("evidence_gate") is None else float(config["evidence_gate"])
        self.name = f"embedded:{config.get('version', 'dev')}"

    @classmethod
    def load(cls, weights: str | os.PathLike[str] | None = None, *, threads: int | None = None) -> EmbeddedClassifier:
        """Load the shipped model (or one written by `biaslsp train --out DIR`)."""
        from safetensors.numpy import load_file

        folder, config = read_config(weights)
        if config.get("pooling") != "attention":
            raise ModelLoadError(f"{folder} holds a model of an older format (pooling {config.get('pooling', 'mean')!r}); retrain it with `biaslsp train`")
        tensors = load_file(str(folder / "classifier.safetensors"))
        state = {k.removeprefix("head."): v for k, v in tensors.items() if k.startswith("head.")}
        if "heads" not in config:  # written before ensembles: one head, saved without a member index
            state = {f"members.0.{k}": v for k, v in state.items()}
        try:
            head = HeadEnsemble(state, int(config.get("heads", 1)), len(config.get("labels", LABELS)))
        except ValueError as exc:  # a config and weights that do not belong together
            raise ModelLoadError(f"{folder}: classifier.safetensors does not fit config.json ({exc}); retrain it with `biaslsp train`") from exc
        encoder = Encoder(folder, threads)
        lexical = LexicalModel.load(folder) if config.get("lexical") else None
        return cls(encoder, head, config, lexical)

    def _batches(self, sentences: Sequence[str]):  # noqa: ANN202 - yields (indices, hidden, mask, encodings)
        """Sentences in length-sorted batches (little padding) in their English view, encoded."""
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        for k in range(0, len(order), BATCH):
            idx = order[k : k + BATCH]
            viewed = [_model_input(sentences[i]) for i in idx]
            hidden, mask, enc = self.encoder.encode(viewed)
            yield idx, viewed, hidden, mask, enc

    def predict(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        return self.predict_and_embed(sentences)[0]

    def embed(self, sentences: Sequence[str]) -> np.ndarray:
        """float32 [n, 384]: the L2-normalised mean of the last-layer token states over the attention mask."""
        return self.predict_and_embed(sentences)[1]

    def predict_and_embed(self, sentences: Sequence[str]) -> tuple[list[dict[str, float]], np.ndarray]:
        """`predict` and `embed` from one encoder pass (rewrite verification needs both)."""
        out: list[dict[str, float] | None] = [None] * len(sentences)
        emb = np.zeros((len(sentences), self.head.w0.shape[0]), dtype=np.float32)
        for idx, viewed, hidden, mask, _ in self._batches(sentences):
            probs = np.stack([self.head.probabilities(hidden[j, : mask[j].sum()]) for j in range(len(idx))])
            if self.lexical is not None:  # the lexical half reads the same view
                probs = combine(probs, 1.0 / (1.0 + np.exp(-self.lexical.logits(viewed))), self.blend)
            for i, p in zip(idx, probs.tolist()):
                out[i] = dict(zip(self.labels, p))
            m = mask[..., None].astype(np.float32)
            mean = (hidden * m).sum(1) / np.maximum(m.sum(1), 1.0)
            emb[idx] = mean / np.maximum(np.linalg.norm(mean, axis=1, keepdims=True), 1e-12)
        return out, emb  # type: ignore[return-value]

    def token_attention(self, sentences: Sequence[str]) -> list[tuple[list[tuple[int, int]], np.ndarray]]:
        """Per sentence: character offsets of each word-piece token (no [CLS]/[SEP]) and float32
        [labels, tokens], each label's attention weight on each token averaged over the heads
        (the softmax runs over all the sentence's tokens, [CLS]/[SEP] included)."""
        out: list = [None] * len(sentences)
        for idx, _, hidden, mask, enc in self._batches(sentences):
            for j, i in enumerate(idx):
                n = int(mask[j].sum())
                weights = np.mean([w for _, w in self.head.attention(hidden[j, :n])], axis=0).T  # labels x tokens
                keep = [t for t in range(n) if not enc[j].special_tokens_mask[t]]
                out[i] = ([tuple(enc[j].offsets[t]) for t in keep], weights[:, keep].astype(np.float32))
        return out

    def token_states(self, sentences: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The encoder's token states of each sentence's English view, flat without padding, and tokens per sentence."""
        viewed = [_model_input(s) for s in sentences]
        hidden, mask, _ = self.encoder.encode(viewed)
        return hidden[mask.astype(bool)], mask.sum(1)

    def attribute(self, sentence: str, labels: Sequence[str]) -> list[tuple[int, int, str]]:
        """Which words carry each label, from the lexical half's n-gram weights (no extra model run)."""
        return self.lexical.attribute(sentence, labels, self.labels) if self.lexical is not None else []


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _erf(x: np.ndarray) -> np.ndarray:
    """erf without scipy: Abramowitz & Stegun 7.1.26 in float64 (error below 1.5e-7)."""
    z = np.abs(x.astype(np.float64))
    t = 1.0 / (1.0 + 0.3275911 * z)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return (np.sign(x) * (1.0 - poly * np.exp(-z * z))).astype(np.float32)



def read_config(weights: str | os.PathLike[str] | None = None) -> tuple[Path, dict]:
    """The model folder (the shipped one by default) and its config.json; both runtimes start here."""
    folder = Path(weights) if weights else WEIGHTS_DIR
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise ModelLoadError(f"no trained model in {folder} (run `biaslsp train --out {folder}`)")
    return folder, json.loads(cfg_path.read_text(encoding="utf-8"))


def english_view(text: str) -> str:
    """The sentence as the model reads it: emoji, other symbols and letters of non-Latin
    scripts become spaces.

    The model is English-only and no training sentence contains such letters; one CJK or
    Greek word ("招聘 Native English speaker required.") or a few emoji moved the embedding
    where the head had never been trained and silenced every label. Offsets are unaffected:
    only the model's input changes, never the text the engine reports on.
    """
    return "".join(" " if _foreign(ch) else ch for ch in text)


def _model_input(text: str) -> str:
    """The English view, never empty: the tokenizer needs something to encode."""
    return english_view(text) or " "


def _foreign(ch: str) -> bool:
    cat = unicodedata.category(ch)
    if cat in ("So", "Co", "Cn", "Cs"):  # emoji and pictographs, private use, unassigned, lone surrogates
        return True
    return cat[0] in "LM" and ord(ch) >= 0x250 and not 0x1E00 <= ord(ch) <= 0x1EFF  # beyond the Latin blocks


def combine(a: np.ndarray, b: np.ndarray, mode: str) -> np.ndarray:
    """Blend the two halves: the mean, or the geometric mean (both halves must agree)."""
    if mode == "geometric":
        return np.sqrt(np.clip(a, 0.0, 1.0) * np.clip(b, 0.0, 1.0))
    return (a + b) / 2.0
