"""The report read on several connections at once gives exactly the one-connection report.

The other connections import the caller's snapshot, so they see committed data only: the
world is committed here (a transactional test), then a committed change made after the
snapshot must stay invisible to every pass.
"""

from dataclasses import asdict
from threading import Thread, current_thread, main_thread
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings

from correspondence.models import CasePage
from intranet.reports import gather, grouped
from intranet.reports.metrics import Report, report_build
from intranet.reports.periods import Grain, period_make
from intranet.reports.scope import report_scope
from tests.intranet.reports.conftest import FIRST, LAST, ROME

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.postgresql(reason="exported snapshots are PostgreSQL's; SQLite reads alone"),
]


def _report(user: Any) -> Report:
    scope = report_scope(user=user)
    period = period_make(first=FIRST, last=LAST, zone=ROME)
    return report_build(scope=scope, period=period, grain=Grain.DAY)


def _figures(report: Report) -> dict[str, Any]:
    groups = {"total": report.total, **{f"pool {k}": v for k, v in report.pools.items()}}
    groups |= {f"operator {k}": v for k, v in report.operators.items()}
    return {
        "groups": {name: asdict(figures) for name, figures in groups.items()},
        "trend": report.trend,
        "backlog": report.backlog,
        "answers": report.answers,
    }


@pytest.fixture(autouse=True)
def every_period_in_parallel(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Even these three days are read on several connections; returns the names of the
    threads the cases' pass ran on."""
    monkeypatch.setattr(gather, "SHORT_DAYS", 0)
    threads: list[str] = []
    case_counts = grouped.case_counts

    def spied(*args: Any) -> Any:
        threads.append(current_thread().name)
        return case_counts(*args)

    monkeypatch.setattr(grouped, "case_counts", spied)
    return threads


def test_several_connections_give_the_same_report(
    world: dict, every_period_in_parallel: list[str]
) -> None:
    with override_settings(CORRISPONDENZA_REPORT_CONNECTIONS=1):
        alone = _figures(_report(world["manager"]))
    with override_settings(CORRISPONDENZA_REPORT_CONNECTIONS=3):
        together = _figures(_report(world["manager"]))
    main = main_thread().name
    assert every_period_in_parallel[0] == main and every_period_in_parallel[1] != main
    assert together == alone
    assert together["groups"]["total"]["counts"]["closed"] == 6


def _commit_elsewhere(case_id: int) -> None:
    """Closes the case in a transaction of another connection, committed at once."""

    def close() -> None:
        try:
            with transaction.atomic():
                case = CasePage.objects.get(pk=case_id)
                CasePage.objects.filter(pk=case_id).update(
                    state="closed", closed_at=case.received_at
                )
        finally:
            connection.close()

    thread = Thread(target=close)
    thread.start()
    thread.join()


def test_every_pass_reads_the_callers_snapshot(
    world: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A case closed by another transaction once the snapshot is exported, while the
    passes run, is counted by none of them: closings, backlog and customers agree."""
    late = CasePage.objects.get(customer_email="e@x.it")  # new, the period's last minute
    case_counts = grouped.case_counts  # the spy of every_period_in_parallel

    def counts_after_a_commit(*args: Any) -> Any:
        _commit_elsewhere(late.pk)
        return case_counts(*args)

    monkeypatch.setattr(grouped, "case_counts", counts_after_a_commit)
    with override_settings(CORRISPONDENZA_REPORT_CONNECTIONS=3):
        report = _report(world["manager"])
    assert CasePage.objects.get(pk=late.pk).state == "closed"  # committed meanwhile
    assert report.total.counts["closed"] == 6 and report.total.customers == 5
    assert list(report.backlog.values()) == [4, 3, 2]
    monkeypatch.setattr(grouped, "case_counts", case_counts)
    with override_settings(CORRISPONDENZA_REPORT_CONNECTIONS=3):
        again = _report(world["manager"])
    assert again.total.counts["closed"] == 7 and again.total.customers == 6
