"""Take next: the oldest untaken case of the operator's highest-priority pool that has one.

Concurrency is settled by PostgreSQL: the candidate row is locked with
FOR UPDATE SKIP LOCKED, so two operators pressing the button at once get two
different cases and nobody waits on a row someone else is taking.

It is the hottest path of the product (every operator, all day), so a take is three
statements in one transaction: the user's pools with the WORK permission, one UPDATE
that picks, locks and marks the case and returns what the caller needs, and the log
entry. The UPDATE is plain SQL: the ORM would cost more than the statement itself.
"""

from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import DEFERRED
from django.utils import timezone
from wagtail.models import Page, PageLogEntry

from correspondence.models import CasePage, State
from workflow.permissions import WORK, member_pools_with

# What the returned case carries; anything else is loaded on access (deferred).
_RETURNED = ("id", "title", "url_path", "locale_id", "number", "pool_id", "urgency")


@cache
def _claim_sql(urgency_first: bool) -> str:
    # Oldest first, ties by id: the partial index case_untaken serves this order as is, so
    # the pick reads the first unlocked entry of the pool instead of sorting its backlog.
    order = (
        "urgency DESC, received_at, page_ptr_id" if urgency_first else "received_at, page_ptr_id"
    )
    cases, pages = CasePage._meta.db_table, Page._meta.db_table
    returned = ", ".join(
        f"p.{f}" if f in ("id", "title", "url_path", "locale_id") else f"c.{f}" for f in _RETURNED
    )
    return (
        f"UPDATE {cases} c SET state = %(taken)s, assignee_id = %(user)s,"
        " taken_at = %(now)s, touched_at = %(now)s"
        f" FROM {pages} p WHERE p.id = c.page_ptr_id AND c.page_ptr_id = ("
        f"SELECT page_ptr_id FROM {cases} WHERE pool_id = %(pool)s AND state = %(new)s"
        f" AND assignee_id IS NULL ORDER BY {order} LIMIT 1 FOR UPDATE SKIP LOCKED)"
        f" RETURNING {returned}"
    )


def _claim_in_pool(
    *, pool_id: int, urgency_first: bool, user: Any, now: datetime
) -> CasePage | None:
    params = {"taken": State.TAKEN, "new": State.NEW, "user": user.pk, "now": now, "pool": pool_id}
    with connection.cursor() as cursor:
        cursor.execute(_claim_sql(urgency_first), params)
        row = cursor.fetchone()
    if row is None:
        return None
    loaded = dict(zip(_RETURNED, row, strict=True))
    loaded.update(
        page_ptr_id=loaded["id"],
        state=State.TAKEN,
        assignee_id=user.pk,
        taken_at=now,
        touched_at=now,
    )
    fields = CasePage._meta.concrete_fields
    values = [loaded.get(f.attname, DEFERRED) for f in fields]
    return CasePage.from_db(connection.alias, [f.attname for f in fields], values)


def _take_logged(*, case: CasePage, user: Any, now: datetime) -> None:
    # The same entry `log()` makes, inserted without the validation queries its save()
    # runs (the action is registered, the ids exist).
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                content_type=ContentType.objects.get_for_model(CasePage),
                label=case.title,
                action="correspondence.case.take",
                page_id=case.pk,
                user_id=user.pk,
                data={"by": "take_next"},
                timestamp=now,
            )
        ]
    )


@transaction.atomic
def case_take_next(*, user: Any) -> CasePage | None:
    """Hands the user the next case and marks it taken; None when every pool is empty.

    The pools are the user's memberships where they hold WORK, by priority; in each, urgent
    cases first if the pool says so, then the oldest. The case returned carries its id,
    title, url_path, number, pool, urgency and the taken fields; the rest loads on access.
    """
    now = timezone.now()
    for pool_id, urgency_first in member_pools_with(user, WORK):
        case = _claim_in_pool(pool_id=pool_id, urgency_first=urgency_first, user=user, now=now)
        if case is not None:
            _take_logged(case=case, user=user, now=now)
            return case
    return None
