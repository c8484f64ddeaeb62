"""Ingestion, our side: the mailbox read from the real IMAP server through the full pipeline."""

import json
import time
from io import StringIO
from pathlib import Path
from typing import Any

from django.core.management import call_command
from wagtail.models import Page

from bench.ours import world
from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import Mailbox, Message


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


def _outcomes_measure(
    started: float, outcomes: dict[str, int], replies_file: str, expected: int
) -> dict[str, Any]:
    seconds = time.perf_counter() - started
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


def ingest_files_measure(
    *, directory: str, replies_file: str, expected: int, listed: bool = False
) -> dict[str, Any]:
    """``manage.py ingest_eml`` over a folder of .eml files (``listed``: each file named
    on the command line instead), timed; stdout is counted, stderr (progress) kept."""
    world.world_build()
    paths = [str(p) for p in sorted(Path(directory).glob("*.eml"))] if listed else [directory]
    started = time.perf_counter()
    out, err = StringIO(), StringIO()
    call_command("ingest_eml", "--mailbox", "bench", *paths, stdout=out, stderr=err)
    outcomes: dict[str, int] = {}
    for line in out.getvalue().splitlines():
        outcome = json.loads(line)["outcome"]
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    result = _outcomes_measure(started, outcomes, replies_file, expected)
    result["progress_lines"] = len(err.getvalue().splitlines())
    return result


def folder_mailbox_measure(*, directory: str, replies_file: str, expected: int) -> dict[str, Any]:
    """The demo's folder mailbox: ``mailbox_fetch`` of a mailbox reading a local folder
    (what beat's poll runs), timed; progress goes to the log."""
    world.world_build()
    mailbox = world.mailbox()
    Mailbox.objects.filter(pk=mailbox.pk).update(
        protocol=Mailbox.Protocol.DIRECTORY, directory=directory
    )
    started = time.perf_counter()
    summary = mailbox_fetch(mailbox_id=mailbox.pk)
    return _outcomes_measure(started, summary.outcomes, replies_file, expected)


def mailbox_import_measure(*, replies_file: str, expected: int) -> dict[str, Any]:
    """``manage.py mailbox_import`` of the IMAP mailbox (its progress bar on stderr), timed."""
    world.world_build()
    started = time.perf_counter()
    out, err = StringIO(), StringIO()
    call_command("mailbox_import", "--mailbox", "bench", stdout=out, stderr=err)
    outcomes: dict[str, int] = {}
    for line in out.getvalue().splitlines():
        name, _, count = line.partition(": ")
        if name != "total":
            outcomes[name] = int(count)
    result = _outcomes_measure(started, outcomes, replies_file, expected)
    result["progress_shown"] = f"{expected}/{expected}" in err.getvalue()
    return result
