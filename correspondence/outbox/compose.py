"""Building outgoing mail: a draft in, RFC 5322 bytes out. Pure: no database, no network.

Every mail we send carries the case number in its subject and in its
Message-ID, and answers the customer's message with In-Reply-To/References,
so whatever the customer's client keeps, the answer threads back to the case.
Automatic mail says so (RFC 3834 ``Auto-Submitted``, Exchange's
``X-Auto-Response-Suppress``) so that well-behaved robots do not answer it.
"""

from __future__ import annotations

import email.policy
import email.utils
import html
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from email import quoprimime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import formataddr

from correspondence.intake.threads import case_numbers_in, reply_subject

# CRLF line endings and 7-bit-safe headers: what any SMTP server accepts.
POLICY = email.policy.SMTP
# A customer's References chain can grow without bound; keep the newest.
MAX_REFERENCES = 20
_LOCAL_PART_RE = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$")
_DOMAIN_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_WHITESPACE_RE = re.compile(r"\s+")
_TEXT_PART_HEADERS = (
    'Content-Type: text/plain; charset="utf-8"\r\n'
    "Content-Transfer-Encoding: quoted-printable\r\nMIME-Version: 1.0\r\n\r\n"
)


def bodies_signed(
    text: str, signature: str, image_cid: str | None, signature_html: str = ""
) -> tuple[str, str]:
    """The plain and HTML parts of a mail: ``text`` in paragraphs, the signature below it
    (after the ``-- `` line in the plain part) and, with ``image_cid``, the inline image.
    ``signature_html``, already sanitised, stands for the signature in the HTML part."""
    plain = f"{text.rstrip()}\n\n-- \n{signature}" if signature else text.rstrip()
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.strip().split("\n\n")
    )
    signed = signature_html or (
        f"<p>{html.escape(signature).replace(chr(10), '<br>')}</p>" if signature else ""
    )
    img = f'<p><img src="cid:{image_cid}" alt=""></p>' if image_cid else ""
    return plain, f"<html><body>{paragraphs}{signed}{img}</body></html>"


class InvalidAddress(ValueError):
    """An address we cannot put in a header or an SMTP envelope."""


# RFC 3834's Auto-Submitted values: an answer a machine sends to a message it received
# (an acknowledgement), or mail a machine sends of its own accord (a notice, a reminder).
AUTO_REPLIED, AUTO_GENERATED = "auto-replied", "auto-generated"


@dataclass(frozen=True)
class OutgoingAttachment:
    """A file to send. With a ``content_id`` (no angle brackets) it is an inline image
    that the HTML shows as ``<img src="cid:...">``."""

    filename: str
    content_type: str
    content: bytes
    content_id: str = ""


@dataclass(frozen=True)
class Draft:
    """Everything an outgoing mail says. Message-IDs are written without angle brackets."""

    from_address: str
    from_name: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    text: str
    message_id: str
    date: datetime
    html: str = ""
    in_reply_to: str = ""
    references: tuple[str, ...] = ()
    automatic: bool = False
    auto_submitted: str = AUTO_REPLIED  # the header's value when ``automatic``
    attachments: tuple[OutgoingAttachment, ...] = ()


def address_clean(address: str) -> str:
    """``address`` with its domain lower-cased, checked; raises :class:`InvalidAddress`.

    Only ASCII local parts are accepted (no SMTPUTF8); an internationalised
    domain is written in its IDNA form.
    """
    local, at, domain = address.strip().rpartition("@")
    if not at or not _LOCAL_PART_RE.match(local) or ".." in local:
        raise InvalidAddress(f"not a usable address: {address!r}")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidAddress(f"not a usable domain: {address!r}") from exc
    if not _DOMAIN_RE.match(domain):
        raise InvalidAddress(f"not a usable domain: {address!r}")
    return f"{local}@{domain.lower()}"


def message_id_new(*, case_number: str, address: str, token: str | None = None) -> str:
    """``SIN-2026-000042.<random>@<domain of address>``, without angle brackets."""
    domain = address_clean(address).rpartition("@")[2].lower()
    return f"{case_number}.{token or secrets.token_hex(10)}@{domain}"


def outgoing_subject(subject: str, case_number: str) -> str:
    """``subject`` on one line, with ``[case number]`` added when it does not carry it."""
    line = _WHITESPACE_RE.sub(" ", subject).strip()
    if case_number.upper() in case_numbers_in(line):
        return line
    return reply_subject(line, case_number)


