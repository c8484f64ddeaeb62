"""Archive import: the same N messages as .eml files through ``manage.py ingest_eml``
and through the peer's import of a local mail folder (``get_email``, type "local")."""

import shutil
from typing import Any

from bench import config, db
from bench.context import Context
from bench.peer.setup import peer_run
from bench.process import ours_run

OURS_DB, PEER_DB = "bench_ours_files", "bench_peer_files"


def _folder(name: str, raws: list[bytes]) -> str:
    folder = config.STATE / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for n, raw in enumerate(raws):
        (folder / f"{n:06}.eml").write_bytes(raw)
    return str(folder)


def run(ctx: Context) -> dict[str, Any]:
    messages = ctx.messages(ctx.sizes.files)
    replies = str(ctx.replies_file(messages))
    raws = [m.raw for m in messages]
    result: dict[str, Any] = {}
    db.database_create(OURS_DB, template=ctx.ours_template)
    folder = _folder("files-ours", raws)
    result["ours"] = ours_run(
        OURS_DB, "ingest_files", directory=folder, replies_file=replies, expected=len(raws)
    )
    db.database_create(PEER_DB, template=ctx.peer_template)
    folder = _folder("files-peer", raws)
    result["peer"] = peer_run(
        PEER_DB, "ingest_files", directory=folder, replies_file=replies, expected=len(raws)
    )
    result["ratio"] = round(result["ours"]["per_second"] / result["peer"]["per_second"], 1)
    return result
