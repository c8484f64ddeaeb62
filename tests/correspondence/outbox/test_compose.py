"""Building outgoing mail: pure, no database. What the customer's client and robots see."""

import email
import email.policy
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from correspondence.intake.classify import automatic_reason
from correspondence.intake.parsing import parse_message
from correspondence.intake.threads import case_numbers_in
from correspondence.outbox.compose import (
    Draft,
    InvalidAddress,
    OutgoingAttachment,
    address_clean,
    mail_compose,
    message_id_new,
    outgoing_subject,
)

NUMBER = "SIN-2026-000001"


def _draft(**changes: object) -> Draft:
    draft = Draft(
        from_address="sinistri@assicura.example.it",
        from_name="Ufficio Sinistri, Società Assicura",
        to=("Giulia.Ferri@example.it",),
        cc=(),
        subject=f"Abbiamo ricevuto il Suo messaggio [{NUMBER}]",
        text="Buongiorno,\n\nla pratica è registrata.\n",
        message_id=message_id_new(
            case_number=NUMBER, address="sinistri@assicura.example.it", token="c0ffee"
        ),
        date=datetime(2026, 3, 2, 8, 15, tzinfo=UTC),
        in_reply_to="20260302091407.4f2a@example.it",
        references=("older@example.it", "20260302091407.4f2a@example.it"),
        automatic=True,
    )
    return replace(draft, **changes)


def _parsed(raw: bytes) -> email.message.EmailMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def test_an_auto_reply_carries_number_threading_headers_and_auto_submitted() -> None:
    draft = _draft()
    msg = _parsed(mail_compose(draft))
    assert case_numbers_in(str(msg["Subject"])) == [NUMBER]
    assert msg["Message-ID"] == f"<{draft.message_id}>"
    assert msg["Message-ID"].startswith(f"<{NUMBER}.")
    assert msg["Message-ID"].endswith("@assicura.example.it>")
    assert msg["In-Reply-To"] == "<20260302091407.4f2a@example.it>"
    assert msg["References"] == "<older@example.it> <20260302091407.4f2a@example.it>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["From"].addresses[0].addr_spec == "sinistri@assicura.example.it"
    assert msg["From"].addresses[0].display_name == "Ufficio Sinistri, Società Assicura"
    assert msg["To"].addresses[0].addr_spec == "Giulia.Ferri@example.it"
    assert msg["Date"].datetime == draft.date
    assert msg.get_content().replace("\r\n", "\n") == draft.text


def test_message_ids_are_unique_and_carry_the_case_number() -> None:
    ids = {message_id_new(case_number=NUMBER, address="a@Example.IT") for _ in range(100)}
    assert len(ids) == 100
    assert all(i.startswith(f"{NUMBER}.") and i.endswith("@example.it") for i in ids)


def test_our_auto_reply_looks_automatic_to_intake_so_robots_do_not_loop() -> None:
    parsed = parse_message(mail_compose(_draft()))
    assert automatic_reason(parsed) == "Auto-Submitted: auto-replied"
    assert parsed.message_id == _draft().message_id
    assert parsed.in_reply_to == ["20260302091407.4f2a@example.it"]


def test_a_reply_by_a_person_is_not_marked_automatic() -> None:
    msg = _parsed(mail_compose(_draft(automatic=False)))
    assert msg["Auto-Submitted"] is None and msg["X-Auto-Response-Suppress"] is None


def test_the_subject_gets_the_case_number_once_without_doubled_prefixes() -> None:
    assert (
        outgoing_subject("R: RE: Richiesta rimborso", NUMBER)
        == f"Re: [{NUMBER}] Richiesta rimborso"
    )
    assert outgoing_subject(f"Ricevuto [{NUMBER}]", NUMBER) == f"Ricevuto [{NUMBER}]"
    assert outgoing_subject(f"Re: [{NUMBER.lower()}] x", NUMBER) == f"Re: [{NUMBER.lower()}] x"


def test_line_breaks_in_a_subject_cannot_inject_headers() -> None:
    raw = mail_compose(_draft(subject=f"[{NUMBER}] ok\r\nBcc: victim@example.it"))
    msg = _parsed(raw)
    assert msg["Bcc"] is None
    assert msg["Subject"] == f"[{NUMBER}] ok Bcc: victim@example.it"


