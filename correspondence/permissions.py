"""Every "may this user do X in this pool" question, answered in one place.

Permissions are django-guardian object permissions on pools, granted to groups. Every
query of cases (lists, search, case page, attachment download, export) starts from
`cases_visible_to`, so a user of one pool never reaches another pool's cases.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from correspondence.errors import CaseActionDenied
from correspondence.models import CaseGuest, CasePage, PoolMembership, PoolPage
from correspondence.models.tree import PoolGroupObjectPermission, PoolUserObjectPermission
from intranet.models import Absence

VIEW = "view_pool_cases"
WORK = "work_pool_cases"
LEAD = "lead_pool"
REGISTER = "register_pool_cases"
EXPORT = "export_pool_cases"
POOL_PERMISSIONS = (VIEW, WORK, LEAD, REGISTER, EXPORT)

User = AbstractBaseUser | AnonymousUser
# The two groups every pool has, by the suffix of their names: what each holds there.
POOL_TEAMS = {"operators": (VIEW, WORK), "team leaders": POOL_PERMISSIONS}


def _qualified(perm: str) -> str:
    if perm not in POOL_PERMISSIONS:
        raise ValueError(f"unknown pool permission {perm!r}")
    return f"correspondence.{perm}"


def pools_for(user: User, perm: str = VIEW) -> QuerySet[PoolPage]:
    """The pools in which the user holds the permission (all of them for a superuser).

    Lazy: used in a filter, it is a subquery of that query, not a query of its own.
    """
    if not user.is_authenticated or not user.is_active:
        return PoolPage.objects.none()
    if getattr(user, "is_superuser", False):
        return PoolPage.objects.all()
    return PoolPage.objects.filter(pk__in=RawSQL(_pool_ids_sql(), _pool_ids_params(user, perm)))


@cache
def _tables() -> dict[str, str]:
    return {
        "membership": PoolMembership._meta.db_table,
        "pool": PoolPage._meta.db_table,
        "user_perm": PoolUserObjectPermission._meta.db_table,
        "group_perm": PoolGroupObjectPermission._meta.db_table,
        "user_groups": get_user_model().groups.through._meta.db_table,
        "perm": Permission._meta.db_table,
        "absence": Absence._meta.db_table,
    }


@cache
def _pool_ids_sql() -> str:
    """The ids of the pools where a user holds a permission, given to them or to a group
    of theirs: guardian's own tables, read in one plain query (guardian's query builder
    costs some 4 ms of Python a call, and a page asks several times)."""
    return (
        "SELECT u.content_object_id FROM {user_perm} u JOIN {perm} a ON a.id = u.permission_id"
        " WHERE u.user_id = %s AND a.content_type_id = %s AND a.codename = %s"
        " UNION SELECT g.content_object_id FROM {group_perm} g"
        " JOIN {perm} a ON a.id = g.permission_id JOIN {user_groups} ug ON ug.group_id = g.group_id"
        " WHERE ug.user_id = %s AND a.content_type_id = %s AND a.codename = %s"
    ).format(**_tables())


def _pool_ids_params(user: User, perm: str) -> list[object]:
    codename = _qualified(perm).split(".", 1)[1]
    content_type = ContentType.objects.get_for_model(PoolPage).pk
    return [user.pk, content_type, codename] * 2


@cache
def _memberships_sql() -> str:
    return (
        "SELECT m.pool_id, p.urgency_first FROM {membership} m"
        " JOIN {pool} p ON p.page_ptr_id = m.pool_id"
        " WHERE m.user_id = %s AND (%s OR m.pool_id IN ({pool_ids}))"
        " AND NOT EXISTS (SELECT 1 FROM {absence} a WHERE a.user_id = m.user_id"
        " AND a.starts_at <= %s AND a.ends_at > %s)"
        " ORDER BY m.priority, m.pool_id"
    ).format(pool_ids=_pool_ids_sql(), **_tables())


def member_pools_with(user: User, perm: str) -> list[tuple[int, bool]]:
    """(pool id, urgent cases first?) of the user's memberships, by priority, in which they
    hold the permission: the pools of `pools_for`, answered in one plain query. None while
    an absence of the user lasts: the absent get no new work.

    Take-next asks this on every press.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    superuser = bool(getattr(user, "is_superuser", False))
    now = timezone.now()
    params = [user.pk, superuser, *_pool_ids_params(user, perm), now, now]
    with connection.cursor() as cursor:
        cursor.execute(_memberships_sql(), params)
        return [(pool_id, urgency_first) for pool_id, urgency_first in cursor.fetchall()]


