"""In Debian's chromium: a demo user logs in and finds the cases of their pools."""

from pathlib import Path
from typing import Any

import pytest

from correspondence.models import CasePage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_operator_logs_in_and_opens_a_case(
    demo: None, live_server: Any, browser_page: Any, screenshots: Path
) -> None:
    page = browser_page
    page.goto(live_server.url + "/")
    assert "/login/" in page.url
    page.screenshot(path=str(screenshots / "login.png"))
    page.fill("#id_username", "leader.sinistri")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Sinistri")
    page.screenshot(path=str(screenshots / "home.png"), full_page=True)
    page.click(".card a >> text=Sinistri")
    case = CasePage.objects.filter(pool__code="SIN").order_by("number").first()
    page.wait_for_selector(f"text={case.number}")
    page.screenshot(path=str(screenshots / "pool.png"), full_page=True)
    page.click(f"text={case.number}")
    page.wait_for_selector("ol.timeline")
    page.screenshot(path=str(screenshots / "case.png"), full_page=True)
    assert case.subject in page.content()
    page.click(".who form[action='/logout/'] button")
    page.wait_for_url("**/login/")


def test_a_wrong_password_gets_a_clear_error(
    demo: None, live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "op.sinistri")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    # Waits for the answer: is_visible() alone reads the page before it came (flaky under load).
    assert page.wait_for_selector(".error").is_visible()
