"""The report's figures on PostgreSQL in five passes instead of seventeen queries.

The portable queries (``queries``, ``durations``) ask one question each: at a million
cases a year's report read the case table seven times and joined a year's messages
twice (14 s). Here, on PostgreSQL:

1. one pass over the cases counts arrivals, closings (four kinds) and "worked" marks,
   each by its own day, with ``GROUPING SETS`` and ``FILTER``;
2. one range of an index of the messages counts those received and those worked, by
   the pool and operator each message was stamped with when filed or sent;
3. one pass over the closed cases gives every percentile for all, per pool and per
   operator (``GROUPING SETS`` with ``percentile_cont``);
4. one pass gives the distinct customers and those who wrote back, the same three ways;
5. the questionnaire answers (``queries.answers_rows``).

The rows come out in the shapes the portable queries return, so ``metrics`` adds them
up the same way; SQLite (the demo) keeps the portable queries. Both run the same tests.
"""

from collections.abc import Iterable
from typing import Any

from django.db import connection

from correspondence.models import CasePage, Message
from intranet.reports.durations import FRACTIONS, SPANS
from intranet.reports.periods import Period
from intranet.reports.scope import Scope

CASES = CasePage._meta.db_table
MESSAGES = Message._meta.db_table
# GROUPING(pool_id, assignee_id) of each set of the closed cases' passes.
SETS = {3: None, 1: "pool_id", 2: "assignee_id"}


