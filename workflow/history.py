"""A case's history in words: each audit entry with who (a person, or a rule by its name),
when, and what its data says (reasons, assignees, pools, category, urgency, deadlines,
resolution), and the whole record of a case as one file for a legal dossier.

Entries are read from Wagtail's audit log, which no screen edits or deletes; ids in
their data are looked up once for the whole timeline.
"""

import hashlib
import io
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, Category, Message, PoolPage, Urgency
from workflow.models import RoutingRule

# Our actions, and the rules' own ("workflow.rule.apply"), are the case's history;
# Wagtail's own "created" and "published" entries repeat ours.
HISTORY_PREFIXES = ("correspondence.", "workflow.rule.apply")


@dataclass
class Names:
    """Display names of the ids an entry's data refers to."""

    users: dict[int, str] = field(default_factory=dict)
    pools: dict[int, str] = field(default_factory=dict)
    categories: dict[int, str] = field(default_factory=dict)
    rules: dict[int, str] = field(default_factory=dict)


@dataclass
class Event:
    """One entry of the history, ready to show."""

    at: datetime
    action: str
    label: str
    actor: str
    details: list[str]


def history_entries(case: CasePage) -> list[PageLogEntry]:
    entries = PageLogEntry.objects.filter(page_id=case.pk).select_related("user")
    return [e for e in entries.order_by("timestamp", "pk") if e.action.startswith(HISTORY_PREFIXES)]


def _collect(entries: Iterable[PageLogEntry], keys: dict[str, tuple[str, ...]]) -> set[int]:
    """The integer values under `keys[action suffix]` of the entries' data (and of its
    "before" and "after" parts)."""
    found: set[int] = set()
    for entry in entries:
        data = entry.data or {}
        parts = [data, data.get("before") or {}, data.get("after") or {}]
        for key in keys.get(entry.action.rsplit(".", 1)[-1], keys.get("*", ())):
            found |= {p[key] for p in parts if isinstance(p.get(key), int)}
    return found


def names_for(entries: Sequence[PageLogEntry]) -> Names:
    """Looks up every user, pool, category and rule the entries mention, in four queries."""
    user_ids = _collect(entries, {"release": ("assignee", "from"), "*": ("assignee",)})
    pool_ids = _collect(entries, {"transfer": ("from", "to"), "apply": ("pool_id",)})
    category_ids = _collect(entries, {"classify": ("category",), "apply": ("category_id",)})
    rule_ids = _collect(entries, {"apply": ("rule",), "*": ("by_rule",)})
    users = get_user_model().objects.filter(pk__in=user_ids)
    return Names(
        users={u.pk: u.get_full_name() or u.get_username() for u in users},
        pools=dict(PoolPage.objects.filter(pk__in=pool_ids).values_list("pk", "title")),
        categories=dict(Category.objects.filter(pk__in=category_ids).values_list("pk", "name")),
        rules=dict(RoutingRule.objects.filter(pk__in=rule_ids).values_list("pk", "name")),
    )


