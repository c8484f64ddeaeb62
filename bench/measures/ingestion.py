"""Ingestion: the same N messages through each system's own mail import from IMAP.

Ours twice, each on an empty database and media folder: ``mailbox_fetch`` (what the
worker runs for a mailbox) and ``manage.py mailbox_import`` (the long import an
administrator starts); the peer once (``get_email``). Ratios are against that peer run,
taken in the same harness run; the load average is recorded around each step.
"""

import os
from typing import Any

from bench import config, db, imapbox
from bench.context import Context
from bench.peer.setup import peer_run
from bench.process import ours_run

OURS = {
    "ours": ("bench_ours_ingest", "ingest"),
    "ours_import": ("bench_ours_import", "mailbox_import"),
}
PEER_DB = "bench_peer_ingest"


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def run(ctx: Context) -> dict[str, Any]:
    messages = ctx.messages(ctx.sizes.ingest)
    replies = str(ctx.replies_file(messages))
    raws = [m.raw for m in messages]
    result: dict[str, Any] = {"generated": _kinds(messages)}
    for key, (database, step) in OURS.items():
        imapbox.account_clear(config.OURS_IMAP_USER)
        imapbox.messages_append(config.OURS_IMAP_USER, raws)
        db.database_create(database, template=ctx.ours_template)
        before = _load()
        result[key] = ours_run(
            database,
            step,
            media=config.fresh_media(key),
            replies_file=replies,
            expected=len(raws),
        )
        result[key]["load_before"], result[key]["load_after"] = before, _load()
    imapbox.account_clear(config.OURS_IMAP_USER)
    imapbox.account_clear(config.PEER_IMAP_USER)
    imapbox.messages_append(config.PEER_IMAP_USER, raws)
    db.database_create(PEER_DB, template=ctx.peer_template)
    config.peer_media_clear()
    before = _load()
    result["peer"] = peer_run(PEER_DB, "ingest", replies_file=replies, expected=len(raws))
    result["peer"]["load_before"], result["peer"]["load_after"] = before, _load()
    imapbox.account_clear(config.PEER_IMAP_USER)
    peer = result["peer"]["per_second"]
    result["ratio"] = round(result["ours"]["per_second"] / peer, 1)
    result["ratio_import"] = round(result["ours_import"]["per_second"] / peer, 1)
    return result


def _kinds(messages: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in messages:
        counts[message.kind] = counts.get(message.kind, 0) + 1
    return counts
