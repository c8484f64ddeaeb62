"""Every figure of the report over the known histories of conftest.py, worked out by hand."""

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from correspondence.models import CasePage, Message
from intranet.reports.metrics import Report, report_build
from intranet.reports.periods import Grain, period_make
from intranet.reports.scope import report_scope
from tests.intranet.reports.conftest import FIRST, LAST, ROME, _message, _set, rome
from workflow import handling

pytestmark = pytest.mark.django_db


def _report(user: Any, pool: str = "", operator: str = "") -> Report:
    scope = report_scope(user=user, pool_slug=pool, operator=operator)
    period = period_make(first=FIRST, last=LAST, zone=ROME)
    return report_build(scope=scope, period=period, grain=Grain.DAY)


def _minutes(times: dict[str, float | None]) -> dict[str, float | None]:
    return {k: None if v is None else round(v / 60, 3) for k, v in times.items()}


def test_counts_of_everything(world: dict) -> None:
    total = _report(world["manager"]).total
    assert total.counts == {
        "received": 5,  # A, B, C, E, H (D before, F after the period)
        "messages_received": 6,  # A, B, C, E, H, R's write-back (D's before)
        "closed": 6,  # A, B, C, D, H, R (K before, G after)
        "on_time_plain": 2,  # A; D without a due time
        "on_time_consult": 1,  # C
        "late_consult": 1,  # H
        "late_plain": 2,  # B; R by its last closing
        "consult_on_time": 1,  # C's answer
        "consult_late": 1,  # H's first answer (G's before the period, H's second after it)
        "worked": 3,  # op1 on A and B, op2 on H (auto-reply and authorless not)
        "marked_worked": 3,  # A, H, C in the last minute (B's mark before the period)
    }
    assert (total.on_time, total.late, total.on_time_share) == (3, 3, 0.5)
    # customers a (A and D), b, c, h, r; r wrote back after a closing
    assert (total.customers, total.wrote_back, total.wrote_back_share) == (5, 1, 0.2)


def test_per_pool_a_transferred_case_counts_where_it_was_closed(world: dict) -> None:
    report = _report(world["manager"])
    sinistri, pagamenti = (report.pools[world[name].pk] for name in ("sinistri", "pagamenti"))
    assert sinistri.counts["received"] == 3 and pagamenti.counts["received"] == 2
    # H's message arrived in Sinistri, before H was moved: it stays there.
    assert sinistri.counts["messages_received"] == 5 and pagamenti.counts["messages_received"] == 1
    assert (sinistri.counts["closed"], sinistri.on_time, sinistri.late) == (5, 3, 2)
    assert (pagamenti.counts["closed"], pagamenti.counts["late_consult"]) == (1, 1)
    assert (sinistri.customers, sinistri.wrote_back, sinistri.wrote_back_share) == (4, 1, 0.25)
    assert (pagamenti.customers, pagamenti.wrote_back) == (1, 0)
    assert (sinistri.counts["consult_on_time"], pagamenti.counts["consult_late"]) == (1, 1)
    assert (sinistri.counts["marked_worked"], pagamenti.counts["marked_worked"]) == (2, 1)


def test_per_operator(world: dict) -> None:
    operators = _report(world["manager"]).operators
    op1, op2 = operators[world["op1"].pk], operators[world["op2"].pk]
    assert list(operators) == [world["op1"].pk, world["op2"].pk]
    assert (op1.counts["closed"], op1.counts["on_time_plain"], op1.counts["late_plain"]) == (
        4,
        2,
        2,
    )
    assert (op2.counts["on_time_consult"], op2.counts["late_consult"]) == (1, 1)
    assert (op1.counts["worked"], op2.counts["worked"]) == (2, 1)
    assert (op1.counts["marked_worked"], op2.counts["marked_worked"]) == (1, 2)  # A; H and C
    assert (op1.counts["received"], op2.counts["received"]) == (2, 2)
    assert (op1.customers, op1.wrote_back, op2.customers) == (3, 1, 2)


