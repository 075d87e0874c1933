"""Shared loading rules for Hugging Face backends: local directories only, device, dtype, quantisation.

Never touches a hub: every path must be a local directory, and HF_HUB_OFFLINE is set
before transformers is imported. A requested option that cannot work on this machine
(CUDA without a GPU, bitsandbytes without CUDA) fails at load time with a clear reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
MAX_INPUT_TOKENS = 512


def resolve_device(device: str = "auto", quantize: str = "none") -> str:
    """'cpu' or 'cuda' for the request, or ModelLoadError saying why it cannot be met."""
    import torch

    if device not in ("auto", "cpu", "cuda"):
        raise ModelLoadError(f"unknown device {device!r} (auto, cpu or cuda)")
    if quantize not in ("none", "8bit", "4bit"):
        raise ModelLoadError(f"unknown quantisation {quantize!r} (none, 8bit or 4bit)")
    cuda = torch.cuda.is_available()
    if device == "cuda" and not cuda:
        raise ModelLoadError(f"--device cuda was requested but this machine has no usable CUDA GPU (torch {torch.__version__})")
    resolved = "cuda" if device == "cuda" or (device == "auto" and cuda) else "cpu"
    if quantize != "none":
        if resolved != "cuda":
            raise ModelLoadError(f"--quantize {quantize} needs a CUDA GPU (bitsandbytes); this machine has none: use --quantize none")
        try:
            import bitsandbytes  # noqa: F401
        except ImportError:
            raise ModelLoadError(f"--quantize {quantize} needs bitsandbytes: pip install bitsandbytes") from None
    return resolved


def model_dir(path: str | os.PathLike[str], what: str, marker: str = "config.json") -> Path:
    """A local model directory that holds `marker`, or ModelLoadError."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise ModelLoadError(f"{what} {folder}: not a directory (models are loaded from local directories only)")
    if not (folder / marker).is_file():
        raise ModelLoadError(f"{what} {folder}: no {marker} (is this a saved Hugging Face model?)")
    return folder


def load_kwargs(device: str, quantize: str) -> dict[str, Any]:
    """bf16 on a GPU, float32 on the CPU; bitsandbytes configs for 8/4 bit."""
    import torch

    kwargs: dict[str, Any] = {"local_files_only": True, "dtype": torch.bfloat16 if device == "cuda" else torch.float32}
    if quantize != "none":
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = (
            BitsAndBytesConfig(load_in_8bit=True) if quantize == "8bit"
            else BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_quant_type="nf4")
        )
        kwargs["device_map"] = {"": 0}
    return kwargs


def load_model(auto_cls: Any, path: Path, *, device: str, quantize: str, adapter: str | os.PathLike[str] | None = None) -> Any:
    """Load a model (and merge a PEFT adapter into it when not quantised), in eval mode on `device`."""
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        model = auto_cls.from_pretrained(str(path), **load_kwargs(device, quantize))
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"cannot load {path}: {exc}") from None
    if adapter is not None:
        from peft import PeftModel

        adapter_path = model_dir(adapter, "adapter", "adapter_config.json")
        try:
            model = PeftModel.from_pretrained(model, str(adapter_path), is_trainable=False)
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            raise ModelLoadError(f"cannot apply adapter {adapter_path} to {path}: {exc}") from None
        if quantize == "none":
            model = model.merge_and_unload()  # plain weights: no adapter overhead per forward pass
    if quantize == "none":
        model = model.to(device)
    return model.eval()


def load_tokenizer(path: Path) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelLoadError(f"cannot load a tokenizer from {path}: {exc}") from None


def short_name(path: str | os.PathLike[str]) -> str:
    return Path(path).resolve().name
