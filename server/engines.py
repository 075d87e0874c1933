"""Build the Engine that `biaslsp serve` runs: the embedded default or Hugging Face models."""

from __future__ import annotations

from dataclasses import dataclass

from biaslsp.models import Engine, ModelLoadError, default_engine


@dataclass(frozen=True, slots=True)
class ModelOptions:
    classifier: str | None = None
    adapter: str | None = None
    rewriter: str | None = None
    device: str = "auto"
    quantize: str = "none"


def build_engine(opts: ModelOptions) -> tuple[Engine, str]:
    """The engine and the device it runs on; raises ModelLoadError with a clear reason."""
    if opts.adapter and not opts.classifier:
        raise ModelLoadError("--adapter needs --classifier (the base model directory it was trained on)")
    hf_wanted = bool(opts.classifier or opts.rewriter)
    if not hf_wanted:
        if opts.quantize != "none":
            raise ModelLoadError("--quantize applies to Hugging Face models (--classifier/--rewriter), not the embedded default")
        if opts.device == "cuda":
            raise ModelLoadError("the embedded default model runs on the CPU; --device cuda needs --classifier or --rewriter")
        return default_engine(), "cpu"
    try:
        from biaslsp.models.hf.common import resolve_device
    except ImportError as exc:  # transformers/peft missing
        raise ModelLoadError(f"Hugging Face models need the 'hf' extra (pip install 'biaslsp[hf]'): {exc}") from None
    device = resolve_device(opts.device, opts.quantize)
    if opts.classifier:
        from biaslsp.models.hf.classifiers import load_classifier

        classifier = load_classifier(opts.classifier, adapter=opts.adapter, device=device, quantize=opts.quantize)
    else:
        classifier = default_engine().classifier
    rewriter = None
    if opts.rewriter:
        from biaslsp.models.hf.rewriter import load_rewriter

        rewriter = load_rewriter(opts.rewriter, device=device, quantize=opts.quantize)
    return Engine(classifier, rewriter), device
