"""Take next, our side: 16 operator processes pressing "take next" until N cases are taken."""

import multiprocessing
import time
from typing import Any

from django.contrib.auth.models import User
from django.db import connections
from django.db.models import Count
from django.utils import timezone
from wagtail.models import PageLogEntry

from bench.ours import world
from correspondence.services.batch import cases_create_batch
from correspondence.services.cases import NewCase
from workflow.taking import case_take_next


def _operator(args: tuple[str, int]) -> tuple[list[int], float, float]:
    username, quota = args
    user = User.objects.get(username=username)
    taken: list[int] = []
    started = time.time()
    while len(taken) < quota:
        case = case_take_next(user=user)
        if case is None:
            break
        taken.append(case.pk)
    ended = time.time()
    connections.close_all()
    return taken, started, ended


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
    connections.close_all()  # each forked operator opens its own connection
    with multiprocessing.get_context("fork").Pool(workers) as processes:
        outcomes = processes.map(_operator, list(zip(usernames, quotas, strict=True)))
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
