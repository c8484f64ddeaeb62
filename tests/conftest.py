"""Shared fixtures: a page tree with pools, groups with per-pool permissions, users."""

from collections.abc import Callable
from datetime import datetime

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from correspondence import permissions
from correspondence.models import CasePage, Mailbox, PoolMembership, PoolPage
from correspondence.services.cases import NewCase, case_create
from intranet.home import home_page_ensure
from intranet.models import IntranetHomePage, UserProfile

pytest_plugins = ["tests.support.smtp"]


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``postgresql`` prove what only PostgreSQL does (row locks, its plans):
    skipped, with their reason, when the suite runs on the demo's SQLite."""
    from django.conf import settings

    marker = item.get_closest_marker("postgresql")
    if marker and "sqlite" in settings.DATABASES["default"]["ENGINE"]:
        pytest.skip(marker.kwargs.get("reason") or "PostgreSQL only")


@pytest.fixture
def home(db: None) -> IntranetHomePage:
    return home_page_ensure()


@pytest.fixture
def make_pool(home: IntranetHomePage) -> Callable[..., PoolPage]:
    def make(title: str, code: str, address: str = "") -> PoolPage:
        pool = home.add_child(
            instance=PoolPage(title=title, slug=title.lower(), code=code, addresses=address)
        )
        permissions.pool_teams_grant(pool=pool, name=title)
        return pool

    return make


@pytest.fixture
def sinistri(make_pool: Callable[..., PoolPage]) -> PoolPage:
    return make_pool("Sinistri", "SIN", "sinistri@assicura.example.it")


@pytest.fixture
def pagamenti(make_pool: Callable[..., PoolPage]) -> PoolPage:
    return make_pool("Pagamenti", "PAG", "pagamenti@assicura.example.it")


@pytest.fixture
def make_operator(db: None) -> Callable[..., User]:
    def make(username: str, *pools: PoolPage, role: str = "operators") -> User:
        user = User.objects.create_user(username, password="pw")
        UserProfile.objects.create(user=user)
        for priority, pool in enumerate(pools, start=1):
            user.groups.add(Group.objects.get(name=f"{pool.title} {role}"))
            PoolMembership.objects.create(user=user, pool=pool, priority=priority)
        return user

    return make


@pytest.fixture
def make_case() -> Callable[..., CasePage]:
    def make(
        pool: PoolPage, subject: str = "Richiesta", when: datetime | None = None, **fields: object
    ) -> CasePage:
        data = NewCase(
            channel="email", subject=subject, received_at=when or timezone.now(), **fields
        )  # type: ignore[arg-type]
        return case_create(pool=pool, data=data)

    return make


@pytest.fixture
def folder_mailbox(sinistri: PoolPage, tmp_path: object) -> Mailbox:
    return Mailbox.objects.create(
        name="Sinistri",
        slug="sinistri",
        pool=sinistri,
        address="sinistri@assicura.example.it",
        protocol=Mailbox.Protocol.DIRECTORY,
        directory=str(tmp_path),
    )
