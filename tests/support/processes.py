"""Production's processes, started by a test against its own database, and database faults."""

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import psycopg
from django.conf import settings
from django.db import connection

REPO = Path(__file__).resolve().parents[2]


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a process of ours working on the test's database and media."""
    db = connection.settings_dict
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="intranet.settings.test",
        DATABASE_URL=(
            f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        CORRISPONDENZA_TEST_MEDIA_ROOT=str(settings.MEDIA_ROOT),
        PYTHONPATH=str(REPO),
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def process_start(args: list[str], *, log: Path, **extra: str) -> subprocess.Popen[bytes]:
    """Starts ``python ARGS`` in its own process group, output to ``log``."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=REPO,
            env=process_env(**extra),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def process_kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILLs the process and every child of its group (a Celery worker's pool), then reaps."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def _admin() -> psycopg.Connection:
    db = connection.settings_dict
    return psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    )


def backends_terminate(*, pids: list[int] | None = None, others: bool = False) -> int:
    """Ends database sessions as a crash or restart of the server would; returns how many.

    ``pids``: those sessions; ``others``: every other session on the test database
    (its intake and outbox processes), except the test's own.
    """
    with _admin() as admin:
        if pids is not None:
            query, params = "SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids]
        else:
            assert others
            query = (
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid() AND pid <> %s"
            )
            params = [connection.settings_dict["NAME"], _own_pid()]
        return sum(1 for (done,) in admin.execute(query, params).fetchall() if done)


def _own_pid() -> int:
    connection.ensure_connection()
    return int(connection.connection.info.backend_pid)


def own_backend_pid() -> int:
    """This thread's database session, for a test that ends it."""
    return _own_pid()
