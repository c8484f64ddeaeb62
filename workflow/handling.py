"""Services around the work on a case: notes, transfer (whose change of state is the
lifecycle's), classification. Each checks the pool permission, asks for a reason where
the brief says so, and is logged."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.models import CasePage, Category, Message, PoolPage
from correspondence.permissions import LEAD, VIEW, WORK, acts_for, may, require_case_permission
from correspondence.selectors import answer_problem, case_questions
from correspondence.services.cases import month_page_for
from correspondence.services.deadlines import case_deadline_refresh, case_deadlines_recompute
from workflow.lifecycle import case_locked, case_transfer_to
from workflow.transitions import Action, allowed_actions


@transaction.atomic
def case_note_add(*, case_id: int, user: Any, text: str) -> Message:
    """Adds an internal note to the case's timeline; never leaves the house."""
    case = case_locked(case_id)
    require_case_permission(user, WORK, case)
    if not text.strip():
        raise CaseActionInvalid(_("A note needs some text."))
    note = Message.objects.create(
        case=case,
        kind=Message.Kind.NOTE,
        author=user,
        date=timezone.now(),
        from_name=user.get_full_name() or user.get_username(),
        text=text.strip(),
    )
    CasePage.objects.filter(pk=case.pk).update(touched_at=note.date)
    log(instance=case, action="correspondence.case.note", user=user, data={"note": note.pk})
    return note


def _require_reason(reason: str) -> str:
    if not reason.strip():
        raise CaseActionInvalid(_("Please give a reason: it is kept in the case's history."))
    return reason.strip()


@transaction.atomic
def case_classify(
    *, case_id: int, user: Any, category: Category | None, urgency: int, reason: str
) -> CasePage:
    """Changes category and urgency; the reason is logged."""
    case = case_locked(case_id)
    require_case_permission(user, WORK, case)
    reason = _require_reason(reason)
    if category is not None and category.pool_id not in (None, case.pool_id):
        raise CaseActionInvalid(_("This category belongs to another pool."))
    before = {"category": case.category_id, "urgency": case.urgency}
    CasePage.objects.filter(pk=case.pk).update(
        category=category, urgency=urgency, touched_at=timezone.now()
    )
    case.refresh_from_db()
    log(
        instance=case,
        action="correspondence.case.classify",
        user=user,
        data={
            "before": before,
            "after": {"category": case.category_id, "urgency": case.urgency},
            "reason": reason,
        },
    )
    case_deadlines_recompute(case=case, user=user)  # another policy may apply now
    return case


@transaction.atomic
def case_transfer(*, case_id: int, user: Any, pool: PoolPage, reason: str) -> CasePage:
    """Moves the case to another pool, untaken, under that pool's month page.

    The number stays: customers and colleagues keep quoting it.
    """
    case = case_locked(case_id)
    reason = _require_reason(reason)
    if not (may(user, LEAD, case.pool) or case.assignee_id in acts_for(user)):
        raise CaseActionDenied(_("Only its operator or a team leader may transfer this case."))
    if not may(user, VIEW, pool):
        raise CaseActionDenied(
            _("You cannot send cases to the pool %(pool)s.") % {"pool": pool.title}
        )
    if Action.TRANSFER not in allowed_actions(case.state):
        raise CaseActionDenied(_("Only a new or taken case can move to another pool."))
    source = case.pool
    PoolPage.objects.select_for_update().get(pk=pool.pk)
    # Permission was checked above against the pools; Wagtail's page permissions do not apply.
    case.move(month_page_for(pool=pool, moment=case.received_at), pos="last-child")
    case = case_transfer_to(case=case, user=user, pool=pool, source=source, reason=reason)
    case_deadlines_recompute(case=case, user=user)
    case_deadline_refresh(case=case)
    return case


@transaction.atomic
def case_answers_save(*, case_id: int, user: Any, answers: dict[str, str]) -> CasePage:
    """Saves the answers to the case's questions (category, pool, mailbox); unknown keys
    are ignored; CaseActionInvalid names a value its question's kind refuses."""
    case = case_locked(case_id)
    require_case_permission(user, WORK, case)
    questions = {q.key: q for q in case_questions(case=case)}
    if not questions:
        raise CaseActionInvalid(_("Choose a category first: the questions come with it."))
    merged = dict(case.answers)
    for key, value in answers.items():
        question = questions.get(key)
        if question is None:
            continue
        problem = answer_problem(question, value)
        if problem is not None:
            raise CaseActionInvalid(problem % {"value": value, "label": question.label})
        merged[key] = value.strip()
    CasePage.objects.filter(pk=case.pk).update(answers=merged, touched_at=timezone.now())
    case.refresh_from_db()
    log(instance=case, action="correspondence.case.answers", user=user, data={"answers": merged})
    return case
