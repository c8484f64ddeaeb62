"""Fixtures of the end-to-end tests: Debian's chromium through Playwright, the demo data."""

import os
from collections.abc import Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import Mailbox

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture
def screenshots() -> Path:
    folder = Path(os.environ.get("E2E_SCREENSHOTS", "/tmp/corrispondenza-screens"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


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
