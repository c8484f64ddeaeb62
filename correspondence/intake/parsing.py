"""Parse one raw inbound message into a :class:`ParsedMessage`.

Pure: bytes in, values out; no Django, no network, no clock. The parser is
tolerant by design: mail that is merely malformed (wrong charsets, broken
encoded words, bad base64, missing headers) yields a message plus ``defects``;
only input that is not mail at all raises :class:`UnparseableMessage`.
"""

from __future__ import annotations

import email
import email.errors
import email.policy
import email.utils
import mimetypes
import re
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from html import escape

from correspondence.intake.addresses import Address as Address
from correspondence.intake.addresses import mailboxes
from correspondence.intake.decoding import (
    decode_bytes,
    decode_words,
    html_nesting_depth,
    html_to_text,
    is_stub,
    normalise_space,
    sanitise_html,
)

DEFAULT_MAX_SIZE = 50 * 1024 * 1024
# Deepest MIME nesting read; mailers nest a handful of levels, poison messages 1,000.
MAX_MIME_DEPTH = 64
# Deepest HTML element nesting sanitised (real mail stays under ~50).
MAX_HTML_DEPTH = 512
MAX_FILENAME = 200


class MessageTooLarge(ValueError):
    """The raw message is larger than the configured limit."""


class UnparseableMessage(ValueError):
    """The bytes are not an e-mail message at all (empty, or no header)."""


@dataclass(frozen=True)
class ParsedAttachment:
    """One attachment; ``inline`` is True for images the HTML shows via ``cid:``."""

    filename: str
    content_type: str
    content: bytes
    content_id: str
    inline: bool


@dataclass(frozen=True)
class ParsedMessage:
    """Everything intake needs from one message; see ``parse_message``."""

    message_id: str
    in_reply_to: list[str]
    references: list[str]
    sender: Address | None
    reply_to: list[Address]
    to: list[Address]
    cc: list[Address]
    delivered_to: list[str]
    date: datetime | None
    subject: str
    text: str
    html: str
    attachments: list[ParsedAttachment]
    headers: Mapping[str, list[str]]
    size: int
    defects: list[str]
    content_type: str = "text/plain"
    return_path: str | None = None  # None: no Return-Path header; "": the null path <>

    def header(self, name: str) -> str:
        """The first decoded value of header ``name`` (any case), or ""."""
        values = self.headers.get(name.lower(), [])
        return values[0] if values else ""


@dataclass
class _Body:
    """Mutable collector filled while walking the MIME tree."""

    texts: list[str] = field(default_factory=list)
    htmls: list[str] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)


_MSGID_RE = re.compile(r"<([^<>\s]+)>")
_HEADER_LINE_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")
# How far into a message a broken header block is looked at and repaired.
_HEADER_SCAN_LINES = 200
_FILENAME_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})
_TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})


def parse_message(raw: bytes, *, max_size: int = DEFAULT_MAX_SIZE) -> ParsedMessage:
    """Parse ``raw`` RFC 5322 bytes.

    Raises :class:`MessageTooLarge` when ``len(raw) > max_size`` and
    :class:`UnparseableMessage` when ``raw`` is empty or has no header block.
    Every other problem is tolerated and listed in ``defects``.
    """
    if len(raw) > max_size:
        raise MessageTooLarge(f"message of {len(raw)} bytes exceeds {max_size}")
    size = len(raw)
    raw, skipped = _header_block_repaired(raw)
    # compat32 leaves headers as the strings received: we decode them ourselves, and
    # policy.default's header objects cost most of the parsing time (and crash on some
    # hostile headers).
    try:
        message = BytesParser(policy=email.policy.compat32).parsebytes(raw)
        return _build(message, size, [f"not a header, skipped: {line!r}" for line in skipped])
    except RecursionError:
        # The standard library's parser and generator recurse once per nested part.
        raise UnparseableMessage("MIME parts nested too deeply to read") from None


