"""What a rule does, in words, and what it would have done to a run of messages. Pure."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from workflow.rules.distribution import operator_pick
from workflow.rules.matching import Actions, Conditions, RuleData, RuleSubject, rule_matches


@dataclass(frozen=True)
class Names:
    """Display names for the ids an action refers to."""

    categories: Mapping[int, str] = field(default_factory=dict)
    urgencies: Mapping[int, str] = field(default_factory=dict)
    pools: Mapping[int, str] = field(default_factory=dict)
    users: Mapping[int, str] = field(default_factory=dict)


def outcome_texts(
    actions: Actions, names: Names, *, pick: int | None, attempted: bool
) -> list[str]:
    """The actions as short sentences; `pick` is who got the case when `attempted`."""
    texts = []
    if actions.category_id is not None:
        name = names.categories.get(actions.category_id, "?")
        texts.append(_("Category: %(name)s") % {"name": name})
    if actions.urgency is not None:
        label = names.urgencies.get(actions.urgency, str(actions.urgency))
        texts.append(_("Urgency: %(label)s") % {"label": label})
    if actions.pool_id is not None:
        texts.append(_("To pool: %(pool)s") % {"pool": names.pools.get(actions.pool_id)})
    if attempted and pick is not None:
        texts.append(_("Assigned to: %(user)s") % {"user": names.users.get(pick, "?")})
    elif attempted:
        texts.append(_("No operator available: left in the pool"))
    return texts


def rule_try_rows(
    *,
    rule: RuleData,
    subjects: Sequence[RuleSubject],
    candidates: Sequence[int],
    present: Collection[int],
    open_counts: Mapping[int, int],
    last: int | None,
    names: Names,
) -> list[list[str] | None]:
    """For each subject, oldest first: None when the rule does not match, else its outcome.

    Assignments are simulated in order: the round-robin turn advances and each pick adds
    one open case to its operator, as if the messages arrived one after another now.
    """
    counts = dict(open_counts)
    rows: list[list[str] | None] = []
    mode = rule.actions.assignment
    for subject in subjects:
        if not rule_matches(rule.conditions, subject):
            rows.append(None)
            continue
        pick = None
        if mode:
            pick = operator_pick(
                mode=mode, candidates=candidates, last=last, present=present, open_counts=counts
            )
        if pick is not None:
            last = pick
            counts[pick] = counts.get(pick, 0) + 1
        rows.append(outcome_texts(rule.actions, names, pick=pick, attempted=bool(mode)))
    return rows


SENDER_TESTS = {
    "address_equals": gettext_noop("Sender is %(value)s"),
    "address_contains": gettext_noop("Sender contains %(value)s"),
    "domain_equals": gettext_noop("Sender's domain is %(value)s"),
    "domain_contains": gettext_noop("Sender's domain contains %(value)s"),
}


def conditions_texts(conditions: Conditions, names: Names) -> list[str]:
    """The conditions as short phrases; ["Any message"] when there are none."""
    c = conditions
    texts = []
    if c.sender_test and c.sender_value:
        texts.append(_(SENDER_TESTS[c.sender_test]) % {"value": c.sender_value})
    if c.recipient:
        texts.append(_("Sent to %(address)s") % {"address": c.recipient})
    if c.subject_words.strip():
        texts.append(_("Subject contains %(words)s") % {"words": c.subject_words.strip()})
    if c.body_words.strip():
        texts.append(_("Text contains %(words)s") % {"words": c.body_words.strip()})
    if c.is_pec is not None:
        texts.append(_("PEC") if c.is_pec else _("Not PEC"))
    if c.has_attachments is not None:
        texts.append(_("With attachments") if c.has_attachments else _("Without attachments"))
    if c.category_id is not None:
        name = names.categories.get(c.category_id, "?")
        texts.append(_("Category is %(name)s") % {"name": name})
    return texts or [_("Any message")]


ASSIGNMENT_TEXTS = {
    "operator": gettext_noop("Assign to %(users)s"),
    "round_robin": gettext_noop("In turn among %(users)s"),
    "least_open": gettext_noop("Least open work among %(users)s"),
}


def actions_texts(actions: Actions, names: Names) -> list[str]:
    """The actions of a rule as short phrases, the operators by name."""
    texts = outcome_texts(replace(actions, assignment=""), names, pick=None, attempted=False)
    if actions.assignment:
        users = ", ".join(names.users.get(u, "?") for u in actions.operator_ids)
        texts.append(_(ASSIGNMENT_TEXTS[actions.assignment]) % {"users": users})
    return texts or [_("Nothing")]
