"""The live board, our side: its figures and its page on the board's world
(``board_world``), as the team leader (one pool) and the manager (all four), p50/p95 ms,
with the plan of the slowest query of each figures request."""

import time
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from bench.ours import board_world
from bench.ours.lists import _client, _timed
from bench.stats import percentiles
from correspondence.models import CasePage


def _plan(client: Any, url: str) -> dict[str, Any]:
    """EXPLAIN ANALYZE of the request's slowest query (run again, warm)."""
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        lines = [row[0] for row in cursor.fetchall()]
    return {"sql": slowest["sql"][:2000], "plan": lines}


def _cpu(client: Any, url: str, repeats: int) -> dict[str, float]:
    """This process's CPU time per request (ms): what the request costs our side whatever
    else runs on the machine (wall time on a busy machine adds the wait for a core)."""
    spent = []
    for _ in range(repeats):
        started = time.process_time()
        client.get(url)
        spent.append((time.process_time() - started) * 1000)
    return {k: round(v, 1) for k, v in percentiles(spent).items()}


def board_build(*, size: int) -> dict[str, Any]:
    return board_world.board_world_build(size=size)


def board_measure(*, repeats: int) -> dict[str, Any]:
    """The figures fragment every open board fetches every few seconds, and the whole
    page, for the team leader (Bench) and the manager (every pool)."""
    fresh = board_world.board_world_freshen()
    result: dict[str, Any] = {"cases": CasePage.objects.count(), "freshen": fresh}
    for who in ("leader", "manager"):
        client = _client(who)
        result[f"{who}_figures"] = _timed(client, "/board/figures/", repeats)
        result[f"{who}_page"] = _timed(client, "/board/", repeats)
        result[f"{who}_figures_cpu_ms"] = _cpu(client, "/board/figures/", repeats)
        result[f"{who}_figures_plan"] = _plan(client, "/board/figures/")
    return result
