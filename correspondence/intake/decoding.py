"""Text decoding for inbound mail: RFC 2047 words, HTML text and sanitising.

Pure functions, no Django. Charsets (declared, mislabelled, undeclared) are
decided in ``charsets`` and re-exported here. Real mail carries broken encoded
words and raw 8-bit header bytes, so every decoder here returns *some* text and
never raises.
"""

from __future__ import annotations

import base64
import binascii
import quopri
import re
from html.parser import HTMLParser

from correspondence.intake.charsets import (
    decode_bytes,
    guess_decode,
    normalise_charset,
    surrogate_text,
)
from correspondence.reading import html_clean, style_clean

__all__ = [
    "decode_bytes",
    "decode_words",
    "guess_decode",
    "html_nesting_depth",
    "html_to_text",
    "is_stub",
    "normalise_charset",
    "normalise_space",
    "sanitise_html",
    "surrogate_text",
    "unflow",
]

# An RFC 2047 word, read tolerantly: any charset token (RFC 2231 language
# suffix allowed) and text that may hold spaces or raw 8-bit bytes, which
# broken mailers leave inside words.
_ENCODED_WORD_RE = re.compile(
    r"=\?(?P<charset>[^?\s*]+)(?:\*[^?\s]*)?\?(?P<enc>[QqBb])\?(?P<text>[^?]*?)\?="
)
_BETWEEN_WORDS_RE = re.compile(r"[ \t\r\n]*")
_WHITESPACE_RE = re.compile(r"\s+")


def _word_bytes(encoding: str, text: str) -> bytes:
    """Bytes of one encoded word, tolerating missing padding, spaces and raw 8-bit bytes.

    Raw bytes arrive as surrogate escapes and are taken back as the bytes they
    were. RFC 2047 forbids spaces inside a word, but mailers put one there to
    keep it, since the space between two words is dropped: it is kept.
    """
    raw = text.encode("utf-8", errors="surrogateescape")
    if encoding in "Bb":
        cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
        cleaned += b"=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return raw
    return quopri.decodestring(raw.replace(b"_", b" "))


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words in a header value, tolerantly.

    Adjacent words of one charset are joined *before* decoding, because mailers
    split multi-byte characters across words. Whitespace between encoded words
    is dropped (RFC 2047 section 6.2); unknown charsets are detected; malformed
    words stay as they are. Raw 8-bit bytes (surrogate escapes) inside a word
    are decoded in the word's charset, those outside words by detection.
    """
    if "=?" not in value:
        return surrogate_text(value)
    parts: list[str] = []
    pending: bytes = b""
    pending_charset = ""
    position = 0
    for match in _ENCODED_WORD_RE.finditer(value):
        gap = value[position : match.start()]
        charset = match.group("charset")
        if not (pending and _BETWEEN_WORDS_RE.fullmatch(gap)):
            parts.append(_flush(pending, pending_charset))
            pending = b""
            parts.append(surrogate_text(gap))
        elif charset.lower() != pending_charset.lower():
            parts.append(_flush(pending, pending_charset))
            pending = b""
        pending += _word_bytes(match.group("enc"), match.group("text"))
        pending_charset = charset
        position = match.end()
    parts.append(_flush(pending, pending_charset))
    parts.append(surrogate_text(value[position:]))
    return "".join(parts)


def _flush(data: bytes, charset: str) -> str:
    return decode_bytes(data, charset)[0] if data else ""


def normalise_space(value: str) -> str:
    """Collapse runs of whitespace (folding, tabs) to one space and strip."""
    return _WHITESPACE_RE.sub(" ", value).strip()


def unflow(text: str, *, delsp: bool = False) -> str:
    """The paragraphs of a ``format=flowed`` text/plain part (RFC 3676).

    A line ending in a space continues on the next line of the same quote
    depth; ``delsp=yes`` drops that space (it was added to break a word). The
    stuffed space after the quote marks goes, and the signature separator
    ``-- `` is never joined.
    """
    lines: list[str] = []
    joining, lines_depth = False, 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        flowed = content.endswith(" ") and content != "-- "
        if flowed and delsp:
            content = content[:-1]
        if joining and depth == lines_depth:
            lines[-1] += content
        else:
            lines.append(">" * depth + (" " if depth and content else "") + content)
            lines_depth = depth
        joining = flowed
    return "\n".join(lines)


# --- HTML -------------------------------------------------------------------


def sanitise_html(html: str) -> str:
    """Sanitise inbound HTML with nh3 (Ammonia): no script, no handlers, no remote tricks.

    ``cid:`` URLs are kept so inline images can be served from the stored
    attachments; ``style`` attributes survive with a short list of harmless
    properties, with plain values only (``reading.style_clean``), because mail layout
    depends on them. Remote images are kept here, as the sender wrote them: the
    reader decides whether to load them (``reading.html_for_reading``).
    """

    def keep(element: str, attribute: str, value: str) -> str | None:
        return (style_clean(value) or None) if attribute == "style" else value

    return html_clean(html, attribute_filter=keep)


_BLOCK_TAGS = frozenset(
    [
        "p",
        "div",
        "br",
        "tr",
        "li",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "table",
        "blockquote",
        "pre",
        "hr",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
    ]
)
_SKIP_TAGS = frozenset({"script", "style", "head", "title"})


class _TextExtractor(HTMLParser):
    """Collects the visible text of an HTML document, one line per block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skipping += 1
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.chunks.append(data)


def html_to_text(html: str) -> str:
    """Readable plain text from HTML: visible text only, blocks on their own lines."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    lines = (" ".join(line.split()) for line in "".join(extractor.chunks).splitlines())
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


# What mailers put in the plain part of a newsletter-style HTML mail, in the
# office's languages.
_STUB_RE = re.compile(
    r"view (?:this|the|it) (?:message|email|e-mail|newsletter)? ?(?:in|on) (?:a|your) "
    r"(?:web )?browser|html (?:message|e-?mail)|does not support html|"
    r"visualizza(?:re)? (?:questo|il) messaggio|messaggio (?:è )?in formato html|"
    r"wiadomoś[cć] w przeglądarce|format(?:ul)? html|vizualiza[țt]i (?:acest )?mesaj",
    re.IGNORECASE,
)


def is_stub(plain: str, html_text: str) -> bool:
    """True when a plain alternative is a stub and the HTML's text is the real content:
    the HTML says several times more, or the plain part says "view it in a browser"
    and little else."""
    plain_words, html_words = len(plain.split()), len(html_text.split())
    if html_words >= 3 * plain_words + 30:
        return True
    return bool(_STUB_RE.search(plain)) and plain_words < 60 and html_words > 2 * plain_words


_TAG_RE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*?(/?)>")
# Elements that never nest (void) or close themselves implicitly (HTML's
# "optional end tags"): they do not deepen a document.
_FLAT_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "td",
        "th",
        "tr",
        "option",
        "dt",
        "dd",
    ]
)


def html_nesting_depth(html: str) -> int:
    """How deeply the elements of ``html`` nest, read from its tags alone (linear time).

    The sanitiser's HTML parser takes quadratic time on deep nesting (100,000
    nested ``div`` take about 40 s), so the depth is measured before it runs.
    """
    depth = deepest = 0
    for match in _TAG_RE.finditer(html):
        if match.group(2).lower() in _FLAT_TAGS or match.group(3):
            continue
        depth = max(0, depth - 1) if match.group(1) else depth + 1
        deepest = max(deepest, depth)
    return deepest
