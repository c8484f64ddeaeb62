"""Issue 11, point 8: who may reach what, from ONE table.

Every URL pattern of the project (walked from the resolver), every page type and every
case action, for eight roles, has its expected outcome below. A URL pattern or a page
type with no entry fails the test, so a new view cannot ship without a decision. The
Wagtail admin is covered by a prefix rule and sampled checks (tests/security/
test_admin_cases.py checks every case-related admin view in depth).

Outcomes: "ok" 200; "login" a redirect to a login page; "deny" 403 or 404 whose body
names no case content; "405" the wrong method; "redirect" a redirect elsewhere; for
case actions "done" (a new entry on the case's timeline by that user) or "refused"
(nothing changed).
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from wagtail.models import Page, PageLogEntry, get_page_models

from correspondence import permissions
from correspondence.models import (
    Attachment,
    CasePage,
    Category,
    Mailbox,
    Message,
    PoolMembership,
    PoolPage,
    Question,
    ResolutionType,
)
from correspondence.services.cases import NewCase, case_create
from intranet.models import UserProfile
from workflow import lifecycle
from workflow.models import RoutingRule

ROLES = ("anonymous", "op_a", "op_b", "junior", "leader", "editor", "manager", "superuser")
SECRET_SUBJECT = "Richiesta riservata ZX81"
SECRET_EMAIL = "cliente.riservato@example.it"

# Who holds what in pool A (Sinistri); op_b works in pool B only; editor has no pool.
WORK_A = {"op_a", "junior", "leader", "superuser"}
LEAD_A = {"leader", "superuser"}
VIEW_A = WORK_A | {"manager"}


def expect(
    ok: set[str], *, others: str = "deny", anonymous: str = "login", **special: str
) -> dict[str, str]:
    """The outcome per role: "ok" for `ok`, `others` for the rest, special cases by name."""
    table = {role: ("ok" if role in ok else others) for role in ROLES}
    table["anonymous"] = anonymous
    table.update(special)
    return table


LOGGED_IN = set(ROLES) - {"anonymous"}
POST_ONLY = expect(set(), others="405")


@dataclass
class Entry:
    """One row of the table: how to build a URL of the pattern, what each role gets."""

    url: Callable[["World"], str]
    outcomes: dict[str, str]
    leak_free: set[str] = field(default_factory=lambda: {"op_b", "editor", "anonymous"})


# ONE table: URL patterns (as the resolver spells them) ...
URLS: dict[str, Entry] = {
    "login/": Entry(lambda w: "/login/", expect(set(ROLES), anonymous="ok")),
    "logout/": Entry(lambda w: "/logout/", expect(set(), others="405", anonymous="405")),
    "presence/": Entry(lambda w: "/presence/", POST_ONLY),
    "attachments/<int:attachment_id>/": Entry(
        lambda w: f"/attachments/{w.attachment.pk}/", expect(VIEW_A)
    ),
    "search/": Entry(lambda w: "/search/?q=ZX81", expect(LOGGED_IN)),
    "profile/": Entry(lambda w: "/profile/", expect(LOGGED_IN)),
    # One's own signature image only; nobody in the matrix has one.
    "profile/signature.jpg": Entry(lambda w: "/profile/signature.jpg", expect(set())),
    "profile/absences/": Entry(lambda w: "/profile/absences/", POST_ONLY),
    "profile/absences/<int:absence_id>/remove/": Entry(
        lambda w: "/profile/absences/999999/remove/", POST_ONLY
    ),
    "register/": Entry(lambda w: "/register/", expect(LEAD_A)),
    # Reports: team leaders (their pools) and managers (every pool) hold EXPORT.
    "reports/": Entry(lambda w: "/reports/", expect(LEAD_A | {"manager"})),
    "reports/export/": Entry(lambda w: "/reports/export/", POST_ONLY),
    # An export is its owner's only: someone else's (or none) is refused to every role.
    "reports/exports/<int:export_id>/": Entry(lambda w: "/reports/exports/999999/", expect(set())),
    "reports/exports/<int:export_id>/download/": Entry(
        lambda w: "/reports/exports/999999/download/", expect(set())
    ),
    # The board: team leaders (their pools) and managers (who export them); nobody else.
    "board/": Entry(lambda w: "/board/", expect(LEAD_A | {"manager"})),
    "board/figures/": Entry(lambda w: "/board/figures/", expect(LEAD_A | {"manager"})),
    # A case's whole record: whoever may export its pool.
    "cases/<int:case_id>/dossier/": Entry(
        lambda w: f"/cases/{w.case.pk}/dossier/", expect(LEAD_A | {"manager"})
    ),
    "i18n/setlang/": Entry(
        lambda w: "/i18n/setlang/", expect(set(), others="redirect", anonymous="redirect")
    ),
    "work/take-next/": Entry(lambda w: "/work/take-next/", POST_ONLY),
    "work/approvals/": Entry(lambda w: "/work/approvals/", expect(LOGGED_IN)),
    "work/notifications/": Entry(lambda w: "/work/notifications/", expect(LOGGED_IN)),
    "work/notifications/read/": Entry(lambda w: "/work/notifications/read/", POST_ONLY),
    "work/colleague-answers/<int:answer_id>/": Entry(
        lambda w: "/work/colleague-answers/1/", POST_ONLY
    ),
    "work/cases/<int:case_id>/viewers/": Entry(
        lambda w: f"/work/cases/{w.case.pk}/viewers/", expect(VIEW_A)
    ),
    "work/cases/<int:case_id>/draft/": Entry(
        lambda w: f"/work/cases/{w.case.pk}/draft/", POST_ONLY
    ),
    "work/cases/<int:case_id>/<str:action>/": Entry(
        lambda w: f"/work/cases/{w.case.pk}/take/", POST_ONLY
    ),
    "work/rules/": Entry(lambda w: "/work/rules/", expect(LEAD_A)),
    "work/rules/<str:code>/": Entry(lambda w: "/work/rules/SIN/", expect(LEAD_A)),
    "work/rules/<str:code>/new/": Entry(lambda w: "/work/rules/SIN/new/", expect(LEAD_A)),
    "work/rules/<str:code>/<int:rule_id>/": Entry(
        lambda w: f"/work/rules/SIN/{w.rule.pk}/", expect(LEAD_A)
    ),
    "work/rules/<str:code>/<int:rule_id>/delete/": Entry(
        lambda w: f"/work/rules/SIN/{w.rule.pk}/delete/", expect(LEAD_A)
    ),
    "work/rules/<str:code>/<int:rule_id>/move/<str:direction>/": Entry(
        lambda w: f"/work/rules/SIN/{w.rule.pk}/move/up/", POST_ONLY
    ),
    # Wagtail's documents and private-page passwords: nothing of ours is stored there.
    "documents/^(\\d+)/(.*)$": Entry(
        lambda w: "/documents/999/x.pdf", expect(set(), anonymous="deny")
    ),
    "documents/authenticate_with_password/<int:restriction_id>/": Entry(
        lambda w: "/documents/authenticate_with_password/999/", expect(set(), anonymous="deny")
    ),
    "_util/authenticate_with_password/<int:page_view_restriction_id>/<int:page_id>/": Entry(
        lambda w: f"/_util/authenticate_with_password/999/{w.case.pk}/",
        expect(set(), anonymous="deny"),
    ),
    "_util/login/": Entry(lambda w: "/_util/login/", expect(set(ROLES), anonymous="ok")),
    # The pages: see PAGES below.
    "^((?:[\\w\\-]+/)*)$": Entry(lambda w: "/", expect(LOGGED_IN)),
}
ADMIN_PREFIX = "admin/"
# ... page types ...
PAGES: dict[str, Entry] = {
    "wagtailcore.page": Entry(lambda w: "/", expect(LOGGED_IN)),  # only the tree's root
    "intranet.intranethomepage": Entry(lambda w: w.home.url, expect(LOGGED_IN)),
    "correspondence.poolpage": Entry(lambda w: w.pool_a.url, expect(VIEW_A)),
    "correspondence.yearpage": Entry(
        lambda w: w.case.get_parent().get_parent().url, expect(VIEW_A)
    ),
    "correspondence.monthpage": Entry(lambda w: w.case.get_parent().url, expect(VIEW_A)),
    "correspondence.casepage": Entry(lambda w: w.case.url, expect(VIEW_A)),
}
# ... sampled admin views. The admin needs access_admin: anyone else is sent to its
# login page. Wagtail refuses a page action by a redirect to the dashboard with a
# message ("redirect"); the month's explorer answers, empty: no case is listed.
ADMIN_ACCESS = {"editor", "superuser"}
ADMIN_ONLY = {"editor": "ok", "superuser": "ok"}
ADMIN_REFUSES = {"editor": "redirect", "superuser": "redirect"}
ADMIN_SAMPLES: dict[str, Entry] = {
    "/admin/": Entry(lambda w: "/admin/", expect(set(), others="login", **ADMIN_ONLY)),
    "explorer of a month": Entry(
        lambda w: f"/admin/pages/{w.case.get_parent().pk}/",
        expect(set(), others="login", **ADMIN_ONLY),
        leak_free=set(ROLES),
    ),
    "case editor": Entry(
        lambda w: f"/admin/pages/{w.case.pk}/edit/", expect(set(), others="login", **ADMIN_REFUSES)
    ),
    "case history": Entry(
        lambda w: f"/admin/pages/{w.case.pk}/history/",
        expect(set(), others="login", **ADMIN_REFUSES),
    ),
    "page search": Entry(
        lambda w: "/admin/pages/search/?q=ZX81",
        expect(set(), others="login", **ADMIN_ONLY),
        leak_free=set(ROLES),
    ),
    "admin API": Entry(
        lambda w: f"/admin/api/main/pages/{w.case.pk}/",
        expect(set(), others="login", editor="deny", superuser="deny"),
    ),
    "mailboxes": Entry(
        lambda w: "/admin/snippets/correspondence/mailbox/",
        expect(set(), others="login", **ADMIN_ONLY),
    ),
}
# ... and case actions: the case's state before, and who may do it.
OWNER_OR_LEAD = {"op_a", "leader", "superuser"}  # the case is taken by op_a
ACTIONS: dict[str, tuple[str, set[str], dict[str, str]]] = {
    "take": ("new", WORK_A, {}),
    "release": ("taken", OWNER_OR_LEAD, {}),
    "worked": ("taken", OWNER_OR_LEAD, {}),
    "close": ("taken", OWNER_OR_LEAD, {"resolution_text": "fatto"}),
    "reopen": ("closed", WORK_A, {}),
    "note": ("taken", WORK_A, {"text": "nota"}),
    "assign": ("taken", LEAD_A, {}),
    "transfer": ("taken", {"superuser"}, {"reason": "altro ufficio"}),  # needs a view of B too
    "classify": ("taken", WORK_A, {"urgency": "3", "reason": "urgente"}),
    "reply": ("taken", OWNER_OR_LEAD, {"to": SECRET_EMAIL, "text": "Risposta"}),
    "answers": ("taken", WORK_A, {"answer_targa": "AB123CD"}),
}


@dataclass
class World:
    home: Page
    pool_a: PoolPage
    pool_b: PoolPage
    users: dict[str, Any]
    case: CasePage
    attachment: Attachment
    rule: RoutingRule


def _user(name: str, *, groups: list[Group] = (), pools: list[PoolPage] = (), **extra: Any) -> User:  # type: ignore[assignment]
    user = User.objects.create_user(name, password="pw", **extra)
    UserProfile.objects.create(user=user, needs_approval=name == "junior")
    user.groups.add(*groups)
    for priority, pool in enumerate(pools, start=1):
        PoolMembership.objects.create(user=user, pool=pool, priority=priority)
    return user


def _secret_case(pool: PoolPage) -> CasePage:
    data = NewCase(
        channel="email",
        subject=SECRET_SUBJECT,
        received_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        customer_name="Cliente Riservato",
        customer_email=SECRET_EMAIL,
    )
    return case_create(pool=pool, data=data)


@pytest.fixture
def world(make_pool: Callable[..., PoolPage], home: Page) -> World:
    pool_a = make_pool("Sinistri", "SIN", "sinistri@assicura.example.it")
    pool_b = make_pool("Pagamenti", "PAG", "pagamenti@assicura.example.it")
    managers = Group.objects.create(name="Managers")
    for pool in (pool_a, pool_b):
        for perm in (permissions.VIEW, permissions.EXPORT):
            permissions.pool_permission_grant(group=managers, perm=perm, pool=pool)
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editors.permissions.add(*Permission.objects.filter(codename__endswith="_mailbox"))
    ops_a, leaders_a = (
        Group.objects.get(name="Sinistri operators"),
        Group.objects.get(name="Sinistri team leaders"),
    )
    users: dict[str, Any] = {
        "anonymous": AnonymousUser(),
        "op_a": _user("op_a", groups=[ops_a], pools=[pool_a]),
        "op_b": _user(
            "op_b", groups=[Group.objects.get(name="Pagamenti operators")], pools=[pool_b]
        ),
        "junior": _user("junior", groups=[ops_a], pools=[pool_a]),
        "leader": _user("leader", groups=[leaders_a], pools=[pool_a]),
        "editor": _user("editor", groups=[editors], is_staff=True),
        "manager": _user("manager", groups=[managers]),
        "superuser": _user("superuser", is_superuser=True, is_staff=True),
    }
    case = _secret_case(pool_a)
    message = Message.objects.create(
        case=case, kind="inbound", date=timezone.now(), subject=SECRET_SUBJECT
    )
    from django.core.files.base import ContentFile

    attachment = Attachment(
        message=message, filename="doc.pdf", content_type="application/pdf", size=4, sha256="a" * 64
    )
    attachment.file.save("doc.pdf", ContentFile(b"%PDF"), save=True)
    rule = RoutingRule.objects.create(pool=pool_a, name="regola")
    category = Category.objects.create(name="RC Auto", pool=pool_a)
    Question.objects.create(category=category, key="targa", label="Targa")
    Mailbox.objects.create(
        name="Sinistri",
        slug="sinistri",
        pool=pool_a,
        address="sinistri@assicura.example.it",
        protocol=Mailbox.Protocol.DIRECTORY,
        directory="/nonexistent",
    )
    return World(home, pool_a, pool_b, users, case, attachment, rule)


def _client(world: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(world.users[role])
    return client


def _outcome(response: Any) -> str:
    if response.status_code == 200:
        return "ok"
    if response.status_code in (403, 404):
        return "deny"
    if response.status_code == 405:
        return "405"
    if response.status_code in (301, 302):
        where = response["Location"]
        return "login" if "/login/" in where and "next=" in where else "redirect"
    return str(response.status_code)


def _check(world: World, name: str, entry: Entry) -> Iterator[str]:
    url = entry.url(world)
    for role in ROLES:
        response = _client(world, role).get(url)
        got, wanted = _outcome(response), entry.outcomes[role]
        if got != wanted:
            yield f"{name} {url} as {role}: {got} ({response.status_code}), expected {wanted}"
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        body = raw.decode(errors="replace")
        if got == "deny" or role in entry.leak_free:
            for secret in (SECRET_SUBJECT, SECRET_EMAIL):
                if secret in body:
                    yield f"{name} {url} as {role}: the body shows {secret!r}"


def _patterns(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def test_every_url_pattern_and_page_type_has_an_entry() -> None:
    patterns = set(_patterns(get_resolver().url_patterns))
    missing = sorted(p for p in patterns if p not in URLS and not p.startswith(ADMIN_PREFIX))
    assert missing == [], f"URL patterns with no entry in the permission table: {missing}"
    assert sorted(set(URLS) - patterns) == [], "entries for patterns that no longer exist"
    page_types = {m._meta.label_lower for m in get_page_models()}
    assert sorted(page_types - set(PAGES)) == [], "page types with no entry in the table"


def test_urls_pages_and_admin_samples_answer_each_role_as_the_table_says(world: World) -> None:
    problems = []
    for table in (URLS, PAGES, ADMIN_SAMPLES):
        for name, entry in table.items():
            problems += list(_check(world, name, entry))
    assert problems == [], "\n".join(problems)


def _prepare(world: World, state: str) -> CasePage:
    case = _secret_case(world.pool_a)
    if state in ("taken", "closed"):
        lifecycle.case_take(case_id=case.pk, user=world.users["op_a"])
    if state == "closed":
        lifecycle.case_close(
            case_id=case.pk,
            user=world.users["op_a"],
            resolution_type=ResolutionType.objects.first(),
            resolution_text="fatto",
        )
    CasePage.objects.filter(pk=case.pk).update(category=Category.objects.get(pool=world.pool_a))
    return CasePage.objects.get(pk=case.pk)


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_every_case_action_is_done_only_by_the_roles_the_table_names(
    world: World, action: str
) -> None:
    ResolutionType.objects.get_or_create(name="Risolta")
    state, allowed, data = ACTIONS[action]
    problems = []
    for role in ROLES:
        case = _prepare(world, state)
        post = dict(data)
        if action == "assign":
            post["user"] = str(world.users["junior"].pk)
        if action == "transfer":
            post["pool"] = str(world.pool_b.pk)
        if action == "close":
            post["resolution_type"] = str(ResolutionType.objects.first().pk)
        user = world.users[role]
        before = PageLogEntry.objects.filter(page_id=case.pk).count()
        response = _client(world, role).post(f"/work/cases/{case.pk}/{action}/", post)
        after = PageLogEntry.objects.filter(page_id=case.pk, user_id=getattr(user, "pk", None))
        done = PageLogEntry.objects.filter(page_id=case.pk).count() > before and after.exists()
        wanted = "done" if role in allowed else "refused"
        if (done and wanted == "refused") or (not done and wanted == "done"):
            problems.append(
                f"{action} as {role}: {'done' if done else 'refused'}, expected {wanted}"
            )
        if role == "anonymous" and _outcome(response) != "login":
            problems.append(f"{action} as anonymous: {_outcome(response)}")
        if role in ("op_b", "editor") and _outcome(response) != "deny":
            problems.append(f"{action} as {role}: {_outcome(response)}, expected deny")
        if _outcome(response) == "deny" and SECRET_SUBJECT.encode() in response.content:
            problems.append(f"{action} as {role}: the refusal shows the subject")
    assert problems == [], "\n".join(problems)
