"""Classification: automatic mail, bounces and the auto-reply policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from correspondence.intake.classify import automatic_reason, may_auto_reply, read_bounce
from correspondence.intake.parsing import ParsedMessage, parse_message

CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "mail"
OWN = {"sinistri@assicura.example.it", "reclami@pec.assicura.example.it"}


def _msg(
    extra_headers: str = "", sender: str = "mario.rossi@example.it", subject: str = "Ciao"
) -> ParsedMessage:
    raw = f"From: {sender}\r\nSubject: {subject}\r\n{extra_headers}\r\nTesto\r\n"
    return parse_message(raw.encode())


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ("Auto-Submitted: auto-generated\r\n", "Auto-Submitted: auto-generated"),
        ("Precedence: junk\r\n", "Precedence: junk"),
        ("X-Auto-Response-Suppress: OOF, AutoReply\r\n", "X-Auto-Response-Suppress"),
        ("List-Unsubscribe: <mailto:x@example.it>\r\n", "mailing list"),
        ("X-Autorespond: yes\r\n", "auto-reply header"),
        ("Return-Path: <>\r\n", "null return path"),
        (
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n',
            "delivery report",
        ),
    ],
)
def test_automatic_reasons(headers: str, reason: str) -> None:
    found = automatic_reason(_msg(headers))
    assert found is not None and reason in found


def test_human_mail_is_not_automatic() -> None:
    assert automatic_reason(_msg("Auto-Submitted: no\r\nPrecedence: first-class\r\n")) is None


def test_daemon_senders_and_out_of_office_subjects_are_automatic() -> None:
    assert automatic_reason(_msg(sender="postmaster@example.it")) == "sent by postmaster"
    assert (
        automatic_reason(_msg(subject="Risposta automatica: Sinistro")) == "out-of-office subject"
    )


def test_dsn_bounce_names_the_message_that_bounced() -> None:
    raw = (CORPUS / "26-bounce-dsn.eml").read_bytes()
    bounce = read_bounce(raw, parse_message(raw))
    assert bounce is not None
    assert bounce.original_message_ids == [
        "20260306085959.reply.SIN-2026-000042.3@assicura.example.it"
    ]
    assert bounce.recipients == ["giulia.feri@example.it"]
    assert bounce.status == "5.1.1"
    assert "User unknown" in bounce.diagnostic


def test_customer_mentioning_delivery_failure_is_not_a_bounce() -> None:
    msg = _msg(subject="Mancato recapito della polizza")
    assert read_bounce(b"", msg) is None


def _may(msg: ParsedMessage, sender: str, sent: int = 0) -> str | None:
    return may_auto_reply(
        msg=msg, sender=sender, own_addresses=OWN, replies_sent_today=sent, daily_limit=3
    )


def test_may_auto_reply_to_a_person() -> None:
    assert _may(_msg(), "mario.rossi@example.it") is None


@pytest.mark.parametrize(
    ("headers", "sender", "sent", "reason"),
    [
        ("Auto-Submitted: auto-replied\r\n", "mario.rossi@example.it", 0, "automatic message"),
        ("", "Sinistri@Assicura.example.it", 0, "our own addresses"),
        ("X-Loop: sinistri@assicura.example.it\r\n", "mario.rossi@example.it", 0, "X-Loop"),
        ("", "no-reply@bank.example.it", 0, "does not accept replies"),
        ("", "", 0, "no usable sender"),
        ("", "mario.rossi@example.it", 3, "daily limit of 3"),
    ],
)
def test_may_not_auto_reply(headers: str, sender: str, sent: int, reason: str) -> None:
    found = _may(_msg(headers), sender, sent)
    assert found is not None and reason in found
