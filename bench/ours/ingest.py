"""Ingestion, our side: the mailbox read from the real IMAP server through the full pipeline."""

import json
import time
from pathlib import Path
from typing import Any

from wagtail.models import Page

from bench.ours import world
from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import Message


def replies_threaded(replies: dict[str, str]) -> int:
    """How many replies sit on the case of the message they answer."""
    wanted = set(replies) | set(replies.values())
    case_of = dict(
        Message.objects.filter(message_id__in=wanted, kind=Message.Kind.INBOUND).values_list(
            "message_id", "case_id"
        )
    )
    return sum(
        1
        for reply, answered in replies.items()
        if case_of.get(reply) is not None and case_of.get(reply) == case_of.get(answered)
    )


def ingest_measure(*, replies_file: str, expected: int) -> dict[str, Any]:
    """Reads the whole mailbox once, timed; counts outcomes, threading and tree problems."""
    world.world_build()
    mailbox = world.mailbox()
    started = time.perf_counter()
    summary = mailbox_fetch(mailbox_id=mailbox.pk)
    seconds = time.perf_counter() - started
    replies = json.loads(Path(replies_file).read_text())
    filed = sum(summary.outcomes.values())
    problems = sum(len(found) for found in Page.find_problems())
    return {
        "messages": filed,
        "expected": expected,
        "seconds": round(seconds, 2),
        "per_second": round(filed / seconds, 1),
        "outcomes": summary.outcomes,
        "replies": len(replies),
        "replies_threaded": replies_threaded(replies),
        "tree_problems": problems,
    }


def ingest_files_measure(*, directory: str, replies_file: str, expected: int) -> dict[str, Any]:
    """``manage.py ingest_eml`` over a folder of .eml files, timed (stdout discarded)."""
    from io import StringIO

    from django.core.management import call_command

    world.world_build()
    started = time.perf_counter()
    out = StringIO()
    call_command("ingest_eml", "--mailbox", "bench", directory, stdout=out, stderr=StringIO())
    seconds = time.perf_counter() - started
    outcomes: dict[str, int] = {}
    for line in out.getvalue().splitlines():
        outcome = json.loads(line)["outcome"]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    filed = sum(outcomes.values())
    replies = json.loads(Path(replies_file).read_text())
    return {
        "messages": filed,
        "expected": expected,
        "seconds": round(seconds, 2),
        "per_second": round(filed / seconds, 1),
        "outcomes": outcomes,
        "replies": len(replies),
        "replies_threaded": replies_threaded(replies),
        "tree_problems": sum(len(found) for found in Page.find_problems()),
    }
