"""In Debian's chromium: an operator takes the next case, answers it and closes it."""

from typing import Any

import pytest

from correspondence.models import CasePage, Message, ResolutionType

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def test_take_next_answer_and_close(
    demo: None, live_server: Any, browser_page: Any, screenshots: Any
) -> None:
    page = browser_page
    _login(page, live_server.url, "op.sinistri")
    page.click("form[action='/work/take-next/'] button")
    page.wait_for_selector(".composer textarea")
    case = CasePage.objects.get(assignee__username="op.sinistri")
    assert case.number in page.content()
    page.fill(".composer textarea[name=text]", "Gentile cliente, abbiamo ricevuto la pratica.")
    page.wait_for_timeout(1600)  # the draft is saved while typing
    page.screenshot(path=str(screenshots / "composer.png"), full_page=True)
    page.click(".composer button[type=submit]")
    page.wait_for_selector(".message.kind-outbound")
    assert Message.objects.filter(case=case, kind="outbound").count() == 1

    page.click("details.panel:has(form[action$='/close/']) summary")
    resolution = ResolutionType.objects.get(name="Risposta inviata")
    page.select_option("select[name=resolution_type]", str(resolution.pk))
    page.fill("textarea[name=resolution_text]", "Risposto al cliente.")
    page.click("form[action$='/close/'] button")
    page.wait_for_selector("form[action$='/reopen/']")
    page.screenshot(path=str(screenshots / "closed.png"), full_page=True)
    assert CasePage.objects.get(pk=case.pk).state == "closed"
