"""``rows_insert`` writes what ``bulk_create`` writes (COPY on PostgreSQL), on both
databases, and keeps Django's errors (#13)."""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.forms.models import model_to_dict
from wagtail.models import PageLogEntry

from correspondence.models import Attachment, CasePage, Mailbox, Message, PoolPage
from correspondence.services.rows import rows_insert

pytestmark = pytest.mark.django_db


def _messages(case: CasePage, mailbox: Mailbox, tag: str, uids: int = 0) -> list[Message]:
    """Messages with every kind of value: text with quotes, tabs and newlines, JSON
    lists and objects and null, dates, a file name, empty and missing values."""
    when = datetime(2026, 3, 2, 9, 14, 7, 123456, tzinfo=UTC)
    made = []
    for n, pec in enumerate([None, {"kind": "posta-certificata", "ids": ["a", "b"]}, {}]):
        message = Message(
            case=case if n != 2 else None,
            kind=Message.Kind.INBOUND,
            mailbox=mailbox,
            message_id=f"{tag}-{n}@example.it",
            in_reply_to="",
            references="<a@x> <b@y>",
            from_address="giulia.ferri@example.it",
            from_name='Giulia "Giò" Ferri\tà\\ł',
            to=["sinistri@assicura.example.it", "ș@example.ro"],
            cc=[],
            date=when,
            claimed_date=None if n else when,
            subject="Sinistro \\N 100% \\. — ăîșț żółć",
            text="riga 1\nriga 2\r\n\ttabulata \\ fine",
            html="<p>ciao</p>",
            raw_sha256="ab" * 32,
            pec=pec,
            imap_uidvalidity=7 if n else None,
            imap_uid=uids + n if n else None,
        )
        message.stamp()
        message.raw.name = f"raw/ab/cd/{tag}-{n}.eml"
        made.append(message)
    return made


def _rows(ids: list[int]) -> list[dict[str, Any]]:
    rows = [model_to_dict(m) for m in Message.objects.filter(pk__in=ids).order_by("pk")]
    for row in rows:
        del row["id"], row["message_id"], row["raw"], row["imap_uid"]
    return rows


def test_the_rows_are_the_ones_bulk_create_writes(
    folder_mailbox: Mailbox, make_case: Callable[..., CasePage], sinistri: PoolPage
) -> None:
    case = make_case(sinistri)
    theirs = Message.objects.bulk_create(_messages(case, folder_mailbox, "bulk"))
    ours = _messages(case, folder_mailbox, "rows", uids=10)
    rows_insert(model=Message, objs=ours)
    assert all(m.pk is not None and not m._state.adding for m in ours)
    assert _rows([m.pk for m in ours]) == _rows([m.pk for m in theirs])
    stored = Message.objects.filter(pk__in=[m.pk for m in ours]).order_by("pk")
    assert [m.imap_uid for m in stored] == [None, 11, 12]
    assert [m.raw.name for m in Message.objects.filter(pk__in=[m.pk for m in ours])] == [
        f"raw/ab/cd/rows-{n}.eml" for n in range(3)
    ]
    attachment = Attachment(message=ours[1], filename="perizia.pdf", size=3, sha256="cd" * 32)
    attachment.file.name = "attachments/cd/cd/x"
    rows_insert(model=Attachment, objs=[attachment])  # the message's new id is its key
    assert Attachment.objects.get(pk=attachment.pk).message_id == ours[1].pk
    # The sequence goes on after ids drawn for COPY: a plain save gets a new one.
    later = _messages(case, folder_mailbox, "later", uids=20)[0]
    later.save()
    assert later.pk > max(m.pk for m in ours)


def test_a_duplicate_is_djangos_integrity_error_and_the_batch_rolls_back(
    folder_mailbox: Mailbox, make_case: Callable[..., CasePage], sinistri: PoolPage
) -> None:
    case = make_case(sinistri)
    rows_insert(model=Message, objs=_messages(case, folder_mailbox, "once")[1:2])
    before = Message.objects.count()
    with pytest.raises(IntegrityError), transaction.atomic():  # same mailbox, UID, Message-ID
        rows_insert(model=Message, objs=_messages(case, folder_mailbox, "once"))
    assert Message.objects.count() == before


def test_a_page_row_is_inserted_from_the_case_and_the_log_from_its_entries(
    make_case: Callable[..., CasePage], sinistri: PoolPage
) -> None:
    case = make_case(sinistri)
    entries = [
        PageLogEntry(
            content_type_id=case.content_type_id,
            label=case.title,
            timestamp=datetime(2026, 3, 2, tzinfo=UTC),
            action="correspondence.case.create",
            page_id=case.pk,
            data={"number": case.number, "n": n},
        )
        for n in range(3)
    ]
    rows_insert(model=PageLogEntry, objs=entries)
    stored = PageLogEntry.objects.filter(
        page_id=case.pk, timestamp=datetime(2026, 3, 2, tzinfo=UTC)
    )
    assert sorted(e.data["n"] for e in stored.order_by("pk")) == [0, 1, 2]
    assert {e.pk for e in entries} == set(stored.values_list("pk", flat=True))
    assert connection.vendor in ("postgresql", "sqlite")


def test_a_batch_of_three_hundred_cases_is_one_valid_tree(sinistri: PoolPage) -> None:
    """More rows than SQLite takes variables in one statement: inserted in parts there."""
    from wagtail.models import Page

    from correspondence.services.batch import cases_create_batch
    from correspondence.services.cases import NewCase

    when = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    items = [
        NewCase(channel="email", subject=f"Sinistro {n}", received_at=when) for n in range(300)
    ]
    cases = cases_create_batch(pool=sinistri, items=items)
    assert CasePage.objects.filter(pool=sinistri).count() == 300
    assert [
        c.subject for c in CasePage.objects.filter(pk__in=[c.pk for c in cases]).order_by("path")
    ] == [f"Sinistro {n}" for n in range(300)]
    assert not any(Page.find_problems())
