"""Which cases a report covers: the pools the user may report on, narrowed on request.

Team leaders and managers hold the pool permission EXPORT (leaders in their pools,
managers in every pool); operators hold it nowhere, so they have no reports.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _

from correspondence.models import PoolPage
from correspondence.permissions import EXPORT, pools_for
from intranet.errors import ReportDenied, ReportInvalid


@dataclass(frozen=True)
class Scope:
    """Pools (id → title) the report covers and, optionally, the one operator it is about."""

    pools: dict[int, str]
    operator_id: int | None = None
    operator_name: str = ""

    def cases_q(self, prefix: str = "") -> Q:
        """The cases of the scope, for a query of cases or (with a prefix) of their rows."""
        q = Q(**{f"{prefix}pool_id__in": list(self.pools)})
        if self.operator_id is not None:
            q &= Q(**{f"{prefix}assignee_id": self.operator_id})
        return q


def report_pools(user: Any) -> dict[int, str]:
    """The pools the user may report on, id → title, in title order."""
    return dict(pools_for(user, EXPORT).order_by("title").values_list("pk", "title"))


def user_label(user: Any) -> str:
    return user.get_full_name() or user.get_username()


def report_scope(*, user: Any, pool_slug: str = "", operator: str = "") -> Scope:
    """The scope of the user's report; ReportDenied when they may report on nothing or
    ask for a pool outside theirs, ReportInvalid for an unknown pool or operator."""
    pools = report_pools(user)
    if not pools:
        raise ReportDenied(_("You have no pool to report on."))
    return scope_make(pools=pools, pool_slug=pool_slug, operator=operator)


def scope_make(*, pools: dict[int, str], pool_slug: str = "", operator: str = "") -> Scope:
    """The scope within the given pools (id → title): one of them by slug, and one
    operator by user name; ReportDenied for a pool not among them, ReportInvalid for an
    unknown pool or operator."""
    if pool_slug:
        found = PoolPage.objects.filter(slug=pool_slug).values_list("pk", flat=True).first()
        if found is None:
            raise ReportInvalid(_("There is no pool “%(pool)s”.") % {"pool": pool_slug})
        if found not in pools:
            raise ReportDenied(_("You may not report on this pool."))
        pools = {found: pools[found]}
    if not operator:
        return Scope(pools=pools)
    person = get_user_model().objects.filter(username=operator).first()
    if person is None:
        raise ReportInvalid(_("There is no user “%(name)s”.") % {"name": operator})
    return Scope(pools=pools, operator_id=person.pk, operator_name=user_label(person))
