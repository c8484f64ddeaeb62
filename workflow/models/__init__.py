"""Models of the workflow: assignment rules, calendars and service levels, escalation."""

from workflow.models.deadlines import (
    CalendarClosure,
    CaseClockPause,
    Country,
    ServiceLevelPolicy,
    WorkingCalendar,
)
from workflow.models.escalation import Escalation, EscalationRule, EscalationWhen, Notice
from workflow.models.rules import Assignment, RoutingRule, SenderTest

__all__ = [
    "Assignment",
    "CalendarClosure",
    "CaseClockPause",
    "Country",
    "Escalation",
    "EscalationRule",
    "EscalationWhen",
    "Notice",
    "RoutingRule",
    "SenderTest",
    "ServiceLevelPolicy",
    "WorkingCalendar",
]
