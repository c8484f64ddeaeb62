"""Case actions from the intranet: thin views that call the workflow services.

A refused action (CaseActionDenied: no permission in the pool, wrong state) or unusable
input (CaseActionInvalid: a blank or wrong field) comes back to the case page as a clear
message; a user who may not even see the case gets a 404.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.models import CasePage, Category, Department, PoolPage, ResolutionType
from correspondence.outbox.compose import OutgoingAttachment
from correspondence.permissions import cases_visible_to
from intranet.presence import presence_touch
from workflow import approval, colleagues, consultation, handling, lifecycle, replies
from workflow import notifications as notices
from workflow.models import ColleagueAnswer, PendingReply
from workflow.replies import Reply
from workflow.taking import case_take_next
from workflow.viewing import case_viewers_touch


@login_required
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    """One button: the next case is the user's, and opens."""
    case = case_take_next(user=request.user)
    if case is None:
        messages.info(request, _("There is nothing waiting in your pools. Well done."))
        return redirect(request.POST.get("next") or "/")
    messages.success(request, _("Case %(number)s is yours.") % {"number": case.number})
    return redirect(case.url)


def _optional_int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _do_take(request: HttpRequest, case: CasePage) -> str:
    lifecycle.case_take(case_id=case.pk, user=request.user)
    return _("You took the case.")


def _do_release(request: HttpRequest, case: CasePage) -> str:
    lifecycle.case_release(
        case_id=case.pk, user=request.user, reason=request.POST.get("reason", "")
    )
    return _("The case is back in its pool.")


def _do_worked(request: HttpRequest, case: CasePage) -> str:
    lifecycle.case_mark_worked(case_id=case.pk, user=request.user)
    return _("Marked as worked.")


def _do_close(request: HttpRequest, case: CasePage) -> str:
    type_id = _optional_int(request.POST.get("resolution_type"))
    resolution = ResolutionType.objects.filter(pk=type_id, active=True).first()
    lifecycle.case_close(
        case_id=case.pk,
        user=request.user,
        resolution_type=resolution,
        resolution_text=request.POST.get("resolution_text", ""),
    )
    return _("The case is closed.")


def _do_reopen(request: HttpRequest, case: CasePage) -> str:
    lifecycle.case_reopen(case_id=case.pk, user=request.user, reason=request.POST.get("reason", ""))
    return _("The case is open again.")


def _do_note(request: HttpRequest, case: CasePage) -> str:
    handling.case_note_add(case_id=case.pk, user=request.user, text=request.POST.get("text", ""))
    return _("Note added.")


def _do_assign(request: HttpRequest, case: CasePage) -> str:
    assignee = get_object_or_404(get_user_model(), pk=_optional_int(request.POST.get("user")))
    lifecycle.case_assign(
        case_id=case.pk, user=request.user, assignee=assignee, reason=request.POST.get("reason", "")
    )
    return _("Assigned to %(name)s.") % {"name": assignee}


def _do_hand_over(request: HttpRequest, case: CasePage) -> str:
    colleague = get_object_or_404(get_user_model(), pk=_optional_int(request.POST.get("user")))
    lifecycle.case_hand_over(
        case_id=case.pk,
        user=request.user,
        colleague=colleague,
        reason=request.POST.get("reason", ""),
    )
    return _("Handed over to %(name)s.") % {"name": colleague.get_full_name() or colleague}


def _do_transfer(request: HttpRequest, case: CasePage) -> str:
    pool = get_object_or_404(PoolPage, pk=_optional_int(request.POST.get("pool")))
    handling.case_transfer(
        case_id=case.pk, user=request.user, pool=pool, reason=request.POST.get("reason", "")
    )
    return _("Moved to %(pool)s.") % {"pool": pool.title}


def _do_classify(request: HttpRequest, case: CasePage) -> str:
    category_id = _optional_int(request.POST.get("category"))
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    handling.case_classify(
        case_id=case.pk,
        user=request.user,
        category=category,
        urgency=_optional_int(request.POST.get("urgency")) or 0,
        reason=request.POST.get("reason", ""),
    )
    return _("Classification changed.")


def _addresses(value: str) -> list[str]:
    return [a.strip() for a in value.replace(";", ",").split(",") if a.strip()]


MAX_UPLOAD = 20 * 1024 * 1024


def _do_reply(request: HttpRequest, case: CasePage) -> str:
    files = request.FILES.getlist("attachments")
    if sum(f.size for f in files) > MAX_UPLOAD:
        raise CaseActionInvalid(_("Attachments may add up to 20 MB at most."))
    attachments = [
        OutgoingAttachment(
            filename=f.name,
            content=f.read(),
            content_type=f.content_type or "application/octet-stream",
        )
        for f in files
    ]
    reply = Reply(
        to=_addresses(request.POST.get("to", "")),
        cc=_addresses(request.POST.get("cc", "")),
        text=request.POST.get("text", ""),
        attachments=attachments,
    )
    handed_in = approval.reply_hand_in(case_id=case.pk, user=request.user, reply=reply)
    if isinstance(handed_in, PendingReply):
        return _("Your answer waits for a team leader's approval.")
    return _("Your answer is on its way.")


def _do_answers(request: HttpRequest, case: CasePage) -> str:
    answers = {k[len("answer_") :]: v for k, v in request.POST.items() if k.startswith("answer_")}
    handling.case_answers_save(case_id=case.pk, user=request.user, answers=answers)
    return _("Answers saved.")