def test_html_with_an_inline_image_and_an_attachment_has_the_usual_structure() -> None:
    logo = OutgoingAttachment("logo.png", "image/png", b"\x89PNG\r\n", content_id="logo@assicura")
    pdf = OutgoingAttachment("Pełnomocnictwo.pdf", "application/pdf", b"%PDF-1.4\n")
    raw = mail_compose(
        _draft(html='<p>Buongiorno <img src="cid:logo@assicura"></p>', attachments=(logo, pdf))
    )
    msg = _parsed(raw)
    structure = [part.get_content_type() for part in msg.walk()]
    assert structure == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "multipart/related",
        "text/html",
        "image/png",
        "application/pdf",
    ]
    image = next(p for p in msg.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<logo@assicura>" and image.get_content() == logo.content
    attachment = next(msg.iter_attachments())
    assert attachment.get_filename() == "Pełnomocnictwo.pdf"
    assert attachment.get_content() == pdf.content
    assert [p for p in msg.walk() if p is not msg and p["MIME-Version"]] == []


def test_the_mail_is_seven_bit_with_crlf_line_endings() -> None:
    raw = mail_compose(_draft(html="<p>è</p>", subject=f"Perché [{NUMBER}]"))
    assert raw.isascii()
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998


def test_long_reference_chains_keep_the_newest_twenty() -> None:
    references = tuple(f"m{i}@example.it" for i in range(30))
    msg = _parsed(mail_compose(_draft(references=references)))
    assert msg["References"].split() == [f"<m{i}@example.it>" for i in range(10, 30)]


@pytest.mark.parametrize(
    "address", ["", "no-at-sign", "a b@example.it", "x@-bad-.it", "a@b", "ł@example.it"]
)
def test_unusable_addresses_are_refused(address: str) -> None:
    with pytest.raises(InvalidAddress):
        address_clean(address)
    with pytest.raises(InvalidAddress):
        mail_compose(_draft(to=(address,)))


def test_an_international_domain_is_written_in_idna() -> None:
    assert address_clean("Mario@Società.it") == "Mario@xn--societ-nta.it"


# --- acknowledgements take a cheaper path: the same mail, header by header (#13) -------

PLAIN_AUTOMATIC = [
    {},
    {"subject": "Zgłoszenie szkody — Łódź, żółć [SIN-2026-000001] " * 3},
    {"subject": "Daună auto: ăîșț ĂÎȘȚ, Cluj-Napoca", "from_name": "Asigurări Daune"},
    {"from_name": 'Ufficio "Nord", Sinistri', "cc": ("a@example.it", "b@example.pl")},
    {"references": tuple(f"r{n}.{'x' * 30}@example.it" for n in range(30))},
    {"in_reply_to": "", "references": ()},
    {"text": ""},
    {"text": "riga lunga " * 40 + "\nFrom the start\n.\n  trailing spaces   \nè\tà\n"},
    {"text": "no newline at the end, 100% = ok"},
    {"auto_submitted": "auto-generated"},
]


def _general_path(draft: Draft, monkeypatch: pytest.MonkeyPatch) -> bytes:
    from correspondence.outbox import compose

    with monkeypatch.context() as patch:
        patch.setattr(compose, "_plain_automatic", lambda _draft: False)
        return mail_compose(draft)


@pytest.mark.parametrize("changes", PLAIN_AUTOMATIC)
def test_an_acknowledgement_is_the_same_mail_by_either_path(
    changes: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from correspondence.outbox import compose

    draft = _draft(**changes)
    assert compose._plain_automatic(draft)
    fast, general = mail_compose(draft), _general_path(draft, monkeypatch)
    assert fast.split(b"\r\n\r\n", 1)[1] == general.split(b"\r\n\r\n", 1)[1]  # same body bytes
    assert all(len(line) <= 78 for line in fast.split(b"\r\n\r\n", 1)[0].split(b"\r\n"))
    assert b"\n" not in fast.replace(b"\r\n", b"")  # CRLF only
    ours, theirs = (
        email.message_from_bytes(m, policy=email.policy.default) for m in (fast, general)
    )
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert str(ours[name]) == str(theirs[name]), name
    assert ours.get_content() == theirs.get_content()


@pytest.mark.parametrize(
    "changes",
    [
        {"automatic": False},
        {"html": "<p>ciao</p>"},
        {"subject": "=?utf-8?q?not_an_encoded_word?= on purpose"},
        {"subject": "x" * 200},
        {"from_name": "Un nome lunghissimo di un ufficio che non finisce mai davvero"},
    ],
)
def test_other_mail_takes_the_general_path(changes: dict[str, object]) -> None:
    from correspondence.outbox import compose

    assert not compose._plain_automatic(_draft(**changes))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "x",
        "Re: Sinistro  SIN-2026-000001\t(seconda  richiesta) ",
        "<20260302091407.4f2a@example.it>",
        "=?not an encoded word?=",
        "y" * 68,  # "Subject: " and 68 characters: 77
        "z" * 69,  # 78: the longest line left as it is
        "w" * 70,  # 79: folded by Header
        "w " * 60,
    ],
)
def test_a_short_ascii_header_is_written_as_header_would_write_it(value: str) -> None:
    from email.header import Header

    from correspondence.outbox import compose

    folded = Header(value, "us-ascii", header_name="Subject").encode(linesep="\r\n", maxlinelen=78)
    assert compose._header("Subject", value) == f"Subject: {folded}\r\n"


@pytest.mark.parametrize("html", ["", "<p>Avviso</p>"])
def test_a_notice_says_auto_generated_and_an_acknowledgement_auto_replied(html: str) -> None:
    """RFC 3834: a machine's answer to a message is auto-replied; mail it sends of its
    own accord (a notice, a reminder) is auto-generated. Both paths of the composer."""
    notice = _parsed(mail_compose(_draft(html=html, auto_submitted="auto-generated")))
    assert notice["Auto-Submitted"] == "auto-generated"
    assert _parsed(mail_compose(_draft(html=html)))["Auto-Submitted"] == "auto-replied"
