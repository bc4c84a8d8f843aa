"""Saving what the ordered loop produced into `state.duckdb`: receipts and the lifecycle tables.

The tables are rewritten from the replayed world each cycle (the replay gives the same history
each time), in a fixed row order so the Parquet exports stay byte-identical.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Callable

import duckdb
import polars as pl

from pipelines.apply.engine import Replay, naive_utc_columns

def _replace(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame, order: str) -> None:
    frame = naive_utc_columns(frame)
    con.execute(f"DELETE FROM {table}")
    if frame.height:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame ORDER BY {order}")


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


def save_lifecycle(con: duckdb.DuckDBPyConnection, replay: Replay) -> None:
    world = replay.world
    slugs = {lp.lead_provider_id: lp.slug for lp in world.lead_providers.values()}
    declarations = _frame(world.declarations.values(), {
        "declaration_id": attrgetter("declaration_id"), "lead_provider_id": attrgetter("lead_provider_id"),
        "user_id": attrgetter("user_id"), "participant_profile_id": lambda d: d.profile_id or None,
        "participant_type": attrgetter("participant_type"), "course_identifier": attrgetter("course_identifier"),
        "declaration_type": attrgetter("declaration_type"), "declaration_date": attrgetter("declaration_date"),
        "cohort": attrgetter("cohort"), "state": attrgetter("state"), "evidence_held": attrgetter("evidence_held"),
        "delivery_partner_id": attrgetter("delivery_partner_id"), "mentor_user_id": attrgetter("mentor_user_id"),
        "pupil_premium_uplift": attrgetter("pupil_premium_uplift"), "sparsity_uplift": attrgetter("sparsity_uplift"),
        "superseded_by_id": attrgetter("superseded_by_id"), "ineligible_reason": attrgetter("ineligible_reason"),
        "statement_id": lambda d: world.statement_id_of(d.declaration_id),
        "clawback_statement_id": lambda d: world.clawback_statement_id_of(d.declaration_id),
        "created_at": attrgetter("created_at"), "updated_at": attrgetter("updated_at"),
    })
    _replace(con, "declarations", declarations, "created_at, declaration_id")
    del declarations
    items = _frame((i for items in world.line_items.values() for i in items), {
        name: attrgetter(name) for name in ("declaration_id", "statement_id", "line_type", "state", "created_at",
                                            "updated_at")})
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
