"""Arrival is when a message reached us, not what its sender's Date claims (issue 13)."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from correspondence.intake.ingest import message_ingest
from correspondence.models import Mailbox, Message

pytestmark = pytest.mark.django_db

OLD = (
    b"From: Mario Rossi <mario.rossi@example.it>\r\nTo: sinistri@assicura.example.it\r\n"
    b"Subject: Sinistro del 2003\r\nDate: Tue, 4 Mar 2003 10:00:00 +0100\r\n"
    b"Message-ID: <old-{n}@example.it>\r\n\r\nBuongiorno.\r\n"
)
RECEIVED = (
    b"Received: from mx.example.it by mx.assicura.example.it with ESMTP;"
    b" Thu, 5 Mar 2026 11:22:33 +0100\r\n"
    b"Received: from pc.example.it by mx.example.it; Thu, 5 Mar 2026 11:22:30 +0100\r\n"
)


def _ingest(tmp_path: Path, raw: bytes) -> dict:
    (tmp_path / "m.eml").write_bytes(raw)
    out = StringIO()
    call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path / "m.eml"), stdout=out)
    return json.loads(out.getvalue().splitlines()[-1])


def test_a_file_claiming_2003_is_numbered_and_due_from_its_import(
    folder_mailbox: Mailbox, tmp_path: Path
) -> None:
    before = timezone.now()
    line = _ingest(tmp_path, OLD.replace(b"{n}", b"1"))
    year = timezone.localtime(before).year
    assert line["case"] == f"SIN-{year}-000001"
    assert datetime.fromisoformat(line["received_at"]) >= before - timedelta(seconds=1)
    assert line["sent_at"] == "2003-03-04T10:00:00+01:00"
    message = Message.objects.get(message_id="old-1@example.it")
    assert message.claimed_date == datetime(2003, 3, 4, 9, 0, tzinfo=UTC)
    assert message.date >= before - timedelta(seconds=1)
    assert message.case is not None and message.case.due_at > message.date


def test_a_file_arrives_at_its_topmost_received_header(
    folder_mailbox: Mailbox, tmp_path: Path
) -> None:
    line = _ingest(tmp_path, RECEIVED + OLD.replace(b"{n}", b"2"))
    assert line["case"] == "SIN-2026-000001"
    assert line["received_at"] == "2026-03-05T11:22:33+01:00"


def test_imap_arrival_is_the_internaldate(folder_mailbox: Mailbox) -> None:
    internaldate = datetime(2026, 4, 1, 8, 30, tzinfo=UTC)
    result = message_ingest(
        mailbox=folder_mailbox,
        raw=RECEIVED + OLD.replace(b"{n}", b"3"),
        uidvalidity=1,
        uid=1,
        fetched_at=internaldate,
    )
    assert result.case is not None and result.case.received_at == internaldate
    assert result.case.number == "SIN-2026-000001"


def test_the_case_page_shows_the_senders_date(
    folder_mailbox: Mailbox, tmp_path: Path, make_operator, client
) -> None:
    _ingest(tmp_path, OLD.replace(b"{n}", b"4"))
    message = Message.objects.get(message_id="old-4@example.it")
    client.force_login(make_operator("anna", folder_mailbox.pool))
    page = client.get(message.case.url).content.decode()
    assert "sender&#x27;s date" in page or "sender's date" in page
    assert "2003" in page


def test_an_archived_message_is_not_acknowledged(folder_mailbox: Mailbox, tmp_path: Path) -> None:
    archived = RECEIVED.replace(b"5 Mar 2026", b"5 Mar 2020") + OLD.replace(b"{n}", b"5")
    assert _ingest(tmp_path, archived)["received_at"].startswith("2020-03-05")
    assert not Message.objects.filter(kind=Message.Kind.AUTO_REPLY).exists()
    _ingest(tmp_path, OLD.replace(b"{n}", b"6"))
    assert Message.objects.filter(kind=Message.Kind.AUTO_REPLY).count() == 1


def test_an_unverified_pec_cannot_backdate_its_case(
    folder_mailbox: Mailbox, tmp_path: Path
) -> None:
    """The corpus envelope's stand-in signature is invalid: its daticert time is not used."""
    before = timezone.now()
    envelope = Path(__file__).resolve().parents[3] / "fixtures/mail/17-pec-posta-certificata.eml"
    line = _ingest(tmp_path, envelope.read_bytes())
    assert line["pec"]["signature"] == "invalid"
    assert datetime.fromisoformat(line["received_at"]) >= before - timedelta(seconds=1)
