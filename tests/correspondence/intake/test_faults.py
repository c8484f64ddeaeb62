"""Intake under faults: a reader killed mid-fetch, two readers at once, the database lost."""

import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import OperationalError, connection

from correspondence.errors import MailboxBusy
from correspondence.intake import imap, lease
from correspondence.intake.fetch import mailbox_fetch
from correspondence.intake.idle import MailboxWatcher, WatchTimings
from correspondence.models import CasePage, Mailbox, Message, PoolPage
from tests.support.imap import (
    IMAP_USERS,
    append,
    imap_account,
    imap_mailbox_create,
    mail,
    needs_imap,
)
from tests.support.processes import (
    backends_terminate,
    own_backend_pid,
    process_kill,
    process_start,
)

pytestmark = [pytest.mark.imap, needs_imap]
# test_imap.py reads the last account; this module the one before it.
USER = IMAP_USERS[-2] if len(IMAP_USERS) > 1 else ""
threaded_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def account() -> str:
    return imap_account(USER)


@pytest.fixture
def mailbox(sinistri: PoolPage, account: str) -> Mailbox:
    return imap_mailbox_create(
        pool=sinistri, user=account, slug="sinistri-faults", name="Sinistri faults"
    )


def _inbound() -> int:
    return Message.objects.filter(kind=Message.Kind.INBOUND).count()


def _exactly_once(count: int) -> None:
    uids = list(Message.objects.filter(kind="inbound").values_list("imap_uid", flat=True))
    assert len(uids) == len(set(uids)) == count
    assert CasePage.objects.count() == count


def _wait(condition: Callable[[], bool], *, within: float, what: str) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if condition():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {within} s")


# --- a reader that dies ---------------------------------------------------------------


@threaded_db
def test_a_reader_killed_mid_fetch_frees_its_mailbox_within_seconds(
    mailbox: Mailbox, account: str, tmp_path: Path
) -> None:
    append(account, *(mail(n) for n in range(300)))
    reader = process_start(
        ["manage.py", "mailbox_import", "--mailbox", mailbox.slug, "--batch-size", "20"],
        log=tmp_path / "reader.log",
    )
    try:
        _wait(lambda: _inbound() >= 20, within=60, what="the reader's first batch")
    finally:
        process_kill(reader)  # SIGKILL, mid-fetch: no finally of its own runs
    killed_at = time.monotonic()
    filed = _inbound()
    assert 0 < filed < 300, (tmp_path / "reader.log").read_text()

    def free() -> bool:
        try:
            claim = lease.mailbox_lease_acquire(mailbox_id=mailbox.pk)
        except MailboxBusy:
            return False
        lease.mailbox_lease_release(claim=claim)
        return True

    _wait(free, within=10, what="claiming the mailbox again")
    freed_after = time.monotonic() - killed_at
    print(f"\nmailbox free again {freed_after:.2f} s after the SIGKILL")
    assert freed_after < 3
    mailbox_fetch(mailbox_id=mailbox.pk)
    _exactly_once(300)


