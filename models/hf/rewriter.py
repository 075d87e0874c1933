"""A generative rewriter on a local Hugging Face model (causal LM with a chat template, or seq2seq).

It is prompted with the sentence, the flagged spans with their categories, and the definitions
of those categories, and asked for a minimal rewrite that keeps the job requirement. `stream`
yields the greedy rewrite token by token (the server forwards them as rewrite.delta frames);
`candidates` returns the greedy rewrite plus sampled ones. The engine re-classifies every
candidate (Engine.verify, the same check rule rewrites get), so a bad generation never ranks
as a verified fix.

Definitions are data: by default the project's own category explanations (labels.EXPLANATIONS);
a folder of `<label>.txt` files (e.g. ../shared/data/definitions) can replace them at run time
through `definitions=` or $BIASLSP_DEFINITIONS.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError
from ..labels import EXPLANATIONS, LABELS
from ..types import Span
from .common import MAX_INPUT_TOKENS, load_model, load_tokenizer, model_dir, short_name

DEFINITIONS_ENV = "BIASLSP_DEFINITIONS"
MAX_DEFINITION_CHARS = 600  # a definition file is data: keep a stray large file from eating the prompt
PROMPT = (
    "You edit job ads so that they do not discourage or exclude any group of applicants.\n"
    "{definitions}\n"
    "Sentence: {sentence}\n"
    "Flagged: {flagged}\n"
    "Rewrite the sentence without this bias. Keep the real job requirement and the meaning, change as "
    "few words as possible, and keep it grammatical. Answer with the rewritten sentence only."
)


def load_definitions(folder: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """Category definitions for the prompt: `<label>.txt` files from `folder` (or $BIASLSP_DEFINITIONS)
    where present, the project's own explanations otherwise."""
    defs = dict(EXPLANATIONS)
    where = folder if folder is not None else os.environ.get(DEFINITIONS_ENV)
    if not where:
        return defs
    path = Path(where).expanduser()
    if not path.is_dir():
        raise ModelLoadError(f"definitions {path}: not a directory (expected <label>.txt files)")
    for label in LABELS:
        f = path / f"{label}.txt"
        if f.is_file():
            text = " ".join(f.read_text(encoding="utf-8", errors="replace").split())
            if text:
                defs[label] = text[:MAX_DEFINITION_CHARS]
    return defs


def build_prompt(sentence: str, spans: Sequence[Span], definitions: Mapping[str, str] | None = None) -> str:
    """The instruction: the definitions of the flagged categories, the sentence, and each flagged span."""
    defs = EXPLANATIONS if definitions is None else definitions
    labels = [l for l in LABELS if any(s.label == l for s in spans)]
    lines = [f"- {l}: {defs.get(l, EXPLANATIONS.get(l, ''))}".rstrip() for l in labels]
    flagged = []
    for s in spans:
        what = "the whole sentence" if s.source == "sentence" else repr(s.text)
        item = f"{what} ({s.label})"
        if item not in flagged:
            flagged.append(item)
    return PROMPT.format(
        definitions="Categories:\n" + "\n".join(lines) if lines else "Categories: none given.",
        sentence=sentence,
        flagged="; ".join(flagged) if flagged else "the whole sentence",
    )


def clean(text: str) -> str:
    """First line of a generation, without quotes or a 'Rewritten:' lead-in."""
    line = text.strip().splitlines()[0].strip() if text.strip() else ""
    for lead in ("Rewritten sentence:", "Rewrite:", "Sentence:"):
        if line.lower().startswith(lead.lower()):
            line = line[len(lead):].strip()
    return line.strip("\"'“”").strip()


class HFRewriter:
    """StreamingRewriter over `model.generate`."""

    def __init__(self, model: Any, tokenizer: Any, name: str, device: str, *, causal: bool, max_new_tokens: int = 128,
                 definitions: Mapping[str, str] | None = None) -> None:
        self.model, self.tokenizer, self.name, self.device = model, tokenizer, name, device
        self.definitions = dict(definitions) if definitions is not None else load_definitions()
        self.causal = causal
        self.max_new_tokens = max_new_tokens
        self.chat = causal and bool(getattr(tokenizer, "chat_template", None))
        self._lock = threading.Lock()  # one generate at a time on one model

    clean = staticmethod(clean)  # what a streamed generation needs before it is a candidate

    def prompt(self, sentence: str, spans: Sequence[Span]) -> str:
        """The text the model is given for `sentence` (before any chat template)."""
        return build_prompt(sentence, spans, self.definitions)

    def _inputs(self, sentence: str, spans: Sequence[Span]) -> dict[str, Any]:
        prompt = self.prompt(sentence, spans)
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
            if n > 1:  # twice as many samples as needed: duplicates and copies of the source are dropped below
                ids.append(self.model.generate(**enc, do_sample=True, top_p=0.9, temperature=0.8,
                                               num_return_sequences=2 * (n - 1), **self._gen_kwargs(sentence)))
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


def load_rewriter(path: str | os.PathLike[str], *, device: str = "cpu", quantize: str = "none",
                  definitions: str | os.PathLike[str] | None = None) -> HFRewriter:
    """A causal LM (chat template used when the tokenizer has one) or a seq2seq LM; `definitions`
    (or $BIASLSP_DEFINITIONS) is a folder of `<label>.txt` category definitions for the prompt."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    defs = load_definitions(definitions)
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
    return HFRewriter(model, tokenizer, f"hf-{kind}:{short_name(folder)}", device, causal=causal, definitions=defs)
