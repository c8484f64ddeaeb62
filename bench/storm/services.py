"""The processes and services a storm starts, kills and restarts, all on loopback.

Production's processes run as subprocesses against the storm's database: the IDLE
watcher (``manage.py mailbox_watch``), a Celery worker for the intake queue, one for
the outbox queue, and beat. The services are the test ones of ``.ci/services.sh``;
restarting them disturbs whoever else uses them, so the storm test only ends its own
database sessions unless told to restart the real server.
"""

import glob
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from django.db import connection

REPO = Path(__file__).resolve().parents[2]
SERVICES_DIR = Path(os.environ.get("CORRISPONDENZA_SERVICES_DIR", "/tmp/corrispondenza-services"))
PG_DATA = SERVICES_DIR / "postgres" / "data"
PG_LOG = SERVICES_DIR / "postgres" / "postgres.log"
REDIS_CONF = SERVICES_DIR / "redis" / "redis.conf"
DOVECOT_CONF = SERVICES_DIR / "dovecot" / "dovecot.conf"


def _celery(queue: str) -> list[str]:
    return [
        "-m",
        "celery",
        "-A",
        "intranet",
        "worker",
        "-Q",
        queue,
        "-c",
        "1",
        "-n",
        f"{queue.split(',')[0]}-storm-{os.getpid()}@%h",
        "--without-gossip",
        "--without-mingle",
        "-l",
        "INFO",
    ]


@dataclass
class Processes:
    """Production's intake and outbox processes, each restartable after a kill."""

    env: dict[str, str]
    logs: Path
    slug: str
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def commands(self) -> dict[str, list[str]]:
        beat_file = self.logs / "celerybeat-schedule"
        return {
            "watcher": ["manage.py", "mailbox_watch", "--mailbox", self.slug],
            "intake": _celery("intake"),
            "outbox": _celery("outbox,periodic"),
            "beat": ["-m", "celery", "-A", "intranet", "beat", "-s", str(beat_file), "-l", "INFO"],
        }

    def start(self, name: str) -> None:
        with (self.logs / f"{name}.log").open("ab") as out:
            self.running[name] = subprocess.Popen(
                [sys.executable, *self.commands()[name]],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a kill reaches a worker's pool children too
            )

    def start_all(self) -> None:
        for name in self.commands():
            self.start(name)

    def revive(self) -> list[str]:
        """Starts again whatever exited by itself, as a supervisor (systemd) would."""
        exited = [name for name, process in self.running.items() if process.poll() is not None]
        for name in exited:
            self.start(name)
        return exited

    def kill(self, name: str) -> None:
        """SIGKILL, as the kernel's OOM killer or a power cut would: nothing runs after it."""
        process = self.running.pop(name)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        """SIGTERM to each main process (a worker lets its pool finish the task at hand, as
        systemd's KillMode=mixed does), then SIGKILL whatever is still there."""
        for process in self.running.values():
            with suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.running.values():
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        self.running.clear()


def database_sessions_end() -> int:
    """Ends every other session on our database (the processes'), as a crash of the server
    would for them; returns how many."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"],
        port=db["PORT"],
        user=db["USER"],
        password=db["PASSWORD"],
        dbname=db["NAME"],
        autocommit=True,
    ) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ).fetchall()
    connection.close()  # ours was among them
    return sum(1 for (done,) in rows if done)


def _as_postgres(*args: str) -> None:
    subprocess.run(
        ["runuser", "-u", "postgres", "--", *args],
        cwd="/",
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )


def postgres_restart(mode: str = "fast") -> None:
    """Restarts the test cluster (``fast``: clients cut; ``immediate``: a crash and recovery)."""
    (pg_ctl,) = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1:]
    _as_postgres(pg_ctl, "-D", str(PG_DATA), "-l", str(PG_LOG), "-m", mode, "-w", "restart")
    connection.close()


def redis_restart() -> None:
    """Stops the test Redis without saving (its queues are lost, as after a crash) and starts it."""
    port = _conf_value(REDIS_CONF, "port")
    subprocess.run(["redis-cli", "-p", port, "shutdown", "nosave"], capture_output=True, timeout=30)
    _run_detached(["redis-server", str(REDIS_CONF)])
    _wait(lambda: _redis_up(port), what="Redis")


def dovecot_restart() -> None:
    """Stops the test Dovecot (every IMAP session dropped) and starts it again."""
    subprocess.run(["doveadm", "-c", str(DOVECOT_CONF), "stop"], capture_output=True, timeout=60)
    time.sleep(0.5)
    _run_detached(["dovecot", "-c", str(DOVECOT_CONF)])
    _wait(_imap_up, what="Dovecot")


def dovecot_kick(user: str) -> None:
    """Drops every IMAP session of the account, as a server restart does to its clients."""
    subprocess.run(
        ["doveadm", "-c", str(DOVECOT_CONF), "kick", user], capture_output=True, timeout=30
    )


def _run_detached(command: list[str]) -> None:
    subprocess.run(
        ["setsid", *command],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=60,
        check=True,
    )


def _conf_value(path: Path, key: str) -> str:
    for line in path.read_text().splitlines():
        if line.startswith(key + " "):
            return line.split()[1]
    raise LookupError(f"{key} not in {path}")


def _redis_up(port: str) -> bool:
    done = subprocess.run(["redis-cli", "-p", port, "ping"], capture_output=True, timeout=5)
    return done.stdout.strip() == b"PONG"


def _imap_up() -> bool:
    port = int(os.environ.get("TEST_IMAP_PORT", "10143"))
    with suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        return sock.recv(100).startswith(b"* OK")
    return False


def _wait(ready: object, *, what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if callable(ready) and ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come back within {within} s")
