"""Absences staff set themselves, or team leaders set for the members of their pools.

While an absence lasts the absent user gets no new work and their substitute works their
cases (``correspondence.permissions.acts_for``). The substitute is a colleague of the
absent user's pools, never the absent user, and not away at any moment of the absence.
Every absence set or removed is logged with who did it.
"""

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from correspondence.models import PoolMembership
from correspondence.permissions import LEAD, pools_for
from intranet.errors import AbsenceDenied, AbsenceInvalid
from intranet.models import Absence


def _name(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def absence_colleagues(*, user: Any) -> QuerySet[Any]:
    """Who may stand in for ``user``: the other active members of their pools."""
    pools = PoolMembership.objects.filter(user_id=user.pk).values("pool_id")
    return (
        get_user_model()
        .objects.filter(is_active=True, pool_memberships__pool_id__in=pools)
        .exclude(pk=user.pk)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def absence_members(*, leader: Any) -> QuerySet[Any]:
    """Whose absences ``leader`` may set: the active members of the pools they lead."""
    led = pools_for(leader, LEAD).values("pk")
    return (
        get_user_model()
        .objects.filter(is_active=True, pool_memberships__pool_id__in=led)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def _require_may_set(by: Any, user: Any) -> None:
    if user.pk != by.pk and not absence_members(leader=by).filter(pk=user.pk).exists():
        raise AbsenceDenied(_("Only a team leader of their pools may set this person's absence."))


def _substitute_check(user: Any, substitute: Any, starts_at: datetime, ends_at: datetime) -> None:
    if substitute.pk == user.pk:
        raise AbsenceInvalid(_("Nobody can stand in for themselves: choose a colleague."))
    if not absence_colleagues(user=user).filter(pk=substitute.pk).exists():
        raise AbsenceInvalid(
            _("%(name)s is not a colleague of the same pools.") % {"name": _name(substitute)}
        )
    away = (
        Absence.objects.filter(user_id=substitute.pk, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )
    if away is not None:
        raise AbsenceInvalid(
            _("%(name)s is away too, from %(from)s to %(to)s: choose another substitute.")
            % {"name": _name(substitute), "from": _when(away.starts_at), "to": _when(away.ends_at)}
        )


@transaction.atomic
def absence_set(
    *,
    by: Any,
    user: Any,
    starts_at: datetime,
    ends_at: datetime,
    substitute: Any = None,
    note: str = "",
) -> Absence:
    """Records that ``user`` is away from ``starts_at`` to ``ends_at``, with ``substitute``.

    Raises AbsenceDenied when ``by`` is neither ``user`` nor a leader of their pools, and
    AbsenceInvalid when it ends before it starts, overlaps another absence of theirs, or
    the substitute is themselves, no colleague, or away at the same time.
    """
    _require_may_set(by, user)
    if ends_at <= starts_at:
        raise AbsenceInvalid(_("The absence must end after it starts."))
    clash = Absence.objects.filter(user_id=user.pk, starts_at__lt=ends_at, ends_at__gt=starts_at)
    if clash.exists():
        other = clash.order_by("starts_at").first()
        assert other is not None
        raise AbsenceInvalid(
            _("An absence from %(from)s to %(to)s is already recorded: change or remove it.")
            % {"from": _when(other.starts_at), "to": _when(other.ends_at)}
        )
    if substitute is not None:
        _substitute_check(user, substitute, starts_at, ends_at)
    absence = Absence.objects.create(
        user=user, starts_at=starts_at, ends_at=ends_at, substitute=substitute, note=note.strip()
    )
    data = {"user": user.pk, "substitute": getattr(substitute, "pk", None)}
    log(instance=absence, action="intranet.absence.set", user=by, data=data)
    return absence


@transaction.atomic
def absence_remove(*, by: Any, absence_id: int) -> None:
    """Removes an absence ``by`` may set (theirs, or a member's of a pool they lead).

    Raises AbsenceDenied otherwise, or when it does not exist."""
    absence = Absence.objects.select_for_update().filter(pk=absence_id).first()
    if absence is None:
        raise AbsenceDenied(_("This absence does not exist any more."))
    _require_may_set(by, absence.user)
    log(
        instance=absence,
        action="intranet.absence.remove",
        user=by,
        data={"user": absence.user_id, "starts_at": absence.starts_at.isoformat()},
    )
    absence.delete()


def absences_managed(*, user: Any, now: datetime | None = None) -> list[Absence]:
    """The absences not yet over that ``user`` may change: their own and, for a team
    leader, those of the members of their pools; soonest first."""
    now = now or timezone.now()
    members = absence_members(leader=user).values("pk")
    return list(
        Absence.objects.filter(Q(user_id=user.pk) | Q(user_id__in=members), ends_at__gt=now)
        .select_related("user", "substitute")
        .order_by("starts_at", "pk")
    )
