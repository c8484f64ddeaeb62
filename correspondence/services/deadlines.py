"""Service levels of cases: which policy applies, the due times it gives, the clock's pauses.

Every due time is counted from the case's arrival (`received_at`: when it reached our
server, or the certified time of a PEC) on the policy's calendar, without the time the
clock stood still. The case stores the three due times and, for lists, the board and
escalation, the next one pending with its warning (`deadline_at`, `warning_at`); both are
empty once the case is closed or while its clock stands still.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.log_actions import log

from correspondence.models import CaseClockPause, CasePage, PoolPage, ServiceLevelPolicy, State
from workflow.deadlines import Milestones, Pause, Unit, due_after, next_deadline, term_end
from workflow.deadlines import warning_at as warning_of

FALLBACK_WARNING_PERCENT = 80
PAUSE_REASONS = ("consultation", "customer")
Pair = tuple[datetime, datetime]  # a due time and its warning


@dataclass(frozen=True)
class Dues:
    policy_id: int | None
    take: Pair | None
    reply: Pair | None
    close: Pair | None


def policies_active() -> list[ServiceLevelPolicy]:
    """The active policies with their calendars (a handful: read once per batch)."""
    return list(
        ServiceLevelPolicy.objects.filter(active=True)
        .select_related("calendar")
        .prefetch_related("calendar__closures")
        .order_by("pk")
    )


def policy_for(
    policies: Iterable[ServiceLevelPolicy],
    *,
    pool_id: int,
    category_id: int | None,
    channel: str,
    urgency: int,
) -> ServiceLevelPolicy | None:
    """The policy whose criteria all fit the case and say most about it: a category says
    more than an urgency, an urgency more than a channel, a channel more than a pool (a
    pool's complaints policy beats the pool's general one); the oldest on a tie."""
    wanted = {"category_id": category_id, "urgency": urgency, "channel": channel}
    wanted["pool_id"] = pool_id
    best: tuple[int, int] | None = None
    found = None
    for policy in policies:
        weight = 0
        for rank, (name, value) in enumerate(wanted.items()):
            criterion = getattr(policy, name)
            if criterion in (None, ""):
                continue
            if criterion != value:
                break
            weight += 2 ** (len(wanted) - rank)
        else:
            if best is None or (weight, -policy.pk) > best:
                best, found = (weight, -policy.pk), policy
    return found


def dues_compute(
    *,
    policy: ServiceLevelPolicy | None,
    pool: PoolPage,
    received_at: datetime,
    pauses: Sequence[Pause] = (),
    now: datetime | None = None,
) -> Dues:
    """The due times and warnings of a case under the policy; without one, the pool's
    response time in working days, to close."""
    if policy is None:
        local = timezone.localtime(received_at)
        close = due_after(local, working_days=pool.response_days)
        warning = warning_of(received_at, close, percent=FALLBACK_WARNING_PERCENT)
        return Dues(None, None, None, (close, warning))
    calendar = policy.calendar.work_calendar()

    def pair(amount: int | None) -> Pair | None:
        if amount is None:
            return None
        due = term_end(
            received_at,
            amount=amount,
            unit=Unit(policy.unit),
            calendar=calendar,
            pauses=pauses,
            now=now,
        )
        return due, warning_of(received_at, due, percent=policy.warning_percent)

    return Dues(
        policy.pk, pair(policy.take_within), pair(policy.reply_within), pair(policy.close_within)
    )


def _next(case: CasePage, dues: Dues) -> Pair | None:
    milestones = Milestones(
        closed=case.state == State.CLOSED,
        taken=case.state != State.NEW or case.taken_at is not None,
        answered=case.first_reply_at is not None,
        paused=case.clock_paused_at is not None,
    )
    return next_deadline(milestones=milestones, take=dues.take, reply=dues.reply, close=dues.close)


def dues_fields(case: CasePage, dues: Dues) -> dict[str, Any]:
    """The case's columns for these due times (the case's own state decides the next)."""
    pending = _next(case, dues)
    return {
        "sla_policy_id": dues.policy_id,
        "take_due_at": dues.take[0] if dues.take else None,
        "reply_due_at": dues.reply[0] if dues.reply else None,
        "due_at": dues.close[0] if dues.close else None,
        "deadline_at": pending[0] if pending else None,
        "warning_at": pending[1] if pending else None,
    }


def _stored_dues(case: CasePage) -> Dues:
    percent = case.sla_policy.warning_percent if case.sla_policy else FALLBACK_WARNING_PERCENT

    def pair(due: datetime | None) -> Pair | None:
        return (due, warning_of(case.received_at, due, percent=percent)) if due else None

    return Dues(
        case.sla_policy_id, pair(case.take_due_at), pair(case.reply_due_at), pair(case.due_at)
    )


def case_deadline_refresh(*, case: CasePage) -> None:
    """Moves the case's next deadline after a step (taken, answered, closed, reopened)."""
    pending = _next(case, _stored_dues(case))
    fields = {"deadline_at": pending[0] if pending else None}
    fields["warning_at"] = pending[1] if pending else None
    if (case.deadline_at, case.warning_at) != tuple(fields.values()):
        CasePage.objects.filter(pk=case.pk).update(**fields)
        case.deadline_at, case.warning_at = fields["deadline_at"], fields["warning_at"]


