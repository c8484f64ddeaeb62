"""A fresh install, without the demo, has working roles: the Editors group comes with the
database (migration intranet 0008, which also gives pools already there their groups), so
an editor alone publishes an auto-reply; a pool created in the admin comes with its
operators, team leaders and the managers' oversight.

pytest-django builds this database by running the migrations on an empty one: the
editors' migration runs before Django makes any model permission (post_migrate), which
is the fresh install's case; ``seed_demo`` never runs here."""

import importlib
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse

from correspondence import permissions
from correspondence.models import MailText, PoolPage
from intranet.models import IntranetHomePage, UserProfile

pytestmark = pytest.mark.django_db


def _login(user: User) -> Client:
    UserProfile.objects.get_or_create(user=user, defaults={"language": "en"})
    client = Client()
    client.force_login(user)
    return client


def test_an_editor_of_a_fresh_install_publishes_an_auto_reply_alone(
    sinistri: PoolPage,
) -> None:
    editors = Group.objects.get(name="Editors")
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    user.groups.add(editors)
    editor = _login(user)
    assert editor.get("/admin/").status_code == 200
    for model in ("quickreply", "mailtext", "mailbox", "category", "resolutiontype"):
        listing = reverse(f"wagtailsnippets_correspondence_{model}:list")
        assert editor.get(listing).status_code == 200, model
    data = {
        "kind": "auto_reply",
        "language": "it",
        "pool": str(sinistri.pk),
        "mailbox": "",
        "subject": "Ricevuta [{case_number}]",
        "body": "Gentile {customer_name}, abbiamo ricevuto la sua richiesta.",
        "action-publish": "action-publish",
    }
    response = editor.post(reverse("wagtailsnippets_correspondence_mailtext:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    text = MailText.objects.get(subject="Ricevuta [{case_number}]")
    assert text.live and not text.has_unpublished_changes
    assert not user.is_superuser and not text.workflow_in_progress


def _pool_form(home: IntranetHomePage, client: Client) -> dict[str, Any]:
    """The add form's own fields, as the admin renders them, filled in."""
    url = f"/admin/pages/add/correspondence/poolpage/{home.pk}/"
    html = client.get(url).content.decode()
    data: dict[str, Any] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html):
        data.setdefault(name, value)
    data.update(title="Reclami", slug="reclami", code="REC", addresses="reclami@example.it")
    data["language"] = "it"
    data["action-publish"] = "action-publish"
    return data


def test_a_pool_created_in_the_admin_comes_with_its_roles(home: IntranetHomePage) -> None:
    root = User.objects.create_superuser("root", password="pw")
    admin = _login(root)
    url = f"/admin/pages/add/correspondence/poolpage/{home.pk}/"
    response = admin.post(url, _pool_form(home, admin))
    body = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert response.status_code == 302, re.findall(r".{60}(?:required|invalid|Enter).{40}", body)
    pool = PoolPage.objects.get(code="REC")
    op, lead, boss = (User.objects.create_user(n) for n in ("op", "lead", "boss"))
    op.groups.add(Group.objects.get(name="Reclami operators"))
    lead.groups.add(Group.objects.get(name="Reclami team leaders"))
    boss.groups.add(Group.objects.get(name="Managers"))
    assert permissions.may(op, permissions.WORK, pool)
    assert not permissions.may(op, permissions.LEAD, pool)
    assert permissions.may(lead, permissions.LEAD, pool)
    assert permissions.may(boss, permissions.EXPORT, pool)
    assert not permissions.may(boss, permissions.WORK, pool)


def test_pools_there_before_the_roles_migration_get_their_roles_from_it(
    make_pool: Callable[..., PoolPage],
) -> None:
    # A pool made without its groups, as on an install that never ran seed_demo.
    pool = PoolPage.objects.get(pk=make_pool("Reclami", "REC").pk)
    Group.objects.filter(name__startswith="Reclami ").delete()
    roles = importlib.import_module("intranet.migrations.0008_roles_groups")
    roles.pool_roles_create(django_apps, None)
    roles.pool_roles_create(django_apps, None)  # twice: nothing doubles
    op, lead, boss = (User.objects.create_user(n) for n in ("op", "lead", "boss"))
    op.groups.add(Group.objects.get(name="Reclami operators"))
    lead.groups.add(Group.objects.get(name="Reclami team leaders"))
    boss.groups.add(Group.objects.get(name="Managers"))
    assert permissions.may(op, permissions.WORK, pool)
    assert not permissions.may(op, permissions.LEAD, pool)
    assert permissions.may(lead, permissions.LEAD, pool)
    assert permissions.may(lead, permissions.REGISTER, pool)
    assert permissions.may(boss, permissions.EXPORT, pool)
    assert not permissions.may(boss, permissions.WORK, pool)
