"""Runs .eml files through exactly the intake pipeline, as if fetched from a mailbox.

Prints one JSON object per file on its own line (see `intake_report`), always: a file
that could not be filed gets a line with the outcome "error" and the reason, the other
files go on, and the command then exits with an error.
"""

import json
import logging
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from correspondence.intake.ingest import IngestResult, message_ingest
from correspondence.models import Mailbox

TEXT_LIMIT = 2000
logger = logging.getLogger(__name__)


def eml_paths(paths: list[str]) -> list[Path]:
    """The files named, and the .eml files inside named directories, in name order."""
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*.eml") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{name}: no such file or directory")
    return found


def intake_report(path: Path, result: IngestResult) -> dict[str, Any]:
    """What an integrator needs to check the outcome of one file."""
    understood = result.understood
    message = understood.message if understood else None
    sender = understood.sender if understood else None
    pec = understood.pec if understood else None
    received = understood.received_at if understood else None
    if result.case is not None and result.outcome == "created":
        received = result.case.received_at
    return {
        "file": str(path),
        "outcome": result.outcome,
        "case": result.case.number if result.case else None,
        "from": sender.address if sender else None,
        "from_name": sender.name if sender else None,
        "subject": message.subject if message else None,
        "text": message.text[:TEXT_LIMIT] if message else None,
        "received_at": received.isoformat() if received else None,
        "attachments": [a.filename for a in message.attachments] if message else [],
        "pec": {
            "kind": pec.info.kind.value,
            "identificativo": pec.info.identificativo,
            "msgid": pec.info.msgid,
        }
        if pec
        else None,
        "reason": result.reason if result.outcome in ("ignored", "quarantined") else None,
    }


class Command(BaseCommand):
    help = "Runs .eml files (or folders of them) through the intake pipeline of a mailbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", required=True, help="slug of the mailbox")
        parser.add_argument("paths", nargs="+", help=".eml files or directories")

    def handle(self, *args: Any, **options: Any) -> None:
        mailbox = Mailbox.objects.filter(slug=options["mailbox"]).first()
        if mailbox is None:
            slugs = ", ".join(Mailbox.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"no mailbox {options['mailbox']!r} (known: {slugs})")
        paths = eml_paths(options["paths"])
        failed = 0
        for path in paths:
            try:
                report = intake_report(path, message_ingest(mailbox=mailbox, raw=path.read_bytes()))
            except Exception as exc:  # reported on the file's own line, then the exit code
                logger.exception("%s could not be filed", path)
                report = {"file": str(path), "outcome": "error", "reason": f"{exc!r}"}
                failed += 1
            self.stdout.write(json.dumps(report, ensure_ascii=False))
        if failed:
            raise CommandError(f"{failed} of {len(paths)} files could not be filed")
