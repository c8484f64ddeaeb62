"""Threading keys: case numbers in subjects, reply prefixes, In-Reply-To/References.

Pure functions. A customer's answer is matched to its case first by the
Message-IDs it quotes (``thread_keys``), then by the case number we put in
the subject of every mail we send (``case_numbers_in``).
"""

from __future__ import annotations

import re

from correspondence.intake.parsing import ParsedMessage

# Pool code (2-6 letters), year, six-digit sequence: SIN-2026-000042. Matched
# case-insensitively because people retype numbers in lower case.
_NUMBER = r"[A-Za-z]{2,6}-\d{4}-\d{6}"
CASE_NUMBER_RE = re.compile(rf"(?<![A-Za-z0-9])({_NUMBER})(?![0-9])")
# A number as a tag ("[SIN-2026-000042]") or bare, as reply_subject removes it.
_NUMBER_OR_TAG_RE = re.compile(rf"\[\s*({_NUMBER})\s*\]|(?<![A-Za-z0-9])({_NUMBER})(?![0-9])")

# Reply and forward markers of the mail clients our customers use, in English,
# Italian (R, RIF, I), German (AW, WG), Nordic (SV, VS), French (TR), Polish
# (Odp, PD) and Romanian (Răspuns), optionally counted (Re[2]:, Re(2):, Re^2:)
# and with an ASCII or fullwidth colon.
_PREFIX = (
    r"(?:re|r|rif|i|fwd|fw|tr|aw|wg|sv|vs|odp|pd|r[ăa]spuns|antw|enc|rv)"
    r"\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:\uff1a]"
)
_PREFIX_CHAIN_RE = re.compile(rf"^\s*(?:{_PREFIX}\s*)+", re.IGNORECASE)
_WHITESPACE_RE = re.compile(r"\s+")


def case_numbers_in(subject: str) -> list[str]:
    """Every case number in ``subject``, in order of appearance, upper-cased, once each."""
    found: list[str] = []
    for match in CASE_NUMBER_RE.finditer(subject):
        number = match.group(1).upper()
        if number not in found:
            found.append(number)
    return found


def strip_reply_prefixes(subject: str) -> str:
    """``subject`` without its leading chain of reply/forward markers.

    ``[tags]`` are kept: they carry case numbers and list names.
    """
    return _WHITESPACE_RE.sub(" ", _PREFIX_CHAIN_RE.sub("", subject)).strip()


def thread_keys(msg: ParsedMessage) -> list[str]:
    """Message-IDs this message answers: In-Reply-To, then References newest first.

    De-duplicated, without angle brackets, never the message's own Message-ID.
    """
    keys: list[str] = []
    for key in [*msg.in_reply_to, *reversed(msg.references)]:
        if key and key != msg.message_id and key not in keys:
            keys.append(key)
    return keys


def reply_subject(subject: str, case_number: str) -> str:
    """``Re: [SIN-2026-000042] original subject``, without doubled prefixes or numbers."""
    number = case_number.upper()

    def without_number(match: re.Match[str]) -> str:
        found = match.group(1) or match.group(2)
        return " " if found.upper() == number else match.group(0)

    rest = subject
    while True:
        stripped = strip_reply_prefixes(
            _NUMBER_OR_TAG_RE.sub(without_number, strip_reply_prefixes(rest))
        )
        if stripped == rest:
            break
        rest = stripped
    return f"Re: [{number}] {rest}".rstrip()
