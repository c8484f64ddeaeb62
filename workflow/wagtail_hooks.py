"""Log actions of the workflow, so the audit log names them in every language."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks

LOG_ACTIONS = {
    "workflow.rule.create": (_("Routing rule created"), _("Routing rule created")),
    "workflow.rule.change": (_("Routing rule changed"), _("Routing rule changed")),
    "workflow.rule.delete": (_("Routing rule deleted"), _("Routing rule deleted")),
    "workflow.rule.reorder": (_("Routing rule moved"), _("Routing rule moved in the order")),
    "workflow.rule.apply": (_("Routed by a rule"), _("Routed by a rule")),
}


@hooks.register("register_log_actions")
def register_workflow_log_actions(actions: object) -> None:
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)  # type: ignore[attr-defined]
