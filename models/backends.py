"""The two backend interfaces every model plugs into.

The embedded default and the Hugging Face backends implement these, so the engine,
the server and the language server never care which model runs underneath.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

from .types import Span


@runtime_checkable
class Classifier(Protocol):
    """Scores sentences for every bias label."""

    name: str
    labels: tuple[str, ...]
    thresholds: dict[str, float]

    def predict(self, sentences: Sequence[str]) -> list[dict[str, float]]:
        """Per-label probabilities in [0, 1] for each sentence, in order."""
        ...


@runtime_checkable
class Rewriter(Protocol):
    """Proposes rewrites of one flagged sentence; the engine verifies them."""

    name: str

    def candidates(self, sentence: str, spans: Sequence[Span], n: int) -> list[str]:
        """Up to `n` rewritten sentences (spans are relative to `sentence`), best guess first."""
        ...


@runtime_checkable
class StreamingRewriter(Rewriter, Protocol):
    """A generative rewriter that can stream its tokens (used by the server's websocket)."""

    def stream(self, sentence: str, spans: Sequence[Span]) -> Iterator[str]:
        """Yield text pieces of one rewrite as they are generated."""
        ...