def _fetch(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _params(scope: Scope, period: Period) -> dict[str, Any]:
    return {
        "pools": list(scope.pools),
        "operator": scope.operator_id,
        "start": period.start,
        "end": period.end,
        "zone": str(period.zone),
    }


def _within(column: str) -> str:
    return f"{column} >= %(start)s AND {column} < %(end)s"


def _day(column: str, condition: str) -> str:
    return f"CASE WHEN {condition} THEN ({column} AT TIME ZONE %(zone)s)::date END"


def case_counts(scope: Scope, period: Period) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``queries.received_rows``, ``closed_rows`` and ``marked_worked_rows``
    (under "received", "closed", "marked") from one pass over the cases."""
    mine = "assignee_id = %(operator)s AND " if scope.operator_id is not None else ""
    marker = "worked_by_id = %(operator)s AND " if scope.operator_id is not None else ""
    received = mine + _within("received_at")
    closed = mine + _within("closed_at")
    marked = marker + _within("worked_at")
    on_time = "(due_at IS NULL OR closed_at <= due_at)"
    count = "COUNT(*) FILTER (WHERE c_day IS NOT NULL AND {} AND {})"
    sql = f"""
        SELECT GROUPING(r_day, c_day, w_day), COALESCE(r_day, c_day, w_day), pool_id,
            COALESCE(assignee_id, worked_by_id), COUNT(*),
            {count.format(on_time, "NOT consulted")}, {count.format(on_time, "consulted")},
            {count.format("NOT " + on_time, "consulted")},
            {count.format("NOT " + on_time, "NOT consulted")}
        FROM (SELECT pool_id, assignee_id, worked_by_id, closed_at, due_at,
                had_consultation AS consulted, {_day("received_at", received)} AS r_day,
                {_day("closed_at", closed)} AS c_day, {_day("worked_at", marked)} AS w_day
            FROM {CASES} WHERE pool_id = ANY(%(pools)s)
                AND (({received}) OR ({closed}) OR ({marked}))) c
        GROUP BY GROUPING SETS ((r_day, pool_id, assignee_id), (c_day, pool_id, assignee_id),
            (w_day, pool_id, worked_by_id))
    """
    found: dict[str, list[dict[str, Any]]] = {"received": [], "closed": [], "marked": []}
    # GROUPING(r_day, c_day, w_day) has a bit set for each day not in the row's set.
    names = {0b011: "received", 0b101: "closed", 0b110: "marked"}
    for grouping, day, pool, person, n, *kinds in _fetch(sql, _params(scope, period)):
        if day is None:  # the set's day is outside the period: counted in another set
            continue
        name = names[grouping]
        if name == "closed":
            row = dict(zip(("on_time_plain", "on_time_consult", "late_consult", "late_plain"),
                           kinds, strict=True))  # fmt: skip
            found[name].append({"day": day, "pool_id": pool, "assignee_id": person, **row})
        else:
            key = "person_id" if name == "marked" else "assignee_id"
            found[name].append({"day": day, "pool_id": pool, key: person, "n": n})
    return found


def message_counts(scope: Scope, period: Period) -> dict[str, list[dict[str, Any]]]:
    """Rows of ``queries.messages_received_rows`` and ``worked_rows`` (under "received"
    and "worked") from the messages' own stamps (pool, holder, author): one range of
    the index message_kind_date_stamp, no join with the cases."""
    inbound, outbound = Message.Kind.INBOUND.value, Message.Kind.OUTBOUND.value
    person = f"CASE WHEN kind = '{inbound}' THEN holder_id ELSE author_id END"
    only = f" AND {person} = %(operator)s" if scope.operator_id is not None else ""
    sql = f"""
        SELECT kind, (date AT TIME ZONE %(zone)s)::date, pool_id, {person}, COUNT(*)
        FROM {MESSAGES}
        WHERE kind IN ('{inbound}', '{outbound}') AND {_within("date")}
            AND pool_id = ANY(%(pools)s) AND (kind = '{inbound}' OR author_id IS NOT NULL)
            {only}
        GROUP BY 1, 2, 3, 4
    """
    found: dict[str, list[dict[str, Any]]] = {"received": [], "worked": []}
    for kind, day, pool, who, n in _fetch(sql, _params(scope, period)):
        name = "received" if kind == inbound else "worked"
        found[name].append({"day": day, "pool_id": pool, "person_id": who, "n": n})
    return found


def _closed_where(scope: Scope) -> str:
    mine = " AND assignee_id = %(operator)s" if scope.operator_id is not None else ""
    return f"pool_id = ANY(%(pools)s) AND {_within('closed_at')}{mine}"


def _by_set(rows: Iterable[tuple[Any, ...]]) -> dict[str | None, dict[Any, tuple[Any, ...]]]:
    """{None: {None: values}, "pool_id": {pool: values}, "assignee_id": {person: values}}
    from rows of (GROUPING(pool_id, assignee_id), pool_id, assignee_id, *values)."""
    found: dict[str | None, dict[Any, tuple[Any, ...]]] = {key: {} for key in SETS.values()}
    for grouping, pool, person, *values in rows:
        key = SETS[grouping]
        group = pool if key == "pool_id" else person if key == "assignee_id" else None
        found[key][group] = tuple(values)
    return found


def closed_durations(scope: Scope, period: Period) -> dict[str | None, dict[Any, Any]]:
    """``durations.durations`` of the closed cases for all (key None), per "pool_id" and
    per "assignee_id", from one pass."""
    fractions = ", ".join(str(f) for f in FRACTIONS.values())
    # date_part gives the seconds as a double directly; EXTRACT computes a numeric that
    # percentile_cont then casts to the same double: 1.0 s against 0.7 s a span at 1M.
    columns = ", ".join(
        f"percentile_cont(ARRAY[{fractions}]) WITHIN GROUP (ORDER BY date_part('epoch',"
        f" {end} - {start})) FILTER (WHERE {end} IS NOT NULL)"
        for start, end in SPANS.values()
    )
    sql = f"""
        SELECT GROUPING(pool_id, assignee_id), pool_id, assignee_id, {columns}
        FROM {CASES} WHERE {_closed_where(scope)}
        GROUP BY GROUPING SETS ((), (pool_id), (assignee_id))
    """
    found: dict[str | None, dict[Any, Any]] = {}
    for key, groups in _by_set(_fetch(sql, _params(scope, period))).items():
        found[key] = {}
        for group, values in groups.items():
            times: dict[str, float | None] = {}
            for span, spread in zip(SPANS, values, strict=True):
                for name, value in zip(FRACTIONS, spread or [None] * len(FRACTIONS), strict=True):
                    times[f"{span}_{name}"] = value
            found[key][group] = times
    return found


def closed_customers(scope: Scope, period: Period) -> dict[str | None, dict[Any, dict[str, int]]]:
    """``queries.customers_rows`` for all (key None), per "pool_id" and per "assignee_id",
    from one pass: the distinct (group, customer) pairs, then counted per group."""
    customer = "COALESCE(NULLIF(LOWER(customer_email), ''), page_ptr_id::varchar)"
    sql = f"""
        SELECT g, pool_id, assignee_id, COUNT(*), COUNT(*) FILTER (WHERE wrote)
        FROM (SELECT GROUPING(pool_id, assignee_id) AS g, pool_id, assignee_id,
                BOOL_OR(writes_after_close > 0) AS wrote
            FROM (SELECT pool_id, assignee_id, writes_after_close, {customer} AS customer
                FROM {CASES} WHERE {_closed_where(scope)}) c
            GROUP BY GROUPING SETS ((customer), (pool_id, customer), (assignee_id, customer))) s
        GROUP BY g, pool_id, assignee_id
    """
    found: dict[str | None, dict[Any, dict[str, int]]] = {}
    for key, groups in _by_set(_fetch(sql, _params(scope, period))).items():
        found[key] = {g: {"customers": n, "wrote_back": w} for g, (n, w) in groups.items()}
    found[None].setdefault(None, {"customers": 0, "wrote_back": 0})
    return found
