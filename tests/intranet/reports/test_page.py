"""The report page and its downloads as each role gets them."""

import io
import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from intranet.errors import ReportDenied
from intranet.models import ReportExport
from intranet.reports import exports
from intranet.tasks import report_export_task

pytestmark = pytest.mark.django_db
QUERY = {"first": "2026-03-28", "last": "2026-03-30"}


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_manager_sees_every_figure_charts_data_and_definitions(world: dict) -> None:
    response = _client(world["manager"]).get(reverse("report"), QUERY)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="received">5<' in html and 'data-kpi="closed">6<' in html
    assert 'data-kpi="on_time_share">50.0 %<' in html
    assert 'data-kpi="marked_worked">3<' in html  # A, H, C
    assert 'data-kpi="wrote_back">1 (20.0 %)<' in html
    rows = dict((key, cells) for key, _name, cells in response.context["rows"]["pool_rows"])
    assert rows["closed"] == ["6", "1", "5"]  # all, Pagamenti, Sinistri
    assert rows["late_consult"] == ["1", "1", "0"]
    assert rows["marked_worked"] == ["3", "1", "2"]  # A, C in Sinistri; H in Pagamenti
    assert "marked as worked (LAVORATO)" in html  # its definition
    assert rows["close_p50"][0] == "15 h 30 min"  # 930 minutes
    people = {key: cells for key, _name, cells in response.context["rows"]["operator_rows"]}
    assert response.context["rows"]["operator_headers"] == ["op1", "op2"]
    assert people["closed"] == ["4", "2"] and people["worked"] == ["2", "1"]
    script = html.split('id="report-data" type="application/json">', 1)[1].split("</script>")[0]
    data = json.loads(script)
    assert data["trend"]["series"]["received"] == [3, 1, 1]
    assert data["backlog"]["values"] == [4, 3, 2]
    assert "chart.umd.min.js" in html and "report.js" in html and "<script>" not in html
    assert "closed at or before the case&#x27;s due time" in html  # a definition
    assert reverse("report") in _client(world["manager"]).get("/").content.decode()


def test_an_operator_gets_403_and_no_menu(world: dict) -> None:
    client = _client(world["op1"])
    assert client.get(reverse("report"), QUERY).status_code == 403
    assert client.post(reverse("report_export"), QUERY).status_code == 403
    assert reverse("report") not in client.get("/").content.decode()


def test_a_leader_sees_only_their_pools(world: dict) -> None:
    client = _client(world["leader"])
    response = client.get(reverse("report"), QUERY)
    assert response.context["rows"]["pool_headers"] == ["All", "Sinistri"]
    assert 'data-kpi="closed">5<' in response.content.decode()
    assert client.get(reverse("report"), {**QUERY, "pool": "pagamenti"}).status_code == 403


def test_quick_choices_a_chosen_grain_and_a_bad_period(world: dict) -> None:
    client = _client(world["manager"])
    weekly = client.get(reverse("report"), {**QUERY, "grain": "week"}).context["report"]
    assert {str(k): v["closed"] for k, v in weekly.trend.items()} == {
        "2026-03-23": 4,  # Saturday 28 and Sunday 29: the week of Monday 23
        "2026-03-30": 2,
    }
    for quick in ("today", "this_week", "last_month", "this_year"):
        assert client.get(reverse("report"), {"quick": quick}).status_code == 200
    response = client.get(reverse("report"), {"first": "2026-03-30", "last": "2026-03-01"})
    assert response.status_code == 200 and "report" not in response.context
    assert "ends after it starts" in response.content.decode()


def test_a_small_workbook_comes_at_once(world: dict) -> None:
    response = _client(world["leader"]).post(reverse("report_export"), QUERY)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cases = [row[0] for row in book["Cases"].iter_rows(min_row=2, values_only=True)]
    assert len(cases) == 5  # Sinistri's A, B, C, D, R (H is in Pagamenti now)


def test_a_large_workbook_is_written_in_the_background_for_its_owner_only(
    world: dict, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(exports, "INLINE_MAX", 2)
    monkeypatch.setattr("intranet.reports.views.INLINE_MAX", 2)
    queued: list[int] = []
    monkeypatch.setattr(report_export_task, "delay", queued.append)
    client = _client(world["manager"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("report_export"), QUERY)
    export = ReportExport.objects.get()
    assert response.status_code == 302 and queued == [export.pk]
    status = reverse("report_export_status", args=[export.pk])
    assert client.get(status, {"format": "json"}).json()["status"] == "queued"
    assert 'id="export-progress"' in client.get(status).content.decode()
    report_export_task(export.pk)  # what the worker runs
    state = client.get(status, {"format": "json"}).json()
    assert (state["status"], state["done"], state["total"]) == ("done", 7, 7)
    download = client.get(state["download"])
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book["Summary"]["A1"].value == "Report"
    assert _client(world["leader"]).get(state["download"]).status_code == 403
    assert _client(world["leader"]).get(status, {"format": "json"}).status_code == 403


def test_an_export_whose_owner_lost_the_pool_fails_visibly(world: dict) -> None:
    export = ReportExport.objects.create(
        user=world["op1"], first_day=date(2026, 3, 28), last_day=date(2026, 3, 30)
    )
    with pytest.raises(ReportDenied):
        report_export_task(export.pk)
    export.refresh_from_db()
    assert export.status == "failed" and export.error and not export.file
