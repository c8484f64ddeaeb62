"""A mailbox's mail servers: an IMAP session as the mailbox configures it, failures named.

Used by intake (reading) and by the outbox (the copy in the Sent folder). Every network,
protocol, login or secret failure becomes :class:`MailboxUnavailable` naming the
server and the step that failed.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from correspondence.errors import MailboxUnavailable, SecretUnavailable
from correspondence.models import Mailbox

TIMEOUT_SECONDS = 30
# What "the server failed us" looks like: sockets, TLS, timeouts, IMAP NO/BAD/BYE, secrets.
IMAP_FAILURES: tuple[type[Exception], ...] = (OSError, IMAPClientError, SecretUnavailable)


@contextmanager
def imap_errors(mailbox: Mailbox, action: str) -> Iterator[None]:
    """Turns a network, protocol or secret failure into MailboxUnavailable saying what failed."""
    try:
        yield
    except IMAP_FAILURES as exc:
        raise MailboxUnavailable(
            f"IMAP {mailbox.imap_host}:{mailbox.imap_port}: {action} failed: {_reason(exc)}"
        ) from exc


def _reason(exc: Exception) -> str:
    text = str(exc) or type(exc).__name__
    # imaplib quotes the server's answer as a bytes literal: b'[AUTHENTICATIONFAILED] ...'
    quoted = re.fullmatch(r"b(['\"])(.*)\1", text)
    return quoted[2] if quoted else text


def imap_connect(*, mailbox: Mailbox) -> IMAPClient:
    """A logged-in connection (TLS, STARTTLS or plain, as configured).

    Raises MailboxUnavailable when connecting, securing or logging in fails.
    """
    security = mailbox.imap_security
    with imap_errors(mailbox, "connecting"):
        client = IMAPClient(
            mailbox.imap_host,
            port=mailbox.imap_port,
            ssl=security == Mailbox.Security.TLS,
            timeout=TIMEOUT_SECONDS,
        )
    client.normalise_times = False  # INTERNALDATE as an aware datetime
    try:
        if security == Mailbox.Security.STARTTLS:
            with imap_errors(mailbox, "STARTTLS"):
                client.starttls()
        with imap_errors(mailbox, "reading the password"):
            password = mailbox.imap_password()
        with imap_errors(mailbox, f"login as {mailbox.imap_user}"):
            client.login(mailbox.imap_user, password)
    except MailboxUnavailable:
        _close(client)
        raise
    return client


@contextmanager
def imap_session(mailbox: Mailbox) -> Iterator[IMAPClient]:
    """A logged-in connection, logged out at the end (just closed after a failure)."""
    client = imap_connect(mailbox=mailbox)
    try:
        yield client
    except BaseException:
        _close(client)
        raise
    with suppress(*IMAP_FAILURES):
        client.logout()


def _close(client: IMAPClient) -> None:
    # After a failure the server may not answer: close the socket without talking.
    with suppress(OSError):
        client.shutdown()
