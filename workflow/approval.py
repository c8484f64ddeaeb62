"""Approval of replies (decision 3): an answer of a user flagged as needing approval
waits, as a ``PendingReply`` in Wagtail's "Reply approval" workflow, for a team leader
of the case's pool.

The leader approves (the reply leaves through the outbox exactly once), edits then
approves (the edit is a revision and the edited text leaves) or rejects with a comment
(the case goes back to its operator, who sees the comment). Nobody approves their own
reply; a leader's substitute may while the leader is absent. The intranet and the
Wagtail admin act through the same workflow task, so each decision is made once,
whoever makes it and wherever: the workflow's end (``approval_workflow_finish``, which
``WAGTAIL_FINISH_WORKFLOW_ACTION`` names through ``workflow.wagtail_finish``) sends, its
rejection (``reply_rejected``, on ``workflow_rejected``) returns the case, and so does an
approval an administrator cancels there (``reply_cancelled``, on ``workflow_cancelled``).
Every step is logged on the case.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail.log_actions import log
from wagtail.models import TaskState, Workflow, WorkflowContentType, WorkflowState, WorkflowTask
from wagtail.workflows import publish_workflow_state

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.models import OutgoingMail, ReplyDraft
from correspondence.outbox.compose import OutgoingAttachment
from correspondence.outbox.texts import staff_language
from correspondence.permissions import LEAD, may, pools_for
from intranet.models import Absence
from workflow.lifecycle import case_locked, case_transition
from workflow.models import PendingReply, PendingReplyFile, PoolLeaderApprovalTask
from workflow.replies import Reply, reply_check, reply_needs_approval, reply_queue, reply_submit
from workflow.transitions import Action

WORKFLOW_NAME = "Reply approval"
TASK_NAME = "Approval by the pool's team leaders"


def approval_workflow() -> Workflow:
    """The "Reply approval" workflow with its one task, assigned to ``PendingReply``
    (created the first time it is needed; an administrator may rename it)."""
    content_type = ContentType.objects.get_for_model(PendingReply)
    assigned = WorkflowContentType.objects.filter(content_type=content_type).first()
    if assigned is not None:
        return assigned.workflow
    task = PoolLeaderApprovalTask.objects.filter(active=True).first()
    if task is None:
        task = PoolLeaderApprovalTask.objects.create(name=TASK_NAME)
    workflow = Workflow.objects.create(name=WORKFLOW_NAME)
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowContentType.objects.create(workflow=workflow, content_type=content_type)
    return workflow


def _absent_leaders_substituted_by(user: Any) -> list[Any]:
    now = timezone.now()
    absences = Absence.objects.filter(substitute_id=user.pk, starts_at__lte=now, ends_at__gt=now)
    return [absence.user for absence in absences.select_related("user")]


def reply_may_approve(pending: PendingReply, user: Any) -> bool:
    """Whether the user may decide on the reply: a team leader of its case's pool, or the
    substitute of one who is absent now; never its author, never once decided."""
    if not user.is_authenticated or pending.author_id == user.pk:
        return False
    if pending.status != PendingReply.Status.PENDING:
        return False
    pool = pending.case.pool
    if may(user, LEAD, pool):
        return True
    return any(may(leader, LEAD, pool) for leader in _absent_leaders_substituted_by(user))


def replies_awaiting(*, user: Any) -> QuerySet[PendingReply]:
    """The replies waiting for this user's decision, oldest first: in the pools they
    lead, or lead in place of an absent leader; never their own."""
    led = list(pools_for(user, LEAD).values_list("pk", flat=True))
    for leader in _absent_leaders_substituted_by(user):
        led += list(pools_for(leader, LEAD).values_list("pk", flat=True))
    return (
        PendingReply.objects.filter(status=PendingReply.Status.PENDING, case__pool_id__in=led)
        .exclude(author_id=user.pk)
        .select_related("case", "author")
        .order_by("created_at", "pk")
    )


def reviewable_ids(user: Any) -> list[int]:
    """Ids of ``replies_awaiting``: what Wagtail's "awaiting your review" panel lists."""
    return list(replies_awaiting(user=user).values_list("pk", flat=True))


