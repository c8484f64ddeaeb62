"""The history's words for approval, consultation and hand-over entries: what was
submitted, edited (with the revision), approved or rejected (with the comment); which
department was asked, reminded and answered, on time or late; which colleagues were
asked and what they answered; from whom to whom a case was handed.

The log entries keep ids; the texts and times they point to are looked up once for the
whole timeline (``steps_for``), in five queries whatever its length.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry, Revision

from workflow.models import ColleagueQuestion, Consultation, PendingReply

PREFIX = "correspondence.case."


@dataclass
class Steps:
    """What the approval and consultation entries of one timeline refer to."""

    replies: dict[int, PendingReply] = field(default_factory=dict)
    submitted_texts: dict[int, str] = field(default_factory=dict)  # reply → first revision
    revision_texts: dict[int, str] = field(default_factory=dict)
    consultations: dict[int, Consultation] = field(default_factory=dict)
    questions: dict[int, ColleagueQuestion] = field(default_factory=dict)


def _ids(entries: Iterable[PageLogEntry], key: str) -> set[int]:
    return {
        value
        for entry in entries
        if entry.action.startswith(PREFIX) and isinstance(value := (entry.data or {}).get(key), int)
    }


def steps_for(entries: Sequence[PageLogEntry]) -> Steps:
    """Looks up the replies, revisions, consultations and colleague questions the
    entries mention."""
    reply_ids = _ids(entries, "reply")
    replies = PendingReply.objects.filter(pk__in=reply_ids).select_related("author")
    revisions = Revision.objects.filter(
        content_type=ContentType.objects.get_for_model(PendingReply),
        object_id__in=[str(pk) for pk in reply_ids],
    ).order_by("created_at", "pk")
    submitted: dict[int, str] = {}
    texts: dict[int, str] = {}
    for revision in revisions:
        text = str((revision.content or {}).get("text", ""))
        texts[revision.pk] = text
        submitted.setdefault(int(revision.object_id), text)
    consultations = Consultation.objects.filter(pk__in=_ids(entries, "consultation"))
    questions = ColleagueQuestion.objects.filter(pk__in=_ids(entries, "question"))
    return Steps(
        replies={r.pk: r for r in replies},
        submitted_texts=submitted,
        revision_texts=texts,
        consultations={c.pk: c for c in consultations.select_related("department")},
        questions={q.pk: q for q in questions.prefetch_related("answers")},
    )


def _when(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _approval(action: str, data: dict[str, Any], users: dict[int, str], steps: Steps) -> list[str]:
    reply = steps.replies.get(data.get("reply"))
    lines = []
    if action == "reply_submitted":
        text = steps.submitted_texts.get(reply.pk) if reply else None
        if text is None and reply is not None:
            text = reply.text
        if reply is not None:
            lines.append(_("To: %(to)s") % {"to": reply.to})
        if text:
            lines.append(_("Text submitted: %(text)s") % {"text": text})
    elif action == "reply_edited":
        text = steps.revision_texts.get(data.get("revision"), "")
        lines.append(
            _("Edited text (revision %(revision)s): %(text)s")
            % {"revision": data.get("revision", "?"), "text": text}
        )
    elif action in ("reply_approved", "reply_rejected"):
        author = data.get("author", reply.author_id if reply else None)
        lines.append(_("Written by %(name)s") % {"name": users.get(author, "?")})
        if action == "reply_rejected":
            lines.append(_("Comment: %(comment)s") % {"comment": data.get("reason") or "—"})
        elif data.get("message_id"):
            lines.append(_("Sent as %(message_id)s") % {"message_id": data["message_id"]})
    return lines


def _consultation(action: str, data: dict[str, Any], steps: Steps) -> list[str]:
    asked = steps.consultations.get(data.get("consultation"))
    department = data.get("department") or (asked.department.name if asked else "?")
    if action == "consult":
        lines = [_("To the department %(name)s") % {"name": department}]
        if asked is not None:
            lines.append(_("Question: %(text)s") % {"text": asked.question})
            lines.append(_("Answer due by %(when)s") % {"when": _when(asked.due_at)})
        return lines
    if action == "consultation_reminder":
        maximum = asked.department.reminder_max if asked else "?"
        return [
            _("Reminder %(number)s of %(max)s to %(name)s")
            % {"number": data.get("number", "?"), "max": maximum, "name": department}
        ]
    lines = [_("Answer from %(name)s") % {"name": department}]
    due = _when(asked.due_at) if asked else "—"
    if data.get("on_time") is True:
        lines.append(_("On time (due by %(when)s)") % {"when": due})
    elif data.get("on_time") is False:
        lines.append(_("Late (due by %(when)s)") % {"when": due})
    return lines


def _colleagues(entry: PageLogEntry, users: dict[int, str], steps: Steps) -> list[str]:
    data = entry.data or {}
    question = steps.questions.get(data.get("question"))
    if entry.action.endswith(".colleagues_consult"):
        names = ", ".join(users.get(pk, "?") for pk in data.get("colleagues") or [])
        lines = [_("Asked: %(names)s") % {"names": names}]
        if question is not None:
            lines.append(_("Question: %(text)s") % {"text": question.question})
        return lines
    if question is None:
        return []
    given = [a for a in question.answers.all() if a.colleague_id == entry.user_id]
    lines = [_("Question: %(text)s") % {"text": question.question}]
    if given and given[0].text:
        lines.append(_("Answer: %(text)s") % {"text": given[0].text})
    return lines


def step_details(entry: PageLogEntry, users: dict[int, str], steps: Steps) -> list[str]:
    """The lines an approval, consultation or hand-over entry adds; none for others."""
    action = entry.action.removeprefix(PREFIX)
    data = entry.data or {}
    if action.startswith("reply_"):
        return _approval(action, data, users, steps)
    if action in ("consult", "consultation_reminder", "consultation_answered"):
        return _consultation(action, data, steps)
    if action in ("colleagues_consult", "colleague_answer"):
        return _colleagues(entry, users, steps)
    if action == "hand_over":
        return [
            _("From %(source)s to %(target)s")
            % {"source": users.get(data.get("from"), "—"), "target": users.get(data.get("to"), "?")}
        ]
    return []