def _pauses(case: CasePage) -> list[Pause]:
    rows = CaseClockPause.objects.filter(case_id=case.pk).order_by("started_at")
    return [Pause(row.started_at, row.ended_at) for row in rows]


def case_deadlines_recompute(
    *, case: CasePage, user: Any = None, now: datetime | None = None
) -> bool:
    """Recomputes the case's due times from the policy that fits it now (after a change of
    pool, category, urgency or policy, or a pause ended); logs a change. The caller holds
    the case's row lock. Returns whether anything changed."""
    case.refresh_from_db()
    policy = policy_for(
        policies_active(),
        pool_id=case.pool_id,
        category_id=case.category_id,
        channel=case.channel,
        urgency=case.urgency,
    )
    now = now or timezone.now()
    dues = dues_compute(
        policy=policy, pool=case.pool, received_at=case.received_at, pauses=_pauses(case), now=now
    )
    fields = dues_fields(case, dues)
    if all(getattr(case, name) == value for name, value in fields.items()):
        return False
    CasePage.objects.filter(pk=case.pk).update(**fields)
    case.refresh_from_db()
    log(instance=case, action="correspondence.case.deadlines", user=user, data=dues_log_data(case))
    return True


def dues_log_data(case: CasePage, policy_name: str | None = None) -> dict[str, Any]:
    """What the history keeps of the case's due times (on its creation and each change):
    the policy's name (looked up unless given) and the three due times."""

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    if policy_name is None:
        policy_name = case.sla_policy.name if case.sla_policy else ""
    return {
        "policy": policy_name,
        "take": iso(case.take_due_at),
        "reply": iso(case.reply_due_at),
        "close": iso(case.due_at),
    }


def _pauses_on(case: CasePage, reason: str) -> bool:
    policy = case.sla_policy
    if policy is None:
        return False
    return policy.pause_on_consultation if reason == "consultation" else policy.pause_on_customer


@transaction.atomic
def case_clock_pause(*, case_id: int, reason: str, now: datetime | None = None) -> bool:
    """Stops the case's clock (waiting for a consultation or for the customer) when its
    policy says so. Returns whether it stopped now; already stopped changes nothing."""
    if reason not in PAUSE_REASONS:
        raise ValueError(f"unknown pause reason {reason!r}")
    case = CasePage.objects.select_for_update(of=("self",)).select_related("sla_policy")
    case = case.get(pk=case_id)
    if (
        case.clock_paused_at is not None
        or not _pauses_on(case, reason)
        or case.state == State.CLOSED
    ):
        return False
    now = now or timezone.now()
    CaseClockPause.objects.create(case=case, reason=reason, started_at=now)
    CasePage.objects.filter(pk=case.pk).update(
        clock_paused_at=now, deadline_at=None, warning_at=None
    )
    log(instance=case, action="correspondence.case.clock_pause", data={"reason": reason})
    return True


@transaction.atomic
def case_clock_resume(
    *, case_id: int, reason: str | None = None, now: datetime | None = None
) -> bool:
    """Restarts a stopped clock (only one stopped for `reason`, when given); the due times
    move by the time it stood still. Returns whether it restarted."""
    case = CasePage.objects.select_for_update(of=("self",)).get(pk=case_id)
    pause = CaseClockPause.objects.filter(case=case, ended_at__isnull=True)
    if case.clock_paused_at is None or (reason and not pause.filter(reason=reason).exists()):
        return False
    now = now or timezone.now()
    pause.update(ended_at=now)
    CasePage.objects.filter(pk=case.pk).update(clock_paused_at=None)
    log(instance=case, action="correspondence.case.clock_resume")
    case_deadlines_recompute(case=case, now=now)
    return True


def cases_deadlines_recompute(*, policy: ServiceLevelPolicy, batch: int = 500) -> int:
    """Recomputes the open cases a changed policy may concern (those it governs, and those
    its criteria fit); each case in its own short transaction. Returns how many changed."""
    fits = Q(sla_policy=policy) | Q(
        **{
            name: getattr(policy, name)
            for name in ("pool_id", "category_id", "channel", "urgency")
            if getattr(policy, name) not in (None, "")
        }
    )
    ids = CasePage.objects.exclude(state=State.CLOSED).filter(fits).values_list("pk", flat=True)
    changed = 0
    for case_id in ids.order_by("pk").iterator(chunk_size=batch):
        with transaction.atomic():
            case = CasePage.objects.select_for_update(of=("self",)).get(pk=case_id)
            changed += case_deadlines_recompute(case=case)
    return changed
