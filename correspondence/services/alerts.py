"""Mailbox health: admins hear of a mailbox failing for too long, once per failure period."""

from datetime import datetime, timedelta
from smtplib import SMTPException

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.mail import send_mail
from django.utils import timezone
from django.utils.translation import gettext as _

from correspondence.models import Mailbox


def mailboxes_failing(now: datetime) -> list[Mailbox]:
    """Active mailboxes failing without a break for longer than the alert threshold.

    The threshold is ``CORRISPONDENZA_MAILBOX_ALERT_AFTER_MINUTES`` (default 30).
    """
    minutes = getattr(settings, "CORRISPONDENZA_MAILBOX_ALERT_AFTER_MINUTES", 30)
    return list(
        Mailbox.objects.filter(active=True, failing_since__lte=now - timedelta(minutes=minutes))
    )


def mailboxes_alert_send(*, now: datetime) -> int:
    """E-mails the active superusers about each mailbox failing too long; returns mails sent.

    One mail per failure period: a mailbox that recovers and fails again alerts again.
    """
    return sum(_mailbox_alert_send(mailbox) for mailbox in mailboxes_failing(now))


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
