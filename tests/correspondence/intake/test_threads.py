"""Threading: case numbers in subjects, reply prefixes, Message-ID keys."""

from __future__ import annotations

import pytest

from correspondence.intake.parsing import parse_message
from correspondence.intake.threads import (
    case_numbers_in,
    reply_subject,
    strip_reply_prefixes,
    thread_keys,
)


def test_case_numbers_in_order_upper_cased_once() -> None:
    subject = "Re: [sin-2026-000042] vedi anche PAG-2026-000107 e SIN-2026-000042"
    assert case_numbers_in(subject) == ["SIN-2026-000042", "PAG-2026-000107"]


@pytest.mark.parametrize(
    "subject",
    [
        "SIN-2026-00004",
        "SIN-2026-0000421",
        "XSINISTRO-2026-000042",
        "S-2026-000042",
        "1SIN-2026-000042",
    ],
)
def test_near_misses_are_not_case_numbers(subject: str) -> None:
    assert case_numbers_in(subject) == []


@pytest.mark.parametrize(
    ("subject", "stripped"),
    [
        ("Re: Sinistro", "Sinistro"),
        ("R: RIF: I: Sinistro", "Sinistro"),
        ("RE: RE: Fwd: Fw: Sinistro", "Sinistro"),
        ("TR: AW: WG: SV: VS: Sinistro", "Sinistro"),
        ("Odp: PD: Zgłoszenie", "Zgłoszenie"),
        ("Răspuns: Raspuns: Plată", "Plată"),
        ("Re[2]: Re(3): re^4: Sinistro", "Sinistro"),
        ("Re\uff1a Sinistro", "Sinistro"),
        ("Re: [SIN-2026-000042] Re: Sinistro", "[SIN-2026-000042] Re: Sinistro"),
        ("Informazioni utili", "Informazioni utili"),
        ("Reclamo: ritardo", "Reclamo: ritardo"),
    ],
)
def test_strip_reply_prefixes(subject: str, stripped: str) -> None:
    assert strip_reply_prefixes(subject) == stripped


@pytest.mark.parametrize(
    "subject",
    [
        "Richiesta documenti",
        "Re: [SIN-2026-000042] Richiesta documenti",
        "RE: R: [sin-2026-000042] Re: Richiesta documenti",
        "Richiesta documenti SIN-2026-000042",
    ],
)
def test_reply_subject_never_doubles(subject: str) -> None:
    assert reply_subject(subject, "SIN-2026-000042") == "Re: [SIN-2026-000042] Richiesta documenti"


def test_reply_subject_of_an_empty_subject() -> None:
    assert reply_subject("", "SIN-2026-000042") == "Re: [SIN-2026-000042]"


def test_thread_keys_newest_first_without_duplicates_or_self() -> None:
    msg = parse_message(
        b"From: a@example.it\r\n"
        b"Message-ID: <self@example.it>\r\n"
        b"In-Reply-To: <c@example.it>\r\n"
        b"References: <a@example.it> <b@example.it> <c@example.it> <self@example.it>\r\n"
        b"\r\nx\r\n"
    )
    assert thread_keys(msg) == ["c@example.it", "b@example.it", "a@example.it"]
