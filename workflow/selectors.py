"""Reads of the workflow: what this user may do on a case, and the cases left untouched."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.db.models.functions import Coalesce

from correspondence.models import (
    CasePage,
    Category,
    Department,
    Message,
    ReplyDraft,
    ResolutionType,
    State,
    Urgency,
)
from correspondence.outbox.texts import quick_replies_for
from correspondence.permissions import LEAD, VIEW, WORK, acts_for, may, pools_for
from correspondence.selectors import case_questions
from workflow.approval import reply_may_approve
from workflow.colleagues import colleague_questions_of, colleagues_choice
from workflow.models import Consultation, PendingReply


def case_panel(*, user: Any, case: CasePage) -> dict[str, Any]:
    """The actions the page offers this user, with the choices each one needs."""
    works = may(user, WORK, case.pool)
    leads = may(user, LEAD, case.pool)
    mine = case.assignee_id is not None and case.assignee_id in acts_for(user)
    owner_or_leader = works and (mine or case.assignee_id is None or leads)
    return {
        "can_take": works and case.state == State.NEW,
        "can_work": owner_or_leader and case.state == State.TAKEN,
        "can_reopen": works and case.state == State.CLOSED,
        "can_note": works,
        "can_assign": leads and case.state in (State.NEW, State.TAKEN),
        "can_transfer": (leads or mine) and case.state in (State.NEW, State.TAKEN),
        "can_classify": works and case.state != State.CLOSED,
        "resolution_types": ResolutionType.objects.filter(active=True),
        "categories": Category.objects.filter(
            Q(pool=case.pool) | Q(pool__isnull=True), active=True
        ),
        "urgencies": Urgency.choices,
        "operators": _pool_operators(case) if leads else [],
        "can_hand_over": (mine or leads) and case.state == State.TAKEN,
        "colleagues": [u for u in _pool_operators(case) if u.pk != case.assignee_id]
        if (mine or leads) and case.state == State.TAKEN
        else [],
        "pools": pools_for(user, VIEW).exclude(pk=case.pool_id) if (leads or mine) else [],
        "can_reply": (mine or leads) and case.state == State.TAKEN,
        "quick_replies": (
            quick_replies_for(case=case, operator=user)
            if (mine or leads) and case.state == State.TAKEN
            else []
        ),
        "draft": ReplyDraft.objects.filter(case=case, user=user).first(),
        "questions": _questions(case),
        **_approval(user, case),
        **_consultation(user, case, mine or leads),
    }


def _consultation(user: Any, case: CasePage, mine_or_leads: bool) -> dict[str, Any]:
    """The case's consultations and, for its operator or a leader, what a new one offers."""
    can_consult = (
        mine_or_leads
        and may(user, WORK, case.pool)
        and case.state
        in (
            State.TAKEN,
            State.CONSULTATION,
        )
    )
    messages = (
        Message.objects.filter(case=case, kind__in=[Message.Kind.INBOUND, Message.Kind.OUTBOUND])
        .prefetch_related("attachments")
        .order_by("date", "pk")
        if can_consult
        else []
    )
    return {
        "consultations": list(
            Consultation.objects.filter(case=case).select_related("department", "asked_by")
        ),
        "can_consult": can_consult,
        "departments": Department.objects.filter(active=True) if can_consult else [],
        "consult_messages": messages,
        "colleague_questions": colleague_questions_of(case=case),
        "consultable": colleagues_choice(user=user) if can_consult else [],
    }


def _approval(user: Any, case: CasePage) -> dict[str, Any]:
    """The reply waiting on this case and whether this user decides on it; for its
    operator, the last rejection with the leader's comment while they rework it."""
    pending = (
        PendingReply.objects.filter(case=case, status=PendingReply.Status.PENDING)
        .select_related("author", "case__pool")
        .first()
    )
    rejected = None
    if case.state == State.TAKEN:
        rejected = (
            PendingReply.objects.filter(
                case=case, status=PendingReply.Status.REJECTED, author_id=user.pk
            )
            .select_related("decided_by")
            .order_by("-decided_at")
            .first()
        )
    return {
        "pending_reply": pending,
        "can_decide": pending is not None and reply_may_approve(pending, user),
        "rejected_reply": rejected,
    }


def _questions(case: CasePage) -> list[dict[str, Any]]:
    """The case's questions (category, pool, mailbox) with the answers given so far."""
    return [
        {"question": q, "answer": case.answers.get(q.key, ""), "choices": q.choice_list()}
        for q in case_questions(case=case)
    ]


def _pool_operators(case: CasePage) -> list[Any]:
    users = get_user_model().objects.filter(pool_memberships__pool=case.pool, is_active=True)
    return [u for u in users.order_by("first_name", "username") if may(u, WORK, case.pool)]


def cases_untouched(*, now: datetime, minutes: int) -> list[int]:
    """Ids of taken cases nobody has worked on for `minutes` (anti-hoarding)."""
    limit = now - timedelta(minutes=minutes)
    return list(
        CasePage.objects.filter(state=State.TAKEN)
        .annotate(last=Coalesce("touched_at", "taken_at"))
        .filter(Q(last__lt=limit) | Q(last__isnull=True))
        .values_list("pk", flat=True)
    )
