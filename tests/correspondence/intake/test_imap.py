"""Intake from a real IMAP server (the test Dovecot): every message filed once, none lost."""

import io
import os
import random
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from django.core import mail as django_mail
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone
from imapclient import IMAPClient

from correspondence import tasks
from correspondence.errors import MailboxUnavailable
from correspondence.intake import imap
from correspondence.intake.fetch import mailbox_fetch
from correspondence.intake.idle import MailboxWatcher, WatchTimings, backoff_next
from correspondence.models import CasePage, Mailbox, Message, PoolPage, QuarantinedMessage
from correspondence.services import alerts
from tests.support.imap import (
    IMAP_HOST,
    IMAP_PORT,
    IMAP_USERS,
    PASSWORD_ENV,
    append,
    folder_flags,
    imap_account,
    imap_client,
    imap_mailbox_create,
    mail,
    needs_imap,
)

pytestmark = [pytest.mark.imap, needs_imap]
# One account for this module; other modules should pick another of TEST_IMAP_USERS.
USER = IMAP_USERS[-1] if IMAP_USERS else ""
FAST = WatchTimings(poll_seconds=0.2, check_seconds=0.1, backoff_first_seconds=0.1)
threaded_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)
# doveadm, to make the server drop a connection as an admin or a restart would.
SERVICES_DIR = os.environ.get("CORRISPONDENZA_SERVICES_DIR", "/tmp/corrispondenza-services")
DOVECOT_CONF = Path(SERVICES_DIR) / "dovecot" / "dovecot.conf"


@pytest.fixture
def account() -> str:
    return imap_account(USER)


@pytest.fixture
def imap_mailbox(sinistri: PoolPage, account: str) -> Mailbox:
    return imap_mailbox_create(pool=sinistri, user=account, slug="sinistri-imap")


def _subjects() -> list[str]:
    return sorted(CasePage.objects.values_list("subject", flat=True))


def _refresh(mailbox: Mailbox) -> Mailbox:
    mailbox.refresh_from_db()
    return mailbox


# --- fetching -------------------------------------------------------------------------


@pytest.mark.django_db
def test_new_messages_become_cases_and_stay_unread_on_the_server(
    imap_mailbox: Mailbox, account: str
) -> None:
    uids = append(account, mail(1), mail(2), mail(3))
    summary = mailbox_fetch(mailbox_id=imap_mailbox.pk)
    assert summary.outcomes == {"created": 3}
    assert len(_subjects()) == 3
    assert sorted(Message.objects.filter(kind="inbound").values_list("imap_uid", flat=True)) == uids
    mailbox = _refresh(imap_mailbox)
    assert mailbox.last_uid == uids[-1] and mailbox.uidvalidity and mailbox.last_success_at
    assert all(b"\\Seen" not in flags for flags in folder_flags(account).values())


@pytest.mark.django_db
def test_start_from_now_files_nothing_old_then_each_new_message(
    imap_mailbox: Mailbox, account: str
) -> None:
    uids = append(account, mail(1), mail(2))
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(start_from=Mailbox.StartFrom.NOW)
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {}
    assert _refresh(imap_mailbox).last_uid == uids[-1] and not CasePage.objects.exists()
    append(account, mail(3, subject="Arrivata dopo"))
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 1}
    assert _subjects() == ["Arrivata dopo"]


@pytest.mark.django_db
def test_start_from_a_date_skips_older_mail(imap_mailbox: Mailbox, account: str) -> None:
    with imap_client(account) as client:
        client.append("INBOX", mail(1, subject="Vecchia"), msg_time=datetime(2020, 5, 4))
        client.append("INBOX", mail(2, subject="Recente"))
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(
        start_from=Mailbox.StartFrom.DATE, start_date=date(2024, 1, 1)
    )
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 1}
    assert _subjects() == ["Recente"]


@pytest.mark.django_db
def test_the_same_fetch_twice_makes_no_duplicates(imap_mailbox: Mailbox, account: str) -> None:
    append(account, mail(1), mail(2))
    mailbox_fetch(mailbox_id=imap_mailbox.pk)
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {}
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(last_uid=0)  # everything read again
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"ignored": 2}
    assert CasePage.objects.count() == 2 and Message.objects.filter(kind="inbound").count() == 2


