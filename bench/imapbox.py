"""The IMAP accounts the harness feeds: emptied before a run, filled with the generated mail."""

from collections.abc import Sequence

from imapclient import IMAPClient

from bench import config


def imap_client(user: str) -> IMAPClient:
    client = IMAPClient(config.IMAP_HOST, port=config.IMAP_PORT, ssl=False, timeout=30)
    client.login(user, config.IMAP_PASSWORD)
    return client


def account_clear(user: str) -> None:
    """Deletes every message of the account's INBOX."""
    client = imap_client(user)
    try:
        client.select_folder("INBOX")
        uids = client.search(["ALL"])
        if uids:
            client.delete_messages(uids)
            client.expunge()
    finally:
        client.logout()


def messages_append(user: str, raws: Sequence[bytes]) -> None:
    """Appends the messages to the INBOX, in order, over one connection."""
    client = imap_client(user)
    try:
        for raw in raws:
            client.append("INBOX", raw)
    finally:
        client.logout()
