"""Models of the workflow: the pools' routing rules and how they assign cases, reply
approval and consultation, and the escalation of cases about to be late or late."""

from workflow.models.approval import PendingReply, PendingReplyFile, PoolLeaderApprovalTask
from workflow.models.consultation import ColleagueAnswer, ColleagueQuestion, Consultation
from workflow.models.escalation import Escalation, EscalationRule, EscalationWhen, Notice
from workflow.models.rules import Assignment, RoutingRule, SenderTest

__all__ = [
    "Assignment",
    "ColleagueAnswer",
    "ColleagueQuestion",
    "Consultation",
    "Escalation",
    "EscalationRule",
    "EscalationWhen",
    "Notice",
    "PendingReply",
    "PendingReplyFile",
    "PoolLeaderApprovalTask",
    "RoutingRule",
    "SenderTest",
]
