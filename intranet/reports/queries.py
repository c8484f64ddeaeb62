"""The grouped queries behind a report: GROUP BY in SQL, small rows out.

Each function answers one question for the scope and period and returns rows grouped by
day (in the report's time zone), pool and operator, or per key: a few thousand rows at
most whatever the number of cases. The page and the workbook sum these rows.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import CharField, Count, F, Max, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Lower, NullIf, TruncDate

from correspondence.models import CasePage, Message
from intranet.reports.consultations import consulted_q
from intranet.reports.periods import Period
from intranet.reports.scope import Scope

CLOSED_COUNTS = ("on_time_plain", "on_time_consult", "late_consult", "late_plain")


def cases_of(scope: Scope) -> QuerySet[CasePage]:
    # Without order_by() the page model's ordering would enter every GROUP BY.
    return CasePage.objects.filter(scope.cases_q()).order_by()


def closed_in(scope: Scope, period: Period) -> QuerySet[CasePage]:
    return cases_of(scope).filter(closed_at__gte=period.start, closed_at__lt=period.end)


def received_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Cases that arrived in the period: day, pool_id, assignee_id, n."""
    return list(
        cases_of(scope)
        .filter(received_at__gte=period.start, received_at__lt=period.end)
        .values("pool_id", "assignee_id", day=TruncDate("received_at", tzinfo=period.zone))
        .annotate(n=Count("pk"))
    )


def closed_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Cases whose last closing is in the period: day, pool_id, assignee_id and the four
    counts (on time or late, with or without consultation)."""
    on_time = Q(due_at__isnull=True) | Q(closed_at__lte=F("due_at"))
    consulted = consulted_q()
    return list(
        closed_in(scope, period)
        .values("pool_id", "assignee_id", day=TruncDate("closed_at", tzinfo=period.zone))
        .annotate(
            on_time_plain=Count("pk", filter=on_time & ~consulted),
            on_time_consult=Count("pk", filter=on_time & consulted),
            late_consult=Count("pk", filter=~on_time & consulted),
            late_plain=Count("pk", filter=~on_time & ~consulted),
        )
    )


def _message_rows(
    scope: Scope, period: Period, kinds: Iterable[str], by: str
) -> list[dict[str, Any]]:
    """Messages counted by their stamps (the case's pool and operator when each was filed
    or sent), not by the case as it is now."""
    mine = {by: scope.operator_id} if scope.operator_id is not None else {}
    return list(
        Message.objects.filter(
            pool_id__in=list(scope.pools),
            kind__in=list(kinds),
            date__gte=period.start,
            date__lt=period.end,
            **mine,
        )
        .order_by()
        .values("pool_id", person_id=F(by), day=TruncDate("date", tzinfo=period.zone))
        .annotate(n=Count("pk"))
    )


def messages_received_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Messages from outside that reached the scope's cases: day, pool_id, person_id (the
    case's operator when the message arrived), n."""
    return _message_rows(scope, period, [Message.Kind.INBOUND], "holder_id")


def worked_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Answers written by staff and sent: day, pool_id, person_id (the author), n."""
    rows = _message_rows(scope, period, [Message.Kind.OUTBOUND], "author_id")
    return [row for row in rows if row["person_id"] is not None]


def marked_worked_rows(scope: Scope, period: Period) -> list[dict[str, Any]]:
    """Cases whose last "worked" mark is in the period: day, pool_id, person_id (who
    marked it), n. An operator's report counts the cases that operator marked."""
    cases = CasePage.objects.filter(
        pool_id__in=list(scope.pools), worked_at__gte=period.start, worked_at__lt=period.end
    )
    if scope.operator_id is not None:
        cases = cases.filter(worked_by_id=scope.operator_id)
    return list(
        cases.order_by()
        .values(
            "pool_id", person_id=F("worked_by_id"), day=TruncDate("worked_at", tzinfo=period.zone)
        )
        .annotate(n=Count("pk"))
    )


def customers_rows(scope: Scope, period: Period, key: str | None) -> dict[Any, dict[str, int]]:
    """Per value of ``key`` (or overall): distinct customers of the cases closed in the
    period, and those of them who wrote back after a closing.

    Counted over the distinct (key, customer) pairs, which the database finds by hashing,
    rather than with COUNT(DISTINCT …), which sorts every case's address.
    """
    customer = Coalesce(
        NullIf(Lower("customer_email"), Value("")), Cast("pk", output_field=CharField())
    )
    group = [key] if key else []
    pairs = (
        closed_in(scope, period)
        .annotate(customer=customer)
        .values(*group, "customer")
        .annotate(wrote=Max("writes_after_close"))
    )
    sql, params = pairs.query.sql_with_params()
    column = f"s.{key}" if key else "NULL"
    query = (
        f"SELECT {column}, COUNT(*), SUM(CASE WHEN s.wrote > 0 THEN 1 ELSE 0 END)"
        f" FROM ({sql}) s GROUP BY {column if key else '1'}"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        rows = cursor.fetchall()
    found = {group: {"customers": n, "wrote_back": int(wrote or 0)} for group, n, wrote in rows}
    if key is None and not found:
        found[None] = {"customers": 0, "wrote_back": 0}
    return found


def open_before(scope: Scope, moment: datetime) -> int:
    """Cases arrived before the moment and not closed for the last time before it."""
    cases = cases_of(scope)
    arrived = cases.filter(received_at__lt=moment).count()
    closed = cases.filter(closed_at__lt=moment).count()
    return arrived - closed


def answers_rows(scope: Scope, period: Period) -> list[tuple[int, str, str, int]]:
    """(category id, question key, answer, count) over the cases closed in the period,
    counted by the database (jsonb_each_text on PostgreSQL, json_each on SQLite)."""
    cases = closed_in(scope, period).filter(category__isnull=False).exclude(answers={})
    sql, params = cases.values("category_id", "answers").query.sql_with_params()
    if connection.vendor == "postgresql":
        each = "jsonb_each_text(c.answers) AS a(key, value)"
    else:
        each = "json_each(c.answers) AS a"
    # The cases' own query as the FROM: one pass, no second lookup of every case.
    query = (
        f"SELECT c.category_id, a.key, a.value, COUNT(*) FROM ({sql}) c, {each}"
        " WHERE a.value IS NOT NULL AND a.value <> '' GROUP BY c.category_id, a.key, a.value"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return [(cat, key, str(value), n) for cat, key, value, n in cursor.fetchall()]
