"""Reports, our side: a year of N cases made in SQL, then the year's report and workbook.

A million cases made one by one through the services take an hour; here the Bench pool's
twelve month pages are made by the services and the cases are copied from one real case
(made by ``case_create``) with ``INSERT … SELECT generate_series``: page rows with valid
tree paths under their month, case rows, one message from the customer per case, one
answer by the operator for most (each stamped with the case's pool, and with its
operator if the case was taken by then, as intake and the outbox stamp them), the audit
log's create entry, consultations (rows and log entries) for a tenth, and "worked" marks
on one closed case in twenty. Every column not set here is copied from the real case, so
a column another migration adds keeps that case's value. Histories (deterministic from
the case's index): 85% closed (due 72 h after arrival, closed 1 to 120 h after: about
40% late), 5% taken, the rest new; a tenth with a consultation; one in 25 reopened by its
customer; a fifth with a questionnaire answer.
"""

import itertools
import math
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone

from bench import config
from bench.ours import world
from bench.stats import percentiles
from correspondence import permissions
from correspondence.models import CasePage, Category, Department, PoolPage, Question
from correspondence.services.cases import NewCase, case_create, month_page_for
from intranet.reports.metrics import report_build
from intranet.reports.periods import period_make
from intranet.reports.scope import report_scope
from intranet.reports.workbook import workbook_write

FIRST = datetime(2025, 6, 1, tzinfo=UTC)
SPAN = timedelta(days=365)
BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
YEAR = (date(2025, 6, 1), date(2026, 5, 31))
CONNECTIONS = 3  # production's CORRISPONDENZA_REPORT_CONNECTIONS (the bench runs on tests')


