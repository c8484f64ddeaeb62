"""Celery tasks: thin adapters that take ids and call the services."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from correspondence.errors import MailboxBusy, MailboxUnavailable
from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)
# A database or broker that is down for a moment: the task is tried again, waiting 1, 2,
# 4 … seconds (at most a minute, with jitter), ten times; the sweeps and beat's polling
# catch whatever is still left after that.
TRANSIENT = {
    "autoretry_for": (OperationalError, InterfaceError, BrokerError),
    "retry_backoff": True,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 10,
}


@shared_task(name="correspondence.tasks.mailboxes_poll_task", **TRANSIENT)
def mailboxes_poll_task() -> int:
    """Queues a fetch of every active mailbox; beat runs it every few seconds."""
    ids = list(Mailbox.objects.filter(active=True).values_list("pk", flat=True))
    for mailbox_id in ids:
        mailbox_fetch_task.delay(mailbox_id)
    return len(ids)


@shared_task(name="correspondence.tasks.mailbox_fetch_task", **TRANSIENT)
def mailbox_fetch_task(mailbox_id: int) -> dict[str, int]:
    """Fetches one mailbox. A busy or unreachable mailbox is left for the next round."""
    try:
        return mailbox_fetch(mailbox_id=mailbox_id).outcomes
    except MailboxBusy as exc:
        logger.info("%s: left to the reader that holds it", exc)
        return {}
    except MailboxUnavailable as exc:
        logger.warning("mailbox %s unavailable: %s", mailbox_id, exc)
        return {}


@shared_task(name="correspondence.tasks.outbox_send_task", **TRANSIENT)
def outbox_send_task(outgoing_id: int) -> str:
    """Sends one queued mail; harmless when it was already sent (see ``outgoing_send``)."""
    from correspondence.outbox.sending import outgoing_send

    return outgoing_send(outgoing_id=outgoing_id)


@shared_task(name="correspondence.tasks.outbox_retry_task", **TRANSIENT)
def outbox_retry_task() -> int:
    """Queues a send of every mail whose next attempt is due; beat runs it every minute."""
    from correspondence.outbox.sending import outgoing_due

    ids = outgoing_due()
    for outgoing_id in ids:
        outbox_send_task.delay(outgoing_id)
    return len(ids)


# Mailbox health: admins hear of a mailbox failing for too long. Imported here, not at the
# head of the module, so that these appended lines stay independent of the lines above.
from datetime import datetime, timedelta  # noqa: E402
from smtplib import SMTPException  # noqa: E402

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.mail import send_mail  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402


def mailboxes_failing(now: datetime) -> list[Mailbox]:
    """Active mailboxes failing without a break for longer than the alert threshold.

    The threshold is ``CORRISPONDENZA_MAILBOX_ALERT_AFTER_MINUTES`` (default 30).
    """
    minutes = getattr(settings, "CORRISPONDENZA_MAILBOX_ALERT_AFTER_MINUTES", 30)
    return list(
        Mailbox.objects.filter(active=True, failing_since__lte=now - timedelta(minutes=minutes))
    )


@shared_task(name="correspondence.tasks.mailboxes_alert_task")
def mailboxes_alert_task() -> int:
    """E-mails the active superusers about each mailbox failing too long; returns mails sent.

    One mail per failure period: a mailbox that recovers and fails again alerts again.
    Beat runs it every minute.
    """
    return sum(_mailbox_alert_send(mailbox) for mailbox in mailboxes_failing(timezone.now()))


def _mailbox_alert_send(mailbox: Mailbox) -> int:
    if mailbox.failing_since is None:  # recovered since the query
        return 0
    # cache.add is atomic: two overlapping runs cannot both claim the same period.
    key = f"correspondence:mailbox-alert:{mailbox.pk}:{mailbox.failing_since.isoformat()}"
    recipients = list(
        get_user_model()
        .objects.filter(is_superuser=True, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if not recipients or not cache.add(key, True, timeout=None):
        return 0
    try:
        send_mail(*_mailbox_alert_text(mailbox), None, recipients)
    except (SMTPException, OSError):
        cache.delete(key)  # not alerted after all: the next run tries again
        raise
    return 1


def _mailbox_alert_text(mailbox: Mailbox) -> tuple[str, str]:
    since = timezone.localtime(mailbox.failing_since).strftime("%Y-%m-%d %H:%M")
    subject = _("Mailbox %(name)s cannot be read since %(since)s") % {
        "name": mailbox.name,
        "since": since,
    }
    body = _(
        "Intake cannot read the mailbox %(name)s (%(address)s) since %(since)s.\n"
        "Last error: %(error)s\nLast success: %(success)s\n\n"
        "Mail keeps waiting on the server and will be read once the problem is solved."
    ) % {
        "name": mailbox.name,
        "address": mailbox.address,
        "since": since,
        "error": mailbox.last_error or "-",
        "success": mailbox.last_success_at.isoformat() if mailbox.last_success_at else "-",
    }
    return subject, body
