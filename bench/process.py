"""Running one step of either side in a process of its own and reading its JSON result."""

import json
import subprocess
from pathlib import Path
from typing import Any

from bench import config, db


class StepFailed(RuntimeError):
    """A step's process failed; the message carries the end of its output."""


def json_run(command: list[str], env: dict[str, str], cwd: Path | None = None) -> dict[str, Any]:
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr or done.stdout)[-3000:]
        raise StepFailed(f"{' '.join(command[:3])} failed ({done.returncode}):\n{tail}")
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def ours_run(database: str, name: str, *, media: str = "", **args: Any) -> dict[str, Any]:
    """Runs one measure of ours (bench.ours) against `database` (and `media`, its files'
    folder, when given: an import must pay for writing its files, not find them there)."""
    command = [config.ours_python(), "-m", "bench.ours", name, json.dumps(args)]
    env = config.ours_env(database)
    if media:
        env["BENCH_MEDIA_ROOT"] = media
    return json_run(command, env, cwd=config.REPO)


def manage(database: str, *args: str) -> None:
    """Runs a manage.py command of ours against `database`."""
    command = [config.ours_python(), "manage.py", *args]
    done = subprocess.run(
        command, env=config.ours_env(database), cwd=config.REPO, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise StepFailed(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")


def database_migrate_forward(older: str, name: str) -> bool:
    """Renames the kept database `older` to `name` and migrates it to today's schema.
    A database whose recorded migrations no longer match the files (renamed when branches
    were merged) cannot be migrated: it is dropped, and the caller builds afresh (False)."""
    db.database_rename(older, name)
    try:
        manage(name, "migrate", "--no-input", "-v", "0")
    except StepFailed:
        db.database_drop(name)
        return False
    db.database_analyze(name)
    return True
