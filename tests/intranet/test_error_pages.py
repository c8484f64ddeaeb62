"""Refusals and errors show the product's own page: calm, localised, with the navigation."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client, RequestFactory

from correspondence.models import PoolPage
from intranet.error_views import server_error
from intranet.models import UserProfile

pytestmark = pytest.mark.django_db

TEXTS = {
    "it": ("Non puoi aprire questa pagina", "Questa pagina non esiste", "Torna al mio lavoro"),
    "en": ("You may not open this page", "This page does not exist", "Back to my work"),
}


def _client(user: User, language: str) -> Client:
    UserProfile.objects.filter(user=user).update(language=language)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_refusal_and_a_missing_page_in_the_users_language(
    language: str,
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
) -> None:
    forbidden, missing, back = TEXTS[language]
    client = _client(make_operator("op", pagamenti), language)

    refused = client.get(sinistri.url)  # a pool the operator is not in
    body = refused.content.decode()
    assert refused.status_code == 403
    assert forbidden in body and back in body
    assert f'<html lang="{language}">' in body
    assert 'class="topnav"' in body and "intranet.css" in body  # the intranet's own frame
    assert "Sinistri" in body  # the reason names the pool

    absent = client.get("/no-such-page/")
    body = absent.content.decode()
    assert absent.status_code == 404
    assert missing in body and back in body and 'class="topnav"' in body
    assert "Traceback" not in body and "DEBUG" not in body


def test_an_anonymous_visitor_gets_the_page_in_the_browsers_language(db: None) -> None:
    absent = Client().get("/no-such-page/", headers={"accept-language": "it"})
    assert absent.status_code == 404
    body = absent.content.decode()
    assert TEXTS["it"][1] in body and 'class="topnav"' not in body  # no menus before login


@pytest.mark.parametrize("language", ["it", "en"])
def test_a_server_error_keeps_the_navigation(
    language: str, sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    from django.utils import translation

    request = RequestFactory().get("/")
    request.user = make_operator("op", sinistri)
    with translation.override(language):
        response = server_error(request)
    body = response.content.decode()
    assert response.status_code == 500
    heading = {"it": "Qualcosa non ha funzionato da parte nostra", "en": "went wrong on our side"}
    assert heading[language] in body and 'class="topnav"' in body
