from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save
        from wagtail.models import PageLogEntry
        from wagtail.signals import workflow_cancelled, workflow_rejected

        from workflow import approval
        from workflow.models import PoolLeaderApprovalTask

        # The approval task (a model) asks the services above it through these hooks.
        PoolLeaderApprovalTask.approver_check = staticmethod(approval.reply_may_approve)
        PoolLeaderApprovalTask.reviewable_ids = staticmethod(approval.reviewable_ids)
        workflow_rejected.connect(_reply_rejected, dispatch_uid="workflow.reply_rejected")
        workflow_cancelled.connect(_reply_cancelled, dispatch_uid="workflow.reply_cancelled")
        # Each new entry of a case's log may tell someone by mail, in its transaction.
        post_save.connect(
            _log_entry_written, sender=PageLogEntry, dispatch_uid="workflow.notification_mails"
        )


def _reply_rejected(sender: Any, instance: Any, user: Any = None, **kwargs: Any) -> None:
    from workflow.approval import reply_rejected

    reply_rejected(workflow_state=instance, user=user)


def _reply_cancelled(sender: Any, instance: Any, user: Any = None, **kwargs: Any) -> None:
    from workflow.approval import reply_cancelled

    reply_cancelled(workflow_state=instance, user=user)


def _log_entry_written(sender: Any, instance: Any, created: bool = False, **kwargs: Any) -> None:
    from workflow.notifications import notification_mails_queue

    if created and not kwargs.get("raw"):
        notification_mails_queue(entry=instance)
