"""A case's history in words: each audit entry with who (a person, or a rule by its name),
when, and what its data says (reasons, assignees, pools, category, urgency, deadlines,
resolution, and through ``steps`` approvals, consultations and hand-overs).

Entries are read from Wagtail's audit log, which no screen edits or deletes; ids in
their data are looked up once for the whole timeline.
"""

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

from correspondence.models import CasePage, Category, PoolPage, Urgency
from workflow.history.steps import step_details, steps_for
from workflow.models import RoutingRule

# Our actions, and the rules' own ("workflow.rule.apply"), are the case's history;
# Wagtail's own "created" and "published" entries repeat ours.
HISTORY_PREFIXES = ("correspondence.", "workflow.rule.apply")
DEADLINES = "correspondence.case.deadlines"


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
            found |= {n for p in parts if isinstance(p.get(key), list) for n in p[key]}
    return {n for n in found if isinstance(n, int)}


def names_for(entries: Sequence[PageLogEntry]) -> Names:
    """Looks up every user, pool, category and rule the entries mention, in four queries."""
    user_ids = _collect(
        entries,
        {
            "release": ("assignee", "from"),
            "hand_over": ("from", "to"),
            "reply_approved": ("author",),
            "reply_rejected": ("author",),
            "colleagues_consult": ("colleagues",),
            "*": ("assignee",),
        },
    )
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
    # A rejection's reason is the leader's comment, which ``steps`` words itself.
    if reason and not data.get("by_escalation") and action != "reply_rejected":
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
    # A case's creation records the due times it starts with; each change, the new ones.
    if action not in ("deadlines", "create"):
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
        lines += _escalation_done(data)
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


def _escalation_done(data: dict[str, Any]) -> list[str]:
    when = {"warning": _("The case was about to be late"), "breach": _("The case was late")}
    done = {
        "urgency": _("Urgency raised"),
        "reassign": _("Reassigned"),
        "notify": _("Team leaders notified"),
    }
    lines = [str(when[data["kind"]])] if data.get("kind") in when else []
    return lines + [str(done[d]) for d in data.get("done") or [] if d in done]


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
    names, steps = names_for(entries), steps_for(entries)
    events = []
    closings = [e for e in entries if e.action == "correspondence.case.close"]
    deadlines_seen = False
    for entry in entries:
        details = _details(entry, names) + step_details(entry, names.users, steps)
        if closings and entry is closings[-1] and "resolution_text" not in (entry.data or {}):
            # Closed before the entry kept its text: the case's text is its last closing's.
            details.append(case.resolution_text)
        label = str(entry.message)
        if entry.action == DEADLINES:
            # The first due times (at creation, or the first entry) are set; later, recalculated.
            label = _("Deadlines recalculated") if deadlines_seen else label
        data = entry.data or {}
        if entry.action == DEADLINES or any(data.get(k) for k in ("take", "reply", "close")):
            deadlines_seen = True
        events.append(Event(entry.timestamp, entry.action, label, _actor(entry, names), details))
    return events