@transaction.atomic
def reply_hand_in(*, case_id: int, user: Any, reply: Reply) -> OutgoingMail | PendingReply:
    """The operator's answer: queued at once (``reply_submit``), or, when the user needs
    approval on this case, held for the pool's team leaders and the case set awaiting
    approval. Nothing reaches the customer before approval."""
    case = case_locked(case_id)
    if not reply_needs_approval(user=user, case=case):
        return reply_submit(case_id=case_id, user=user, reply=reply)
    reply_check(user=user, case=case, reply=reply)
    pending = PendingReply.objects.create(
        case=case, author=user, to=", ".join(reply.to), cc=", ".join(reply.cc), text=reply.text
    )
    for item in reply.attachments:
        kept = PendingReplyFile(
            pending=pending, filename=item.filename[:255], content_type=item.content_type
        )
        kept.file.save(item.filename[:100] or "file", ContentFile(item.content), save=True)
    pending.live = False
    pending.save(update_fields=["live"])
    pending.save_revision(user=user)
    approval_workflow().start(pending, user)
    case_transition(
        case=case,
        action=Action.SUBMIT_FOR_APPROVAL,
        user=user,
        log_action="correspondence.case.reply_submitted",
        data={"reply": pending.pk},
    )
    ReplyDraft.objects.filter(case=case, user=user).delete()
    return pending


def _task_state(pending: PendingReply) -> TaskState:
    state = pending.current_workflow_state
    if state is None or state.current_task_state is None:
        raise CaseActionDenied(_("This reply no longer waits for approval."))
    return state.current_task_state.specific


def _require_approver(pending: PendingReply, user: Any) -> None:
    if pending.author_id == user.pk:
        raise CaseActionDenied(_("Nobody approves their own reply."))
    if not reply_may_approve(pending, user):
        raise CaseActionDenied(_("Only a team leader of the pool, or their substitute, decides."))


@transaction.atomic
def reply_approve(*, pending_id: int, user: Any, text: str | None = None) -> PendingReply:
    """Approves the reply; with ``text`` different from what it says, the leader's edit is
    saved first as a revision and the edited text is what leaves. Sending happens once,
    when the workflow finishes (``approval_workflow_finish``)."""
    pending = PendingReply.objects.select_for_update().get(pk=pending_id)
    _require_approver(pending, user)
    task_state = _task_state(pending)
    if text is not None and text.strip() and text.strip() != pending.text.strip():
        pending.text = text.strip()
        pending.save(update_fields=["text"])
        revision = pending.save_revision(user=user, log_action=True)
        log(
            instance=pending.case,
            action="correspondence.case.reply_edited",
            user=user,
            data={"reply": pending.pk, "revision": revision.pk},
        )
    task_state.task.specific.on_action(task_state, user, "approve")
    pending.refresh_from_db()
    return pending


@transaction.atomic
def reply_edit_record(*, pending_id: int, user: Any) -> bool:
    """Puts on the case's timeline an edit of a waiting reply made in Wagtail's editor (the
    intranet's edit-then-approve logs its own): its latest revision, when its text differs
    from the one before. Returns whether it was logged."""
    pending = PendingReply.objects.select_related("case").get(pk=pending_id)
    latest = list(pending.revisions.order_by("-created_at", "-pk")[:2])
    texts = [(revision.content or {}).get("text") for revision in latest]
    if not latest or (len(texts) == 2 and texts[0] == texts[1]):
        return False
    log(
        instance=pending.case,
        action="correspondence.case.reply_edited",
        user=user,
        data={"reply": pending.pk, "revision": latest[0].pk},
    )
    return True


@transaction.atomic
def reply_reject(*, pending_id: int, user: Any, comment: str) -> PendingReply:
    """Rejects the reply with a comment for its author; the case returns to them
    (``reply_rejected``). Raises CaseActionInvalid without a comment, CaseActionDenied
    when the user may not decide."""
    pending = PendingReply.objects.select_for_update().get(pk=pending_id)
    _require_approver(pending, user)
    if not comment.strip():
        raise CaseActionInvalid(_("Tell the author what to change: a comment is required."))
    task_state = _task_state(pending)
    task_state.task.specific.on_action(task_state, user, "reject", comment=comment.strip())
    pending.refresh_from_db()
    return pending


