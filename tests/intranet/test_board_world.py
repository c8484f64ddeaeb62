"""The board on the benchmark's world (bench/ours/board_world.py, the same SQL that makes
a million cases): every figure equals a plain count of the cases it stands for, and the
world is a valid page tree whose "today" figures are never empty."""

from datetime import datetime

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Page

from bench.ours import board_world
from correspondence.models import CasePage, PoolPage, State
from intranet.board import OPEN_STATES, board_pools, pools_board

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgresql(reason="the world is made with PostgreSQL's generate_series"),
]
SIZE = 4000


def _expected(pool: PoolPage, now: datetime) -> dict[str, int]:
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    cases = CasePage.objects.filter(pool=pool)
    counts = {s: cases.filter(state=s).count() for s in OPEN_STATES}
    counts["overdue"] = cases.filter(deadline_at__lt=now).count()
    counts["soon"] = cases.filter(warning_at__lte=now, deadline_at__gte=now).count()
    counts["received"] = cases.filter(received_at__gte=midnight).count()
    counts["closed"] = cases.filter(closed_at__gte=midnight).count()
    return counts


def test_every_figure_of_the_bench_world_is_a_plain_count() -> None:
    assert board_world.board_world_build(size=SIZE)["made"] == SIZE
    board_world.board_world_freshen()
    assert all(not problems for problems in Page.find_problems())  # a valid tree
    manager = User.objects.get(username="manager")
    pools = list(board_pools(manager))
    assert [p.code for p in pools] == ["BEN", "POL", "REC", "SIN"]  # by title
    now = timezone.now()
    open_cases = CasePage.objects.filter(~Q(state=State.CLOSED), number__contains="-B").count()
    assert 0.12 < open_cases / SIZE < 0.18  # about 15% open
    seen: set[str] = set()
    for board, pool in zip(pools_board(pools, now), pools, strict=True):
        shown = {s: f.count for s, f in board.states.items()} | {
            "overdue": board.overdue.count,
            "soon": board.soon.count,
            "received": board.received_today.count,
            "closed": board.closed_today.count,
        }
        expected = _expected(pool, now)
        assert shown == expected, pool.code
        assert expected["overdue"] and expected["soon"] and board.oldest_number, expected
        seen.update(k for k in ("received", "closed") if expected[k])
    assert seen == {"received", "closed"}  # today's figures, whatever the time of day
