"""What an operator or team leader is told in the intranet, read from the audit log.

No table of its own: the case's log already records, with who and when, the work given
to someone (assigned, handed over, assigned by a rule), a consultation answered and a
reply approved or rejected; for team leaders, the reminders sent to late departments of
their pools. A user is told of those entries on the cases they hold (or lead) that
someone else caused, since they last looked (``UserProfile.notifications_seen_at``),
plus the questions colleagues asked them.
"""

from datetime import datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone
from wagtail.models import PageLogEntry

from correspondence.models import CasePage
from correspondence.permissions import LEAD, pools_for
from intranet.models import UserProfile
from workflow.models import ColleagueAnswer

FOR_THE_ASSIGNEE = (
    "correspondence.case.assign",
    "correspondence.case.hand_over",
    "correspondence.case.consultation_answered",
    "correspondence.case.reply_approved",
    "correspondence.case.reply_rejected",
)
FOR_THE_LEADERS = ("correspondence.case.consultation_reminder",)
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
    count = entries[:CAP].count() + asked[:CAP].count()
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
    return {"count": min(count, CAP), "items": items}


def notifications_seen(*, user: Any) -> None:
    """The user has looked: the counter starts again from now."""
    UserProfile.objects.update_or_create(
        user=user, defaults={"notifications_seen_at": timezone.now()}
    )
