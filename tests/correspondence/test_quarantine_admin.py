"""Administrators retry or dismiss quarantined messages from the Wagtail admin."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Mailbox, QuarantinedMessage

pytestmark = pytest.mark.django_db
GOOD = (
    b"From: a@example.it\r\nTo: sinistri@assicura.example.it\r\nSubject: Ciao\r\n"
    b"Message-ID: <q@example.it>\r\n\r\nTesto\r\n"
)


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="pw"))
    return client


def test_retry_after_the_cause_is_fixed_files_the_message(
    folder_mailbox: Mailbox, admin_client: Client, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    import correspondence.intake.ahead as ingest  # where intake calls understand

    real = ingest.understand
    monkeypatch.setattr(
        ingest,
        "understand",
        lambda raw: (_ for _ in ()).throw(ingest.UnparseableMessage("parser broken")),
    )
    assert message_ingest(mailbox=folder_mailbox, raw=GOOD).outcome == "quarantined"
    item = QuarantinedMessage.objects.get()
    listing = admin_client.get("/admin/snippets/correspondence/quarantinedmessage/")
    assert f"/admin/quarantine/{item.pk}/retry/" in listing.content.decode()

    monkeypatch.setattr(ingest, "understand", real)
    assert admin_client.get(f"/admin/quarantine/{item.pk}/retry/").status_code == 200
    admin_client.post(f"/admin/quarantine/{item.pk}/retry/")
    item.refresh_from_db()
    assert item.status == "retried" and CasePage.objects.count() == 1


def test_dismiss_keeps_the_bytes_and_an_operator_may_do_neither(
    folder_mailbox: Mailbox, admin_client: Client
) -> None:
    message_ingest(mailbox=folder_mailbox, raw=b"\x00" * 10)
    item = QuarantinedMessage.objects.get()
    operator = Client()
    operator.force_login(User.objects.create_user("op", password="pw", is_staff=True))
    assert operator.post(f"/admin/quarantine/{item.pk}/dismiss/").status_code in (302, 403)
    assert QuarantinedMessage.objects.get().status == "open"
    admin_client.post(f"/admin/quarantine/{item.pk}/dismiss/")
    item.refresh_from_db()
    assert item.status == "dismissed" and item.raw.read() == b"\x00" * 10
