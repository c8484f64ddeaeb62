"""In Debian's chromium, issue 11: nothing a sender put in a message runs, and the
Content-Security-Policy breaks none of the pages staff use."""

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from correspondence.models import Attachment, CasePage, Mailbox, PoolMembership

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
HOSTILE = Path(__file__).resolve().parents[2] / "fixtures" / "security" / "hostile-related.eml"


def _login(page: Any, base: str, username: str, password: str = "demo") -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _watch(page: Any) -> dict[str, list[str]]:
    """Records dialogs (the hostile scripts alert), console errors and requests."""
    seen: dict[str, list[str]] = {"dialogs": [], "console": [], "requests": [], "failed": []}

    def on_dialog(dialog: Any) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}"))
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("response", lambda r: r.status >= 400 and seen["failed"].append(f"{r.status} {r.url}"))
    return seen


def _hostile_case() -> CasePage:
    out = StringIO()
    call_command("ingest_eml", "--mailbox", "sinistri", str(HOSTILE), stdout=out)
    return CasePage.objects.get(number=json.loads(out.getvalue())["case"])


def test_no_script_of_an_inline_svg_or_html_part_runs(
    demo: None, live_server: Any, browser_page: Any, screenshots: Path
) -> None:
    case = _hostile_case()
    page = browser_page
    seen = _watch(page)
    _login(page, live_server.url, "op.sinistri")
    page.goto(live_server.url + case.url)
    page.wait_for_selector("ol.timeline")
    page.wait_for_timeout(500)
    page.screenshot(path=str(screenshots / "hostile-case.png"), full_page=True)
    # The verified PNG shows inline; the SVG, the HTML page and the fake PNG do not.
    loaded = page.evaluate(
        "Array.from(document.querySelectorAll('.body img')).map(i => i.naturalWidth)"
    )
    assert loaded.count(1) == 1, loaded
    parts = [
        Attachment.objects.get(message__case=case, filename=name)
        for name in ("disegno.svg", "pagina.html", "finto.png")
    ]
    for part in parts:
        with page.expect_download() as download:
            page.click(f".attachments a[href='/attachments/{part.pk}/']")
        assert download.value.suggested_filename == part.filename
    # Opened straight in a tab, each is a download again, never a page of ours.
    tab_context = page.context.browser.new_context()
    tab_context.add_cookies(page.context.cookies())
    for part in parts:
        tab = tab_context.new_page()
        tab.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
        with pytest.raises(Exception, match="Download is starting"):
            tab.goto(live_server.url + f"/attachments/{part.pk}/")
        tab.close()
    tab_context.close()
    page.goto(live_server.url + case.url)
    page.wait_for_timeout(500)
    assert seen["dialogs"] == []
    assert "PWNED" not in page.title()
    assert not [u for u in seen["requests"] if "tracker.attacker.example" in u]
    # Remote images load only when the reader asks, for that message.
    page.click(".remote-images a")
    page.wait_for_selector("ol.timeline")
    page.wait_for_timeout(500)
    assert [u for u in seen["requests"] if "tracker.attacker.example/pixel.gif" in u]
    assert seen["dialogs"] == []


def _csp_errors(seen: dict[str, list[str]]) -> list[str]:
    return [m for m in seen["console"] if "Content Security Policy" in m or "CSP" in m]


def test_the_pages_staff_use_work_under_the_policy(
    demo: None, live_server: Any, browser_page: Any, screenshots: Path
) -> None:
    page = browser_page
    seen = _watch(page)
    base = live_server.url
    _login(page, base, "op.sinistri")
    # Presence menu: a static script submits it.
    with page.expect_navigation():
        page.select_option(".presence select", "busy")
    assert page.locator(".presence select").input_value() == "busy"
    # Take-next, then the composer with a quick reply and the draft saved while typing.
    page.click("form[action='/work/take-next/'] button")
    page.wait_for_selector(".composer textarea")
    case = CasePage.objects.get(assignee__username="op.sinistri")
    picker = page.locator(".composer .quick-replies")
    if picker.count():
        picker.select_option(index=1)
        assert case.number in page.locator(".composer textarea[name=text]").input_value()
    page.fill(".composer textarea[name=text]", "Gentile cliente, stiamo lavorando.")
    page.wait_for_timeout(1600)
    assert (
        "✓" in page.locator(".composer .draft-state").inner_text()
        or page.locator(".composer .draft-state").inner_text()
    )
    page.screenshot(path=str(screenshots / "csp-case.png"), full_page=True)
    page.click(".who form[action='/logout/'] button")
    page.wait_for_url("**/login/")
    # The routing rules page of a team leader.
    _login(page, base, "leader.sinistri")
    page.goto(base + "/work/rules/")
    page.wait_for_selector("h1")
    page.screenshot(path=str(screenshots / "csp-rules.png"), full_page=True)
    page.goto(base + "/work/rules/SIN/new/")
    page.wait_for_selector("form.rules-form")
    page.screenshot(path=str(screenshots / "csp-rule-form.png"), full_page=True)
    page.click(".who form[action='/logout/'] button")
    # The Wagtail admin: dashboard, a mailbox's form, the page explorer.
    _login(page, base, "admin")
    for url in ("/admin/", "/admin/snippets/correspondence/mailbox/", "/admin/pages/"):
        page.goto(base + url)
        page.wait_for_load_state("networkidle")
    mailbox = Mailbox.objects.first()
    page.goto(base + f"/admin/snippets/correspondence/mailbox/edit/{mailbox.pk}/")
    page.wait_for_selector("input[name=imap_password]")
    page.screenshot(path=str(screenshots / "csp-admin-mailbox.png"), full_page=True)
    # The admin's own scripts run: the side menu is drawn by them.
    assert page.locator("[data-side-panel-toggle], #wagtail-sidebar").count() > 0
    errors = _csp_errors(seen)
    Path(screenshots / "csp-console.txt").write_text("\n".join(seen["console"] + seen["failed"]))
    assert [f for f in seen["failed"] if not f.endswith("/favicon.ico")] == []
    assert errors == [], errors
    assert seen["dialogs"] == []


def test_demo_fixture_users_exist(demo: None) -> None:
    """The demo marks its users, so production settings can refuse them."""
    demo_group = Group.objects.get(name="Demo users")
    assert set(User.objects.filter(groups=demo_group).values_list("username", flat=True)) >= {
        "admin",
        "op.sinistri",
    }
    assert PoolMembership.objects.exists()
