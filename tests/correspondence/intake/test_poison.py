"""Class 8 (issue 13): poison messages are quarantined whole and intake goes on."""

import json
import time
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from correspondence.intake.ingest import IncomingMessage, messages_ingest
from correspondence.intake.parsing import UnparseableMessage, parse_message
from correspondence.models import Mailbox, QuarantinedMessage

MAIL = Path(__file__).resolve().parents[3] / "fixtures" / "mail"
POISON = MAIL / "poison" / "nested-multipart-1000.eml"


def test_class8_multiparts_nested_1000_deep_are_unparseable_not_a_crash() -> None:
    with pytest.raises(UnparseableMessage, match="nested"):
        parse_message(POISON.read_bytes())


def _nested(depth: int) -> bytes:
    body = b"Content-Type: text/plain\r\n\r\nciao\r\n"
    for level in range(depth):
        head = f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n--b{level}\r\n'
        body = head.encode() + body + f"\r\n--b{level}--\r\n".encode()
    return b"From: a@example.it\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + body


def test_class8_nesting_is_bounded_below_python_recursion() -> None:
    assert parse_message(_nested(60)).text == "ciao"
    for depth in (80, 300):
        with pytest.raises(UnparseableMessage, match="nested"):
            parse_message(_nested(depth))


def test_class8_html_nested_100000_deep_is_reduced_to_text_quickly() -> None:
    html = "<div>" * 100_000 + "danno al paraurti" + "</div>" * 100_000
    raw = b"From: a@example.it\r\nContent-Type: text/html\r\n\r\n" + html.encode()
    started = time.monotonic()
    message = parse_message(raw)
    assert time.monotonic() - started < 10  # the sanitiser alone takes ~40 s on it
    assert message.text == "danno al paraurti"
    assert "<div" not in message.html and "danno al paraurti" in message.html


@pytest.mark.django_db
def test_class8_ingest_eml_quarantines_the_poison_and_files_the_rest(
    folder_mailbox: Mailbox, tmp_path: Path
) -> None:
    (tmp_path / "a-poison.eml").write_bytes(POISON.read_bytes())
    (tmp_path / "b-plain.eml").write_bytes((MAIL / "01-plain-utf8.eml").read_bytes())
    out = StringIO()
    call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["outcome"] for line in lines] == ["quarantined", "created"]
    assert "nested" in lines[0]["reason"]
    (kept,) = QuarantinedMessage.objects.filter(mailbox=folder_mailbox)
    assert kept.raw.read() == POISON.read_bytes()


@pytest.mark.django_db
def test_class8_filing_a_batch_with_a_poison_message_files_the_others(
    folder_mailbox: Mailbox,
) -> None:
    batch = [
        IncomingMessage(raw=(MAIL / "01-plain-utf8.eml").read_bytes(), uidvalidity=7, uid=1),
        IncomingMessage(raw=POISON.read_bytes(), uidvalidity=7, uid=2),
        IncomingMessage(raw=(MAIL / "02-iso-8859-2-polish.eml").read_bytes(), uidvalidity=7, uid=3),
    ]
    results = messages_ingest(mailbox=folder_mailbox, messages=batch)
    assert [r.outcome for r in results] == ["created", "quarantined", "created"]
    assert QuarantinedMessage.objects.get(mailbox=folder_mailbox).imap_uid == 2
