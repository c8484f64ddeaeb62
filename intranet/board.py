"""The live board of team leaders (their pools) and managers (every pool they oversee):
work in progress by state, pool and operator, what is late and about to be, who is there.

It is read every few seconds by every supervisor's open board, so nothing here counts a
pool's whole history: every figure is one bounded index range (open cases of a state,
deadlines already past, today's arrivals and closings) counted up to BOARD_CAP, and the
per-operator figures read the (assignee, state) index of the operators shown.
"""

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL
from django.utils import timezone

from correspondence.case_rows import page_url, pool_link
from correspondence.models import CasePage, PoolMembership, PoolPage, State
from correspondence.permissions import EXPORT, LEAD, pools_for
from intranet.models import UserProfile
from workflow.models import Notice

# Figures above these are shown as "at least": a count costs what it counts. A capped
# figure reads up to BOARD_CAP index entries (about 0.15 ms a thousand): at 5,000 the
# figures query of a manager's four pools at 1,000,000 cases took 18.6 ms (EXPLAIN
# ANALYZE, bench/RESULTS.md); 1,000 is also where the home page's counts stop.
BOARD_CAP = 1000
OPERATOR_CAP = 200
OPEN_STATES = [State.NEW, State.TAKEN, State.CONSULTATION, State.AWAITING_APPROVAL]


def board_pools(user: Any) -> QuerySet[PoolPage]:
    """The pools on the user's board: those they lead, and those they oversee as a manager
    (managers hold the export permission of every pool they answer for)."""
    led = Q(pk__in=pools_for(user, LEAD).values("pk"))
    overseen = Q(pk__in=pools_for(user, EXPORT).values("pk"))
    return PoolPage.objects.filter(led | overseen).order_by("title")


@dataclass
class Figure:
    """A number on the board, whether it reached the cap, and the cases behind it."""

    count: int
    url: str
    cap: int

    @property
    def capped(self) -> bool:
        return self.count >= self.cap


@dataclass
class PoolBoard:
    title: str
    code: str
    url: str
    states: dict[str, Figure]
    overdue: Figure
    soon: Figure
    received_today: Figure
    closed_today: Figure
    colleagues: Figure  # open cases waiting for colleagues' answers
    oldest_number: str = ""
    oldest_url: str = ""
    oldest_at: datetime | None = None


@dataclass
class OperatorBoard:
    name: str
    presence: str
    presence_label: str
    states: dict[str, Figure] = field(default_factory=dict)

    @property
    def open_total(self) -> int:
        return sum(f.count for f in self.states.values())


