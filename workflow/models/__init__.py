"""Models of the workflow: assignment rules, reply approval and consultation."""

from workflow.models.approval import PendingReply, PendingReplyFile, PoolLeaderApprovalTask
from workflow.models.consultation import ColleagueAnswer, ColleagueQuestion, Consultation
from workflow.models.rules import Assignment, RoutingRule, SenderTest

__all__ = [
    "Assignment",
    "ColleagueAnswer",
    "ColleagueQuestion",
    "Consultation",
    "PendingReply",
    "PendingReplyFile",
    "PoolLeaderApprovalTask",
    "RoutingRule",
    "SenderTest",
]
