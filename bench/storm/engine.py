"""A fault storm: mail arriving on the real IMAP server while intake is killed and its
services fail, then an account of where every message and every auto-reply went.

``Storm`` is shared by the storm test (tests/correspondence/test_storm.py, a few
hundred messages) and ``python -m bench.storm`` (thousands). It runs in a Django
process whose database is the storm's; production's processes run as subprocesses
(``services.Processes``). After each fault a probe message is appended and the time
until it is filed is the stall: how long intake was silenced by that fault.
"""

import email
import email.policy
import logging
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone
from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from bench.storm import services
from correspondence.models import CasePage, Mailbox, Message, OutgoingMail, QuarantinedMessage
from correspondence.outbox.sending import outgoing_due, outgoing_send
from intranet.celery import app as celery_app

logger = logging.getLogger(__name__)
FAULTS = (
    "kill_watcher",
    "kill_intake",
    "kill_outbox",
    "kill_mid_batch",
    "db_sessions_end",
    "pg_restart",
    "redis_restart",
    "dovecot_restart",
    "dovecot_kick",
    "smtp_stop",
)


@dataclass(frozen=True)
class StormPlan:
    """How big the storm is, and how many faults of each kind it injects (in random order)."""

    messages: int
    rounds: int
    faults: dict[str, int]
    reply_share: float = 0.3
    seed: int = 20261129
    resume_limit: float = 30.0  # a probe not filed by then counts as a stall past the limit


@dataclass
class StormReport:
    """What happened: counts by kind of fault, where every message went, what was sent."""

    messages: int = 0
    threads: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    stalls: list[tuple[str, float]] = field(default_factory=list)
    # Processes that exited by themselves (e.g. started while the database restarted).
    revived: dict[str, int] = field(default_factory=dict)
    lost: int = 0
    duplicated: int = 0
    misthreaded: int = 0
    quarantined: int = 0
    cases: int = 0
    auto_replies: int = 0
    delivered: int = 0
    sent_twice: int = 0
    not_delivered: int = 0
    # Milliseconds from the SMTP server's acceptance to the Sent copy, from the outbox's log.
    unrecorded_ms: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def longest_stall(self) -> float:
        return max((seconds for _kind, seconds in self.stalls), default=0.0)

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "longest_stall": round(self.longest_stall, 2)}


