import pytest

from workflow.numbering import case_number_format, case_number_parse


def test_a_number_reads_pool_year_and_six_digit_sequence() -> None:
    assert case_number_format(code="SIN", year=2026, sequence=42) == "SIN-2026-000042"


@pytest.mark.parametrize("code", ["S", "sin", "TOOLONGX", "S1N"])
def test_a_code_that_cannot_start_a_number_is_refused(code: str) -> None:
    with pytest.raises(ValueError, match="capital letters"):
        case_number_format(code=code, year=2026, sequence=1)


def test_the_sequence_must_fit_six_digits() -> None:
    with pytest.raises(ValueError):
        case_number_format(code="SIN", year=2026, sequence=1_000_000)


def test_parse_gives_back_the_parts_and_rejects_anything_else() -> None:
    assert case_number_parse(" sin-2026-000042 ") == ("SIN", 2026, 42)
    assert case_number_parse("SIN-2026-42") is None