def _pending_of(request: HttpRequest, case: CasePage) -> PendingReply:
    pending_id = _optional_int(request.POST.get("reply"))
    return get_object_or_404(PendingReply, pk=pending_id, case=case)


def _do_approve(request: HttpRequest, case: CasePage) -> str:
    pending = _pending_of(request, case)
    approval.reply_approve(pending_id=pending.pk, user=request.user, text=request.POST.get("text"))
    return _("Approved: the answer is on its way.")


def _do_reject(request: HttpRequest, case: CasePage) -> str:
    pending = _pending_of(request, case)
    approval.reply_reject(
        pending_id=pending.pk, user=request.user, comment=request.POST.get("comment", "")
    )
    return _("Rejected: the answer went back to its author.")


def _ids(request: HttpRequest, name: str) -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdigit()]


def _do_consult(request: HttpRequest, case: CasePage) -> str:
    department_id = _optional_int(request.POST.get("department"))
    department = get_object_or_404(Department, pk=department_id, active=True)
    consultation.consultation_send(
        case_id=case.pk,
        user=request.user,
        department=department,
        question=request.POST.get("question", ""),
        message_ids=_ids(request, "messages"),
        attachment_ids=_ids(request, "attachments"),
    )
    return _("The consultation is on its way to %(department)s.") % {"department": department}


def _do_colleagues(request: HttpRequest, case: CasePage) -> str:
    colleagues.colleagues_consult(
        case_id=case.pk,
        user=request.user,
        colleague_ids=_ids(request, "colleagues"),
        question=request.POST.get("question", ""),
    )
    return _("Your colleagues see the question on the case.")


ACTIONS: dict[str, Callable[[HttpRequest, CasePage], str]] = {
    "take": _do_take,
    "release": _do_release,
    "worked": _do_worked,
    "close": _do_close,
    "reopen": _do_reopen,
    "note": _do_note,
    "assign": _do_assign,
    "hand_over": _do_hand_over,
    "transfer": _do_transfer,
    "classify": _do_classify,
    "reply": _do_reply,
    "answers": _do_answers,
    "approve": _do_approve,
    "reject": _do_reject,
    "consult": _do_consult,
    "colleagues": _do_colleagues,
}


@login_required
@require_POST
def colleague_answer(request: HttpRequest, answer_id: int) -> HttpResponse:
    """A consulted colleague answers on the case, then returns to it."""
    answer = get_object_or_404(ColleagueAnswer, pk=answer_id, colleague_id=request.user.pk)
    case = answer.question.case
    try:
        colleagues.colleague_answer_give(
            answer_id=answer.pk, user=request.user, text=request.POST.get("text", "")
        )
        messages.success(request, _("Thank you: your answer is on the case."))
    except (CaseActionDenied, CaseActionInvalid) as exc:
        messages.error(request, str(exc))
        return redirect(case.url)
    return _back_to(case, request)


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """The replies waiting for this user's decision, in the pools they lead (or lead in
    place of an absent leader)."""
    waiting = approval.replies_awaiting(user=request.user)
    asked = colleagues.colleague_questions_open(user=request.user)
    return render(request, "workflow/approvals.html", {"waiting": waiting, "asked": asked})


@login_required
@require_POST
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """Runs one action on a case the user may see, then returns to the case page."""
    handler = ACTIONS.get(action)
    case = cases_visible_to(request.user).filter(pk=case_id).first()
    if handler is None or case is None:
        raise Http404
    try:
        messages.success(request, handler(request, case))
    except (CaseActionDenied, CaseActionInvalid) as exc:
        messages.error(request, str(exc))
    case.refresh_from_db()
    return _back_to(case, request)


def _back_to(case: CasePage, request: Any) -> HttpResponseRedirect:
    if case.pool_id and cases_visible_to(request.user).filter(pk=case.pk).exists():
        return redirect(case.url)
    return redirect("/")


@login_required
def case_viewers(request: HttpRequest, case_id: int) -> JsonResponse:
    """Keeps the user on the case's viewer list and says who else has it open."""
    case = cases_visible_to(request.user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    others = case_viewers_touch(case=case, user=request.user)
    return JsonResponse({"others": [u.get_full_name() or u.get_username() for u in others]})


@login_required
@require_POST
def case_draft(request: HttpRequest, case_id: int) -> JsonResponse:
    """Saves the reply being typed; the page calls it as the operator types."""
    case = cases_visible_to(request.user).filter(pk=case_id).first()
    if case is None:
        raise Http404
    try:
        draft = replies.reply_draft_save(
            case_id=case.pk,
            user=request.user,
            to=request.POST.get("to", ""),
            cc=request.POST.get("cc", ""),
            text=request.POST.get("text", ""),
        )
    except CaseActionDenied as exc:
        return JsonResponse({"error": str(exc)}, status=403)
    return JsonResponse({"saved_at": draft.updated_at.isoformat()})


@login_required
def notifications(request: HttpRequest) -> JsonResponse:
    """The unseen notices as JSON, for the top bar's counter (notifications.js), which
    says ``active=1`` when the user has been active since its last call."""
    if request.GET.get("active") == "1":
        presence_touch(user=request.user)
    return JsonResponse(notices.notifications_for(user=request.user))


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> JsonResponse:
    """The user opened the list: the counter starts again."""
    notices.notifications_seen(user=request.user)
    return JsonResponse({"count": 0})
