"""The board's world: N cases over a year in four pools, copied in SQL (a million in
minutes, where the lists' generator, one case at a time through the services, takes half
an hour).

Four pools (Bench 40% of the cases, Sinistri 30%, Reclami 20%, Polizze 10%), each with
its operators (Bench: op01..op16 and "operator"; the others 10, 8 and 5) and a presence
for each; "leader" leads Bench, "manager" oversees the four. The year ends when the
world is built; case n (by arrival) is deterministic from n:
- the last 30 days: 60% still open; older: 11% still open (a backlog), about 15% in all;
- open cases: 40% new (untaken), 40% taken, 12% in consultation (half with the clock
  stopped: no deadline), 8% awaiting approval;
- a deadline 30 days after arrival, its warning at 25 days (a third of the backlog older
  than 30 days has none: no policy), so the backlog is late and the cases of 25 to 30
  days ago are about to be; closed cases have none (closing clears it).
Before each measure, ``board_world_freshen`` makes the last day's arrivals today's and
closes a share of the last month's closed cases today, so the board's "today" figures
are never empty whenever it runs. Only the case table is filled (the board reads
nothing else): no messages, no history.
"""

import itertools
import math
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import connection, transaction
from django.utils import timezone

from bench.ours import world
from bench.ours.reports import _b36, _copy_sql, _template
from correspondence import permissions
from correspondence.models import CasePage, PoolMembership, PoolPage
from correspondence.services.cases import month_page_for
from intranet.home import home_page_ensure
from intranet.models import UserProfile

SPAN = timedelta(days=365)
RECENT = timedelta(days=30)
# (code, title, share of n % 10, operators); Bench is the world's own pool
POOLS = [
    ("BEN", "Bench", (0, 1, 2, 3), 0),
    ("SIN", "Sinistri", (4, 5, 6), 10),
    ("REC", "Reclami", (7, 8), 8),
    ("POL", "Polizze", (9,), 5),
]
PRESENCES = ["available", "available", "busy", "available", "away", "dnd", "offline"]


def _pool(code: str, title: str) -> PoolPage:
    if code == world.POOL_CODE:
        return world.world_build()
    pool = PoolPage.objects.filter(code=code).first()
    if pool is None:
        pool = home_page_ensure().add_child(
            instance=PoolPage(
                title=title, slug=title.lower(), code=code, addresses=f"{code.lower()}@b.example"
            )
        )
        permissions.pool_teams_grant(pool=pool, name=title)
    return pool


def _operators(pool: PoolPage, code: str, title: str, count: int) -> list[int]:
    """The pool's operators' ids (made when missing), each with a presence."""
    names = ["operator", *world.OPERATORS] if code == world.POOL_CODE else []
    names += [f"{code.lower()}{n:02d}" for n in range(1, count + 1)]
    group = Group.objects.get(name=f"{title} operators")
    ids = []
    for index, name in enumerate(names):
        user = User.objects.filter(username=name).first()
        if user is None:
            user = User.objects.create_user(name, password="bench", first_name=name)
            user.groups.add(group)
            PoolMembership.objects.create(user=user, pool=pool, priority=1)
        presence = PRESENCES[index % len(PRESENCES)]
        UserProfile.objects.update_or_create(user=user, defaults={"presence": presence})
        ids.append(user.pk)
    return ids


def _manager(pools: list[PoolPage]) -> None:
    """ "manager" holds view and export in every pool: a manager's board shows them all."""
    user, _made = User.objects.get_or_create(username="manager", defaults={"first_name": "M"})
    group, _made = Group.objects.get_or_create(name="Managers")
    for pool in pools:
        for perm in (permissions.VIEW, permissions.EXPORT):
            permissions.pool_permission_grant(group=group, perm=perm, pool=pool)
    user.groups.add(group)


