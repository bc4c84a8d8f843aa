"""Applying reference rows to the world at their effective instant.

A later row for the same key replaces the earlier one. Statements come from the calendar and the
call-off contracts together: each lead provider with a contract in a cohort gets each of the
cohort's calendar statements, as the live importer does (product.md §3), created open.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from pipelines.apply.events import Event
from pipelines.ids import statement_id_for
from pipelines.instants import BEGINNING_OF_TIME
from pipelines.world.model import OPEN, Cohort, DeliveryPartner, LeadProvider, Milestone, School, Schedule, Statement
from pipelines.world.world import World


class ReferenceState:
    """What the world keeps besides its records: calendars and contracts, to make statements."""

    def __init__(self) -> None:
        self.calendar: dict[tuple[int, str], dict] = {}  # (cohort, name) -> row
        self.contract_versions: dict[tuple[str, int], set[str]] = {}  # (lp, cohort) -> ECT versions
        self.mentor_versions: dict[tuple[str, int], set[str]] = {}
        self.statement_versions: dict[tuple[str, int, str], tuple[str, str | None]] = {}
        self.supplied_kinds: set[str] = set()  # default kinds the inbox has supplied


def _version_key(version: str) -> str:
    """Versions sort by zero-padding each numeric segment to 3 digits (payments.md §1.5)."""
    return "".join(part.zfill(3) for part in version.split("."))


def _lowest(versions: set[str] | None, default: str = "0.0.1") -> str:
    live = sorted((v for v in versions or () if not v.startswith("unused_")), key=_version_key)
    return live[0] if live else default


def _ensure_statements(world: World, state: ReferenceState, now: datetime) -> None:
    for (lead_provider_id, cohort), _ in state.contract_versions.items():
        for (calendar_cohort, name), row in state.calendar.items():
            if calendar_cohort != cohort:
                continue
            statement_id = statement_id_for(lead_provider_id, cohort, name)
            existing = world.statements.get(statement_id)
            if existing is not None:
                if existing.status == OPEN and existing.marked_as_paid_at is None:
                    existing.deadline_on, existing.payment_on = row["deadline_on"], row["payment_on"]
                    existing.output_fee = row["output_fee"]
                continue
            version, mentor_version = state.statement_versions.get((lead_provider_id, cohort, name), (None, None))
            world.add_statement(Statement(
                statement_id, lead_provider_id, cohort, name, row["deadline_on"], row["payment_on"], row["output_fee"],
                OPEN, version or _lowest(state.contract_versions.get((lead_provider_id, cohort))),
                mentor_version or _lowest(state.mentor_versions.get((lead_provider_id, cohort))),
                Decimal(0), None, now, now))


def _replacing_default(world: World, state: ReferenceState, event: Event, kind: str) -> None:
    """A kind supplied in the inbox replaces its shipped default from its first row on."""
    if event.provenance.startswith("inbox/") and kind not in state.supplied_kinds:
        state.supplied_kinds.add(kind)
        if kind == "cohorts":
            world.cohorts.clear()
        elif kind == "schedules":
            world.schedules.clear()
        elif kind == "statements":
            state.calendar.clear()


def record_instant(world: World, event: Event) -> datetime:
    """The `created_at`/`updated_at` a reference row gives the records it makes (statements, schools,
    delivery partners, as the API shows them): its `valid_from`; for a row in force since the beginning
    of time (no `valid_from`), the start of the service instead of year 1 — the earliest cohort's
    registration start, midnight UTC — so no record looks created in year 1 and none looks created
    after a request that used it (README "Time")."""
    if event.effective_at > BEGINNING_OF_TIME or not world.cohorts:
        return event.effective_at
    first = min(cohort.registration_start_on for cohort in world.cohorts.values())
    return datetime(first.year, first.month, first.day, tzinfo=timezone.utc)


def apply_reference(world: World, state: ReferenceState, event: Event) -> None:
    row, now, kind = event.row, record_instant(world, event), event.kind
    if kind in ("cohorts", "schedules", "statements"):
        _replacing_default(world, state, event, kind)
    if kind == "cohorts":
        frozen = row["payments_frozen_at"]
        world.cohorts[row["cohort"]] = Cohort(
            row["cohort"], row["registration_start_on"], row["academic_year_start_on"],
            row["automatic_assignment_period_end_on"], frozen and frozen.replace(tzinfo=now.tzinfo),
            row["mentor_funding"], row["detailed_evidence_types"])
    elif kind == "schedules":
        key = (row["schedule_identifier"], row["cohort"])
        schedule = world.schedules.get(key) or Schedule(row["schedule_identifier"], row["cohort"],
                                                        row["schedule_name"], row["schedule_type"])
        schedule.milestones[row["declaration_type"]] = Milestone(
            row["declaration_type"], row["milestone_start_on"], row["milestone_end_on"], row["milestone_payment_on"])
        world.schedules[key] = schedule
    elif kind == "statements":
        state.calendar[(row["cohort"], row["statement_name"])] = row
        _ensure_statements(world, state, now)
    elif kind == "lead_providers":
        world.add_lead_provider(LeadProvider(row["lead_provider_id"], row["name"], row["slug"], row["vat_chargeable"]))
    elif kind == "delivery_partners":
        existing = world.delivery_partners.get(row["delivery_partner_id"])
        world.delivery_partners[row["delivery_partner_id"]] = DeliveryPartner(
            row["delivery_partner_id"], row["name"], existing.created_at if existing else now, now)
    elif kind == "provider_relationships":
        key = (row["lead_provider_id"], row["delivery_partner_id"], row["cohort"])
        (world.provider_relationships.discard if row["discarded"] else world.provider_relationships.add)(key)
    elif kind == "schools":
        existing = world.schools.get(row["school_id"])
        world.schools[row["school_id"]] = School(
            row["school_id"], row["urn"], row["name"], row["eligible"], row["cip_only"], row["establishment_type"],
            row["induction_tutor_name"], row["induction_tutor_email"], existing.created_at if existing else now, now)
    elif kind == "school_uplifts":
        world.school_uplifts[(row["school_id"], row["cohort"])] = (row["pupil_premium_uplift"], row["sparsity_uplift"])
    elif kind == "contracts":
        state.contract_versions.setdefault((row["lead_provider_id"], row["cohort"]), set()).add(row["version"])
        _ensure_statements(world, state, now)
    elif kind == "mentor_contracts":
        versions = state.mentor_versions.setdefault((row["lead_provider_id"], row["cohort"]), set())
        versions.add(row["version"])
        # Statements made before their mentor contract arrived carry the code's default version; point
        # those still open at the lowest mentor version, as if the contract had come first.
        for statement in world.statements.values():
            if (statement.lead_provider_id, statement.cohort) == (row["lead_provider_id"], row["cohort"]) \
                    and statement.status == OPEN and statement.mentor_contract_version not in versions:
                statement.mentor_contract_version = _lowest(versions)
    elif kind == "contract_versions":
        key = (row["lead_provider_id"], row["cohort"], row["statement_name"])
        state.statement_versions[key] = (row["contract_version"], row["mentor_contract_version"])
        statement = world.statements.get(statement_id_for(*key))
        if statement is not None and statement.status == OPEN:
            statement.contract_version = row["contract_version"]
            statement.mentor_contract_version = row["mentor_contract_version"] or statement.mentor_contract_version
    elif kind == "feature_flags":
        world.feature_flags[row["flag"]] = row["enabled"]
    # contract_bands are read by the calculate stage from the state tables, not by the rules.
