"""The biaslsp engine: sentences, labels, spans and rewrites for job-ad text.

    from biaslsp.models import analyze
    result = analyze("We want young, energetic rockstars.")
"""

from .backends import Classifier, Rewriter, StreamingRewriter
from .engine import Engine, analyze, default_engine
from .errors import BiaslspError, DataError, InputTooLargeError, InvalidInputError, ModelLoadError
from .labels import EVAL_LABELS, LABELS, NEUTRAL
from .markup import guess_format, mask
from .segment import Sentence, split_sentences
from .types import Analysis, Edit, Rewrite, SentenceResult, Span, Summary

__all__ = [
    "Analysis", "BiaslspError", "Classifier", "DataError", "EVAL_LABELS", "Edit", "Engine", "InputTooLargeError",
    "InvalidInputError", "LABELS", "ModelLoadError", "NEUTRAL", "Rewrite", "Rewriter", "Sentence", "SentenceResult",
    "Span", "StreamingRewriter", "Summary", "analyze", "default_engine", "guess_format", "mask", "split_sentences",
]
