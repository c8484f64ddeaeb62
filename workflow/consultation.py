"""Consultation of departments (S1-11): a case's question leaves by e-mail through the
outbox, the department's answer threads back onto the case, reminders go when it is late.

The consultation mail carries the case number in its subject and its own Message-ID
(``Consultation.message_id``); the department's answer quotes it (In-Reply-To or
References), so intake files it on the case (never a new case, never an auto-reply) and
``consultation_answers_record``, called through the intake seam, records it as the
consultation's answer: the case returns from consultation to taken, to the same
operator. Every step is logged on the case.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.intake.threads import thread_keys
from correspondence.intake.understand import Understood
from correspondence.models import (
    Attachment,
    CasePage,
    Department,
    Message,
    OutgoingMail,
    State,
)
from correspondence.outbox.compose import AUTO_GENERATED, InvalidAddress, OutgoingAttachment
from correspondence.outbox.services import outgoing_mailbox_for, outgoing_queue
from correspondence.outbox.texts import consultation_text, reminder_text
from correspondence.permissions import LEAD, WORK, acts_for, may, require_case_permission
from workflow.deadlines import (
    WorkCalendar,
    business_add,
    due_after,
    next_open,
    working_days_add,
)
from workflow.lifecycle import case_locked, case_transition
from workflow.models import Consultation
from workflow.transitions import Action, allowed_actions


def consultation_calendar(*, department: Department, case: CasePage) -> WorkCalendar | None:
    """The working calendar a consultation counts on: the department's own, else that of
    the case's service-level policy; None when neither has one."""
    if department.calendar_id is not None:
        return department.calendar.work_calendar()
    policy = case.sla_policy
    return policy.calendar.work_calendar() if policy is not None else None


def consultation_due(
    *, department: Department, sent_at: datetime, calendar: WorkCalendar | None = None
) -> datetime:
    """When the department's answer is due: so many open hours or working days of
    ``calendar``; without one, hours on the clock or Monday-to-Friday days."""
    hours = department.response_unit == Department.Unit.HOURS
    if calendar is None:
        if hours:
            return sent_at + timedelta(hours=department.response_time)
        return due_after(timezone.localtime(sent_at), working_days=department.response_time)
    if hours:
        return business_add(sent_at, timedelta(hours=department.response_time), calendar)
    return next_open(working_days_add(sent_at, department.response_time, calendar), calendar)


def _require_consulter(user: Any, case: CasePage) -> None:
    require_case_permission(user, WORK, case)
    if case.assignee_id not in acts_for(user) and not may(user, LEAD, case.pool):
        raise CaseActionDenied(_("Only the case's operator or a team leader may consult."))
    if Action.CONSULT not in allowed_actions(case.state):
        raise CaseActionDenied(_("Take the case before consulting a department."))


def _quoted(case: CasePage, message_ids: Sequence[int]) -> str:
    chosen = Message.objects.filter(case=case, pk__in=message_ids).order_by("date", "pk")
    parts = []
    for message in chosen:
        header = f"{message.from_name or message.from_address} · {message.date:%Y-%m-%d %H:%M}"
        body = "\n".join(f"> {line}" for line in message.text.strip().splitlines())
        parts.append(f"{header}\n{message.subject}\n{body}")
    return "\n\n".join(parts)


def _files(case: CasePage, attachment_ids: Sequence[int]) -> list[OutgoingAttachment]:
    files = []
    chosen = Attachment.objects.filter(message__case=case, pk__in=attachment_ids, evidence=False)
    for attachment in chosen.order_by("pk"):
        with attachment.file.open("rb") as handle:
            content = handle.read()
        files.append(OutgoingAttachment(attachment.filename, attachment.content_type, content))
    return files


