"""Placeholders in the texts editors write: which exist, checking a text, filling it in.

Editors write ``{case_number}`` or ``{customer_name}`` in auto-replies and quick replies.
Filling is plain replacement of whitelisted names by plain strings, never ``str.format``
or a template engine, so no text can reach an attribute or run code. Checking happens
when the text is saved: an unknown name or a stray brace is refused there, not found out
when a mail fails to go out. ``{{`` and ``}}`` write a literal brace.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# name -> what it is replaced by (English; the admin shows it translated).
PLACEHOLDERS: dict[str, str] = {
    "case_number": "the case number, e.g. SIN-2026-000123",
    "subject": "the subject of the customer's message",
    "customer_name": "the customer's name as they wrote it",
    "customer_email": "the customer's address",
    "operator_name": "the name of the operator who answers",
    "pool": "the pool's name",
    "deadline": "the date by which the case is answered",
    "received_at": "when the message arrived",
}
# Placeholders only some kinds of text have, by the kind of ``MailText``: what is
# asked of a department, and what a notice tells a member of staff.
PLACEHOLDERS_OF_KIND: dict[str, dict[str, str]] = {
    "consultation": {
        "department": "the department's name",
        "question": "the question asked",
    },
    "reminder": {
        "department": "the department's name",
        "question": "the question asked",
        "sent_at": "when the consultation was sent",
    },
    "notification": {
        "event": "what happened, in a sentence",
        "link": "the address of the case in the intranet",
    },
}
# Older texts wrote {number}: kept working, same value as {case_number}.
ALIASES: dict[str, str] = {"number": "case_number"}


def placeholders_of(kind: str = "") -> dict[str, str]:
    """The placeholders a text of ``kind`` may use: every case's, then its own."""
    return {**PLACEHOLDERS, **PLACEHOLDERS_OF_KIND.get(kind, {})}


_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


@dataclass(frozen=True)
class Problem:
    """What is wrong in a text: an ``unknown`` placeholder or a lone ``brace``, where."""

    kind: Literal["unknown", "brace"]
    token: str
    position: int


def placeholders_problems(template: str, kind: str = "") -> list[Problem]:
    """Every unknown ``{name}`` (unknown to a text of ``kind``) and every stray brace of
    ``template``, in order; empty when the text is fine. ``position`` counts characters
    from 1, as an editor would."""
    known = placeholders_of(kind)
    problems: list[Problem] = []
    for match in _TOKEN.finditer(template):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        name = match.group(1)
        if name is None:
            problems.append(Problem("brace", token, match.start() + 1))
        elif name.strip() not in known and name.strip() not in ALIASES:
            problems.append(Problem("unknown", token, match.start() + 1))
    return problems


def placeholders_fill(template: str, values: Mapping[str, str], kind: str = "") -> str:
    """``template`` with each ``{name}`` known to a text of ``kind`` replaced by
    ``values[name]`` (blank when missing); anything else, unknown names and stray braces
    included, is left as it is."""
    known = placeholders_of(kind)

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token in ("{{", "}}"):
            return token[0]
        name = (match.group(1) or "").strip()
        name = ALIASES.get(name, name)
        if match.group(1) is None or name not in known:
            return token
        return values.get(name, "")

    return _TOKEN.sub(replace, template)
