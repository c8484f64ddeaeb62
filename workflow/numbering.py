"""Human-readable case numbers: POOL-YEAR-SEQUENCE, e.g. SIN-2026-000042. Pure."""

import re

CASE_NUMBER_RE = re.compile(r"\b([A-Z]{2,6})-(\d{4})-(\d{6})\b")
POOL_CODE_RE = re.compile(r"^[A-Z]{2,6}$")


def case_number_format(*, code: str, year: int, sequence: int) -> str:
    """Formats a case number; raises ValueError for a code or sequence that cannot be one."""
    if not POOL_CODE_RE.match(code):
        raise ValueError(f"pool code {code!r} must be 2-6 capital letters")
    if not 0 < sequence <= 999_999:
        raise ValueError(f"sequence {sequence} is outside 1..999999")
    return f"{code}-{year:04d}-{sequence:06d}"


def case_number_parse(number: str) -> tuple[str, int, int] | None:
    """Returns (code, year, sequence) of a well-formed number, else None."""
    match = CASE_NUMBER_RE.fullmatch(number.strip().upper())
    if match is None:
        return None
    return match[1], int(match[2]), int(match[3])
