"""Which routing rules a message matches, and what they ask for. Pure: values in, values out.

The shell (`workflow.rules.services`) turns messages, cases and rule rows into the
dataclasses below; nothing here touches the database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

ADDRESS_EQUALS = "address_equals"
ADDRESS_CONTAINS = "address_contains"
DOMAIN_EQUALS = "domain_equals"
DOMAIN_CONTAINS = "domain_contains"


@dataclass(frozen=True)
class RuleSubject:
    """What a rule may look at: one inbound message and the category of its case."""

    sender: str
    recipients: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""
    is_pec: bool = False
    has_attachments: bool = False
    category_id: int | None = None

    @property
    def sender_domain(self) -> str:
        """The part of the sender's address after the last "@", lower-cased."""
        return self.sender.rpartition("@")[2].strip().lower()


@dataclass(frozen=True)
class Conditions:
    """All must hold; an empty or None condition holds for any message."""

    sender_test: str = ""
    sender_value: str = ""
    recipient: str = ""
    subject_words: str = ""
    body_words: str = ""
    is_pec: bool | None = None
    has_attachments: bool | None = None
    category_id: int | None = None


@dataclass(frozen=True)
class Actions:
    """What a matching rule does to the case; None or empty means "leave as it is"."""

    category_id: int | None = None
    urgency: int | None = None
    pool_id: int | None = None
    assignment: str = ""
    operator_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class RuleData:
    """A rule as plain data, saved (`id` set) or still being written (`id` None)."""

    id: int | None
    name: str
    conditions: Conditions
    actions: Actions
    continue_after: bool = False
    active: bool = True


def normalise(text: str) -> str:
    """Lower-cased, accents removed, runs of white space made one space."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.split())


def words_of(listing: str) -> tuple[str, ...]:
    """The words or phrases of a comma- or line-separated list, normalised, blanks dropped."""
    return tuple(w for w in (normalise(p) for p in re.split(r"[,;\n]", listing)) if w)


def contains_any(text: str, words: Iterable[str]) -> bool:
    """Whether any word or phrase occurs in the text as whole words, capitals and accents aside."""
    haystack = normalise(text)
    return any(re.search(rf"(?<!\w){re.escape(w)}(?!\w)", haystack) for w in words)


def sender_matches(test: str, value: str, subject: RuleSubject) -> bool:
    """Applies one of the four sender tests; an empty test or value always holds."""
    wanted = value.strip().lower().lstrip("@") if test.startswith("domain") else value
    wanted = wanted.strip().lower()
    if not test or not wanted:
        return True
    address = subject.sender.strip().lower()
    if test == ADDRESS_EQUALS:
        return address == wanted
    if test == ADDRESS_CONTAINS:
        return wanted in address
    if test == DOMAIN_EQUALS:
        return subject.sender_domain == wanted
    if test == DOMAIN_CONTAINS:
        return wanted in subject.sender_domain
    raise ValueError(f"unknown sender test {test!r}")


def rule_matches(conditions: Conditions, subject: RuleSubject) -> bool:
    """Whether every condition holds for the subject."""
    c = conditions
    recipients = {r.strip().lower() for r in subject.recipients}
    return (
        sender_matches(c.sender_test, c.sender_value, subject)
        and (not c.recipient.strip() or c.recipient.strip().lower() in recipients)
        and (
            not words_of(c.subject_words)
            or contains_any(subject.subject, words_of(c.subject_words))
        )
        and (not words_of(c.body_words) or contains_any(subject.text, words_of(c.body_words)))
        and (c.is_pec is None or c.is_pec == subject.is_pec)
        and (c.has_attachments is None or c.has_attachments == subject.has_attachments)
        and (c.category_id is None or c.category_id == subject.category_id)
    )


def matches_everything(conditions: Conditions) -> bool:
    """Whether the conditions hold for any message (no condition is filled in)."""
    c = conditions
    return (
        not (c.sender_test and c.sender_value.strip())
        and not c.recipient.strip()
        and not words_of(c.subject_words)
        and not words_of(c.body_words)
        and c.is_pec is None
        and c.has_attachments is None
        and c.category_id is None
    )


def unreachable(rules: Sequence[RuleData]) -> list[bool]:
    """For each rule, whether an earlier active rule catches every message and stops there."""
    flags, closed = [], False
    for rule in rules:
        flags.append(closed)
        stops = not rule.continue_after or rule.actions.pool_id is not None
        closed = closed or (rule.active and stops and matches_everything(rule.conditions))
    return flags


def rules_select(rules: Sequence[RuleData], subject: RuleSubject) -> list[RuleData]:
    """The rules that act on the subject, in order.

    The first active matching rule acts; the rules after it are tried only if it says
    `continue_after`, and never after a rule that moves the case to another pool (that
    pool's rules take over). A category set by one rule is what the next ones see.
    """
    chosen: list[RuleData] = []
    for rule in rules:
        if not rule.active or not rule_matches(rule.conditions, subject):
            continue
        chosen.append(rule)
        if rule.actions.category_id is not None:
            subject = replace(subject, category_id=rule.actions.category_id)
        if not rule.continue_after or rule.actions.pool_id is not None:
            break
    return chosen
