"""Issue 11, hole 3: the Wagtail admin shows no case, year or month page to anyone, and
nobody, a superuser included, changes a case in the page editor."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.models import CasePage

LEAKS = ("Fattura con parti ostili", "ostile@attacker.example", "Mittente Ostile")


def _admin_urls(case: CasePage) -> list[str]:
    month = case.get_parent()
    year = month.get_parent()
    pool = case.pool
    urls = [
        "/admin/",
        "/admin/pages/",
        f"/admin/pages/{pool.pk}/",
        f"/admin/pages/{year.pk}/",
        f"/admin/pages/{month.pk}/",
        "/admin/pages/search/?q=Fattura",
        "/admin/pages/search/?q=ostile",
        f"/admin/api/main/pages/?child_of={month.pk}",
        f"/admin/api/main/pages/?child_of={pool.pk}",
        f"/admin/api/main/pages/{case.pk}/",
        "/admin/api/main/pages/?search=Fattura",
        "/admin/api/main/pages/?limit=100",
        "/admin/choose-page/",
        f"/admin/choose-page/{month.pk}/",
        "/admin/choose-page/search/?q=Fattura",
        "/admin/reports/site-history/",
        "/admin/reports/aging-pages/",
        "/admin/reports/locked/",
        "/admin/reports/page-types-usage/",
        "/admin/reports/workflow/",
        "/admin/reports/workflow_tasks/",
        "/admin/search/?q=Fattura",
        f"/admin/pages/{month.pk}/add_subpage/",
        f"/admin/pages/{case.pk}/workflow_history/",
        f"/admin/pages/{case.pk}/edit/preview/",
    ]
    for suffix in (
        "edit/",
        "history/",
        "revisions/",
        "delete/",
        "copy/",
        "move/",
        "unpublish/",
        "usage/",
        "lock/",
        "view_draft/",
        "preview/",
    ):
        urls.append(f"/admin/pages/{case.pk}/{suffix}")
    urls += [f"/admin/pages/{month.pk}/edit/", f"/admin/pages/{year.pk}/delete/"]
    return urls


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", password="pw")


@pytest.mark.parametrize("role", ["editor", "superuser"])
def test_the_admin_shows_no_case_anywhere(
    hostile_case: CasePage, role: str, request: pytest.FixtureRequest
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(role))
    for url in _admin_urls(hostile_case):
        response = client.get(url, follow=True)
        body = response.content.decode()
        assert response.status_code in {200, 400, 403, 404, 405}, (url, response.status_code)
        for leak in (*LEAKS, hostile_case.number):
            assert leak not in body, (role, url, leak)


@pytest.mark.parametrize("role", ["editor", "superuser"])
def test_nobody_changes_a_case_from_the_page_editor(
    hostile_case: CasePage, role: str, request: pytest.FixtureRequest
) -> None:
    client = Client()
    client.force_login(request.getfixturevalue(role))
    base = f"/admin/pages/{hostile_case.pk}/"
    posts = {
        "edit/": {"title": "x", "slug": "x", "subject": "riscritto", "action-publish": "1"},
        "delete/": {},
        "unpublish/": {},
        "copy/": {"new_title": "copia", "new_slug": "copia", "new_parent_page": hostile_case.pk},
        "lock/": {},
    }
    for suffix, data in posts.items():
        response = client.post(base + suffix, data)
        assert response.status_code in {302, 403, 404}, (suffix, response.status_code)
    case = CasePage.objects.get(pk=hostile_case.pk)
    assert case.subject == "Fattura con parti ostili" and case.live and not case.locked
    assert CasePage.objects.filter(number=hostile_case.number).count() == 1
    assert CasePage.objects.count() == 1
    assert not case.revisions.exists()


def test_pools_stay_editable_in_the_admin(hostile_case: CasePage, superuser: User) -> None:
    client = Client()
    client.force_login(superuser)
    pool = hostile_case.pool
    home = pool.get_parent()
    assert client.get(f"/admin/pages/{pool.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/{home.pk}/").status_code == 200
    adding = client.get(f"/admin/pages/add/correspondence/poolpage/{home.pk}/")
    assert adding.status_code == 200
    listing = client.get(f"/admin/pages/{home.pk}/").content.decode()
    assert pool.title in listing
