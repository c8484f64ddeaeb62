"""Every grouped row a report needs, read in one consistent view of the database.

On PostgreSQL the five passes of ``grouped`` and the small queries are independent
reads: with ``CORRISPONDENZA_REPORT_CONNECTIONS`` above 1 they run at once, each on a
connection of its own that imports the caller's snapshot (``pg_export_snapshot``, as
``pg_dump -j`` does), so every pass sees exactly the same committed data, as of the
moment the snapshot is exported (the caller must be inside a transaction: ``report_build``
is). On one connection, and on SQLite (the demo, with the portable queries), they run
one after the other in the caller's transaction.
"""

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from intranet.reports import grouped, queries
from intranet.reports.consultations import consultations_answered
from intranet.reports.durations import durations
from intranet.reports.periods import Period
from intranet.reports.scope import Scope

REPORT_WORK_MEM = "128MB"
GROUPINGS = (None, "pool_id", "assignee_id")
# Up to a week, the passes read indexes and take milliseconds each: on one connection.
# (1M cases a year: a day 191 ms on one connection, 279 ms on three; a month 1.4 s, 0.8 s.)
SHORT_DAYS = 7
SNAPSHOT_ID = re.compile(r"[0-9A-F]+(-[0-9A-F]+)+")


def session_tune() -> None:
    """The report's settings for the current PostgreSQL transaction."""
    with connection.cursor() as cursor:
        # The percentiles sort and the distinct customers hash a year's closed cases:
        # in memory, not in temporary files (PostgreSQL's default is 4 MB).
        cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        # Compiling these few big queries to machine code costs more than it saves.
        cursor.execute("SET LOCAL jit = off")


def _in_snapshot(snapshot: str, job: Callable[[], Any]) -> Any:
    """Runs the job on this thread's own connection, in the exported snapshot."""
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # SET takes no bound parameter; the identifier was checked when exported.
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            session_tune()
            return job()
    finally:
        connection.close()


def passes_run(jobs: dict[str, Callable[[], Any]], workers: int) -> dict[str, Any]:
    """Each job's result; at once on ``workers`` connections when there are several."""
    if workers <= 1:
        return {name: job() for name, job in jobs.items()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cursor.fetchone()
    if not SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError(f"unexpected snapshot identifier {snapshot!r}")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {name: pool.submit(_in_snapshot, snapshot, job) for name, job in jobs.items()}
        return {name: future.result() for name, future in futures.items()}


def _postgresql(scope: Scope, period: Period) -> dict[str, Any]:
    jobs: dict[str, Callable[[], Any]] = {
        "messages": partial(grouped.message_counts, scope, period),
        "durations": partial(grouped.closed_durations, scope, period),
        "customers": partial(grouped.closed_customers, scope, period),
        "cases": partial(grouped.case_counts, scope, period),
        "answers": partial(queries.answers_rows, scope, period),
        "consultations": partial(
            consultations_answered, scope=scope, start=period.start, end=period.end
        ),
        "open_before": partial(queries.open_before, scope, period.start),
    }
    workers = settings.CORRISPONDENZA_REPORT_CONNECTIONS
    if len(period.days()) <= SHORT_DAYS:
        workers = 1  # a few ms a pass: new connections would cost more than they save
    done = passes_run(jobs, workers)
    cases, messages = done["cases"], done["messages"]
    return {
        **cases,
        "messages_received": messages["received"],
        "worked": messages["worked"],
        "closed_groups": {
            key: (done["customers"][key], done["durations"][key]) for key in GROUPINGS
        },
        "answers": done["answers"],
        "consultations": done["consultations"],
        "open_before": done["open_before"],
    }


def _portable(scope: Scope, period: Period) -> dict[str, Any]:
    closed = queries.closed_in(scope, period)
    return {
        "received": queries.received_rows(scope, period),
        "messages_received": queries.messages_received_rows(scope, period),
        "closed": queries.closed_rows(scope, period),
        "worked": queries.worked_rows(scope, period),
        "marked": queries.marked_worked_rows(scope, period),
        "closed_groups": {
            key: (queries.customers_rows(scope, period, key), durations(closed, key))
            for key in GROUPINGS
        },
        "answers": queries.answers_rows(scope, period),
        "consultations": consultations_answered(scope=scope, start=period.start, end=period.end),
        "open_before": queries.open_before(scope, period.start),
    }


def rows_gather(*, scope: Scope, period: Period) -> dict[str, Any]:
    """Grouped rows: "received", "messages_received", "closed", "worked", "marked" (as
    ``queries`` returns them), "closed_groups" (per grouping: customers and durations),
    "answers", "consultations" and "open_before" (the backlog when the period starts)."""
    if connection.vendor == "postgresql":
        session_tune()
        return _postgresql(scope, period)
    return _portable(scope, period)
