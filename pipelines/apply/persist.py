"""Saving what the ordered loop produced into `state.duckdb`: receipts and the lifecycle tables.

The tables are rewritten from the replayed world each cycle (the replay gives the same history
each time), in a fixed row order; `declarations`, the widest, is updated with only the rows that
changed (`_update`). Readers order the rows themselves, so the Parquet exports stay byte-identical.
The publish stage reads the declarations back from `declarations` (`api_export.publish`) rather than
from the world.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Callable

import duckdb
import polars as pl

from api_export.columnar import object_table
from pipelines.apply.engine import Replay, naive_utc_columns
from pipelines.world.model import BILLABLE_LINE_STATES, REFUNDABLE_LINE_STATES
from pipelines.world.world import World


def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, order: str) -> None:
    frame = naive_utc_columns(frame)
    con.execute(f"DELETE FROM {table}")
    if frame.height:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame ORDER BY {order}")


def _update(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, key: str, order: str) -> None:
    """Make `table` hold exactly `frame`'s rows, writing only what changed: rows that are new or differ
    replace theirs (by `key`), rows no longer in the frame go. Rewriting the 1.3 M declarations of the
    national home took about 20 s, two thirds of it DuckDB's checkpoint of the rewritten table at
    commit; a daily batch changes a few thousand (1.5 s). The rows on disk are then no longer in
    `order`: every reader orders them itself (the warehouse and its exports, the snapshot, the CSVs)."""
    frame = naive_utc_columns(frame)
    columns = ", ".join(frame.columns)
    con.execute(f"CREATE OR REPLACE TEMP TABLE changed_rows AS "
                f"SELECT {columns} FROM frame EXCEPT SELECT {columns} FROM {table}")
    con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM changed_rows) "
                f"OR {key} NOT IN (SELECT {key} FROM frame)")
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM changed_rows ORDER BY {order}")
    con.execute("DROP TABLE changed_rows")


def save_receipts(con: duckdb.DuckDBPyConnection, from_cycle: int) -> None:
    """The loop's receipts (temp table `new_receipts`) for the cycles from `from_cycle` on, replacing
    any earlier copy; quarantined request lines get a receipt too: status null and the message."""
    con.execute("DELETE FROM receipts WHERE cycle_id >= $first", {"first": from_cycle})
    con.execute("INSERT INTO receipts BY NAME SELECT * FROM new_receipts ORDER BY file_id, line_number")
    con.execute("""
        INSERT INTO receipts BY NAME
        SELECT f.file_id, q.line_number, q.cycle_id, NULL AS event_seq, NULL AS effective_at, NULL AS status,
               to_json({'error': q.message, 'fix': q.fix})::VARCHAR AS body_json
        FROM quarantine AS q
        JOIN ingested_files AS f ON f.relative_path = q.relative_path AND f.family = 'requests'
        WHERE q.line_number IS NOT NULL AND q.cycle_id >= $first
        QUALIFY row_number() OVER (PARTITION BY f.file_id, q.line_number ORDER BY q.field NULLS FIRST) = 1""",
                {"first": from_cycle})


def save_history(con: duckdb.DuckDBPyConnection, from_event_seq: int) -> None:
    """The loop's history rows (temp table `new_history`) from `from_event_seq` on."""
    con.execute("DELETE FROM lifecycle_history WHERE event_seq >= $first", {"first": from_event_seq})
    con.execute("INSERT INTO lifecycle_history BY NAME SELECT * FROM new_history "
                "ORDER BY event_seq, entity, entity_id, change")


def _frame(records, columns: dict[str, Callable]) -> pl.DataFrame:
    """A frame built column by column (memory for the values, not a dict per row)."""
    records = list(records)
    return pl.DataFrame({name: [get(r) for r in records] for name, get in columns.items()}, strict=False)


_DECLARATION_TEXT = ("declaration_id", "lead_provider_id", "user_id", "profile_id", "participant_type",
                     "course_identifier", "declaration_type", "state", "evidence_held", "delivery_partner_id",
                     "mentor_user_id", "superseded_by_id", "ineligible_reason")


