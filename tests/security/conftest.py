"""Fixtures of the security tests: a hostile message filed as a case, users of each role."""

import json
from collections.abc import Callable
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command

from correspondence.models import CasePage, Mailbox, PoolPage

HOSTILE = Path(__file__).resolve().parents[2] / "fixtures" / "security" / "hostile-related.eml"


@pytest.fixture
def hostile_case(folder_mailbox: Mailbox) -> CasePage:
    """The hostile multipart/related message, filed in Sinistri by the real intake."""
    out = StringIO()
    call_command("ingest_eml", "--mailbox", folder_mailbox.slug, str(HOSTILE), stdout=out)
    (line,) = [json.loads(x) for x in out.getvalue().splitlines()]
    assert line["outcome"] == "created", line
    return CasePage.objects.get(number=line["case"])


@pytest.fixture
def editor(db: None) -> User:
    """The demo's editor role: admin access and snippets, no pool."""
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    group, _ = Group.objects.get_or_create(name="Editors")
    user.groups.add(group)
    from django.contrib.auth.models import Permission

    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label__in=["correspondence", "wagtailadmin"],
            codename__regex=r"^(access_admin|(add|change|delete|view)_mailbox)$",
        )
    )
    return user


@pytest.fixture
def operator(make_operator: Callable[..., User], sinistri: PoolPage) -> User:
    return make_operator("op.sinistri", sinistri)
