"""A reply that waits for a team leader: Wagtail moderation of our answers (decision 3).

The reply is a model with Wagtail's draft, revision, lock and workflow mixins; it enters
the "Reply approval" workflow, whose one task (``PoolLeaderApprovalTask``) is approval
by the team leaders of the case's pool. Until the workflow finishes nothing is sent; a
leader's edit before approving is a revision; the approved (published) text is what
leaves, once (``outgoing`` is set when it does).
"""

from collections.abc import Callable
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    Task,
    TaskState,
    WorkflowMixin,
)


class PendingReply(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """An operator's answer to the customer that leaves only once a team leader approves."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved and sent")
        REJECTED = "rejected", _("Rejected")

    case = models.ForeignKey(
        "correspondence.CasePage",
        on_delete=models.CASCADE,
        related_name="pending_replies",
        verbose_name=_("case"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="replies_for_approval",
        verbose_name=_("author"),
    )
    to = models.TextField(_("to"), help_text=_("Addresses separated by commas."))
    cc = models.TextField(_("cc"), blank=True)
    text = models.TextField(_("text"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status, default=Status.PENDING, editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    comment = models.TextField(_("comment"), blank=True, editable=False)
    outgoing = models.OneToOneField(
        "correspondence.OutgoingMail",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="approved_reply",
        editable=False,
        help_text=_("The mail that left once approved: set once, never twice."),
    )
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="pending_reply")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="pending_reply",
        for_concrete_model=False,
    )

    panels = [FieldPanel("to"), FieldPanel("cc"), FieldPanel("text")]

    class Meta:
        verbose_name = _("reply awaiting approval")
        verbose_name_plural = _("replies awaiting approval")
        indexes = [models.Index(fields=["status", "case"], name="pending_reply_status_case")]

    def __str__(self) -> str:
        return f"{self.case.number}: {self.text[:60]}"

    @property
    def revisions(self) -> Any:
        return self._revisions

    def addresses(self, field: str) -> list[str]:
        """The addresses of ``to`` or ``cc`` as a list."""
        value = getattr(self, field).replace(";", ",")
        return [a.strip() for a in value.split(",") if a.strip()]


def pending_file_upload_to(instance: "PendingReplyFile", filename: str) -> str:
    return f"pending-replies/{instance.pending_id}/{filename}"


class PendingReplyFile(models.Model):
    """A file the author attached to a reply awaiting approval; it leaves with the reply."""

    pending = models.ForeignKey(PendingReply, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(_("file"), upload_to=pending_file_upload_to)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=255)

    class Meta:
        verbose_name = _("attachment of a reply awaiting approval")
        verbose_name_plural = _("attachments of replies awaiting approval")

    def __str__(self) -> str:
        return self.filename


class PoolLeaderApprovalTask(Task):
    """Approval by the team leaders of the reply's pool (or a leader's substitute while
    the leader is absent); never by the reply's author.

    Who may approve is answered by ``approver_check``, which the workflow app sets when it
    is ready to ``workflow.approval.reply_may_approve`` (the pool permission, from the
    permissions module): a model does not import the services above it.
    """

    approver_check: ClassVar[Callable[[PendingReply, Any], bool] | None] = None
    reviewable_ids: ClassVar[Callable[[Any], list[int]] | None] = None

    def _may(self, obj: Any, user: Any) -> bool:
        check = type(self).approver_check
        return isinstance(obj, PendingReply) and check is not None and check(obj, user)

    def user_can_access_editor(self, obj: Any, user: Any) -> bool:
        return self._may(obj, user)

    def locked_for_user(self, obj: Any, user: Any) -> bool:
        return not self._may(obj, user)

    def user_can_lock(self, obj: Any, user: Any) -> bool:
        return self._may(obj, user)

    def get_actions(self, obj: Any, user: Any) -> list[tuple[str, Any, bool]]:
        if not self._may(obj, user):
            return []
        return [
            ("reject", _("Reject with a comment"), True),
            ("approve", _("Approve and send"), False),
        ]

    def get_task_states_user_can_moderate(self, user: Any, **kwargs: Any) -> Any:
        find = type(self).reviewable_ids
        ids = [str(pk) for pk in find(user)] if find is not None else []
        return self.task_states.filter(
            status=TaskState.STATUS_IN_PROGRESS, workflow_state__object_id__in=ids
        )

    @classmethod
    def get_description(cls) -> Any:
        return _("The team leaders of the reply's pool approve it; nobody approves their own.")

    class Meta:
        verbose_name = _("approval by the pool's team leaders")
        verbose_name_plural = _("approvals by the pool's team leaders")