@threaded_db
def test_two_readers_never_read_one_mailbox_at_once(
    mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(account, *(mail(n) for n in range(60)))
    inside, most, busy = [0], [0], [0]
    guard = threading.Lock()
    real_batch_file = imap._batch_file

    def counted(*args: Any) -> None:
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        try:
            time.sleep(0.05)  # widen the window two readers could share
            real_batch_file(*args)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(imap, "_batch_file", counted)
    monkeypatch.setattr(imap, "imap_fetch", _small_batches(imap.imap_fetch))
    start = threading.Barrier(2)

    def reader(number: int) -> None:
        start.wait(timeout=10)
        try:
            for round_ in range(10):
                try:
                    mailbox_fetch(mailbox_id=mailbox.pk)
                except MailboxBusy:
                    busy[0] += 1
                append(account, mail(1000 + 100 * number + round_))
        finally:
            connection.close()

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    mailbox_fetch(mailbox_id=mailbox.pk)
    assert most[0] == 1 and busy[0] > 0
    _exactly_once(80)


def _small_batches(real: Callable[..., Any]) -> Callable[..., Any]:
    def fetch_small(**kwargs: Any) -> Any:
        return real(batch_size=5, **kwargs)

    return fetch_small


# --- the database lost during a fetch --------------------------------------------------


@pytest.fixture
def database_lost_on_second_batch(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """Ends the fetching session (as a database restart would) before its second batch."""
    real = imap.parsed_file
    calls: list[int] = []

    def ingest(**kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            backends_terminate(pids=[own_backend_pid()])
        return real(**kwargs)

    monkeypatch.setattr(imap, "parsed_file", ingest)
    monkeypatch.setattr(imap, "imap_fetch", _small_batches(imap.imap_fetch))
    yield calls


@threaded_db
def test_a_database_outage_mid_fetch_is_recorded_and_the_next_fetch_resumes(
    mailbox: Mailbox, account: str, database_lost_on_second_batch: list[int]
) -> None:
    uids = append(account, *(mail(n) for n in range(12)))
    with pytest.raises(OperationalError):
        mailbox_fetch(mailbox_id=mailbox.pk)
    failed = Mailbox.objects.get(pk=mailbox.pk)
    assert "the database failed during the fetch" in failed.last_error
    assert failed.failing_since and failed.last_uid == uids[4]  # the first batch stays filed
    assert _inbound() == 5

    # Nothing holds the mailbox: the very next fetch reads the rest.
    assert mailbox_fetch(mailbox_id=mailbox.pk).outcomes == {"created": 7}
    recovered = Mailbox.objects.get(pk=mailbox.pk)
    assert recovered.last_error == "" and recovered.failing_since is None
    assert recovered.last_error_at == failed.last_error_at
    _exactly_once(12)


@threaded_db
def test_the_watcher_resumes_within_seconds_after_losing_the_database(
    mailbox: Mailbox, account: str, database_lost_on_second_batch: list[int]
) -> None:
    stop = threading.Event()
    watcher = MailboxWatcher(
        mailbox_id=mailbox.pk,
        stop=stop,
        timings=WatchTimings(poll_seconds=0.2, check_seconds=0.1, backoff_first_seconds=0.5),
    )
    thread = threading.Thread(target=watcher.run)
    append(account, *(mail(n) for n in range(12)))
    started = time.monotonic()
    thread.start()
    try:
        _wait(lambda: _inbound() == 12, within=15, what="filing all twelve")
    finally:
        stop.set()
        thread.join(timeout=10)
    print(f"\nall filed {time.monotonic() - started:.2f} s after the start, one outage included")
    assert len(database_lost_on_second_batch) >= 3
    assert Mailbox.objects.get(pk=mailbox.pk).last_error_at is not None
    _exactly_once(12)


@threaded_db
def test_a_hung_reader_is_named_in_the_mailbox_error_and_its_end_frees_the_mailbox(
    mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader stopped (SIGSTOP) mid-fetch keeps its session and its lock: admins see it."""
    append(account, mail(1))
    db = connection.settings_dict
    hung = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    )
    hung.execute("SELECT pg_advisory_lock(%s, %s)", [lease.ADVISORY_NAMESPACE, mailbox.pk])
    with pytest.raises(MailboxBusy):
        mailbox_fetch(mailbox_id=mailbox.pk)
    assert Mailbox.objects.get(pk=mailbox.pk).last_error == ""  # busy is not yet hung

    monkeypatch.setattr(lease, "HUNG_AFTER", timedelta(0))
    with pytest.raises(MailboxBusy):
        mailbox_fetch(mailbox_id=mailbox.pk)
    stuck = Mailbox.objects.get(pk=mailbox.pk)
    pid = hung.info.backend_pid
    assert f"database session {pid}" in stuck.last_error and "it hangs" in stuck.last_error
    assert stuck.failing_since is not None

    hung.close()  # the stopped process is killed: its session ends, and its lock
    _wait(lambda: _fetched(mailbox), within=5, what="reading after the hung reader ended")
    assert Mailbox.objects.get(pk=mailbox.pk).last_error == ""
    _exactly_once(1)


def _fetched(mailbox: Mailbox) -> bool:
    try:
        mailbox_fetch(mailbox_id=mailbox.pk)
    except MailboxBusy:
        return False
    return True