def test_a_message_counts_where_its_case_was_and_for_its_holder_when_it_arrived(
    world: dict, make_case: Callable[..., CasePage]
) -> None:
    before = _report(world["manager"])
    op1, op2 = (before.operators[world[name].pk] for name in ("op1", "op2"))
    # Only R's write-back reached a case someone held (op1); the others arrived before
    # their cases were taken and count for their pools alone.
    assert (op1.counts["messages_received"], op2.counts["messages_received"]) == (1, 0)
    # T arrives in Sinistri held by op1; then it is moved to Pagamenti and op2 takes it.
    t = make_case(world["sinistri"], when=rome(29, 11), customer_email="t@x.it")
    _set(t, state="taken", assignee=world["op1"], taken_at=rome(29, 11, 5))
    _message(t, Message.Kind.INBOUND, rome(29, 12))
    handling.case_transfer(case_id=t.pk, user=world["admin"], pool=world["pagamenti"],
                           reason="wrong pool")  # fmt: skip
    _set(t, state="taken", assignee=world["op2"])
    report = _report(world["manager"])
    sinistri, pagamenti = (report.pools[world[name].pk] for name in ("sinistri", "pagamenti"))
    assert (sinistri.counts["messages_received"], pagamenti.counts["messages_received"]) == (6, 1)
    op1, op2 = (report.operators[world[name].pk] for name in ("op1", "op2"))
    assert (op1.counts["messages_received"], op2.counts["messages_received"]) == (2, 0)
    # The case itself counts where it is now: received in Pagamenti, for op2.
    assert (pagamenti.counts["received"], op2.counts["received"]) == (3, 3)
    assert report.total.counts["messages_received"] == 7


def test_durations_across_the_daylight_saving_change(world: dict) -> None:
    report = _report(world["manager"])
    # take: A 30, B 60, C 120 (01:00 CET to 04:00 CEST), D 510, H 1080 (28th 14:00 to
    # 29th 09:00 is 18 h across the change), R 60 minutes
    # answer: A 60, H 2550 (42.5 h over the change), R 120
    # close: A 180, B 1320 (22 h), C 150, D 540, H 2580, R 7440 (124 h over the change)
    assert _minutes(report.total.times) == {
        "take_p50": 90.0,  # 60 + 0.5 * (120 - 60)
        "take_p90": 795.0,  # 510 + 0.5 * (1080 - 510)
        "answer_p50": 120.0,
        "answer_p90": 2064.0,  # 120 + 0.8 * (2550 - 120)
        "close_p50": 930.0,  # 540 + 0.5 * (1320 - 540)
        "close_p90": 5010.0,  # 2580 + 0.5 * (7440 - 2580)
    }
    op2 = _minutes(report.operators[world["op2"].pk].times)
    assert (op2["take_p50"], op2["close_p90"]) == (600.0, 2337.0)  # C and H


def test_trend_and_backlog_by_local_day(world: dict) -> None:
    report = _report(world["manager"])
    days = [date(2026, 3, 28), date(2026, 3, 29), date(2026, 3, 30)]
    assert list(report.trend) == days
    assert [report.trend[d]["received"] for d in days] == [3, 1, 1]
    assert [report.trend[d]["messages_received"] for d in days] == [4, 1, 1]
    assert [report.trend[d]["closed"] for d in days] == [2, 2, 2]
    assert [report.trend[d]["on_time"] for d in days] == [2, 1, 0]
    assert [report.trend[d]["worked"] for d in days] == [2, 0, 1]
    assert [report.trend[d]["marked_worked"] for d in days] == [1, 1, 1]  # A, H, C
    # open at the start: D, G, R; then B G H R; G H R; G E
    assert list(report.backlog.values()) == [4, 3, 2]


def test_questionnaire_answers(world: dict) -> None:
    assert _report(world["manager"]).answers == [
        ("Sinistro", "Esito", "no", 1),
        ("Sinistro", "Esito", "sì", 2),
        ("Sinistro", "Note", "✓", 1),
    ]


def test_a_leader_sees_their_pools_and_an_operator_report(world: dict) -> None:
    report = _report(world["leader"])
    assert list(report.pools) == [world["sinistri"].pk]
    assert (report.total.counts["closed"], report.total.counts["received"]) == (5, 3)
    one = _report(world["manager"], operator="op1")
    assert list(one.operators) == [world["op1"].pk]
    assert (one.total.counts["closed"], one.total.counts["worked"]) == (4, 2)
    assert one.total.counts["marked_worked"] == 1  # A (B's mark before the period)
    assert list(one.backlog.values()) == [2, 1, 0]  # D, R; then B, R; then R; then none
