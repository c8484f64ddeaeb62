"""Classes of real-world mail intake once read wrongly (issue 13), one fixture each.

The messages are in fixtures/mail/real-world/ (see fixtures/mail/README.md); each
test names its class of defect.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from correspondence.intake.charsets import decode_bytes, normalise_charset
from correspondence.intake.decoding import decode_words
from correspondence.intake.parsing import UnparseableMessage, parse_message
from correspondence.intake.pec import daticert_repaired, read_pec
from correspondence.intake.understand import Understood, understand

REAL_WORLD = Path(__file__).resolve().parents[3] / "fixtures" / "mail" / "real-world"


def _read(name: str) -> Understood:
    return understand((REAL_WORLD / name).read_bytes())


# --- class 1: 7-bit stateful charsets -----------------------------------------


def test_class1_iso_2022_jp_body_subject_and_name_are_decoded() -> None:
    understood = _read("c1-iso-2022-jp.eml")
    assert understood.sender is not None and understood.sender.name == "田中 太郎"
    assert understood.message.subject == "事故報告書の送付"
    assert "事故の件でご連絡いたします。ｶﾀｶﾅ確認をお願いします。" in understood.message.text
    assert "\x1b" not in understood.message.text


def test_class1_utf7_body_subject_and_name_are_decoded() -> None:
    understood = _read("c1-utf-7.eml")
    assert understood.sender is not None and understood.sender.name == "Niccolò Bruni"
    assert understood.message.subject == "Denuncia già firmata"
    assert "è già firmata. Grazie, Niccolò" in understood.message.text


def test_class1_undeclared_iso_2022_jp_is_recognised_by_its_escapes() -> None:
    assert decode_bytes("確認".encode("iso2022_jp"), None)[0] == "確認"


# --- class 2: a correctly declared charset is trusted ---------------------------


@pytest.mark.parametrize(
    ("name", "sender", "subject", "snippet"),
    [
        ("c2-windows-1251.eml", "Ирина Смирнова", "Страховой случай", "Прошу подтвердить"),
        ("c2-gb2312-is-gbk.eml", "王伟", "理赔材料确认", "请确认收到朱镕基先生的理赔材料"),
        ("c2-ks-c-5601.eml", "김민수", "보험금 청구", "똠방각하 건으로 보험금 청구서를"),
    ],
)
def test_class2_declared_charset_is_trusted_with_its_superset(
    name: str, sender: str, subject: str, snippet: str
) -> None:
    understood = _read(name)
    assert understood.sender is not None and understood.sender.name == sender
    assert understood.message.subject == subject
    assert snippet in understood.message.text
    assert not [d for d in understood.message.defects if "charset" in d]


def test_class2_names_map_to_whatwg_supersets() -> None:
    assert normalise_charset("GB2312") == "gb18030"
    assert normalise_charset("ks_c_5601-1987") == "cp949"
    assert normalise_charset("iso-8859-1") == "cp1252"
    assert normalise_charset("US-ASCII") == "cp1252"
    assert normalise_charset("Shift_JIS") == "cp932"
    assert normalise_charset("win-1251") == "cp1251"
    assert normalise_charset("x-cp1250") == "cp1250"
    assert normalise_charset("no-such-charset") == ""


def test_class2_undeclared_text_is_detected_and_office_languages_stay_exact() -> None:
    russian = "Прошу подтвердить получение документов по страховому случаю."
    assert decode_bytes(russian.encode("cp1251"), None)[0] == russian
    for text, charset in [
        ("Proszę o wyjaśnienie kwoty, zażółć gęślą jaźń", "iso-8859-2"),
        ("Vă rog să confirmaţi primirea plăţii", "cp1250"),
        ("Il rimborso di 250 € è già stato effettuato", "cp1252"),
    ]:
        assert decode_bytes(text.encode(charset), None)[0] == text
        assert decode_bytes(text.encode(charset), "x-unknown")[0] == text


def test_class2_latin1_declared_polish_is_still_a_known_mislabel() -> None:
    text = "Proszę o zwrot kosztów, zażółć gęślą jaźń."
    decoded, defect = decode_bytes(text.encode("iso-8859-2"), "iso-8859-1")
    assert decoded == text and "does not fit" in defect


# --- class 3: encoded words -----------------------------------------------------


def test_class3_odd_encoded_words_are_decoded() -> None:
    understood = _read("c3-encoded-words.eml")
    # raw 8-bit "à" inside a Q word, x-cp1250, a leading space inside, a split "°"
    expected = "Sinistro Città di Castello škoda targa AB123CD \u2013 n° 7"
    assert understood.message.subject == expected
    assert understood.sender is not None and understood.sender.name == "Štefan Mareš"


def test_class3_word_with_raw_bytes_uses_the_word_charset() -> None:
    value = "=?iso-8859-2?Q?Pawe\udcb3_Kowalski?="
    assert decode_words(value) == "Paweł Kowalski"


# --- class 4: senders -----------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "display", "address"),
    [
        ("c4-sender-name-commas.eml", "Rossi, Mario, Studio Legale", "mario.rossi@example.it"),
        ("c4-sender-quoted-local-part.eml", "Ufficio Sinistri", "ufficio.sinistri@example.it"),
        ("c4-sender-name-only-address.eml", "", "studio.bianchi@example.it"),
    ],
)
def test_class4_unusual_senders_keep_name_and_address(
    name: str, display: str, address: str
) -> None:
    understood = _read(name)
    assert understood.sender is not None
    assert (understood.sender.name, understood.sender.address) == (display, address)


def test_class4_recipients_with_commas_in_names_are_not_split() -> None:
    raw = (
        b"From: a@example.it\r\nTo: Bianchi, Luca <b@example.it>, c@example.it,"
        b' "Verdi, Anna" <v@example.it>\r\nSubject: x\r\n\r\nbody\r\n'
    )
    to = parse_message(raw).to
    assert [(a.name, a.address) for a in to] == [
        ("Bianchi, Luca", "b@example.it"),
        ("", "c@example.it"),
        ("Verdi, Anna", "v@example.it"),
    ]


# --- class 5: a first line that is not a header ---------------------------------


@pytest.mark.parametrize(
    "name",
    ["c5-mbox-from-line.eml", "c5-stray-first-line.eml", "c5-corrupted-first-header.eml"],
)
def test_class5_a_bad_first_line_does_not_hide_the_headers(name: str) -> None:
    understood = _read(name)
    assert understood.sender is not None
    assert understood.sender.address == "lucia.verdi@example.it"
    assert understood.message.subject == "Sollecito pratica"
    assert understood.message.text == "Sollecito la pratica, grazie."


def test_class5_text_without_any_header_is_still_refused() -> None:
    with pytest.raises(UnparseableMessage):
        parse_message(b"just a line\r\nand another\r\n\r\nbody\r\n")


# --- class 6: the text an operator reads ----------------------------------------


def test_class6_stub_plain_part_gives_way_to_the_html_text() -> None:
    text = _read("c6-html-stub.eml").message.text
    assert "view this message in a browser" not in text
    assert "L'importo liquidabile è di 2.350,00 euro" in text


def test_class6_a_real_plain_alternative_is_kept() -> None:
    raw = (REAL_WORLD.parent / "11-alternative.eml").read_bytes()
    message = parse_message(raw)
    assert not [d for d in message.defects if "stub" in d]


# --- class 7: daticert.xml as providers write it --------------------------------


def test_class7_daticert_with_forbidden_characters_keeps_certified_facts() -> None:
    understood = _read("c7-daticert-forbidden-chars.eml")
    assert understood.pec is not None
    info = understood.pec.info
    assert info.identificativo == "opec210312.20260303101522.04567.123.1.45@pec.example.it"
    assert info.certified_at is not None
    assert info.certified_at.isoformat() == "2026-03-03T10:15:22+01:00"
    assert info.subject == "Diffida e messa in mora - sinistro SIN-2026-000042"


def test_class7_repair_still_refuses_entities() -> None:
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<postacert tipo="accettazione"><dati><identificativo>&x;</identificativo>'
        b"</dati></postacert>"
    )
    raw = (
        b"From: posta-certificata@pec.example.it\r\nX-Ricevuta: accettazione\r\n"
        b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
        b'Content-Type: application/xml; name="daticert.xml"\r\n\r\n' + evil + b"\r\n--b--\r\n"
    )
    envelope = read_pec(raw)
    assert envelope is not None and envelope.info.identificativo == ""
    assert b"&#1;" not in daticert_repaired(b"<a>&#1;x</a>")
