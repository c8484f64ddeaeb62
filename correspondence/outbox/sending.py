"""Sending queued mail through its mailbox's SMTP: once, with bounded retries.

A sender claims a row (``queued`` → ``sending``, one attempt counted) in a
short transaction, talks to the SMTP server outside any transaction, copies
the mail to the mailbox's Sent folder (``sent_copy``), and records the outcome.
Once the server accepted a mail, recording that is retried until the database
answers (:data:`RECORD_PATIENCE`); sending is never repeated for it. A sender
that dies mid-attempt leaves its row ``sending``; after :data:`SENDING_LEASE`
the sweep looks for the mail in the Sent folder, records it sent if it is
there, and only otherwise gives it back to the queue. A mail can then leave
twice only if its sender died between the server's acceptance and the copy,
or its mailbox keeps no copy; it leaves with the same Message-ID, so the
recipient's client shows it once.
"""

import logging
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone

from correspondence.errors import SecretUnavailable
from correspondence.intake.lease import connection_reset
from correspondence.models import Mailbox, OutgoingMail
from correspondence.outbox.sent_copy import sent_copy_find, sent_copy_kept, sent_copy_ready

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
RETRY_BASE = timedelta(minutes=1)
RETRY_CAP = timedelta(hours=2)
SMTP_TIMEOUT = 60
# Longer than Celery's hard time limit (15 minutes): a live sender is never overtaken.
SENDING_LEASE = timedelta(minutes=20)
# A row handed to the queue by the sweep is not handed out again for this long.
REQUEUE_GRACE = timedelta(minutes=2)
# How long a sender whose mail was accepted keeps trying to record it (within Celery's
# soft time limit), waiting at most RECORD_BACKOFF_MAX between tries.
RECORD_PATIENCE = timedelta(minutes=12)
RECORD_BACKOFF_MAX = 10.0

_State = OutgoingMail.State
# What a failed attempt can raise: the server's answers, the network, a missing secret.
SEND_ERRORS = (smtplib.SMTPException, OSError, SecretUnavailable)


