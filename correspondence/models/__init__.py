"""The data model of correspondence: the page tree of cases and everything around it."""

from correspondence.models.cases import (
    CaseCounter,
    CaseGuest,
    CasePage,
    CaseViewer,
    Channel,
    State,
    Urgency,
)
from correspondence.models.mailboxes import Mailbox, QuarantinedMessage
from correspondence.models.messages import Attachment, Message
from correspondence.models.outbox import OutgoingMail
from correspondence.models.reference import Category, Department, Question, ResolutionType
from correspondence.models.texts import QuickReply, ReplyDraft
from correspondence.models.tree import MonthPage, PoolMembership, PoolPage, YearPage

__all__ = [
    "Attachment",
    "CaseCounter",
    "CaseGuest",
    "CasePage",
    "CaseViewer",
    "Category",
    "Channel",
    "Department",
    "Mailbox",
    "Message",
    "MonthPage",
    "OutgoingMail",
    "PoolMembership",
    "PoolPage",
    "QuarantinedMessage",
    "Question",
    "QuickReply",
    "ReplyDraft",
    "ResolutionType",
    "State",
    "Urgency",
    "YearPage",
]
