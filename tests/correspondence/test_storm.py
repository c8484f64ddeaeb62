"""The storm test: mail keeps arriving while intake is SIGKILLed and its services fail.

Production's processes (``mailbox_watch``, a Celery worker per queue, beat) run as
subprocesses against this test's database and the real Dovecot and SMTP server. The
database fault ends their sessions; with STORM_PG_RESTART=1 (CI sets CI=true, which
does the same) it restarts the test PostgreSQL instead, which disturbs anyone else
using it. The long storm with Redis and Dovecot restarts is ``python -m bench.storm``.
"""

import os
from pathlib import Path

import pytest

from bench.storm.engine import Storm, StormPlan
from bench.storm.services import Processes
from correspondence.models import Mailbox, PoolPage
from tests.support.imap import (
    IMAP_USERS,
    PASSWORD_ENV,
    imap_account,
    imap_mailbox_create,
    needs_imap,
)
from tests.support.processes import process_env
from tests.support.smtp import SmtpServer

pytestmark = [pytest.mark.imap, pytest.mark.storm, needs_imap]
# test_imap.py reads the last account, the fault tests the one before; this one too,
# never at the same time (pytest runs one test at a time).
USER = IMAP_USERS[-2] if len(IMAP_USERS) > 1 else ""
PG_RESTART = os.environ.get("STORM_PG_RESTART", "1" if os.environ.get("CI") == "true" else "")


@pytest.fixture
def storm_mailbox(sinistri: PoolPage, smtp: SmtpServer) -> Mailbox:
    return imap_mailbox_create(
        pool=sinistri,
        user=imap_account(USER),
        slug="sinistri-storm",
        name="Sinistri storm",
        smtp=smtp,
        auto_reply=Mailbox.AutoReply.ON,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.timeout(400)
def test_a_fault_storm_loses_nothing_and_sends_each_auto_reply_once(
    storm_mailbox: Mailbox, smtp: SmtpServer, tmp_path: Path
) -> None:
    database_fault = "pg_restart" if PG_RESTART else "db_sessions_end"
    plan = StormPlan(
        messages=300,
        rounds=8,
        faults={
            "kill_watcher": 2,
            "kill_intake": 1,
            "kill_mid_batch": 2,
            database_fault: 1,
            "smtp_stop": 1,
        },
    )
    storm = Storm(
        plan=plan,
        mailbox=storm_mailbox,
        imap_password=os.environ[PASSWORD_ENV],
        smtp=smtp,
        processes=Processes(env=process_env(), logs=tmp_path, slug=storm_mailbox.slug),
    )
    report = storm.run()
    print(f"\nstorm: {report.as_dict()}")
    assert report.faults == plan.faults
    assert report.lost == 0 and report.duplicated == 0 and report.misthreaded == 0
    assert report.quarantined == 0 and report.cases == report.threads
    assert report.longest_stall < plan.resume_limit, report.stalls
    assert report.auto_replies == report.threads
    assert report.delivered == report.auto_replies and report.sent_twice == 0
