"""Split text into sentences with exact character offsets.

Job ads are not prose: bullet lists, headings without a full stop ("Requirements:"),
one item per line. spaCy's rule-based sentencizer handles the punctuation; a small
component before it starts a new sentence at every line break, so lines without
final punctuation never run together.
"""

from __future__ import annotations

import re
import sys
import threading
import types
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

_BULLET = re.compile(r"(?:#{1,6}|[-*+•·▪◦‣–—>]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)](?=\s))\s+")
_MARKER_ONLY = re.compile(r"(?:[-*+•·▪◦‣–—>#]+|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)])")
_HAS_WORD = re.compile(r"\w", re.UNICODE)
_SURROGATE = re.compile("[\ud800-\udfff]")
MAX_SENTENCE_CHARS = 1200  # a "sentence" longer than this is split at spaces (run-on text, lists with no breaks)


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    text: str


def _wrapped(prev: str, nxt: str) -> bool:
    """A single line break inside running prose (a wrapped paragraph), not a new item."""
    return bool(prev) and bool(nxt) and (prev[-1].islower() or prev[-1] in ",;(-") and nxt[0].islower()


# what thinc.compat tries to import at spaCy's import; we use spaCy's tokenizer only, never thinc's
# torch/cupy layers. torch alone cost 1.55 s and ~200 MB RSS of a one-line `biaslsp check`.
_THINC_OPTIONAL = ("torch", "cupy")
_LINE_BREAKS = "biaslsp_line_breaks"
_SPACY_IMPORT = threading.Lock()


def _cli_info(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - stands in for spacy.cli.info.info
    """`spacy.info()`, importing spaCy's command line only when someone calls it."""
    from spacy.cli.info import info

    return info(*args, **kwargs)


def _import_spacy() -> types.ModuleType:
    """`import spacy` without its command line and without thinc's torch (~2 s of a 4-5 s check).

    spaCy's `__init__` imports `spacy.cli` (typer, jinja2, requests, weasel: ~0.3-0.5 s) only
    to re-export `spacy.info`, and thinc (which spaCy imports) imports torch and cupy whenever
    they are installed (torch: ~1.5 s and ~200 MB) to offer GPU layers. Sentence splitting
    needs neither. While spaCy is imported, `spacy.cli`/`spacy.cli.info` in sys.modules are
    stand-ins whose `info` imports the real one when called, and an uninstalled-looking
    `torch`/`cupy` (a None entry: `import torch` raises ImportError, which thinc catches). The
    previous entries, or their absence, are put back afterwards, so a later `import torch` or
    `import spacy.cli` is the real one. A library that is already imported is left alone
    (thinc then sees it, as it would have anyway). thinc then reports has_torch=False for this
    process: only its torch-wrapping layers care, and biaslsp never uses them. The stand-ins are
    process-wide for the ~0.5 s of the import: biaslsp loads its engine on one thread (the server
    imports torch for its Hugging Face backends before it, so torch is then left alone).
    """
    with _SPACY_IMPORT:
        if "spacy" in sys.modules:
            import spacy  # waits for an import still running on another thread

            return spacy
        return _import_spacy_once()


def _import_spacy_once() -> types.ModuleType:
    """The import itself, with the stand-ins in place (the caller holds _SPACY_IMPORT)."""
    missing = object()
    cli = types.ModuleType("spacy.cli", "stand-in while biaslsp imports spacy: the real one loads on use")
    info = types.ModuleType("spacy.cli.info", "stand-in while biaslsp imports spacy")
    info.info = _cli_info  # type: ignore[attr-defined]
    cli.info = info  # type: ignore[attr-defined]
    stand_ins: dict[str, types.ModuleType | None] = {"spacy.cli": cli, "spacy.cli.info": info}
    stand_ins.update({name: None for name in _THINC_OPTIONAL if name not in sys.modules})
    before = {name: sys.modules.get(name, missing) for name in stand_ins}
    sys.modules.update(stand_ins)  # type: ignore[arg-type]
    try:
        import spacy
    finally:
        for name, old in before.items():
            if name in sys.modules and sys.modules[name] is stand_ins[name]:
                if old is missing:
                    del sys.modules[name]
                else:
                    sys.modules[name] = old  # type: ignore[assignment]
    return spacy


def _line_breaks(doc: Doc) -> Doc:
    """Start a sentence after a line break, unless it only wraps a paragraph."""
    for i, tok in enumerate(doc[:-1]):
        gap = tok.text + tok.whitespace_ if tok.is_space else tok.whitespace_
        if "\n" not in gap:
            continue
        nxt = doc[i + 1]
        prev = doc[i - 1].text if tok.is_space and i > 0 else tok.text
        if gap.count("\n") == 1 and _wrapped(prev, nxt.text):
            continue
        nxt.is_sent_start = True
    return doc


@lru_cache(maxsize=1)
def _pipeline() -> Language:
    spacy = _import_spacy()
    from spacy.language import Language

    with _SPACY_IMPORT:  # two threads building the first pipeline register the component once
        if not Language.has_factory(_LINE_BREAKS):
            Language.component(_LINE_BREAKS, func=_line_breaks)
    nlp = spacy.blank("en")
    nlp.add_pipe(_LINE_BREAKS)
    nlp.add_pipe("sentencizer")
    nlp.max_length = 50_000_000
    return nlp


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Drop surrounding whitespace and a leading bullet or list number."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    m = _BULLET.match(text, start, end)
    if m and m.end() < end:
        start = m.end()
    return start, end


def _split_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut an over-long run at whitespace so every sentence fits a model's window."""
    out = []
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start, start + MAX_SENTENCE_CHARS)
        if cut <= start:
            cut = start + MAX_SENTENCE_CHARS
        out.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    out.append((start, end))
    return out


