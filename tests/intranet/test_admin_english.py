"""An administrator who speaks English sees no Italian in any admin screen, even right
after an Italian colleague opened the same screens in the same process ("Scegli una
pagina (Coda)" was a page chooser's label frozen in the language of its first request).

Italian is recognised by the translations of our catalogue and of Wagtail's: every
Italian text of at least a few words is looked for in each English page.
"""

import gettext
import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import wagtail
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import NoReverseMatch, reverse
from wagtail.snippets.models import get_snippet_models

from correspondence.models import Mailbox, PoolPage
from intranet.models import IntranetHomePage, UserProfile

pytestmark = pytest.mark.django_db
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
CHOOSER_LABEL = re.compile(r"(Choose a page|Scegli una pagina) \(")
ENGLISH_CHOOSER = re.compile(r"\b(Choose (a|an|another) \w+|Edit this \w+)")


def _italian_texts() -> set[str]:
    """Literal pieces of at least three words of the Italian catalogues in use."""
    catalogues = [Path(settings.BASE_DIR) / "intranet/locale/it/LC_MESSAGES/django.mo"]
    catalogues += Path(wagtail.__file__).parent.glob("**/locale/it/LC_MESSAGES/django.mo")
    found: set[str] = set()
    for path in catalogues:
        with path.open("rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
        for msgid, msgstr in catalogue.items():
            if not isinstance(msgstr, str) or not msgid or msgstr == msgid:
                continue
            for piece in PLACEHOLDER.split(msgstr):
                piece = piece.strip(" .:()…,")
                if len(piece.split()) >= 3 and piece not in str(msgid):
                    found.add(piece)
    return found


def _admin(name: str, language: str) -> Client:
    user = User.objects.create_superuser(name, password="pw")
    UserProfile.objects.create(user=user, language=language)
    client = Client()
    client.force_login(user)
    return client


def _url(name: str, *args: object) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _screens(home: IntranetHomePage, pool: PoolPage) -> list[str]:
    urls = [
        "/admin/",
        f"/admin/pages/{home.pk}/",
        f"/admin/pages/{home.pk}/edit/",
        f"/admin/pages/{pool.pk}/edit/",
        f"/admin/pages/add/correspondence/poolpage/{home.pk}/",
        "/admin/users/",
        f"/admin/users/edit/{User.objects.get(username='eng').pk}/",
        "/admin/groups/",
        f"/admin/groups/edit/{Group.objects.get(name='Editors').pk}/",
        "/admin/workflows/list/",
        "/admin/workflows/tasks/index/",
        "/admin/reports/site-history/",
        "/admin/account/",
    ]
    for model in get_snippet_models():
        viewset = model.snippet_viewset
        urls.append(reverse(viewset.get_url_name("list")))
        if add := _url(viewset.get_url_name("add")):
            urls.append(add)
        first = model.objects.order_by("pk").first()
        if first is not None and (edit := _url(viewset.get_url_name("edit"), first.pk)):
            urls.append(edit)
    return urls


def _text(body: str) -> str:
    body = re.sub(r"<script.*?</script>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def test_every_admin_screen_in_english_after_an_italian_admin_has_no_italian(
    home: IntranetHomePage,
    sinistri: PoolPage,
    folder_mailbox: Mailbox,
    make_operator: Callable[..., User],
) -> None:
    make_operator("op", sinistri)
    Group.objects.get_or_create(name="Editors")
    italian, english = _admin("ita", "it"), _admin("eng", "en")
    screens = _screens(home, sinistri)
    assert len(screens) > 30
    for url in screens:
        response = italian.get(url)
        assert response.status_code in (200, 302), url
        # A page chooser's label is made once per process, in the language of the moment
        # ("Scegli una pagina (Coda)" to everyone, or "Choose a page (Pool)" to Italians).
        text = _text(response.content.decode())
        assert not CHOOSER_LABEL.search(text), url
        assert not ENGLISH_CHOOSER.search(text), (url, ENGLISH_CHOOSER.findall(text))
    assert "Salva" in _text(italian.get(f"/admin/pages/{sinistri.pk}/edit/").content.decode())
    italian_texts = _italian_texts()
    assert "Scegli una pagina" in italian_texts
    found = {}
    for url in screens:
        response = english.get(url)
        assert response.status_code in (200, 302), url
        text = _text(response.content.decode())
        assert not CHOOSER_LABEL.search(text), url
        if leaks := sorted(t for t in italian_texts if t in text):
            found[url] = leaks
    assert found == {}