def _question_queue(
    *,
    case: CasePage,
    user: Any,
    department: Department,
    question: str,
    message_ids: Sequence[int],
    attachment_ids: Sequence[int],
) -> OutgoingMail:
    """Queues the consultation mail: the published consultation text, then the chosen
    messages quoted, the chosen attachments attached."""
    mailbox = outgoing_mailbox_for(case=case)
    if mailbox is None:
        raise CaseActionDenied(_("No mailbox of this pool can send mail."))
    quoted = _quoted(case, message_ids)
    subject, text = consultation_text(
        case=case, department=department, question=question, operator=user
    )
    try:
        return outgoing_queue(
            case=case,
            mailbox=mailbox,
            author=user,
            kind=Message.Kind.CONSULTATION_OUT,
            to=department.email_list(),
            subject=subject,
            text=text.rstrip() + (f"\n\n{quoted}" if quoted else ""),
            in_reply_to=None,
            references=[],
            automatic=False,
            attachments=_files(case, attachment_ids),
        )
    except InvalidAddress as exc:
        raise CaseActionInvalid(
            _("The department's addresses cannot receive mail (%(detail)s).") % {"detail": exc}
        ) from exc


@transaction.atomic
def consultation_send(
    *,
    case_id: int,
    user: Any,
    department: Department,
    question: str,
    message_ids: Sequence[int] = (),
    attachment_ids: Sequence[int] = (),
) -> Consultation:
    """Sends the question, with the chosen messages quoted and attachments attached, to the
    department's addresses; the case goes to consultation. Raises CaseActionInvalid for a
    blank question or an inactive department, CaseActionDenied for a refusal."""
    case = case_locked(case_id)
    _require_consulter(user, case)
    if not question.strip():
        raise CaseActionInvalid(_("Write the question for the department."))
    if not department.active or not department.email_list():
        raise CaseActionInvalid(_("This department has no address to write to."))
    outgoing = _question_queue(
        case=case,
        user=user,
        department=department,
        question=question.strip(),
        message_ids=message_ids,
        attachment_ids=attachment_ids,
    )
    now = timezone.now()
    consultation = Consultation.objects.create(
        case=case,
        department=department,
        question=question.strip(),
        asked_by=user,
        message_id=outgoing.message_id,
        sent_at=now,
        due_at=consultation_due(
            department=department,
            sent_at=now,
            calendar=consultation_calendar(department=department, case=case),
        ),
    )
    case_transition(
        case=case,
        action=Action.CONSULT,
        user=user,
        log_action="correspondence.case.consult",
        data={"consultation": consultation.pk, "department": department.name},
        had_consultation=True,
    )
    return consultation


def _open_consultation_for(case: CasePage, understood: Understood) -> Consultation | None:
    """The open consultation this message answers: the one whose mail it quotes, else
    (a client that drops the headers) the case's one to the sender's department."""
    open_ones = Consultation.objects.filter(case=case, answered_at__isnull=True)
    keys = thread_keys(understood.message)
    quoted = open_ones.filter(message_id__in=keys).first() if keys else None
    if quoted is not None:
        return quoted
    sender = understood.sender.address.strip().lower() if understood.sender else ""
    for consultation in open_ones.select_related("department").order_by("sent_at"):
        if sender in {a.lower() for a in consultation.department.email_list()}:
            return consultation
    return None


def consultation_answers_record(*, threaded: Sequence[tuple[CasePage, Understood]]) -> set[int]:
    """Among messages intake has just filed on cases (in the caller's transaction), those
    that answer an open consultation become its answer; a case with no consultation left
    open returns to taken. Returns the positions in ``threaded`` that were answers."""
    answers: set[int] = set()
    consulted = set(
        Consultation.objects.filter(
            case_id__in={case.pk for case, _understood in threaded}, answered_at__isnull=True
        ).values_list("case_id", flat=True)
    )
    for position, (case, understood) in enumerate(threaded):
        if case.pk not in consulted:
            continue
        consultation = _open_consultation_for(case, understood)
        if consultation is None:
            continue
        answers.add(position)
        _answer_record(consultation, understood)
    return answers


def _answer_record(consultation: Consultation, understood: Understood) -> None:
    now = timezone.now()
    message = Message.objects.filter(
        case_id=consultation.case_id,
        kind=Message.Kind.INBOUND,
        message_id=understood.message.message_id,
    ).first()
    if message is not None:
        Message.objects.filter(pk=message.pk).update(kind=Message.Kind.CONSULTATION_IN)
    Consultation.objects.filter(pk=consultation.pk).update(answered_at=now, answer=message)
    case = case_locked(consultation.case_id)
    data = {
        "consultation": consultation.pk,
        "department": consultation.department.name,
        "on_time": now <= consultation.due_at,
    }
    still_open = Consultation.objects.filter(case=case, answered_at__isnull=True).exists()
    if case.state == State.CONSULTATION and not still_open:
        case_transition(
            case=case,
            action=Action.CONSULTATION_ANSWERED,
            user=None,
            log_action="correspondence.case.consultation_answered",
            data=data,
        )
    else:
        log(instance=case, action="correspondence.case.consultation_answered", data=data)


