"""Services that move a case through the transition table: check, lock, change, log.

Each takes keyword arguments, runs in one transaction, checks the pool permission,
locks the case row, asks the transition table, writes with an UPDATE of the case row
(never a page save, which is slow and revisions nothing here), and logs the action.
"""

from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.models import CasePage, ResolutionType, State
from correspondence.permissions import LEAD, WORK, acts_for, may, require_case_permission
from correspondence.selectors import case_questions
from correspondence.services.audit import cases_log
from correspondence.services.deadlines import (
    case_clock_pause,
    case_clock_resume,
    case_deadline_refresh,
)
from workflow.transitions import Action, InvalidTransition, next_state


def case_locked(case_id: int) -> CasePage:
    """The case with its row locked until the transaction ends."""
    return CasePage.objects.select_for_update(of=("self",)).get(pk=case_id)


def case_transition(
    *,
    case: CasePage,
    action: Action,
    user: Any,
    log_action: str,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> CasePage:
    """Applies one transition to a locked case: new state and fields, then the log entry."""
    try:
        state = next_state(case.state, action)
    except InvalidTransition as exc:
        raise CaseActionDenied(
            _("Case %(number)s is %(state)s: this action is not possible now.")
            % {"number": case.number, "state": case.get_state_display()}
        ) from exc
    before = case.state
    CasePage.objects.filter(pk=case.pk).update(state=state, touched_at=timezone.now(), **fields)
    case.refresh_from_db()
    log(instance=case, action=log_action, user=user, data=data or {})
    _clock_follow(case, before)
    return case


def _clock_follow(case: CasePage, before: str) -> None:
    """The deadlines after a step: the clock stops entering a consultation and restarts
    leaving it (where the policy says so); the next deadline pending moves."""
    if case.state == State.CONSULTATION and before != State.CONSULTATION:
        case_clock_pause(case_id=case.pk, reason="consultation")
    elif before == State.CONSULTATION and case.state != State.CONSULTATION:
        case_clock_resume(case_id=case.pk)
    case.refresh_from_db()
    case_deadline_refresh(case=case)


def _require_owner_or_leader(user: Any, case: CasePage) -> None:
    require_case_permission(user, WORK, case)
    if case.assignee_id not in (None, *acts_for(user)) and not may(user, LEAD, case.pool):
        raise CaseActionDenied(
            _("Case %(number)s is being worked by %(name)s.")
            % {"number": case.number, "name": case.assignee}
        )


@transaction.atomic
def case_take(*, case_id: int, user: Any) -> CasePage:
    """The user takes a new case for themselves."""
    case = case_locked(case_id)
    require_case_permission(user, WORK, case)
    if case.state != State.NEW:
        raise CaseActionDenied(
            _("Case %(number)s has already been taken.") % {"number": case.number}
        )
    return case_transition(
        case=case,
        action=Action.TAKE,
        user=user,
        log_action="correspondence.case.take",
        assignee=user,
        taken_at=timezone.now(),
    )


@transaction.atomic
def case_assign(*, case_id: int, user: Any, assignee: Any, reason: str) -> CasePage:
    """A team leader hands the case to an operator of the pool; the reason is logged."""
    case = case_locked(case_id)
    require_case_permission(user, LEAD, case)
    _require_worker(assignee, case)
    return case_transition(
        case=case,
        action=Action.ASSIGN,
        user=user,
        log_action="correspondence.case.assign",
        data={"assignee": assignee.pk, "reason": reason},
        assignee=assignee,
        taken_at=timezone.now(),
    )


def _require_worker(assignee: Any, case: CasePage) -> None:
    if not may(assignee, WORK, case.pool):
        raise CaseActionDenied(
            _("%(name)s does not work in the pool %(pool)s.")
            % {"name": assignee, "pool": case.pool.title}
        )


@transaction.atomic
def case_hand_over(*, case_id: int, user: Any, colleague: Any, reason: str) -> CasePage:
    """The case's operator (or a team leader) hands it to a colleague of the pool.

    The reason is required (CaseActionInvalid) and shown on the case's timeline. Raises
    CaseActionDenied when the user may not, or the colleague does not work in the pool.
    """
    case = case_locked(case_id)
    _require_owner_or_leader(user, case)
    if not reason.strip():
        raise CaseActionInvalid(_("Please give a reason: it is kept in the case's history."))
    if colleague.pk == case.assignee_id:
        raise CaseActionDenied(_("The case is already %(name)s's.") % {"name": colleague})
    _require_worker(colleague, case)
    return case_transition(
        case=case,
        action=Action.HAND_OVER,
        user=user,
        log_action="correspondence.case.hand_over",
        data={"from": case.assignee_id, "to": colleague.pk, "reason": reason.strip()},
        assignee=colleague,
        taken_at=timezone.now(),
    )


def case_assign_by_rule(*, case: CasePage, user_id: int, rule_id: int) -> CasePage:
    """A routing rule gives a new, untaken case (locked by the caller) to an operator."""
    return case_transition(
        case=case,
        action=Action.ASSIGN,
        user=None,
        log_action="correspondence.case.take",
        data={"by_rule": rule_id, "assignee": user_id},
        assignee_id=user_id,
        taken_at=timezone.now(),
    )


def case_transfer_to(*, case: CasePage, user: Any, pool: Any, source: Any, reason: str) -> CasePage:
    """The state side of a transfer (the caller moved the page): untaken in ``pool``."""
    return case_transition(
        case=case,
        action=Action.TRANSFER,
        user=user,
        log_action="correspondence.case.transfer",
        data={"from": source.pk, "to": pool.pk, "reason": reason},
        pool=pool,
        assignee=None,
        taken_at=None,
    )


@transaction.atomic
def case_release(*, case_id: int, user: Any, reason: str = "") -> CasePage:
    """The case goes back to its pool, untaken (by its operator, a leader, or anti-hoarding)."""
    case = case_locked(case_id)
    if user is not None:
        _require_owner_or_leader(user, case)
    return case_transition(
        case=case,
        action=Action.RELEASE,
        user=user,
        log_action="correspondence.case.release",
        data={"from": case.assignee_id, "reason": reason},
        assignee=None,
        taken_at=None,
    )


@transaction.atomic
def case_mark_worked(*, case_id: int, user: Any) -> CasePage:
    """Records that the operator worked the case (the PEC back office's LAVORATO); in a
    pool that says so, "worked" also closes it with the pool's default resolution (refused,
    CaseActionInvalid, while a required question is unanswered)."""
    case = case_locked(case_id)
    _require_owner_or_leader(user, case)
    if case.state != State.TAKEN:
        raise CaseActionDenied(_("Only a case being worked can be marked as worked."))
    pool = case.pool
    closing = pool.worked_closes and pool.worked_resolution_id is not None
    text = str(_("Worked."))
    if closing:
        _require_closable(case, pool.worked_resolution, text)
    now = timezone.now()
    CasePage.objects.filter(pk=case.pk).update(worked_at=now, worked_by=user, touched_at=now)
    case.refresh_from_db()
    log(instance=case, action="correspondence.case.worked", user=user)
    if closing:
        case = case_transition(
            case=case,
            action=Action.CLOSE,
            user=user,
            log_action="correspondence.case.close",
            data={"resolution_type": pool.worked_resolution.name, "by": "worked"},
            resolution_type=pool.worked_resolution,
            resolution_text=text,
            closed_at=now,
        )
    return case


def _require_closable(case: CasePage, resolution_type: Any, resolution_text: str) -> None:
    missing = case_missing_for_close(
        case=case, resolution_type=resolution_type, resolution_text=resolution_text
    )
    if missing:
        raise CaseActionInvalid(
            _("The case cannot be closed until these are filled in: %(fields)s.")
            % {"fields": ", ".join(missing)}
        )


@transaction.atomic
def case_close(
    *, case_id: int, user: Any, resolution_type: ResolutionType, resolution_text: str
) -> CasePage:
    """Closes the case; CaseActionInvalid while the resolution or a required answer is missing."""
    case = case_locked(case_id)
    _require_owner_or_leader(user, case)
    _require_closable(case, resolution_type, resolution_text)
    return case_transition(
        case=case,
        action=Action.CLOSE,
        user=user,
        log_action="correspondence.case.close",
        data={"resolution_type": resolution_type.name, "resolution_text": resolution_text.strip()},
        resolution_type=resolution_type,
        resolution_text=resolution_text.strip(),
        closed_at=timezone.now(),
    )


def case_missing_for_close(
    *, case: CasePage, resolution_type: ResolutionType | None, resolution_text: str
) -> list[str]:
    """Names of what must be filled in before the case may close: the resolution, and
    every required question of the case (category, pool, mailbox), whatever its kind."""
    missing = []
    if resolution_type is None:
        missing.append(str(_("resolution type")))
    if not resolution_text.strip():
        missing.append(str(_("resolution")))
    for question in case_questions(case=case):
        if question.required and not str(case.answers.get(question.key, "")).strip():
            missing.append(question.label)
    return missing


@transaction.atomic
def case_reopen(*, case_id: int, user: Any, reason: str = "") -> CasePage:
    """Staff reactivate a closed case; it returns to whoever worked it."""
    case = case_locked(case_id)
    require_case_permission(user, WORK, case)
    return case_transition(
        case=case,
        action=Action.REOPEN,
        user=user,
        log_action="correspondence.case.reopen",
        data={"by": "staff", "reason": reason},
        closed_at=None,
        assignee=case.assignee or user,
    )


@transaction.atomic
def cases_customer_wrote(*, case_ids: Sequence[int]) -> None:
    """Records a customer's new message on each case (once per id given, repeats included);
    closed cases reopen, each counting one write-back. Locks the cases' rows."""
    cases = {
        case.pk: case
        for case in CasePage.objects.select_for_update(of=("self",))
        .filter(pk__in=set(case_ids))
        .order_by("pk")
    }
    for case in cases.values():
        # The customer answered: a stopped clock restarts. The row is locked and read
        # above, so a clock that is not stopped is known without asking again.
        if case.clock_paused_at is not None:
            case_clock_resume(case_id=case.pk, reason="customer")
        if case.state == State.CLOSED:
            case_transition(
                case=case,
                action=Action.REOPEN,
                user=None,
                log_action="correspondence.case.reopen",
                data={"by": "customer"},
                closed_at=None,
                writes_after_close=F("writes_after_close") + 1,
            )
    cases_log(
        cases=[cases[pk] for pk in case_ids if pk in cases],
        action="correspondence.case.customer_wrote",
    )
