"""What administrators do with quarantined messages: try again, or set aside for good."""

from typing import Any

from django.db import transaction
from wagtail.log_actions import log

from correspondence.intake.ingest import IngestResult, message_ingest
from correspondence.models import QuarantinedMessage


def quarantine_retry(*, item_id: int, user: Any) -> IngestResult:
    """Runs the kept message through intake again (after a fix, or a changed setting).

    If it fails again it is quarantined anew, with the new reason.
    """
    with transaction.atomic():
        item = QuarantinedMessage.objects.select_for_update().get(
            pk=item_id, status=QuarantinedMessage.Status.OPEN
        )
        item.status = QuarantinedMessage.Status.RETRIED
        item.save(update_fields=["status"])
        log(instance=item, action="correspondence.quarantine.retry", user=user)
    with item.raw.open("rb") as handle:
        raw = handle.read()
    return message_ingest(
        mailbox=item.mailbox, raw=raw, uidvalidity=item.imap_uidvalidity, uid=item.imap_uid
    )


@transaction.atomic
def quarantine_dismiss(*, item_id: int, user: Any) -> None:
    """Sets the message aside for good; its bytes stay as evidence."""
    item = QuarantinedMessage.objects.select_for_update().get(
        pk=item_id, status=QuarantinedMessage.Status.OPEN
    )
    item.status = QuarantinedMessage.Status.DISMISSED
    item.save(update_fields=["status"])
    log(instance=item, action="correspondence.quarantine.dismiss", user=user)