def _header_block_repaired(raw: bytes) -> tuple[bytes, list[bytes]]:
    """``raw`` without the lines of its header block that are not headers, and those lines.

    An mbox ``From `` line, a line a forwarding tool put first, a corrupted header
    would otherwise end the header block (RFC 5322 section 2.1) and leave From,
    To and Subject in the body. A line is dropped only when real headers follow
    it before the blank line; raises :class:`UnparseableMessage` when no header
    line starts the message within its first lines.
    """
    raw = raw.lstrip(b"\r\n")
    lines = raw.split(b"\n", _HEADER_SCAN_LINES)
    kept: list[bytes] = []
    skipped: list[bytes] = []
    for index, line in enumerate(lines[:_HEADER_SCAN_LINES]):
        if not line.strip(b"\r"):
            break
        if _HEADER_LINE_RE.match(line) or (kept and line[:1] in b" \t"):
            kept.append(line)
        elif any(_HEADER_LINE_RE.match(later) for later in lines[index + 1 : index + 4]):
            skipped.append(line.rstrip(b"\r"))
        else:
            break
    if not kept:
        raise UnparseableMessage("no header block")
    if not skipped:
        return raw, []
    rest = lines[len(kept) + len(skipped) :]
    return b"\n".join(kept + rest), skipped


def _build(message: Message, size: int, repairs: list[str]) -> ParsedMessage:
    headers = decoded_headers(message)
    body = _Body()
    _walk(message, body)
    html = _html_shown("\n".join(body.htmls), body) if body.htmls else ""
    text = "\n\n".join(t.strip("\n") for t in body.texts if t.strip())
    if not text and html:
        text = html_to_text(html)
    attachments = [_mark_inline(a, html) for a in body.attachments]
    defects = repairs + [type(d).__name__ for d in message.defects] + body.defects
    return ParsedMessage(
        message_id=first_message_id(headers.get("message-id", [])),
        in_reply_to=message_ids(headers.get("in-reply-to", [])),
        references=message_ids(headers.get("references", [])),
        sender=next(iter(_addresses(message, "from")), None),
        reply_to=_addresses(message, "reply-to"),
        to=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        delivered_to=_delivered_to(message),
        date=parse_date(headers.get("date", [""])[0]),
        subject=normalise_space(headers.get("subject", [""])[0]),
        text=text,
        html=html,
        attachments=attachments,
        headers=headers,
        size=size,
        defects=defects,
        content_type=message.get_content_type(),
        return_path=_return_path(message),
    )


# --- headers ----------------------------------------------------------------


def decoded_headers(message: Message) -> dict[str, list[str]]:
    """Lower-cased header name -> decoded values, in message order."""
    result: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        decoded = decode_words(_unfold(str(value)))
        result.setdefault(name.lower(), []).append(decoded.strip())
    return result


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def _raw_values(message: Message, name: str) -> list[str]:
    return [_unfold(str(v)) for k, v in message.raw_items() if k.lower() == name]


def message_ids(values: list[str]) -> list[str]:
    """Message-IDs in header values, without angle brackets, de-duplicated in order.

    Values without any ``<...>`` (sloppy mailers) are split on whitespace/commas.
    """
    found: list[str] = []
    for value in values:
        ids = _MSGID_RE.findall(value) or re.split(r"[\s,]+", value.strip())
        found.extend(i for i in ids if i and i not in found)
    return found


def first_message_id(values: list[str]) -> str:
    """The first Message-ID among ``values`` without brackets, or ""."""
    ids = message_ids(values)
    return ids[0] if ids else ""


def _addresses(message: Message, name: str) -> list[Address]:
    return mailboxes(_raw_values(message, name))


def _delivered_to(message: Message) -> list[str]:
    found: list[str] = []
    for name in ("delivered-to", "x-original-to", "envelope-to"):
        for _, address in email.utils.getaddresses(_raw_values(message, name)):
            address = address.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return found


def _return_path(message: Message) -> str | None:
    values = _raw_values(message, "return-path")
    if not values:
        return None
    match = re.search(r"<([^>]*)>", values[0])
    return (match.group(1) if match else values[0]).strip().lower()


