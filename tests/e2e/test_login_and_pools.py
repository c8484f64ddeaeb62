"""In Debian's chromium: a demo user logs in and finds the cases of their pools."""

import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import CasePage, Mailbox

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/corrispondenza-screens"))


@pytest.fixture
def browser_page(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}; .ci/test installs it")
    # Playwright's sync API runs an event loop in this thread; the ORM calls are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        yield page
        browser.close()


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    for mailbox in Mailbox.objects.all():
        mailbox_fetch(mailbox_id=mailbox.pk)


def test_an_operator_logs_in_and_opens_a_case(
    demo: None, live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(live_server.url + "/")
    assert "/login/" in page.url
    page.screenshot(path=str(SCREENSHOTS / "login.png"))
    page.fill("#id_username", "leader.sinistri")
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_selector("text=Sinistri")
    page.screenshot(path=str(SCREENSHOTS / "home.png"), full_page=True)
    page.click(".card a >> text=Sinistri")
    case = CasePage.objects.filter(pool__code="SIN").order_by("number").first()
    page.wait_for_selector(f"text={case.number}")
    page.screenshot(path=str(SCREENSHOTS / "pool.png"), full_page=True)
    page.click(f"text={case.number}")
    page.wait_for_selector("text=Timeline")
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)
    assert case.subject in page.content()


def test_a_wrong_password_gets_a_clear_error(
    demo: None, live_server: Any, browser_page: Any
) -> None:
    page = browser_page
    page.goto(live_server.url + "/login/")
    page.fill("#id_username", "op.sinistri")
    page.fill("#id_password", "wrong")
    page.click("button[type=submit]")
    assert page.locator(".error").is_visible()