def retry_delay(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 1, 2, 4 … minutes, at most two hours."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def outgoing_send(*, outgoing_id: int) -> str:
    """Sends one queued mail; returns "sent", "retry", "failed" or "skipped".

    "skipped": the mail is already sent or failed, or another sender holds it,
    so calling this twice never sends twice. SMTP refusals and network errors
    are recorded on the row (``last_error``, ``attempts``, ``next_attempt_at``);
    a permanent refusal or the :data:`MAX_ATTEMPTS`-th failure marks it failed.
    """
    outgoing = _claim(outgoing_id)
    if outgoing is None:
        return "skipped"
    accepted: list[float] = []
    with sent_copy_ready(mailbox=outgoing.mailbox) as copy:

        def on_accepted(raw: bytes) -> bool:
            accepted.append(time.monotonic())
            return copy(raw)

        try:
            copied, refused = _deliver(outgoing, on_accepted=on_accepted)
        except SEND_ERRORS as exc:
            if accepted:  # refused after DATA was accepted (at QUIT): it has left
                copied, refused = False, {}
            else:
                return _failure_record(outgoing, exc)
        copied_after = time.monotonic() - accepted[0]
    _patiently(lambda: _success_record(outgoing, refused), what=outgoing.message_id)
    # Until the copy (or, without one, the record) exists, a crash would send it again.
    unknown = copied_after if copied else time.monotonic() - accepted[0]
    logger.info(
        "outgoing mail %s sent to %s; outcome unrecorded for %.1f ms",
        outgoing.message_id,
        ", ".join(outgoing.to),
        unknown * 1000,
    )
    return "sent"


def _patiently(record: Any, *, what: str) -> None:
    """Runs ``record`` until the database answers: 0.2, 0.4 … RECORD_BACKOFF_MAX s apart.

    After RECORD_PATIENCE the database error is raised; the row stays ``sending`` and
    the sweep settles it from the Sent folder.
    """
    deadline = time.monotonic() + RECORD_PATIENCE.total_seconds()
    delay = 0.2
    while True:
        try:
            record()
            return
        except (OperationalError, InterfaceError) as exc:
            connection_reset()
            if time.monotonic() + delay > deadline:
                raise
            logger.warning("outgoing mail %s: recording waits for the database: %s", what, exc)
            time.sleep(delay)
            delay = min(delay * 2, RECORD_BACKOFF_MAX)


@transaction.atomic
def _claim(outgoing_id: int) -> OutgoingMail | None:
    outgoing = (
        OutgoingMail.objects.select_for_update(skip_locked=True)
        .filter(pk=outgoing_id, state=_State.QUEUED)
        .first()
    )
    if outgoing is None:
        return None
    outgoing.state = _State.SENDING
    outgoing.attempts += 1
    outgoing.next_attempt_at = timezone.now() + SENDING_LEASE
    outgoing.save(update_fields=["state", "attempts", "next_attempt_at"])
    return outgoing


def _deliver(
    outgoing: OutgoingMail, *, on_accepted: Callable[[bytes], bool]
) -> tuple[bool, dict[str, Any]]:
    """Hands the stored bytes to the mailbox's SMTP server; returns what ``on_accepted``
    said and the refused recipients.

    ``on_accepted(raw)`` runs the moment the server accepted the data, before QUIT.
    """
    with outgoing.raw.open("rb") as stored:
        raw = stored.read()
    mailbox = outgoing.mailbox
    recipients = [*outgoing.to, *outgoing.cc]
    if not mailbox.smtp_host:
        _deliver_django(raw, sender=mailbox.address, recipients=recipients)
        return on_accepted(raw), {}
    smtp = smtp_connect(mailbox)
    try:
        refused = smtp.sendmail(mailbox.address, recipients, raw)
        return on_accepted(raw), refused
    finally:
        _smtp_close(smtp)


def smtp_connect(mailbox: Mailbox) -> smtplib.SMTP:
    """An open, authenticated SMTP session with the mailbox's server.

    Raises ``smtplib.SMTPException`` or ``OSError`` when the server cannot be
    reached or refuses us, ``SecretUnavailable`` when the password cannot be read.
    """
    context = ssl.create_default_context()
    host, port = mailbox.smtp_host, mailbox.smtp_port
    if mailbox.smtp_security == Mailbox.Security.TLS:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT)
    try:
        if mailbox.smtp_security == Mailbox.Security.STARTTLS:
            smtp.starttls(context=context)
        if mailbox.smtp_user:
            smtp.login(mailbox.smtp_user, mailbox.smtp_password())
    except BaseException:
        smtp.close()
        raise
    return smtp


def _smtp_close(smtp: smtplib.SMTP) -> None:
    # The mail is accepted or refused by now: a failing QUIT changes nothing.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


class _RawMIME:
    """The stored bytes, shaped like the ``email`` message Django's backends serialise."""

    def __init__(self, raw: bytes) -> None:
        self._raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self._raw.replace(b"\r\n", b"\n").replace(b"\n", linesep.encode())

    def get_charset(self) -> None:
        return None


class _RawEmail(EmailMessage):
    """A Django e-mail whose message is exactly the bytes the outbox built."""

    def __init__(self, raw: bytes, *, sender: str, recipients: list[str]) -> None:
        super().__init__(from_email=sender, to=recipients)
        self.raw = raw

    def message(self) -> Any:
        return _RawMIME(self.raw)


def _deliver_django(raw: bytes, *, sender: str, recipients: list[str]) -> None:
    """A mailbox without SMTP host sends through ``EMAIL_BACKEND`` (the demo's sent-mail folder)."""
    get_connection(fail_silently=False).send_messages(
        [_RawEmail(raw, sender=sender, recipients=recipients)]
    )