def approval_workflow_finish(workflow_state: WorkflowState, user: Any = None) -> None:
    """Wagtail's end of a successful workflow (``WAGTAIL_FINISH_WORKFLOW_ACTION``).

    A reply is published without Wagtail's model-wide "publish" permission (its task
    has just checked the pool's) and then sent; anything else is published as usual.
    """
    obj = workflow_state.content_object
    if not isinstance(obj, PendingReply):
        publish_workflow_state(workflow_state, user=user)
        return
    obj.get_latest_revision().publish(user=user, skip_permission_checks=True)
    reply_release(pending_id=obj.pk, user=user)


@transaction.atomic
def reply_release(*, pending_id: int, user: Any) -> OutgoingMail:
    """Sends the approved (published) text, once: a second call returns the same mail."""
    pending = PendingReply.objects.select_for_update().get(pk=pending_id)
    if pending.outgoing_id is not None:
        return pending.outgoing
    case = case_locked(pending.case_id)
    reply = Reply(
        to=pending.addresses("to"),
        cc=pending.addresses("cc"),
        text=pending.text,
        attachments=[_attachment_of(kept) for kept in pending.files.order_by("pk")],
    )
    outgoing = reply_queue(case=case, author=pending.author, reply=reply)
    PendingReply.objects.filter(pk=pending.pk).update(
        status=PendingReply.Status.APPROVED,
        decided_by=user,
        decided_at=timezone.now(),
        outgoing=outgoing,
    )
    case_transition(
        case=case,
        action=Action.APPROVE,
        user=user,
        log_action="correspondence.case.reply_approved",
        data={"reply": pending.pk, "author": pending.author_id, "message_id": outgoing.message_id},
    )
    return outgoing


def _attachment_of(kept: PendingReplyFile) -> OutgoingAttachment:
    with kept.file.open("rb") as handle:
        return OutgoingAttachment(kept.filename, kept.content_type, handle.read())


@transaction.atomic
def reply_rejected(*, workflow_state: WorkflowState, user: Any) -> None:
    """After a rejection (intranet or admin): the reply is marked rejected with the
    leader's comment, and the case returns to taken, to its operator."""
    obj = workflow_state.content_object
    if not isinstance(obj, PendingReply):
        return
    task_state = workflow_state.current_task_state
    comment = task_state.get_comment() if task_state is not None else ""
    _reply_returned(pending_id=obj.pk, user=user, comment=comment)


@transaction.atomic
def reply_cancelled(*, workflow_state: WorkflowState, user: Any) -> None:
    """After an administrator cancelled the approval in Wagtail's admin
    (``workflow_cancelled``): nobody can approve the reply any more, so it returns to
    its author as a rejection whose comment, in the author's language, says so, and
    the case goes back to taken instead of awaiting approval for ever."""
    obj = workflow_state.content_object
    if not isinstance(obj, PendingReply):
        return
    name = (user.get_full_name() or user.get_username()) if user else ""
    with translation.override(staff_language(obj.author)):
        comment = _(
            "The approval was cancelled in the administration by %(name)s: "
            "send the reply again if it should still leave."
        ) % {"name": name or "?"}
    _reply_returned(pending_id=obj.pk, user=user, comment=comment)


def _reply_returned(*, pending_id: int, user: Any, comment: str) -> None:
    """Marks a waiting reply rejected with ``comment``; its case returns to taken."""
    pending = PendingReply.objects.select_for_update().get(pk=pending_id)
    if pending.status != PendingReply.Status.PENDING:
        return  # decided already: nothing waits
    PendingReply.objects.filter(pk=pending.pk).update(
        status=PendingReply.Status.REJECTED,
        decided_by=user,
        decided_at=timezone.now(),
        comment=comment,
    )
    case_transition(
        case=case_locked(pending.case_id),
        action=Action.REJECT,
        user=user,
        log_action="correspondence.case.reply_rejected",
        data={"reply": pending.pk, "author": pending.author_id, "reason": comment},
    )
