"""Archive import from files: the same N messages as .eml files through ``manage.py
ingest_eml`` (a folder, then every file named), through a folder mailbox (the demo's:
``mailbox_fetch`` of a mailbox reading a folder), and through the peer's import of a
local mail folder (``get_email``, type "local"), which has no other way to read files.
Each of ours is compared with that one peer run, taken in the same harness run."""

import os
import shutil
from typing import Any

from bench import config, db
from bench.context import Context
from bench.peer.setup import peer_run
from bench.process import ours_run

PEER_DB = "bench_peer_files"
# Ours: one database and one media folder per way in, each started empty.
OURS = {
    "ours": ("bench_ours_files", "ingest_files", {}),
    "ours_listed": ("bench_ours_files_listed", "ingest_files", {"listed": True}),
    "ours_folder_mailbox": ("bench_ours_folder_mailbox", "folder_mailbox", {}),
}


def _folder(name: str, raws: list[bytes]) -> str:
    folder = config.STATE / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for n, raw in enumerate(raws):
        (folder / f"{n:06}.eml").write_bytes(raw)
    return str(folder)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(ctx: Context) -> dict[str, Any]:
    messages = ctx.messages(ctx.sizes.files)
    replies = str(ctx.replies_file(messages))
    raws = [m.raw for m in messages]
    result: dict[str, Any] = {}
    for key, (database, step, extra) in OURS.items():
        db.database_create(database, template=ctx.ours_template)
        folder = _folder(f"files-{key}", raws)
        before = _load()
        result[key] = ours_run(
            database,
            step,
            media=config.fresh_media(key),
            directory=folder,
            replies_file=replies,
            expected=len(raws),
            **extra,
        )
        result[key]["load_before"], result[key]["load_after"] = before, _load()
    db.database_create(PEER_DB, template=ctx.peer_template)
    folder = _folder("files-peer", raws)
    config.peer_media_clear()
    before = _load()
    result["peer"] = peer_run(
        PEER_DB, "ingest_files", directory=folder, replies_file=replies, expected=len(raws)
    )
    result["peer"]["load_before"], result["peer"]["load_after"] = before, _load()
    peer = result["peer"]["per_second"]
    result["ratio"] = round(result["ours"]["per_second"] / peer, 1)
    result["ratio_listed"] = round(result["ours_listed"]["per_second"] / peer, 1)
    result["ratio_folder_mailbox"] = round(result["ours_folder_mailbox"]["per_second"] / peer, 1)
    return result
