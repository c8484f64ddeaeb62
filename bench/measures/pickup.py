"""Pickup latency: IMAP APPEND until the case exists, with IDLE and with beat polling.

The peer has neither IDLE nor a poller of its own: its ``get_email`` runs from cron,
each queue at most every ``email_box_interval`` minutes, so its pickup is that
interval, not a figure worth measuring here.
"""

from typing import Any

from bench import config, db, imapbox
from bench.context import Context
from bench.process import ours_run

OURS_DB = "bench_ours_pickup"
PEER_NOTE = (
    "not measured: django-helpdesk has no IDLE and no poller; get_email runs from cron "
    "(minute granularity), each queue at most every email_box_interval minutes"
)


def run(ctx: Context) -> dict[str, Any]:
    count = ctx.sizes.pickup
    db.database_create(OURS_DB, template=ctx.ours_template)
    result: dict[str, Any] = {"peer": PEER_NOTE}
    for mode in ("idle", "poll"):
        imapbox.account_clear(config.OURS_IMAP_USER)
        spacing = 1.0 if ctx.quick else 0.25
        result[mode] = ours_run(OURS_DB, "pickup", count=count, mode=mode, spacing=spacing)
    imapbox.account_clear(config.OURS_IMAP_USER)
    return result
