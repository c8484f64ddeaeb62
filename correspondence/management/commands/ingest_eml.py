"""Runs .eml files through exactly the intake pipeline, as if fetched from a mailbox.

Prints one JSON object per file on its own line (see `intake_report`), always: a file
that could not be filed gets a line with the outcome "error" and the reason, the other
files go on, and the command then exits with an error. Files are filed in batches
(``parsed_file``: one transaction per batch; a batch that fails is filed again
file by file), the next batch read and understood in a helper process meanwhile
(``batches_parsed``); a run of more than one batch reports its progress on stderr.
"""

import json
import logging
import time
from collections import deque
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from correspondence.intake.ingest import (
    BATCH_MESSAGES,
    IncomingMessage,
    IngestResult,
    Parsed,
    batches_parsed,
    parsed_file,
)
from correspondence.models import Mailbox

TEXT_LIMIT = 2000
# Files filed in one transaction, as IMAP intake files one fetch.
BATCH_FILES = BATCH_MESSAGES
BATCH_BYTES = 32 * 1024 * 1024
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
            # why it is invalid (expired, not yet valid, revoked, untrusted chain, or
            # the signature itself); of a valid one, a stale CRL
            "signature_reason": signature.reason if signature else "",
            "revocation": signature.revocation if signature else "",
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
        started, done, failed = time.monotonic(), 0, 0
        for reports in _reports(mailbox, paths):
            for report in reports:
                failed += report["outcome"] == "error"
                self.stdout.write(json.dumps(report, ensure_ascii=False))
            done += len(reports)
            if len(paths) > BATCH_FILES:
                rate = done / max(time.monotonic() - started, 1e-6)
                self.stderr.write(f"ingest_eml: {done}/{len(paths)} files, {rate:.1f}/s")
        if failed:
            raise CommandError(f"{failed} of {len(paths)} files could not be filed")


Read = tuple[Path, bytes | None, str]  # a file, its bytes, or why it could not be read


def _reports(mailbox: Mailbox, paths: list[Path]) -> Iterator[list[dict[str, Any]]]:
    """The reports of each batch of files, in order. The next batch is read and
    understood (``batches_parsed``) while this one is filed."""
    read: deque[list[Read]] = deque()

    def readable() -> Iterator[list[tuple[Path, IncomingMessage]]]:
        for batch in _batches(paths):
            read.append(batch)
            yield [
                (path, IncomingMessage(raw=raw)) for path, raw, _error in batch if raw is not None
            ]

    with closing(batches_parsed(readable())) as batches:  # the helper stops with the loop
        for parsed in batches:
            yield _batch_reports(mailbox, read.popleft(), parsed)


def _batch_reports(
    mailbox: Mailbox, batch: list[Read], parsed: list[tuple[Path, Parsed]]
) -> list[dict[str, Any]]:
    """One report per file of the batch, in order; filed together, or one by one when
    the batch as a whole raises, so that each file gets its own outcome or error."""
    try:
        results = parsed_file(mailbox=mailbox, parsed=[item for _path, item in parsed])
        reports = {p: intake_report(p, r) for (p, _item), r in zip(parsed, results, strict=True)}
    except Exception:  # each file is filed again alone below, its error on its own line
        logger.exception("a batch of %d files failed, filing them one by one", len(parsed))
        reports = {path: _report_alone(mailbox, path, item) for path, item in parsed}
    return [reports.get(path) or _error(path, error) for path, _raw, error in batch]


def _report_alone(mailbox: Mailbox, path: Path, item: Parsed) -> dict[str, Any]:
    try:
        (result,) = parsed_file(mailbox=mailbox, parsed=[item])
    except Exception as exc:  # reported on the file's own line, then the exit code
        logger.exception("%s could not be filed", path)
        return _error(path, f"{exc!r}")
    return intake_report(path, result)


def _error(path: Path, reason: str) -> dict[str, Any]:
    return {"file": str(path), "outcome": "error", "reason": reason}


def _batches(paths: list[Path]) -> Iterator[list[Read]]:
    """The files read in batches filed together (as IMAP intake files a fetch): up to
    ``BATCH_FILES`` files or ``BATCH_BYTES`` bytes, at least one file each."""
    batch: list[Read] = []
    size = 0
    for path in paths:
        try:
            raw: bytes | None = path.read_bytes()
            error = ""
        except OSError as exc:
            raw, error = None, f"{exc!r}"
        length = len(raw or b"")
        if batch and (len(batch) >= BATCH_FILES or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append((path, raw, error))
        size += length
    if batch:
        yield batch