@dataclass
class Storm:
    """One storm against ``mailbox`` (IMAP, auto-replies on, SMTP to ``smtp``)."""

    plan: StormPlan
    mailbox: Mailbox
    imap_password: str
    smtp: Any  # tests.support.smtp.SmtpServer: start(), stop(), envelopes
    processes: services.Processes
    report: StormReport = field(default_factory=StormReport)
    threads: dict[str, list[str]] = field(default_factory=dict)  # root Message-ID → all
    senders: dict[str, int] = field(default_factory=dict)  # root Message-ID → customer
    tag: str = ""

    def run(self) -> StormReport:
        started = time.monotonic()
        rng = random.Random(self.plan.seed)
        self.tag = f"{self.plan.seed}.{int(time.time())}"
        schedule = [kind for kind, count in self.plan.faults.items() for _ in range(count)]
        rng.shuffle(schedule)
        sizes = _split(self.plan.messages, self.plan.rounds)
        # Tasks another run left in the broker name rows of other databases.
        celery_app.control.purge()
        self.processes.start_all()
        try:
            for number, size in enumerate(sizes):
                self._append(self._generate(rng, size))
                due = schedule[number :: len(sizes)]
                for kind in due:
                    time.sleep(rng.uniform(0, 1.5))  # a random point of the fetch
                    self._fault(kind, rng)
                    self._probe(kind)
            self._drain()
        finally:
            self.processes.stop_all()
            if not self._smtp_running():
                self.smtp.start()
        self._outbox_settle()
        self._account()
        self.report.unrecorded_ms = _unrecorded_window(self.processes.logs / "outbox.log")
        self.report.seconds = round(time.monotonic() - started, 1)
        return self.report

    # --- mail ------------------------------------------------------------------------

    def _generate(self, rng: random.Random, count: int) -> list[bytes]:
        raws = []
        for _ in range(count):
            if self.threads and rng.random() < self.plan.reply_share:
                root = rng.choice(list(self.threads))
                raws.append(self._mail(reply_to=root))
            else:
                raws.append(self._mail())
        return raws

    def _mail(self, *, reply_to: str = "") -> bytes:
        self.report.messages += 1
        n = self.report.messages
        message_id = f"storm-{n}-{self.tag}@example.it"
        thread = reply_to or message_id
        if not reply_to:
            self.threads[message_id] = []
            self.senders[message_id] = len(self.senders)
            self.report.threads += 1
        self.threads[thread].append(message_id)
        sender = self.senders[thread]
        message = EmailMessage()
        message["From"] = f"Cliente {sender} <cliente{sender}.{self.tag}@example.it>"
        message["To"] = self.mailbox.address
        message["Subject"] = f"{'Re: ' if reply_to else ''}Richiesta {thread.split('-')[1]}"
        message["Date"] = format_datetime(timezone.now())
        message["Message-ID"] = f"<{message_id}>"
        if reply_to:
            message["In-Reply-To"] = f"<{reply_to}>"
            message["References"] = f"<{reply_to}>"
        message.set_content(f"Buongiorno, messaggio {n} della tempesta.\n")
        return message.as_bytes()

    def _append(self, raws: list[bytes]) -> None:
        for attempt in range(30):  # Dovecot may be restarting
            try:
                client = IMAPClient(
                    self.mailbox.imap_host, port=self.mailbox.imap_port, ssl=False, timeout=30
                )
                client.login(self.mailbox.imap_user, self.imap_password)
                for raw in raws:
                    client.append(self.mailbox.imap_folder, raw)
                client.logout()
                return
            except (OSError, IMAPClientError) as exc:
                logger.warning("append failed (%s), attempt %d", exc, attempt)
                time.sleep(1)
        raise RuntimeError("could not append to the IMAP server")

    def _probe(self, kind: str) -> None:
        """Appends a new message and waits for its case: the stall after ``kind``."""
        raw = self._mail()
        message_id = list(self.threads)[-1]
        appended = time.monotonic()
        self._append([raw])
        limit = appended + self.plan.resume_limit + 60
        while time.monotonic() < limit:
            if _filed(message_id):
                break
            self._revive()
            time.sleep(0.1)
        self.report.stalls.append((kind, round(time.monotonic() - appended, 2)))

    # --- faults ----------------------------------------------------------------------

    def _fault(self, kind: str, rng: random.Random) -> None:
        self.report.faults[kind] = self.report.faults.get(kind, 0) + 1
        logger.info("storm: %s", kind)
        if kind.startswith("kill_"):
            names = [kind.removeprefix("kill_")]
            if kind == "kill_mid_batch":
                # A backlog, then both readers killed the moment one of them files.
                names = ["watcher", "intake"]
                self._append(self._generate(rng, 40))
                _wait_for_filing()
            for name in names:
                self.processes.kill(name)
            time.sleep(1.0)  # a supervisor's restart delay (systemd RestartSec=1)
            for name in names:
                self.processes.start(name)
        elif kind == "db_sessions_end":
            services.database_sessions_end()
        elif kind == "pg_restart":
            # Alternately a clean stop and a crash with recovery.
            count = self.report.faults[kind]
            services.postgres_restart("fast" if count % 2 else "immediate")
        elif kind == "redis_restart":
            services.redis_restart()
        elif kind == "dovecot_restart":
            services.dovecot_restart()
        elif kind == "dovecot_kick":
            services.dovecot_kick(self.mailbox.imap_user)
        elif kind == "smtp_stop":
            self.smtp.stop()
            time.sleep(rng.uniform(2, 6))
            self.smtp.start()
        else:
            raise ValueError(f"unknown fault {kind}")

    def _revive(self) -> None:
        for name in self.processes.revive():
            self.report.revived[name] = self.report.revived.get(name, 0) + 1

    def _smtp_running(self) -> bool:
        return getattr(self.smtp, "_controller", None) is not None

    # --- the end: everything filed, every mail settled, then counted ------------------

    def _drain(self, within: float = 180) -> None:
        wanted = self.report.messages
        deadline = time.monotonic() + within
        while time.monotonic() < deadline and _placed() < wanted:
            self._revive()
            time.sleep(0.5)

    def _outbox_settle(self) -> None:
        """The retry sweep, with the clock moved past every retry delay, until nothing waits."""
        for _round in range(10):
            later = timezone.now() + timedelta(hours=3)
            for outgoing_id in _patient(lambda at=later: outgoing_due(now=at)):
                _patient(lambda oid=outgoing_id: outgoing_send(outgoing_id=oid))
            waiting = OutgoingMail.objects.filter(
                state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.SENDING]
            )
            if not waiting.exists():
                return

    def _account(self) -> None:
        r = self.report
        inbound = list(
            Message.objects.filter(kind=Message.Kind.INBOUND).values_list("message_id", "case_id")
        )
        counts = Counter(mid for mid, _case in inbound)
        r.quarantined = QuarantinedMessage.objects.count()
        every = [mid for thread in self.threads.values() for mid in thread]
        r.lost = sum(1 for mid in every if counts[mid] == 0) - r.quarantined
        r.duplicated = sum(count - 1 for count in counts.values() if count > 1)
        case_of = dict((mid, case) for mid, case in inbound)
        roots_cases = {case_of.get(root) for root in self.threads}
        r.misthreaded = sum(
            1
            for root, members in self.threads.items()
            for mid in members
            if case_of.get(mid) != case_of.get(root)
        ) + (len(self.threads) - len(roots_cases))
        r.cases = CasePage.objects.count()
        automatic = set(
            OutgoingMail.objects.filter(automatic=True).values_list("message_id", flat=True)
        )
        r.auto_replies = len(automatic)
        at_server = Counter(_message_id(envelope.content) for envelope in self.smtp.envelopes)
        r.delivered = sum(1 for mid in automatic if at_server[mid] >= 1)
        r.sent_twice = sum(1 for mid in automatic if at_server[mid] > 1)
        r.not_delivered = r.auto_replies - r.delivered


