"""The demo: idempotent seeding, every login works, demo mail becomes cases in its pools."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import CasePage, Mailbox, PoolPage

pytestmark = pytest.mark.django_db
DEMO_USERS = [
    "admin",
    "editor",
    "manager",
    "leader.sinistri",
    "op.sinistri",
    "junior.sinistri",
    "op.pagamenti",
]


@pytest.fixture
def demo(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())


def test_seeding_twice_changes_nothing(demo: None) -> None:
    counts = (User.objects.count(), PoolPage.objects.count(), Mailbox.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (User.objects.count(), PoolPage.objects.count(), Mailbox.objects.count()) == counts
    assert sorted(PoolPage.objects.values_list("code", flat=True)) == ["PAG", "REC", "SIN"]
    assert Mailbox.objects.get(slug="reclami").kind == Mailbox.Kind.PEC


@pytest.mark.parametrize("username", DEMO_USERS)
def test_every_demo_user_logs_in(demo: None, username: str) -> None:
    client = Client()
    response = client.post("/login/", {"username": username, "password": "demo"})
    assert response.status_code == 302, f"{username} could not log in"
    assert client.get("/").status_code == 200


def test_demo_mail_becomes_cases_in_its_pools(demo: None) -> None:
    for mailbox in Mailbox.objects.all():
        mailbox_fetch(mailbox_id=mailbox.pk)
    for code in ("SIN", "PAG", "REC"):
        assert CasePage.objects.filter(pool__code=code).exists(), f"no demo case in {code}"
    pec_case = CasePage.objects.filter(channel="pec").first()
    assert pec_case is not None and pec_case.pool.code == "REC"
    client = Client()
    client.login(username="op.sinistri", password="demo")
    sinistri = PoolPage.objects.get(code="SIN")
    body = client.get(sinistri.url).content.decode()
    assert CasePage.objects.filter(pool=sinistri).first().number in body


def test_demo_operator_sees_only_their_pools(demo: None) -> None:
    for mailbox in Mailbox.objects.all():
        mailbox_fetch(mailbox_id=mailbox.pk)
    client = Client()
    client.login(username="op.pagamenti", password="demo")
    assert client.get(PoolPage.objects.get(code="SIN").url).status_code == 403
    assert client.get(PoolPage.objects.get(code="PAG").url).status_code == 200


def test_the_demo_carries_staff_notices_in_four_languages_and_a_consultation_text(
    demo: None,
) -> None:
    from correspondence.models import MailText

    notices = MailText.objects.filter(kind="notification", live=True, pool=None)
    assert sorted(notices.values_list("language", flat=True)) == ["en", "it", "pl", "ro"]
    for text in MailText.objects.exclude(kind="auto_reply"):
        text.full_clean()  # every placeholder is one its kind has
    assert MailText.objects.filter(kind="consultation", live=True).exists()
