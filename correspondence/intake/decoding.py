"""Text decoding for inbound mail: bytes in unknown charsets, RFC 2047 words, HTML.

Pure functions, no Django. Real mail lies about its charset (us-ascii that is
cp1252, iso-8859-1 that is UTF-8, names no codec knows) and carries raw 8-bit
header bytes, so every decoder here returns *some* text and never raises.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import quopri
import re
from html.parser import HTMLParser

import nh3

from correspondence.reading import style_clean

# Single-byte charsets tried, in order of preference, when the declared one fails:
# the back office reads Italian, English, Polish and Romanian mail.
_FALLBACK_CHARSETS = ("cp1252", "iso-8859-2", "cp1250")

# Letters and punctuation that real IT/EN/PL/RO/DE/FR/ES text contains; a guess
# producing other non-ASCII characters (±, ¶, ¹, č in Italian...) is penalised.
_PLAUSIBLE = frozenset(
    "àèéìòùáíóúâêîôûäëïöüÿçñß"
    "ÀÈÉÌÒÙÁÍÓÚÂÊÎÔÛÄËÏÖÜÇÑ"
    "ąćęłńśźżĄĆĘŁŃŚŹŻ"
    "ăâîșțşţĂÂÎȘȚŞŢ"
    "€„“”\u2018\u2019«»\u2013—…°·\u00a0"
)

# Names mail clients use that Python's codec registry does not know, or knows
# as a stricter superset: iso-8859-1 and us-ascii mail is cp1252 in practice
# (the same choice the WHATWG encoding standard makes).
_ALIASES = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "iso_8859-1": "cp1252",
    "x-user-defined": "cp1252",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
}

_ENCODED_WORD_RE = re.compile(
    r"=\?(?P<charset>[^?\s*]+)(?:\*[^?\s]*)?\?(?P<enc>[QqBb])\?(?P<text>[^?\s]*)\?="
)
_BETWEEN_WORDS_RE = re.compile(r"[ \t\r\n]*")
_WHITESPACE_RE = re.compile(r"\s+")


def normalise_charset(name: str | None) -> str:
    """Return a Python codec name for a declared charset, or "" when unusable."""
    if not name:
        return ""
    cleaned = name.strip().strip("\"'").lower()
    if cleaned in _ALIASES:
        return _ALIASES[cleaned]
    try:
        return codecs.lookup(cleaned).name
    except (LookupError, ValueError):  # ValueError: a NUL in the name
        return ""


def _plausibility(text: str) -> int:
    """Score a decoding: plausible non-ASCII letters up, odd characters down."""
    score = 0
    for char in text:
        if char < "\x80":
            if char < " " and char not in "\t\r\n\f":
                score -= 5
        elif char in _PLAUSIBLE:
            score += 1
        else:
            score -= 3
    return score


def guess_decode(data: bytes) -> str:
    """Decode bytes whose charset is unknown: UTF-8 if valid, else the likeliest 8-bit."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    candidates = [data.decode(name, errors="replace") for name in _FALLBACK_CHARSETS]
    return max(candidates, key=_plausibility)


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` trusting ``declared`` only as far as the bytes agree.

    Returns the text and a defect description ("" when the declared charset was
    right). Valid UTF-8 with non-ASCII bytes wins over a declared single-byte
    charset: the reverse mistake is practically impossible.
    """
    codec = normalise_charset(declared)
    if data.isascii():
        return data.decode("ascii"), ""
    if (declared or "").strip().strip("\"'").lower() in {"us-ascii", "ascii"}:
        codec = ""  # 8-bit bytes prove the declaration wrong: guess among the 8-bit charsets
    if codec and codec not in {"utf-8", "utf_8"} and _is_single_byte(codec):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return text, f"charset {declared!r} declared, content is utf-8"
    if codec:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            return _second_opinion(data, text, codec, declared)
    text = guess_decode(data)
    return text, f"charset {declared or 'missing'!r} does not fit the content, guessed"


def _second_opinion(data: bytes, text: str, codec: str, declared: str | None) -> tuple[str, str]:
    """Replace a single-byte decoding when another charset reads clearly better.

    Every byte is valid in cp1252 or iso-8859-2, so a wrong declaration (us-ascii
    or iso-8859-1 on Polish text) only shows as implausible characters.
    """
    if not _is_single_byte(codec):
        return text, ""
    guess = guess_decode(data)
    if _plausibility(guess) > _plausibility(text):
        return guess, f"charset {declared!r} does not fit the content, guessed"
    return text, ""


def _is_single_byte(codec: str) -> bool:
    """True for charsets where every byte decodes (so a wrong guess goes unnoticed)."""
    return codec.startswith(("cp12", "iso8859", "latin", "koi8", "mac")) or codec == "cp1252"


def surrogate_text(value: str) -> str:
    """Repair a str holding raw 8-bit bytes as surrogate escapes (from BytesParser)."""
    if value.isascii() or not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    raw = value.encode("utf-8", errors="surrogateescape")
    return guess_decode(raw)


def _word_bytes(encoding: str, text: str) -> bytes:
    """Bytes of one encoded word, tolerating missing padding and stray characters."""
    if encoding in "Bb":
        cleaned = re.sub(r"[^A-Za-z0-9+/]", "", text)
        cleaned += "=" * (-len(cleaned) % 4)
        try:
            return base64.b64decode(cleaned)
        except (binascii.Error, ValueError):
            return text.encode("ascii", errors="replace")
    return quopri.decodestring(text.replace("_", " ").encode("ascii", errors="replace"))


def decode_words(value: str) -> str:
    """Decode RFC 2047 encoded words in a header value, tolerantly.

    Adjacent words of one charset are joined *before* decoding, because mailers
    split multi-byte characters across words. Whitespace between encoded words
    is dropped (RFC 2047 section 6.2); unknown charsets are guessed; malformed
    words stay as they are.
    """
    value = surrogate_text(value)
    if "=?" not in value:
        return value
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
            parts.append(gap)
        elif charset.lower() != pending_charset.lower():
            parts.append(_flush(pending, pending_charset))
            pending = b""
        pending += _word_bytes(match.group("enc"), match.group("text"))
        pending_charset = charset
        position = match.end()
    parts.append(_flush(pending, pending_charset))
    parts.append(value[position:])
    return "".join(parts)


def _flush(data: bytes, charset: str) -> str:
    return decode_bytes(data, charset)[0] if data else ""


def normalise_space(value: str) -> str:
    """Collapse runs of whitespace (folding, tabs) to one space and strip."""
    return _WHITESPACE_RE.sub(" ", value).strip()


# --- HTML -------------------------------------------------------------------

_SAFE_STYLE_PROPERTIES = frozenset(
    {
        "color",
        "background-color",
        "font-family",
        "font-size",
        "font-style",
        "font-weight",
        "text-align",
        "text-decoration",
        "margin",
        "padding",
        "border",
        "width",
        "height",
        "vertical-align",
    }
)


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

    attributes = {tag: set(attrs) for tag, attrs in nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"style", "dir", "lang", "title"}
    return nh3.clean(
        html,
        attributes=attributes,
        url_schemes={"http", "https", "mailto", "tel", "cid"},
        clean_content_tags={"script", "style", "title", "head"},
        filter_style_properties=set(_SAFE_STYLE_PROPERTIES),
        attribute_filter=keep,
        link_rel="noopener noreferrer",
        strip_comments=True,
    ).strip()


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
