"""In Debian's chromium: the editor publishes a text alone; the administrator sets up staff,
pools and mailboxes in the Wagtail admin."""

import os
from pathlib import Path
from typing import Any

import pytest

from correspondence.models import Mailbox, MailText, PoolMembership, PoolPage
from intranet.models import UserProfile
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page: Any, url: str, username: str) -> None:
    page.goto(url + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url("**/admin/")


def _publish(page: Any) -> None:
    # Save draft is the footer's main button; publishing is in its menu.
    page.click("footer [data-w-dropdown-target='toggle']")
    page.click("button[name='action-publish']")


def _shoot(page: Any, screenshots: Path, name: str) -> None:
    for width in (1440, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(screenshots / f"{name}-{width}.png"), full_page=True)


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_editor_publishes_an_auto_reply_alone(
    language: str, demo: None, live_server: Any, browser_page: Any, screenshots: Path
) -> None:
    UserProfile.objects.filter(user__username="editor").update(language=language)
    page = browser_page
    _login(page, live_server.url, "editor")
    text = MailText.objects.get(pool__code="SIN", language="pl", kind="auto_reply")
    page.goto(f"{live_server.url}/admin/snippets/correspondence/mailtext/")
    page.wait_for_selector(f"a[href*='/mailtext/edit/{text.pk}/']")
    _shoot(page, screenshots, f"editor-texts-{language}")
    page.goto(f"{live_server.url}/admin/snippets/correspondence/mailtext/edit/{text.pk}/")
    assert "{customer_name}" in page.content()  # the placeholders listed beside the editor
    page.locator("code", has_text="{received_at}").scroll_into_view_if_needed()
    _shoot(page, screenshots, f"editor-placeholders-{language}")
    page.fill("#id_subject", "Sprawa {numer_sprawy}")
    _publish(page)
    page.wait_for_selector("[id$='-subject-errors'] .error-message")
    assert "{numer_sprawy}" in page.inner_text("[id$='-subject-errors']")
    _shoot(page, screenshots, f"editor-refused-{language}")
    page.fill("#id_subject", "Sprawa {case_number} przyjęta")
    _publish(page)
    page.wait_for_url("**/mailtext/")
    text.refresh_from_db()
    assert text.live and text.subject == "Sprawa {case_number} przyjęta"
    page.goto(f"{live_server.url}/admin/snippets/correspondence/quickreply/")
    page.wait_for_selector("text=Prośba o dokumenty")
    _shoot(page, screenshots, f"editor-quick-replies-{language}")


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_administrator_sets_up_staff_pools_and_mailboxes(
    language: str,
    demo: None,
    live_server: Any,
    browser_page: Any,
    screenshots: Path,
    smtp: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    UserProfile.objects.filter(user__username="admin").update(language=language)
    page = browser_page
    _login(page, live_server.url, "admin")
    profile = UserProfile.objects.get(user__username="junior.sinistri")
    page.goto(f"{live_server.url}/admin/snippets/intranet/userprofile/edit/{profile.pk}/")
    page.select_option("#id_language", "en")
    page.check("#id_needs_approval")
    _shoot(page, screenshots, f"admin-profile-{language}")
    page.locator("footer button[type=submit]").first.click()
    page.wait_for_url("**/userprofile/")
    profile.refresh_from_db()
    assert profile.language == "en" and profile.needs_approval
    membership = PoolMembership.objects.get(user__username="op.sinistri", pool__code="REC")
    page.goto(
        f"{live_server.url}/admin/snippets/correspondence/poolmembership/edit/{membership.pk}/"
    )
    page.fill("#id_priority", "0")
    page.locator("footer button[type=submit]").first.click()
    page.wait_for_url("**/poolmembership/")
    membership.refresh_from_db()
    assert membership.priority == 0
    pool = PoolPage.objects.get(code="SIN")
    page.goto(f"{live_server.url}/admin/pages/{pool.pk}/edit/")
    page.wait_for_selector("#id_code")
    html = page.content()
    assert "seen by the public" not in html and "Scegli una pagina" not in html
    assert "id_seo_title" not in html
    _shoot(page, screenshots, f"admin-pool-{language}")
    mailbox = Mailbox.objects.get(slug="sinistri")
    page.goto(f"{live_server.url}/admin/snippets/correspondence/mailbox/edit/{mailbox.pk}/")
    assert "Scegli una pagina" not in page.content() or language == "it"
    _shoot(page, screenshots, f"admin-mailbox-{language}")
    # Point it at the real Dovecot and the SMTP fixture, as an administrator would.
    monkeypatch.setenv(
        "CORRISPONDENZA_MAILBOX_E2E_IMAP", os.environ.get("TEST_IMAP_PASSWORD", "secret")
    )
    smtp.start()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        protocol=Mailbox.Protocol.IMAP,
        imap_host=os.environ.get("TEST_IMAP_HOST", "127.0.0.1"),
        imap_port=int(os.environ.get("TEST_IMAP_PORT", "10143")),
        imap_security=Mailbox.Security.NONE,
        imap_user=os.environ.get("TEST_IMAP_USERS", "test2").split()[0],
        imap_secret_env="CORRISPONDENZA_MAILBOX_E2E_IMAP",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security=Mailbox.Security.NONE,
    )
    page.goto(f"{live_server.url}/admin/mailboxes/{mailbox.pk}/test/")
    page.click("form.mailbox-test-form button[type=submit]")
    page.wait_for_selector(".mailbox-test-results li")
    results = page.inner_text(".mailbox-test-results")
    assert "IMAP:" in results and "SMTP:" in results and "NOOP 250" in results
    _shoot(page, screenshots, f"admin-mailbox-test-{language}")
