"""Publishing `warehouse.duckdb` and `exports/*.parquet` for analysts (product.md §6).

The warehouse is written under a temporary name with a pinned storage version (so current DuckDB
CLIs and DBeaver drivers open it), checkpointed, closed and atomically renamed over the old one:
an analyst holding the old file open keeps reading it and never blocks a cycle. Every table and
column carries its `COMMENT ON` from the state schema. Parquet exports are written in a fixed row
order so the same inputs give byte-identical files.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.ingest import kinds as k
from pipelines.instants import naive_utc
from pipelines.timeline.in_force import in_force_sql

STORAGE_VERSION = "v1.4.0"
BY_LINE = "file_id, line_number"
# (table, row order) copied from the state as they are.
PUBLISHED_TABLES: tuple[tuple[str, str], ...] = (
    ("cycles", "cycle_id"),
    ("ingested_files", "file_id"),
    ("quarantine", "cycle_id, relative_path, line_number NULLS FIRST, field NULLS FIRST, message"),
    ("timeline", "event_seq"),
    ("requests", BY_LINE),
    ("receipts", BY_LINE),
    ("declarations", "created_at, declaration_id"),
    ("statement_line_items", "statement_id, declaration_id, line_type"),
    ("statements", "lead_provider_slug, cohort, payment_on, statement_name"),
    ("statement_adjustments", "adjustment_ref"),
    ("lifecycle_history", "event_seq, entity, entity_id, change"),
    ("finance_refusals", "event_seq"),
    ("statement_lines", "statement_id, line_no"),
    ("statement_ecf2_comparison", "lead_provider_slug, cohort, statement_name"),
    ("paid_statement_differences", "cycle_id, statement_id, line"),
    ("statement_calculation_problems", "cycle_id, statement_id"),
    ("statement_cycle_totals", "cycle_id, statement_id"),
    *((kind.table, BY_LINE) for kind in k.KINDS),
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _comments_sql(con: duckdb.DuckDBPyConnection, source: str, copies: list[tuple[str, str]]) -> str:
    """COMMENT statements giving each copied table (`as_table`) its source table's comments."""
    tables = dict(con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE database_name = $db",
                              {"db": source}).fetchall())
    columns: dict[str, list[tuple[str, str]]] = {}
    for table, column, text in con.execute(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE database_name = $db "
            "ORDER BY table_name, column_index", {"db": source}).fetchall():
        columns.setdefault(table, []).append((column, text))
    statements = []
    for table, as_table in copies:
        if tables.get(table):
            statements.append(f"COMMENT ON TABLE wh.{as_table} IS {_quote(tables[table])}")
        statements += [f"COMMENT ON COLUMN wh.{as_table}.{column} IS {_quote(text)}"
                       for column, text in columns.get(table, ()) if text]
    return ";\n".join(statements)


def _in_force_tables(con: duckdb.DuckDBPyConnection, database: str, as_of: datetime) -> list[str]:
    """Reference data in force at the cycle's as_of, one `<table>_in_force` table per kind."""
    copies = []
    for kind in k.kinds_of("reference"):
        name = f"{kind.table}_in_force"
        con.execute(f"CREATE TABLE wh.{name} AS {in_force_sql(kind)}", {"at": naive_utc(as_of)})
        copies.append((kind, name))
    con.execute(_comments_sql(con, database, [(kind.table, name) for kind, name in copies]))
    con.execute(";\n".join(
        f"COMMENT ON TABLE wh.{name} IS "
        f"{_quote(f'Reference {kind.name} in force at the last cycle as_of (one row per key).')}"
        for kind, name in copies))
    return [name for _, name in copies]


def publish_warehouse(con: duckdb.DuckDBPyConnection, root: Path, as_of: datetime) -> list[str]:
    """Write warehouse.duckdb and exports/ from the open state connection; return the tables."""
    database = con.execute("SELECT current_database()").fetchall()[0][0]
    temporary = root / ".warehouse.duckdb.tmp"
    temporary.unlink(missing_ok=True)
    con.execute(f"ATTACH {_quote(str(temporary))} AS wh (STORAGE_VERSION '{STORAGE_VERSION}')")
    try:
        published = []
        for table, order in PUBLISHED_TABLES:
            # Publishing is the cycle's last stage: analysts see the cycle being published as complete.
            columns = "* REPLACE ('complete' AS status)" if table == "cycles" else "*"
            con.execute(f"CREATE TABLE wh.{table} AS SELECT {columns} FROM {database}.main.{table} ORDER BY {order}")
            published.append(table)
        con.execute(_comments_sql(con, database, [(table, table) for table in published]))
        published += _in_force_tables(con, database, as_of)
        con.execute("CHECKPOINT wh")
        exports = root / "exports"
        exports.mkdir(parents=True, exist_ok=True)
        for table in published:
            target = exports / f"{table}.parquet"
            partial = exports / f".{table}.parquet.tmp"
            con.execute(f"COPY (SELECT * FROM wh.{table}) TO {_quote(str(partial))} "
                        "(FORMAT parquet, COMPRESSION zstd)")
            os.replace(partial, target)
    finally:
        con.execute("DETACH wh")
    os.replace(temporary, root / "warehouse.duckdb")
    return published
