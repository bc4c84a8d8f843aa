"""The world the ordered stage reads and changes: participants, induction records, partnerships,
declarations, statements — in memory, as the live service's models hold them.

These are plain records. `World` (world.py) indexes them and answers the questions the rules ask;
the lifecycle functions (`pipelines/calculate/lifecycle.py`) change them; the apply stage loads
them from and saves them to `state.duckdb`. Instants are timezone-aware UTC `datetime`s, dates are
`date`s; every `*_at` that the API shows is kept to the microsecond and rounded only when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

ECT, MENTOR = "ect", "mentor"
COURSE_FOR_TYPE = {ECT: "ecf-induction", MENTOR: "ecf-mentor"}
TYPE_FOR_COURSE = {course: participant_type for participant_type, course in COURSE_FOR_TYPE.items()}

# Declaration states (the model's spelling; the API dasherises them).
SUBMITTED, ELIGIBLE, PAYABLE, PAID = "submitted", "eligible", "payable", "paid"
VOIDED, INELIGIBLE, AWAITING_CLAWBACK, CLAWED_BACK = "voided", "ineligible", "awaiting_clawback", "clawed_back"
LIVE_STATES = frozenset({SUBMITTED, ELIGIBLE, PAYABLE, PAID})  # hold the step-10 slot
BILLABLE_LINE_STATES = frozenset({ELIGIBLE, PAYABLE, PAID})
REFUNDABLE_LINE_STATES = frozenset({AWAITING_CLAWBACK, CLAWED_BACK})

# Statement status: explicit state changed by events, never recomputed from dates.
OPEN, STATEMENT_PAYABLE, STATEMENT_PAID = "open", "payable", "paid"


@dataclass(slots=True)
class Cohort:
    year: int
    registration_start_on: date
    academic_year_start_on: date
    automatic_assignment_period_end_on: date
    payments_frozen_at: datetime | None
    mentor_funding: bool
    detailed_evidence_types: bool


@dataclass(frozen=True, slots=True)
class Milestone:
    declaration_type: str
    start_on: date
    end_on: date | None  # None: open-ended
    payment_on: date | None = None


@dataclass(slots=True)
class Schedule:
    identifier: str
    cohort: int
    name: str
    schedule_type: str  # ecf_standard, ecf_extended, ecf_reduced, ecf_replacement
    milestones: dict[str, Milestone] = field(default_factory=dict)

    @property
    def is_replacement(self) -> bool:
        return self.schedule_type == "ecf_replacement"


@dataclass(slots=True)
class LeadProvider:
    lead_provider_id: str
    name: str
    slug: str
    vat_chargeable: bool


@dataclass(slots=True)
class DeliveryPartner:
    delivery_partner_id: str
    name: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class School:
    school_id: str
    urn: str
    name: str
    eligible: bool
    cip_only: bool
    establishment_type: str | None
    induction_tutor_name: str | None
    induction_tutor_email: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class SchoolCohort:
    school_id: str
    cohort: int
    induction_programme_choice: str
    default_induction_programme_id: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class InductionProgramme:
    induction_programme_id: str
    school_id: str
    cohort: int
    training_programme: str
    partnership_id: str | None
    created_at: datetime


@dataclass(slots=True)
class Partnership:
    partnership_id: str
    lead_provider_id: str
    delivery_partner_id: str
    school_id: str
    cohort: int
    relationship: bool
    pending: bool
    challenged_at: datetime | None
    challenge_reason: str | None
    created_at: datetime
    updated_at: datetime

    @property
    def unchallenged(self) -> bool:
        """The provider-side queries' test (partnerships-and-finance.md §1.1)."""
        return self.challenged_at is None and self.challenge_reason is None

    @property
    def challenged(self) -> bool:
        """The model's own test: challenge_reason is set."""
        return self.challenge_reason is not None


