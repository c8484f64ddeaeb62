"""What an operator or team leader is told, in the intranet and, if they chose so, by mail.

In the intranet, no table of its own: the case's log already records, with who and when,
the work given to someone (assigned, handed over, assigned by a rule), a consultation
answered and a reply approved or rejected; for team leaders, the replies awaiting their
approval and the reminders sent to late departments of their pools. A user is told of
those entries on the cases they hold (or lead) that someone else caused, since they last
looked (``UserProfile.notifications_seen_at``), plus the questions colleagues asked them
and the notices escalations left them (``Notice``).

By mail: when such an entry is written (``notification_mails_queue``, called for each new
log entry) or an escalation tells the team leaders (``notification_mail_queue``), each
recipient who chose that kind in their profile gets one mail, written from the published
notification text in their interface language with a link to the case. It is queued in
the outbox in the transaction that writes the entry, so it leaves once, after the commit,
by the outbox's task with its retries; a rolled-back action sends nothing.
"""

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from guardian.shortcuts import get_users_with_perms
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, Mailbox, Message, OutgoingMail, PoolPage
from correspondence.outbox.compose import AUTO_GENERATED, InvalidAddress
from correspondence.outbox.services import outgoing_mailbox_for, outgoing_queue
from correspondence.outbox.texts import notification_text, staff_language
from correspondence.permissions import LEAD, pools_for
from intranet.models import Absence, NotificationKind, UserProfile
from workflow.models import ColleagueAnswer, Notice

logger = logging.getLogger(__name__)

FOR_THE_ASSIGNEE = (
    "correspondence.case.assign",
    "correspondence.case.hand_over",
    "correspondence.case.consultation_answered",
    "correspondence.case.reply_approved",
    "correspondence.case.reply_rejected",
)
FOR_THE_LEADERS = (
    "correspondence.case.reply_submitted",
    "correspondence.case.consultation_reminder",
)
CAP = 99


def _entries(user: Any, since: datetime | None) -> Any:
    mine = CasePage.objects.filter(assignee_id=user.pk).values("pk")
    led = CasePage.objects.filter(pool__in=pools_for(user, LEAD)).values("pk")
    # A take logged without a user is a routing rule's assignment; any other take is the
    # taker's own (or a colleague's before a later assignment) and tells nobody anything.
    by_rule = Q(action="correspondence.case.take", user__isnull=True)
    entries = PageLogEntry.objects.filter(
        Q(page__in=mine) & (Q(action__in=FOR_THE_ASSIGNEE) | by_rule)
        | Q(page__in=led, action__in=FOR_THE_LEADERS)
    ).exclude(user_id=user.pk)
    if since is not None:
        entries = entries.filter(timestamp__gt=since)
    return entries


def notifications_for(*, user: Any, limit: int = 10) -> dict[str, Any]:
    """The unseen notices: how many (capped at 99) and the newest ``limit`` of them, each
    with its case number, link, words and time."""
    profile = UserProfile.objects.filter(user_id=user.pk).first()
    since = profile.notifications_seen_at if profile else None
    entries = _entries(user, since)
    asked = ColleagueAnswer.objects.filter(colleague_id=user.pk, answered_at__isnull=True)
    if since is not None:
        asked = asked.filter(question__asked_at__gt=since)
    # Escalations leave their own notices (in the leader's language), not a log entry.
    escalated = Notice.objects.filter(user_id=user.pk)
    if since is not None:
        escalated = escalated.filter(created_at__gt=since)
    count = entries[:CAP].count() + asked[:CAP].count() + escalated[:CAP].count()
    newest = list(entries.select_related("page").order_by("-timestamp", "-pk")[:limit])
    cases = CasePage.objects.in_bulk([e.page_id for e in newest])
    items = [
        {
            "case": cases[e.page_id].number if e.page_id in cases else "",
            "url": cases[e.page_id].url if e.page_id in cases else "",
            "text": str(e.message),
            "at": e.timestamp.isoformat(),
        }
        for e in newest
    ]
    items += [
        {
            "case": n.case.number if n.case else "",
            "url": n.case.url if n.case else "",
            "text": n.text,
            "at": n.created_at.isoformat(),
        }
        for n in escalated.select_related("case").order_by("-created_at", "-pk")[:limit]
    ]
    items = sorted(items, key=lambda item: item["at"], reverse=True)[:limit]
    return {"count": min(count, CAP), "items": items}


def notifications_seen(*, user: Any) -> None:
    """The user has looked: the counter starts again from now."""
    UserProfile.objects.update_or_create(
        user=user, defaults={"notifications_seen_at": timezone.now()}
    )


# The log entries that are mailed: their kind, and whether the case's operator (the
# reply's author, for a reply) or the pool's team leaders are told.
MAILED: dict[str, tuple[str, str]] = {
    "correspondence.case.assign": (NotificationKind.ASSIGNED, "assignee"),
    "correspondence.case.hand_over": (NotificationKind.ASSIGNED, "assignee"),
    "correspondence.case.consultation_answered": (
        NotificationKind.CONSULTATION_ANSWERED,
        "assignee",
    ),
    "correspondence.case.reply_rejected": (NotificationKind.REPLY_REJECTED, "author"),
    "correspondence.case.reply_approved": (NotificationKind.REPLY_APPROVED, "author"),
    "correspondence.case.reply_submitted": (NotificationKind.APPROVAL_WAITING, "leaders"),
    "correspondence.case.consultation_reminder": (
        NotificationKind.CONSULTATION_REMINDER,
        "leaders",
    ),
}


