"""A user of one pool reaches nothing of another pool, whatever the way in."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence import permissions
from correspondence.errors import CaseActionDenied
from correspondence.models import Attachment, CasePage, Message, PoolPage

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_pools(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_case: Callable[..., CasePage],
    make_operator: Callable[..., User],
) -> dict[str, object]:
    return {
        "own": make_case(sinistri, subject="nostro"),
        "foreign": make_case(pagamenti, subject="altrui"),
        "operator": make_operator("op.sinistri", sinistri),
    }


def test_pools_for_gives_only_the_users_pools(two_pools: dict, sinistri: PoolPage) -> None:
    operator = two_pools["operator"]
    assert list(permissions.pools_for(operator, permissions.VIEW)) == [sinistri]
    assert list(permissions.pools_for(operator, permissions.LEAD)) == []


def test_cases_visible_to_hides_the_other_pool(two_pools: dict) -> None:
    visible = permissions.cases_visible_to(two_pools["operator"])
    assert list(visible) == [two_pools["own"]]


def test_may_and_require_refuse_the_other_pool(two_pools: dict, pagamenti: PoolPage) -> None:
    operator = two_pools["operator"]
    assert not permissions.may(operator, permissions.VIEW, pagamenti)
    with pytest.raises(CaseActionDenied):
        permissions.require_case_permission(operator, permissions.VIEW, two_pools["foreign"])
    permissions.require_case_permission(operator, permissions.WORK, two_pools["own"])


def test_an_unknown_permission_is_a_programming_error(two_pools: dict, sinistri: PoolPage) -> None:
    with pytest.raises(ValueError, match="unknown pool permission"):
        permissions.may(two_pools["operator"], "delete_everything", sinistri)


def test_a_superuser_sees_every_pool(two_pools: dict) -> None:
    admin = User.objects.create_superuser("root", password="pw")
    assert permissions.cases_visible_to(admin).count() == 2


def test_an_inactive_or_anonymous_user_sees_nothing(two_pools: dict) -> None:
    from django.contrib.auth.models import AnonymousUser

    operator = two_pools["operator"]
    operator.is_active = False
    assert permissions.cases_visible_to(operator).count() == 0
    assert permissions.cases_visible_to(AnonymousUser()).count() == 0


def test_pages_of_the_other_pool_are_forbidden(two_pools: dict) -> None:
    client = Client()
    client.force_login(two_pools["operator"])
    assert client.get(two_pools["own"].url).status_code == 200
    assert client.get(two_pools["foreign"].url).status_code == 403
    assert client.get(two_pools["foreign"].pool.url).status_code == 403


def test_the_home_page_lists_only_the_users_pools(two_pools: dict) -> None:
    client = Client()
    client.force_login(two_pools["operator"])
    body = client.get("/").content.decode()
    assert "Sinistri" in body and "Pagamenti" not in body


def test_attachments_of_the_other_pool_are_not_found(two_pools: dict, tmp_path: object) -> None:
    from django.core.files.base import ContentFile
    from django.utils import timezone

    foreign = Message.objects.create(
        case=two_pools["foreign"], kind="inbound", date=timezone.now(), subject="x"
    )
    attachment = Attachment(
        message=foreign, filename="a.pdf", content_type="application/pdf", size=3, sha256="0" * 64
    )
    attachment.file.save("a.pdf", ContentFile(b"pdf"), save=True)
    client = Client()
    client.force_login(two_pools["operator"])
    assert client.get(f"/attachments/{attachment.pk}/").status_code == 404


def test_anonymous_visitors_are_sent_to_login(two_pools: dict) -> None:
    response = Client().get(two_pools["own"].url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "action",
    [
        "take",
        "release",
        "worked",
        "close",
        "reopen",
        "note",
        "assign",
        "transfer",
        "classify",
        "reply",
        "draft",
        "viewers",
    ],
)
def test_no_action_reaches_the_other_pools_case(two_pools: dict, action: str) -> None:
    client = Client()
    client.force_login(two_pools["operator"])
    foreign = two_pools["foreign"]
    url = f"/work/cases/{foreign.pk}/{action}/"
    response = (
        client.get(url)
        if action == "viewers"
        else client.post(url, {"text": "x", "to": "a@example.it", "reason": "x"})
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert (foreign.state, foreign.assignee_id) == ("new", None)
    assert not Message.objects.filter(case=foreign).exists()


def test_a_revoked_permission_takes_effect_at_once(two_pools: dict, sinistri: PoolPage) -> None:
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="Sinistri operators")
    permissions.pool_permission_revoke(group=group, perm=permissions.VIEW, pool=sinistri)
    assert permissions.cases_visible_to(two_pools["operator"]).count() == 0
