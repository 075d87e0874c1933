"""Hide the parts of Markdown and HTML that are not prose, keeping every offset.

Masking replaces code (fenced and 4-space indented), front matter, URLs, link targets
and tags with spaces (line breaks kept, block-level tags become a line break), so the
engine checks only prose and every offset it reports is still an offset into the
original text. An HTML `alt` text is prose a reader meets (screen readers read it
aloud), so it is kept and checked, set apart as its own line.
"""

from __future__ import annotations

import re
from typing import Literal

Format = Literal["text", "markdown", "html"]

_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>()\[\]]+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_FRONT_MATTER = re.compile(r"\A(?:---|\+\+\+)[ \t]*\n.*?\n(?:---|\+\+\+)[ \t]*(?:\n|\Z)", re.S)
_FENCE = re.compile(r"^([ \t]*)(`{3,}|~{3,})[^\n]*\n.*?(?:^\1?\2[ \t]*$|\Z)", re.S | re.M)
_INLINE_CODE = re.compile(r"(`+)(?!`).+?(?<!`)\1", re.S)
_LINK_TARGET = re.compile(r"(?<=\])\((?:[^()\s]|\([^()]*\))*(?:\s+\"[^\"]*\")?\)|(?<=\])\[[^\]]*\]")
_REF_DEF = re.compile(r"^[ \t]{0,3}\[[^\]]+\]:[ \t]*\S+.*$", re.M)
_AUTOLINK = re.compile(r"<(?:https?|mailto|ftp):[^>\s]*>")
_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
_RAW_BLOCK = re.compile(r"<(script|style|code|pre|template|noscript)\b[^>]*>.*?(?:</\1\s*>|\Z)", re.S | re.I)
_TAG = re.compile(r"</?([a-zA-Z][\w:-]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*>")
_ALT = re.compile(r"""\balt\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_MD_MARKS = re.compile(r"(?<!\w)(?:\*\*|__|~~)|(?<=\S)(?:\*\*|__|~~)|^[ \t]{0,3}#{1,6}(?=\s)|^[ \t]*>", re.M)
_BLOCK_TAGS = {
    "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th",
    "table", "section", "article", "header", "footer", "blockquote", "hr", "dd", "dt", "dl", "body",
}


def _blank(chars: list[str], start: int, end: int, newline: bool = False) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "
    if newline and end > start and chars[start] != "\n":
        chars[start] = "\n"


def _mask_html(text: str, chars: list[str]) -> None:
    for m in _COMMENT.finditer(text):
        _blank(chars, m.start(), m.end())
    for m in _RAW_BLOCK.finditer(text):
        _blank(chars, m.start(), m.end(), newline=True)
    for m in _TAG.finditer(text):
        _blank(chars, m.start(), m.end(), newline=m.group(1).lower() in _BLOCK_TAGS)
        _keep_alt(text, chars, m.start(), m.end())
    for m in _ENTITY.finditer(text):
        _blank(chars, m.start(), m.end())


def _keep_alt(text: str, chars: list[str], start: int, end: int) -> None:
    """Put the tag's alt text back, with a line break on either side so it is a sentence of its own."""
    for m in _ALT.finditer(text, start, end):
        group = 1 if m.group(1) is not None else 2
        a, b = m.span(group)
        if not m.group(group).strip():
            continue
        chars[a:b] = text[a:b]
        chars[start] = "\n"  # the tag's "<": ends the sentence before it
        if chars[b] != "\n":
            chars[b] = "\n"  # the closing quote: ends the alt text


def _indented_code_lines(text: str) -> list[tuple[int, int]]:
    """Line ranges (0-based, end exclusive) of 4-space indented code blocks.

    CommonMark decides what is code (a paragraph continuation or a list item's second
    paragraph is not), so the parser decides, not a regex.
    """
    from markdown_it import MarkdownIt

    return [tuple(t.map) for t in MarkdownIt("commonmark").parse(text) if t.type == "code_block" and t.map]


def _mask_indented_code(text: str, chars: list[str]) -> None:
    ranges = _indented_code_lines(text)
    if not ranges:
        return
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    starts.append(len(text))
    for first, last in ranges:
        _blank(chars, starts[first], starts[min(last, len(starts) - 1)])


def _mask_markdown(text: str, chars: list[str]) -> None:
    _mask_indented_code(text, chars)
    for pattern in (_FRONT_MATTER, _FENCE, _INLINE_CODE, _REF_DEF, _LINK_TARGET, _AUTOLINK, _MD_MARKS):
        for m in pattern.finditer(text):
            _blank(chars, m.start(), m.end())
    _mask_html(text, chars)  # Markdown may embed HTML


def mask(text: str, fmt: Format = "text") -> str:
    """Return `text` with non-prose regions blanked; the result has the same length."""
    chars = list(text)
    if fmt == "markdown":
        _mask_markdown(text, chars)
    elif fmt == "html":
        _mask_html(text, chars)
    for m in _URL.finditer(text):
        _blank(chars, m.start(), m.end())
    return "".join(chars)


def guess_format(path: str | None, language_id: str | None = None) -> Format:
    """Pick the format from an editor language id or a file name."""
    key = (language_id or "").lower()
    if key in {"markdown", "mdx"}:
        return "markdown"
    if key in {"html", "xhtml", "vue", "svelte"}:
        return "html"
    name = (path or "").lower()
    if name.endswith((".md", ".markdown", ".mdx", ".mdown")):
        return "markdown"
    if name.endswith((".html", ".htm", ".xhtml")):
        return "html"
    return "text"
