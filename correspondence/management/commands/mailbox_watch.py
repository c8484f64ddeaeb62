"""``manage.py mailbox_watch``: new mail becomes a case within seconds, until Ctrl-C."""

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from correspondence.intake.idle import mailboxes_watch
from correspondence.models import Mailbox


class Command(BaseCommand):
    help = (
        "Watches active IMAP mailboxes with IDLE (polling where a server lacks it), one "
        "thread each, until Ctrl-C or SIGTERM. Beat's polling stays on as the fallback."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--mailbox",
            dest="slugs",
            action="append",
            default=[],
            metavar="SLUG",
            help="Watch only this mailbox (repeatable); all active IMAP mailboxes by default.",
        )

    def handle(self, *args: Any, slugs: list[str], **options: Any) -> None:
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
        try:
            threads = mailboxes_watch(slugs=slugs, stop=stop)
        except Mailbox.DoesNotExist as exc:
            raise CommandError(str(exc)) from exc
        if not threads:
            raise CommandError("there is no active IMAP mailbox to watch")
        self.stdout.write(f"watching {', '.join(t.name.removeprefix('watch-') for t in threads)}")
        try:
            while not stop.wait(1.0) and any(t.is_alive() for t in threads):
                pass
        except KeyboardInterrupt:
            self.stdout.write("stopping")
        stop.set()
        for thread in threads:
            thread.join(timeout=35)