def _columns(table: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s"
            " ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def _copy_sql(table: str, skip: set[str], overrides: dict[str, str]) -> tuple[str, str]:
    """Column list and SELECT expressions: t.<column> unless overridden."""
    names = [c for c in _columns(table) if c not in skip]
    exprs = [overrides.get(c, f't."{c}"') for c in names]
    return ", ".join(f'"{c}"' for c in names), ", ".join(exprs)


def _b36(expr: str) -> str:
    digits = [f"substr('{BASE36}', (({expr}) / {36**p}) % 36 + 1, 1)" for p in (3, 2, 1, 0)]
    return " || ".join(digits)


def _manager(pool: PoolPage) -> User:
    user, made = User.objects.get_or_create(username="manager", defaults={"first_name": "M"})
    if made:
        group, _created = Group.objects.get_or_create(name="Managers")
        for perm in (permissions.VIEW, permissions.EXPORT):
            permissions.pool_permission_grant(group=group, perm=perm, pool=pool)
        user.groups.add(group)
    return user


def _template(pool: PoolPage) -> tuple[CasePage, Category]:
    category, _made = Category.objects.get_or_create(name="Bench")
    Question.objects.get_or_create(category=category, key="esito", label="Esito", kind="choice")
    template = CasePage.objects.filter(number="BEN-TEMPLATE").first()
    if template is None:
        template = case_create(
            pool=pool, data=NewCase(channel="email", subject="t", received_at=FIRST)
        )
        CasePage.objects.filter(pk=template.pk).update(number="BEN-TEMPLATE")
    return template, category


def _month_ranges(size: int) -> list[tuple[datetime, int, int]]:
    """(mid-month, first index, index after the last) of each month's cases: case n
    arrives at FIRST + SPAN * n / size."""
    bounds, month = [], FIRST
    while month < FIRST + SPAN:
        offset = (month - FIRST).total_seconds() / SPAN.total_seconds() * size
        bounds.append((month, min(size, math.ceil(offset))))
        month = (month + timedelta(days=32)).replace(day=1)
    bounds.append((FIRST + SPAN, size))
    return [
        (start + timedelta(days=14), n0, n1)
        for (start, n0), (_next, n1) in itertools.pairwise(bounds)
        if n1 > n0
    ]


def _case_overrides(size: int, operators: list[int], category: int) -> dict[str, str]:
    h = "((n::bigint * 7919 + 13) % 1000)"
    received = f"(%(first)s::timestamptz + (n::float8 * {SPAN.total_seconds() / size}) * interval '1 second')"  # noqa: E501
    ops = "ARRAY[" + ",".join(str(pk) for pk in operators) + "]"
    return {
        "page_ptr_id": "pages.id",
        "number": "'BEN-R' || n",
        "subject": "'Richiesta ' || n",
        "customer_email": "'cliente' || (n % 200000) || '@example.it'",
        "customer_name": "'Cliente ' || (n % 200000)",
        "received_at": received,
        "touched_at": received,
        "state": f"CASE WHEN {h} < 850 THEN 'closed' WHEN {h} < 900 THEN 'taken' ELSE 'new' END",
        "assignee_id": f"CASE WHEN {h} < 900 THEN ({ops})[n % {len(operators)} + 1] END",
        "taken_at": f"CASE WHEN {h} < 900 THEN {received} + (({h} * 13) % 240 + 1) * interval '1 minute' END",  # noqa: E501
        "first_reply_at": f"CASE WHEN {h} < 700 THEN {received} + (({h} * 7) % 48 + 1) * interval '1 hour' END",  # noqa: E501
        "due_at": f"{received} + interval '72 hours'",
        "closed_at": f"CASE WHEN {h} < 850 THEN {received} + (({h} * 37) % 120 + 1) * interval '1 hour' END",  # noqa: E501
        "had_consultation": f"{h} % 10 = 0",
        "worked_at": f"CASE WHEN {h} < 850 AND {h} % 20 = 3 THEN {received} + (({h} * 37) % 120) * interval '1 hour' END",  # noqa: E501
        "worked_by_id": f"CASE WHEN {h} < 850 AND {h} % 20 = 3 THEN ({ops})[n % {len(operators)} + 1] END",  # noqa: E501
        "writes_after_close": f"CASE WHEN {h} % 25 = 0 THEN 1 ELSE 0 END",
        "category_id": f"CASE WHEN {h} % 5 = 1 THEN {category} END",
        "answers": f"CASE WHEN {h} % 5 = 1 THEN jsonb_build_object('esito', CASE WHEN {h} % 3 = 0 THEN 'sì' ELSE 'no' END) ELSE '{{}}'::jsonb END",  # noqa: E501
    }  # fmt: skip


def _month_insert(
    template: CasePage, size: int, month: PoolPage, n0: int, n1: int, overrides: dict[str, str]
) -> None:
    start = month.numchild
    page_cols, page_exprs = _copy_sql("wagtailcore_page", {"id"}, {
        "path": f"'{month.path}' || {_b36(f'{start} + n - {n0} + 1')}",
        "depth": str(month.depth + 1),
        "numchild": "0",
        "title": "'BEN-R' || n",
        "draft_title": "'BEN-R' || n",
        "slug": "'r-' || n",
        "url_path": "'/bench/r-' || n || '/'",
        "translation_key": "gen_random_uuid()",
    })  # fmt: skip
    case_cols, case_exprs = _copy_sql("correspondence_casepage", set(), overrides)
    sql = (
        f"WITH pages AS (INSERT INTO wagtailcore_page ({page_cols}) SELECT {page_exprs}"
        f" FROM wagtailcore_page t, generate_series(%(n0)s, %(n1)s - 1) n WHERE t.id = %(tpl)s"
        f" RETURNING id, slug), numbered AS (SELECT id, substr(slug, 3)::int AS n FROM pages)"
        f" INSERT INTO correspondence_casepage ({case_cols}) SELECT {case_exprs}"
        f" FROM correspondence_casepage t, numbered AS pages WHERE t.page_ptr_id = %(tpl)s"
    )
    # The expressions' modulo signs, escaped for the driver's %(name)s parameters.
    sql = sql.replace("%", "%%").replace("%%(", "%(")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, {"n0": n0, "n1": n1, "tpl": template.pk, "first": FIRST})
        cursor.execute(
            "UPDATE wagtailcore_page SET numchild = numchild + %s WHERE id = %s",
            [n1 - n0, month.pk],
        )