def _overrides(size: int, end: datetime, pool: PoolPage, operators: list[int]) -> dict[str, str]:
    first = end - SPAN
    received = f"('{first.isoformat()}'::timestamptz + (n::float8 * {SPAN.total_seconds() / size}) * interval '1 second')"  # noqa: E501
    recent = f"(n >= {math.floor(size * (1 - RECENT / SPAN))})"
    h, g = "((n::bigint * 7919 + 13) % 997)", "((n::bigint * 104729 + 7) % 991)"
    is_open = f"(({recent} AND {h} < 598) OR (NOT {recent} AND {h} < 110))"
    state = (
        f"CASE WHEN NOT {is_open} THEN 'closed' WHEN {g} % 25 < 10 THEN 'new'"
        f" WHEN {g} % 25 < 20 THEN 'taken' WHEN {g} % 25 < 23 THEN 'consultation'"
        " ELSE 'awaiting_approval' END"
    )
    paused = f"({is_open} AND {g} % 25 IN (20, 21) AND {g} % 2 = 0)"
    no_policy = f"(NOT {recent} AND {g} % 3 = 0)"
    pending = f"({is_open} AND NOT {paused} AND NOT {no_policy})"
    held = f"({is_open} AND {g} % 25 >= 10)"
    ops = "ARRAY[" + ",".join(str(pk) for pk in operators) + "]"
    closed_at = f"LEAST({received} + (({g} * 37) % 120 + 1) * interval '1 hour', '{end.isoformat()}'::timestamptz)"  # noqa: E501
    return {
        "page_ptr_id": "pages.id",
        "pool_id": str(pool.pk),
        "number": f"'{pool.code}-B' || n",
        "subject": "'Richiesta ' || n",
        "customer_email": "'cliente' || (n % 200000) || '@example.it'",
        "customer_name": "'Cliente ' || (n % 200000)",
        "received_at": received,
        "touched_at": received,
        "state": state,
        "assignee_id": f"CASE WHEN NOT {is_open} OR {held} THEN ({ops})[(n / 10) % {len(operators)} + 1] END",  # noqa: E501
        "taken_at": f"CASE WHEN NOT {is_open} OR {held} THEN {received} + interval '20 minutes' END",  # noqa: E501
        "first_reply_at": f"CASE WHEN NOT {is_open} THEN {received} + interval '1 hour' END",
        "due_at": f"{received} + interval '30 days'",
        "deadline_at": f"CASE WHEN {pending} THEN {received} + interval '30 days' END",
        "warning_at": f"CASE WHEN {pending} THEN {received} + interval '25 days' END",
        "clock_paused_at": f"CASE WHEN {paused} THEN {received} + interval '1 day' END",
        "closed_at": f"CASE WHEN NOT {is_open} THEN {closed_at} END",
        "had_consultation": f"{g} % 10 = 0",
    }  # fmt: skip


def _month_ranges(size: int, end: datetime) -> list[tuple[datetime, int, int]]:
    """(a moment of the month, first n, n after the last) of each month's arrivals."""
    first, bounds = end - SPAN, []
    month = timezone.localtime(first).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    while month < end:
        offset = max((month - first) / SPAN * size, 0)
        bounds.append((max(month, first), math.ceil(offset)))
        month = timezone.localtime((month + timedelta(days=32)).replace(day=1))
        month = month.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    bounds.append((end, size))
    return [(m0, n0, n1) for (m0, n0), (_m1, n1) in itertools.pairwise(bounds) if n1 > n0]


def _insert(template: CasePage, month: PoolPage, n0: int, n1: int, shares: tuple[int, ...],
            overrides: dict[str, str]) -> None:  # fmt: skip
    """The pool's cases among arrivals n0..n1-1 under their month page (valid tree paths)."""
    page_cols, page_exprs = _copy_sql("wagtailcore_page", {"id"}, {
        "path": f"'{month.path}' || {_b36(f'{month.numchild} + s.r')}",
        "depth": str(month.depth + 1),
        "numchild": "0",
        "title": overrides["number"],
        "draft_title": overrides["number"],
        "slug": "'b-' || n",
        "url_path": f"'{month.url_path}b-' || n || '/'",
        "translation_key": "gen_random_uuid()",
    })  # fmt: skip
    case_cols, case_exprs = _copy_sql("correspondence_casepage", set(), overrides)
    chosen = ",".join(str(s) for s in shares)
    sql = (
        f"WITH s AS (SELECT n, row_number() OVER (ORDER BY n)::int AS r"
        f" FROM generate_series(%(n0)s, %(n1)s - 1) n WHERE n % 10 IN ({chosen})),"
        f" pages AS (INSERT INTO wagtailcore_page ({page_cols}) SELECT {page_exprs}"
        f" FROM wagtailcore_page t, s WHERE t.id = %(tpl)s RETURNING id, slug),"
        f" numbered AS (SELECT id, substr(slug, 3)::int AS n FROM pages)"
        f" INSERT INTO correspondence_casepage ({case_cols}) SELECT {case_exprs}"
        f" FROM correspondence_casepage t, numbered AS pages WHERE t.page_ptr_id = %(tpl)s"
    )
    sql = sql.replace("%", "%%").replace("%%(", "%(")  # the SQL's modulo signs, escaped
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, {"n0": n0, "n1": n1, "tpl": template.pk})
        cursor.execute(
            "UPDATE wagtailcore_page SET numchild = numchild + %s WHERE id = %s",
            [cursor.rowcount, month.pk],
        )


