"""Take next: 16 operators at once until N cases are taken; the peer has no take-next."""

from typing import Any

from bench import db
from bench.context import Context
from bench.process import ours_run

OURS_DB = "bench_ours_takes"


def run(ctx: Context) -> dict[str, Any]:
    db.database_create(OURS_DB, template=ctx.ours_template)
    return {
        "ours": ours_run(OURS_DB, "takes", count=ctx.sizes.takes, workers=16),
        "peer": "not applicable: django-helpdesk has no take-next (tickets are assigned by hand)",
    }