def _value(moment: datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def _capped(where: str, params: list[Any]) -> RawSQL:
    """Cases of the pool row meeting `where` (on alias c), counted up to BOARD_CAP."""
    cases, pools = CasePage._meta.db_table, PoolPage._meta.db_table
    return RawSQL(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {cases} c WHERE c.pool_id = {pools}.page_ptr_id"
        f" AND {where} LIMIT %s) capped",
        [*params, BOARD_CAP],
    )


def _annotations(now: datetime) -> dict[str, RawSQL]:
    midnight = timezone.make_aware(datetime.combine(timezone.localtime(now).date(), time.min))
    all_states = list(State.values)
    marks = ", ".join(["%s"] * len(all_states))
    figures = {f"n_{state}": _capped("c.state = %s", [state]) for state in OPEN_STATES}
    figures["n_overdue"] = _capped(
        "c.deadline_at IS NOT NULL AND c.deadline_at < %s", [_value(now)]
    )
    figures["n_soon"] = _capped(
        "c.warning_at IS NOT NULL AND c.warning_at <= %s AND c.deadline_at >= %s",
        [_value(now), _value(now)],
    )
    # Through the (pool, state, received_at) index: one range per state.
    figures["n_received"] = _capped(
        f"c.state IN ({marks}) AND c.received_at >= %s", [*all_states, _value(midnight)]
    )
    open_marks = ", ".join(["%s"] * len(OPEN_STATES))
    figures["n_colleagues"] = _capped(
        f"c.colleagues_asked_at IS NOT NULL AND c.state IN ({open_marks})", list(OPEN_STATES)
    )
    figures["n_closed"] = _capped(
        "c.closed_at IS NOT NULL AND c.closed_at >= %s", [_value(midnight)]
    )
    return figures


def _link(base: str, **params: str) -> str:
    return f"{base}?{urlencode(params)}"


def _oldest() -> dict[str, Subquery]:
    """The pool row's oldest untaken case (number, path, arrival), each off the take-next
    index, one row: three probes in the figures' query instead of a query per pool."""
    oldest = CasePage.objects.filter(
        pool_id=OuterRef("pk"), state=State.NEW, assignee__isnull=True
    ).order_by("received_at", "page_ptr")
    return {
        f"oldest_{name}": Subquery(oldest.values(name)[:1])
        for name in ("number", "url_path", "received_at")
    }


def pools_board(pools: list[PoolPage], now: datetime) -> list[PoolBoard]:
    """The figures of each pool, and its oldest waiting case: one query for all of them."""
    rows = (
        PoolPage.objects.filter(pk__in=[p.pk for p in pools])
        .order_by("title")
        .only("title", "code", "url_path")
        .annotate(**_annotations(now), **_oldest())
    )
    return [_pool_board(pool) for pool in rows]


def _pool_board(pool: Any) -> PoolBoard:
    link = pool_link(pool)

    def fig(count: int, **params: str) -> Figure:
        return Figure(count, _link(link.url, **params), BOARD_CAP)

    board = PoolBoard(
        title=pool.title,
        code=pool.code,
        url=link.url,
        states={s: fig(getattr(pool, f"n_{s}"), state=s) for s in OPEN_STATES},
        overdue=fig(pool.n_overdue, late="overdue", sort="due"),
        soon=fig(pool.n_soon, late="soon", sort="due"),
        received_today=fig(pool.n_received, state="all", received="today"),
        closed_today=fig(pool.n_closed, state="closed", closed="today"),
        colleagues=fig(pool.n_colleagues, colleagues="yes"),
    )
    if pool.oldest_number:
        board.oldest_number, board.oldest_at = pool.oldest_number, pool.oldest_received_at
        board.oldest_url = page_url(link, pool.oldest_url_path)
    return board


def _held(state: str) -> RawSQL:
    """The user row's open cases in this state, in any pool (an operator's whole load),
    counted up to OPERATOR_CAP off the (assignee, state) index alone."""
    cases, users = CasePage._meta.db_table, get_user_model()._meta.db_table
    return RawSQL(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {cases} c WHERE c.assignee_id = {users}.id"
        f" AND c.state = %s LIMIT %s) held",
        [state, OPERATOR_CAP],
    )


def operators_board(pools: list[PoolPage]) -> list[OperatorBoard]:
    """The members of the pools: presence and open cases by state (all they hold: their
    load), one query."""
    ids = [p.pk for p in pools]
    members = PoolMembership.objects.filter(pool_id__in=ids).values("user_id")
    held_states = [s for s in OPEN_STATES if s != State.NEW]
    users = (
        get_user_model()
        .objects.filter(pk__in=members, is_active=True)
        .order_by("username")
        .annotate(
            presence_now=Subquery(
                UserProfile.objects.filter(user_id=OuterRef("pk")).values("presence")[:1]
            ),
            **{f"n_{s}": _held(s) for s in held_states},
        )
    )
    labels = dict(UserProfile.Presence.choices)
    boards = []
    for user in users:
        state = user.presence_now or UserProfile.Presence.OFFLINE
        board = OperatorBoard(
            name=user.get_full_name() or user.get_username(),
            presence=state,
            presence_label=str(labels.get(state, state)),
        )
        for s in held_states:
            url = _link("/search/", state=s, assignee=str(user.pk))
            board.states[s] = Figure(getattr(user, f"n_{s}"), url, OPERATOR_CAP)
        boards.append(board)
    return boards


def board_context(
    *, user: Any, pools: list[PoolPage], now: datetime | None = None
) -> dict[str, Any]:
    """Everything the board shows to this user about these pools (`board_pools`)."""
    now = now or timezone.now()
    return {
        "pools": pools_board(pools, now),
        "operators": operators_board(pools),
        "states": [(s, State(s).label) for s in OPEN_STATES],
        "notices": list(
            Notice.objects.filter(user=user, read_at__isnull=True)
            .select_related("case")
            .order_by("-created_at")[:10]
        ),
        "now": now,
        "cap": BOARD_CAP,
    }
