"""The analysts' warehouse: documented, pinned, atomically replaced, deterministic exports."""

from __future__ import annotations

import hashlib

import duckdb

from pipelines.cycle import run_cycle
from pipelines.instants import parse_instant
from pipelines.warehouse.publish import PUBLISHED_TABLES

from conftest import HomeBuilder, request_line

FIRST = parse_instant("2024-11-01T02:00:00Z")
SECOND = parse_instant("2024-12-01T02:00:00Z")


def _fill(builder: HomeBuilder) -> HomeBuilder:
    builder.with_providers()
    builder.write("inbox/providers/alder/batch.jsonl",
                  request_line() + "\nnot json\n" + request_line(submitted_at="2024-11-20T00:00:00Z") + "\n")
    builder.write("inbox/registrations/partnerships.csv",
                  "partnership_id,lead_provider_id,delivery_partner_id,school_id,cohort,recorded_at\n"
                  "p1,l,d,s,2024,2024-06-01T00:00:00Z\np2,l,d,s,20x4,2024-06-01T00:00:00Z\n")
    return builder


def test_every_table_and_column_is_documented_and_the_storage_version_is_pinned(builder):
    run_cycle(_fill(builder).home, FIRST)
    with duckdb.connect(str(builder.home.warehouse_db), read_only=True) as con:
        tables = con.execute("SELECT table_name, comment FROM duckdb_tables() WHERE database_name = 'warehouse'").fetchall()
        undocumented_tables = [name for name, comment in tables if not comment]
        undocumented_columns = con.execute(
            "SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE database_name = 'warehouse' "
            "AND (comment IS NULL OR comment = '')"
        ).fetchall()
        [(tags,)] = con.execute("SELECT tags FROM duckdb_databases() WHERE database_name = 'warehouse'").fetchall()
        published = {name for name, _ in tables}
    assert undocumented_tables == [] and undocumented_columns == []
    assert tags["storage_version"].startswith("v1.4.0")
    assert {table for table, _ in PUBLISHED_TABLES} <= published
    assert "reference_statements_in_force" in published
    assert {p.stem for p in builder.home.exports.glob("*.parquet")} == published


def test_an_analyst_holding_the_warehouse_open_does_not_block_a_cycle(builder):
    run_cycle(_fill(builder).home, FIRST)
    analyst = duckdb.connect(str(builder.home.warehouse_db), read_only=True)
    try:
        run_cycle(builder.home, SECOND)
        assert analyst.execute("SELECT count(*) FROM cycles").fetchall() == [(1,)]  # the old file, still readable
    finally:
        analyst.close()
    with duckdb.connect(str(builder.home.warehouse_db), read_only=True) as con:
        assert con.execute("SELECT cycle_id, status FROM cycles ORDER BY 1").fetchall() == [
            (1, "complete"), (2, "complete")]


def _digests(home) -> dict[str, str]:
    paths = [*home.exports.glob("*.parquet"), *home.cycles.rglob("*.json*"), *home.cycles.rglob("*.html"),
             *(p for p in (home.root / "statements").rglob("*") if p.is_file()),
             *(p for p in home.snapshots.rglob("*") if p.is_file() and "objects" not in p.parts)]
    return {p.relative_to(home.root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def test_same_inputs_and_as_of_give_byte_identical_outputs(tmp_path):
    first, second = HomeBuilder(tmp_path / "one"), HomeBuilder(tmp_path / "two")
    for builder in (first, second):
        _fill(builder)
        run_cycle(builder.home, FIRST)
        run_cycle(builder.home, SECOND)
    assert _digests(first.home) == _digests(second.home)
    assert len(_digests(first.home)) > 40
    assert any(path.startswith("snapshots/") and path.endswith("manifest.json") for path in _digests(first.home))
