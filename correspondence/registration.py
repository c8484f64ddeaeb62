"""Manual registration, a use case: requests that arrive by phone, fax, post or at the
counter, registered by hand.

They get the same number, place in the tree, deadline, routing rules and audit as mail:
this module sits above the case services and the workflow's rules, and applies them.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.errors import CaseActionInvalid
from correspondence.intake.records import attachment_new
from correspondence.models import CasePage, Channel, Message, PoolPage
from correspondence.permissions import REGISTER, require_pool_permission
from correspondence.services.cases import NewCase, case_create
from correspondence.services.search import case_search_add
from workflow.rules.services import rules_apply, subject_from_message

MANUAL_CHANNELS = (Channel.PHONE, Channel.FAX, Channel.POST, Channel.COUNTER)


@dataclass(frozen=True)
class ManualRequest:
    """What the clerk wrote down, and the scan if there is one."""

    channel: str
    subject: str
    text: str
    received_at: datetime
    customer_name: str = ""
    customer_email: str = ""
    customer_address: str = ""
    urgency: int = 1
    category_id: int | None = None
    scan_name: str = ""
    scan_type: str = ""
    scan: bytes = b""


@transaction.atomic
def case_register(*, pool: PoolPage, request: ManualRequest, user: Any) -> CasePage:
    """Registers the request as a case of the pool; the pool's rules then route it.

    Raises CaseActionDenied unless the user may register in the pool, CaseActionInvalid
    when the channel, the subject or the arrival time cannot be used."""
    require_pool_permission(user, REGISTER, pool)
    if request.channel not in MANUAL_CHANNELS:
        raise CaseActionInvalid(_("Choose how the request arrived."))
    if not request.subject.strip():
        raise CaseActionInvalid(_("The request needs a subject."))
    if request.received_at > timezone.now():
        raise CaseActionInvalid(_("The arrival time cannot be in the future."))
    case = case_create(
        pool=pool,
        user=user,
        data=NewCase(
            channel=request.channel,
            subject=request.subject.strip(),
            received_at=request.received_at,
            customer_name=request.customer_name.strip(),
            customer_email=request.customer_email.strip().lower(),
            customer_address=request.customer_address.strip(),
            urgency=request.urgency,
            category_id=request.category_id,
        ),
    )
    message = _message_record(case, request, user)
    rules_apply(case=case, subject=subject_from_message(message))
    log(
        instance=case,
        action="correspondence.case.register",
        user=user,
        data={"channel": request.channel},
    )
    return CasePage.objects.get(pk=case.pk)


def _message_record(case: CasePage, request: ManualRequest, user: Any) -> Message:
    message = Message.objects.create(
        case=case,
        kind=Message.Kind.INBOUND,
        author=user,
        date=request.received_at,
        from_address=request.customer_email.strip().lower(),
        from_name=request.customer_name.strip(),
        subject=request.subject.strip(),
        text=request.text.strip(),
    )
    if request.scan:
        attachment_new(
            message=message,
            filename=request.scan_name or "scan",
            content=request.scan,
            content_type=request.scan_type,
        ).save()
    case_search_add(case_id=case.pk, texts=[request.customer_name, request.text])
    return message
