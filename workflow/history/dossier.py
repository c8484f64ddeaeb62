"""A case's whole record as one file for a legal dossier: its facts, its history in
words (``timeline``), its approvals, consultations and questions to colleagues with their
texts and times, and its messages with the SHA-256 of their raw originals."""

import hashlib
import io
import json
import zipfile
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.models import Revision

from correspondence.models import CasePage, Message, Urgency
from workflow.history.timeline import case_history
from workflow.models import ColleagueQuestion, Consultation, PendingReply


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _case_facts(case: CasePage) -> dict[str, Any]:
    fields = ("number", "state", "channel", "subject", "customer_name", "customer_email")
    facts: dict[str, Any] = {name: getattr(case, name) for name in fields}
    facts["customer_address"] = case.customer_address
    facts["pool"] = case.pool.title
    facts["category"] = case.category.name if case.category else None
    facts["urgency"] = str(Urgency(case.urgency).label)
    facts["assignee"] = case.assignee.get_username() if case.assignee else None
    facts["resolution_type"] = case.resolution_type.name if case.resolution_type else None
    facts["resolution_text"] = case.resolution_text
    facts["answers"] = case.answers
    facts["worked_at"] = _iso(case.worked_at)
    facts["waiting_for_colleagues_since"] = _iso(case.colleagues_asked_at)
    for name in ("received_at", "taken_at", "first_reply_at", "closed_at", "take_due_at"):
        facts[name] = _iso(getattr(case, name))
    facts["reply_due_at"], facts["due_at"] = _iso(case.reply_due_at), _iso(case.due_at)
    return facts


def _username(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _approvals_record(case: CasePage) -> list[dict[str, Any]]:
    """Each reply held for approval: its author, the decision with who, when and the
    comment, and every revision of its text (the author's, then any approver's edit)."""
    replies = PendingReply.objects.filter(case=case).select_related("author", "decided_by")
    revisions = Revision.objects.filter(
        content_type=ContentType.objects.get_for_model(PendingReply),
        object_id__in=[str(r.pk) for r in replies],
    ).select_related("user")
    records = []
    for reply in replies.order_by("created_at", "pk"):
        own = [r for r in revisions if r.object_id == str(reply.pk)]
        records.append(
            {
                "author": _username(reply.author),
                "to": reply.to,
                "cc": reply.cc,
                "submitted_at": _iso(reply.created_at),
                "status": reply.status,
                "decided_by": _username(reply.decided_by),
                "decided_at": _iso(reply.decided_at),
                "comment": reply.comment,
                "revisions": [
                    {
                        "revision": r.pk,
                        "at": _iso(r.created_at),
                        "by": _username(r.user),
                        "text": (r.content or {}).get("text"),
                    }
                    for r in sorted(own, key=lambda r: (r.created_at, r.pk))
                ],
            }
        )
    return records


def _consultations_record(case: CasePage) -> list[dict[str, Any]]:
    rows = Consultation.objects.filter(case=case).select_related("department", "asked_by")
    return [
        {
            "department": c.department.name,
            "asked_by": _username(c.asked_by),
            "question": c.question,
            "message_id": c.message_id,
            "sent_at": _iso(c.sent_at),
            "due_at": _iso(c.due_at),
            "answered_at": _iso(c.answered_at),
            "on_time": c.on_time,
            "reminders_sent": c.reminders_sent,
            "last_reminder_at": _iso(c.last_reminder_at),
        }
        for c in rows
    ]


def _colleague_questions_record(case: CasePage) -> list[dict[str, Any]]:
    rows = ColleagueQuestion.objects.filter(case=case).select_related("asked_by")
    return [
        {
            "asked_by": _username(q.asked_by),
            "asked_at": _iso(q.asked_at),
            "question": q.question,
            "answers": [
                {
                    "colleague": _username(a.colleague),
                    "answered_at": _iso(a.answered_at),
                    "text": a.text,
                }
                for a in q.answers.select_related("colleague").order_by("pk")
            ],
        }
        for q in rows
    ]


def _message_record(message: Message, raw_name: str | None) -> dict[str, Any]:
    return {
        "kind": message.kind,
        "date": _iso(message.date),
        "from": message.from_address,
        "from_name": message.from_name,
        "to": message.to,
        "cc": message.cc,
        "subject": message.subject,
        "message_id": message.message_id,
        "text": message.text,
        "pec": message.pec,
        "raw_sha256": message.raw_sha256 or None,
        "raw_file": raw_name,
        "attachments": [
            {
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in message.attachments.all()
        ],
    }


def case_dossier(*, case: CasePage, exported_by: str, now: datetime | None = None) -> bytes:
    """The case's whole record as a zip: ``case.json`` (facts, history, messages with the
    SHA-256 of their raw originals) and each raw original as ``raw/<n>.eml``, checked
    against its recorded SHA-256 (a mismatch is written in the JSON, never hidden)."""
    buffer = io.BytesIO()
    messages = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        rows = Message.objects.filter(case=case).order_by("date", "pk")
        for n, message in enumerate(rows.prefetch_related("attachments"), start=1):
            raw_name = None
            if message.raw:
                with message.raw.open("rb") as handle:
                    raw = handle.read()
                raw_name = f"raw/{n:04d}.eml"
                archive.writestr(raw_name, raw)
            record = _message_record(message, raw_name)
            if raw_name:
                record["raw_sha256_verified"] = (
                    hashlib.sha256(raw).hexdigest() == message.raw_sha256
                )
            messages.append(record)
        history = [
            {
                "at": _iso(e.at),
                "action": e.action,
                "label": e.label,
                "actor": e.actor,
                "details": e.details,
            }
            for e in case_history(case=case)
        ]
        record = {
            "exported_at": _iso(now or timezone.now()),
            "exported_by": exported_by,
            "case": _case_facts(case),
            "history": history,
            "messages": messages,
            "approvals": _approvals_record(case),
            "consultations": _consultations_record(case),
            "colleague_questions": _colleague_questions_record(case),
        }
        archive.writestr("case.json", json.dumps(record, ensure_ascii=False, indent=2))
    return buffer.getvalue()