@pytest.mark.django_db
def test_messages_are_read_in_bounded_batches(
    imap_mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(account, *(mail(n) for n in range(5)))
    batches: list[int] = []
    real_fetch = IMAPClient.fetch

    def counting_fetch(self: IMAPClient, uids: list[int], data: list[str], **kw: Any) -> Any:
        if "BODY.PEEK[]" in data:  # not the sizes, read once for all
            batches.append(len(uids))
        return real_fetch(self, uids, data, **kw)

    monkeypatch.setattr(IMAPClient, "fetch", counting_fetch)
    summary = imap.imap_fetch(mailbox=imap_mailbox, batch_size=2)
    assert summary.outcomes == {"created": 5} and batches == [2, 2, 1]


@pytest.mark.django_db
def test_batches_are_bounded_in_bytes_too(
    imap_mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = mail(2) + b"A" * 3000 + b"\n"
    append(account, mail(1), big, mail(3), mail(4))
    monkeypatch.setattr(imap, "BATCH_BYTES", len(big) + 10)
    batches: list[int] = []
    real_ingest = imap.parsed_file

    def counting_ingest(**kw: Any) -> Any:
        batches.append(len(kw["parsed"]))
        return real_ingest(**kw)

    monkeypatch.setattr(imap, "parsed_file", counting_ingest)
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 4}
    assert batches == [1, 1, 2]  # the big message alone; the small ones fill a batch


def _in_batches_of_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """mailbox_fetch reads five messages as three batches: [1, 2], [3, 4], [5]."""
    monkeypatch.setattr(imap, "imap_fetch", partial(imap.imap_fetch, batch_size=2))


@pytest.mark.django_db
def test_a_connection_dropped_mid_batch_loses_and_duplicates_nothing(
    imap_mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(after_processing=Mailbox.AfterProcessing.FLAG)
    uids = append(account, *(mail(n) for n in range(5)))
    _in_batches_of_two(monkeypatch)
    clients: list[IMAPClient] = []
    real_fetch, real_ingest = IMAPClient.fetch, imap.parsed_file

    def spying_fetch(self: IMAPClient, *args: Any, **kw: Any) -> Any:
        clients.append(self)
        return real_fetch(self, *args, **kw)

    def ingest_then_drop(**kw: Any) -> Any:
        results = real_ingest(**kw)
        # The server goes away once the 2nd batch is filed.
        if kw["parsed"][0].incoming.uid == uids[2]:
            clients[-1].socket().shutdown(socket.SHUT_RDWR)
        return results

    monkeypatch.setattr(IMAPClient, "fetch", spying_fetch)
    monkeypatch.setattr(imap, "parsed_file", ingest_then_drop)
    with pytest.raises(MailboxUnavailable, match=f"marking message {uids[2]} as seen failed"):
        mailbox_fetch(mailbox_id=imap_mailbox.pk)
    mailbox = _refresh(imap_mailbox)
    assert mailbox.last_uid == uids[1] and mailbox.failing_since and CasePage.objects.count() == 4

    monkeypatch.setattr(imap, "parsed_file", real_ingest)
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"ignored": 2, "created": 1}
    assert CasePage.objects.count() == 5 and Message.objects.filter(kind="inbound").count() == 5
    assert all(b"\\Seen" in flags for flags in folder_flags(account).values())
    assert _refresh(imap_mailbox).failing_since is None


@pytest.mark.django_db
def test_an_error_while_filing_stops_the_batch_and_the_rerun_finishes_it(
    imap_mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    uids = append(account, *(mail(n) for n in range(4)))
    _in_batches_of_two(monkeypatch)
    real_ingest = imap.parsed_file

    def failing_second_batch(**kw: Any) -> Any:
        if kw["parsed"][0].incoming.uid == uids[2]:
            raise MailboxUnavailable("connection reset while filing")
        return real_ingest(**kw)

    monkeypatch.setattr(imap, "parsed_file", failing_second_batch)
    with pytest.raises(MailboxUnavailable):
        mailbox_fetch(mailbox_id=imap_mailbox.pk)
    assert _refresh(imap_mailbox).last_uid == uids[1] and CasePage.objects.count() == 2
    monkeypatch.setattr(imap, "parsed_file", real_ingest)
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 2}
    assert CasePage.objects.count() == 4


class WorkerKilled(BaseException):
    """Stands for SIGKILL: nothing after it runs, not even except clauses."""


@pytest.mark.django_db
def test_a_worker_killed_after_filing_but_before_advancing_duplicates_nothing(
    imap_mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    uids = append(account, *(mail(n) for n in range(5)))
    _in_batches_of_two(monkeypatch)
    real_advance = imap._last_uid_advance

    def killed_after_second_batch(mailbox: Mailbox, uid: int) -> None:
        if uid == uids[3]:
            raise WorkerKilled
        real_advance(mailbox, uid)

    monkeypatch.setattr(imap, "_last_uid_advance", killed_after_second_batch)
    with pytest.raises(WorkerKilled):
        mailbox_fetch(mailbox_id=imap_mailbox.pk)
    assert _refresh(imap_mailbox).last_uid == uids[1] and CasePage.objects.count() == 4
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(locked_until=None)  # the lease ran out

    monkeypatch.setattr(imap, "_last_uid_advance", real_advance)
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"ignored": 2, "created": 1}
    assert CasePage.objects.count() == 5 and _refresh(imap_mailbox).last_uid == uids[-1]


@pytest.mark.django_db
def test_a_poison_message_is_quarantined_and_the_rest_goes_through(
    imap_mailbox: Mailbox, account: str
) -> None:
    uids = append(account, mail(1), b"\x00" * 10, mail(3))
    summary = mailbox_fetch(mailbox_id=imap_mailbox.pk)
    assert summary.outcomes == {"created": 2, "quarantined": 1}
    item = QuarantinedMessage.objects.get()
    assert item.imap_uid == uids[1] and item.reason == "no header block"
    assert _refresh(imap_mailbox).last_uid == uids[-1]
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {}


@pytest.mark.django_db
def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(
    imap_mailbox: Mailbox, account: str
) -> None:
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(imap_folder="Intake")
    first, second = mail(1), mail(2)
    with imap_client(account) as client:
        client.create_folder("Intake")
    append(account, first, second, folder="Intake")
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 2}
    old = _refresh(imap_mailbox).uidvalidity

    with imap_client(account) as client:  # the server rebuilt the folder
        client.delete_folder("Intake")
        client.create_folder("Intake")
    append(account, first, second, mail(3), folder="Intake")
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"ignored": 2, "created": 1}
    mailbox = _refresh(imap_mailbox)
    assert mailbox.uidvalidity != old and mailbox.last_uid == 3
    assert CasePage.objects.count() == 3


