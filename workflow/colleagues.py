"""Consulting colleagues inside the intranet (S4-4): up to five colleagues of any pool
read the question on the case and answer there; no e-mail leaves.

A colleague who does not see the case's pool is invited to that one case as a guest
(``CaseGuest``) until they have answered. Every step is logged on the case.

While one of its questions has no answer from any colleague, the case carries a mark,
``CasePage.colleagues_asked_at`` (waiting since), shown and filtered in the lists and
counted on the board; the asked colleagues find the questions on "My work" and "Waiting
for me". It is a mark and not a lifecycle state because nothing about the case's work
stops: the operator keeps the case and may answer the customer, consult a department,
send a reply for approval or close it while colleagues think, and the case's clock runs
on (a department's consultation, by contrast, hands the question outside and may stop
the clock). A state would have to be left for each of those actions, and a case awaiting
approval or a department could not also be waiting for colleagues.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Min, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.models import CaseGuest, CasePage, State
from correspondence.permissions import (
    LEAD,
    VIEW,
    WORK,
    acts_for,
    may,
    require_case_permission,
)
from intranet.models import UserProfile
from workflow.lifecycle import case_locked
from workflow.models import ColleagueAnswer, ColleagueQuestion

MAX_COLLEAGUES = 5


def colleagues_choice(*, user: Any) -> list[tuple[Any, str]]:
    """Everyone who could be consulted, with their presence: the active members of any
    pool but the user, the available first."""
    users = (
        get_user_model()
        .objects.filter(is_active=True, pool_memberships__isnull=False)
        .exclude(pk=user.pk)
        .distinct()
        .select_related("profile")
        .order_by("first_name", "username")
    )
    rank = {UserProfile.Presence.AVAILABLE: 0, UserProfile.Presence.BUSY: 1}
    found = [(u, getattr(getattr(u, "profile", None), "presence", "offline")) for u in users]
    return sorted(found, key=lambda pair: rank.get(pair[1], 2))


@transaction.atomic
def colleagues_consult(
    *, case_id: int, user: Any, colleague_ids: Sequence[int], question: str
) -> ColleagueQuestion:
    """Asks up to five colleagues a question on the case; those outside its pool are
    invited to it. CaseActionInvalid for a blank question or a wrong number of colleagues."""
    case = case_locked(case_id)
    require_case_permission(user, WORK, case)
    if case.assignee_id not in acts_for(user) and not may(user, LEAD, case.pool):
        raise CaseActionDenied(_("Only the case's operator or a team leader may consult."))
    if case.state == State.CLOSED:
        raise CaseActionDenied(_("The case is closed."))
    ids = sorted(set(colleague_ids) - {user.pk})
    if not question.strip():
        raise CaseActionInvalid(_("Write the question for your colleagues."))
    if not 1 <= len(ids) <= MAX_COLLEAGUES:
        raise CaseActionInvalid(_("Choose between one and five colleagues."))
    colleagues = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(colleagues) != len(ids):
        raise CaseActionInvalid(_("One of the colleagues cannot be consulted."))
    now = timezone.now()
    asked = ColleagueQuestion.objects.create(
        case=case, asked_by=user, question=question.strip(), asked_at=now
    )
    ColleagueAnswer.objects.bulk_create(
        [ColleagueAnswer(question=asked, colleague=c) for c in colleagues]
    )
    for colleague in colleagues:
        if not may(colleague, VIEW, case.pool):
            CaseGuest.objects.update_or_create(
                case=case,
                user=colleague,
                defaults={"invited_by": user, "invited_at": now, "active": True},
            )
    if case.colleagues_asked_at is None:
        CasePage.objects.filter(pk=case.pk).update(colleagues_asked_at=now)
    log(
        instance=case,
        action="correspondence.case.colleagues_consult",
        user=user,
        data={"question": asked.pk, "colleagues": ids},
    )
    return asked


@transaction.atomic
def colleague_answer_give(*, answer_id: int, user: Any, text: str) -> ColleagueAnswer:
    """The consulted colleague answers on the case; a guest's invitation then ends."""
    answer = (
        ColleagueAnswer.objects.select_for_update()
        .select_related("question__case")
        .get(pk=answer_id)
    )
    if answer.colleague_id != user.pk:
        raise CaseActionDenied(_("This question was asked to someone else."))
    if answer.answered_at is not None:
        raise CaseActionDenied(_("You have already answered."))
    if not text.strip():
        raise CaseActionInvalid(_("The answer is empty."))
    now = timezone.now()
    case = case_locked(answer.question.case_id)
    ColleagueAnswer.objects.filter(pk=answer.pk).update(text=text.strip(), answered_at=now)
    CasePage.objects.filter(pk=case.pk).update(colleagues_asked_at=_waiting_since(case.pk))
    CaseGuest.objects.filter(case=case, user_id=user.pk).update(active=False)
    log(
        instance=case,
        action="correspondence.case.colleague_answer",
        user=user,
        data={"question": answer.question_id},
    )
    answer.refresh_from_db()
    return answer


def _waiting_since(case_id: int) -> datetime | None:
    """When the oldest of the case's questions no colleague has answered was asked; None
    when every question has at least one answer."""
    unanswered = ColleagueQuestion.objects.filter(case_id=case_id).exclude(
        answers__answered_at__isnull=False
    )
    return unanswered.aggregate(since=Min("asked_at"))["since"]


def colleague_questions_of(*, case: CasePage) -> list[ColleagueQuestion]:
    """The case's questions to colleagues with their answers, oldest first."""
    return list(
        ColleagueQuestion.objects.filter(case=case)
        .select_related("asked_by")
        .prefetch_related("answers__colleague")
    )


def colleague_questions_open(*, user: Any) -> QuerySet[ColleagueAnswer]:
    """The questions colleagues asked this user that they have not answered yet, on cases
    still open."""
    return (
        ColleagueAnswer.objects.filter(colleague_id=user.pk, answered_at__isnull=True)
        .exclude(question__case__state=State.CLOSED)
        .select_related("question__case", "question__asked_by")
        .order_by("question__asked_at")
    )
