"""Ingestion: the same N messages through each system's own mail import from IMAP."""

from typing import Any

from bench import config, db, imapbox
from bench.context import Context
from bench.peer.setup import peer_run
from bench.process import ours_run

OURS_DB, PEER_DB = "bench_ours_ingest", "bench_peer_ingest"


def run(ctx: Context) -> dict[str, Any]:
    messages = ctx.messages(ctx.sizes.ingest)
    replies = str(ctx.replies_file(messages))
    raws = [m.raw for m in messages]
    result: dict[str, Any] = {"generated": _kinds(messages)}
    imapbox.account_clear(config.OURS_IMAP_USER)
    imapbox.messages_append(config.OURS_IMAP_USER, raws)
    db.database_create(OURS_DB, template=ctx.ours_template)
    result["ours"] = ours_run(OURS_DB, "ingest", replies_file=replies, expected=len(raws))
    imapbox.account_clear(config.OURS_IMAP_USER)
    imapbox.account_clear(config.PEER_IMAP_USER)
    imapbox.messages_append(config.PEER_IMAP_USER, raws)
    db.database_create(PEER_DB, template=ctx.peer_template)
    result["peer"] = peer_run(PEER_DB, "ingest", replies_file=replies, expected=len(raws))
    imapbox.account_clear(config.PEER_IMAP_USER)
    result["ratio"] = round(result["ours"]["per_second"] / result["peer"]["per_second"], 1)
    return result


def _kinds(messages: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in messages:
        counts[message.kind] = counts.get(message.kind, 0) + 1
    return counts
