"""Bytes of unknown or doubtful charset to text: declared names, supersets, detection.

Pure functions, no Django. The order of trust, for body parts and encoded words:

1. A declared charset is mapped to the superset mail software really writes
   (the WHATWG encoding standard's table: gb2312 is gb18030, ks_c_5601-1987 is
   cp949, iso-8859-1 and us-ascii are windows-1252, ...).
2. If the bytes decode cleanly in it, the declaration is trusted, except for the
   known mislabels: 8-bit bytes declared us-ascii, valid UTF-8 declared as a
   single-byte charset, and Central European text declared windows-1252/latin-1.
3. Otherwise (nothing declared, an unknown name, bytes that do not fit) the
   maintained detector charset-normalizer proposes the charsets whose decoding
   is cleanest; between equally clean Latin code pages, which no detector can
   tell apart on a short text, the letters of the office's languages decide.

7-bit stateful charsets (ISO-2022-JP, UTF-7, HZ) are pure ASCII bytes, so they
are decoded whenever declared, and ISO-2022-JP also when only its escapes show it.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

# The WHATWG encoding standard's labels whose decoder is a superset of the name
# (https://encoding.spec.whatwg.org/#names-and-labels), plus mail-only spellings.
_SUPERSETS = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "iso-8859-9": "cp1254",
    "iso8859-9": "cp1254",
    "latin5": "cp1254",
    "iso-8859-11": "cp874",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "euc-cn": "gb18030",
    "cp936": "gb18030",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "korean": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "ms_kanji": "cp932",
    "big5": "big5hkscs",
    "x-euc-jp": "euc_jp",
    # ISO-2022-JP as sent by real mailers also switches to half-width katakana.
    "iso-2022-jp": "iso2022_jp_ext",
    "csiso2022jp": "iso2022_jp_ext",
    "iso2022-jp": "iso2022_jp_ext",
    "iso-8859-8-i": "iso8859_8",
    "iso-8859-8-e": "iso8859_8",
    "csiso88598e": "iso8859_8",
    "csiso88598i": "iso8859_8",
    "x-mac-roman": "mac_roman",
    "unicode-1-1-utf-7": "utf_7",
    "unicode-1-1-utf-8": "utf-8",
    "x-user-defined": "cp1252",
    "x-unknown": "",
    "unknown-8bit": "",
    "unknown": "",
    "8bit": "",
    "default": "",
}
_PREFIXES_RE = re.compile(r"^(?:x-|win-|windows|cp-|ms-)")

# Decoders of 7-bit stateful charsets: their bytes are all ASCII.
_STATEFUL = frozenset(
    {"iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_ext", "iso2022_kr", "utf-7", "hz"}
)
_ISO2022_JP_ESCAPE_RE = re.compile(rb"\x1b(?:\$[@B]|\(J|\(I)")

# Charsets mail really uses, offered to the detector (its full list turns short
# Latin texts into cp1006 or cp850).
_MAIL_CHARSETS = [
    "cp1252",
    "iso8859_2",
    "cp1250",
    "iso8859_15",
    "cp1251",
    "koi8_r",
    "koi8_u",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "gb18030",
    "big5hkscs",
    "cp932",
    "euc_jp",
    "cp949",
]
_LATIN_CODE_PAGES = frozenset({"cp1252", "iso8859_2", "cp1250", "iso8859_15"})

# Letters and punctuation of Italian, English, Polish, Romanian, German, French,
# Spanish text: the tie-break between equally clean Latin code pages.
_OFFICE_LETTERS = frozenset(
    "àèéìòùáíóúâêîôûäëïöüÿçñß"
    "ÀÈÉÌÒÙÁÍÓÚÂÊÎÔÛÄËÏÖÜÇÑ"
    "ąćęłńśźżĄĆĘŁŃŚŹŻ"
    "ăâîșțşţĂÂÎȘȚŞŢ"
    "€„“”\u2018\u2019«»\u2013—…°·\u00a0"
)
_C1_CONTROLS_RE = re.compile("[\x80-\x9f]")


def normalise_charset(name: str | None) -> str:
    """The Python codec for a declared charset (its WHATWG superset), or "" when unusable."""
    if not name:
        return ""
    cleaned = name.strip().strip("\"'").strip().lower()
    if cleaned in _SUPERSETS:
        return _SUPERSETS[cleaned]
    for candidate in (cleaned, _PREFIXES_RE.sub("cp", cleaned), _PREFIXES_RE.sub("", cleaned)):
        try:
            codec = codecs.lookup(candidate).name
        except (LookupError, ValueError):  # ValueError: a NUL in the name
            continue
        return _SUPERSETS.get(codec.replace("_", "-"), codec)
    return ""


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``data`` trusting ``declared`` as far as the bytes agree; never raises.

    Returns the text and a defect description ("" when the declaration was used
    as it is).
    """
    codec = normalise_charset(declared)
    if data.isascii():
        return _decode_ascii(data, codec, declared)
    label = (declared or "").strip().strip("\"'").lower()
    if label in {"us-ascii", "ascii", "ansi_x3.4-1968"}:
        return guess_decode(data), f"charset {declared!r} does not fit the content, detected"
    if codec and codec != "utf-8" and _is_single_byte(codec):
        try:
            return data.decode("utf-8"), f"charset {declared!r} declared, content is utf-8"
        except UnicodeDecodeError:
            pass
    if codec:
        trusted = _decode_clean(data, codec)
        if trusted is not None and codec == "cp1252":
            return _latin_second_opinion(data, trusted, declared)
        if trusted is not None:
            return trusted, ""
    defect = f"charset {declared or 'missing'!r} does not fit the content, detected"
    return guess_decode(data), defect


