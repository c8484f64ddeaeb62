"""Presence: available at login, chosen in the top bar, offline at logout."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from correspondence.models import PoolPage
from intranet.models import UserProfile
from intranet.presence import presence_set, presences_idle_away

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


def test_idleness_sets_away_and_activity_brings_back_only_that_away(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    ola, bruno = make_operator("ola-idle", sinistri), make_operator("bruno-idle", sinistri)
    clients = {}
    for user in (ola, bruno):
        clients[user.pk] = Client()
        clients[user.pk].force_login(user)  # logging in makes them available
    later = timezone.now() + timedelta(minutes=16)
    assert presences_idle_away(now=later, minutes=15) == 2
    assert UserProfile.objects.get(user=ola).presence == "away"
    presence_set(user=bruno, presence="away")  # bruno chooses away himself
    for user in (ola, bruno):
        clients[user.pk].get("/work/notifications/", {"active": "1"})
    assert UserProfile.objects.get(user=ola).presence == "available"
    assert UserProfile.objects.get(user=bruno).presence == "away"