def parse_date(value: str) -> datetime | None:
    """An aware datetime from a Date header value; naive times are taken as UTC."""
    if not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- body -------------------------------------------------------------------


def _html_shown(html: str, body: _Body) -> str:
    """The sanitised HTML; past ``MAX_HTML_DEPTH`` nested elements, only its text, escaped."""
    if html_nesting_depth(html) <= MAX_HTML_DEPTH:
        return sanitise_html(html)
    body.defects.append(f"HTML nested deeper than {MAX_HTML_DEPTH}: only its text is kept")
    return f"<pre>{escape(html_to_text(html))}</pre>"


def _walk(part: Message, body: _Body, depth: int = 0) -> None:
    """Fill ``body`` from ``part``, depth first; attached messages are not entered.

    Raises :class:`UnparseableMessage` past ``MAX_MIME_DEPTH`` nested parts: no
    real mail nests that deep, a poison message does.
    """
    if depth > MAX_MIME_DEPTH:
        raise UnparseableMessage(f"MIME parts nested deeper than {MAX_MIME_DEPTH}")
    ctype = part.get_content_type()
    if ctype in _MESSAGE_TYPES:
        body.attachments.append(_attached_message(part, len(body.attachments)))
    elif ctype == "multipart/alternative":
        _walk_alternative(part, body, depth)
    elif part.is_multipart():
        for child in _children(part):
            _walk(child, body, depth + 1)
    elif _is_body_text(part, ctype):
        text = _decoded_text(part, body)
        (body.htmls if ctype == "text/html" else body.texts).append(text)
    elif ctype in _TNEF_TYPES or _filename(part).lower() == "winmail.dat":
        body.attachments.extend(_tnef_attachments(part, body))
    else:
        body.attachments.append(_attachment(part, len(body.attachments)))


def _walk_alternative(part: Message, body: _Body, depth: int) -> None:
    """A multipart/alternative: the plain text, unless it is a stub of the HTML's text."""
    inner = _Body()
    for child in _children(part):
        _walk(child, inner, depth + 1)
    body.htmls += inner.htmls
    body.attachments += inner.attachments
    body.defects += inner.defects
    plain = "\n\n".join(t.strip("\n") for t in inner.texts if t.strip())
    html_text = html_to_text("\n".join(inner.htmls)) if inner.htmls and plain else ""
    if html_text and is_stub(plain, html_text):
        body.defects.append("text/plain is a stub of the HTML: the HTML's text is used")
        plain = html_text
    if plain:
        body.texts.append(plain)


