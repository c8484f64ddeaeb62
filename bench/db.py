"""PostgreSQL databases of the harness: created from templates, cached by name, dropped."""

import psycopg
from psycopg import sql

from bench import config


def _admin(dbname: str = "postgres") -> psycopg.Connection:
    return psycopg.connect(
        host=config.PG_HOST,
        port=config.PG_PORT,
        user=config.PG_USER,
        password=config.PG_PASSWORD,
        dbname=dbname,
        autocommit=True,
    )


def database_exists(name: str) -> bool:
    with _admin() as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def database_drop(name: str) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def database_create(name: str, *, template: str | None = None) -> None:
    """Creates `name` afresh (dropping an old one), as a copy of `template` if given."""
    database_drop(name)
    query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
    if template:
        query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
    with _admin() as conn:
        conn.execute(query)


def databases_like(prefix: str) -> list[str]:
    with _admin() as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"]
        ).fetchall()
    return [r[0] for r in rows]


def database_size_mb(name: str) -> float:
    with _admin() as conn:
        row = conn.execute("SELECT pg_database_size(%s)", [name]).fetchone()
    return round(row[0] / 1e6, 1) if row else 0.0


def database_rename(name: str, new_name: str) -> None:
    with _admin() as conn:
        conn.execute(
            sql.SQL("ALTER DATABASE {} RENAME TO {}").format(
                sql.Identifier(name), sql.Identifier(new_name)
            )
        )


def database_analyze(name: str) -> None:
    """Fresh planner statistics and visibility maps, as after a build (new indexes
    included): a migration that rewrote rows (a backfill) leaves dead rows, and index-only
    scans read the table until a vacuum, as production's autovacuum would run."""
    with _admin(name) as conn:
        conn.execute("VACUUM ANALYZE")
