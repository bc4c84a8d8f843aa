"""Saving what the ordered loop produced into `state.duckdb`: receipts and the lifecycle tables.

The tables are rewritten from the replayed world each cycle (the replay gives the same history
each time), in a fixed row order so the Parquet exports stay byte-identical.
"""

from __future__ import annotations

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


def save_lifecycle(con: duckdb.DuckDBPyConnection, replay: Replay) -> None:
    world = replay.world
    slugs = {lp.lead_provider_id: lp.slug for lp in world.lead_providers.values()}
    declarations = pl.DataFrame([{
        "declaration_id": d.declaration_id, "lead_provider_id": d.lead_provider_id, "user_id": d.user_id,
        "participant_profile_id": d.profile_id or None, "participant_type": d.participant_type,
        "course_identifier": d.course_identifier, "declaration_type": d.declaration_type,
        "declaration_date": d.declaration_date, "cohort": d.cohort, "state": d.state,
        "evidence_held": d.evidence_held, "delivery_partner_id": d.delivery_partner_id,
        "mentor_user_id": d.mentor_user_id, "pupil_premium_uplift": d.pupil_premium_uplift,
        "sparsity_uplift": d.sparsity_uplift, "superseded_by_id": d.superseded_by_id,
        "ineligible_reason": d.ineligible_reason, "statement_id": world.statement_id_of(d.declaration_id),
        "clawback_statement_id": world.clawback_statement_id_of(d.declaration_id),
        "created_at": d.created_at, "updated_at": d.updated_at,
    } for d in world.declarations.values()], infer_schema_length=None)
    _replace(con, "declarations", declarations, "created_at, declaration_id")
    items = pl.DataFrame([{
        "declaration_id": i.declaration_id, "statement_id": i.statement_id, "line_type": i.line_type,
        "state": i.state, "created_at": i.created_at, "updated_at": i.updated_at,
    } for items in world.line_items.values() for i in items], infer_schema_length=None)
    _replace(con, "statement_line_items", items, "statement_id, declaration_id, line_type")
    statements = pl.DataFrame([{
        "statement_id": s.statement_id, "lead_provider_id": s.lead_provider_id,
        "lead_provider_slug": slugs.get(s.lead_provider_id), "cohort": s.cohort, "statement_name": s.name,
        "deadline_on": s.deadline_on, "payment_on": s.payment_on, "output_fee": s.output_fee, "status": s.status,
        "contract_version": s.contract_version, "mentor_contract_version": s.mentor_contract_version,
        "reconcile_amount": s.reconcile_amount, "marked_as_paid_at": s.marked_as_paid_at,
        "created_at": s.created_at, "updated_at": s.updated_at,
    } for s in world.statements.values()], infer_schema_length=None)
    _replace(con, "statements", statements, "lead_provider_slug, cohort, payment_on, statement_name")
    adjustments = pl.DataFrame([{
        "adjustment_ref": a.adjustment_ref, "statement_id": a.statement_id, "description": a.description,
        "amount": a.amount, "created_at": a.created_at, "updated_at": a.updated_at,
    } for a in world.adjustments.values()], infer_schema_length=None)
    _replace(con, "statement_adjustments", adjustments, "adjustment_ref")
    cycles = dict(con.execute("SELECT event_seq, cycle_id FROM timeline WHERE family = 'finance'").fetchall())
    refusals = pl.DataFrame([{
        "event_seq": r.event_seq, "cycle_id": cycles.get(r.event_seq), "kind": r.kind,
        "lead_provider_slug": r.lead_provider_slug, "cohort": r.cohort, "statement_name": r.statement_name,
        "reason": r.reason, "effective_at": r.effective_at,
    } for r in world.finance_refusals], infer_schema_length=None)
    _replace(con, "finance_refusals", refusals, "event_seq")
