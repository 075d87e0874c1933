"""Which engine a scan runs, as plain data that can be sent to worker processes and Ray actors."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """The embedded default unless a Hugging Face classifier (or rewriter) directory is given."""

    classifier: str | None = None
    adapter: str | None = None
    rewriter: str | None = None
    device: str = "auto"

    @property
    def hf(self) -> bool:
        return bool(self.classifier or self.rewriter)

    def wants_gpu(self) -> bool:
        """Whether each worker should get a GPU: a Hugging Face backend on cuda (or auto with one)."""
        if not self.hf or self.device == "cpu":
            return False
        if self.device == "cuda":
            return True
        try:
            import torch

            return torch.cuda.is_available()
        except ImportError:
            return False


def build(opts: EngineOptions):  # noqa: ANN201 - biaslsp.models.Engine
    """The engine, loaded once per process: the same builder as `biaslsp serve`."""
    from biaslsp.models import default_engine

    if not opts.hf:
        return default_engine()
    from biaslsp.server.engines import ModelOptions, build_engine

    engine, _device = build_engine(ModelOptions(opts.classifier, opts.adapter, opts.rewriter, opts.device))
    return engine