def _children(part: Message) -> Iterator[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        yield from (p for p in payload if isinstance(p, Message))


def _is_body_text(part: Message, ctype: str) -> bool:
    if ctype not in {"text/plain", "text/html"}:
        return False
    return part.get_content_disposition() != "attachment" and not _filename(part)


def _payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _decoded_text(part: Message, body: _Body) -> str:
    text, defect = decode_bytes(_payload_bytes(part), part.get_content_charset())
    if defect:
        body.defects.append(f"{part.get_content_type()}: {defect}")
    return text.replace("\r\n", "\n")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or part.get_param("name") or ""
    except (LookupError, ValueError, TypeError):
        return ""
    if isinstance(name, tuple):  # an undecoded RFC 2231 triple (compat32)
        name = email.utils.collapse_rfc2231_value(name)
    return safe_filename(decode_words(str(name)))


def safe_filename(name: str) -> str:
    """A filename safe to show and store: no path, no control or reserved characters,
    at most ``MAX_FILENAME`` characters, a long one shortened in its stem so that
    the extension (what opens the file) survives."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _FILENAME_UNSAFE_RE.sub("_", normalise_space(name)).strip(" ._")
    if len(name) <= MAX_FILENAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > 16 or " " in extension:
        return name[:MAX_FILENAME]
    return f"{stem[: MAX_FILENAME - len(extension) - 2].rstrip(' ._')}\u2026.{extension}"


def _default_filename(ctype: str, index: int) -> str:
    if ctype == "text/calendar":
        return "invite.ics"
    extension = mimetypes.guess_extension(ctype, strict=False) or ".bin"
    stem = "image" if ctype.startswith("image/") else "attachment"
    return f"{stem}-{index + 1}{extension}"


def _content_id(part: Message) -> str:
    values = _raw_values(part, "content-id")
    return first_message_id(values) if values else ""


def _attachment(part: Message, index: int) -> ParsedAttachment:
    ctype = part.get_content_type()
    return ParsedAttachment(
        filename=_filename(part) or _default_filename(ctype, index),
        content_type=ctype,
        content=_payload_bytes(part),
        content_id=_content_id(part),
        inline=False,
    )


def _attached_message(part: Message, index: int) -> ParsedAttachment:
    """A forwarded message/rfc822 part, kept whole as ``<subject>.eml``."""
    inner = next(_children(part), None)
    content = message_bytes(inner) if inner is not None else _payload_bytes(part)
    subject = ""
    if inner is not None:
        subject = normalise_space(decode_words(next(iter(_raw_values(inner, "subject")), "")))
    stem = safe_filename(subject) or _filename(part).removesuffix(".eml")
    return ParsedAttachment(
        filename=f"{stem or f'message-{index + 1}'}.eml",
        content_type="message/rfc822",
        content=content,
        content_id=_content_id(part),
        inline=False,
    )


def message_bytes(message: Message) -> bytes:
    """The bytes of a parsed (sub)message, headers written back as received."""
    # refold_source="none" writes parsed headers back exactly as received.
    policy = message.policy
    if isinstance(policy, email.policy.EmailPolicy):
        policy = policy.clone(refold_source="none")
    failures = (UnicodeError, LookupError, ValueError, TypeError, email.errors.MessageError)
    try:
        return message.as_bytes(policy=policy)
    except failures:
        pass
    try:
        # Headers the generator cannot re-encode (mangled 8-bit): keep them raw.
        text = message.as_string(policy=email.policy.compat32)
    except failures:
        # Not even compat32 can write it back: keep the raw headers as evidence.
        text = "".join(f"{name}: {value}\n" for name, value in message.raw_items())
    return text.encode("utf-8", errors="surrogateescape")


def _tnef_attachments(part: Message, body: _Body) -> list[ParsedAttachment]:
    """The files inside a TNEF ``winmail.dat``; the file itself if it cannot be decoded."""
    data = _payload_bytes(part)
    fallback = ParsedAttachment("winmail.dat", "application/ms-tnef", data, "", False)
    try:
        from tnefparse import TNEF

        tnef = TNEF(data, do_checksum=False)
        files = [(str(_tnef_name(a)), bytes(a.data)) for a in tnef.attachments if a.data]
    except ImportError:
        return [fallback]
    # tnefparse fails on corrupt data with whatever its code trips over
    # (NameError: an attachment attribute before any attachment).
    except (ValueError, LookupError, struct.error, AttributeError, TypeError, NameError) as error:
        body.defects.append(f"winmail.dat kept undecoded: {error!r}")
        return [fallback]
    if not tnef.attachments and not files:
        return [fallback]
    return [
        ParsedAttachment(
            filename=safe_filename(name) or _default_filename("application/octet-stream", i),
            content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
            content=content,
            content_id="",
            inline=False,
        )
        for i, (name, content) in enumerate(files)
    ]


def _tnef_name(attachment: object) -> str:
    long_name = getattr(attachment, "long_filename", None)
    name = long_name() if callable(long_name) else getattr(attachment, "name", "")
    if isinstance(name, bytes):
        name = decode_bytes(name.rstrip(b"\x00"), "cp1252")[0]
    return str(name).strip("\x00")


def _mark_inline(attachment: ParsedAttachment, html: str) -> ParsedAttachment:
    cid = attachment.content_id
    if not cid or f"cid:{cid}".lower() not in html.lower():
        return attachment
    return ParsedAttachment(
        attachment.filename, attachment.content_type, attachment.content, cid, True
    )
