"""Log actions of the workflow, so the audit log names them in every language."""

from typing import Any

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _g
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter

LOG_ACTIONS = {
    "workflow.rule.create": (_("Routing rule created"), _("Routing rule created")),
    "workflow.rule.change": (_("Routing rule changed"), _("Routing rule changed")),
    "workflow.rule.delete": (_("Routing rule deleted"), _("Routing rule deleted")),
    "workflow.rule.reorder": (_("Routing rule moved"), _("Routing rule moved in the order")),
    "workflow.rule.apply": (_("Routed by a rule"), _("Routed by a rule")),
}


def _name_of(user_id: Any) -> str:
    user = get_user_model().objects.filter(pk=user_id).first()
    return (user.get_full_name() or user.get_username()) if user else "—"


class HandOverFormatter(LogFormatter):
    """ "Handed over to Bruno Bianchi": the timeline names the colleague."""

    label = _("Handed over to a colleague")

    def format_message(self, log_entry: Any) -> str:
        return _g("Handed over to %(name)s") % {"name": _name_of(log_entry.data.get("to"))}


@hooks.register("register_log_actions")
def register_workflow_log_actions(actions: Any) -> None:
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)
    actions.register_action("correspondence.case.hand_over")(HandOverFormatter)