def reminder_moment(*, consultation: Consultation, calendar: WorkCalendar | None) -> datetime:
    """When the consultation's next reminder is due: at its due time, then each interval
    after the last reminder; on a calendar, moved to its next opening (no reminder leaves
    on a closed day or at night)."""
    moment = consultation.due_at
    if consultation.last_reminder_at is not None:
        interval = timedelta(hours=consultation.department.reminder_interval_hours)
        moment = max(moment, consultation.last_reminder_at + interval)
    return next_open(moment, calendar) if calendar is not None else moment


def consultations_due_reminder(*, now: datetime) -> list[Consultation]:
    """Open consultations past their due time whose department gets another reminder now:
    fewer than its maximum sent, the next reminder's moment (``reminder_moment``) come."""
    candidates = (
        Consultation.objects.filter(answered_at__isnull=True, due_at__lte=now)
        .filter(reminders_sent__lt=F("department__reminder_max"))
        .select_related("department__calendar", "case__sla_policy__calendar")
        .order_by("due_at")
    )
    calendars: dict[tuple[int | None, int | None], WorkCalendar | None] = {}
    due = []
    for c in candidates:
        key = (c.department.calendar_id, c.case.sla_policy_id)
        if key not in calendars:
            calendars[key] = consultation_calendar(department=c.department, case=c.case)
        if reminder_moment(consultation=c, calendar=calendars[key]) <= now:
            due.append(c)
    return due


def _reminder_due(consultation: Consultation, now: datetime) -> bool:
    """``consultations_due_reminder``'s test for one (locked) consultation."""
    if consultation.answered_at is not None or consultation.due_at > now:
        return False
    if consultation.reminders_sent >= consultation.department.reminder_max:
        return False
    calendar = consultation_calendar(department=consultation.department, case=consultation.case)
    return reminder_moment(consultation=consultation, calendar=calendar) <= now


@transaction.atomic
def consultation_remind(*, consultation_id: int, now: datetime) -> bool:
    """Sends one reminder if it is still due (the row is locked, so two sweeps remind
    once); logs it on the case for the team leaders. Returns whether one went."""
    consultation = (
        Consultation.objects.select_for_update(of=("self",))
        .select_related("department", "case")
        .get(pk=consultation_id)
    )
    if not _reminder_due(consultation, now):
        return False
    case, department = consultation.case, consultation.department
    mailbox = outgoing_mailbox_for(case=case)
    if mailbox is None:
        return False
    subject, text = reminder_text(
        case=case,
        department=department,
        question=consultation.question,
        sent_at=consultation.sent_at,
    )
    outgoing = outgoing_queue(
        case=case,
        mailbox=mailbox,
        kind=Message.Kind.CONSULTATION_OUT,
        to=department.email_list(),
        subject=subject,
        text=text,
        in_reply_to=consultation.message_id,
        references=[consultation.message_id],
        automatic=True,
        auto_submitted=AUTO_GENERATED,  # a reminder answers no mail it received
    )
    Consultation.objects.filter(pk=consultation.pk).update(
        reminders_sent=F("reminders_sent") + 1, last_reminder_at=now
    )
    log(
        instance=case,
        action="correspondence.case.consultation_reminder",
        data={
            "consultation": consultation.pk,
            "department": department.name,
            "number": consultation.reminders_sent + 1,
            "message_id": outgoing.message_id,
        },
    )
    return True


def consultations_remind(*, now: datetime) -> int:
    """Reminds every department late with an answer (see ``consultations_due_reminder``)."""
    return sum(
        consultation_remind(consultation_id=c.pk, now=now)
        for c in consultations_due_reminder(now=now)
    )


def consultations_of(*, case: CasePage) -> list[Consultation]:
    """The case's consultations, oldest first, with their departments."""
    return list(Consultation.objects.filter(case=case).select_related("department"))
