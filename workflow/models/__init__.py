"""Models of the workflow: the pools' routing rules and how they assign cases, and the
escalation of cases about to be late or late."""

from workflow.models.escalation import Escalation, EscalationRule, EscalationWhen, Notice
from workflow.models.rules import Assignment, RoutingRule, SenderTest

__all__ = [
    "Assignment",
    "Escalation",
    "EscalationRule",
    "EscalationWhen",
    "Notice",
    "RoutingRule",
    "SenderTest",
]
