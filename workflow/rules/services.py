"""Routing rules in the database: team leaders save, order and delete them; intake (through
``workflow.intake``) and manual registration apply them to each new case; an unsaved rule
can be tried on a pool's recent mail.

Writes follow the house pattern: check the permission, lock, write, log.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.intake.understand import Understood
from correspondence.models import (
    Attachment,
    CasePage,
    Category,
    Message,
    MonthPage,
    PoolPage,
    State,
    Urgency,
)
from correspondence.permissions import LEAD, WORK, may, require_pool_permission
from correspondence.services.cases import month_page_for
from correspondence.services.deadlines import case_deadline_refresh, case_deadlines_recompute
from intranet.models import Absence, UserProfile
from workflow.lifecycle import case_assign_by_rule
from workflow.models import Assignment, RoutingRule
from workflow.rules.distribution import is_present, operator_pick
from workflow.rules.matching import Actions, Conditions, RuleData, RuleSubject, rules_select
from workflow.rules.outcomes import Names, outcome_texts, rule_try_rows
from workflow.transitions import OPEN_STATES


class RuleInvalid(ValueError):
    """The rule cannot be saved as written; `field` names the form field at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def rule_data(rule: RoutingRule, operator_ids: Sequence[int] | None = None) -> RuleData:
    """The rule as plain data; `operator_ids` stands in for the relation of an unsaved rule."""
    if operator_ids is None:
        operator_ids = sorted(u.pk for u in rule.operators.all())
    conditions = Conditions(
        sender_test=rule.sender_test,
        sender_value=rule.sender_value,
        recipient=rule.recipient,
        subject_words=rule.subject_words,
        body_words=rule.body_words,
        is_pec=rule.is_pec,
        has_attachments=rule.has_attachments,
        category_id=rule.category_id,
    )
    actions = Actions(
        category_id=rule.set_category_id,
        urgency=rule.set_urgency,
        pool_id=rule.move_to_pool_id,
        assignment=rule.assignment,
        operator_ids=tuple(operator_ids) if rule.assignment else (),
    )
    return RuleData(rule.pk, rule.name, conditions, actions, rule.continue_after, rule.active)


def _destination(rule: RoutingRule) -> PoolPage:
    return rule.move_to_pool if rule.move_to_pool_id else rule.pool


def rule_check(*, user: Any, rule: RoutingRule, operator_ids: Sequence[int]) -> None:
    """Raises RuleInvalid unless the rule makes sense and the user may route as it says."""
    if bool(rule.sender_test) != bool(rule.sender_value.strip()):
        raise RuleInvalid("sender_value", _("Choose a sender test and write what it looks for."))
    if rule.move_to_pool_id is not None:
        if rule.move_to_pool_id == rule.pool_id:
            raise RuleInvalid("move_to_pool", _("The case is already in this pool."))
        if not may(user, LEAD, rule.move_to_pool):
            raise RuleInvalid("move_to_pool", _("You may only move cases to pools you lead."))
    if rule.assignment == Assignment.OPERATOR and len(operator_ids) != 1:
        raise RuleInvalid("operators", _("Choose exactly one operator to assign to."))
    if rule.assignment and not operator_ids:
        raise RuleInvalid("operators", _("Choose the operators who share the cases."))
    if rule.assignment:
        pool = _destination(rule)
        if len(_eligible(operator_ids, pool)) != len(set(operator_ids)):
            message = _("Every operator must work in the pool %(pool)s.") % {"pool": pool.title}
            raise RuleInvalid("operators", message)


def _eligible(operator_ids: Sequence[int], pool: PoolPage) -> list[int]:
    """The operators, in ascending id order, who are active and may work the pool's cases."""
    users = get_user_model().objects.filter(pk__in=operator_ids, is_active=True).order_by("pk")
    return [u.pk for u in users if may(u, WORK, pool)]


