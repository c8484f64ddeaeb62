"""The profile page: a user chooses the notices they want by e-mail, and records their own
absences with a substitute; a team leader records those of the members of their pools;
mistakes get a clear message and record nothing."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from correspondence.models import PoolPage
from correspondence.permissions import acts_for, is_absent
from intranet.models import Absence, UserProfile

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _absence(prefix: str, starts: datetime, ends: datetime, **fields: object) -> dict[str, str]:
    data = {f"{prefix}-starts_at": _local(starts), f"{prefix}-ends_at": _local(ends)}
    return {**data, **{f"{prefix}-{k}": str(v) for k, v in fields.items()}}


def test_the_notices_chosen_by_email_are_kept_and_shown_again(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    ola = make_operator("ola", sinistri)
    client = _client(ola)
    page = client.get("/profile/").content.decode()
    assert "Tell me by e-mail too" in page and "New work assigned to me" in page
    response = client.post(
        "/profile/", {"language": "it", "notify_by_email": ["assigned", "reply_rejected"]}
    )
    assert response.status_code == 302
    assert UserProfile.objects.get(user=ola).notify_by_email == ["assigned", "reply_rejected"]
    page = client.get("/profile/").content.decode()
    ticked = re.findall(
        r'<input type="checkbox" name="notify_by_email" value="(\w+)"[^>]*checked', page
    )
    assert ticked == ["assigned", "reply_rejected"]
    client.post("/profile/", {"language": "it", "notify_by_email": ["all", "assigned"]})
    profile = UserProfile.objects.get(user=ola)
    assert profile.notify_by_email == ["all"] and profile.wants_email("escalation")
    client.post("/profile/", {"language": "it"})
    assert UserProfile.objects.get(user=ola).notify_by_email == []


def test_a_user_records_their_own_absence_and_the_substitute_works_their_cases(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    ola, bruno = make_operator("ola", sinistri), make_operator("bruno", sinistri)
    now = timezone.now()
    data = _absence("absence", now - timedelta(hours=1), now + timedelta(days=3))
    response = _client(ola).post(
        "/profile/absences/", {**data, "absence-substitute": bruno.pk, "absence-note": "Ferie"}
    )
    assert response.status_code == 302 and response["Location"] == "/profile/#absences"
    absence = Absence.objects.get()
    assert (absence.user, absence.substitute, absence.note) == (ola, bruno, "Ferie")
    assert is_absent(ola) and ola.pk in acts_for(bruno)
    logged = ModelLogEntry.objects.get(action="intranet.absence.set")
    assert logged.user_id == ola.pk
    page = _client(ola).get("/profile/").content.decode()
    assert "Ferie" in page and "bruno" in page


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("backwards", "The absence must end after it starts."),
        ("self", "Nobody can stand in for themselves: choose a colleague."),
        ("substitute away", "bruno is away too, from"),
        ("overlap", "An absence from"),
    ],
)
def test_mistakes_are_explained_and_nothing_is_recorded(
    sinistri: PoolPage, make_operator: Callable[..., User], case: str, message: str
) -> None:
    ola, bruno = make_operator("ola", sinistri), make_operator("bruno", sinistri)
    now = timezone.now()
    starts, ends, substitute = now + timedelta(days=1), now + timedelta(days=5), bruno
    if case == "backwards":
        starts, ends = ends, starts
    elif case == "self":
        substitute = ola
    elif case == "substitute away":
        Absence.objects.create(
            user=bruno, starts_at=now + timedelta(days=4), ends_at=now + timedelta(days=9)
        )
    else:
        Absence.objects.create(
            user=ola, starts_at=now + timedelta(days=2), ends_at=now + timedelta(days=3)
        )
    before = Absence.objects.count()
    response = _client(ola).post(
        "/profile/absences/",
        {**_absence("absence", starts, ends), "absence-substitute": substitute.pk},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Absence.objects.count() == before


def test_a_team_leader_records_a_members_absence_and_an_operator_cannot(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
) -> None:
    leader = make_operator("lea", sinistri, role="team leaders")
    ola, bruno = make_operator("ola", sinistri), make_operator("bruno", sinistri)
    paolo = make_operator("paolo", pagamenti)
    now = timezone.now()
    data = _absence("team", now, now + timedelta(days=2), user=ola.pk, substitute=bruno.pk)
    page = _client(leader).get("/profile/").content.decode()
    assert "A member of my pools will be away" in page
    assert "A member of my pools will be away" not in _client(ola).get("/profile/").content.decode()
    assert _client(leader).post("/profile/absences/", data).status_code == 302
    absence = Absence.objects.get()
    assert (absence.user, absence.substitute) == (ola, bruno)
    assert ModelLogEntry.objects.get(action="intranet.absence.set").user_id == leader.pk
    # Not a member of a pool the leader leads; nor may an operator set a colleague's.
    outsider = _absence("team", now, now + timedelta(days=2), user=paolo.pk)
    assert _client(leader).post("/profile/absences/", outsider).status_code == 200
    sneaky = _absence("team", now + timedelta(days=7), now + timedelta(days=8), user=bruno.pk)
    assert _client(ola).post("/profile/absences/", sneaky).status_code == 200
    assert Absence.objects.count() == 1
    # The leader may remove the member's absence; another operator may not.
    assert _client(bruno).post(f"/profile/absences/{absence.pk}/remove/").status_code == 403
    assert _client(leader).post(f"/profile/absences/{absence.pk}/remove/").status_code == 302
    assert not Absence.objects.exists()
