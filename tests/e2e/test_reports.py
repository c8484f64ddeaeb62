"""In Debian's chromium: the manager opens the reports, sees the charts drawn, downloads
the workbook and opens it."""

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from openpyxl import load_workbook

from correspondence.models import CasePage, ResolutionType
from workflow import lifecycle

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

DRAWN = """(id) => {
  const canvas = document.getElementById(id);
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
  return painted;
}"""


def test_the_manager_reads_the_charts_and_downloads_the_workbook(
    demo: None, live_server: Any, browser_page: Any, screenshots: Path, tmp_path: Path
) -> None:
    operator = User.objects.get(username="op.sinistri")
    case = CasePage.objects.filter(pool__code="SIN").order_by("number").first()
    lifecycle.case_take(case_id=case.pk, user=operator)
    lifecycle.case_close(
        case_id=case.pk,
        user=operator,
        resolution_type=ResolutionType.objects.first(),
        resolution_text="Risposto.",
    )
    page = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.click(".topnav a[href='/reports/']")
    page.click("button[name=quick][value=this_year]")
    page.wait_for_selector("#chart-trend")
    for chart in ("chart-trend", "chart-share", "chart-operators", "chart-backlog"):
        page.wait_for_function("(id) => Chart.getChart(document.getElementById(id))", arg=chart)
    for chart in ("chart-trend", "chart-share", "chart-operators", "chart-backlog"):
        assert page.evaluate(DRAWN, chart) > 500, chart
    received = page.locator("[data-kpi=received]").inner_text()
    assert int(received) > 0  # the demo's mail arrived this year
    assert page.locator("[data-kpi=closed]").inner_text() == "1"
    page.screenshot(path=str(screenshots / "report.png"), full_page=True)
    with page.expect_download() as download_info:
        page.click("#export")
    target = tmp_path / "report.xlsx"
    download_info.value.save_as(target)
    book = load_workbook(target)
    assert book.sheetnames[0] == "Summary" and len(book["Summary"]._charts) == 3
    assert book["Summary"]["B5"].value is not None
    assert errors == []
