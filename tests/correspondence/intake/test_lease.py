"""The reader's claim where the database has no advisory locks (SQLite, the demo's)."""

import os

import pytest

from correspondence.errors import MailboxBusy
from correspondence.intake import lease
from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import Mailbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def row_lease(monkeypatch: pytest.MonkeyPatch) -> None:
    """The row lease on any database (SQLite uses it anyway)."""
    monkeypatch.setattr(lease, "_advisory", lambda: False)


def test_the_row_lease_is_taken_over_from_a_dead_process_and_lost_when_overtaken(
    folder_mailbox: Mailbox, row_lease: None
) -> None:
    mailbox = folder_mailbox
    claim = lease.mailbox_lease_acquire(mailbox_id=mailbox.pk)
    with pytest.raises(MailboxBusy):
        lease.mailbox_lease_acquire(mailbox_id=mailbox.pk)
    lease.mailbox_lease_renew(claim=claim)
    lease.mailbox_lease_release(claim=claim)
    assert Mailbox.objects.get(pk=mailbox.pk).locked_until is None

    # A reader SIGKILLed on this host: its pid no longer runs, its lease has 60 s left.
    dead = _a_dead_pid()
    taken = lease.mailbox_lease_acquire(mailbox_id=mailbox.pk)
    Mailbox.objects.filter(pk=mailbox.pk).update(lease_owner=f"{lease._HOST}:{dead}:x")
    successor = lease.mailbox_lease_acquire(mailbox_id=mailbox.pk)
    with pytest.raises(MailboxBusy, match="ran out"):
        lease.mailbox_lease_renew(claim=taken)
    lease.mailbox_lease_renew(claim=successor)
    # A live process (this one, under another token) is never overtaken before expiry.
    with pytest.raises(MailboxBusy):
        lease.mailbox_lease_acquire(mailbox_id=mailbox.pk)


def _a_dead_pid() -> int:
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return pid


def test_a_fetch_releases_the_row_lease_and_a_busy_mailbox_is_left_alone(
    folder_mailbox: Mailbox, row_lease: None
) -> None:
    assert mailbox_fetch(mailbox_id=folder_mailbox.pk).outcomes == {}
    assert Mailbox.objects.get(pk=folder_mailbox.pk).lease_owner == ""
    claim = lease.mailbox_lease_acquire(mailbox_id=folder_mailbox.pk)
    with pytest.raises(MailboxBusy):
        mailbox_fetch(mailbox_id=folder_mailbox.pk)
    lease.mailbox_lease_release(claim=claim)
    mailbox_fetch(mailbox_id=folder_mailbox.pk)
