"""Classes of defect found by other parsers' own test messages (fixtures/mail/public).

Each test names the class and reads the message of flanker's or mailparser's
suite that showed it, with the value that suite expects; the whole corpus is
scored against Python's email package in test_score_vs_email_package.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from correspondence.intake.decoding import unflow
from correspondence.intake.parsing import UnparseableMessage, parse_message
from correspondence.intake.understand import Understood, understand

PUBLIC = Path(__file__).resolve().parents[3] / "fixtures" / "mail" / "public"


def _read(name: str) -> Understood:
    return understand((PUBLIC / name).read_bytes())


def test_raw_8bit_header_text_is_read_in_the_charset_the_message_declares() -> None:
    # A short raw GB2312 name alone reads as Arabic to a detector; the body declares gb2312.
    understood = _read("flanker/charset-gb2312.eml")
    assert understood.sender is not None
    assert understood.sender.name == "腾讯企业邮箱"
    assert understood.message.subject == "提示\uff1a您的企业成员暂时无法登录邮件客户端"
    assert "尊敬的管理员\uff1a" in understood.message.text


def test_raw_8bit_header_text_keeps_the_bytes_inside_encoded_words_for_the_word() -> None:
    raw = (
        b"From: =?iso-8859-2?Q?Pawe\xb3?= Nowak <p@example.pl>\r\n"
        b"Subject: Zg\xc5\x82oszenie \xe2\x80\x93 =?iso-8859-2?Q?szkod=B1?=\r\n"
        b"Content-Type: text/plain; charset=iso-8859-2\r\n\r\nZa\xbf\xf3\xb3\xe6\r\n"
    )
    message = parse_message(raw)
    assert message.sender is not None and message.sender.name == "Paweł Nowak"
    assert message.subject == "Zgłoszenie \u2013 szkodą"
    assert message.text.strip() == "Zażółć"


@pytest.mark.parametrize("name", ["body-only.eml", "default-encoding.eml"])
def test_an_empty_header_block_keeps_the_body(name: str) -> None:
    message = understand((PUBLIC / "nodemailer-mailparser" / name).read_bytes()).message
    assert message.text == {"body-only.eml": "===", "default-encoding.eml": "ÕÄÖÜ"}[name]
    assert "no header: the message is a body only" in message.defects


def test_text_without_a_blank_first_line_or_any_header_is_still_refused() -> None:
    with pytest.raises(UnparseableMessage):
        parse_message(b"just a line\r\n\r\nbody\r\n")


def test_format_flowed_paragraphs_are_joined_and_delsp_drops_the_space() -> None:
    assert _read("nodemailer-mailparser/format-flowed.eml").message.text == (
        "First line continued and so on"
    )
    assert _read("nodemailer-mailparser/format-flowed-delsp.eml").message.text == (
        "First linecontinuedand so on"
    )


def test_format_flowed_keeps_quote_depths_and_the_signature_apart() -> None:
    text = "> quoted \n> more\n>> deeper \n>> end\nplain \ntext\n-- \nSig"
    assert unflow(text) == "> quoted more\n>> deeper end\nplain text\n-- \nSig"
    assert unflow(" stuffed\n") == "stuffed\n"


def test_an_html_part_beside_a_plain_part_is_read_too() -> None:
    text = _read("nodemailer-mailparser/multipart-different-levels.eml").message.text
    assert text == "ÕÄÖÜ2\n\nÕÄÖÜ1"


def test_an_html_part_repeating_the_plain_part_is_not_read_twice() -> None:
    raw = (
        b"From: a@example.it\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n"
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCiao Mario, tutto bene.\r\n"
        b"--B\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Ciao Mario, tutto bene.</p>\r\n"
        b"--B--\r\n"
    )
    assert parse_message(raw).text == "Ciao Mario, tutto bene."


def test_an_attached_message_keeps_the_name_its_sender_gave_it() -> None:
    understood = _read("flanker/enclosed.eml")  # also: its first line is 255 spaces
    assert [a.filename for a in understood.message.attachments] == ["thanks.eml"]
    assert understood.message.subject == "Wow"


def test_hebrew_iso_8859_8_e_is_read_as_iso_8859_8() -> None:
    assert _read("nodemailer-mailparser/iso-8859-8-e.eml").message.text.strip() == "שלום עולם"
    assert _read("nodemailer-mailparser/iso-8859-8-i.eml").message.text.strip() == "שלום עולם"
