"""Reports: the year's report over every case (target 3 s at 1,000,000) and the year's
workbook (target: peak memory 300 MB), each in a process of its own.

The database (``bench_ours_r<size>_<schema>_v<N>``) is built once into a ``_building``
copy of the template, renamed when complete, and kept: a rerun measures at once.
"""

from typing import Any

from bench import config, db
from bench.context import Context
from bench.process import manage, ours_run


def _database(ctx: Context, size: int) -> tuple[str, dict[str, Any]]:
    name = f"bench_ours_r{size}_{config.migrations_key()}_v{config.REPORTS_DATA_VERSION}"
    if db.database_exists(name):
        return name, {"made": 0}
    older = [
        found
        for found in db.databases_like(f"bench_ours_r{size}_")
        if found.startswith(f"bench_ours_r{size}_")
        and found.endswith(f"_v{config.REPORTS_DATA_VERSION}")
    ]
    if older:  # an older schema: migrated forward, not rebuilt
        db.database_rename(older[0], name)
        manage(name, "migrate", "--no-input", "-v", "0")
        db.database_analyze(name)
        return name, {"made": 0, "migrated_from": older[0]}
    building = name + "_building"
    if db.database_exists(building):
        db.database_drop(building)  # an interrupted build: start again
    db.database_create(building, template=ctx.ours_template)
    built = ours_run(building, "reports_build", size=size)
    db.database_rename(building, name)
    return name, built


def run(ctx: Context) -> dict[str, Any]:
    size = ctx.sizes.reports
    name, built = _database(ctx, size)
    result: dict[str, Any] = {"build": built, "db_mb": db.database_size_mb(name)}
    ctx.results["reports"] = result  # what is measured is kept if a later step fails
    result.update(ours_run(name, "reports", repeats=2 if size >= 100_000 else 5))
    result["export"] = ours_run(name, "reports_export")
    return result