def _naive_instants(frame: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    """`object_table`'s UTC microseconds as the naive UTC timestamps DuckDB's TIMESTAMP columns hold."""
    return frame.with_columns(pl.col(name).cast(pl.Datetime("us")) for name in names)


def line_item_table(world: World) -> pl.DataFrame:
    """Every line item, declaration by declaration in the world's order, each declaration's items in the
    order they were added (the order `World.statement_id_of` reads them in)."""
    items = [item for held in world.line_items.values() for item in held]
    return _naive_instants(object_table(items, text=("declaration_id", "statement_id", "line_type", "state"),
                                        instants=("created_at", "updated_at")), ("created_at", "updated_at"))


def statement_ids(items: pl.DataFrame) -> pl.DataFrame:
    """`World.statement_id_of` and `clawback_statement_id_of` for every declaration with line items at once:
    the statement of its first billable item in a billable state, and of its first refundable item in a
    refundable state (`line_item_table`'s order)."""
    def first(line_type: str, states: frozenset[str], alias: str) -> pl.DataFrame:
        chosen = items.filter((pl.col("line_type") == line_type) & pl.col("state").is_in(sorted(states)))
        return chosen.group_by("declaration_id", maintain_order=True).agg(pl.col("statement_id").first().alias(alias))

    return (first("billable", BILLABLE_LINE_STATES, "statement_id")
            .join(first("refundable", REFUNDABLE_LINE_STATES, "clawback_statement_id"), on="declaration_id",
                  how="full", coalesce=True))


def declaration_table(world: World, items: pl.DataFrame) -> pl.DataFrame:
    """The `declarations` table's rows in the world's order, column-wise (one C-level pass per stored field;
    a Python call per declaration and column cost about 15 s at national scale). `items`: `line_item_table`."""
    stored = object_table(list(world.declarations.values()), text=_DECLARATION_TEXT,
                          instants=("declaration_date", "created_at", "updated_at"),
                          flags=("pupil_premium_uplift", "sparsity_uplift"), integers=("cohort",))
    return (_naive_instants(stored, ("declaration_date", "created_at", "updated_at"))
            .join(statement_ids(items), on="declaration_id", how="left", maintain_order="left")
            .with_columns(pl.when(pl.col("profile_id") != "").then(pl.col("profile_id"))
                          .alias("participant_profile_id"))
            .drop("profile_id"))


def save_lifecycle(con: duckdb.DuckDBPyConnection, replay: Replay) -> None:
    world = replay.world
    slugs = {lp.lead_provider_id: lp.slug for lp in world.lead_providers.values()}
    items = line_item_table(world)
    _update(con, "declarations", declaration_table(world, items), "declaration_id", "created_at, declaration_id")
    _replace(con, "statement_line_items", items, "statement_id, declaration_id, line_type")
    del items
    statements = _frame(world.statements.values(), {
        "statement_id": attrgetter("statement_id"), "lead_provider_id": attrgetter("lead_provider_id"),
        "lead_provider_slug": lambda s: slugs.get(s.lead_provider_id), "cohort": attrgetter("cohort"),
        "statement_name": attrgetter("name"), **{name: attrgetter(name) for name in (
            "deadline_on", "payment_on", "output_fee", "status", "contract_version", "mentor_contract_version",
            "reconcile_amount", "marked_as_paid_at", "created_at", "updated_at")}})
    _replace(con, "statements", statements, "lead_provider_slug, cohort, payment_on, statement_name")
    adjustments = _frame(world.adjustments.values(), {name: attrgetter(name) for name in (
        "adjustment_ref", "statement_id", "description", "amount", "created_at", "updated_at")})
    _replace(con, "statement_adjustments", adjustments, "adjustment_ref")
    cycles = dict(con.execute("SELECT event_seq, cycle_id FROM timeline WHERE family = 'finance'").fetchall())
    refusals = _frame(world.finance_refusals, {
        "event_seq": attrgetter("event_seq"), "cycle_id": lambda r: cycles.get(r.event_seq),
        **{name: attrgetter(name) for name in ("kind", "lead_provider_slug", "cohort", "statement_name", "reason",
                                               "effective_at")}})
    _replace(con, "finance_refusals", refusals, "event_seq")
