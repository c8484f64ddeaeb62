"""Escalation: what a pool's rules do to a case at the warning or the breach of its next
deadline: tell the team leaders, raise the urgency, hand the case to someone else.

Run by a periodic task, possibly by several workers at once. Each escalation happens
exactly once per case, rule, kind and deadline: its row is inserted first, under a unique
constraint, in the transaction that acts; a second worker's insert waits for the first
and then finds the row, and does nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.models import CasePage, State
from correspondence.outbox.texts import staff_language
from correspondence.permissions import WORK, may
from correspondence.services.deadlines import case_deadlines_recompute
from intranet.models import NotificationKind
from workflow.lifecycle import case_locked, case_transition
from workflow.models import Escalation, EscalationRule, EscalationWhen, Notice
from workflow.notifications import notification_mail_queue, pool_leaders
from workflow.transitions import Action, allowed_actions


@dataclass(frozen=True)
class Due:
    case_id: int
    rule_id: int
    kind: str
    due_at: datetime


def _reached(rule: EscalationRule, now: datetime) -> QuerySet[CasePage]:
    cases = CasePage.objects.filter(pool_id=rule.pool_id)
    if rule.when == EscalationWhen.BREACH:
        cases = cases.filter(deadline_at__lt=now)
    else:
        cases = cases.filter(warning_at__lte=now, deadline_at__gte=now)
    done = Escalation.objects.filter(
        case_id=OuterRef("pk"), rule_id=rule.pk, kind=rule.when, due_at=OuterRef("deadline_at")
    )
    return cases.exclude(Exists(done)).order_by()


def escalations_due(*, now: datetime, limit: int = 1000) -> list[Due]:
    """The escalations of active rules that have come and are not done yet (read off the
    narrow deadline and warning indexes, per pool)."""
    due: list[Due] = []
    for rule in EscalationRule.objects.filter(active=True).order_by("pk"):
        rows = _reached(rule, now).values_list("pk", "deadline_at")[: limit - len(due)]
        due += [Due(pk, rule.pk, rule.when, deadline) for pk, deadline in rows]
        if len(due) >= limit:
            break
    return due


def escalations_run(*, now: datetime | None = None) -> int:
    """Carries out every escalation due now; returns how many this call did."""
    now = now or timezone.now()
    return sum(escalation_do(due=due, now=now) for due in escalations_due(now=now))


@transaction.atomic
def escalation_do(*, due: Due, now: datetime) -> bool:
    """One escalation, exactly once: False when another run did it, or the case moved on
    (closed, answered, its deadline changed) since it was read."""
    try:
        with transaction.atomic():
            _row, created = Escalation.objects.get_or_create(
                case_id=due.case_id,
                rule_id=due.rule_id,
                kind=due.kind,
                due_at=due.due_at,
                defaults={"created_at": now},
            )
    except IntegrityError:  # the other run committed between our look and our insert
        return False
    if not created:
        return False
    case = case_locked(due.case_id)
    if case.deadline_at != due.due_at or case.state == State.CLOSED:
        transaction.set_rollback(True)  # nothing done: free the key for its new deadline
        return False
    rule = EscalationRule.objects.select_related("pool").get(pk=due.rule_id)
    done = _act(case=case, rule=rule, kind=due.kind, now=now)
    log(
        instance=case,
        action="correspondence.case.escalate",
        data={"rule": rule.name, "rule_id": rule.pk, "kind": due.kind, "done": done},
    )
    return True


def _act(*, case: CasePage, rule: EscalationRule, kind: str, now: datetime) -> list[str]:
    done = []
    if rule.raise_urgency_to is not None and case.urgency < rule.raise_urgency_to:
        CasePage.objects.filter(pk=case.pk).update(urgency=rule.raise_urgency_to)
        case_deadlines_recompute(case=case, now=now)  # an urgency may have its own policy
        done.append("urgency")
    target = rule.reassign_to
    # A leader's reassignment (ASSIGN): not while the case waits on a department or approval.
    reassignable = Action.ASSIGN in allowed_actions(case.state)
    if (
        target is not None
        and reassignable
        and case.assignee_id != target.pk
        and may(target, WORK, case.pool)
    ):
        case_transition(
            case=case,
            action=Action.ASSIGN,
            user=None,
            log_action="correspondence.case.assign",
            data={"assignee": target.pk, "by_escalation": rule.name, "reason": rule.name},
            assignee=target,
            taken_at=now,
        )
        done.append("reassign")
    if rule.notify_leaders:
        _leaders_notify(case=case, rule=rule, kind=kind, now=now)
        done.append("notify")
    return done


def _leaders_notify(*, case: CasePage, rule: EscalationRule, kind: str, now: datetime) -> None:
    """A notice to each team leader of the pool, in their own language, on the board and,
    for those who chose so in their profile, by mail (in this exactly-once transaction)."""
    notices = []
    for leader in pool_leaders(case.pool):
        with translation.override(staff_language(leader)):
            text = (
                _("Case %(number)s is late (%(rule)s).")
                if kind == EscalationWhen.BREACH
                else _("Case %(number)s is about to be late (%(rule)s).")
            ) % {"number": case.number, "rule": rule.name}
        notices.append(Notice(user=leader, case=case, text=text[:500], created_at=now))
        notification_mail_queue(
            user=leader, case=case, kind=NotificationKind.ESCALATION, event=text
        )
    Notice.objects.bulk_create(notices)