# --- after processing ------------------------------------------------------------------


@pytest.mark.django_db
def test_flag_marks_each_filed_message_seen(imap_mailbox: Mailbox, account: str) -> None:
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(after_processing=Mailbox.AfterProcessing.FLAG)
    append(account, mail(1), mail(2))
    mailbox_fetch(mailbox_id=imap_mailbox.pk)
    flags = folder_flags(account)
    assert len(flags) == 2 and all(b"\\Seen" in f for f in flags.values())


@pytest.mark.django_db
@pytest.mark.parametrize("server_has_move", [True, False], ids=["MOVE", "COPY+EXPUNGE"])
def test_move_puts_each_filed_message_in_the_processed_folder(
    imap_mailbox: Mailbox, account: str, monkeypatch: pytest.MonkeyPatch, server_has_move: bool
) -> None:
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(
        after_processing=Mailbox.AfterProcessing.MOVE, processed_folder="Lavorati"
    )
    if not server_has_move:
        real = IMAPClient.has_capability
        monkeypatch.setattr(
            IMAPClient, "has_capability", lambda self, cap: cap != "MOVE" and real(self, cap)
        )
    append(account, mail(1), mail(2))
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 2}
    assert folder_flags(account) == {}
    assert len(folder_flags(account, "Lavorati")) == 2
    append(account, mail(3))
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 1}


# --- failures ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _from_an_unused_loopback_address() -> Callable[..., socket.socket]:
    """socket.create_connection from a random 127.x.y.z.

    After a failed login Dovecot delays the next login from the same address by
    seconds (its auth penalty); failing from an address nobody else uses spares the
    logins of the other tests, and of whoever else is testing on this machine.
    """
    real = socket.create_connection
    source = ".".join(["127", *(str(random.randint(1, 254)) for _ in range(3))])

    def connect(address: tuple[str, int], timeout: Any = None, *_: Any, **__: Any) -> Any:
        return real(address, timeout, (source, 0))

    return connect


