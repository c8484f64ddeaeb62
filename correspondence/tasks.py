"""Celery tasks: thin adapters that take ids and call the services."""

import logging

from celery import shared_task

from correspondence.errors import MailboxBusy, MailboxUnavailable
from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import Mailbox

logger = logging.getLogger(__name__)


@shared_task(name="correspondence.tasks.mailboxes_poll_task")
def mailboxes_poll_task() -> int:
    """Queues a fetch of every active mailbox; beat runs it every few seconds."""
    ids = list(Mailbox.objects.filter(active=True).values_list("pk", flat=True))
    for mailbox_id in ids:
        mailbox_fetch_task.delay(mailbox_id)
    return len(ids)


@shared_task(name="correspondence.tasks.mailbox_fetch_task")
def mailbox_fetch_task(mailbox_id: int) -> dict[str, int]:
    """Fetches one mailbox. A busy or unreachable mailbox is left for the next round."""
    try:
        return mailbox_fetch(mailbox_id=mailbox_id).outcomes
    except MailboxBusy:
        return {}
    except MailboxUnavailable as exc:
        logger.warning("mailbox %s unavailable: %s", mailbox_id, exc)
        return {}