@dataclass(slots=True)
class User:
    user_id: str
    full_name: str
    email: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Identity:
    identity_id: str
    user_id: str
    external_identifier: str
    email: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Profile:
    profile_id: str
    identity_id: str
    participant_type: str  # ect or mentor
    trn: str | None
    cohort: int  # the cohort of the profile's schedule
    schedule_identifier: str
    school_id: str
    eligibility_status: str | None  # eligible, ineligible, manual_check, matched
    eligibility_reason: str | None
    profile_status: str  # active or withdrawn (the school's own record status)
    induction_end_on: date | None
    pupil_premium_uplift: bool
    sparsity_uplift: bool
    created_at: datetime
    updated_at: datetime
    mentor_completion_on: date | None = None
    mentor_completion_reason: str | None = None
    cohort_changed_after_payments_frozen: bool = False

    @property
    def course_identifier(self) -> str:
        return COURSE_FOR_TYPE[self.participant_type]

    @property
    def fundable(self) -> bool:
        return self.eligibility_status == "eligible"

    @property
    def active_record(self) -> bool:
        return self.profile_status == "active"


@dataclass(slots=True)
class InductionRecord:
    induction_record_id: str
    profile_id: str
    induction_programme_id: str
    start_at: datetime
    end_at: datetime | None
    induction_status: str  # active, withdrawn, changed, leaving, completed
    training_status: str  # active, deferred, withdrawn
    schedule_identifier: str | None  # None only until the profile it belongs to is registered
    schedule_cohort: int | None
    school_transfer: bool
    mentor_profile_id: str | None
    preferred_identity_id: str | None
    created_at: datetime
    updated_at: datetime
    source: str  # registration (a school placement) or the provider action that created it
    placement_id: str | None = None  # the school-side id for registration records


@dataclass(slots=True)
class ProviderParticipantState:
    """A participant-profile state written by a provider action (what §1.2 step 2 reads)."""
    profile_id: str
    lead_provider_id: str
    state: str  # active, deferred, withdrawn
    reason: str | None
    created_at: datetime


@dataclass(slots=True)
class Statement:
    statement_id: str
    lead_provider_id: str
    cohort: int
    name: str
    deadline_on: date
    payment_on: date
    output_fee: bool
    status: str  # open, payable, paid
    contract_version: str
    mentor_contract_version: str
    reconcile_amount: Decimal
    marked_as_paid_at: datetime | None
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class LineItem:
    declaration_id: str
    statement_id: str
    line_type: str  # billable (eligible/payable/paid/voided/ineligible) or refundable
    state: str
    created_at: datetime
    updated_at: datetime


@dataclass(slots=True)
class Declaration:
    declaration_id: str
    lead_provider_id: str
    user_id: str
    profile_id: str
    participant_type: str  # the declaration class: ect or mentor
    course_identifier: str
    declaration_type: str
    declaration_date: datetime
    declaration_date_text: str  # as sent
    cohort: int
    state: str
    evidence_held: str | None
    delivery_partner_id: str | None
    mentor_user_id: str | None
    pupil_premium_uplift: bool
    sparsity_uplift: bool
    superseded_by_id: str | None
    ineligible_reason: str | None  # duplicate
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ParticipantIdChange:
    user_id: str
    from_participant_id: str
    to_participant_id: str
    changed_at: datetime


@dataclass(slots=True)
class Adjustment:
    """An additional adjustment on an output-fee statement (finance input, payments.md §5.1)."""
    adjustment_ref: str
    statement_id: str
    description: str
    amount: Decimal
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One change to a declaration, participant or statement: what, when, by which input."""
    entity: str  # declaration, statement, profile, induction_record, partnership, provider_state
    entity_id: str
    change: str  # e.g. state:eligible, status:payable, training_status:withdrawn
    changed_at: datetime
    event_seq: int  # the timeline event that made the change


@dataclass(frozen=True, slots=True)
class FinanceRefusal:
    """A finance row the lifecycle refused at its effective instant, with the failed condition."""
    event_seq: int
    kind: str
    lead_provider_slug: str
    cohort: int
    statement_name: str
    reason: str
    effective_at: datetime
