"""Lists: the operator's list, a search by sender, the leader's pool list, p50/p95 ms.

List databases are built once and kept (named by size, schema and data version), so
a rerun measures at once; after a new migration, the kept database of an older schema
(same size and data version) is migrated forward instead of rebuilt: minutes, not the
hour a million cases take. ``--skip-1m`` leaves the million out.
"""

from typing import Any

from bench import config, db
from bench.context import Context
from bench.peer.setup import peer_run
from bench.process import database_migrate_forward, ours_run


def _ours_db(ctx: Context, size: int) -> tuple[str, dict[str, Any]]:
    name = f"bench_ours_l{size}_{config.migrations_key()}_v{config.DATA_VERSION}"
    if not db.database_exists(name):
        older = [
            found
            for found in db.databases_like(f"bench_ours_l{size}_")
            # LIKE's "_" matches any character: l100000_ would match l1000000_ too
            if found.startswith(f"bench_ours_l{size}_")
            and found.endswith(f"_v{config.DATA_VERSION}")
        ]
        if not (older and database_migrate_forward(older[0], name)):
            db.database_create(name, template=ctx.ours_template)
    return name, ours_run(name, "lists_build", size=size)


def _peer_db(ctx: Context, size: int) -> tuple[str, dict[str, Any]]:
    name = f"bench_peer_l{size}_{config.PEER_VERSION.replace('.', '_')}_v{config.DATA_VERSION}"
    if not db.database_exists(name):
        db.database_create(name, template=ctx.peer_template)
    return name, peer_run(name, "lists_build", size=size)


def run(ctx: Context) -> dict[str, Any]:
    repeats = ctx.sizes.list_repeats
    result: dict[str, Any] = {}
    for size in ctx.sizes.lists:
        name, built = _ours_db(ctx, size)
        measured = ours_run(name, "lists", repeats=repeats)
        result[f"ours_{size}"] = {"build": built, "db_mb": db.database_size_mb(name), **measured}
    size = ctx.sizes.peer_lists
    name, built = _peer_db(ctx, size)
    measured = peer_run(name, "lists", repeats=repeats)
    result[f"peer_{size}"] = {"build": built, "db_mb": db.database_size_mb(name), **measured}
    ours = result.get(f"ours_{size}")
    if ours:
        result["ratio_p95"] = {
            key: round(measured[key]["ms"]["p95"] / max(ours[key]["ms"]["p95"], 0.1), 1)
            for key in ("operator_list", "search_by_sender", "leader_list")
        }
    return result