def _analyze(*tables: str) -> None:
    """Fresh statistics, and a visibility map for index-only scans (VACUUM cannot run in
    a transaction: a test's world gets the statistics alone)."""
    command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{command} {table}")


def board_world_build(*, size: int) -> dict[str, Any]:
    """Makes the four pools' `size` cases unless they are there (one run: the harness
    builds into a database of its own and renames it when done)."""
    pools = {code: _pool(code, title) for code, title, _shares, _ops in POOLS}
    staff = {code: _operators(pools[code], code, t, n) for code, t, _s, n in POOLS}
    _manager(list(pools.values()))
    if CasePage.objects.filter(number__startswith="BEN-B").exists():
        return {"made": 0}
    template, _category = _template(pools[world.POOL_CODE])
    end = timezone.now().replace(microsecond=0)
    started = timezone.now()
    for code, _title, shares, _ops in POOLS:
        overrides = _overrides(size, end, pools[code], staff[code])
        for moment, n0, n1 in _month_ranges(size, end):
            month = month_page_for(pool=pools[code], moment=moment)
            month.refresh_from_db()
            _insert(template, month, n0, n1, shares, overrides)
    _analyze("wagtailcore_page", CasePage._meta.db_table)
    seconds = (timezone.now() - started).total_seconds()
    return {"made": size, "seconds": round(seconds, 1)}


def board_world_freshen() -> dict[str, int]:
    """Today's figures whenever the board is measured: unless today already has a day's
    share of arrivals (size / 365), the last day's arrivals before midnight move into
    today; unless today already has as many closings, one in twelve of the last month's
    closed cases was closed today (by a share of the time since midnight)."""
    now = timezone.now()
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    table, moved, closed = CasePage._meta.db_table, 0, 0
    day = max(CasePage.objects.count() // 365, 1)
    span = {"m": midnight, "now": now}
    with connection.cursor() as cursor:
        if CasePage.objects.filter(received_at__gte=midnight).count() < day // 2:
            cursor.execute(
                f"SELECT max(received_at) FROM {table} WHERE received_at < %s", [midnight]
            )
            start = cursor.fetchone()[0] - timedelta(days=1)
            cursor.execute(
                f"UPDATE {table} SET received_at = %(m)s + (%(now)s - %(m)s)"
                " * (extract(epoch FROM received_at - %(start)s) / 86400), touched_at = %(m)s,"
                " closed_at = CASE WHEN closed_at IS NOT NULL THEN %(now)s END"
                " WHERE received_at >= %(start)s AND received_at < %(m)s",
                {**span, "start": start},
            )
            moved = cursor.rowcount
        if CasePage.objects.filter(closed_at__gte=midnight).count() < day // 2:
            cursor.execute(
                f"UPDATE {table} SET closed_at = %(m)s + (%(now)s - %(m)s) * ((page_ptr_id %% 991)"
                " / 991.0) WHERE state = 'closed' AND closed_at < %(m)s"
                " AND received_at >= %(now)s - interval '30 days' AND page_ptr_id %% 12 = 0",
                span,
            )
            closed = cursor.rowcount
    if moved or closed:
        _analyze(table)
    return {"moved_to_today": moved, "closed_today": closed}
