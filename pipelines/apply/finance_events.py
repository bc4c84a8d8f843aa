"""Applying finance rows at their effective instant (partnerships-and-finance.md §2).

Authorisations are re-checked against the state at `effective_at`; a refused row changes nothing
and is recorded with the failed condition (reported by the cycle and in its exit status).
Adjustments and reconcile amounts are refused on paid statements; adjustments also on statements
that are not output-fee statements. Contract changes repoint unpaid statements only.
"""

from __future__ import annotations

from pipelines.apply.events import Event
from pipelines.calculate.lifecycle import (
    adjustment_refusal, apply_adjustment, authorisation_refusal, authorise_statement, refuse_finance_row,
)
from pipelines.ids import statement_id_for
from pipelines.world.model import STATEMENT_PAID, Statement
from pipelines.world.world import World


def _statement(world: World, row: dict) -> Statement | None:
    lead_provider_id = world.lead_provider_by_slug.get(row["lead_provider_slug"])
    if lead_provider_id is None:
        return None
    return world.statements.get(statement_id_for(lead_provider_id, row["cohort"], row["statement_name"]))


def apply_finance(world: World, event: Event) -> None:
    row, now, kind, seq = event.row, event.effective_at, event.kind, event.event_seq
    if kind == "contract_changes":
        _apply_contract_change(world, row, now)
        return
    statement = _statement(world, row)
    refuse = lambda reason: refuse_finance_row(  # noqa: E731 - one place that names the row
        world, seq, kind, row["lead_provider_slug"], row["cohort"], row["statement_name"], reason, now)
    if statement is None:
        refuse(f"there is no statement {row['statement_name']!r} for {row['lead_provider_slug']} in cohort {row['cohort']}")
    elif kind == "authorisations":
        reason = authorisation_refusal(world, statement, now)
        if reason:
            refuse(f"cannot authorise for payment: {reason}")
        else:
            authorise_statement(world, statement, now, seq)
    elif kind == "adjustments":
        reason = adjustment_refusal(statement) or apply_adjustment(
            world, row["action"], row["adjustment_ref"], statement, row["description"], row["amount"], now, seq)
        if reason:
            refuse(f"adjustment {row['adjustment_ref']} refused: {reason}")
    elif kind == "reconcile_amounts":
        if statement.status == STATEMENT_PAID:
            refuse("reconcile amount refused: the statement has been authorised for payment")
        else:
            statement.reconcile_amount, statement.updated_at = row["reconcile_amount"], now


def _apply_contract_change(world: World, row: dict, now) -> None:
    lead_provider_id = world.lead_provider_by_slug.get(row["lead_provider_slug"])
    for statement in world.statements.values():
        if statement.lead_provider_id != lead_provider_id or statement.cohort != row["cohort"]:
            continue
        if statement.status == STATEMENT_PAID:
            continue  # a new version never repoints a paid statement
        if row["payment_from_on"] and statement.payment_on < row["payment_from_on"]:
            continue
        if row["payment_to_on"] and statement.payment_on > row["payment_to_on"]:
            continue
        if row["contract_type"] == "mentor":
            statement.mentor_contract_version = row["version"]
        else:
            statement.contract_version = row["version"]
        statement.updated_at = now
