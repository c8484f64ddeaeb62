"""Lists, our side: N cases built in bulk (cached), then timed requests of real pages.

The cases are made by ``cases_create_batch`` in batches of 5,000 (one lock, bulk
inserts, a valid tree), then put in realistic states by three UPDATEs: half closed,
a fifth taken by the operators, the rest new and untaken.
"""

import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import config
from bench.ours import world
from bench.stats import percentiles
from correspondence.models import CasePage, PoolPage
from correspondence.services.batch import cases_create_batch
from correspondence.services.cases import NewCase

BATCH = 5000
SUBJECTS = ["Richiesta di rimborso", "Denuncia sinistro", "Zgłoszenie szkody", "Cerere"]
NAMES = ["Giulia Rossi", "Łukasz Nowak", "Ioana Popescu", "Marco Bianchi", "Elena Ionescu"]


def _items(rng: random.Random, start: int, count: int, total: int) -> list[NewCase]:
    first = datetime(2025, 6, 1, tzinfo=UTC)
    span = timedelta(days=365).total_seconds()
    senders = max(total // 5, 1)
    items = []
    for n in range(start, start + count):
        who = rng.randrange(senders)
        items.append(
            NewCase(
                channel="email",
                subject=f"{rng.choice(SUBJECTS)} {rng.randint(1000, 99999)}",
                received_at=first + timedelta(seconds=span * n / total),
                customer_name=rng.choice(NAMES),
                customer_email=f"cliente{who}@example.it",
            )
        )
    return items


def _states_set(pool: PoolPage) -> None:
    """Half closed, a fifth taken (one in a hundred by "operator"), the rest new."""
    table = CasePage._meta.db_table
    users = dict(
        User.objects.filter(username__in=["operator", *world.OPERATORS]).values_list(
            "username", "pk"
        )
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = 'closed' WHERE pool_id = %s AND page_ptr_id %% 10 < 5",
            [pool.pk],
        )
        for index, name in enumerate(world.OPERATORS):
            cursor.execute(
                f"UPDATE {table} SET state = 'taken', assignee_id = %s, taken_at = received_at "
                f"WHERE pool_id = %s AND page_ptr_id %% 10 IN (5, 6) AND page_ptr_id %% 16 = %s",
                [users[name], pool.pk, index],
            )
        cursor.execute(
            f"UPDATE {table} SET state = 'taken', assignee_id = %s, taken_at = received_at "
            f"WHERE pool_id = %s AND page_ptr_id %% 100 = 5",
            [users["operator"], pool.pk],
        )
        cursor.execute(f"VACUUM ANALYZE {table}")


def lists_build(*, size: int) -> dict[str, Any]:
    """Adds cases until the pool holds `size` (so an interrupted build resumes)."""
    pool = world.world_build()
    have = CasePage.objects.filter(pool=pool).count()
    rng = random.Random(config.SEED + have)
    started = time.perf_counter()
    for start in range(have, size, BATCH):
        cases_create_batch(pool=pool, items=_items(rng, start, min(BATCH, size - start), size))
    seconds = time.perf_counter() - started
    if have < size:
        _states_set(pool)
    made = size - have
    return {
        "made": made,
        "seconds": round(seconds, 1),
        "per_second": round(made / seconds, 1) if made else None,
    }


def _timed(client: Client, url: str, repeats: int) -> dict[str, Any]:
    for _ in range(2):
        client.get(url)  # warm caches and connections, as a running server has them
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
    stats = {k: round(v, 1) for k, v in percentiles(times).items()}
    return {
        "url": url,
        "ms": stats,
        "queries": len(queries),
        "sql_ms": round(sum(float(q["time"]) for q in queries.captured_queries) * 1000, 1),
        "slowest_sql": slowest["sql"][:300],
        "slowest_ms": round(float(slowest["time"]) * 1000, 1),
    }


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def lists_measure(*, repeats: int) -> dict[str, Any]:
    """Operator's pool list, a search by sender, the leader's pool list: server time in ms."""
    pool = world.world_build()
    url = pool.get_url() or "/bench/"
    sender = (
        CasePage.objects.filter(pool=pool, assignee__isnull=True, state="new")
        .order_by("-received_at")
        .values_list("customer_email", flat=True)
        .first()
    )
    operator, leader = _client("operator"), _client("leader")
    return {
        "cases": CasePage.objects.filter(pool=pool).count(),
        "operator_list": _timed(operator, url, repeats),
        "search_by_sender": _timed(operator, f"/search/?q={sender}", repeats),
        "leader_list": _timed(leader, url, repeats),
    }