def _log_data(rule: RoutingRule, operator_ids: Sequence[int]) -> dict[str, Any]:
    data = rule_data(rule, operator_ids)
    return {
        "pool": rule.pool_id,
        "position": rule.position,
        "name": data.name,
        "active": data.active,
        "continue_after": data.continue_after,
        "conditions": data.conditions.__dict__,
        "actions": {**data.actions.__dict__, "operator_ids": list(data.actions.operator_ids)},
    }


@transaction.atomic
def rule_save(*, user: Any, rule: RoutingRule, operator_ids: Sequence[int]) -> RoutingRule:
    """Creates or changes a rule of a pool the user leads, and logs the change.

    Raises CaseActionDenied when the user does not lead the pool, RuleInvalid when the
    rule is wrong (see `rule_check`). A new rule goes to the end of the pool's list.
    """
    require_pool_permission(user, LEAD, rule.pool)
    rule_check(user=user, rule=rule, operator_ids=operator_ids)
    creating = rule.pk is None
    if creating:
        last = RoutingRule.objects.filter(pool=rule.pool).aggregate(m=Max("position"))["m"]
        rule.position = (last or 0) + 1
    operator_ids = list(operator_ids) if rule.assignment else []
    rule.save()
    rule.operators.set(operator_ids)
    action = "workflow.rule.create" if creating else "workflow.rule.change"
    log(instance=rule, action=action, user=user, data=_log_data(rule, operator_ids))
    return rule


@transaction.atomic
def rule_delete(*, user: Any, rule: RoutingRule) -> None:
    """Deletes a rule of a pool the user leads, logging what it was; CaseActionDenied otherwise."""
    require_pool_permission(user, LEAD, rule.pool)
    operator_ids = [u.pk for u in rule.operators.all()]
    data = _log_data(rule, operator_ids)
    log(instance=rule, action="workflow.rule.delete", user=user, data=data, deleted=True)
    rule.delete()


@transaction.atomic
def rule_reorder(*, user: Any, rule: RoutingRule, direction: str) -> None:
    """Moves a rule one place "up" or "down" in its pool's order and logs it.

    Positions are rewritten 1..n under a lock on the pool's rules. Moving the first rule
    up or the last down changes nothing. Raises CaseActionDenied, or ValueError for an
    unknown direction.
    """
    if direction not in ("up", "down"):
        raise ValueError(f"unknown direction {direction!r}")
    require_pool_permission(user, LEAD, rule.pool)
    rules = list(RoutingRule.objects.select_for_update().filter(pool_id=rule.pool_id))
    index = next(i for i, r in enumerate(rules) if r.pk == rule.pk)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rules):
        return
    rules[index], rules[other] = rules[other], rules[index]
    for position, item in enumerate(rules, start=1):
        item.position = position
    RoutingRule.objects.bulk_update(rules, ["position"])
    data = {"from": index + 1, "to": other + 1}
    log(instance=rule, action="workflow.rule.reorder", user=user, data=data)


def subject_from_understood(understood: Understood, case: CasePage) -> RuleSubject:
    """What the rules see of a message intake has just understood and filed as `case`."""
    message = understood.message
    return RuleSubject(
        sender=understood.sender.address.lower() if understood.sender else "",
        recipients=tuple(understood.recipients),
        subject=message.subject,
        text=message.text,
        is_pec=understood.pec is not None,
        has_attachments=any(not a.inline for a in message.attachments),
        category_id=case.category_id,
    )


def subject_from_message(message: Message) -> RuleSubject:
    """What the rules see of a stored inbound message (annotate `has_files` to save a query)."""
    has_files = getattr(message, "has_files", None)
    if has_files is None:
        has_files = message.attachments.filter(inline=False, evidence=False).exists()
    pec = message.pec or {}
    addresses = [*message.to, *message.cc, *pec.get("recipients", [])]
    return RuleSubject(
        sender=message.from_address.lower(),
        recipients=tuple(dict.fromkeys(a.strip().lower() for a in addresses if a)),
        subject=message.subject,
        text=message.text,
        is_pec=message.pec is not None,
        has_attachments=bool(has_files),
        category_id=message.case.category_id if message.case else None,
    )


