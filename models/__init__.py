"""The biaslsp engine: sentences, labels, spans and rewrites for job-ad text.

    from biaslsp.models import analyze
    result = analyze("We want young, energetic rockstars.")

Names are imported on first use (PEP 562): `biaslsp --help`, usage errors and the CLI's
argument parsing import submodules such as `biaslsp.models.errors` without paying for spaCy
and the model runtime that `engine` pulls in.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "Classifier": "backends", "Rewriter": "backends", "StreamingRewriter": "backends",
    "Engine": "engine", "analyze": "engine", "default_engine": "engine",
    "BiaslspError": "errors", "DataError": "errors", "InputTooLargeError": "errors", "InvalidInputError": "errors", "ModelLoadError": "errors",
    "EVAL_LABELS": "labels", "LABELS": "labels", "NEUTRAL": "labels",
    "guess_format": "text.markup", "mask": "text.markup",
    "Sentence": "text.segment", "split_sentences": "text.segment",
    "Analysis": "types", "Edit": "types", "Rewrite": "types", "SentenceResult": "types", "Span": "types", "Summary": "types",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .backends import Classifier, Rewriter, StreamingRewriter
    from .engine import Engine, analyze, default_engine
    from .errors import BiaslspError, DataError, InputTooLargeError, InvalidInputError, ModelLoadError
    from .labels import EVAL_LABELS, LABELS, NEUTRAL
    from .text.markup import guess_format, mask
    from .text.segment import Sentence, split_sentences
    from .types import Analysis, Edit, Rewrite, SentenceResult, Span, Summary
