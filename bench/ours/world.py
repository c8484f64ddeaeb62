"""The world every measure of ours runs in: a home page, a pool, its people, an IMAP mailbox."""

from django.contrib.auth.models import Group, User

from bench import config
from correspondence import permissions
from correspondence.models import Mailbox, PoolMembership, PoolPage
from intranet.home import home_page_ensure
from intranet.models import IntranetHomePage, UserProfile

POOL_CODE = "BEN"
POOL_ADDRESS = "bench@assicura.example.it"
OPERATORS = [f"op{n:02d}" for n in range(1, 17)]


def _pool(home: IntranetHomePage) -> PoolPage:
    pool = PoolPage.objects.filter(code=POOL_CODE).first()
    if pool is not None:
        return pool
    pool = home.add_child(
        instance=PoolPage(title="Bench", slug="bench", code=POOL_CODE, addresses=POOL_ADDRESS)
    )
    permissions.pool_teams_grant(pool=pool, name="Bench")
    return pool


def _user(username: str, pool: PoolPage, role: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User.objects.create_user(username, password="bench", first_name=username)
    UserProfile.objects.create(user=user)
    user.groups.add(Group.objects.get(name=f"Bench {role}"))
    PoolMembership.objects.create(user=user, pool=pool, priority=1)
    return user


def world_build() -> PoolPage:
    """Creates what is missing: home, the Bench pool, leader, operator, op01..op16, mailbox."""
    pool = _pool(home_page_ensure())
    _user("leader", pool, "team leaders")
    for name in ["operator", *OPERATORS]:
        _user(name, pool, "operators")
    Mailbox.objects.get_or_create(
        slug="bench",
        defaults={
            "name": "Bench",
            "pool": pool,
            "address": POOL_ADDRESS,
            "protocol": Mailbox.Protocol.IMAP,
            "imap_host": config.IMAP_HOST,
            "imap_port": config.IMAP_PORT,
            "imap_security": Mailbox.Security.NONE,
            "imap_user": config.OURS_IMAP_USER,
            "imap_secret_env": "CORRISPONDENZA_MAILBOX_BENCH_IMAP",
            "after_processing": Mailbox.AfterProcessing.LEAVE,
            "start_from": Mailbox.StartFrom.ALL,
        },
    )
    return pool


def mailbox() -> Mailbox:
    return Mailbox.objects.get(slug="bench")