def _decode_ascii(data: bytes, codec: str, declared: str | None) -> tuple[str, str]:
    """ASCII bytes: plain ASCII, unless a 7-bit stateful charset is declared or shows."""
    if codec not in _STATEFUL and _ISO2022_JP_ESCAPE_RE.search(data):
        codec = "iso2022_jp_ext"
    if codec in _STATEFUL:
        for candidate in (codec, "iso2022_jp_2"):
            try:
                return data.decode(candidate), ""
            except (UnicodeDecodeError, LookupError):
                continue
        return data.decode("ascii"), f"charset {declared!r} declared, content does not decode"
    return data.decode("ascii"), ""


def _decode_clean(data: bytes, codec: str) -> str | None:
    """The strict decoding, or None when it fails or yields C1 control characters
    (bytes 0x80-0x9f are windows code-page letters, never controls, in real mail)."""
    try:
        text = data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None
    if _is_single_byte(codec) and _C1_CONTROLS_RE.search(text):
        return None
    return text


def _latin_second_opinion(data: bytes, text: str, declared: str | None) -> tuple[str, str]:
    """windows-1252 (declared latin-1) that reads better as a Central European code page.

    The known mislabel: Polish and Czech mailers declaring iso-8859-1 for
    iso-8859-2 text. Every byte is valid in both, so only the letters tell.
    """
    if all(char < "\x80" or char in _OFFICE_LETTERS for char in text):
        return text, ""  # every letter is one the office's languages use: no doubt to settle
    guess = guess_decode(data)
    if guess != text and _office_score(guess) > _office_score(text):
        return guess, f"charset {declared!r} does not fit the content, detected"
    return text, ""


def guess_decode(data: bytes) -> str:
    """Decode bytes whose charset is unknown: UTF-8 if valid, else the detector's choice."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    results = from_bytes(data, cp_isolation=_MAIL_CHARSETS)
    texts = [(match.chaos, str(match), match.encoding) for match in results]
    if not texts:
        return data.decode("cp1252", errors="replace")
    cleanest = min(chaos for chaos, _text, _codec in texts)
    tied = [(text, codec) for chaos, text, codec in texts if chaos <= cleanest + 0.01]
    if any(codec in _LATIN_CODE_PAGES for _text, codec in tied):
        return max((text for text, _codec in tied), key=_office_score)
    return tied[0][0]


def _office_score(text: str) -> int:
    """Letters of the office's languages up, other non-ASCII characters down."""
    score = 0
    for char in text:
        if char < "\x80":
            if char < " " and char not in "\t\r\n\f":
                score -= 5
        elif char in _OFFICE_LETTERS:
            score += 1
        else:
            score -= 3
    return score


def _is_single_byte(codec: str) -> bool:
    """True for charsets where (nearly) every byte decodes, so a wrong one goes unnoticed."""
    return codec.startswith(("cp12", "cp874", "iso8859", "latin", "koi8", "mac"))


def surrogate_text(value: str) -> str:
    """Repair a str holding raw 8-bit bytes as surrogate escapes (from BytesParser)."""
    if value.isascii() or not any("\udc80" <= c <= "\udcff" for c in value):
        return value
    raw = value.encode("utf-8", errors="surrogateescape")
    return guess_decode(raw)


# An RFC 2047 word in raw bytes: its 8-bit bytes belong to the word's own charset.
_ENCODED_WORD_BYTES_RE = re.compile(rb"=\?[^?\s]+\?[QqBb]\?[^?]*?\?=")
_DECLARED_CHARSET_RE = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_.:+-]+)", re.IGNORECASE)
_HEADER_END_RE = re.compile(rb"(?:\A|\r?\n)\r?\n")


def header_block_as_utf8(raw: bytes) -> tuple[bytes, str]:
    """``raw`` with the raw 8-bit bytes of its header block re-encoded as UTF-8.

    Mailers that write unencoded names and subjects write them in the charset of
    their body, and a header alone (a short name) is too little for a detector.
    So the 8-bit text of all the headers outside encoded words is decoded at once,
    in the first charset the message declares, when it is not UTF-8 and the bytes
    fit that charset; otherwise nothing changes and each header is read on its own.
    Returns the bytes and a defect description ("" when nothing was re-encoded).
    """
    end = _HEADER_END_RE.search(raw)
    head, rest = (raw[: end.start()], raw[end.start() :]) if end else (raw, b"")
    if head.isascii():
        return raw, ""
    pieces = _ENCODED_WORD_BYTES_RE.split(head)
    gaps = [piece for piece in pieces if not piece.isascii()]
    joined = b"\x00".join(gaps)
    if joined.count(b"\x00") != len(gaps) - 1:
        return raw, ""  # a NUL inside: no safe separator, the headers stay as they are
    try:
        joined.decode("utf-8")
        return raw, ""
    except UnicodeDecodeError:
        pass
    declared = _DECLARED_CHARSET_RE.search(raw)
    if declared is None:
        return raw, ""  # each header is then read on its own, by detection
    text, defect = decode_bytes(joined, declared.group(1).decode("ascii"))
    if defect:
        return raw, ""  # the declaration does not fit the headers either
    decoded = iter(text.split("\x00"))
    words = _ENCODED_WORD_BYTES_RE.findall(head)
    out = b""
    for index, piece in enumerate(pieces):
        out += next(decoded).encode("utf-8") if not piece.isascii() else piece
        if index < len(words):
            out += words[index]
    return out + rest, "raw 8-bit header text read in the charset the message declares"
