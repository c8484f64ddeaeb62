"""Take next, our side: 16 operator processes pressing "take next" until N cases are taken.

The operators are forked after Django is set up; each opens its connection and loads its
user before a barrier, so the timed window (first start to last end) holds only takes,
all of them running together.
"""

import multiprocessing
import time
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Barrier
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, connections
from django.db.models import Count
from django.utils import timezone
from wagtail.models import PageLogEntry

from bench.ours import world
from correspondence.services.batch import cases_create_batch
from correspondence.services.cases import NewCase
from workflow.taking import case_take_next


def _operator(username: str, quota: int, start: Barrier, answer: Connection) -> None:
    user = User.objects.get(username=username)
    connection.ensure_connection()
    start.wait()
    taken: list[int] = []
    started = time.time()
    while len(taken) < quota:
        case = case_take_next(user=user)
        if case is None:
            break
        taken.append(case.pk)
    ended = time.time()
    connections.close_all()
    answer.send((taken, started, ended))
    answer.close()


def _operators_run(usernames: list[str], quotas: list[int]) -> list[tuple[list[int], float, float]]:
    fork = multiprocessing.get_context("fork")
    start = fork.Barrier(len(usernames))
    connections.close_all()  # each forked operator opens its own connection
    pipes, processes = [], []
    for username, quota in zip(usernames, quotas, strict=True):
        receiving, sending = fork.Pipe(duplex=False)
        process = fork.Process(target=_operator, args=(username, quota, start, sending))
        process.start()
        sending.close()  # so a crashed operator ends recv() with EOFError, not a hang
        pipes.append(receiving)
        processes.append(process)
    outcomes = [pipe.recv() for pipe in pipes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise RuntimeError(f"an operator process failed ({process.exitcode})")
    return outcomes


def takes_measure(*, count: int, workers: int = 16) -> dict[str, Any]:
    """Takes per second over all operators, and double-takes (a case taken twice)."""
    pool = world.world_build()
    now = timezone.now()
    cases_create_batch(
        pool=pool,
        items=[
            NewCase(channel="email", subject=f"Take {n}", received_at=now)
            for n in range(count + workers)
        ],
    )
    usernames = world.OPERATORS[:workers]
    quotas = [count // workers + (1 if i < count % workers else 0) for i in range(workers)]
    outcomes = _operators_run(usernames, quotas)
    ids = [pk for taken, _s, _e in outcomes for pk in taken]
    seconds = max(e for _t, _s, e in outcomes) - min(s for _t, s, _e in outcomes)
    twice_logged = (
        PageLogEntry.objects.filter(action="correspondence.case.take")
        .values("page_id")
        .order_by()
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    return {
        "operators": workers,
        "takes": len(ids),
        "seconds": round(seconds, 2),
        "per_second": round(len(ids) / seconds, 1),
        "double_takes": (len(ids) - len(set(ids))) + twice_logged,
    }
