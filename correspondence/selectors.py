"""Reads of correspondence for the intranet pages; every one starts from the permissions."""

from collections.abc import Mapping
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, Message, PoolPage, State
from workflow.permissions import LEAD, VIEW, cases_visible_to, may, pools_for

PAGE_SIZE = 50
OPEN_STATES = [State.NEW, State.TAKEN, State.CONSULTATION, State.AWAITING_APPROVAL]
SORTS = {
    "received": "received_at",
    "-received": "-received_at",
    "due": "due_at",
    "-due": "-due_at",
    "number": "number",
    "-number": "-number",
}


def home_overview(*, user: Any) -> dict[str, Any]:
    """The user's pools with their open work, and the cases assigned to them."""
    pools = (
        pools_for(user, VIEW)
        .order_by("title")
        .annotate(
            open_count=Count("cases", filter=Q(cases__state__in=OPEN_STATES)),
            new_count=Count("cases", filter=Q(cases__state=State.NEW)),
        )
    )
    mine = (
        cases_visible_to(user)
        .filter(assignee_id=user.pk, state__in=OPEN_STATES)
        .select_related("pool")
        .order_by("due_at")[:PAGE_SIZE]
    )
    return {"pools": pools, "my_cases": mine}


def pool_case_list(*, user: Any, pool: PoolPage, params: Mapping[str, str]) -> dict[str, Any]:
    """One page of a pool's cases, filtered by state and sorted by an indexed column."""
    cases = cases_visible_to(user).filter(pool=pool).select_related("assignee", "category")
    leads = may(user, LEAD, pool)
    if not leads:
        # An operator's grid shows what is meant for them: theirs and the untaken ones.
        cases = cases.filter(Q(assignee_id=user.pk) | Q(assignee__isnull=True))
    state = params.get("state", "open")
    if state == "open":
        cases = cases.filter(state__in=OPEN_STATES)
    elif state in State.values:
        cases = cases.filter(state=state)
    sort = params.get("sort", "-received")
    cases = cases.order_by(SORTS.get(sort, "-received_at"), "-pk")
    page = Paginator(cases, PAGE_SIZE).get_page(params.get("page"))
    return {
        "cases": page,
        "state_filter": state,
        "sort": sort,
        "states": State.choices,
        "leads_pool": leads,
    }


def case_timeline(*, case: CasePage) -> list[dict[str, Any]]:
    """Messages and audit entries of a case, oldest first, as one list."""
    messages = (
        Message.objects.filter(case=case)
        .exclude(kind=Message.Kind.RECEIPT)
        .select_related("author")
        .prefetch_related("attachments", "receipts")
    )
    # Wagtail's own "created" entry repeats ours; the case's history is our actions.
    entries = PageLogEntry.objects.filter(
        page_id=case.pk, action__startswith="correspondence."
    ).select_related("user")
    timeline = [{"at": m.date, "message": m} for m in messages]
    timeline += [{"at": e.timestamp, "entry": e} for e in entries]
    return sorted(timeline, key=lambda item: item["at"])
