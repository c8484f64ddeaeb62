"""Models of the workflow: the pools' routing rules and how they assign cases."""

from workflow.models.rules import Assignment, RoutingRule, SenderTest

__all__ = ["Assignment", "RoutingRule", "SenderTest"]
