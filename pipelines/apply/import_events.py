"""Applying a state import (product.md §3, `inbox/migration/`): state taken as given, not replayed.

Imported statements keep their status; imported declarations keep their state and line items;
provider-recorded participant states and accounts sharing a TRN are added as they are. Everything
takes effect at `imported_as_of`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pipelines.apply.events import Event
from pipelines.apply.registration_events import touch_user
from pipelines.ids import event_id_for, statement_id_for
from pipelines.instants import as_utc
from pipelines.world.model import (
    ECT, TYPE_FOR_COURSE, Declaration, Identity, LineItem, Profile, ProviderParticipantState, Statement,
)
from pipelines.world.world import World

def _parse_declaration_date(text: str) -> datetime:
    return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def apply_import(world: World, event: Event) -> None:
    row, now, kind = event.row, event.effective_at, event.kind
    if kind == "statements":
        lead_provider_id = world.lead_provider_by_slug[row["lead_provider_slug"]]
        key = (lead_provider_id, row["cohort"], row["statement_name"])
        existing = world.statements.get(statement_id_for(*key))
        paid_at = row["marked_as_paid_at"]
        world.add_statement(Statement(
            statement_id_for(*key), lead_provider_id, row["cohort"], row["statement_name"], row["deadline_on"],
            row["payment_on"], row["output_fee"], row["status"],
            row["contract_version"] or (existing.contract_version if existing else "0.0.1"),
            row["mentor_contract_version"] or (existing.mentor_contract_version if existing else "0.0.1"),
            row["reconcile_amount"] if row["reconcile_amount"] is not None else Decimal(0),
            as_utc(paid_at) if paid_at else None, existing.created_at if existing else now, now))
    elif kind == "declarations":
        _import_declaration(world, row, now)
    elif kind == "line_items":
        lead_provider_id = world.lead_provider_by_slug[row["lead_provider_slug"]]
        statement_id = statement_id_for(lead_provider_id, row["cohort"], row["statement_name"])
        created = as_utc(row["created_at"]) if row["created_at"] else now
        world.add_line_item(LineItem(row["declaration_id"], statement_id, row["line_type"], row["state"], created, now))
    elif kind == "participant_states":
        lead_provider_id = world.lead_provider_by_slug[row["lead_provider_slug"]]
        world.provider_states[(row["participant_profile_id"], lead_provider_id)].append(ProviderParticipantState(
            row["participant_profile_id"], lead_provider_id, row["state"], row["reason"], as_utc(row["created_at"])))
    elif kind == "shared_trn_accounts":
        _import_other_account(world, row, now, event.provenance)


def _import_declaration(world: World, row: dict, now: datetime) -> None:
    participant_type = TYPE_FOR_COURSE[row["course_identifier"]]
    user_id = row["participant_id"]
    profile = next((p for p in world.profiles_of_user(user_id) if p.participant_type == participant_type), None)
    created = as_utc(row["created_at"]) if row["created_at"] else now
    lead_provider_id = world.lead_provider_by_slug[row["lead_provider_slug"]]
    world.add_declaration(Declaration(
        row["declaration_id"], lead_provider_id, user_id, profile.profile_id if profile else "",
        participant_type, row["course_identifier"], row["declaration_type"],
        _parse_declaration_date(row["declaration_date"]), row["declaration_date"], row["cohort"], row["state"],
        row["evidence_held"], None, None, profile.pupil_premium_uplift if profile else False,
        profile.sparsity_uplift if profile else False, row["superseded_by_id"],
        "duplicate" if row["ineligible_reason"] in ("duplicate", "duplicate_declaration") else row["ineligible_reason"],
        created, now))


def _import_other_account(world: World, row: dict, now: datetime, provenance: str) -> None:
    """Another user account of the same teacher: a user with one identity and an active profile."""
    user_id = row["user_id"]
    identity_id = event_id_for("shared-trn-identity", provenance)
    world.add_identity(Identity(identity_id, user_id, user_id, "", now, now))
    touch_user(world, user_id, now)
    world.add_profile(Profile(
        event_id_for("shared-trn-profile", provenance), identity_id, row["participant_type"] or ECT, row["trn"],
        0, "", "", None, None, "active", None, False, False, now, now))
