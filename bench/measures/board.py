"""The live board at the lists' sizes (100k and 1M cases): the leader's board, p50/p95 ms.

Uses (and, when missing, builds) the same kept databases as the lists measure.
"""

from typing import Any

from bench import db
from bench.context import Context
from bench.measures.lists import _ours_db
from bench.process import ours_run


def run(ctx: Context) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for size in ctx.sizes.lists:
        name, built = _ours_db(ctx, size)
        measured = ours_run(name, "board", repeats=ctx.sizes.list_repeats)
        result[f"ours_{size}"] = {"build": built, "db_mb": db.database_size_mb(name), **measured}
    return result
