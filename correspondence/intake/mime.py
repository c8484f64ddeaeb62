"""MIME parts of a parsed message: raw header values, payloads, file names, attachments.

Pure, used by ``parsing`` (the message) and ``pec`` (the envelope). Every
function tolerates malformed parts and never raises on them.
"""

from __future__ import annotations

import email.errors
import email.policy
import email.utils
import mimetypes
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

from correspondence.intake.decoding import decode_bytes, decode_words, normalise_space

MAX_FILENAME = 200
TNEF_TYPES = frozenset({"application/ms-tnef", "application/vnd.ms-tnef"})
_MSGID_RE = re.compile(r"<([^<>\s]+)>")
_FILENAME_UNSAFE_RE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


@dataclass(frozen=True)
class ParsedAttachment:
    """One attachment; ``inline`` is True for images the HTML shows via ``cid:``."""

    filename: str
    content_type: str
    content: bytes
    content_id: str
    inline: bool


def unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value)


def raw_values(message: Message, name: str) -> list[str]:
    return [unfold(str(v)) for k, v in message.raw_items() if k.lower() == name]


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


def children(part: Message) -> Iterator[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        yield from (p for p in payload if isinstance(p, Message))


def payload_bytes(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def part_filename(part: Message) -> str:
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
    values = raw_values(part, "content-id")
    return first_message_id(values) if values else ""


def attachment(part: Message, index: int) -> ParsedAttachment:
    ctype = part.get_content_type()
    return ParsedAttachment(
        filename=part_filename(part) or _default_filename(ctype, index),
        content_type=ctype,
        content=payload_bytes(part),
        content_id=_content_id(part),
        inline=False,
    )


def attached_message(part: Message, index: int) -> ParsedAttachment:
    """A forwarded message/rfc822 part, kept whole under the name its sender gave it,
    else as ``<subject>.eml``."""
    inner = next(children(part), None)
    content = message_bytes(inner) if inner is not None else payload_bytes(part)
    subject = ""
    if inner is not None:
        subject = normalise_space(decode_words(next(iter(raw_values(inner, "subject")), "")))
    stem = part_filename(part).removesuffix(".eml") or safe_filename(subject)
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


def tnef_attachments(part: Message, defects: list[str]) -> list[ParsedAttachment]:
    """The files inside a TNEF ``winmail.dat``; the file itself if it cannot be decoded."""
    data = payload_bytes(part)
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
        defects.append(f"winmail.dat kept undecoded: {error!r}")
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


def mark_inline(attachment: ParsedAttachment, html: str) -> ParsedAttachment:
    cid = attachment.content_id
    if not cid or f"cid:{cid}".lower() not in html.lower():
        return attachment
    return ParsedAttachment(
        attachment.filename, attachment.content_type, attachment.content, cid, True
    )