WRONG_ENV = "CORRISPONDENZA_MAILBOX_WRONG"
UNSET_ENV = "CORRISPONDENZA_MAILBOX_UNSET"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (
            {"imap_secret_env": "CORRISPONDENZA_MAILBOX_WRONG"},
            r"login as {user} failed: \[AUTHENTICATION",
        ),
        (
            {"imap_secret_env": "CORRISPONDENZA_MAILBOX_UNSET"},
            "CORRISPONDENZA_MAILBOX_UNSET is not set",
        ),
        ({"imap_port": "free"}, "connecting failed: .*refused"),
    ],
    ids=["wrong password", "missing secret", "server down"],
)
def test_an_unreachable_server_is_a_clear_error_and_loses_nothing(
    imap_mailbox: Mailbox,
    account: str,
    monkeypatch: pytest.MonkeyPatch,
    change: dict[str, Any],
    reason: str,
) -> None:
    monkeypatch.setenv(WRONG_ENV, "not-the-password")
    monkeypatch.delenv("CORRISPONDENZA_MAILBOX_UNSET", raising=False)
    append(account, mail(1))
    broken = {k: _free_port() if v == "free" else v for k, v in change.items()}
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(**broken)
    with (
        monkeypatch.context() as patch,
        pytest.raises(MailboxUnavailable, match=reason.format(user=account)) as failure,
    ):
        patch.setattr(socket, "create_connection", _from_an_unused_loopback_address())
        mailbox_fetch(mailbox_id=imap_mailbox.pk)
    port = broken.get("imap_port", IMAP_PORT)
    assert str(failure.value).startswith(f"IMAP {IMAP_HOST}:{port}: ")
    mailbox = _refresh(imap_mailbox)
    assert mailbox.last_error == str(failure.value) and mailbox.failing_since
    assert mailbox.locked_until is None

    Mailbox.objects.filter(pk=imap_mailbox.pk).update(
        imap_secret_env=PASSWORD_ENV, imap_port=IMAP_PORT
    )
    assert mailbox_fetch(mailbox_id=imap_mailbox.pk).outcomes == {"created": 1}
    mailbox = _refresh(imap_mailbox)
    assert mailbox.failing_since is None and mailbox.last_error == ""


@pytest.mark.django_db
def test_moving_without_a_processed_folder_is_a_configuration_error(
    imap_mailbox: Mailbox,
) -> None:
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(after_processing=Mailbox.AfterProcessing.MOVE)
    with pytest.raises(MailboxUnavailable, match="no processed folder is configured"):
        mailbox_fetch(mailbox_id=imap_mailbox.pk)


# --- IDLE -------------------------------------------------------------------------------


@pytest.fixture
def watch(imap_mailbox: Mailbox) -> Iterator[Callable[[WatchTimings], MailboxWatcher]]:
    stop, threads = threading.Event(), []

    def start(timings: WatchTimings) -> MailboxWatcher:
        watcher = MailboxWatcher(mailbox_id=imap_mailbox.pk, stop=stop, timings=timings)
        thread = threading.Thread(target=watcher.run, daemon=True)
        thread.start()
        threads.append(thread)
        return watcher

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=5)
        assert not thread.is_alive(), "the watcher did not stop"


def _wait_for_cases(count: int, *, within: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < within:
        if CasePage.objects.count() >= count:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"{CasePage.objects.count()} cases after {within} s, not {count}")


@threaded_db
def test_idle_brings_a_new_message_in_within_two_seconds(
    imap_mailbox: Mailbox, account: str, watch: Callable[[WatchTimings], MailboxWatcher]
) -> None:
    watcher = watch(WatchTimings(check_seconds=0.5))
    assert watcher.idling.wait(5), "the watcher never entered IDLE"
    started = time.monotonic()
    append(account, mail(1, subject="Arrivata in IDLE"))
    latency = _wait_for_cases(1, within=2.0)
    print(f"\nIDLE latency: {time.monotonic() - started:.3f} s (from APPEND to case)")
    assert latency < 2.0 and _subjects() == ["Arrivata in IDLE"]
    append(account, mail(2))
    _wait_for_cases(2, within=2.0)


@threaded_db
@pytest.mark.skipif(not (shutil.which("doveadm") and DOVECOT_CONF.exists()), reason="needs doveadm")
def test_the_watcher_comes_back_after_the_server_drops_it(
    imap_mailbox: Mailbox, account: str, watch: Callable[[WatchTimings], MailboxWatcher]
) -> None:
    watcher = watch(FAST)
    assert watcher.idling.wait(5)
    subprocess.run(["doveadm", "-c", str(DOVECOT_CONF), "kick", account], check=True)
    append(account, mail(1))
    _wait_for_cases(1, within=2.0)
    assert watcher.idling.wait(2)


