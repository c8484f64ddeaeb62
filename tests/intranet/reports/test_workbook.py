"""The workbook, opened with openpyxl: sheets, figures, formats, charts, long lists."""

import zipfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook, load_workbook

from intranet.reports import workbook
from intranet.reports.rows import Kind, list_sheet_create

pytestmark = pytest.mark.django_db


def _write(path: Path, *extra: str) -> None:
    call_command(
        "report_xlsx", "--from", "2026-03-28", "--to", "2026-03-30", "--out", str(path), *extra
    )


def _figures(sheet: object) -> dict[str, object]:
    return {row[0]: row[1] for row in sheet.iter_rows(min_row=5, values_only=True) if row[0]}


def test_the_command_writes_every_sheet_with_figures_and_charts(
    world: dict, tmp_path: Path
) -> None:
    path = tmp_path / "report.xlsx"
    _write(path)
    book = load_workbook(path)
    assert book.sheetnames == [
        "Summary",
        "Definitions",
        "Trend",
        "Backlog",
        "Pools",
        "Operators",
        "Answers",
        "Cases",
    ]
    summary = _figures(book["Summary"])
    assert (summary["Cases received"], summary["Cases closed"], summary["Closed on time"]) == (
        5,
        6,
        3,
    )
    assert (summary["Late, with consultation"], summary["Customers who wrote back"]) == (1, 1)
    assert summary["On time (%)"] == 0.5 and summary["Customers who wrote back (%)"] == 0.2
    assert summary["Time to close, median"].total_seconds() == 930 * 60
    assert summary["Cases marked as worked"] == 3
    trend = list(book["Trend"].iter_rows(values_only=True))
    assert trend[0][-1] == "Marked as worked" and [row[-1] for row in trend[1:]] == [1, 1, 1]
    definitions = [row[0] for row in book["Definitions"].iter_rows(values_only=True)]
    assert "Cases marked as worked" in definitions
    cells = {row[0].value: row[1] for row in book["Summary"].iter_rows(min_row=5) if row[0].value}
    assert cells["On time (%)"].number_format == "0.0%"
    assert cells["Time to close, median"].number_format == "[h]:mm"
    assert len(book["Summary"]._charts) == 3
    with zipfile.ZipFile(path) as archive:
        assert len([n for n in archive.namelist() if n.startswith("xl/charts/chart")]) == 3
    pools = list(book["Pools"].iter_rows(values_only=True))
    assert [row[0] for row in pools] == ["Pool", "Pagamenti", "Sinistri"]
    assert book["Pools"].freeze_panes == "A2" and book["Cases"].auto_filter.ref == "A1:Q8"
    operators = {row[0]: row for row in book["Operators"].iter_rows(min_row=2, values_only=True)}
    assert operators["op1"][3] == 4  # closed
    answers = list(book["Answers"].iter_rows(min_row=2, values_only=True))
    assert answers == [
        ("Sinistro", "Esito", "no", 1),
        ("Sinistro", "Esito", "sì", 2),
        ("Sinistro", "Note", "✓", 1),
    ]
    backlog = [row[1] for row in book["Backlog"].iter_rows(min_row=2, values_only=True)]
    assert backlog == [4, 3, 2]
    cases = list(book["Cases"].iter_rows(min_row=2, values_only=True))
    assert len(cases) == 7  # A B C D E H R: received or closed in the period
    by_email = {row[4]: row for row in cases}
    assert by_email["c@x.it"][8] == datetime(2026, 3, 29, 1, 0)  # local time, a real date
    assert by_email["c@x.it"][11] == datetime(2026, 3, 29, 4, 30)
    assert by_email["r@x.it"][13] is False and by_email["r@x.it"][15] == 1
    assert book["Definitions"]["A2"].value == "Period"


def test_a_list_longer_than_a_sheet_goes_on(
    world: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(workbook, "EXCEL_ROWS", 4)  # a header and three cases a sheet
    path = tmp_path / "long.xlsx"
    _write(path)
    book = load_workbook(path)
    sheets = [name for name in book.sheetnames if name.startswith("Cases")]
    assert sheets == ["Cases", "Cases 2", "Cases 3"]
    counts = [book[name].max_row - 1 for name in sheets]
    assert counts == [3, 3, 1]


def test_one_pool_one_operator_and_bad_input(world: dict, tmp_path: Path) -> None:
    path = tmp_path / "op1.xlsx"
    _write(path, "--pool", "sinistri", "--operator", "op1")
    summary = _figures(load_workbook(path)["Summary"])
    assert (summary["Cases closed"], summary["Messages worked"]) == (4, 2)
    with pytest.raises(CommandError, match="not a date"):
        call_command(
            "report_xlsx", "--from", "28/03/2026", "--to", "2026-03-30", "--out", str(path)
        )
    with pytest.raises(CommandError, match="no pool"):
        _write(path, "--pool", "nowhere")
    assert load_workbook(path)  # the earlier file is still whole


@pytest.mark.django_db(databases=[])
def test_list_rows_keep_text_as_text_and_types_as_excel_reads_them(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    kinds = [Kind.TEXT, Kind.NUMBER, Kind.BOOL, Kind.DATETIME, Kind.DURATION]
    sheet = list_sheet_create(workbook=book, title="List", kinds=kinds)
    sheet.append(["Text", "Number", "Yes", "When", "How long"])
    moment = datetime(2026, 3, 29, 3, 30, 15)
    sheet.append_values(("=HYPERLINK(1)", 2.5, True, moment, timedelta(hours=26, minutes=30)))
    sheet.append_values((" spaced\x07 ", None, False, None, None))
    path = tmp_path / "list.xlsx"
    book.save(path)
    rows = list(load_workbook(path)["List"].iter_rows(values_only=True))
    assert rows[1] == ("=HYPERLINK(1)", 2.5, True, moment, timedelta(hours=26, minutes=30))
    assert rows[2] == (" spaced ", None, False, None, None)
    cells = next(load_workbook(path)["List"].iter_rows(min_row=2, max_row=2))
    assert cells[0].data_type == "s" and cells[4].number_format == "[h]:mm"
