"""The Wagtail admin of the workflow: log action names in every language, and the
calendars, service-level policies and escalation rules administrators edit."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from correspondence.models import ServiceLevelPolicy, WorkingCalendar
from intranet.models import Absence
from workflow.approval import reply_edit_record
from workflow.models import EscalationRule, PendingReply
from workflow.tasks import policy_cases_recompute_task

LOG_ACTIONS = {
    "workflow.rule.create": (_("Routing rule created"), _("Routing rule created")),
    "workflow.rule.change": (_("Routing rule changed"), _("Routing rule changed")),
    "workflow.rule.delete": (_("Routing rule deleted"), _("Routing rule deleted")),
    "workflow.rule.reorder": (_("Routing rule moved"), _("Routing rule moved in the order")),
    "workflow.rule.apply": (_("Routed by a rule"), _("Routed by a rule")),
    "correspondence.case.reply_submitted": (
        _("Reply sent for approval"),
        _("Reply sent for approval"),
    ),
    "correspondence.case.reply_edited": (
        _("Reply edited by the approver"),
        _("Reply edited by the approver"),
    ),
    "correspondence.case.reply_approved": (
        _("Reply approved and sent"),
        _("Reply approved and sent"),
    ),
    "correspondence.case.reply_rejected": (_("Reply rejected"), _("Reply rejected")),
    "correspondence.case.colleagues_consult": (
        _("Colleagues consulted"),
        _("Colleagues consulted"),
    ),
    "correspondence.case.colleague_answer": (_("A colleague answered"), _("A colleague answered")),
    "correspondence.case.consult": (_("Consultation sent"), _("Consultation sent")),
    "correspondence.case.consultation_answered": (
        _("Consultation answered"),
        _("Consultation answered"),
    ),
    "correspondence.case.consultation_reminder": (
        _("Consultation reminder sent"),
        _("Consultation reminder sent"),
    ),
    "correspondence.case.deadlines": (_("Deadlines set"), _("Deadlines set")),
    "correspondence.case.clock_pause": (_("Clock stopped"), _("Clock stopped")),
    "correspondence.case.clock_resume": (_("Clock restarted"), _("Clock restarted")),
    "correspondence.case.escalate": (_("Escalated"), _("Escalated")),
}


def _name_of(user_id: Any) -> str:
    user = get_user_model().objects.filter(pk=user_id).first()
    return (user.get_full_name() or user.get_username()) if user else "—"


class HandOverFormatter(LogFormatter):
    """ "Handed over to Bruno Bianchi": the timeline names the colleague."""

    label = _("Handed over to a colleague")

    def format_message(self, log_entry: Any) -> str:
        return gettext("Handed over to %(name)s") % {"name": _name_of(log_entry.data.get("to"))}


@hooks.register("register_log_actions")
def register_workflow_log_actions(actions: Any) -> None:
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)  # type: ignore[attr-defined]
    actions.register_action("correspondence.case.hand_over")(HandOverFormatter)


class PendingReplyPermissionPolicy(ModelPermissionPolicy):
    """A reply for approval is part of its case's record: it is written in the intranet
    (never added in the admin), never deleted, and once decided (sent or rejected) no
    longer changed, reverted, locked or published, whoever asks, a superuser included."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in ("add", "delete"):
            return False
        return bool(super().user_has_permission(user, action))

    def user_has_permission_for_instance(self, user: Any, action: str, instance: Any) -> bool:
        if action in ("add", "delete"):
            return False
        if action != "view" and instance.status != PendingReply.Status.PENDING:
            return False
        return bool(super().user_has_permission_for_instance(user, action, instance))


register_permission_policy(PendingReply, PendingReplyPermissionPolicy(PendingReply))


@hooks.register("before_edit_snippet")
def decided_reply_edit_refuse(request: HttpRequest, instance: Any) -> HttpResponse | None:
    """The editor (and its "revert to this revision") refuses a decided reply: the
    model-wide "change" permission the editor checks cannot tell a decided one."""
    if not isinstance(instance, PendingReply):
        return None
    # From the database: the revert view hands over the revision's copy, still pending.
    status = PendingReply.objects.filter(pk=instance.pk).values_list("status", flat=True)
    if status.first() == PendingReply.Status.PENDING:
        return None
    messages.error(
        request,
        _("This reply has been decided: it is part of the case's record and cannot change."),
    )
    return redirect(reverse(instance.snippet_viewset.get_url_name("history"), args=[instance.pk]))


@hooks.register("after_edit_snippet")
def reply_edit_on_timeline(request: HttpRequest, instance: Any) -> None:
    """A leader's edit of a waiting reply in the admin shows on the case, as in the intranet."""
    if isinstance(instance, PendingReply):
        reply_edit_record(pending_id=instance.pk, user=request.user)


class PendingReplyViewSet(SnippetViewSet):
    """Replies awaiting approval in the admin: Wagtail's workflow, history and revisions."""

    model = PendingReply
    icon = "tasks"
    menu_label = _("Replies for approval")
    list_display = ["case", "author", "status", "created_at"]
    list_filter = ["status"]
    add_to_admin_menu = False


register_snippet(PendingReplyViewSet)


class AbsenceViewSet(SnippetViewSet):
    """Absences and substitutes, kept by administrators and team leaders in the admin."""

    model = Absence
    icon = "date"
    menu_label = _("Absences")
    list_display = ["user", "starts_at", "ends_at", "substitute"]
    add_to_admin_menu = True


register_snippet(AbsenceViewSet)


class CalendarViewSet(SnippetViewSet):
    model = WorkingCalendar
    icon = "date"
    list_display = ["name", "country", "time_zone"]


class PolicyViewSet(SnippetViewSet):
    model = ServiceLevelPolicy
    icon = "time"
    list_display = ["name", "pool", "category", "channel", "unit", "close_within", "active"]
    list_filter = ["active", "unit"]


class EscalationRuleViewSet(SnippetViewSet):
    model = EscalationRule
    icon = "warning"
    list_display = ["name", "pool", "when", "notify_leaders", "raise_urgency_to", "active"]
    list_filter = ["pool", "when", "active"]


class DeadlinesViewSetGroup(SnippetViewSetGroup):
    items = (PolicyViewSet, CalendarViewSet, EscalationRuleViewSet)
    menu_icon = "time"
    menu_label = _("Deadlines")
    menu_name = "deadlines"


register_snippet(DeadlinesViewSetGroup)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
def policy_changed(request: Any, instance: Any) -> None:
    """A saved policy or calendar recomputes the due times of the open cases it may
    concern, in the background (there may be many)."""
    if isinstance(instance, ServiceLevelPolicy):
        ids = [instance.pk]
    elif isinstance(instance, WorkingCalendar):
        ids = list(
            ServiceLevelPolicy.objects.filter(calendar=instance).values_list("pk", flat=True)
        )
    else:
        return
    for policy_id in ids:
        transaction.on_commit(lambda pk=policy_id: policy_cases_recompute_task.delay(pk))