@threaded_db
def test_the_watcher_renews_idle_and_still_hears_new_mail(
    imap_mailbox: Mailbox, account: str, watch: Callable[[WatchTimings], MailboxWatcher]
) -> None:
    watcher = watch(WatchTimings(check_seconds=0.1, idle_renew_seconds=0.2))
    assert watcher.idling.wait(5)
    time.sleep(0.7)  # a few renewals
    append(account, mail(1))
    _wait_for_cases(1, within=2.0)


@threaded_db
def test_without_idle_the_watcher_polls(
    imap_mailbox: Mailbox,
    account: str,
    monkeypatch: pytest.MonkeyPatch,
    watch: Callable[[WatchTimings], MailboxWatcher],
) -> None:
    real = IMAPClient.has_capability
    monkeypatch.setattr(
        IMAPClient, "has_capability", lambda self, cap: cap != "IDLE" and real(self, cap)
    )
    watch(FAST)
    append(account, mail(1))
    _wait_for_cases(1, within=2.0)


@threaded_db
def test_the_watcher_reconnects_once_the_server_is_back(
    imap_mailbox: Mailbox, account: str, watch: Callable[[WatchTimings], MailboxWatcher]
) -> None:
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(imap_port=_free_port())
    append(account, mail(1))
    watcher = watch(FAST)
    time.sleep(0.4)  # a few refused connections, backing off
    assert not watcher.idling.is_set() and not CasePage.objects.exists()
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(imap_port=IMAP_PORT)
    _wait_for_cases(1, within=3.0)
    assert watcher.idling.wait(2)


def test_reconnection_waits_double_each_time_up_to_a_cap() -> None:
    timings = WatchTimings(backoff_first_seconds=1, backoff_max_seconds=10)
    waits = [timings.backoff_first_seconds]
    for _ in range(5):
        waits.append(backoff_next(waits[-1], timings))
    assert waits == [1, 2, 4, 8, 10, 10]


@pytest.mark.django_db
def test_mailbox_watch_names_an_unknown_mailbox() -> None:
    with pytest.raises(CommandError, match="no active IMAP mailbox nessuna"):
        call_command("mailbox_watch", "--mailbox", "nessuna")


# --- the import command -----------------------------------------------------------------


@pytest.mark.django_db
def test_mailbox_import_back_fills_with_a_progress_bar_and_prints_the_counts(
    imap_mailbox: Mailbox, account: str, capsys: pytest.CaptureFixture[str]
) -> None:
    append(account, mail(1), b"\x00" * 10, mail(3))
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(start_from=Mailbox.StartFrom.NOW)
    mailbox_fetch(mailbox_id=imap_mailbox.pk)  # a new mailbox: history left alone
    out = io.StringIO()
    call_command(
        "mailbox_import", "--mailbox", "sinistri-imap", "--since", "2020-01-01", stdout=out
    )
    assert out.getvalue().splitlines() == ["created: 2", "quarantined: 1", "total: 3"]
    assert "3/3" in capsys.readouterr().err
    assert CasePage.objects.count() == 2 and _refresh(imap_mailbox).locked_until is None


# --- alerts -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admins_hear_once_per_period_of_a_mailbox_failing_too_long(
    imap_mailbox: Mailbox, django_user_model: Any, settings: Any
) -> None:
    settings.CORRISPONDENZA_MAILBOX_ALERT_AFTER_MINUTES = 30
    cache.clear()
    django_user_model.objects.create_superuser("admin", "admin@assicura.example.it", "pw")
    now = timezone.now()
    Mailbox.objects.filter(pk=imap_mailbox.pk).update(
        failing_since=now - timedelta(minutes=20), last_error="IMAP host:993: login failed"
    )
    assert alerts.mailboxes_failing(now) == [] and tasks.mailboxes_alert_task() == 0

    Mailbox.objects.filter(pk=imap_mailbox.pk).update(failing_since=now - timedelta(minutes=31))
    assert alerts.mailboxes_failing(now) == [imap_mailbox]
    assert tasks.mailboxes_alert_task() == 1 and tasks.mailboxes_alert_task() == 0
    (alert,) = django_mail.outbox
    assert alert.to == ["admin@assicura.example.it"] and "Sinistri IMAP" in alert.subject
    assert "login failed" in alert.body

    Mailbox.objects.filter(pk=imap_mailbox.pk).update(failing_since=now - timedelta(minutes=45))
    assert tasks.mailboxes_alert_task() == 1  # a new failure period