def _when(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "—"


def _urgency(value: Any) -> str:
    return str(Urgency(value).label) if value in Urgency.values else "—"


def _rule(names: Names, rule_id: Any) -> str:
    return names.rules.get(rule_id) or _("rule #%(id)s") % {"id": rule_id}


def _details(entry: PageLogEntry, names: Names) -> list[str]:
    """What the entry's data says, in words; an unknown action says nothing more."""
    data, action = entry.data or {}, entry.action.rsplit(".", 1)[-1]
    lines: list[str] = []
    if "assignee" in data and data["assignee"] is not None:
        lines.append(_("Assigned to %(name)s") % {"name": names.users.get(data["assignee"], "?")})
    if data.get("by_rule") is not None:
        lines.append(_("By the rule “%(rule)s”") % {"rule": _rule(names, data["by_rule"])})
    if data.get("by_escalation"):
        lines.append(_("By the escalation rule “%(rule)s”") % {"rule": data["by_escalation"]})
    if action == "transfer":
        lines.append(
            _("From %(source)s to %(target)s")
            % {
                "source": names.pools.get(data.get("from"), "?"),
                "target": names.pools.get(data.get("to"), "?"),
            }
        )
    if action == "release" and data.get("from"):
        lines.append(_("Taken back from %(name)s") % {"name": names.users.get(data["from"], "?")})
    lines += _classification(data, names)
    lines += _deadlines(action, data)
    lines += _closing_and_more(action, data, names)
    reason = data.get("reason")
    if reason and not data.get("by_escalation"):
        text = _("nobody worked on it") if reason == "untouched" else reason
        lines.append(_("Reason: %(reason)s") % {"reason": text})
    return lines


def _classification(data: dict[str, Any], names: Names) -> list[str]:
    lines = []
    before, after = data.get("before") or {}, data.get("after") or {}
    if "category" in after or "category_id" in data:
        new = after.get("category", data.get("category_id"))
        old = names.categories.get(before.get("category"), "—") if before else None
        lines.append(
            _("Category: %(old)s → %(new)s") % {"old": old, "new": names.categories.get(new, "—")}
            if old is not None
            else _("Category: %(new)s") % {"new": names.categories.get(new, "—")}
        )
    if "urgency" in after or "urgency" in data:
        new = after.get("urgency", data.get("urgency"))
        lines.append(
            _("Urgency: %(old)s → %(new)s")
            % {"old": _urgency(before.get("urgency")), "new": _urgency(new)}
            if before
            else _("Urgency: %(new)s") % {"new": _urgency(new)}
        )
    if data.get("pool_id") is not None and "by_rule" not in data:
        lines.append(_("Moved to %(pool)s") % {"pool": names.pools.get(data["pool_id"], "?")})
    return lines


def _deadlines(action: str, data: dict[str, Any]) -> list[str]:
    if action != "deadlines":
        return []
    lines = [_("Policy: %(name)s") % {"name": data["policy"]}] if data.get("policy") else []
    for key, label in (
        ("take", _("To be taken by")),
        ("reply", _("First answer due")),
        ("close", _("Due")),
    ):
        if data.get(key):
            lines.append(f"{label}: {_when(data[key])}")
    return lines


def _closing_and_more(action: str, data: dict[str, Any], names: Names) -> list[str]:
    lines = []
    if data.get("resolution_type"):
        lines.append(_("Resolution: %(type)s") % {"type": data["resolution_type"]})
    if data.get("resolution_text"):
        lines.append(data["resolution_text"])
    if action == "apply" and data.get("rule") is not None:
        lines.insert(0, _("Rule “%(rule)s”") % {"rule": _rule(names, data["rule"])})
    if action == "escalate":
        lines.append(_("Escalation rule “%(rule)s”") % {"rule": data.get("rule", "?")})
    if action == "reply" and data.get("to"):
        lines.append(_("To: %(to)s") % {"to": ", ".join(data["to"])})
    if action == "reopen" and data.get("by") == "customer":
        lines.append(_("The customer wrote again"))
    if action in ("clock_pause",) and data.get("reason"):
        lines.append(
            _("Waiting for a consultation")
            if data["reason"] == "consultation"
            else _("Waiting for the customer")
        )
    return lines


def _actor(entry: PageLogEntry, names: Names) -> str:
    data = entry.data or {}
    if entry.user is not None:
        return entry.user.get_full_name() or entry.user.get_username()
    if data.get("by_rule") is not None:
        return _rule(names, data["by_rule"])
    if entry.action == "workflow.rule.apply":
        return _rule(names, data.get("rule"))
    if data.get("by_escalation") or entry.action.endswith(".escalate"):
        return data.get("by_escalation") or data.get("rule", "")
    if data.get("by") == "customer":
        return _("the customer")
    return _("the system")


def case_history(*, case: CasePage) -> list[Event]:
    """Every recorded change of the case, oldest first, in words."""
    entries = history_entries(case)
    names = names_for(entries)
    events = []
    closings = [e for e in entries if e.action == "correspondence.case.close"]
    for entry in entries:
        details = _details(entry, names)
        if closings and entry is closings[-1] and "resolution_text" not in (entry.data or {}):
            # Closed before the entry kept its text: the case's text is its last closing's.
            details.append(case.resolution_text)
        events.append(
            Event(entry.timestamp, entry.action, str(entry.message), _actor(entry, names), details)
        )
    return events


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
    for name in ("received_at", "taken_at", "first_reply_at", "closed_at", "take_due_at"):
        facts[name] = _iso(getattr(case, name))
    facts["reply_due_at"], facts["due_at"] = _iso(case.reply_due_at), _iso(case.due_at)
    return facts


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
        }
        archive.writestr("case.json", json.dumps(record, ensure_ascii=False, indent=2))
    return buffer.getvalue()
