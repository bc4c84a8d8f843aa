"""`World`: the records of `model.py`, indexed, with the questions the live rules ask of them.

Every query here is named after the live service's concept it reproduces (declarations.md §1.1
resolution, "latest induction record", `next_output_fee_statement`, the step-10 slot, the TRN
duplicate). Rules (`pipelines/validate/`) only read the world; lifecycle functions
(`pipelines/calculate/lifecycle.py`) change it through the `add_*`/`index_*` methods so the
indexes stay right. Nothing here does IO.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from pipelines.ids import lookup_keys
from pipelines.world.model import (
    Adjustment, FinanceRefusal, HistoryRow, BILLABLE_LINE_STATES, COURSE_FOR_TYPE, LIVE_STATES, OPEN, REFUNDABLE_LINE_STATES, TYPE_FOR_COURSE, Cohort,
    Declaration, DeliveryPartner, Identity, InductionProgramme, InductionRecord, LeadProvider, LineItem,
    ParticipantIdChange, Partnership, Profile, ProviderParticipantState, School, SchoolCohort, Schedule, Statement,
    User,
)

def latest_first_key(record: InductionRecord) -> tuple:
    """"Latest" induction record: open-ended first, then newest start, then newest creation."""
    return (record.end_at is None, record.start_at, record.created_at)


@dataclass
class World:
    # reference data (in force at the current instant of the timeline)
    cohorts: dict[int, Cohort] = field(default_factory=dict)
    schedules: dict[tuple[str, int], Schedule] = field(default_factory=dict)  # (identifier, cohort)
    lead_providers: dict[str, LeadProvider] = field(default_factory=dict)
    delivery_partners: dict[str, DeliveryPartner] = field(default_factory=dict)
    provider_relationships: set[tuple[str, str, int]] = field(default_factory=set)  # (lp, dp, cohort), kept
    schools: dict[str, School] = field(default_factory=dict)
    school_uplifts: dict[tuple[str, int], tuple[bool, bool]] = field(default_factory=dict)  # pupil premium, sparsity
    feature_flags: dict[str, bool] = field(default_factory=lambda: {"programme_type_changes_2025": True})
    # registrations and what provider actions derive from them
    users: dict[str, User] = field(default_factory=dict)
    identities: dict[str, Identity] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    school_cohorts: dict[tuple[str, int], SchoolCohort] = field(default_factory=dict)
    programmes: dict[str, InductionProgramme] = field(default_factory=dict)
    partnerships: dict[str, Partnership] = field(default_factory=dict)
    records: dict[str, InductionRecord] = field(default_factory=dict)
    provider_states: dict[tuple[str, str], list[ProviderParticipantState]] = field(
        default_factory=lambda: defaultdict(list))  # (profile, lead provider) -> oldest first
    participant_id_changes: dict[str, list[ParticipantIdChange]] = field(default_factory=lambda: defaultdict(list))
    # declarations and statements
    declarations: dict[str, Declaration] = field(default_factory=dict)
    statements: dict[str, Statement] = field(default_factory=dict)
    line_items: dict[str, list[LineItem]] = field(default_factory=lambda: defaultdict(list))  # by declaration
    adjustments: dict[str, Adjustment] = field(default_factory=dict)  # by adjustment_ref
    history: list[HistoryRow] = field(default_factory=list)
    finance_refusals: list[FinanceRefusal] = field(default_factory=list)

    # secondary indexes
    identities_by_user: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    identity_by_external: dict[str, str] = field(default_factory=dict)
    profiles_by_identity: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    records_by_profile: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    declarations_by_user: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    users_by_trn: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    statements_by_provider_cohort: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    statement_by_name: dict[tuple[str, int, str], str] = field(default_factory=dict)
    line_items_by_statement: dict[str, list[LineItem]] = field(default_factory=lambda: defaultdict(list))
    lead_provider_by_slug: dict[str, str] = field(default_factory=dict)
    partnerships_by_school_cohort: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    programmes_by_school_cohort: dict[tuple[str, int], list[str]] = field(default_factory=lambda: defaultdict(list))
    records_by_programme: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    profiles_by_school: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    # ------------------------------------------------------------------ indexing
    def add_lead_provider(self, provider: LeadProvider) -> None:
        self.lead_providers[provider.lead_provider_id] = provider
        self.lead_provider_by_slug[provider.slug] = provider.lead_provider_id

    def add_identity(self, identity: Identity) -> None:
        if identity.identity_id not in self.identities:
            self.identities_by_user[identity.user_id].append(identity.identity_id)
        else:
            previous = self.identities[identity.identity_id]
            if previous.user_id != identity.user_id:
                self.identities_by_user[previous.user_id].remove(identity.identity_id)
                self.identities_by_user[identity.user_id].append(identity.identity_id)
        self.identities[identity.identity_id] = identity
        self.identity_by_external.setdefault(identity.external_identifier, identity.identity_id)

    def add_partnership(self, partnership: Partnership) -> None:
        """Partnerships never change school or cohort (a report changes the delivery partner)."""
        if partnership.partnership_id not in self.partnerships:
            self.partnerships_by_school_cohort[(partnership.school_id, partnership.cohort)].append(
                partnership.partnership_id)
        self.partnerships[partnership.partnership_id] = partnership

    def add_programme(self, programme: InductionProgramme) -> None:
        if programme.induction_programme_id not in self.programmes:
            self.programmes_by_school_cohort[(programme.school_id, programme.cohort)].append(
                programme.induction_programme_id)
        self.programmes[programme.induction_programme_id] = programme

    def partnerships_of_school_cohort(self, school_id: str, cohort: int) -> list[Partnership]:
        return [self.partnerships[p] for p in self.partnerships_by_school_cohort.get((school_id, cohort), ())]

    def programmes_of_school_cohort(self, school_id: str, cohort: int) -> list[InductionProgramme]:
        return [self.programmes[p] for p in self.programmes_by_school_cohort.get((school_id, cohort), ())]

    def records_in_programme(self, programme_id: str) -> list[InductionRecord]:
        return [self.records[r] for r in sorted(self.records_by_programme.get(programme_id, ()))
                if self.records[r].induction_programme_id == programme_id]

    def profiles_at_school(self, school_id: str) -> list[Profile]:
        return [self.profiles[p] for p in sorted(self.profiles_by_school.get(school_id, ()))
                if self.profiles[p].school_id == school_id]

    def add_profile(self, profile: Profile) -> None:
        """Add or re-index a profile (call again after changing its identity or school)."""
        self.profiles_by_school[profile.school_id].add(profile.profile_id)
        previous = self.profiles.get(profile.profile_id)
        if previous is None:
            self.profiles_by_identity[profile.identity_id].append(profile.profile_id)
        elif previous.identity_id != profile.identity_id:
            self.profiles_by_identity[previous.identity_id].remove(profile.profile_id)
            self.profiles_by_identity[profile.identity_id].append(profile.profile_id)
        self.profiles[profile.profile_id] = profile
        user_id = self.identities[profile.identity_id].user_id
        if profile.trn:
            self.users_by_trn[profile.trn].add(user_id)
        for declaration in self.declarations_of_user(user_id):
            # Imported declarations can land before the registrations that name their profile.
            if not declaration.profile_id and declaration.participant_type == profile.participant_type:
                declaration.profile_id = profile.profile_id

    def add_record(self, record: InductionRecord) -> None:
        """Add or re-index a record (call again after changing its programme)."""
        if record.induction_record_id not in self.records:
            self.records_by_profile[record.profile_id].append(record.induction_record_id)
        self.records[record.induction_record_id] = record
        self.records_by_programme[record.induction_programme_id].add(record.induction_record_id)

    def add_declaration(self, declaration: Declaration) -> None:
        if declaration.declaration_id not in self.declarations:
            self.declarations_by_user[declaration.user_id].append(declaration.declaration_id)
        self.declarations[declaration.declaration_id] = declaration

    def add_line_item(self, item: LineItem) -> None:
        self.line_items[item.declaration_id].append(item)
        self.line_items_by_statement[item.statement_id].append(item)

    def add_statement(self, statement: Statement) -> None:
        key = (statement.lead_provider_id, statement.cohort)
        if statement.statement_id not in self.statements:
            self.statements_by_provider_cohort[key].append(statement.statement_id)
        self.statements[statement.statement_id] = statement
        self.statement_by_name[(statement.lead_provider_id, statement.cohort, statement.name)] = statement.statement_id

    # ------------------------------------------------------------------ participants
    def user_id_of_profile(self, profile_id: str) -> str:
        return self.identities[self.profiles[profile_id].identity_id].user_id

    def profiles_of_identity(self, identity_id: str) -> list[Profile]:
        return [self.profiles[p] for p in self.profiles_by_identity.get(identity_id, ())]

    def profiles_of_user(self, user_id: str) -> list[Profile]:
        return [profile for identity_id in self.identities_by_user.get(user_id, ())
                for profile in self.profiles_of_identity(identity_id)]

    def resolve_identity(self, participant_id: str | None, course_identifier: str | None) -> Identity | None:
        """declarations.md §1.1: the user's first identity holding a profile of the course's type (any
        status), else the identity whose external_identifier is the id sent."""
        keys = lookup_keys(participant_id)  # ids compare as PostgreSQL uuids: any case, braces
        participant_type = TYPE_FOR_COURSE.get(course_identifier) if isinstance(course_identifier, str) else None
        if participant_type is not None:
            for key in keys:
                for identity_id in self.identities_by_user.get(key, ()):
                    if any(p.participant_type == participant_type for p in self.profiles_of_identity(identity_id)):
                        return self.identities[identity_id]
        for key in keys:
            identity_id = self.identity_by_external.get(key)
            if identity_id:
                return self.identities[identity_id]
        return None

    def resolve_profile(self, identity: Identity | None, course_identifier: str | None) -> Profile | None:
        """The identity's first active-record profile of the course's type."""
        if identity is None:
            return None
        participant_type = TYPE_FOR_COURSE.get(course_identifier) if isinstance(course_identifier, str) else None
        for profile in self.profiles_of_identity(identity.identity_id):
            if profile.active_record and profile.participant_type == participant_type:
                return profile
        return None

    def user_has_active_profile_for_course(self, user_id: str, course_identifier: str | None) -> bool:
        """Step 12: any active-record profile of the user whose course list holds the course."""
        return any(p.active_record and COURSE_FOR_TYPE[p.participant_type] == course_identifier
                   for p in self.profiles_of_user(user_id))

    def schedule_of(self, profile: Profile) -> Schedule | None:
        return self.schedules.get((profile.schedule_identifier, profile.cohort))

    # ------------------------------------------------------------------ induction records
    def records_of(self, profile_id: str) -> list[InductionRecord]:
        return [self.records[r] for r in self.records_by_profile.get(profile_id, ())]

    def partnership_of_record(self, record: InductionRecord) -> Partnership | None:
        programme = self.programmes.get(record.induction_programme_id)
        if programme is None or programme.partnership_id is None:
            return None
        return self.partnerships.get(programme.partnership_id)

    def provider_of_record(self, record: InductionRecord) -> str | None:
        partnership = self.partnership_of_record(record)
        return partnership.lead_provider_id if partnership else None

    def provider_records(self, profile_id: str, lead_provider_id: str) -> list[InductionRecord]:
        return [r for r in self.records_of(profile_id) if self.provider_of_record(r) == lead_provider_id]

    def latest_provider_record(self, profile_id: str, lead_provider_id: str, unchallenged_only: bool = False,
                               records: list[InductionRecord] | None = None) -> InductionRecord | None:
        """`records`: the profile's records with this provider, when the caller already has them."""
        records = self.provider_records(profile_id, lead_provider_id) if records is None else records
        if unchallenged_only:
            records = [r for r in records if self.partnership_of_record(r).unchallenged]
        return max(records, key=latest_first_key, default=None)

    def latest_provider_record_starting_by(self, profile_id: str, lead_provider_id: str,
                                           instant: datetime) -> InductionRecord | None:
        """The provider's latest record whose start is on or before `instant` (§1.2 step 2, §1.6)."""
        records = [r for r in self.provider_records(profile_id, lead_provider_id) if r.start_at <= instant]
        return max(records, key=latest_first_key, default=None)

    def latest_provider_state(self, profile_id: str, lead_provider_id: str) -> ProviderParticipantState | None:
        states = self.provider_states.get((profile_id, lead_provider_id))
        return states[-1] if states else None

    # ------------------------------------------------------------------ statements
    def next_output_fee_statement(self, lead_provider_id: str, cohort: int, today: date) -> Statement | None:
        """`LeadProvider#next_output_fee_statement`: open, output-fee, deadline today or later, earliest first."""
        candidates = [self.statements[s] for s in self.statements_by_provider_cohort.get((lead_provider_id, cohort), ())]
        open_ones = [s for s in candidates if s.output_fee and s.status == OPEN and s.deadline_on >= today]
        return min(open_ones, key=lambda s: (s.deadline_on, s.payment_on, s.name), default=None)

    # ------------------------------------------------------------------ declarations
    def find_declaration(self, declaration_id: object) -> Declaration | None:
        """A declaration by the id sent in a path (compared as a PostgreSQL uuid)."""
        return next((self.declarations[key] for key in lookup_keys(declaration_id) if key in self.declarations), None)

    def declarations_of_user(self, user_id: str) -> list[Declaration]:
        return [self.declarations[d] for d in self.declarations_by_user.get(user_id, ())]

    def live_declaration_in_slot(self, user_id: str, participant_type: str, course_identifier: str | None,
                                 declaration_type: str | None) -> Declaration | None:
        """Step 10's slot: same user, class, course and type, in submitted/eligible/payable/paid."""
        for declaration in self.declarations_of_user(user_id):
            if (declaration.state in LIVE_STATES and declaration.participant_type == participant_type
                    and declaration.course_identifier == course_identifier
                    and declaration.declaration_type == declaration_type):
                return declaration
        return None

    def trn_duplicate_of(self, declaration: Declaration, trn: str | None) -> Declaration | None:
        """§1.3: the oldest live, unsuperseded declaration of *another* user with the same TRN, class,
        type and course."""
        if not trn:
            return None
        found = [d for user_id in self.users_by_trn.get(trn, ()) if user_id != declaration.user_id
                 for d in self.declarations_of_user(user_id)
                 if d.state in LIVE_STATES and d.superseded_by_id is None
                 and d.participant_type == declaration.participant_type
                 and d.declaration_type == declaration.declaration_type
                 and d.course_identifier == declaration.course_identifier]
        return min(found, key=lambda d: (d.created_at, d.declaration_id), default=None)

    def billable_line_item(self, declaration_id: str) -> LineItem | None:
        return next((li for li in self.line_items.get(declaration_id, ())
                     if li.line_type == "billable" and li.state in BILLABLE_LINE_STATES), None)

    def refundable_line_item(self, declaration_id: str) -> LineItem | None:
        return next((li for li in self.line_items.get(declaration_id, ())
                     if li.line_type == "refundable" and li.state in REFUNDABLE_LINE_STATES), None)

    def statement_id_of(self, declaration_id: str) -> str | None:
        item = self.billable_line_item(declaration_id)
        return item.statement_id if item else None

    def clawback_statement_id_of(self, declaration_id: str) -> str | None:
        item = self.refundable_line_item(declaration_id)
        return item.statement_id if item else None

    def flag(self, name: str) -> bool:
        return self.feature_flags.get(name, True)
