"""Where the harness keeps its state, how big each measure is, how to reach the services."""

import hashlib
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
STATE = Path(os.environ.get("BENCH_STATE_DIR", "/tmp/corrispondenza-bench"))
PG_HOST = os.environ.get("BENCH_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PG_PORT", "5433"))
PG_USER = os.environ.get("BENCH_PG_USER", "corrispondenza")
PG_PASSWORD = os.environ.get("BENCH_PG_PASSWORD", "corrispondenza")
IMAP_HOST = os.environ.get("BENCH_IMAP_HOST", "127.0.0.1")
IMAP_PORT = int(os.environ.get("BENCH_IMAP_PORT", "10143"))
IMAP_PASSWORD = os.environ.get("BENCH_IMAP_PASSWORD", "secret")
OURS_IMAP_USER = "test6"  # the other test accounts belong to the test suite
PEER_IMAP_USER = "test7"
PEER_VERSION = "2.6.1"  # django-helpdesk, the latest 2.x when the harness was written
SEED = 20260601
# Bump when the way list databases are built changes: cached databases are rebuilt.
DATA_VERSION = 1
# The same for the reports' database (bench/ours/reports.py).
REPORTS_DATA_VERSION = 1


@dataclass(frozen=True)
class Sizes:
    """How much each measure does."""

    ingest: int
    pickup: int
    lists: tuple[int, ...]
    peer_lists: int
    takes: int
    list_repeats: int
    files: int = 2000  # ingest_eml over a folder, against the peer's local-folder import
    reports: int = 3000


FULL = Sizes(
    ingest=5000,
    pickup=200,
    lists=(100_000, 1_000_000),
    peer_lists=100_000,
    takes=5000,
    list_repeats=40,
    reports=1_000_000,
)
QUICK = Sizes(
    ingest=100, pickup=6, lists=(3000,), peer_lists=3000, takes=200, list_repeats=8, files=100
)


def fresh_media(name: str) -> str:
    """An empty media folder for one measure (files stored by content hash are written
    once: a folder kept from an earlier run would spare an import its writes)."""
    folder = STATE / f"media-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return str(folder)


def peer_media_clear() -> None:
    """The peer's media folder emptied, as ours is before an import."""
    shutil.rmtree(STATE / "peer-media", ignore_errors=True)


def database_url(name: str) -> str:
    return f"postgres://{PG_USER}:{PG_PASSWORD}@{PG_HOST}:{PG_PORT}/{name}"


def migrations_key() -> str:
    """A short hash of every migration file: a cached database is only reused on the same schema."""
    digest = hashlib.sha256()
    for path in sorted(REPO.glob("*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:8]


def ours_env(database: str) -> dict[str, str]:
    """The environment of a process of ours working on `database`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "REDIS_URL"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_ours",
        DATABASE_URL=database_url(database),
        CORRISPONDENZA_MAILBOX_BENCH_IMAP=IMAP_PASSWORD,
        PYTHONPATH=str(REPO),
    )
    return env


def ours_python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable
