"""Answering the customer from the case page: the reply leaves through the outbox.

The reply threads (case number in the subject, In-Reply-To and References to the
customer's last message), carries the operator's signature with its JPG inline, and
for a PEC case leaves through the PEC mailbox's own SMTP.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.models import (
    CasePage,
    Message,
    OutgoingMail,
    PoolMembership,
    ReplyDraft,
    State,
)
from correspondence.outbox.compose import InvalidAddress, OutgoingAttachment, bodies_signed
from correspondence.outbox.services import outgoing_mailbox_for, outgoing_queue
from correspondence.permissions import LEAD, WORK, acts_for, may, require_case_permission
from correspondence.services.deadlines import case_deadline_refresh
from workflow.lifecycle import case_locked

SIGNATURE_CID = "signature"


@dataclass(frozen=True)
class Reply:
    """What the operator wrote in the composer."""

    to: Sequence[str]
    cc: Sequence[str]
    text: str
    attachments: Sequence[OutgoingAttachment] = ()


def _last_inbound(case: CasePage) -> Message | None:
    return (
        Message.objects.filter(case=case, kind=Message.Kind.INBOUND)
        .exclude(message_id="")
        .order_by("-date", "-pk")
        .first()
    )


def _signature(user: Any) -> tuple[str, str, OutgoingAttachment | None]:
    """The operator's signature as (plain, HTML) and its JPG as an inline attachment."""
    profile = getattr(user, "profile", None)
    if profile is None:
        return "", "", None
    plain, rich = profile.signature_parts()
    image = None
    if profile.signature_image:
        with profile.signature_image.open("rb") as handle:
            image = OutgoingAttachment(
                filename="signature.jpg",
                content_type="image/jpeg",
                content=handle.read(),
                content_id=SIGNATURE_CID,
            )
    return plain, rich, image


def _require_replier(user: Any, case: CasePage) -> None:
    require_case_permission(user, WORK, case)
    if case.state != State.TAKEN:
        raise CaseActionDenied(_("Take the case before answering it."))
    if case.assignee_id not in acts_for(user) and not may(user, LEAD, case.pool):
        raise CaseActionDenied(_("Only the case's operator or a team leader may answer."))


def reply_needs_approval(*, user: Any, case: CasePage) -> bool:
    """Whether the user's answers on this case wait for a team leader: flagged in their
    profile (every pool) or in their membership of the case's pool."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.needs_approval:
        return True
    return PoolMembership.objects.filter(
        user_id=user.pk, pool_id=case.pool_id, needs_approval=True
    ).exists()


def reply_check(*, user: Any, case: CasePage, reply: Reply) -> None:
    """Raises CaseActionDenied unless the user may answer the (locked) case with this reply."""
    _require_replier(user, case)
    if not reply.text.strip():
        raise CaseActionInvalid(_("The answer is empty."))
    if not reply.to:
        raise CaseActionInvalid(_("The answer needs a recipient."))


@transaction.atomic
def reply_submit(*, case_id: int, user: Any, reply: Reply) -> OutgoingMail:
    """Queues the operator's answer; it leaves once this transaction commits.

    Refused (CaseActionDenied) for a user whose answers need approval: theirs go through
    ``workflow.approval.reply_hand_in``.
    """
    case = case_locked(case_id)
    reply_check(user=user, case=case, reply=reply)
    if reply_needs_approval(user=user, case=case):
        raise CaseActionDenied(_("Your replies need a team leader's approval."))
    outgoing = reply_queue(case=case, author=user, reply=reply)
    ReplyDraft.objects.filter(case=case, user=user).delete()
    log(
        instance=case,
        action="correspondence.case.reply",
        user=user,
        data={"message_id": outgoing.message_id, "to": list(reply.to)},
    )
    return outgoing


def reply_queue(*, case: CasePage, author: Any, reply: Reply) -> OutgoingMail:
    """Writes the reply to the outbox as ``author`` wrote it (their signature), threaded on
    the customer's last message; records the first reply. Call inside a transaction."""
    mailbox = outgoing_mailbox_for(case=case)
    if mailbox is None:
        raise CaseActionDenied(_("No mailbox of this pool can send mail."))
    signature, signature_html, image = _signature(author)
    plain, rich = bodies_signed(
        reply.text, signature, SIGNATURE_CID if image else None, signature_html
    )
    parent = _last_inbound(case)
    references = [*parent.references.split(), parent.message_id] if parent else []
    try:
        outgoing = outgoing_queue(
            case=case,
            mailbox=mailbox,
            to=reply.to,
            cc=reply.cc,
            subject=case.subject,
            text=plain,
            html=rich,
            in_reply_to=parent.message_id if parent else None,
            references=references,
            automatic=False,
            author=author,
            attachments=[*reply.attachments, *([image] if image else [])],
        )
    except InvalidAddress as exc:
        raise CaseActionInvalid(
            _("Please check the addresses: one of them cannot receive mail (%(detail)s).")
            % {"detail": exc}
        ) from exc
    now = timezone.now()
    CasePage.objects.filter(pk=case.pk, first_reply_at__isnull=True).update(first_reply_at=now)
    CasePage.objects.filter(pk=case.pk).update(touched_at=now)
    case.refresh_from_db()
    case_deadline_refresh(case=case)  # the first answer is given: the next deadline is closing
    return outgoing


def reply_draft_save(*, case_id: int, user: Any, to: str, cc: str, text: str) -> ReplyDraft:
    """Keeps what the operator is typing, so nothing is lost on a closed tab."""
    case = CasePage.objects.get(pk=case_id)
    require_case_permission(user, WORK, case)
    draft, _created = ReplyDraft.objects.update_or_create(
        case=case, user=user, defaults={"to": to[:1000], "cc": cc[:1000], "text": text}
    )
    return draft