MESSAGES_SQL = """
INSERT INTO correspondence_message (kind, message_id, in_reply_to, "references", from_address,
    from_name, "to", cc, date, subject, text, html, raw, raw_sha256, created_at, case_id, author_id,
    pool_id, holder_id)
SELECT 'inbound', '', '', '', customer_email, customer_name, '[]'::jsonb, '[]'::jsonb,
    received_at, subject, 'Testo della richiesta', '', '', '', received_at, page_ptr_id, NULL,
    pool_id, CASE WHEN taken_at <= received_at THEN assignee_id END
FROM correspondence_casepage WHERE number LIKE 'BEN-R%%'
UNION ALL
SELECT 'outbound', '', '', '', 'bench@assicura.example.it', '', '[]'::jsonb, '[]'::jsonb,
    first_reply_at, subject, 'Risposta', '', '', '', first_reply_at, page_ptr_id, assignee_id,
    pool_id, assignee_id
FROM correspondence_casepage WHERE number LIKE 'BEN-R%%' AND first_reply_at IS NOT NULL
"""
LOG_SQL = """
INSERT INTO wagtailcore_pagelogentry (content_type_id, label, action, data, timestamp,
    content_changed, deleted, page_id, user_id, uuid)
SELECT %(ct)s, number, 'correspondence.case.create', '{}'::jsonb, received_at, true, false,
    page_ptr_id, NULL, NULL::uuid FROM correspondence_casepage WHERE number LIKE 'BEN-R%%'
UNION ALL
SELECT %(ct)s, number, 'correspondence.case.consult', '{}'::jsonb, received_at + interval '1 hour',
    false, false, page_ptr_id, assignee_id, NULL::uuid
FROM correspondence_casepage WHERE number LIKE 'BEN-R%%' AND had_consultation
UNION ALL
SELECT %(ct)s, number, 'correspondence.case.consultation_answered',
    jsonb_build_object('on_time', page_ptr_id %% 2 = 0), received_at + interval '30 hours',
    false, false, page_ptr_id, NULL::integer, NULL::uuid
FROM correspondence_casepage WHERE number LIKE 'BEN-R%%' AND had_consultation
"""
CONSULTATIONS_SQL = """
INSERT INTO workflow_consultation (case_id, department_id, question, asked_by_id, message_id,
    sent_at, due_at, answered_at, answer_id, reminders_sent, last_reminder_at)
SELECT page_ptr_id, %(department)s, 'Domanda', COALESCE(assignee_id, %(asker)s), '',
    received_at + interval '1 hour', received_at + interval '25 hours',
    received_at + CASE WHEN page_ptr_id %% 2 = 0 THEN interval '20 hours'
                       ELSE interval '30 hours' END,
    NULL, 0, NULL
FROM correspondence_casepage WHERE number LIKE 'BEN-R%%' AND had_consultation
"""


def _department() -> int:
    department, _made = Department.objects.get_or_create(
        name="Bench department", defaults={"emails": "dept@assicura.example.it"}
    )
    return department.pk