def held_anywhere(user: User, perms: tuple[str, ...]) -> set[str]:
    """Which of these permissions the user holds in at least one pool, in one query (the
    top bar asks on every page which menus to offer)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if getattr(user, "is_superuser", False):
        return set(perms) if PoolPage.objects.exists() else set()
    codenames = [_qualified(perm).split(".", 1)[1] for perm in perms]
    marks = ", ".join(["%s"] * len(codenames))
    sql = (
        "SELECT a.codename FROM {user_perm} u JOIN {perm} a ON a.id = u.permission_id"
        " WHERE u.user_id = %s AND a.content_type_id = %s AND a.codename IN ({marks})"
        " UNION SELECT a.codename FROM {group_perm} g JOIN {perm} a ON a.id = g.permission_id"
        " JOIN {user_groups} ug ON ug.group_id = g.group_id"
        " WHERE ug.user_id = %s AND a.content_type_id = %s AND a.codename IN ({marks})"
    ).format(marks=marks, **_tables())
    content_type = ContentType.objects.get_for_model(PoolPage).pk
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, content_type, *codenames] * 2)
        return {row[0] for row in cursor.fetchall()}


def may(user: User, perm: str, pool: PoolPage) -> bool:
    """Whether the user holds the permission in this pool."""
    if not user.is_authenticated or not user.is_active:
        return False
    return pools_for(user, perm).filter(pk=pool.pk).exists()


def cases_visible_to(user: User) -> QuerySet[CasePage]:
    """Every case the user may see: the cases of the pools where they hold VIEW."""
    return CasePage.objects.filter(pool__in=pools_for(user, VIEW))


def substituted_by(user: User) -> QuerySet[Absence]:
    """The ids (``user_id``) of the colleagues absent now who named this user their
    substitute. Lazy: in a filter it is a subquery, not a query of its own."""
    now = timezone.now()
    return Absence.objects.filter(
        substitute_id=user.pk, starts_at__lte=now, ends_at__gt=now
    ).values("user_id")


def acts_for(user: User) -> list[int]:
    """The user's own id and those of the absent colleagues they stand in for: whose
    cases they see and work as their own while the absence lasts."""
    if not user.is_authenticated:
        return []
    return [user.pk, *(row["user_id"] for row in substituted_by(user))]


def is_absent(user: User) -> bool:
    """Whether an absence of the user covers this moment (they get no new work)."""
    now = timezone.now()
    return Absence.objects.filter(user_id=user.pk, starts_at__lte=now, ends_at__gt=now).exists()


def may_see_case(user: User, case: CasePage) -> bool:
    """Whether the user may open the case: VIEW in its pool, or invited to it as a guest
    (a colleague consulted on it)."""
    if may(user, VIEW, case.pool):
        return True
    return CaseGuest.objects.filter(case=case, user_id=user.pk, active=True).exists()


def require_case_visible(user: User, case: CasePage) -> None:
    """Raises CaseActionDenied unless ``may_see_case``."""
    if not may_see_case(user, case):
        raise CaseActionDenied(
            _("You may not do this on case %(number)s.") % {"number": case.number}
        )


def require_pool_permission(user: User, perm: str, pool: PoolPage) -> None:
    """Raises CaseActionDenied unless the user holds the permission in the pool."""
    if not may(user, perm, pool):
        raise CaseActionDenied(
            _("You may not do this in the pool %(pool)s.") % {"pool": pool.title}
        )


def require_case_permission(user: User, perm: str, case: CasePage) -> None:
    """Raises CaseActionDenied unless the user holds the permission in the case's pool."""
    if not may(user, perm, case.pool):
        raise CaseActionDenied(
            _("You may not do this on case %(number)s.") % {"number": case.number}
        )


def pool_teams_grant(*, pool: PoolPage, name: str) -> dict[str, Group]:
    """The pool's groups, "<name> operators" and "<name> team leaders" (created when
    missing), with their permissions in the pool (POOL_TEAMS)."""
    teams = {}
    for suffix, perms in POOL_TEAMS.items():
        group, _created = Group.objects.get_or_create(name=f"{name} {suffix}")
        for perm in perms:
            pool_permission_grant(group=group, perm=perm, pool=pool)
        teams[suffix] = group
    return teams


MANAGERS = "Managers"
MANAGER_PERMISSIONS = (VIEW, EXPORT)


def pool_roles_grant(*, pool: PoolPage) -> dict[str, Group]:
    """A new pool's roles: its operators and team leaders (``pool_teams_grant``) and the
    Managers group, who oversee and export every pool."""
    teams = pool_teams_grant(pool=pool, name=pool.title)
    managers, _created = Group.objects.get_or_create(name=MANAGERS)
    for perm in MANAGER_PERMISSIONS:
        pool_permission_grant(group=managers, perm=perm, pool=pool)
    return {**teams, "managers": managers}


def pool_permission_grant(*, group: Group, perm: str, pool: PoolPage) -> None:
    """Grants the group a permission in one pool."""
    assign_perm(_qualified(perm), group, pool)


def pool_permission_revoke(*, group: Group, perm: str, pool: PoolPage) -> None:
    """Withdraws a group's permission in one pool."""
    remove_perm(_qualified(perm), group, pool)