def _unrecorded_window(log: Path) -> dict[str, float]:
    """Median, p99 and longest time an accepted mail had neither copy nor record."""
    found = sorted(
        float(match[1])
        for match in re.finditer(r"outcome unrecorded for ([0-9.]+) ms", log.read_text())
    )
    if not found:
        return {}
    return {
        "mails": len(found),
        "p50": found[len(found) // 2],
        "p99": found[min(len(found) - 1, int(len(found) * 0.99))],
        "max": found[-1],
    }


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _message_id(content: bytes | str) -> str:
    raw = content.encode() if isinstance(content, str) else content
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    return str(parsed.get("Message-ID", "")).strip().strip("<>")


def _patient(call: Callable[[], Any]) -> Any:
    """Runs a database call of the storm's own, waiting for a restarting database."""
    for _attempt in range(120):
        try:
            return call()
        except (OperationalError, InterfaceError):
            connection.close()
            time.sleep(0.5)
    return call()


def _filed(message_id: str) -> bool:
    return bool(_patient(lambda: Message.objects.filter(message_id=message_id).exists()))


def _placed() -> int:
    return int(
        _patient(
            lambda: (
                Message.objects.filter(kind=Message.Kind.INBOUND).count()
                + QuarantinedMessage.objects.count()
            )
        )
    )


def _wait_for_filing(within: float = 10) -> None:
    """Returns as soon as intake files something: the reader is then mid-fetch."""
    before = _placed()
    deadline = time.monotonic() + within
    while time.monotonic() < deadline and _placed() == before:
        time.sleep(0.02)
