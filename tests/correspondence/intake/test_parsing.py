"""Behaviour of the tolerant message parser on hand-made edge cases."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from correspondence.intake.parsing import (
    MessageTooLarge,
    UnparseableMessage,
    parse_message,
)


def _mail(headers: str, body: bytes = b"Body\r\n", *, raw_headers: bytes = b"") -> bytes:
    head = headers.strip("\n").replace("\n", "\r\n").encode("ascii") + b"\r\n"
    return head + raw_headers + b"\r\n" + body


def test_addresses_are_decoded_and_lower_cased() -> None:
    msg = parse_message(
        _mail(
            "From: =?iso-8859-2?Q?Pawe=B3_Kowalski?= <Pawel.Kowalski@Example.PL>\n"
            'To: "=?utf-8?Q?Rossi,_Mario?=" <Mario.Rossi@example.it>, ufficio@example.it\n'
            "Subject: Test"
        )
    )
    assert msg.sender is not None
    assert msg.sender.name == "Paweł Kowalski"
    assert msg.sender.address == "pawel.kowalski@example.pl"
    assert [(a.name, a.address) for a in msg.to] == [
        ("Rossi, Mario", "mario.rossi@example.it"),
        ("", "ufficio@example.it"),
    ]


def test_encoded_words_split_inside_a_character_are_joined() -> None:
    # "Zażółć gęślą" in UTF-8, base64, cut in the middle of "ę".
    subject = "=?utf-8?B?WmHFvMOzxYLEhyBnxA==?= =?utf-8?B?mcWbbMSF?="
    msg = parse_message(_mail(f"From: a@example.it\nSubject: {subject}"))
    assert msg.subject == "Zażółć gęślą"


def test_broken_encoded_word_and_unknown_charset_do_not_fail() -> None:
    subject = "=?x-unknown?Q?Perch=E9?= =?utf-8?B?QnVvbmdpb3Jubw?= =?utf-8?Q?broken"
    msg = parse_message(_mail(f"From: a@example.it\nSubject: {subject}"))
    assert msg.subject == "PerchéBuongiorno =?utf-8?Q?broken"


def test_raw_8bit_header_is_guessed() -> None:
    raw = _mail("From: a@example.it", raw_headers=b"Subject: Richiesta rimborso \xe8 urgente\r\n")
    assert parse_message(raw).subject == "Richiesta rimborso è urgente"


def test_us_ascii_declared_but_iso_8859_2_bytes() -> None:
    raw = _mail(
        "From: a@example.pl\nContent-Type: text/plain; charset=us-ascii",
        "Proszę o zwrot kosztów, zażółć gęślą jaźń.\r\n".encode("iso-8859-2"),
    )
    msg = parse_message(raw)
    assert "Proszę o zwrot kosztów, zażółć gęślą jaźń." in msg.text
    assert any("does not fit" in d for d in msg.defects)


def test_latin1_declared_but_utf8_bytes() -> None:
    raw = _mail(
        "From: a@example.it\nContent-Type: text/plain; charset=iso-8859-1",
        "Perché è così?\r\n".encode(),
    )
    assert parse_message(raw).text.strip() == "Perché è così?"


def test_message_ids_and_date() -> None:
    msg = parse_message(
        _mail(
            "From: a@example.it\n"
            "Message-ID: <ABC.1@example.it>\n"
            "In-Reply-To: <x@example.it> (comment)\n"
            "References: <r1@example.it>\n <r2@example.it> <r1@example.it>\n"
            "Date: Tue, 03 Mar 2026 09:15:00 +0100"
        )
    )
    assert msg.message_id == "ABC.1@example.it"
    assert msg.in_reply_to == ["x@example.it"]
    assert msg.references == ["r1@example.it", "r2@example.it"]
    assert msg.date == datetime(2026, 3, 3, 9, 15, tzinfo=timezone(timedelta(hours=1)))


def test_date_without_zone_is_utc_and_garbage_is_none() -> None:
    naive = parse_message(_mail("From: a@example.it\nDate: Tue, 03 Mar 2026 09:15:00 -0000"))
    assert naive.date == datetime(2026, 3, 3, 9, 15, tzinfo=UTC)
    garbage = parse_message(_mail("From: a@example.it\nDate: yesterday at noon"))
    assert garbage.date is None


def test_html_only_is_sanitised_and_gives_text() -> None:
    html = (
        b"<html><head><title>T</title><style>p{color:red}</style></head><body>"
        b'<p onclick="steal()">Buongiorno,</p><script>alert(1)</script>'
        b'<p>vedi <a href="javascript:alert(2)">qui</a> <img src="cid:logo@x"></p></body></html>'
    )
    msg = parse_message(_mail("From: a@example.it\nContent-Type: text/html; charset=utf-8", html))
    assert "script" not in msg.html and "onclick" not in msg.html
    assert "javascript" not in msg.html
    assert 'src="cid:logo@x"' in msg.html
    assert msg.text.splitlines()[0] == "Buongiorno,"
    assert msg.text.splitlines()[-1] == "vedi qui"


def test_too_large_and_unparseable() -> None:
    with pytest.raises(MessageTooLarge):
        parse_message(_mail("From: a@example.it"), max_size=10)
    with pytest.raises(UnparseableMessage):
        parse_message(b"")
    with pytest.raises(UnparseableMessage):
        parse_message(b"this is not an e-mail at all\r\n")


def test_corrupted_corpus_messages_never_crash_intake() -> None:
    """Truncated or bit-flipped mail is quarantined by reason, never by a crash."""
    import random
    from pathlib import Path

    from correspondence.intake.understand import understand

    corpus = sorted((Path(__file__).resolve().parents[3] / "fixtures" / "mail").glob("*.eml"))
    rng = random.Random(20260302)
    for _ in range(150):
        raw = bytearray(rng.choice(corpus).read_bytes())
        if rng.random() < 0.3:
            raw = raw[: rng.randrange(len(raw))]
        else:
            for _ in range(rng.randint(1, 30)):
                raw[rng.randrange(len(raw))] = rng.randrange(256)
        with contextlib.suppress(MessageTooLarge, UnparseableMessage):
            understand(bytes(raw))


def test_corrupt_daticert_and_winmail_are_tolerated() -> None:
    from correspondence.intake.pec import read_pec

    raw = (
        b"From: posta-certificata@pec.example.it\r\nX-Ricevuta: accettazione\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b'--b\r\nContent-Type: application/xml; name="daticert.xml"\r\n\r\n'
        b'<?xml version="1.0" encoding="XTF-8"?><postacert tipo="accettazione"/>\r\n'
        b'--b\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\neJ8+IgEAAQYQAAAAAQAAAAAAAA==\r\n--b--\r\n"
    )
    envelope = read_pec(raw)
    assert envelope is not None and envelope.info.identificativo == ""
    msg = parse_message(raw)
    assert [a.filename for a in msg.attachments] == ["daticert.xml", "winmail.dat"]
