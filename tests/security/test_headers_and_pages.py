"""Issue 11, hole 7: a Content-Security-Policy without inline script on every page,
Permissions-Policy, nothing cached of cases and searches, no pool's name to outsiders,
and a clear refusal to delete a mailbox whose mail is on record."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from correspondence.models import CasePage, Mailbox, OutgoingMail, PoolPage

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _directives(policy: str) -> dict[str, list[str]]:
    parts = [p.strip().split() for p in policy.split(";") if p.strip()]
    return {p[0]: p[1:] for p in parts}


def test_every_page_has_a_policy_without_inline_script(
    hostile_case: CasePage, operator: User
) -> None:
    client = _client(operator)
    for url in [
        "/",
        "/login/",
        "/search/?q=x",
        hostile_case.url,
        hostile_case.pool.url,
        "/work/rules/",
        "/admin/login/",
    ]:
        response = client.get(url, follow=True)
        policy = _directives(response["Content-Security-Policy"])
        if not url.startswith("/admin/"):  # the admin's own allowance (README, Security)
            assert "'unsafe-inline'" not in policy["script-src"], url
        assert policy["default-src"] == ["'self'"], url
        assert "'unsafe-eval'" not in policy["script-src"], url
        assert policy["object-src"] == ["'none'"], url
        assert "camera=()" in response["Permissions-Policy"], url


def test_no_template_has_inline_script_or_handlers() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for bad in ("<script>", "onchange=", "onclick=", "onsubmit=", "onload=", "<style"):
            assert bad not in text, (template, bad)


def test_case_search_and_pool_pages_are_not_cached(hostile_case: CasePage, operator: User) -> None:
    client = _client(operator)
    for url in [hostile_case.url, "/search/?q=Fattura", hostile_case.pool.url, "/"]:
        cache = client.get(url)["Cache-Control"]
        assert "no-store" in cache and "private" in cache, url


@pytest.mark.parametrize("level", ["year", "month"])
def test_year_and_month_pages_of_another_pool_do_not_exist_for_outsiders(
    hostile_case: CasePage,
    make_operator: Callable[..., User],
    pagamenti: PoolPage,
    operator: User,
    level: str,
) -> None:
    month = hostile_case.get_parent()
    page = month if level == "month" else month.get_parent()
    outsider = make_operator("op.pagamenti", pagamenti)
    response = _client(outsider).get(page.url)
    assert response.status_code == 404
    assert b"Sinistri" not in response.content
    assert _client(operator).get(page.url).status_code == 200
    assert _client().get(page.url).status_code == 302


def test_deleting_a_mailbox_with_mail_on_record_is_a_clear_refusal(
    hostile_case: CasePage, folder_mailbox: Mailbox
) -> None:
    from correspondence.models import Message

    root = User.objects.create_superuser("root", password="pw")
    message = Message.objects.filter(case=hostile_case).first()
    OutgoingMail.objects.create(
        case=hostile_case,
        mailbox=folder_mailbox,
        timeline_message=message,
        message_id="<out-1@assicura.example.it>",
        next_attempt_at=timezone.now(),
    )
    client = _client(root)
    url = f"/admin/snippets/correspondence/mailbox/delete/{folder_mailbox.pk}/"
    for response in (client.get(url, follow=True), client.post(url, follow=True)):
        assert response.status_code == 200
        assert "cannot be deleted" in response.content.decode()
    assert Mailbox.objects.filter(pk=folder_mailbox.pk).exists()