@transaction.atomic
def rules_apply(*, case: CasePage, subject: RuleSubject) -> list[str]:
    """Applies the case's pool's rules to a new case and returns what was done, in words.

    The first matching rule acts (more with "continue", see `rules_select`). A rule that
    moves the case hands it to the new pool's rules; each pool's rules run at most once,
    so two pools moving cases to each other cannot loop. Every rule applied is logged on
    the case; an assignment is a take logged with {"by_rule": rule id}. `case` is
    refreshed from the database before returning.
    """
    CasePage.objects.select_for_update().filter(pk=case.pk).get()
    done: list[str] = []
    seen: set[int] = set()
    while case.pool_id not in seen:
        seen.add(case.pool_id)
        active = RoutingRule.objects.filter(pool_id=case.pool_id, active=True)
        rules: dict[int | None, RoutingRule] = {
            r.pk: r for r in active.prefetch_related("operators")
        }
        for data in rules_select([rule_data(r) for r in rules.values()], subject):
            done += _rule_apply(case=case, rule=rules[data.id], data=data)
            case.refresh_from_db()
            if data.actions.category_id is not None:
                subject = replace(subject, category_id=data.actions.category_id)
    return done


def _rule_apply(*, case: CasePage, rule: RoutingRule, data: RuleData) -> list[str]:
    """Carries out one rule's actions on the (locked) case and logs them."""
    actions = data.actions
    changes: dict[str, Any] = {}
    if actions.category_id is not None:
        changes["category_id"] = actions.category_id
    if actions.urgency is not None:
        changes["urgency"] = actions.urgency
    if changes:
        CasePage.objects.filter(pk=case.pk).update(**changes)
    if actions.pool_id is not None and actions.pool_id != case.pool_id:
        _case_move(case=case, pool=PoolPage.objects.get(pk=actions.pool_id))
        changes["pool_id"] = actions.pool_id
    if changes:
        # Another category, urgency or pool may mean another service-level policy.
        case_deadlines_recompute(case=case)
    pick = None
    if actions.assignment and case.state == State.NEW and case.assignee_id is None:
        pick = _operator_choose(rule=rule, data=data, pool_id=changes.get("pool_id", case.pool_id))
        if pick is not None:
            assigned = case_assign_by_rule(case=case, user_id=pick, rule_id=rule.pk)
            case_deadline_refresh(case=assigned)
    log(instance=case, action="workflow.rule.apply", data={"rule": rule.pk, **changes})
    names = names_for([data], assignees=[pick] if pick else [])
    return outcome_texts(actions, names, pick=pick, attempted=bool(actions.assignment))


def names_for(rules: Sequence[RuleData], *, assignees: Sequence[int] = ()) -> Names:
    """Looks up the display names of the categories, pools and users the rules refer to."""
    categories = {r.conditions.category_id for r in rules} | {r.actions.category_id for r in rules}
    pools = {r.actions.pool_id for r in rules}
    user_ids = {u for r in rules for u in r.actions.operator_ids} | set(assignees)
    users = get_user_model().objects.filter(pk__in=user_ids)
    return Names(
        categories=dict(Category.objects.filter(pk__in=categories).values_list("pk", "name")),
        urgencies={value: str(label) for value, label in Urgency.choices},
        pools=dict(PoolPage.objects.filter(pk__in=pools).values_list("pk", "title")),
        users={u.pk: u.get_full_name() or u.get_username() for u in users},
    )


def _case_move(*, case: CasePage, pool: PoolPage) -> None:
    """Moves the case under the target pool's month page and makes it that pool's case."""
    page = CasePage.objects.get(pk=case.pk)
    page.move(_month_page(pool, case.received_at), pos="last-child")
    CasePage.objects.filter(pk=case.pk).update(pool=pool)


def _month_page(pool: PoolPage, moment: datetime) -> MonthPage:
    """The pool's month page for the moment; the pool row is locked only to create one."""
    local = timezone.localtime(moment)
    found = MonthPage.objects.descendant_of(pool).filter(year=local.year, month=local.month)
    if found.exists():
        return found.get()
    pool = PoolPage.objects.select_for_update().get(pk=pool.pk)
    return month_page_for(pool=pool, moment=moment)


