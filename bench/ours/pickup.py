"""Pickup latency, our side: a message appended to IMAP until its case exists.

IDLE: a MailboxWatcher thread (as ``mailbox_watch`` runs it); each message is appended
and waited for in turn. Polling: a thread runs ``mailbox_fetch`` every beat interval
(the Celery beat schedule), while messages are appended at a steady pace.
"""

import threading
import time
import uuid
from typing import Any

from django.conf import settings
from django.db import connections

from bench import config
from bench.imapbox import imap_client
from bench.ours import world
from bench.stats import percentiles
from correspondence.intake.fetch import mailbox_fetch
from correspondence.intake.idle import MailboxWatcher
from correspondence.models import CasePage

TIMEOUT = 60.0


def _mail(subject: str) -> bytes:
    return (
        f"From: Cliente <cliente@example.it>\r\nTo: {world.POOL_ADDRESS}\r\n"
        f"Subject: {subject}\r\nMessage-ID: <{subject}@example.it>\r\n"
        f"Date: Tue, 03 Mar 2026 10:00:00 +0100\r\n\r\nTesto.\r\n"
    ).encode()


def _look(pending: dict[str, float], latencies: list[float], *, until: float) -> None:
    """Polls the database every 5 ms until `until` or until no subject is pending."""
    while pending and time.perf_counter() < until:
        found = CasePage.objects.filter(subject__in=list(pending)).values_list("subject", flat=True)
        now = time.perf_counter()
        for subject in found:
            latencies.append(now - pending.pop(subject))
        time.sleep(0.005)


def _wait_visible(pending: dict[str, float], latencies: list[float]) -> None:
    """Polls the database until every pending subject has its case (or TIMEOUT)."""
    _look(pending, latencies, until=time.perf_counter() + TIMEOUT)


def _idle_run(count: int, latencies: list[float]) -> None:
    stop = threading.Event()
    watcher = MailboxWatcher(mailbox_id=world.mailbox().pk, stop=stop)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    if not watcher.idling.wait(30):
        raise RuntimeError("the watcher never reached IDLE")
    client = imap_client(config.OURS_IMAP_USER)
    try:
        for _ in range(count):
            subject = f"pickup-idle-{uuid.uuid4().hex}"
            client.append("INBOX", _mail(subject))
            _wait_visible({subject: time.perf_counter()}, latencies)
            time.sleep(0.05)
    finally:
        client.logout()
        stop.set()
        thread.join(10)


def _poller(stop: threading.Event, mailbox_id: int, every: float) -> None:
    try:
        while not stop.is_set():
            mailbox_fetch(mailbox_id=mailbox_id)
            stop.wait(every)
    finally:
        connections.close_all()


def _poll_run(count: int, spacing: float, latencies: list[float]) -> float:
    every = float(settings.CELERY_BEAT_SCHEDULE["mailboxes-poll"]["schedule"])
    stop = threading.Event()
    thread = threading.Thread(target=_poller, args=(stop, world.mailbox().pk, every), daemon=True)
    thread.start()
    pending: dict[str, float] = {}
    client = imap_client(config.OURS_IMAP_USER)
    try:
        for _ in range(count):
            subject = f"pickup-poll-{uuid.uuid4().hex}"
            client.append("INBOX", _mail(subject))
            pending[subject] = time.perf_counter()
            next_at = time.perf_counter() + spacing
            _look(pending, latencies, until=next_at)
            time.sleep(max(0.0, next_at - time.perf_counter()))
        _wait_visible(pending, latencies)
    finally:
        client.logout()
        stop.set()
        thread.join(30)
    return every


def pickup_measure(*, count: int, mode: str, spacing: float = 0.25) -> dict[str, Any]:
    """p50/p95 seconds from IMAP APPEND to the case's row, over `count` messages."""
    world.world_build()
    mailbox_fetch(mailbox_id=world.mailbox().pk)  # start after what the folder holds
    latencies: list[float] = []
    result: dict[str, Any] = {"mode": mode, "messages": count}
    if mode == "idle":
        _idle_run(count, latencies)
    else:
        result["poll_every_seconds"] = _poll_run(count, spacing, latencies)
    result["seen"] = len(latencies)
    result.update({k: round(v, 3) for k, v in percentiles(latencies).items()})
    return result
