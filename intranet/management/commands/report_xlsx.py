"""``report_xlsx --from YYYY-MM-DD --to YYYY-MM-DD [--pool SLUG] [--operator USERNAME]
--out FILE.xlsx``: the report page's workbook, written from the command line over every
pool (or the one named), as a manager would get it."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from correspondence.models import PoolPage
from intranet.errors import ReportInvalid
from intranet.reports.metrics import report_build
from intranet.reports.periods import PeriodInvalid, period_make
from intranet.reports.scope import Scope, scope_make
from intranet.reports.workbook import workbook_write


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from None


class Command(BaseCommand):
    help = "Writes the report's Excel workbook for a period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="first", required=True, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="last", required=True, help="last day, YYYY-MM-DD")
        parser.add_argument("--pool", default="", help="a pool's slug (default: every pool)")
        parser.add_argument("--operator", default="", help="an operator's user name")
        parser.add_argument("--out", required=True, help="the .xlsx file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = period_make(
                first=_day(options["first"]),
                last=_day(options["last"]),
                zone=timezone.get_current_timezone(),
            )
            scope: Scope = scope_make(
                pools=dict(PoolPage.objects.order_by("title").values_list("pk", "title")),
                pool_slug=options["pool"],
                operator=options["operator"],
            )
        except (PeriodInvalid, ReportInvalid) as exc:
            raise CommandError(str(exc)) from None
        out = Path(options["out"])
        partial = out.with_name(out.name + ".part")
        with partial.open("wb") as handle:
            written = workbook_write(report=report_build(scope=scope, period=period), out=handle)
        partial.replace(out)  # a reader never sees half a workbook
        self.stdout.write(f"{out}: {written} cases listed")
