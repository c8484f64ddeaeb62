"""Case rows link to their case as {% pageurl %} would, without a Site lookup per row."""

from correspondence.case_rows import PoolLink, page_url

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