def pool_leaders(pool: PoolPage) -> list[Any]:
    """The active users who lead the pool, by their own or their groups' permission."""
    users = get_users_with_perms(
        pool, only_with_perms_in=[LEAD], with_group_users=True, with_superusers=False
    )
    return [user for user in users if user.is_active]


def _mailed_kind(entry: PageLogEntry) -> str | None:
    if entry.action == "correspondence.case.take":
        # A take logged without a user is a routing rule's assignment.
        return NotificationKind.ASSIGNED if entry.user_id is None else None
    return MAILED[entry.action][0] if entry.action in MAILED else None


def _recipients(entry: PageLogEntry, case: CasePage) -> list[Any]:
    """Who a log entry tells: the leaders, or the reply's author, or the case's operator,
    and the substitutes of those of them who are away; never who caused it."""
    who = MAILED.get(entry.action, (None, "assignee"))[1]
    if who == "leaders":
        users = pool_leaders(case.pool)
    else:
        author = (entry.data or {}).get("author") if who == "author" else None
        user_id = author or case.assignee_id
        users = list(get_user_model().objects.filter(pk=user_id)) if user_id else []
    users += _substitutes_now([u.pk for u in users])
    found: dict[int, Any] = {}
    for user in users:
        if user.pk != entry.user_id and user.is_active:
            found.setdefault(user.pk, user)  # a substitute who is also a leader: once
    return list(found.values())


def _substitutes_now(user_ids: list[int]) -> list[Any]:
    """Who stands in now for those of ``user_ids`` who are away: they work (and approve)
    in their place, so they are told too."""
    now = timezone.now()
    away = Absence.objects.filter(
        user_id__in=user_ids, starts_at__lte=now, ends_at__gt=now, substitute__isnull=False
    ).values("substitute_id")
    return list(get_user_model().objects.filter(pk__in=away))


def _event(kind: str, case: CasePage, data: dict[str, Any]) -> str:
    """The sentence saying what happened, in the active language."""
    values = {
        "number": case.number,
        "department": data.get("department", ""),
        "reason": data.get("reason", "") or "-",
    }
    sentences = {
        NotificationKind.ASSIGNED: _("Case %(number)s was assigned to you."),
        NotificationKind.CONSULTATION_ANSWERED: _(
            "%(department)s answered the consultation on case %(number)s."
        ),
        NotificationKind.REPLY_REJECTED: _(
            "Your reply on case %(number)s was rejected: %(reason)s"
        ),
        NotificationKind.REPLY_APPROVED: _("Your reply on case %(number)s was approved and sent."),
        NotificationKind.APPROVAL_WAITING: _("A reply on case %(number)s awaits your approval."),
        NotificationKind.CONSULTATION_REMINDER: _(
            "%(department)s was reminded of the consultation on case %(number)s."
        ),
    }
    return sentences[kind] % values


def notification_mails_queue(*, entry: PageLogEntry) -> int:
    """Queues the mails a new log entry of a case gives (see ``MAILED``), one to each
    recipient who chose its kind; returns how many. Call it in the entry's transaction."""
    kind = _mailed_kind(entry)
    if kind is None:
        return 0
    case = CasePage.objects.filter(pk=entry.page_id).select_related("pool", "assignee").first()
    if case is None:
        return 0
    queued = 0
    for user in _recipients(entry, case):
        with translation.override(staff_language(user)):
            event = _event(kind, case, entry.data or {})
        queued += notification_mail_queue(user=user, case=case, kind=kind, event=event) is not None
    return queued


def case_link(case: CasePage) -> str:
    """The case's address in the intranet, absolute (``WAGTAILADMIN_BASE_URL``'s host)."""
    path = case.get_url() or ""
    if path.startswith("/"):
        return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
    return path


def _notice_mailbox(case: CasePage) -> Mailbox | None:
    """An ordinary mailbox of the case's pool sends notices: never a PEC one if avoidable."""
    ordinary = Mailbox.Kind.ORDINARY
    if case.mailbox_id and case.mailbox.active and case.mailbox.kind == ordinary:
        return case.mailbox
    mailboxes = Mailbox.objects.filter(pool_id=case.pool_id, active=True, kind=ordinary)
    return mailboxes.order_by("pk").first() or outgoing_mailbox_for(case=case)


def notification_mail_queue(
    *, user: Any, case: CasePage, kind: str, event: str
) -> OutgoingMail | None:
    """Queues one notice by mail to ``user`` about ``case`` when they chose ``kind`` in
    their profile and have an address; ``event`` is the sentence in their language. None
    when nothing is sent: not chosen, no address, no mailbox, or an address the outbox
    refuses (logged; the action that caused it goes on)."""
    profile = UserProfile.objects.filter(user_id=user.pk).first()
    if profile is None or not profile.wants_email(kind) or not user.email:
        return None
    mailbox = _notice_mailbox(case)
    if mailbox is None:
        logger.warning("no mailbox of pool %s can send notices", case.pool_id)
        return None
    subject, text = notification_text(case=case, recipient=user, event=event, link=case_link(case))
    try:
        with transaction.atomic():
            return outgoing_queue(
                case=case,
                mailbox=mailbox,
                kind=Message.Kind.NOTIFICATION,
                to=[user.email],
                subject=subject,
                text=text,
                in_reply_to=None,
                references=[],
                automatic=True,
                auto_submitted=AUTO_GENERATED,  # a notice, not an answer to anyone's mail
            )
    except InvalidAddress as exc:
        logger.warning("no notice to user %s about %s: %s", user.pk, case.number, exc)
        return None
