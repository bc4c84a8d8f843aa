"""Declaration and statement lifecycle (declarations.md §2, payments.md §6, partnerships-and-finance.md §2).

Each function applies one transition to the world at the instant `now` (the effective instant of
the timeline event `event_seq` that causes it) and records it in the world's history. Statement
status is explicit state: open → payable at the deadline event, payable → paid at an authorisation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from pipelines.world.model import (
    AWAITING_CLAWBACK, CLAWED_BACK, ELIGIBLE, INELIGIBLE, MENTOR, OPEN, PAID, PAYABLE, STATEMENT_PAID,
    STATEMENT_PAYABLE, SUBMITTED, VOIDED, Adjustment, Declaration, FinanceRefusal, HistoryRow, InductionRecord,
    LineItem, ProviderParticipantState, Statement,
)
from pipelines.world.world import World

LIVE_BILLABLE = (ELIGIBLE, PAYABLE, INELIGIBLE)  # billable line items a void turns to voided


def _log(world: World, entity: str, entity_id: str, change: str, now: datetime, event_seq: int) -> None:
    world.history.append(HistoryRow(entity, entity_id, change, now, event_seq))


def _set_state(world: World, declaration: Declaration, state: str, now: datetime, event_seq: int) -> None:
    declaration.state = state
    declaration.updated_at = now
    _log(world, "declaration", declaration.declaration_id, f"state:{state}", now, event_seq)


def add_line_item(world: World, declaration: Declaration, statement_id: str, line_type: str, state: str,
                  now: datetime) -> LineItem:
    item = LineItem(declaration.declaration_id, statement_id, line_type, state, now, now)
    world.add_line_item(item)
    return item


# ---------------------------------------------------------------------------- declarations
def create_declaration(world: World, declaration: Declaration, statement_id: str | None, event_seq: int) -> None:
    """A successful submission (declarations.md §1.6): store, attach when eligible or ineligible."""
    world.add_declaration(declaration)
    _log(world, "declaration", declaration.declaration_id, f"state:{declaration.state}", declaration.created_at,
         event_seq)
    if declaration.state in (ELIGIBLE, INELIGIBLE) and statement_id is not None:
        add_line_item(world, declaration, statement_id, "billable", declaration.state, declaration.created_at)
    if declaration.participant_type == MENTOR and declaration.declaration_type == "completed":
        refresh_mentor_completion(world, declaration.profile_id)


def refresh_mentor_completion(world: World, profile_id: str) -> None:
    """Mentor completion date = declaration date of the latest live `completed` (declarations.md §1.6)."""
    profile = world.profiles[profile_id]
    live = [d for d in world.declarations_of_user(world.user_id_of_profile(profile_id))
            if d.profile_id == profile_id and d.declaration_type == "completed"
            and d.state in (SUBMITTED, ELIGIBLE, PAYABLE, PAID)]
    latest = max(live, key=lambda d: d.declaration_date, default=None)
    profile.mentor_completion_on = latest.declaration_date.date() if latest else None
    profile.mentor_completion_reason = "completed_declaration_received" if latest else None


def void_declaration(world: World, declaration: Declaration, new_state: str, clawback_statement_id: str | None,
                     now: datetime, event_seq: int) -> None:
    """§2.1: paid → awaiting_clawback on the next output-fee statement; otherwise → voided."""
    if new_state == AWAITING_CLAWBACK:
        add_line_item(world, declaration, clawback_statement_id, "refundable", AWAITING_CLAWBACK, now)
    else:
        for item in world.line_items.get(declaration.declaration_id, ()):
            if item.line_type == "billable" and item.state in LIVE_BILLABLE:
                item.state, item.updated_at = VOIDED, now
    _set_state(world, declaration, new_state, now, event_seq)
    if declaration.participant_type == MENTOR and declaration.declaration_type == "completed":
        refresh_mentor_completion(world, declaration.profile_id)


def make_submitted_declarations_eligible(world: World, profile_id: str, today: date, now: datetime,
                                         event_seq: int) -> None:
    """Eligibility became `eligible`: every submitted declaration of the profile becomes eligible on
    the statement that is then its provider's next open output-fee statement."""
    user_id = world.user_id_of_profile(profile_id)
    for declaration in world.declarations_of_user(user_id):
        if declaration.profile_id != profile_id or declaration.state != SUBMITTED:
            continue
        statement = world.next_output_fee_statement(declaration.lead_provider_id, declaration.cohort, today)
        _set_state(world, declaration, ELIGIBLE, now, event_seq)
        if statement is not None:
            add_line_item(world, declaration, statement.statement_id, "billable", ELIGIBLE, now)


# ---------------------------------------------------------------------------- statements
def _set_status(world: World, statement: Statement, status: str, now: datetime, event_seq: int) -> None:
    statement.status = status
    statement.updated_at = now
    _log(world, "statement", statement.statement_id, f"status:{status}", now, event_seq)


def _items_on(world: World, statement_id: str):
    for item in world.line_items_by_statement.get(statement_id, ()):
        yield world.declarations[item.declaration_id], item


def statement_deadline_passed(world: World, cohort: int, statement_name: str, now: datetime, event_seq: int) -> list[str]:
    """The deadline event: each open statement of that cohort and name becomes payable, and its
    eligible line items and declarations payable (the live daily MarkAsPayable job)."""
    changed = []
    for statement in list(world.statements.values()):
        if statement.cohort != cohort or statement.name != statement_name or statement.status != OPEN:
            continue
        _set_status(world, statement, STATEMENT_PAYABLE, now, event_seq)
        for declaration, item in _items_on(world, statement.statement_id):
            if item.line_type == "billable" and item.state == ELIGIBLE:
                item.state, item.updated_at = PAYABLE, now
                if declaration.state == ELIGIBLE:
                    _set_state(world, declaration, PAYABLE, now, event_seq)
        changed.append(statement.statement_id)
    return changed


