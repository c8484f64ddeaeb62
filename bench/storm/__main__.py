"""``python -m bench.storm [--messages N] [--rounds N] [--out FILE]``: the long fault storm.

Creates a fresh database ``corr_storm`` on the test PostgreSQL (``bench.config``),
migrates it, and runs ``bench.storm.engine.Storm`` against the test Dovecot (account
``--imap-user``, emptied first), an SMTP server on loopback, and production's processes
as subprocesses: thousands of messages while the intake processes are SIGKILLed 50+
times, the outbox worker a few times, PostgreSQL restarted (fast and immediate),
Redis and Dovecot restarted and SMTP stopped. Prints the report as JSON and writes it
to ``--out``. It restarts the shared test services: run it when nothing else needs them.
Bounded: about ten to fifteen minutes on two cores.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import config, db

DATABASE = "corr_storm"
LONG_FAULTS = {
    "kill_watcher": 20,
    "kill_intake": 16,
    "kill_mid_batch": 10,
    "kill_outbox": 4,
    "db_sessions_end": 5,
    # Few restarts of the shared services: each one disturbs everyone using them.
    "pg_restart": 2,
    "redis_restart": 2,
    "dovecot_restart": 2,
    "smtp_stop": 4,
}

# The same storm without restarting the services other people's tests are using.
GENTLE_FAULTS = {
    **{k: v for k, v in LONG_FAULTS.items() if not k.endswith("_restart")},
    "db_sessions_end": 7,
    "dovecot_kick": 2,
}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.storm", description=__doc__)
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=67)
    parser.add_argument("--imap-user", default="test3")
    parser.add_argument("--out", default=str(config.REPO / "bench" / "storm-latest.json"))
    parser.add_argument(
        "--gentle",
        action="store_true",
        help="restart no shared service: end our database sessions and kick our IMAP "
        "sessions instead (for a trial while others use the test services)",
    )
    return parser.parse_args()


def _environment(media: Path) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="intranet.settings.test",
        DATABASE_URL=config.database_url(DATABASE),
        CORRISPONDENZA_TEST_MEDIA_ROOT=str(media),
        STORM_IMAP_SECRET=config.IMAP_PASSWORD,
    )
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6380/0")


def main() -> None:
    args = _arguments()
    media = Path(tempfile.mkdtemp(prefix="corrispondenza-storm-"))
    _environment(media)
    db.database_create(DATABASE)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=config.REPO, check=True)
    import django

    django.setup()
    from bench.storm.engine import Storm, StormPlan
    from bench.storm.services import Processes
    from tests.support.processes import process_env
    from tests.support.smtp import SmtpServer, _free_port

    smtp = SmtpServer(_free_port()).start()
    mailbox = _world(args.imap_user, smtp.port)
    faults = GENTLE_FAULTS if args.gentle else LONG_FAULTS
    plan = StormPlan(messages=args.messages, rounds=args.rounds, faults=faults)
    storm = Storm(
        plan=plan,
        mailbox=mailbox,
        imap_password=config.IMAP_PASSWORD,
        smtp=smtp,
        processes=Processes(env=process_env(), logs=media, slug=mailbox.slug),
    )
    try:
        report = storm.run().as_dict()
    finally:
        smtp.stop()
    report.update(gentle=args.gentle, logs=str(media))
    Path(args.out).write_text(json.dumps(report, indent=1) + "\n")
    print(json.dumps(report))


def _world(user: str, smtp_port: int) -> "object":
    from bench.imapbox import account_clear
    from correspondence import permissions
    from correspondence.models import Mailbox, PoolPage
    from intranet.home import home_page_ensure

    account_clear(user)
    pool = home_page_ensure().add_child(
        instance=PoolPage(
            title="Storm", slug="storm", code="STO", addresses="storm@assicura.example.it"
        )
    )
    permissions.pool_teams_grant(pool=pool, name="Storm")
    return Mailbox.objects.create(
        name="Storm",
        slug="storm",
        pool=pool,
        address="storm@assicura.example.it",
        imap_host=config.IMAP_HOST,
        imap_port=config.IMAP_PORT,
        imap_security=Mailbox.Security.NONE,
        imap_user=user,
        imap_secret_env="STORM_IMAP_SECRET",
        after_processing=Mailbox.AfterProcessing.LEAVE,
        start_from=Mailbox.StartFrom.ALL,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        smtp_security=Mailbox.Security.NONE,
        auto_reply=Mailbox.AutoReply.ON,
        auto_reply_subject="Abbiamo ricevuto la sua richiesta",
        auto_reply_body="Gentile cliente, la sua richiesta è la pratica {number}.",
    )


if __name__ == "__main__":
    main()
