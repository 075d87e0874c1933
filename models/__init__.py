"""The biaslsp engine: sentences, labels, spans and rewrites for job-ad text.

    from biaslsp.models import analyze
    result = analyze("We want young, energetic rockstars.")
"""

import importlib
from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562), so that `biaslsp.models.errors` or `LABELS`
# do not pull in spaCy and the model runtime: the language server answers `initialize`
# before it loads them.
_HOME = {
    "Classifier": "backends", "Rewriter": "backends", "StreamingRewriter": "backends",
    "Engine": "engine", "analyze": "engine", "default_engine": "engine",
    "BiaslspError": "errors", "DataError": "errors", "InputTooLargeError": "errors",
    "InvalidInputError": "errors", "ModelLoadError": "errors",
    "EVAL_LABELS": "labels", "LABELS": "labels", "NEUTRAL": "labels",
    "guess_format": "markup", "mask": "markup",
    "Sentence": "segment", "split_sentences": "segment",
    "Analysis": "types", "Edit": "types", "Rewrite": "types", "SentenceResult": "types", "Span": "types",
    "Summary": "types",
}

if TYPE_CHECKING:
    from .backends import Classifier, Rewriter, StreamingRewriter
    from .engine import Engine, analyze, default_engine
    from .errors import BiaslspError, DataError, InputTooLargeError, InvalidInputError, ModelLoadError
    from .labels import EVAL_LABELS, LABELS, NEUTRAL
    from .markup import guess_format, mask
    from .segment import Sentence, split_sentences
    from .types import Analysis, Edit, Rewrite, SentenceResult, Span, Summary


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "Analysis", "BiaslspError", "Classifier", "DataError", "EVAL_LABELS", "Edit", "Engine", "InputTooLargeError",
    "InvalidInputError", "LABELS", "ModelLoadError", "NEUTRAL", "Rewrite", "Rewriter", "Sentence", "SentenceResult",
    "Span", "StreamingRewriter", "Summary", "analyze", "default_engine", "guess_format", "mask", "split_sentences",
]