def _permanent(exc: BaseException) -> bool:
    """A 5xx refusal of the message or of every recipient: retrying cannot help.

    A refused sender or login is the mailbox's configuration, which an admin can
    fix: those are retried.
    """
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    return isinstance(exc, smtplib.SMTPDataError) and exc.smtp_code >= 500


def _failure_record(outgoing: OutgoingMail, exc: BaseException) -> str:
    now = timezone.now()
    failed = _permanent(exc) or outgoing.attempts >= MAX_ATTEMPTS
    error = f"{type(exc).__name__}: {exc}"[:2000]
    OutgoingMail.objects.filter(
        pk=outgoing.pk, state=_State.SENDING, attempts=outgoing.attempts
    ).update(
        state=_State.FAILED if failed else _State.QUEUED,
        last_error=error,
        next_attempt_at=now + retry_delay(outgoing.attempts),
    )
    logger.warning(
        "outgoing mail %s, attempt %s: %s%s",
        outgoing.message_id,
        outgoing.attempts,
        error,
        " (given up)" if failed else "",
    )
    return "failed" if failed else "retry"


def _success_record(outgoing: OutgoingMail, refused: dict[str, Any]) -> None:
    # Some recipients refused, the others accepted: sent, with the refusals on record.
    error = "; ".join(f"{address}: {code} {reply!r}" for address, (code, reply) in refused.items())
    # ``queued`` too: a database that crashed and lost our claim must still learn it left.
    OutgoingMail.objects.filter(pk=outgoing.pk, state__in=[_State.SENDING, _State.QUEUED]).update(
        state=_State.SENT, sent_at=timezone.now(), last_error=error[:2000]
    )


def outgoing_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Ids of queued mail whose next attempt is due, oldest first; marks them handed out.

    Rows left ``sending`` by a sender that died are settled first (``outgoing_settle``).
    """
    now = now or timezone.now()
    stale = OutgoingMail.objects.filter(state=_State.SENDING, next_attempt_at__lte=now)
    for outgoing in stale.select_related("mailbox").order_by("next_attempt_at")[:limit]:
        outgoing_settle(outgoing=outgoing, now=now)
    return _due_hand_out(now, limit)


def outgoing_settle(*, outgoing: OutgoingMail, now: datetime) -> str:
    """Decides a row whose sender died mid-attempt, without a blind second send.

    Found in the Sent folder: it left, recorded "sent". Not found: back to the queue
    (or failed after its last attempt). When the folder cannot be searched now, the
    decision waits (REQUEUE_GRACE) rather than risk a second delivery; a mailbox that
    keeps no copy is queued again, the one case where a mail may leave twice.
    Returns "sent", "queued", "failed" or "waiting".
    """
    found = sent_copy_find(mailbox=outgoing.mailbox, message_id=outgoing.message_id)
    row = OutgoingMail.objects.filter(
        pk=outgoing.pk, state=_State.SENDING, attempts=outgoing.attempts
    )
    if found:
        row.update(state=_State.SENT, sent_at=now, last_error="")
        logger.info("outgoing mail %s: found in the Sent folder, not sent again", outgoing.pk)
        return "sent"
    if found is None and sent_copy_kept(outgoing.mailbox):
        row.update(next_attempt_at=now + REQUEUE_GRACE)
        return "waiting"
    if outgoing.attempts >= MAX_ATTEMPTS:
        row.update(state=_State.FAILED, last_error="the sender stopped during the last attempt")
        return "failed"
    row.update(state=_State.QUEUED)
    return "queued"


@transaction.atomic
def _due_hand_out(now: datetime, limit: int) -> list[int]:
    due = (
        OutgoingMail.objects.select_for_update(skip_locked=True)
        .filter(state=_State.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    ids = list(due)
    OutgoingMail.objects.filter(pk__in=ids).update(next_attempt_at=now + REQUEUE_GRACE)
    return ids