def authorisation_failures(output_fee: bool, status: str, marked_as_paid_at: datetime | None, deadline_on,
                           holds_declarations: bool, today) -> list[str]:
    """The conditions of partnerships-and-finance.md §2 that fail, in order; [] when all hold.
    The one statement of the rule: the cycle refuses with the first, `ecf statements authorise`
    pre-checks with all of them."""
    failed = []
    if not output_fee:
        failed.append("it is not an output-fee statement")
    if status == STATEMENT_PAID:
        failed.append(f"it was already authorised for payment at {marked_as_paid_at:%Y-%m-%dT%H:%M:%SZ}"
                      if marked_as_paid_at else "it has already been marked paid")
    elif status != STATEMENT_PAYABLE:
        failed.append("it is not payable yet (its deadline event has not happened)")
    if deadline_on >= today:
        failed.append(f"its deadline {deadline_on.isoformat()} is not in the past")
    if not holds_declarations:
        failed.append("it holds no declarations")
    return failed


def authorisation_refusal(world: World, statement: Statement, now: datetime) -> str | None:
    """The first condition of partnerships-and-finance.md §2 that fails at `now`, or None."""
    failed = authorisation_failures(statement.output_fee, statement.status, statement.marked_as_paid_at,
                                    statement.deadline_on, any(True for _ in _items_on(world, statement.statement_id)),
                                    now.date())
    return failed[0] if failed else None


def authorise_statement(world: World, statement: Statement, now: datetime, event_seq: int) -> None:
    """Mark paid: payable → paid, awaiting_clawback → clawed_back, for the items on this statement."""
    statement.marked_as_paid_at = now
    _set_status(world, statement, STATEMENT_PAID, now, event_seq)
    for declaration, item in list(_items_on(world, statement.statement_id)):
        if item.line_type == "billable" and item.state == PAYABLE:
            item.state, item.updated_at = PAID, now
            if declaration.state == PAYABLE:
                _set_state(world, declaration, PAID, now, event_seq)
        elif item.line_type == "refundable" and item.state == AWAITING_CLAWBACK:
            item.state, item.updated_at = CLAWED_BACK, now
            if declaration.state == AWAITING_CLAWBACK:
                _set_state(world, declaration, CLAWED_BACK, now, event_seq)


def refuse_finance_row(world: World, event_seq: int, kind: str, slug: str, cohort: int, name: str, reason: str,
                       now: datetime) -> None:
    world.finance_refusals.append(FinanceRefusal(event_seq, kind, slug, cohort, name, reason, now))


def adjustment_failures(output_fee: bool, status: str) -> list[str]:
    """Adjustments only on unpaid output-fee statements (partnerships-and-finance.md §2): what fails."""
    failed = [] if output_fee else ["it is not an output-fee statement"]
    if status == STATEMENT_PAID:
        failed.append("it has been authorised for payment, so its adjustments can no longer change")
    return failed


def adjustment_refusal(statement: Statement | None) -> str | None:
    if statement is None:
        return "no such statement"
    failed = adjustment_failures(statement.output_fee, statement.status)
    return failed[0] if failed else None


def apply_adjustment(world: World, action: str, reference: str, statement: Statement, description: str | None,
                     amount: Decimal | None, now: datetime, event_seq: int) -> str | None:
    """Add, change or remove an additional adjustment; returns a refusal reason or None."""
    existing = world.adjustments.get(reference)
    if action == "add":
        if existing is not None:
            return f"adjustment {reference} already exists; use change"
        if amount is None:
            return "an added adjustment needs an amount"
        world.adjustments[reference] = Adjustment(reference, statement.statement_id, description or "", amount, now, now)
    elif existing is None or existing.statement_id != statement.statement_id:
        return f"adjustment {reference} does not exist on this statement"
    elif action == "change":
        world.adjustments[reference] = replace(existing, description=description or existing.description,
                                               amount=existing.amount if amount is None else amount, updated_at=now)
    else:
        del world.adjustments[reference]
    _log(world, "statement", statement.statement_id, f"adjustment:{action}:{reference}", now, event_seq)
    return None


# ---------------------------------------------------------------------------- participants
def record_provider_state(world: World, profile_id: str, lead_provider_id: str, state: str, reason: str | None,
                          now: datetime, event_seq: int) -> None:
    world.provider_states[(profile_id, lead_provider_id)].append(
        ProviderParticipantState(profile_id, lead_provider_id, state, reason, now))
    _log(world, "provider_state", profile_id, f"{state}:{reason or ''}", now, event_seq)


def change_induction_record(world: World, record: InductionRecord, new_record_id: str, now: datetime,
                            event_seq: int, source: str, **changes) -> InductionRecord:
    """`Induction::ChangeInductionRecord`: the current record ends now as `changed`; a copy with the
    changes starts now."""
    successor = replace(record, induction_record_id=new_record_id, start_at=now, created_at=now, updated_at=now,
                        source=source, **changes)
    record.end_at, record.induction_status, record.updated_at = now, "changed", now
    world.add_record(successor)
    _log(world, "induction_record", successor.induction_record_id,
         ",".join(f"{k}:{v}" for k, v in sorted(changes.items())), now, event_seq)
    return successor
