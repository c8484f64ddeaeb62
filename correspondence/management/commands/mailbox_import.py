"""``manage.py mailbox_import``: a long import of one IMAP mailbox, with a progress bar."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from correspondence.errors import MailboxBusy, MailboxUnavailable
from correspondence.intake.imap import FetchProgress, imap_fetch
from correspondence.intake.ingest import BATCH_MESSAGES, IngestResult
from correspondence.intake.lease import (
    Claim,
    mailbox_lease_acquire,
    mailbox_lease_release,
    mailbox_lease_renew,
)
from correspondence.models import Mailbox


class Command(BaseCommand):
    help = (
        "Reads the new messages of an IMAP mailbox now, with a progress bar; --since also "
        "reads again everything since a date (what was already filed is skipped)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--mailbox", required=True, metavar="SLUG")
        parser.add_argument(
            "--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="Back-fill from."
        )
        parser.add_argument("--batch-size", type=int, default=BATCH_MESSAGES)

    def handle(self, *args: Any, **options: Any) -> None:
        mailbox = self._mailbox(options["mailbox"])
        try:
            claim = mailbox_lease_acquire(mailbox_id=mailbox.pk)
        except MailboxBusy as exc:
            raise CommandError(f"{exc}; try again in a moment") from exc
        try:
            mailbox.refresh_from_db()  # its position, as of the claim
            outcomes = self._import(mailbox, claim, options["since"], options["batch_size"])
        except (MailboxUnavailable, MailboxBusy) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            mailbox_lease_release(claim=claim)
        for outcome, count in sorted(outcomes.items()):
            self.stdout.write(f"{outcome}: {count}")
        self.stdout.write(f"total: {sum(outcomes.values())}")

    def _mailbox(self, slug: str) -> Mailbox:
        mailbox = Mailbox.objects.filter(slug=slug).first()
        if mailbox is None or mailbox.protocol != Mailbox.Protocol.IMAP:
            raise CommandError(f"there is no IMAP mailbox {slug}")
        return mailbox

    def _import(
        self, mailbox: Mailbox, claim: Claim, since: date | None, batch_size: int
    ) -> dict[str, int]:
        # The command's own stderr (the underlying stream: the bar redraws its line).
        stream = self.stderr._out
        with tqdm(desc=mailbox.slug, unit="msg", dynamic_ncols=True, file=stream) as bar:

            def on_result(result: IngestResult) -> None:
                bar.update(1)
                bar.set_postfix_str(result.outcome, refresh=False)
                mailbox_lease_renew(claim=claim)

            progress = FetchProgress(
                on_total=lambda total: bar.reset(total=total), on_result=on_result
            )
            summary = imap_fetch(
                mailbox=mailbox, batch_size=batch_size, since=since, progress=progress
            )
        return summary.outcomes
