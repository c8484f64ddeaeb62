"""In Debian's chromium: the board shows a case that arrives by IMAP without a reload; an
overdue case in a list shows its colour and its icon with words."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import CasePage, Mailbox, PoolPage
from tests.support.imap import (
    IMAP_USERS,
    account_reset,
    append,
    imap_account,
    imap_mailbox_create,
    mail,
    needs_imap,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _new_count(page: Any) -> int:
    return int(page.inner_text("tr[data-pool=SIN] a[data-figure=new] .count"))


@needs_imap
def test_the_board_shows_a_new_case_without_a_reload(
    demo: None, live_server: Any, browser_page: Any, screenshots: Any
) -> None:
    account = imap_account(IMAP_USERS[0])
    mailbox = imap_mailbox_create(
        pool=PoolPage.objects.get(code="SIN"),
        user=account,
        slug="sinistri-imap",
        start_from=Mailbox.StartFrom.NOW,
    )
    mailbox_fetch(mailbox_id=mailbox.pk)  # a new mailbox starts from now: its first read
    page = browser_page
    _login(page, live_server.url, "leader.sinistri")
    page.goto(live_server.url + "/board/")
    before = _new_count(page)
    page.evaluate("window.stillTheSamePage = true")
    try:
        append(account, mail(4242, subject="Arrivata mentre il capo guarda"))
        summary = mailbox_fetch(mailbox_id=mailbox.pk)
        assert summary.outcomes == {"created": 1}, summary
        arrived = CasePage.objects.get(subject="Arrivata mentre il capo guarda")
        assert (arrived.state, arrived.assignee_id) == ("new", None), "routed elsewhere"
        page.wait_for_function(
            "n => Number(document.querySelector("
            "'tr[data-pool=SIN] a[data-figure=new] .count').textContent) === n",
            arg=before + 1,
            timeout=15000,
        )
    finally:
        account_reset(account)
    assert page.evaluate("window.stillTheSamePage") is True  # no reload happened
    page.screenshot(path=str(screenshots / "board.png"), full_page=True)
    # The figure leads to the cases behind it, the new one among them.
    case = CasePage.objects.get(subject="Arrivata mentre il capo guarda")
    page.click("tr[data-pool=SIN] a[data-figure=new]")
    page.wait_for_selector(f"text={case.number}")


def test_an_overdue_case_in_a_list_shows_its_colour_and_icon(
    demo: None, live_server: Any, browser_page: Any, screenshots: Any
) -> None:
    pool = PoolPage.objects.get(code="SIN")
    case, fine = CasePage.objects.filter(pool=pool, state="new").order_by("pk")[:2]
    now = timezone.now()
    CasePage.objects.filter(pool=pool).update(
        deadline_at=now + timedelta(days=20), warning_at=now + timedelta(days=15)
    )
    CasePage.objects.filter(pk=case.pk).update(
        deadline_at=now - timedelta(days=240), warning_at=now - timedelta(days=250)
    )
    page = browser_page
    _login(page, live_server.url, "leader.sinistri")
    page.goto(live_server.url + pool.url)
    row = page.locator("tr", has=page.locator(f"a:text-is('{case.number}')"))
    assert "late-overdue" in (row.get_attribute("class") or "")
    cell = row.locator("td").first
    colour = cell.evaluate("td => getComputedStyle(td).backgroundColor")
    plain = page.locator("tr", has=page.locator(f"a:text-is('{fine.number}')")).locator("td").first
    assert (
        colour
        == "rgb(253, 236, 236)"
        != plain.evaluate("td => getComputedStyle(td).backgroundColor")
    )
    icon = row.locator(".late-mark-overdue svg.late-icon")
    assert icon.is_visible()
    # The icon's words, in the leader's language (Italian).
    assert row.locator(".late-mark-overdue .late-text").inner_text() == "Scaduto"
    page.screenshot(path=str(screenshots / "overdue.png"), full_page=True)
