"""“Test connection” for a mailbox: log in to its IMAP and SMTP servers and say what they
answered, without reading, marking or sending anything."""

import smtplib
from dataclasses import dataclass

from django.utils.translation import gettext as _

from correspondence.errors import MailboxUnavailable, SecretUnavailable
from correspondence.intake.imap import imap_errors, imap_session
from correspondence.models import Mailbox
from correspondence.outbox.sending import SEND_ERRORS, smtp_connect


@dataclass(frozen=True)
class ProbeResult:
    """One server's verdict: which protocol, whether it worked, and its own words."""

    protocol: str
    ok: bool
    answer: str


def mailbox_connection_test(*, mailbox: Mailbox) -> list[ProbeResult]:
    """Logs in to the mailbox's IMAP (and opens its folder read-only) and SMTP servers.

    One result per configured server; failures are results, never exceptions.
    """
    results: list[ProbeResult] = []
    if mailbox.protocol == Mailbox.Protocol.IMAP and mailbox.imap_host:
        results.append(_imap_probe(mailbox))
    if mailbox.smtp_host:
        results.append(_smtp_probe(mailbox))
    return results


def _imap_probe(mailbox: Mailbox) -> ProbeResult:
    try:
        with imap_session(mailbox) as client:
            welcome = _text(client.welcome)
            with imap_errors(mailbox, f"opening {mailbox.imap_folder}"):
                status = client.select_folder(mailbox.imap_folder, readonly=True)
    except MailboxUnavailable as exc:
        return ProbeResult("IMAP", False, str(exc))
    count = int(status.get(b"EXISTS", 0))
    answer = _("%(welcome)s — logged in as %(user)s; %(folder)s holds %(count)d messages.") % {
        "welcome": welcome,
        "user": mailbox.imap_user,
        "folder": mailbox.imap_folder,
        "count": count,
    }
    return ProbeResult("IMAP", True, answer)


def _smtp_probe(mailbox: Mailbox) -> ProbeResult:
    where = f"SMTP {mailbox.smtp_host}:{mailbox.smtp_port}"
    try:
        smtp = smtp_connect(mailbox)
    except SecretUnavailable as exc:
        return ProbeResult("SMTP", False, f"{where}: {exc}")
    except SEND_ERRORS as exc:
        return ProbeResult("SMTP", False, f"{where}: {exc}")
    try:
        _code, hello = smtp.ehlo()
        greeting = _text(hello).splitlines()[0]
        code, reply = smtp.noop()
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    user = mailbox.smtp_user or _("no login")
    return ProbeResult(
        "SMTP", 200 <= code < 300, f"{where}: {greeting} ({user}); NOOP {code} {_text(reply)}"
    )


def _text(value: bytes | str) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value
