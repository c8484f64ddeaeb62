"""The Wagtail admin of the workflow: log action names in every language, and the
calendars, service-level policies and escalation rules administrators edit."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from correspondence.models import ServiceLevelPolicy, WorkingCalendar
from workflow.models import EscalationRule
from workflow.tasks import policy_cases_recompute_task

LOG_ACTIONS = {
    "workflow.rule.create": (_("Routing rule created"), _("Routing rule created")),
    "workflow.rule.change": (_("Routing rule changed"), _("Routing rule changed")),
    "workflow.rule.delete": (_("Routing rule deleted"), _("Routing rule deleted")),
    "workflow.rule.reorder": (_("Routing rule moved"), _("Routing rule moved in the order")),
    "workflow.rule.apply": (_("Routed by a rule"), _("Routed by a rule")),
    "correspondence.case.deadlines": (_("Deadlines set"), _("Deadlines set")),
    "correspondence.case.clock_pause": (_("Clock stopped"), _("Clock stopped")),
    "correspondence.case.clock_resume": (_("Clock restarted"), _("Clock restarted")),
    "correspondence.case.escalate": (_("Escalated"), _("Escalated")),
}


@hooks.register("register_log_actions")
def register_workflow_log_actions(actions: object) -> None:
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)  # type: ignore[attr-defined]


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
