"""Case rows link to their case as {% pageurl %} would, without a Site lookup per row."""

from datetime import UTC, datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import timezone, translation
from django.utils.formats import get_format

from correspondence.case_rows import PoolLink, page_url, when_formatter

SINISTRI = PoolLink("Sinistri", "/home/sinistri/", "/sinistri/")


def test_a_case_url_is_its_pools_url_and_the_rest_of_its_path() -> None:
    path = "/home/sinistri/2026/03/sin-2026-000001/"
    assert page_url(SINISTRI, path) == "/sinistri/2026/03/sin-2026-000001/"


def test_without_trailing_slashes_the_case_url_has_none_either() -> None:
    pool = PoolLink("Sinistri", "/home/sinistri/", "/sinistri")
    assert page_url(pool, "/home/sinistri/2026/03/sin-2026-000001/") == (
        "/sinistri/2026/03/sin-2026-000001"
    )


def test_a_page_outside_the_pool_or_an_unroutable_pool_gets_no_link() -> None:
    assert page_url(SINISTRI, "/home/pagamenti/2026/03/pag-2026-000001/") == ""
    assert page_url(PoolLink("Sinistri", "/home/sinistri/", ""), "/home/sinistri/2026/") == ""


@pytest.mark.parametrize(
    "fmt", ["SHORT_DATE_FORMAT", "SHORT_DATETIME_FORMAT", "jS \\o\\f F Y", "l H:i", "H:i:s", "c"]
)
def test_dates_read_as_the_date_filter_gives_them(fmt: str) -> None:
    morning = datetime(2026, 3, 10, 8, 5, tzinfo=UTC)
    evening = datetime(2026, 3, 10, 23, 40, tzinfo=UTC)  # the next day in Rome
    with translation.override("it"):
        when = when_formatter(get_format(fmt) if fmt.isupper() else fmt)
        later = morning.replace(second=30)  # the same minute
        for value in (morning, evening, later, morning, None):
            local = timezone.localtime(value) if value else None
            assert when(value) == date_filter(local, fmt)
