"""Commands on a fresh checkout: the demo's settings, a data folder nothing has run in yet."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.demo
ROOT = Path(__file__).resolve().parents[2]
DEMO_MAIL = ROOT / "fixtures" / "demo" / "mail" / "sinistri"


def _manage(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_", "CELERY_"))}
    environ.update(
        DJANGO_SETTINGS_MODULE="intranet.settings.dev", CORRISPONDENZA_DATA_DIR=str(data_dir)
    )
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with the demo's database migrated and seeded, and nothing else run."""
    data_dir = tmp_path_factory.mktemp("fresh-checkout")
    for args in (("migrate", "--no-input", "-v0"), ("seed_demo",)):
        done = _manage(data_dir, *args)
        assert done.returncode == 0, done.stderr
    return data_dir


def _cases(data_dir: Path) -> list[str]:
    with sqlite3.connect(data_dir / "corrispondenza.sqlite3") as db:
        return [n for (n,) in db.execute("SELECT number FROM correspondence_casepage")]


def test_ingest_eml_files_a_message_and_queues_its_auto_reply(fresh: Path) -> None:
    done = _manage(
        fresh, "ingest_eml", "--mailbox", "sinistri", str(DEMO_MAIL / "01-incidente-torino.eml")
    )
    assert done.returncode == 0, done.stderr
    (line,) = [json.loads(text) for text in done.stdout.splitlines()]
    assert line["outcome"] == "created" and line["case"] in _cases(fresh)
    # The auto-reply's send task is waiting in the broker's folder for the demo's worker.
    assert list((fresh / "broker" / "out").iterdir())


def test_a_broker_that_cannot_be_reached_never_hides_the_filed_case(fresh: Path) -> None:
    done = _manage(
        fresh,
        "ingest_eml",
        "--mailbox",
        "sinistri",
        str(DEMO_MAIL / "02-szkoda-krakow.eml"),
        CELERY_BROKER_URL="redis://127.0.0.1:9/0",  # the discard port: nothing listens
    )
    assert done.returncode == 0, done.stderr
    (line,) = [json.loads(text) for text in done.stdout.splitlines()]
    assert line["outcome"] == "created" and line["case"] in _cases(fresh)
    assert "sweep" in done.stderr  # the outbox retry sweep sends what could not be enqueued
    with sqlite3.connect(fresh / "corrispondenza.sqlite3") as db:
        (queued,) = db.execute(
            "SELECT count(*) FROM correspondence_outgoingmail o JOIN correspondence_casepage c"
            " ON c.page_ptr_id = o.case_id WHERE c.number = ? AND o.state = 'queued'",
            [line["case"]],
        ).fetchone()
    assert queued == 1  # left for outbox_retry_task


def test_a_demo_database_from_before_sqlite_search_gets_its_words(fresh: Path) -> None:
    """Cases filed while SQLite kept no search words become findable by migrating."""
    done = _manage(
        fresh, "ingest_eml", "--mailbox", "sinistri", str(DEMO_MAIL / "01-incidente-torino.eml")
    )
    assert done.returncode == 0, done.stderr
    database = fresh / "corrispondenza.sqlite3"
    with sqlite3.connect(database) as db:
        db.execute("UPDATE correspondence_casepage SET search_vector = NULL")
    for args in (("0012_case_pool_open_received",), ()):
        done = _manage(fresh, "migrate", "correspondence", *args, "-v0")
        assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as db:
        rows = db.execute(
            "SELECT number FROM correspondence_casepage WHERE search_vector LIKE '% incrocio %'"
        ).fetchall()
    assert len(rows) == 1