def _operator_choose(*, rule: RoutingRule, data: RuleData, pool_id: int) -> int | None:
    """Picks the operator for the case; the rule's row lock serialises concurrent picks."""
    locked = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    pool = PoolPage.objects.get(pk=pool_id)
    candidates = _eligible(data.actions.operator_ids, pool)
    absent = absences_now(candidates)
    if data.actions.assignment == Assignment.OPERATOR and candidates and candidates[0] in absent:
        # The one operator is away: their substitute takes the case if they work the pool.
        candidates = _eligible([s for s in [absent[candidates[0]]] if s is not None], pool)
        absent = absences_now(candidates)
    present = {
        uid for uid, p in presence_of(candidates).items() if is_present(p) and uid not in absent
    }
    pick = operator_pick(
        mode=data.actions.assignment,
        candidates=candidates,
        last=locked.last_assigned_id,
        present=present,
        open_counts=open_work_of(candidates),
    )
    if pick is not None and data.actions.assignment == Assignment.ROUND_ROBIN:
        RoutingRule.objects.filter(pk=rule.pk).update(last_assigned_id=pick)
    return pick


@dataclass(frozen=True)
class TryRow:
    """One of the pool's recent messages and what the rule would have done with it."""

    date: datetime
    sender: str
    subject: str
    case_number: str
    matched: bool
    outcome: tuple[str, ...]


def rule_try(*, pool: PoolPage, rule_data: RuleData, limit: int = 100) -> list[TryRow]:
    """What the rule would do to each of the pool's last `limit` inbound messages, newest
    first, as if each arrived now. Reads only: nothing is changed or logged.

    Distribution is simulated over the messages in arrival order, with today's presence
    and open work, starting from the rule's round-robin turn when it is saved.
    """
    messages = list(
        Message.objects.filter(kind=Message.Kind.INBOUND, case__pool=pool)
        .select_related("case")
        .defer("html", "case__answers")
        .annotate(has_files=Exists(_files_of(OuterRef("pk"))))
        .order_by("-date", "-pk")[:limit]
    )
    actions = rule_data.actions
    candidates = _eligible(
        actions.operator_ids, PoolPage.objects.get(pk=actions.pool_id or pool.pk)
    )
    cursor = RoutingRule.objects.filter(pk=rule_data.id).values_list("last_assigned_id", flat=True)
    rows = rule_try_rows(
        rule=rule_data,
        subjects=[subject_from_message(m) for m in reversed(messages)],
        candidates=candidates,
        present={u for u, p in presence_of(candidates).items() if is_present(p)},
        open_counts=open_work_of(candidates),
        last=next(iter(cursor), None),
        names=names_for([rule_data], assignees=candidates),
    )
    return [
        TryRow(m.date, m.from_address, m.subject, m.case.number, bool(r), tuple(r or ()))
        for m, r in zip(reversed(messages), rows, strict=True)
    ][::-1]


def _files_of(message_ref: Any) -> Any:
    return Attachment.objects.filter(message=message_ref, inline=False, evidence=False)


def absences_now(user_ids: Iterable[int]) -> dict[int, int | None]:
    """Of these users, those absent now, each with their substitute's id (or None)."""
    now = timezone.now()
    rows = Absence.objects.filter(
        user_id__in=list(user_ids), starts_at__lte=now, ends_at__gt=now
    ).values_list("user_id", "substitute_id")
    return dict(rows)


def presence_of(user_ids: Iterable[int]) -> dict[int, str]:
    """Each user's presence; users without a profile are left out (they count as offline)."""
    rows = UserProfile.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "presence")
    return dict(rows)


def open_work_of(user_ids: Iterable[int]) -> dict[int, int]:
    """How many open cases (taken, in consultation, awaiting approval) each user holds."""
    rows = (
        CasePage.objects.filter(assignee_id__in=list(user_ids), state__in=OPEN_STATES)
        .order_by()
        .values("assignee_id")
        .annotate(n=Count("pk"))
        .values_list("assignee_id", "n")
    )
    return dict(rows)
