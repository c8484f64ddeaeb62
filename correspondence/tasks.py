"""Celery tasks: thin adapters that take ids and call the services.

Imported by ``CorrespondenceConfig.ready``, so that mail queued in a web request is
enqueued for sending (see ``outgoing_queued``).
"""

import logging
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.dispatch import receiver
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from correspondence.errors import MailboxBusy, MailboxUnavailable
from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import Mailbox
from correspondence.outbox.sending import outgoing_due, outgoing_send
from correspondence.outbox.services import outgoing_queued
from correspondence.services.alerts import mailboxes_alert_send

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
# Mails sent by one task: fewer broker messages, while a burst still spreads over workers.
SEND_TOGETHER = 20


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
    return outgoing_send(outgoing_id=outgoing_id)


@shared_task(name="correspondence.tasks.outbox_send_many_task", **TRANSIENT)
def outbox_send_many_task(outgoing_ids: list[int]) -> dict[str, int]:
    """Sends queued mails one after the other; how many ended each way.

    A retried or redelivered task skips what already left (``outgoing_send``).
    """
    ended: dict[str, int] = {}
    for outgoing_id in outgoing_ids:
        outcome = outgoing_send(outgoing_id=outgoing_id)
        ended[outcome] = ended.get(outcome, 0) + 1
    return ended


@receiver(outgoing_queued)
def _outgoing_send_enqueue(sender: type, outgoing_ids: list[int], **kwargs: Any) -> None:
    """Enqueues the sending of mail that was just queued and committed (``sends_enqueue``).

    With the broker down, the first failure leaves them all to the sweep: each further
    try would only wait for the same broker again, and the action has committed.
    """
    try:
        sends_enqueue(outgoing_ids)
    except BrokerError as exc:
        logger.warning(
            "the task queue is unreachable (%s): up to %d outgoing mails wait for the sweep",
            exc,
            len(outgoing_ids),
        )


def sends_enqueue(outgoing_ids: list[int]) -> None:
    """One sending task for each ``SEND_TOGETHER`` mails (an intake batch acknowledges up
    to 250 new cases; a broker message each cost more than composing them). Raises the
    broker's error at the first message it refuses."""
    for start in range(0, len(outgoing_ids), SEND_TOGETHER):
        some = outgoing_ids[start : start + SEND_TOGETHER]
        if len(some) == 1:
            outbox_send_task.delay(some[0])
        else:
            outbox_send_many_task.delay(some)


@shared_task(name="correspondence.tasks.outbox_retry_task", **TRANSIENT)
def outbox_retry_task() -> int:
    """Queues a send of every mail whose next attempt is due; beat runs it every minute."""
    ids = outgoing_due()
    sends_enqueue(ids)
    return len(ids)


@shared_task(name="correspondence.tasks.mailboxes_alert_task")
def mailboxes_alert_task() -> int:
    """E-mails the active superusers about each mailbox failing too long; returns mails sent.

    Beat runs it every minute; see ``mailboxes_alert_send``.
    """
    return mailboxes_alert_send(now=timezone.now())
