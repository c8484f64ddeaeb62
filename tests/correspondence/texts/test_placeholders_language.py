"""The pure core of texts: placeholders checked and filled, the customer's language told."""

import pytest

from correspondence.intake.language import language_guess
from correspondence.outbox.placeholders import placeholders_fill, placeholders_problems


def test_known_placeholders_pass_and_unknown_ones_and_lone_braces_are_named() -> None:
    assert placeholders_problems("Case {case_number} for {customer_name}, {{literal}}") == []
    problems = placeholders_problems("Dear {client}, case {case_number} } {oops")
    assert [(p.kind, p.token) for p in problems] == [
        ("unknown", "{client}"),
        ("brace", "}"),
        ("brace", "{"),
    ]
    assert problems[0].position == 6


def test_filling_is_plain_replacement_of_whitelisted_names() -> None:
    values = {"case_number": "SIN-2026-000001", "customer_name": "Ola"}
    text = "{number}/{case_number} {customer_name} {__class__} {{x}} {deadline}"
    assert placeholders_fill(text, values) == "SIN-2026-000001/SIN-2026-000001 Ola {__class__} {x} "


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Buongiorno, vi scrivo per il sinistro del 3 marzo. Allego le foto.", "it"),
        ("Dzień dobry, piszę w sprawie szkody z 3 marca. Załączam zdjęcia. Pozdrawiam", "pl"),
        ("Bună ziua, vă scriu în legătură cu dosarul de daune. Atașez fotografiile.", "ro"),
        ("Hello, I am writing about the claim of 3 March. Please find the photos attached.", "en"),
        ("SIN-2026-000001", None),
        ("", None),
    ],
)
def test_the_language_of_a_message_is_told_from_its_words(text: str, language: str | None) -> None:
    assert language_guess(text) == language
