"""Models of the workflow: assignment rules and what take-next and balancing need."""

from workflow.models.rules import Assignment, RoutingRule, SenderTest

__all__ = ["Assignment", "RoutingRule", "SenderTest"]
