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
from correspondence.models.deadlines import (
    CalendarClosure,
    CaseClockPause,
    Country,
    ServiceLevelPolicy,
    WorkingCalendar,
)
from correspondence.models.mail_texts import MailText
from correspondence.models.mailboxes import Mailbox, QuarantinedMessage
from correspondence.models.messages import Attachment, Message
from correspondence.models.outbox import OutgoingMail
from correspondence.models.pec import PecRevocationList, PecTrustedCertificate
from correspondence.models.reference import Category, Department, Question, ResolutionType
from correspondence.models.texts import QuickReply, ReplyDraft
from correspondence.models.tree import MonthPage, PoolMembership, PoolPage, YearPage

__all__ = [
    "Attachment",
    "CalendarClosure",
    "CaseClockPause",
    "CaseCounter",
    "CaseGuest",
    "CasePage",
    "CaseViewer",
    "Category",
    "Channel",
    "Country",
    "Department",
    "MailText",
    "Mailbox",
    "Message",
    "MonthPage",
    "OutgoingMail",
    "PecRevocationList",
    "PecTrustedCertificate",
    "PoolMembership",
    "PoolPage",
    "QuarantinedMessage",
    "Question",
    "QuickReply",
    "ReplyDraft",
    "ResolutionType",
    "ServiceLevelPolicy",
    "State",
    "Urgency",
    "WorkingCalendar",
    "YearPage",
]
