"""`state.duckdb`: the pipeline's own database, migrated from the versioned files in `sql/migrations`."""

from __future__ import annotations

import re
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

MIGRATIONS = Path(__file__).resolve().parents[2] / "sql" / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class StateLockedError(RuntimeError):
    """Another process holds `state.duckdb` open for writing."""


def migration_files() -> list[tuple[int, Path]]:
    found = []
    for path in sorted(MIGRATIONS.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if not match:
            raise RuntimeError(f"{path}: migration files are named NNN_name.sql")
        found.append((int(match.group(1)), path))
    return found


def configure(con: duckdb.DuckDBPyConnection) -> None:
    """Pin what makes results depend on the machine: time zone and insertion order."""
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET preserve_insertion_order = true")
    con.execute("SET enable_progress_bar = false")  # long queries would draw DuckDB's bar over our output


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the migrations the database has not seen yet, each in its own transaction."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    con.execute("COMMENT ON TABLE schema_migrations IS 'Migrations from sql/migrations applied to this database.'")
    applied = {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}
    done = []
    for version, path in migration_files():
        if version in applied:
            continue
        con.execute("BEGIN")
        con.execute(path.read_text(encoding="utf-8"))
        con.execute("INSERT INTO schema_migrations VALUES ($version, $name)", {"version": version, "name": path.name})
        con.execute("COMMIT")
        done.append(path.name)
    return done


@contextmanager
def open_state(path: Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open (and migrate) the state database; one writer at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise StateLockedError(
                f"{path} is in use by another ecf process; wait for it to finish, then run the command again"
            ) from None
        raise
    try:
        configure(con)
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()


def records(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> list[dict]:
    """Every row of a query as a dict keyed by column name."""
    cursor = con.execute(sql, params or {})
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def first_row(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> tuple | None:
    """The first row of a query, reading the result to its end (DuckDB 2 keeps an unread result
    open and refuses other work on the connection until it is consumed)."""
    rows = con.execute(sql, params or {}).fetchall()
    return rows[0] if rows else None


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None):
    row = first_row(con, sql, params)
    return row[0] if row else None
