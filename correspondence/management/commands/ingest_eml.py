"""Runs .eml files through exactly the intake pipeline, as if fetched from a mailbox.

Prints one JSON object per file on its own line (see `intake_report`). Files are
filed in batches (``messages_ingest``: one transaction per batch, a batch that
fails is filed again file by file); a run of more than one batch reports its
progress on stderr.
"""

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from correspondence.intake.ingest import IncomingMessage, IngestResult, messages_ingest
from correspondence.models import Mailbox

TEXT_LIMIT = 2000
# Files filed in one transaction, as IMAP intake files one fetch.
BATCH_FILES = 100
BATCH_BYTES = 32 * 1024 * 1024


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
    signature = understood.signature if understood else None
    received = result.arrived_at
    if result.case is not None and result.outcome == "created":
        received = result.case.received_at
    sent = message.date if message else None
    return {
        "file": str(path),
        "outcome": result.outcome,
        "case": result.case.number if result.case else None,
        "from": sender.address if sender else None,
        "from_name": sender.name if sender else None,
        "subject": message.subject if message else None,
        "text": message.text[:TEXT_LIMIT] if message else None,
        "received_at": received.isoformat() if received else None,
        "sent_at": sent.isoformat() if sent else None,
        "attachments": [a.filename for a in message.attachments] if message else [],
        "pec": {
            "kind": pec.info.kind.value,
            "identificativo": pec.info.identificativo,
            "msgid": pec.info.msgid,
            "signature": signature.status if signature else "absent",
            "signer": signature.signer if signature else None,
        }
        if pec
        else None,
        "reason": result.reason if result.outcome in ("ignored", "quarantined", "copy") else None,
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
        started, done = time.monotonic(), 0
        for batch in _batches(paths):
            incoming = [IncomingMessage(raw=raw) for _path, raw in batch]
            results = messages_ingest(mailbox=mailbox, messages=incoming)
            for (path, _raw), result in zip(batch, results, strict=True):
                self.stdout.write(json.dumps(intake_report(path, result), ensure_ascii=False))
            done += len(batch)
            if len(paths) > BATCH_FILES:
                rate = done / max(time.monotonic() - started, 1e-6)
                self.stderr.write(f"ingest_eml: {done}/{len(paths)} files, {rate:.1f}/s")


def _batches(paths: list[Path]) -> Iterator[list[tuple[Path, bytes]]]:
    """The files read in batches filed together (as IMAP intake files a fetch): up to
    ``BATCH_FILES`` files or ``BATCH_BYTES`` bytes, at least one file each."""
    batch: list[tuple[Path, bytes]] = []
    size = 0
    for path in paths:
        raw = path.read_bytes()
        if batch and (len(batch) >= BATCH_FILES or size + len(raw) > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((path, raw))
        size += len(raw)
    if batch:
        yield batch
