"""The peer's side of the benchmark, run with the peer's venv inside its generated project.

``python side.py NAME '{"arg": ...}'``; prints one JSON line. Imports nothing of ours
except the small statistics helper copied beside it (bench_stats.py).
"""

import json
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

import django

django.setup()

from bench_stats import percentiles  # noqa: E402
from django.contrib.auth.models import User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402


def migrate() -> dict[str, Any]:
    call_command("migrate", verbosity=0)
    return {}


def world() -> Queue:
    import os

    queue, _ = Queue.objects.get_or_create(
        slug="bench",
        defaults={
            "title": "Bench",
            "email_address": "bench@assicura.example.it",
            "email_box_type": "imap",
            "email_box_host": os.environ["BENCH_IMAP_HOST"],
            "email_box_port": int(os.environ["BENCH_IMAP_PORT"]),
            "email_box_ssl": False,
            "email_box_user": os.environ["BENCH_IMAP_USER"],
            "email_box_pass": os.environ["BENCH_IMAP_PASSWORD"],
            "email_box_imap_folder": "INBOX",
            "email_box_interval": 0,
            "allow_email_submission": True,
        },
    )
    for name in ("operator", "leader"):
        if not User.objects.filter(username=name).exists():
            User.objects.create_user(name, password="bench", is_staff=True)
    return queue


def _threaded(replies: dict[str, str]) -> int:
    def bracket(value: str) -> str:
        return value if value.startswith("<") else f"<{value}>"

    wanted = {bracket(v) for pair in replies.items() for v in pair}
    ticket_of = dict(
        FollowUp.objects.filter(message_id__in=wanted).values_list("message_id", "ticket_id")
    )
    return sum(
        1
        for reply, answered in replies.items()
        if ticket_of.get(bracket(reply)) is not None
        and ticket_of.get(bracket(reply)) == ticket_of.get(bracket(answered))
    )


def ingest(*, replies_file: str, expected: int) -> dict[str, Any]:
    """The peer's own mail import (get_email) over the same IMAP messages, timed."""
    world()
    Queue.objects.update(email_box_last_check=None)
    started = time.perf_counter()
    call_command("get_email", quiet=True)
    seconds = time.perf_counter() - started
    replies = json.loads(Path(replies_file).read_text())
    followups = FollowUp.objects.count()
    return {
        "messages": followups,
        "expected": expected,
        "tickets": Ticket.objects.count(),
        "seconds": round(seconds, 2),
        "per_second": round(followups / seconds, 1),
        "replies": len(replies),
        "replies_threaded": _threaded(replies),
    }


def lists_build(*, size: int) -> dict[str, Any]:
    """Tickets in bulk (as a long-running helpdesk has them): half closed, a fifth assigned."""
    import random
    from datetime import UTC, datetime, timedelta

    queue = world()
    have = Ticket.objects.count()
    rng = random.Random(have + 1)
    operator = User.objects.get(username="operator")
    first, span = datetime(2025, 6, 1, tzinfo=UTC), 365 * 86400
    started = time.perf_counter()
    for start in range(have, size, 5000):
        batch = []
        for n in range(start, min(start + 5000, size)):
            status = Ticket.CLOSED_STATUS if n % 10 < 5 else Ticket.OPEN_STATUS
            batch.append(
                Ticket(
                    title=f"Richiesta di rimborso {rng.randint(1000, 99999)}",
                    queue=queue,
                    created=first + timedelta(seconds=span * n / size),
                    status=status,
                    submitter_email=f"cliente{rng.randrange(max(size // 5, 1))}@example.it",
                    description="Buongiorno, vi scrivo per la pratica in oggetto.",
                    priority=3,
                    assigned_to=operator if n % 100 == 5 else None,
                )
            )
        Ticket.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE helpdesk_ticket")
    return {"made": size - have, "seconds": round(time.perf_counter() - started, 1)}


def _timed(client: Client, url: str, repeats: int) -> dict[str, Any]:
    """The page, then the table data its script fetches: the time a user waits for both."""
    page_ms, data_ms, total_ms = [], [], []
    for attempt in range(repeats + 2):
        started = time.perf_counter()
        page = client.get(url)
        middle = time.perf_counter()
        found = re.search(r"datatables_ticket_list/([A-Za-z0-9+/=]+)", page.content.decode())
        if page.status_code != 200 or not found:
            raise RuntimeError(f"{url} answered {page.status_code} without a table")
        data = client.get(f"/helpdesk/datatables_ticket_list/{found[1]}?draw=1&start=0&length=50")
        ended = time.perf_counter()
        if data.status_code != 200:
            raise RuntimeError(f"table data answered {data.status_code}")
        if attempt >= 2:
            page_ms.append((middle - started) * 1000)
            data_ms.append((ended - middle) * 1000)
            total_ms.append((ended - started) * 1000)
    rounded = {k: round(v, 1) for k, v in percentiles(total_ms).items()}
    return {
        "url": url,
        "ms": rounded,
        "page_p50": round(percentiles(page_ms)["p50"], 1),
        "data_p50": round(percentiles(data_ms)["p50"], 1),
    }


def lists(*, repeats: int) -> dict[str, Any]:
    queue = world()
    operator, leader = Client(), Client()
    operator.force_login(User.objects.get(username="operator"))
    leader.force_login(User.objects.get(username="leader"))
    sender = (
        Ticket.objects.filter(status=Ticket.OPEN_STATUS)
        .order_by("-created")
        .values_list("submitter_email", flat=True)
        .first()
    )
    return {
        "cases": Ticket.objects.count(),
        "operator_list": _timed(operator, "/helpdesk/tickets/", repeats),
        "search_by_sender": _timed(operator, f"/helpdesk/tickets/?q={sender}", repeats),
        "leader_list": _timed(leader, f"/helpdesk/tickets/?queue={queue.pk}", repeats),
    }


def ingest_files(*, directory: str, replies_file: str, expected: int) -> dict[str, Any]:
    """The peer's own import of a local mail folder (get_email, email_box_type "local")."""
    queue = world()
    Queue.objects.filter(pk=queue.pk).update(
        email_box_type="local", email_box_local_dir=directory, email_box_last_check=None
    )
    started = time.perf_counter()
    call_command("get_email", quiet=True)
    seconds = time.perf_counter() - started
    replies = json.loads(Path(replies_file).read_text())
    followups = FollowUp.objects.count()
    return {
        "messages": followups,
        "expected": expected,
        "tickets": Ticket.objects.count(),
        "seconds": round(seconds, 2),
        "per_second": round(followups / seconds, 1),
        "replies": len(replies),
        "replies_threaded": _threaded(replies),
    }


STEPS = {
    "migrate": migrate,
    "ingest": ingest,
    "ingest_files": ingest_files,
    "lists_build": lists_build,
    "lists": lists,
}

if __name__ == "__main__":
    result = STEPS[sys.argv[1]](**json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}"))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))
