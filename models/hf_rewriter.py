"""A generative rewriter on a local Hugging Face model (causal LM with a chat template, or seq2seq).

It is prompted to rewrite the sentence without the flagged bias and keep its meaning.
`stream` yields the greedy rewrite token by token (the server forwards them as
rewrite.delta frames); `candidates` returns the greedy rewrite plus sampled ones. The
engine re-classifies every candidate (Engine.verify), so a bad generation never ranks
as a verified fix.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Sequence
from typing import Any

from .errors import ModelLoadError
from .hf_common import MAX_INPUT_TOKENS, load_model, load_tokenizer, model_dir, short_name
from .types import Span

PROMPT = (
    "Rewrite this sentence from a job ad so that it has no {labels} bias{words}. "
    "Keep its meaning and answer with the rewritten sentence only.\nSentence: {sentence}"
)


def build_prompt(sentence: str, spans: Sequence[Span]) -> str:
    labels = sorted({s.label for s in spans}) or ["hidden"]
    words = sorted({s.text for s in spans if s.source != "sentence"})
    quoted = f" (the problem: {', '.join(repr(w) for w in words)})" if words else ""
    return PROMPT.format(labels=" or ".join(labels), words=quoted, sentence=sentence)


def clean(text: str) -> str:
    """First line of a generation, without quotes or a 'Rewritten:' lead-in."""
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    for lead in ("Rewritten sentence:", "Rewrite:", "Sentence:"):
        if line.lower().startswith(lead.lower()):
            line = line[len(lead):].strip()
    return line.strip("\"'“”").strip()


class HFRewriter:
    """StreamingRewriter over `model.generate`."""

    def __init__(self, model: Any, tokenizer: Any, name: str, device: str, *, causal: bool, max_new_tokens: int = 128) -> None:
        self.model, self.tokenizer, self.name, self.device = model, tokenizer, name, device
        self.causal = causal
        self.max_new_tokens = max_new_tokens
        self.chat = causal and bool(getattr(tokenizer, "chat_template", None))
        self._lock = threading.Lock()  # one generate at a time on one model

    def _inputs(self, sentence: str, spans: Sequence[Span]) -> dict[str, Any]:
        prompt = build_prompt(sentence, spans)
        if self.chat:
            enc = self.tokenizer.apply_chat_template(
                [{"role": "user", "content": prompt}], add_generation_prompt=True, return_tensors="pt", return_dict=True
            )
        elif self.causal:
            enc = self.tokenizer(prompt + "\nRewritten sentence:", return_tensors="pt")
        else:
            enc = self.tokenizer(prompt, return_tensors="pt", truncation=True, max_length=MAX_INPUT_TOKENS)
        return {k: v.to(self.device) for k, v in enc.items() if k in ("input_ids", "attention_mask")}

    def _budget(self, sentence: str) -> int:
        return min(self.max_new_tokens, 2 * len(self.tokenizer(sentence, add_special_tokens=False)["input_ids"]) + 16)

    def _gen_kwargs(self, sentence: str) -> dict[str, Any]:
        tok = self.tokenizer
        pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        # a rewrite never contains padding or unknown-word tokens: do not let a weak model emit them
        suppress = sorted({t for t in (tok.pad_token_id, tok.unk_token_id) if t is not None and t != tok.eos_token_id})
        kwargs = {"max_new_tokens": self._budget(sentence), "min_new_tokens": 2, "pad_token_id": pad}
        return {**kwargs, "suppress_tokens": suppress} if suppress else kwargs

    def candidates(self, sentence: str, spans: Sequence[Span], n: int) -> list[str]:
        import torch

        if n < 1:
            return []
        enc = self._inputs(sentence, spans)
        with self._lock, torch.inference_mode():
            ids = [self.model.generate(**enc, do_sample=False, **self._gen_kwargs(sentence))]
            if n > 1:
                ids.append(self.model.generate(**enc, do_sample=True, top_p=0.9, temperature=0.8,
                                               num_return_sequences=n - 1, **self._gen_kwargs(sentence)))
        start = enc["input_ids"].shape[1] if self.causal else 0
        texts = [clean(t) for batch in ids for t in self.tokenizer.batch_decode(batch[:, start:], skip_special_tokens=True)]
        return [t for t in dict.fromkeys(texts) if t and t != sentence][:n]

    def stream(self, sentence: str, spans: Sequence[Span]) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        enc = self._inputs(sentence, spans)
        streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=self.causal, skip_special_tokens=True, timeout=300)
        errors: list[BaseException] = []

        def generate() -> None:
            try:
                with self._lock, torch.inference_mode():
                    self.model.generate(**enc, do_sample=False, streamer=streamer, **self._gen_kwargs(sentence))
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                errors.append(exc)
                streamer.end()

        worker = threading.Thread(target=generate, name="biaslsp-generate", daemon=True)
        worker.start()
        for piece in streamer:
            if piece:
                yield piece
        worker.join()
        if errors:
            raise errors[0]


def load_rewriter(path: str | os.PathLike[str], *, device: str = "cpu", quantize: str = "none") -> HFRewriter:
    """A causal LM (chat template used when the tokenizer has one) or a seq2seq LM."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    folder = model_dir(path, "rewriter")
    try:
        config = AutoConfig.from_pretrained(str(folder), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"rewriter {folder}: unreadable config: {exc}") from None
    tokenizer = load_tokenizer(folder)
    causal = not getattr(config, "is_encoder_decoder", False)
    auto = AutoModelForCausalLM if causal else AutoModelForSeq2SeqLM
    model = load_model(auto, folder, device=device, quantize=quantize)
    kind = "causal" if causal else "seq2seq"
    return HFRewriter(model, tokenizer, f"hf-{kind}:{short_name(folder)}", device, causal=causal)