def reports_build(*, size: int) -> dict[str, Any]:
    """Makes the year's `size` cases unless they are there (a build is one run: the harness
    builds into a database of its own and renames it when done)."""
    pool = world.world_build()
    _manager(pool)
    if CasePage.objects.filter(number__startswith="BEN-R").exists():
        return {"made": 0}
    template, category = _template(pool)
    operators = list(
        User.objects.filter(username__in=world.OPERATORS)
        .order_by("username")
        .values_list("pk", flat=True)
    )
    overrides = _case_overrides(size, operators, category.pk)
    started = time.perf_counter()
    for moment, n0, n1 in _month_ranges(size):
        month = month_page_for(pool=pool, moment=moment)
        month.refresh_from_db()
        _month_insert(template, size, month, n0, n1, overrides)
    cases_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(MESSAGES_SQL)
        cursor.execute(LOG_SQL, {"ct": template.content_type_id})
        cursor.execute(CONSULTATIONS_SQL, {"department": _department(), "asker": operators[0]})
        for table in ("wagtailcore_page", "correspondence_casepage", "correspondence_message",
                      "wagtailcore_pagelogentry", "workflow_consultation"):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {
        "made": size,
        "cases_seconds": round(cases_s, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _timed(run: Any, repeats: int) -> dict[str, Any]:
    run()  # warm caches and connections, as a running server has them
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return {k: round(v, 1) for k, v in percentiles(times).items()} | {"max": round(max(times), 1)}


def _database_files() -> list[Path]:
    """This database's files under PostgreSQL's data folder (the test services' own, or
    BENCH_PG_DATA), when this process may read them."""
    data = Path(os.environ.get("BENCH_PG_DATA", "/tmp/corrispondenza-services/postgres/data"))
    with connection.cursor() as cursor:
        cursor.execute("SELECT oid FROM pg_database WHERE datname = current_database()")
        (oid,) = cursor.fetchone()
    folder = data / "base" / str(oid)
    try:
        return [path for path in folder.iterdir() if path.is_file()]
    except OSError:
        return []


def _evict(files: list[Path]) -> None:
    """Drops this database's pages from the OS page cache (only its own files: the other
    databases on the server keep theirs); PostgreSQL's 128 MB of buffers may keep some."""
    for path in files:
        with path.open("rb") as handle:
            os.posix_fadvise(handle.fileno(), 0, 0, os.POSIX_FADV_DONTNEED)


def _cold(run: Any) -> float | None:
    files = _database_files()
    if not files:
        return None
    _evict(files)
    started = time.perf_counter()
    run()
    return round((time.perf_counter() - started) * 1000, 1)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def reports_measure(*, repeats: int) -> dict[str, Any]:
    """The year's report over every case on one connection and on CONNECTIONS at once
    (cold: this database's pages first dropped from the OS cache; warm: after a run), and
    the manager's page; with the load average around each."""
    pool = world.world_build()
    manager = _manager(pool)
    period = period_make(first=YEAR[0], last=YEAR[1], zone=timezone.get_current_timezone())
    scope = report_scope(user=manager)
    client = Client()
    client.force_login(manager)
    url = f"/reports/?first={YEAR[0].isoformat()}&last={YEAR[1].isoformat()}"
    result: dict[str, Any] = {"cases": CasePage.objects.count(), "load_before": _load()}
    for connections in (1, CONNECTIONS):
        with override_settings(CORRISPONDENZA_REPORT_CONNECTIONS=connections):
            suffix = "" if connections == 1 else f"_{connections}_connections"
            result[f"report_cold_ms{suffix}"] = _cold(
                lambda: report_build(scope=scope, period=period)
            )
            result[f"report_ms{suffix}"] = _timed(
                lambda: report_build(scope=scope, period=period), repeats
            )
    with override_settings(CORRISPONDENZA_REPORT_CONNECTIONS=CONNECTIONS):
        if client.get(url).status_code != 200:
            raise RuntimeError(f"{url} did not answer 200")
        result["page_ms"] = _timed(lambda: client.get(url), repeats)
        report = report_build(scope=scope, period=period)
    result.update(
        received=report.total.counts["received"],
        closed=report.total.counts["closed"],
        load_after=_load(),
    )
    return result


def reports_export() -> dict[str, Any]:
    """The year's workbook written once (its report on CONNECTIONS connections); the
    process's peak memory is added by __main__."""
    manager = _manager(world.world_build())
    period = period_make(first=YEAR[0], last=YEAR[1], zone=timezone.get_current_timezone())
    path = config.STATE / "report-bench.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    load_before = _load()
    started = time.perf_counter()
    with path.open("wb") as out, override_settings(CORRISPONDENZA_REPORT_CONNECTIONS=CONNECTIONS):
        report = report_build(scope=report_scope(user=manager), period=period)
        written = workbook_write(report=report, out=out)
    seconds = time.perf_counter() - started
    size_mb = path.stat().st_size / 2**20
    path.unlink()
    return {
        "cases_listed": written,
        "seconds": round(seconds, 1),
        "file_mb": round(size_mb, 1),
        "load_before": load_before,
        "load_after": _load(),
    }
