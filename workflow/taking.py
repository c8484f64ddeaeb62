"""Take next: the oldest untaken case of the operator's highest-priority pool that has one.

On PostgreSQL, concurrency is settled by the candidate row's lock, taken with
FOR UPDATE SKIP LOCKED, so two operators pressing the button at once get two
different cases and nobody waits on a row someone else is taking. SQLite (the demo)
has neither row locks nor that statement: there a take is a transaction that picks the
candidate and claims it with a compare-and-set UPDATE (still new, still unassigned);
SQLite runs one writing transaction at a time, and a claim that finds the case gone
picks again. Either way a case goes to exactly one operator.

It is the hottest path of the product (every operator, all day), so a take is two
statements: the user's pools with the WORK permission, then, pool by pool, one statement
that picks and locks the case, marks it taken, writes its log entry and returns what the
caller needs. That statement is atomic by itself, so no transaction is opened around it
(a transaction would add two round trips); it is plain SQL because the ORM would cost
more than the statement.
"""

import json
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import DEFERRED
from django.utils import timezone
from wagtail.models import Page, PageLogEntry

from correspondence.models import CasePage, State
from correspondence.permissions import WORK, member_pools_with
from workflow.transitions import Action, next_state

TAKE_ACTION = "correspondence.case.take"
# The statement below writes the state the transition table gives a take of a new case.
TAKEN_BY_TAKE = next_state(State.NEW, Action.TAKE)
# What the returned case carries, page columns first; the rest loads on access (deferred).
_PAGE_COLUMNS = ("id", "title", "url_path", "locale_id")
_CASE_COLUMNS = ("number", "pool_id", "urgency", "state")


@cache
def _take_sql(urgency_first: bool) -> str:
    # Oldest first, ties by id: the partial index case_untaken is in this order, so the
    # pick reads the pool's first unlocked entry instead of sorting its backlog.
    order = "received_at, page_ptr_id"
    if urgency_first:
        order = "urgency DESC, " + order
    cases, pages, log = CasePage._meta.db_table, Page._meta.db_table, PageLogEntry._meta.db_table
    returned = [f"p.{c}" for c in _PAGE_COLUMNS] + [f"c.{c}" for c in _CASE_COLUMNS]
    # The same entry `log()` makes, without the validation queries its save() runs.
    return (
        f"WITH taken AS (UPDATE {cases} c SET state = %(taken)s, assignee_id = %(user)s,"
        " taken_at = %(now)s, touched_at = %(now)s"
        f" FROM {pages} p WHERE p.id = c.page_ptr_id AND c.page_ptr_id = ("
        f"SELECT page_ptr_id FROM {cases} WHERE pool_id = %(pool)s AND state = %(new)s"
        f" AND assignee_id IS NULL ORDER BY {order} LIMIT 1 FOR UPDATE SKIP LOCKED)"
        f" RETURNING {', '.join(returned)}),"
        f" logged AS (INSERT INTO {log} (content_type_id, label, action, data, timestamp,"
        " uuid, user_id, revision_id, content_changed, deleted, page_id)"
        " SELECT %(type)s, title, %(action)s, %(data)s::jsonb, %(now)s, NULL, %(user)s,"
        " NULL, false, false, id FROM taken)"
        " SELECT * FROM taken"
    )


def _taken_case(row: tuple[Any, ...], *, user: Any, now: datetime) -> CasePage:
    loaded = dict(zip(_PAGE_COLUMNS + _CASE_COLUMNS, row, strict=True))
    loaded.update(
        page_ptr_id=loaded["id"],
        assignee_id=user.pk,
        taken_at=now,
        touched_at=now,
    )
    fields = CasePage._meta.concrete_fields
    values = [loaded.get(f.attname, DEFERRED) for f in fields]
    return CasePage.from_db(connection.alias, [f.attname for f in fields], values)


def _take_in_pool(
    *, pool_id: int, urgency_first: bool, user: Any, now: datetime
) -> CasePage | None:
    params = {
        "taken": TAKEN_BY_TAKE,
        "new": State.NEW,
        "user": user.pk,
        "now": now,
        "pool": pool_id,
        "type": ContentType.objects.get_for_model(CasePage).pk,
        "action": TAKE_ACTION,
        "data": json.dumps({"by": "take_next"}),
    }
    with connection.cursor() as cursor:
        cursor.execute(_take_sql(urgency_first), params)
        row = cursor.fetchone()
    return None if row is None else _taken_case(row, user=user, now=now)


# Picks that lose the race to another operator before SQLite gives up on the pool for this
# press; with one writer at a time a loss needs a commit between the pick and the claim.
_SQLITE_ATTEMPTS = 5


def _take_in_pool_sqlite(
    *, pool_id: int, urgency_first: bool, user: Any, now: datetime
) -> CasePage | None:
    """The same take as ``_take_sql`` for SQLite: pick, claim by compare-and-set, log."""
    order = ["received_at", "page_ptr_id"]
    if urgency_first:
        order.insert(0, "-urgency")
    untaken = CasePage.objects.filter(pool_id=pool_id, state=State.NEW, assignee_id__isnull=True)
    for _attempt in range(_SQLITE_ATTEMPTS):
        with transaction.atomic():
            row = untaken.order_by(*order).values_list(*_PAGE_COLUMNS, *_CASE_COLUMNS).first()
            if row is None:
                return None
            claimed = untaken.filter(pk=row[0]).update(
                state=TAKEN_BY_TAKE, assignee_id=user.pk, taken_at=now, touched_at=now
            )
            if claimed:
                _take_log(case_id=row[0], title=row[1], user=user, now=now)
                # The row was read before the claim: it carries the state the claim wrote.
                return _taken_case((*row[:-1], TAKEN_BY_TAKE), user=user, now=now)
    return None


def _take_log(*, case_id: int, title: str, user: Any, now: datetime) -> None:
    # bulk_create: the entry ``log()`` makes, without the validation queries of its save().
    PageLogEntry.objects.bulk_create(
        [
            PageLogEntry(
                content_type=ContentType.objects.get_for_model(CasePage),
                label=title,
                action=TAKE_ACTION,
                data={"by": "take_next"},
                timestamp=now,
                user_id=user.pk,
                page_id=case_id,
            )
        ]
    )


def case_take_next(*, user: Any) -> CasePage | None:
    """Hands the user the next case, marks it taken and logs it; None when every pool is empty.

    The pools are the user's memberships where they hold WORK, by priority; in each, urgent
    cases first if the pool says so, then the oldest. The case returned carries its id,
    title, url_path, number, pool, urgency and the taken fields; the rest loads on access.
    """
    now = timezone.now()
    take = _take_in_pool if connection.vendor == "postgresql" else _take_in_pool_sqlite
    for pool_id, urgency_first in member_pools_with(user, WORK):
        case = take(pool_id=pool_id, urgency_first=urgency_first, user=user, now=now)
        if case is not None:
            return case
    return None