def mail_compose(draft: Draft) -> bytes:
    """The draft as RFC 5322 bytes with CRLF line endings.

    Structure: text/plain, or multipart/alternative with the HTML (inside
    multipart/related when it has inline images), inside multipart/mixed when
    there are attachments. Raises :class:`InvalidAddress` for an unusable address.
    """
    if not draft.to:
        raise InvalidAddress("an outgoing mail needs at least one recipient")
    if _plain_automatic(draft):
        return _plain_automatic_compose(draft)
    msg = EmailMessage(policy=POLICY)
    _headers_write(msg, draft)
    msg.set_content(draft.text or "", cte="quoted-printable")
    inline = [a for a in draft.attachments if a.content_id and draft.html]
    if draft.html:
        msg.add_alternative(draft.html, subtype="html", cte="quoted-printable")
        html_part = list(msg.iter_parts())[-1]
        for item in inline:
            _related_add(html_part, item)
    for item in draft.attachments:
        if item not in inline:
            maintype, subtype = _content_type(item)
            msg.add_attachment(item.content, maintype, subtype, filename=item.filename)
    for part in msg.walk():
        if part is not msg:
            # The email package stamps every part it creates; only the top level needs it.
            del part["MIME-Version"]
    return msg.as_bytes(policy=POLICY)


def _plain_automatic(draft: Draft) -> bool:
    """An acknowledgement-like mail: automatic, text only, no text that could read as
    an encoded word. Intake queues one per new case, thousands in an archive import."""
    texts = (draft.from_name, draft.subject)
    plain = draft.automatic and not draft.html and not draft.attachments
    # Words that would need splitting inside an encoded word go the general way.
    ordinary = all("=?" not in t and max(map(len, t.split()), default=0) <= 60 for t in texts)
    return plain and ordinary and len(draft.from_name) <= 40


def _plain_automatic_compose(draft: Draft) -> bytes:
    """The same mail as the general path gives (tested header by header), with its
    headers encoded and folded by the email package's ``Header`` instead of
    ``policy.default``'s header objects, which cost five times as much."""
    lines = [
        _header("From", formataddr((draft.from_name, address_clean(draft.from_address)), "utf-8")),
        _header("To", ", ".join(address_clean(a) for a in draft.to)),
    ]
    if draft.cc:
        lines.append(_header("Cc", ", ".join(address_clean(a) for a in draft.cc)))
    lines += [
        _header("Subject", _WHITESPACE_RE.sub(" ", draft.subject).strip()),
        _header("Date", email.utils.format_datetime(draft.date)),
        _header("Message-ID", f"<{draft.message_id}>"),
    ]
    if draft.in_reply_to:
        lines.append(_header("In-Reply-To", f"<{draft.in_reply_to}>"))
    references = [r for r in draft.references if r][-MAX_REFERENCES:]
    if references:
        lines.append(_header("References", " ".join(f"<{r}>" for r in references)))
    lines += [
        _header("Auto-Submitted", draft.auto_submitted),
        _header("X-Auto-Response-Suppress", "All"),
    ]
    # What ``set_content(text, cte="quoted-printable")`` writes, without its header objects.
    lines.append(_TEXT_PART_HEADERS)
    text = b"\n".join((draft.text or "").encode("utf-8").splitlines()) + b"\n"
    body = quoprimime.body_encode(text.decode("latin-1"), POLICY.max_line_length)
    return "".join(lines).encode("ascii") + body.replace("\n", "\r\n").encode("ascii")


def _header(name: str, value: str) -> str:
    """``Name: value`` folded at 78 columns with CRLF, RFC 2047-encoded when not ASCII."""
    if value.isascii() and len(name) + 2 + len(value) <= 78 and "\n" not in value:
        return f"{name}: {value}\r\n"  # what ``Header`` gives it, at a tenth of the cost
    charset = "us-ascii" if value.isascii() else "utf-8"
    folded = Header(value, charset, header_name=name).encode(linesep="\r\n", maxlinelen=78)
    return f"{name}: {folded}\r\n"


def _headers_write(msg: EmailMessage, draft: Draft) -> None:
    msg["From"] = Address(display_name=draft.from_name, addr_spec=address_clean(draft.from_address))
    msg["To"] = [Address(addr_spec=address_clean(a)) for a in draft.to]
    if draft.cc:
        msg["Cc"] = [Address(addr_spec=address_clean(a)) for a in draft.cc]
    msg["Subject"] = _WHITESPACE_RE.sub(" ", draft.subject).strip()
    msg["Date"] = email.utils.format_datetime(draft.date)
    msg["Message-ID"] = f"<{draft.message_id}>"
    if draft.in_reply_to:
        msg["In-Reply-To"] = f"<{draft.in_reply_to}>"
    references = [r for r in draft.references if r][-MAX_REFERENCES:]
    if references:
        msg["References"] = " ".join(f"<{r}>" for r in references)
    if draft.automatic:
        msg["Auto-Submitted"] = draft.auto_submitted
        msg["X-Auto-Response-Suppress"] = "All"


def _related_add(html_part: MIMEPart, item: OutgoingAttachment) -> None:
    maintype, subtype = _content_type(item)
    html_part.add_related(
        item.content,
        maintype,
        subtype,
        cid=f"<{item.content_id}>",
        filename=item.filename,
        disposition="inline",
    )


def _content_type(item: OutgoingAttachment) -> tuple[str, str]:
    maintype, _, subtype = item.content_type.lower().partition("/")
    # message/* must not be base64-encoded (RFC 2046); send such files as opaque bytes.
    if not maintype or not subtype or maintype in {"message", "multipart"}:
        return "application", "octet-stream"
    return maintype, subtype
