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
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from email.parser import BytesParser
from html import escape

from correspondence.intake.addresses import Address as Address
from correspondence.intake.addresses import mailboxes
from correspondence.intake.charsets import header_block_as_utf8
from correspondence.intake.decoding import (
    decode_bytes,
    decode_words,
    html_nesting_depth,
    html_to_text,
    is_stub,
    normalise_space,
    sanitise_html,
    unflow,
)
from correspondence.intake.mime import (
    TNEF_TYPES,
    ParsedAttachment,
    attached_message,
    attachment,
    children,
    first_message_id,
    mark_inline,
    message_ids,
    part_filename,
    payload_bytes,
    raw_values,
    tnef_attachments,
    unfold,
)

DEFAULT_MAX_SIZE = 50 * 1024 * 1024
# Deepest MIME nesting read; mailers nest a handful of levels, poison messages 1,000.
MAX_MIME_DEPTH = 64
# Deepest HTML element nesting sanitised (real mail stays under ~50).
MAX_HTML_DEPTH = 512


class MessageTooLarge(ValueError):
    """The raw message is larger than the configured limit."""


class UnparseableMessage(ValueError):
    """The bytes are not an e-mail message at all (empty, or no header)."""


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
    in_alternative: bool = False  # inside a multipart/alternative: HTML is only shown
    from_html: set[int] = field(default_factory=set)  # texts that are an HTML part's text

    def text(self) -> str:
        """The text parts in order; an HTML part's text only where it adds to the plain text
        (mailers that send the same content as sibling plain and HTML parts)."""
        plain = normalise_space(" ".join(self._plain()))
        pieces = [
            text
            for index, text in enumerate(self.texts)
            if index not in self.from_html or normalise_space(text) not in plain
        ]
        return "\n\n".join(t.strip("\n") for t in pieces if t.strip())

    def _plain(self) -> list[str]:
        return [t for index, t in enumerate(self.texts) if index not in self.from_html]


_HEADER_LINE_RE = re.compile(rb"^[!-9;-~]+[ \t]*:")
# How far into a message a broken header block is looked at and repaired.
_HEADER_SCAN_LINES = 200
_MESSAGE_TYPES = frozenset({"message/rfc822", "message/global"})


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
    raw, transcoded = header_block_as_utf8(raw)
    # compat32 leaves headers as the strings received: we decode them ourselves, and
    # policy.default's header objects cost most of the parsing time (and crash on some
    # hostile headers).
    try:
        message = BytesParser(policy=email.policy.compat32).parsebytes(raw)
        return _build(message, size, skipped + ([transcoded] if transcoded else []))
    except RecursionError:
        # The standard library's parser and generator recurse once per nested part.
        raise UnparseableMessage("MIME parts nested too deeply to read") from None


def _header_block_repaired(raw: bytes) -> tuple[bytes, list[str]]:
    """``raw`` without the lines of its header block that are not headers, and the repairs.

    An mbox ``From `` line, a line a forwarding tool put first, a corrupted header
    would otherwise end the header block (RFC 5322 section 2.1) and leave From,
    To and Subject in the body. A line is dropped only when real headers follow
    it before the blank line. A message that opens with a blank line and no
    header after it has an empty header block (RFC 5322 allows it): its body is
    kept. Raises :class:`UnparseableMessage` when no header line starts the
    message within its first lines.
    """
    opened_blank = raw[:1] in (b"\r", b"\n")
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
    if not kept and opened_blank and raw:
        return b"\n" + raw, ["no header: the message is a body only"]
    if not kept:
        raise UnparseableMessage("no header block")
    if not skipped:
        return raw, []
    rest = lines[len(kept) + len(skipped) :]
    return b"\n".join(kept + rest), [f"not a header, skipped: {line!r}" for line in skipped]


def _build(message: Message, size: int, repairs: list[str]) -> ParsedMessage:
    headers = decoded_headers(message)
    body = _Body()
    _walk(message, body)
    html = _html_shown("\n".join(body.htmls), body) if body.htmls else ""
    text = body.text()
    if not text and html:
        text = html_to_text(html)
    attachments = [mark_inline(a, html) for a in body.attachments]
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
        decoded = decode_words(unfold(str(value)))
        result.setdefault(name.lower(), []).append(decoded.strip())
    return result


def _addresses(message: Message, name: str) -> list[Address]:
    return mailboxes(raw_values(message, name))


def _delivered_to(message: Message) -> list[str]:
    found: list[str] = []
    for name in ("delivered-to", "x-original-to", "envelope-to"):
        for _, address in email.utils.getaddresses(raw_values(message, name)):
            address = address.strip().lower()
            if "@" in address and address not in found:
                found.append(address)
    return found


def _return_path(message: Message) -> str | None:
    values = raw_values(message, "return-path")
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
        body.attachments.append(attached_message(part, len(body.attachments)))
    elif ctype == "multipart/alternative":
        _walk_alternative(part, body, depth)
    elif part.is_multipart():
        for child in children(part):
            _walk(child, body, depth + 1)
    elif _is_body_text(part, ctype):
        text = _decoded_text(part, body)
        if ctype == "text/html":
            body.htmls.append(text)
            if not body.in_alternative:  # an HTML part beside other parts: its text counts
                body.from_html.add(len(body.texts))
                body.texts.append(html_to_text(text))
        else:
            body.texts.append(text)
    elif ctype in TNEF_TYPES or part_filename(part).lower() == "winmail.dat":
        body.attachments.extend(tnef_attachments(part, body.defects))
    else:
        body.attachments.append(attachment(part, len(body.attachments)))


def _walk_alternative(part: Message, body: _Body, depth: int) -> None:
    """A multipart/alternative: the plain text, unless it is a stub of the HTML's text."""
    inner = _Body(in_alternative=True)
    for child in children(part):
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


def _is_body_text(part: Message, ctype: str) -> bool:
    if ctype not in {"text/plain", "text/html"}:
        return False
    return part.get_content_disposition() != "attachment" and not part_filename(part)


def _decoded_text(part: Message, body: _Body) -> str:
    text, defect = decode_bytes(payload_bytes(part), part.get_content_charset())
    if defect:
        body.defects.append(f"{part.get_content_type()}: {defect}")
    text = text.replace("\r\n", "\n")
    if part.get_content_type() == "text/plain" and _param(part, "format") == "flowed":
        return unflow(text, delsp=_param(part, "delsp") == "yes")
    return text


def _param(part: Message, name: str) -> str:
    value = part.get_param(name)
    return value.strip().lower() if isinstance(value, str) else ""
