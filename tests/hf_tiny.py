"""Tiny random Hugging Face models and tokenizers, built from configs in a folder (no downloads)."""

from __future__ import annotations

import re
from pathlib import Path

from biaslsp.models import LABELS

WORDS = sorted(set(re.findall(r"\w+|[^\w\s]", """
Rewrite this sentence from a job ad so that it has no bias or hidden. Keep its meaning and answer with the
rewritten sentence only: the problem 'x' (y) / We want young, energetic rockstar ninjas. He/she must be a native
English speaker. The role involves preparing monthly financial reports. Rewritten strong team player motivated
""")) | set(LABELS) | {"neutral"})
SPECIALS = ["<pad>", "</s>", "<unk>", "<s>", "<|user|>", "<|assistant|>"]
CHAT_TEMPLATE = (
    "{% for m in messages %}<|user|> {{ m['content'] }} {% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)


def make_tokenizer(folder: Path, *, chat: bool = False):  # noqa: ANN201 - PreTrainedTokenizerFast
    """Word-level tokenizer: ids 0..5 are specials (T5 wants pad=0, eos=1, unk=2)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {t: i for i, t in enumerate(SPECIALS + WORDS)}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="$A </s>", special_tokens=[("</s>", 1)])
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>",
                                   bos_token="<s>", additional_special_tokens=["<|user|>", "<|assistant|>"])
    if chat:
        fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(str(folder))
    return fast


def _seed(seed: int) -> None:
    import torch

    torch.manual_seed(seed)  # the same tiny model every run: tests do not depend on luck


def t5(folder: Path, seed: int = 0) -> Path:
    from transformers import T5Config, T5ForConditionalGeneration

    _seed(seed)
    tok = make_tokenizer(folder)
    cfg = T5Config(vocab_size=len(tok), d_model=32, d_ff=64, d_kv=8, num_heads=2, num_layers=1, num_decoder_layers=1,
                   pad_token_id=0, eos_token_id=1, decoder_start_token_id=0)
    T5ForConditionalGeneration(cfg).save_pretrained(str(folder))
    return folder


def seqcls(folder: Path, *, named: bool = True) -> Path:
    from transformers import BertConfig, BertForSequenceClassification

    _seed(1)
    tok = make_tokenizer(folder)
    cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64,
                     max_position_embeddings=128, num_labels=len(LABELS), problem_type="multi_label_classification",
                     pad_token_id=0)
    if named:
        cfg.id2label = dict(enumerate(LABELS))
        cfg.label2id = {l: i for i, l in enumerate(LABELS)}
    BertForSequenceClassification(cfg).save_pretrained(str(folder))
    return folder


def causal(folder: Path, *, chat: bool = True) -> Path:
    from transformers import LlamaConfig, LlamaForCausalLM

    _seed(2)
    tok = make_tokenizer(folder, chat=chat)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=1, num_attention_heads=2,
                      num_key_value_heads=2, max_position_embeddings=512, pad_token_id=0, eos_token_id=1, bos_token_id=3)
    LlamaForCausalLM(cfg).save_pretrained(str(folder))
    return folder


def lora(base: Path, folder: Path, task: str) -> Path:
    """A LoRA adapter for `base` with non-zero B matrices (so merging changes the outputs)."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForSeq2SeqLM, AutoModelForSequenceClassification

    if task == "SEQ_2_SEQ_LM":
        model, targets = AutoModelForSeq2SeqLM.from_pretrained(str(base)), ["q", "v"]
    else:
        model, targets = AutoModelForSequenceClassification.from_pretrained(str(base)), ["query", "value"]
    _seed(3)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=targets, task_type=task))
    with torch.no_grad():
        for name, p in peft_model.named_parameters():
            if "lora_B" in name:
                p.normal_(0, 0.5)
    peft_model.save_pretrained(str(folder))
    return folder