def _encodable(text: str) -> str:
    """The text spaCy can hash: a lone surrogate (which no UTF-8 encoder accepts, and which
    JSON and LSP clients can still send) becomes U+FFFD. One code point for one, so every
    offset stays the same and the sentences keep the original characters."""
    return _SURROGATE.sub("\ufffd", text)


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_BLOCK_CACHE_SIZE = 4096  # paragraphs; only those under _BLOCK_CACHE_CHARS are kept (memory stays < ~100 MB)
_BLOCK_CACHE_CHARS = 20_000
_block_cache: OrderedDict[str, tuple[tuple[int, int], ...]] = OrderedDict()
_block_lock = threading.Lock()


def split_sentences(text: str) -> list[Sentence]:
    """Return the sentences of `text`; `text[s.start:s.end] == s.text` for each.

    A blank line always ends a sentence, so each paragraph is split on its own and its
    sentence offsets are cached by its text: after an edit, only the edited paragraph goes
    through spaCy again (a 1,000-word ad took ~15 ms to re-split whole on 2 cores)."""
    if not text.strip():
        return []
    sentences: list[Sentence] = []
    at = 0
    for brk in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = brk.start() if brk else len(text)
        if end > at:
            block = text[at:end]
            sentences += [Sentence(at + s, at + e, text[at + s : at + e]) for s, e in _block_bounds(block)]
        if brk:
            at = brk.end()
    return sentences


def _block_bounds(block: str) -> tuple[tuple[int, int], ...]:
    with _block_lock:
        hit = _block_cache.get(block)
        if hit is not None:
            _block_cache.move_to_end(block)
            return hit
    bounds = tuple((s.start, s.end) for s in _split_block(block))
    if len(block) > _BLOCK_CACHE_CHARS:
        return bounds
    with _block_lock:
        _block_cache[block] = bounds
        while len(_block_cache) > _BLOCK_CACHE_SIZE:
            _block_cache.popitem(last=False)
    return bounds


def _split_block(text: str) -> list[Sentence]:
    """spaCy's sentences of one paragraph, trimmed, merged and cut as the engine needs them."""
    if not text.strip():
        return []
    doc = _pipeline()(_encodable(text))
    sentences: list[Sentence] = []
    bounds = [(s.start_char, s.end_char) for s in doc.sents]
    merged: list[tuple[int, int]] = []
    for start, end in bounds:
        if merged and _MARKER_ONLY.fullmatch(text[merged[-1][0]:merged[-1][1]].strip()) and "\n" not in text[merged[-1][1]:start]:
            merged[-1] = (merged[-1][0], end)  # "1." split off its list item by the full stop
        else:
            merged.append((start, end))
    for sent_start, sent_end in merged:
        start, end = _trim(text, sent_start, sent_end)
        for s, e in _split_long(text, start, end):
            s, e = _trim(text, s, e)
            if e > s and _HAS_WORD.search(text, s, e):
                sentences.append(Sentence(s, e, text[s:e]))
    return sentences
