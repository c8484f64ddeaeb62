"""The live board at 100k and 1M cases: the team leader's and the manager's board,
p50/p95 ms (target: p95 ≤ 100 ms at 1,000,000 cases).

Its world (``bench/ours/board_world.py``: four pools, their operators and presence, a
year of cases copied in SQL) is built once into ``bench_ours_b<size>_<schema>_v<N>``
(through a ``_building`` copy of the template, renamed when complete) and kept; a kept
database of an older schema is migrated forward.
"""

from typing import Any

from bench import config, db
from bench.context import Context
from bench.process import database_migrate_forward, ours_run

# Bump when the board's world is made differently: kept databases are rebuilt.
DATA_VERSION = 2


def _database(ctx: Context, size: int) -> tuple[str, dict[str, Any]]:
    name = f"bench_ours_b{size}_{config.migrations_key()}_v{DATA_VERSION}"
    if db.database_exists(name):
        return name, {"made": 0}
    prefix = f"bench_ours_b{size}_"
    older = [
        found
        for found in db.databases_like(prefix)
        if found.startswith(prefix) and found.endswith(f"_v{DATA_VERSION}")
    ]
    if older and database_migrate_forward(older[0], name):
        return name, {"made": 0, "migrated_from": older[0]}
    building = name + "_building"
    db.database_create(building, template=ctx.ours_template)  # an interrupted one: afresh
    built = ours_run(building, "board_build", size=size)
    db.database_rename(building, name)
    return name, built


def run(ctx: Context) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for size in ctx.sizes.lists:
        name, built = _database(ctx, size)
        measured = ours_run(name, "board", repeats=ctx.sizes.list_repeats)
        result[f"ours_{size}"] = {"build": built, "db_mb": db.database_size_mb(name), **measured}
        ctx.results["board"] = result  # what is measured is kept if a later size fails
    return result
