"""The test Dovecot started by .ci/services.sh: an account emptied for a test, a mailbox
reading it, messages put in with APPEND, state read back."""

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.utils import timezone
from imapclient import IMAPClient

from correspondence.models import Mailbox, PoolPage
from tests.support.smtp import SmtpServer

IMAP_HOST = os.environ.get("TEST_IMAP_HOST", "")
IMAP_PORT = int(os.environ.get("TEST_IMAP_PORT", "10143"))
IMAP_USERS = os.environ.get("TEST_IMAP_USERS", "").split()
# The mailbox under test reads its password from a prefixed variable, as production does.
PASSWORD_ENV = "CORRISPONDENZA_MAILBOX_TEST_IMAP"
if os.environ.get("TEST_IMAP_PASSWORD"):
    os.environ.setdefault(PASSWORD_ENV, os.environ["TEST_IMAP_PASSWORD"])

needs_imap = pytest.mark.skipif(
    not (IMAP_HOST and IMAP_USERS and os.environ.get(PASSWORD_ENV)),
    reason="TEST_IMAP_HOST, TEST_IMAP_USERS and TEST_IMAP_PASSWORD are set by .ci/test",
)


@contextmanager
def imap_client(user: str, folder: str = "INBOX") -> Iterator[IMAPClient]:
    client = IMAPClient(IMAP_HOST, port=IMAP_PORT, ssl=False, timeout=10)
    client.login(user, os.environ[PASSWORD_ENV])
    client.select_folder(folder)
    try:
        yield client
    finally:
        client.logout()


def account_reset(user: str) -> None:
    """Leaves the account with an empty INBOX and no other folder."""
    with imap_client(user) as client:
        for _flags, _delimiter, name in client.list_folders():
            if name != "INBOX":
                client.delete_folder(name)
        uids = client.search(["ALL"])
        if uids:
            client.delete_messages(uids)
            client.expunge()


def imap_account(user: str) -> str:
    """`user` with an empty INBOX; skips the test when TEST_IMAP_USERS has no such account
    (modules pick different accounts, so that tests run at once never share one)."""
    if not user:
        pytest.skip("needs more TEST_IMAP_USERS")
    account_reset(user)
    return user


def imap_mailbox_create(
    *,
    pool: PoolPage,
    user: str,
    slug: str,
    name: str = "Sinistri IMAP",
    smtp: SmtpServer | None = None,
    **fields: object,
) -> Mailbox:
    """A mailbox of `pool` reading `user` on the test Dovecot (plain IMAP, the password
    from PASSWORD_ENV), from the first message on, leaving messages on the server;
    sending through `smtp`, started here, when given. `fields` override any of these."""
    if smtp is not None:
        smtp.start()
        fields = {
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp.port,
            "smtp_security": Mailbox.Security.NONE,
            **fields,
        }
    values: dict[str, object] = {
        "address": "sinistri@assicura.example.it",
        "imap_host": IMAP_HOST,
        "imap_port": IMAP_PORT,
        "imap_security": Mailbox.Security.NONE,
        "imap_secret_env": PASSWORD_ENV,
        "after_processing": Mailbox.AfterProcessing.LEAVE,
        "start_from": Mailbox.StartFrom.ALL,
        **fields,
    }
    return Mailbox.objects.create(name=name, slug=slug, pool=pool, imap_user=user, **values)


def mail(number: int, *, subject: str = "") -> bytes:
    """A distinct customer message to the sinistri address."""
    message = EmailMessage()
    message["From"] = f"Cliente {number} <cliente{number}@example.it>"
    message["To"] = "sinistri@assicura.example.it"
    message["Subject"] = subject or f"Richiesta numero {number}"
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<richiesta-{number}-{os.getpid()}@example.it>"
    message.set_content(f"Buongiorno, questa è la richiesta numero {number}.\n")
    return message.as_bytes()


def append(user: str, *raws: bytes, folder: str = "INBOX") -> list[int]:
    """APPENDs the messages; returns their UIDs (a folder never reuses a UID)."""
    uids = []
    with imap_client(user, folder) as client:
        for raw in raws:
            answer = client.append(folder, raw)
            uids.append(int(re.search(rb"APPENDUID \d+ (\d+)", answer)[1]))
    return uids


def folder_flags(user: str, folder: str = "INBOX") -> dict[int, set[bytes]]:
    """UID → flags of every message in the folder."""
    with imap_client(user, folder) as client:
        uids = client.search(["ALL"])
        fetched = client.fetch(uids, ["FLAGS"]) if uids else {}
    return {uid: set(data[b"FLAGS"]) for uid, data in fetched.items()}
