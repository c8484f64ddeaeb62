"""The live board, our side: the leader's board figures on a list database, p50/p95 ms.

Reuses the lists' databases (the same N cases, half closed, a fifth taken by sixteen
operators, the rest new). Before measuring, the closed cases' next deadline is cleared as
closing does (the list build closes them with an UPDATE), and a spread of deadlines is
set on the open ones: some past, some about to pass, most ahead, as a running office has.
"""

from typing import Any

from django.db import connection

from bench.ours import world
from bench.ours.lists import _client, _timed
from correspondence.models import CasePage


def _deadlines_spread() -> None:
    """Idempotent: closed cases have no next deadline; open ones 1% overdue, 1% about to
    be late, the rest ahead (by their id, so every run measures the same data)."""
    table = CasePage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET deadline_at = NULL, warning_at = NULL"
            " WHERE state = 'closed' AND deadline_at IS NOT NULL"
        )
        cursor.execute(
            f"UPDATE {table} SET"
            " deadline_at = now() + (CASE WHEN page_ptr_id % 100 = 1 THEN -1"
            "   WHEN page_ptr_id % 100 = 2 THEN 1 ELSE 30 END) * interval '1 day',"
            " warning_at = now() + (CASE WHEN page_ptr_id % 100 = 1 THEN -3"
            "   WHEN page_ptr_id % 100 = 2 THEN -1 ELSE 25 END) * interval '1 day'"
            " WHERE state <> 'closed'"
            " AND (warning_at IS NULL OR warning_at < now() - interval '2 days')"
            " AND page_ptr_id % 100 <> 1"
        )
        changed = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} SET deadline_at = now() - interval '1 day',"
            " warning_at = now() - interval '3 days'"
            " WHERE state <> 'closed' AND page_ptr_id % 100 = 1"
            " AND (deadline_at IS NULL OR deadline_at > now())"
        )
        if changed or cursor.rowcount:
            cursor.execute(f"VACUUM ANALYZE {table}")


def board_measure(*, repeats: int) -> dict[str, Any]:
    """The figures fragment the board fetches every few seconds, and the whole page."""
    world.world_build()
    _deadlines_spread()
    leader = _client("leader")
    return {
        "cases": CasePage.objects.count(),
        "board_figures": _timed(leader, "/board/figures/", repeats),
        "board_page": _timed(leader, "/board/", repeats),
    }
