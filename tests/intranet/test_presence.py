"""Presence: available at login, chosen in the top bar, offline at logout."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.models import PoolPage
from intranet.models import UserProfile

pytestmark = pytest.mark.django_db


def test_presence_follows_login_choice_and_logout(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    user = make_operator("op", sinistri)
    client = Client()
    assert client.post("/login/", {"username": "op", "password": "pw"}).status_code == 302
    assert UserProfile.objects.get(user=user).presence == "available"
    client.post("/presence/", {"presence": "dnd", "next": "https://evil.example/"})
    assert UserProfile.objects.get(user=user).presence == "dnd"
    client.post("/presence/", {"presence": "nonsense"})
    assert UserProfile.objects.get(user=user).presence == "dnd"
    client.post("/logout/")
    assert UserProfile.objects.get(user=user).presence == "offline"


def test_a_redirect_never_leaves_the_site(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    make_operator("op", sinistri)
    client = Client()
    client.post("/login/", {"username": "op", "password": "pw"})
    response = client.post("/presence/", {"presence": "away", "next": "https://evil.example/"})
    assert response["Location"] == "/"
