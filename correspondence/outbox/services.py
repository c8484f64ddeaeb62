"""Queueing outgoing mail in the transaction of the action that causes it.

A queued mail is two rows: the case's timeline :class:`Message` and the
:class:`OutgoingMail` that a Celery task sends once the transaction commits.
Both carry the same Message-ID, so answers, PEC receipts and bounces find it.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count
from django.dispatch import Signal
from django.utils import timezone

from correspondence.intake.classify import may_auto_reply
from correspondence.intake.decoding import sanitise_html
from correspondence.intake.records import attachment_of
from correspondence.intake.storage import content_store, files_stored_together
from correspondence.intake.understand import Understood
from correspondence.models import (
    Attachment,
    CasePage,
    Mailbox,
    MailText,
    Message,
    OutgoingMail,
    PoolPage,
)
from correspondence.outbox.compose import (
    AUTO_REPLIED,
    Draft,
    InvalidAddress,
    OutgoingAttachment,
    address_clean,
    mail_compose,
    message_id_new,
    outgoing_subject,
)
from correspondence.outbox.texts import auto_reply_text, mail_texts_live
from correspondence.services.rows import rows_insert

logger = logging.getLogger(__name__)

# The task enqueued on commit normally sends at once; the retry sweep only steps in
# when that enqueue was lost (broker down), so it waits this long before it does.
FIRST_RETRY_AFTER = timedelta(minutes=2)

# Sent once the queueing transaction commits, with ``outgoing_ids``: correspondence.tasks
# enqueues their sending on it (a service does not import the tasks above it).
outgoing_queued = Signal()


@transaction.atomic
def outgoing_queue(
    *,
    case: CasePage,
    mailbox: Mailbox,
    author: AbstractBaseUser | None = None,
    kind: str | None = None,
    **mail: Any,
) -> OutgoingMail:
    """Writes the mail's timeline message and outbox row; sends it once this commits.

    ``mail`` is what ``draft_new`` takes (to, cc, subject, text, html, in_reply_to,
    references, automatic, auto_submitted, attachments). ``mailbox`` is the one whose
    SMTP sends it (a PEC case's PEC mailbox); ``kind`` the timeline row's (a
    consultation, say). The subject gets the case number when it lacks it.
    Message-IDs are given without angle brackets. Raises :class:`InvalidAddress`
    before writing anything when an address cannot be used.
    """
    draft = draft_new(case=case, mailbox=mailbox, **mail)
    queued = Queued(case=case, mailbox=mailbox, draft=draft, author=author, kind=kind)
    (outgoing,) = outgoings_queue([queued])
    return outgoing


@dataclass(frozen=True)
class Queued:
    """A mail to queue: the case it answers, the mailbox that sends it, what it says."""

    case: CasePage
    mailbox: Mailbox
    draft: Draft
    author: AbstractBaseUser | None = None
    kind: str | None = None  # the timeline's kind; by default outbound or auto-reply


def draft_new(
    *,
    case: CasePage,
    mailbox: Mailbox,
    to: Sequence[str],
    cc: Sequence[str] = (),
    subject: str,
    text: str,
    html: str | None = None,
    in_reply_to: str | None,
    references: Sequence[str],
    automatic: bool,
    auto_submitted: str = AUTO_REPLIED,
    attachments: Sequence[OutgoingAttachment] = (),
) -> Draft:
    """The mail as ``outgoing_queue`` sends it; raises :class:`InvalidAddress` for any
    address (ours included) the composer would refuse."""
    return Draft(
        from_address=mailbox.address,
        from_name=mailbox.name,
        to=tuple(address_clean(a) for a in to),
        cc=tuple(address_clean(a) for a in cc),
        subject=outgoing_subject(subject, case.number),
        text=text,
        html=html or "",
        message_id=message_id_new(case_number=case.number, address=mailbox.address),
        date=timezone.now(),
        in_reply_to=in_reply_to or "",
        references=tuple(r for r in references if r),
        automatic=automatic,
        auto_submitted=auto_submitted,
        attachments=tuple(attachments),
    )


@transaction.atomic
@files_stored_together()  # the mails' raw files, written while their rows are inserted
def outgoings_queue(mails: Sequence[Queued]) -> list[OutgoingMail]:
    """``outgoing_queue`` for many mails at once: composed, then written in bulk.

    Raises :class:`InvalidAddress` before writing anything when an address cannot be used.
    """
    raws = [mail_compose(mail.draft) for mail in mails]
    messages = [_message_new(mail, raw) for mail, raw in zip(mails, raws, strict=True)]
    rows_insert(model=Message, objs=messages)
    attachments = [
        attachment_of(message, item, inline=bool(item.content_id and mail.draft.html))
        for mail, message in zip(mails, messages, strict=True)
        for item in mail.draft.attachments
    ]
    rows_insert(model=Attachment, objs=attachments)
    outgoing = [_outgoing_new(mail, message) for mail, message in zip(mails, messages, strict=True)]
    rows_insert(model=OutgoingMail, objs=outgoing)
    ids = [o.pk for o in outgoing]
    transaction.on_commit(lambda: _queued_announce(ids))
    return outgoing


def _outgoing_new(mail: Queued, message: Message) -> OutgoingMail:
    draft = mail.draft
    outgoing = OutgoingMail(
        case=mail.case,
        mailbox=mail.mailbox,
        timeline_message=message,
        message_id=draft.message_id,
        raw_sha256=message.raw_sha256,
        to=list(draft.to),
        cc=list(draft.cc),
        recipient=draft.to[0].lower(),
        automatic=draft.automatic,
        next_attempt_at=draft.date + FIRST_RETRY_AFTER,
    )
    # The same content-addressed file as the timeline row: stored once.
    outgoing.raw.name = message.raw.name
    return outgoing


def _queued_announce(outgoing_ids: list[int]) -> None:
    """Signals ``outgoing_queued`` after the commit. A receiver that fails (the broker down
    or missing) is logged and never reaches the committed action: the retry sweep
    (``outbox_retry_task``) sends the mail once its first retry is due."""
    for _receiver, result in outgoing_queued.send_robust(
        sender=OutgoingMail, outgoing_ids=outgoing_ids
    ):
        if isinstance(result, Exception):
            logger.warning(
                "could not enqueue outgoing mail %s (%r); the retry sweep will send them",
                outgoing_ids,
                result,
            )


def _message_new(mail: Queued, raw: bytes) -> Message:
    """The timeline row of an outgoing mail, its bytes stored once by content hash."""
    draft = mail.draft
    raw_name, raw_sha = content_store(prefix="raw", content=raw, suffix=".eml")
    message = Message(
        case=mail.case,
        kind=mail.kind or (Message.Kind.AUTO_REPLY if draft.automatic else Message.Kind.OUTBOUND),
        mailbox=mail.mailbox,
        author=mail.author,
        message_id=draft.message_id,
        in_reply_to=draft.in_reply_to,
        references=" ".join(draft.references),
        from_address=draft.from_address.lower(),
        from_name=draft.from_name,
        to=list(draft.to),
        cc=list(draft.cc),
        date=draft.date,
        subject=draft.subject[:998],
        text=draft.text,
        html=sanitise_html(draft.html) if draft.html else "",
        raw_sha256=raw_sha,
    )
    message.stamp()
    message.raw.name = raw_name
    return message


def outgoing_mailbox_for(*, case: CasePage) -> Mailbox | None:
    """The mailbox whose SMTP answers this case: the one it came in through, else one of
    its pool's active mailboxes of the same kind (PEC for a PEC case)."""
    if case.mailbox_id is not None:
        return case.mailbox
    kind = Mailbox.Kind.PEC if case.channel == "pec" else Mailbox.Kind.ORDINARY
    mailboxes = Mailbox.objects.filter(pool_id=case.pool_id, active=True).order_by("pk")
    return mailboxes.filter(kind=kind).first() or mailboxes.first()


def auto_replies_queue(
    *, mailbox: Mailbox, opened: Sequence[tuple[CasePage, Understood]]
) -> list[OutgoingMail | None]:
    """Queues the acknowledgement of each new case to its sender, when the policy allows
    it; one result per case, in order, written together.

    The text is the published one in the customer's language (``outbox.texts``), the
    mailbox's own before the pool's;
    no reply goes to machines, our own addresses, no-reply senders or a sender
    past the mailbox's daily limit (today's replies are looked up once and counted as
    the batch replies). None, logged at INFO with the reason, where nothing is sent.
    Call it inside the transaction that records the messages.
    """
    if not opened:
        return []
    own = own_addresses()
    senders = [_sender_of(understood) for _case, understood in opened]
    sent_today = auto_replies_today(addresses=senders)
    drafts: list[Queued | None] = []
    live = mail_texts_live(kind=MailText.Kind.AUTO_REPLY)
    for (case, understood), sender in zip(opened, senders, strict=True):
        template = auto_reply_text(mailbox=mailbox, case=case, live=live)
        reason = (
            f"auto-replies are off for mailbox {mailbox.slug} or pool {case.pool.code}"
            if template is None
            else _auto_reply_refusal(mailbox, understood, own, sent_today.get(sender, 0))
        )
        if template is None or reason is not None:
            logger.info("no auto-reply for case %s: %s", case.number, reason)
            drafts.append(None)
            continue
        draft = _auto_reply_draft(case, mailbox, understood, template)
        if draft is not None:
            sent_today[sender] = sent_today.get(sender, 0) + 1
        drafts.append(draft)
    queued = iter(outgoings_queue([d for d in drafts if d is not None]))
    return [next(queued) if d is not None else None for d in drafts]


def _sender_of(understood: Understood) -> str:
    return understood.sender.address.strip().lower() if understood.sender else ""


def _auto_reply_draft(
    case: CasePage, mailbox: Mailbox, understood: Understood, template: tuple[str, str]
) -> Queued | None:
    parsed = understood.message
    subject, body = template
    try:
        draft = draft_new(
            case=case,
            mailbox=mailbox,
            to=[understood.sender.address if understood.sender else ""],
            subject=subject,
            text=body,
            in_reply_to=parsed.message_id,
            references=[*parsed.references, parsed.message_id],
            automatic=True,
        )
    except InvalidAddress as exc:
        logger.info("no auto-reply for case %s: %s", case.number, exc)
        return None
    return Queued(case=case, mailbox=mailbox, draft=draft)


def _auto_reply_refusal(
    mailbox: Mailbox, understood: Understood, own: set[str], sent_today: int
) -> str | None:
    # What intake knows beyond the headers: a PEC receipt looks like a person's mail.
    if understood.automatic is not None:
        return f"automatic message: {understood.automatic}"
    if understood.bounce is not None:
        return "delivery status notification"
    return may_auto_reply(
        msg=understood.message,
        sender=_sender_of(understood),
        own_addresses=own,
        replies_sent_today=sent_today,
        daily_limit=mailbox.auto_reply_daily_limit,
    )


def own_addresses() -> set[str]:
    """Every address of ours: each mailbox's, and each pool's routing addresses."""
    found = {a.strip().lower() for a in Mailbox.objects.values_list("address", flat=True)}
    for pool in PoolPage.objects.exclude(addresses="").only("addresses"):
        found.update(pool.address_list())
    return found


def auto_replies_today(*, addresses: Sequence[str], now: datetime | None = None) -> dict[str, int]:
    """How many automatic mails went (or are going) to each address (lower-cased) since
    local midnight; addresses without any are left out."""
    midnight = timezone.localtime(now or timezone.now()).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    wanted = {a.strip().lower() for a in addresses if a}
    if not wanted:
        return {}
    counted = (
        OutgoingMail.objects.filter(automatic=True, recipient__in=wanted, created_at__gte=midnight)
        .values("recipient")
        .order_by()
        .annotate(n=Count("pk"))
    )
    return {row["recipient"]: row["n"] for row in counted}
