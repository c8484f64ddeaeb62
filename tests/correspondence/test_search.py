"""Operators find cases by number, sender, words and dates, only among what is meant for them."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Mailbox, PoolPage
from workflow.lifecycle import case_take

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


@pytest.fixture
def world(
    folder_mailbox: Mailbox,
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> dict:
    op, colleague = make_operator("op", sinistri), make_operator("colleague", sinistri)
    pec = message_ingest(
        mailbox=folder_mailbox, raw=(CORPUS / "17-pec-posta-certificata.eml").read_bytes()
    ).case
    march = make_case(
        sinistri,
        subject="Rimborso carrozzeria",
        when=datetime(2026, 3, 10, 9, tzinfo=UTC),
        customer_email="a@example.it",
    )
    april = make_case(
        sinistri,
        subject="Rimborso vetri",
        when=datetime(2026, 4, 10, 9, tzinfo=UTC),
        customer_email="b@example.pl",
    )
    theirs = make_case(sinistri, subject="Rimborso altrui")
    case_take(case_id=theirs.pk, user=colleague)
    foreign = make_case(pagamenti, subject="Rimborso pagamento")
    client = Client()
    client.force_login(op)
    return {
        "client": client,
        "pec": pec,
        "march": march,
        "april": april,
        "theirs": theirs,
        "foreign": foreign,
    }


def _found(world: dict, **params: str) -> set[str]:
    body = world["client"].get("/search/", params).content.decode()
    return {
        key for key in ("pec", "march", "april", "theirs", "foreign") if world[key].number in body
    }


def test_by_number_sender_words_and_message_text(world: dict) -> None:
    assert _found(world, q=world["april"].number) == {"april"}
    assert _found(world, q="b@example.pl") == {"april"}
    assert _found(world, q="rimborso") == {"march", "april"}
    assert _found(world, q="rimb vetr") == {"april"}  # prefixes of words
    assert _found(world, q="messa in mora") == {"pec"}  # words of the PEC's text


def test_a_whole_address_finds_that_sender_a_part_finds_every_address_with_it(
    world: dict, make_case: Callable, sinistri: PoolPage
) -> None:
    longer = make_case(sinistri, subject="Altro", customer_email="bob@example.pl")
    assert _found(world, q="B@Example.PL ") == {"april"}
    assert (
        longer.number not in world["client"].get("/search/", {"q": "b@example.pl"}).content.decode()
    )
    body = world["client"].get("/search/", {"q": "@example.pl"}).content.decode()
    assert world["april"].number in body and longer.number in body


def test_by_date_range_and_state(world: dict) -> None:
    assert _found(world, q="rimborso", **{"from": "2026-04-01", "to": "2026-04-30"}) == {"april"}
    assert _found(world, q="rimborso", state="taken") == set()


@pytest.mark.parametrize(
    ("language", "start", "end", "placeholder"),
    [
        ("it", "01/04/2026", "30/04/2026", "gg/mm/aaaa"),
        ("pl", "1.04.2026", "30.04.2026", "dd.mm.rrrr"),
    ],
)
def test_dates_are_typed_as_the_users_language_writes_them(
    world: dict, language: str, start: str, end: str, placeholder: str
) -> None:
    user = User.objects.get(pk=int(world["client"].session["_auth_user_id"]))
    user.profile.language = language
    user.profile.save()
    found = _found(world, q="rimborso", **{"from": start, "to": end})
    assert found == {"april"}
    page = world["client"].get("/search/", {"q": "rimborso"}).content.decode()
    assert f'placeholder="{placeholder}"' in page


def test_never_another_pool_nor_a_colleagues_case(world: dict) -> None:
    assert "foreign" not in _found(world, q="rimborso")
    assert "theirs" not in _found(world, q="altrui")


def test_the_pool_list_pages_without_counting(
    world: dict, make_case: Callable, sinistri: PoolPage
) -> None:
    for i in range(55):
        make_case(sinistri, subject=f"Pratica {i}")
    client = world["client"]
    first = client.get(sinistri.url).content.decode()
    assert "page=2" in first and "page=0" not in first
    second = client.get(sinistri.url, {"page": "2"}).content.decode()
    assert "page=1" in second and "page=3" not in second


def test_words_of_the_demo_messages_bodies_and_subjects_on_either_database(
    world: dict, folder_mailbox: Mailbox
) -> None:
    """The demo's words: "incrocio" is only in the body of the first Sinistri message."""
    demo = CORPUS.parent / "demo" / "mail" / "sinistri"
    cases = {
        path.name: message_ingest(mailbox=folder_mailbox, raw=path.read_bytes()).case
        for path in sorted(demo.glob("*.eml"))
    }
    client = world["client"]

    def found(q: str) -> set[str]:
        body = client.get("/search/", {"q": q}).content.decode()
        return {name for name, case in cases.items() if case.number in body}

    assert found("incrocio") == {"01-incidente-torino.eml"}
    assert found("incroc corso") == {"01-incidente-torino.eml"}  # prefixes, every word
    assert found("ZGŁOSZENIE") == {"02-szkoda-krakow.eml"}  # any case, any alphabet
    assert found("daună cluj") == {"03-dauna-cluj.eml"}
    assert found("incrocio cluj") == set()
