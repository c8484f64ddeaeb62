"""The staff interface speaks Italian by default, and each user's own language."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from correspondence.models import PoolPage

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "expected"),
    [("it", "Prendi"), ("pl", "Pobierz"), ("ro", "Preia"), ("en", "Take next case")],
)
def test_each_users_language_is_used(
    language: str, expected: str, sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    user = make_operator(f"op-{language}", sinistri)
    user.profile.language = language
    user.profile.save()
    client = Client()
    client.force_login(user)
    assert expected in client.get("/").content.decode()


def test_catalogues_cover_the_interface() -> None:
    for language in ("it", "pl", "ro"):
        with translation.override(language):
            assert translation.gettext("Take next case") != "Take next case", language
            assert translation.gettext("Register a request") != "Register a request", language


def test_catalogues_cover_approval_and_consultation() -> None:
    for language in ("it", "pl", "ro"):
        with translation.override(language):
            for text in ("Approve and send", "Consult a department", "Hand over to a colleague"):
                assert translation.gettext(text) != text, (language, text)


# A word each page shows in the user's language, from the navigation every page has.
MY_PROFILE = {"it": "Il mio profilo", "pl": "Mój profil", "ro": "Profilul meu", "en": "My profile"}


@pytest.mark.parametrize("language", ["it", "pl", "ro", "en"])
def test_every_intranet_page_renders_in_each_language(
    language: str,
    sinistri: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., object],
) -> None:
    from correspondence.models import CasePage
    from workflow.taking import case_take_next

    leader = make_operator(f"lead-{language}", sinistri, role="team leaders")
    leader.profile.language = language
    leader.profile.save()
    case = make_case(sinistri, "Richiesta", customer_email="c@example.it")
    assert isinstance(case, CasePage)
    case_take_next(user=leader)
    client = Client()
    client.force_login(leader)
    pages = [
        "/",
        sinistri.url,
        case.url,
        "/search/?q=Richiesta",
        "/register/",
        "/profile/",
        "/work/rules/",
        f"/work/rules/{sinistri.code}/",
        f"/work/rules/{sinistri.code}/new/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert f'<html lang="{language}">' in html, url
        assert MY_PROFILE[language] in html, url
