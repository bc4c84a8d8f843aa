"""Every input kind the landing zone accepts: its folder, columns, types and instant column.

This registry is the single source of truth for the input formats: the CSV reader, the Pandera
schemas, the state tables (`sql/migrations`), the warehouse data dictionary and `docs/inputs.md`
are all checked against it. A file's kind comes from its name: `<kind>.csv` or
`<kind>-<anything>.csv` inside the kind's folder (`inbox/<family>/`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column types. Values arrive as text and are parsed set-based (`pipelines/ingest/typing.py`).
TEXT = "text"
INT = "int"
BOOL = "bool"  # true/false (also accepted: TRUE/FALSE, 1/0, yes/no)
DATE = "date"  # YYYY-MM-DD
INSTANT = "instant"  # RFC 3339 (Z or offset) or YYYY-MM-DD (midnight UTC); stored as UTC
MONEY = "money"  # decimal pounds, e.g. 1234.50 or -12; stored as DECIMAL(38, 10)
RATIO = "ratio"  # decimal fraction, e.g. 0.33

FAMILIES = ("reference", "migration", "registrations", "finance")
# Timeline order of kinds (product.md §4): reference, state import, registrations, finance,
# deadline events, requests.
FAMILY_RANK = {"reference": 1, "migration": 2, "registrations": 3, "finance": 4, "deadline": 5, "requests": 6}

# Instant columns per family. Reference rows default to the beginning of time.
INSTANT_COLUMN = {
    "reference": "valid_from",
    "registrations": "recorded_at",
    "finance": "effective_at",
    "migration": None,  # every import row takes the import's `imported_as_of`
}
BEGINNING_OF_TIME = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    required: bool = True
    allowed: tuple[str, ...] | None = None
    default: str | None = None  # applied to a blank cell before typing


@dataclass(frozen=True)
class Kind:
    name: str
    family: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)  # what a later row with the same key replaces
    example: str = ""

    @property
    def instant_column(self) -> str | None:
        return INSTANT_COLUMN[self.family]

    @property
    def all_columns(self) -> tuple[Column, ...]:
        instant = self.instant_column
        if instant is None:
            return self.columns
        if self.family == "reference":
            extra = Column(instant, INSTANT, "when the row takes effect (default: the beginning of time)",
                           required=True, default=BEGINNING_OF_TIME)
        else:
            extra = Column(instant, INSTANT, "when the row takes effect (UTC instant)")
        return (*self.columns, extra)

    def column(self, name: str) -> Column:
        return next(c for c in self.all_columns if c.name == name)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.all_columns)

    @property
    def table(self) -> str:
        """The typed core table in `state.duckdb` and the warehouse."""
        return f"{self.family}_{self.name}" if self.family != "migration" else f"import_{self.name}"


C = Column
DECLARATION_TYPES = ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed",
                     "extended-1", "extended-2", "extended-3")
TRAINING_PROGRAMMES = ("full_induction_programme", "core_induction_programme", "design_our_own",
                       "school_funded_fip")
PROGRAMME_CHOICES = (*TRAINING_PROGRAMMES, "no_early_career_teachers", "not_yet_known")
CHALLENGE_REASONS = ("another_provider", "not_confirmed", "do_not_recognise", "no_ects", "mistake")
_statement = (
    C("lead_provider_slug", TEXT, "the statement's lead provider, by slug"),
    C("cohort", INT, "cohort start year"),
    C("statement_name", TEXT, "statement name, e.g. January 2025"),
)

KINDS: tuple[Kind, ...] = (
    # ---------------------------------------------------------------- reference (finance-owned)
    Kind("cohorts", "reference", "Cohorts and their flags (declarations.md §3.2).", (
        C("cohort", INT, "cohort start year"),
        C("registration_start_on", DATE, "registration start date"),
        C("academic_year_start_on", DATE, "academic year start date"),
        C("automatic_assignment_period_end_on", DATE, "end of the automatic assignment period"),
        C("payments_frozen_at", INSTANT, "declarations are refused from this instant; blank: never",
          required=False),
        C("mentor_funding", BOOL, "true: 2025+ regime (separate ECT and mentor calculators)"),
        C("detailed_evidence_types", BOOL, "true: the detailed evidence_held values apply"),
    ), key=("cohort",), example="2025,2024-12-31,2025-09-01,2026-03-31,,true,true,"),
    Kind("schedules", "reference", "Schedules and their milestone windows, one row per milestone "
         "(declarations.md §3).", (
        C("cohort", INT, "cohort start year of the schedule"),
        C("schedule_identifier", TEXT, "e.g. ecf-standard-september"),
        C("schedule_name", TEXT, "display name, e.g. ECF Standard September"),
        C("schedule_type", TEXT, "schedule family",
          allowed=("ecf_standard", "ecf_extended", "ecf_reduced", "ecf_replacement")),
        C("milestone_name", TEXT, "e.g. Output 1 - Participant Start"),
        C("declaration_type", TEXT, "the declaration type the milestone is for", allowed=DECLARATION_TYPES),
        C("milestone_start_on", DATE, "first valid declaration date"),
        C("milestone_end_on", DATE, "last valid declaration date; blank: open-ended", required=False),
        C("milestone_payment_on", DATE, "informational payment date", required=False),
    ), key=("cohort", "schedule_identifier", "declaration_type"),
        example="2024,ecf-standard-september,ECF Standard September,ecf_standard,"
                "Output 1 - Participant Start,started,2024-09-01,2024-12-31,2024-11-30,"),
    Kind("statements", "reference", "The statement calendar per cohort: every lead provider with a "
         "call-off contract in the cohort gets each statement.", (
        C("cohort", INT, "cohort start year"),
        C("statement_name", TEXT, "e.g. January 2025"),
        C("deadline_on", DATE, "milestone cut-off date"),
        C("payment_on", DATE, "payment date; decides which statements are earlier for banding"),
        C("output_fee", BOOL, "true: declarations can attach; false: service-fee-only month"),
    ), key=("cohort", "statement_name"), example="2024,January 2025,2024-12-31,2025-01-25,true,"),
    Kind("lead_providers", "reference", "Lead providers.", (
        C("lead_provider_id", TEXT, "the provider's UUID"),
        C("name", TEXT, "display name"),
        C("slug", TEXT, "short name used in folder names and commands, e.g. ambition-institute"),
        C("vat_chargeable", BOOL, "true: VAT at 20% is added to statements"),
    ), key=("lead_provider_id",),
        example="6a7b2c1e-0000-4000-8000-000000000001,Northfield Teaching Trust,northfield,true,"),
    Kind("delivery_partners", "reference", "Delivery partners.", (
        C("delivery_partner_id", TEXT, "the delivery partner's UUID"),
        C("name", TEXT, "display name"),
    ), key=("delivery_partner_id",), example="7c1d…,Riverside Teaching School Hub,"),
    Kind("provider_relationships", "reference", "Which delivery partners a lead provider may work "
         "with, per cohort.", (
        C("lead_provider_id", TEXT, "lead provider UUID"),
        C("delivery_partner_id", TEXT, "delivery partner UUID"),
        C("cohort", INT, "cohort start year"),
        C("discarded", BOOL, "true: the relationship is withdrawn from this row's valid_from",
          required=False, default="false"),
    ), key=("lead_provider_id", "delivery_partner_id", "cohort"), example="6a7b…,7c1d…,2024,false,"),
    Kind("schools", "reference", "Schools (GIAS facts the rules need).", (
        C("school_id", TEXT, "the school's UUID"),
        C("urn", TEXT, "unique reference number, e.g. 100001"),
        C("name", TEXT, "school name"),
        C("eligible", BOOL, "eligible for funded induction"),
        C("cip_only", BOOL, "true: the school can only use a core induction programme",
          required=False, default="false"),
        C("establishment_type", TEXT, "GIAS establishment type name", required=False),
        C("induction_tutor_name", TEXT, "induction tutor's name", required=False),
        C("induction_tutor_email", TEXT, "induction tutor's email", required=False),
    ), key=("school_id",), example="9e2f…,100001,Oakwood Primary School,true,false,Community school,"
                                   "Sam Lee,sam.lee@oakwood.example,"),
    Kind("school_uplifts", "reference", "Uplift eligibility of a school per cohort (payments.md §4.1).", (
        C("school_id", TEXT, "school UUID"),
        C("cohort", INT, "cohort start year"),
        C("pupil_premium_uplift", BOOL, "pupil-premium uplift applies"),
        C("sparsity_uplift", BOOL, "sparsity uplift applies"),
    ), key=("school_id", "cohort"), example="9e2f…,2024,true,false,"),
    Kind("contracts", "reference", "ECT call-off contracts, one row per lead provider, cohort and "
         "version (payments.md §1.2).", (
        C("lead_provider_id", TEXT, "lead provider UUID"),
        C("cohort", INT, "cohort start year"),
        C("version", TEXT, "contract version, e.g. 1.0"),
        C("recruitment_target", INT, "recruitment target (participants); the service-fee volume"),
        C("set_up_fee", MONEY, "set-up fee, £, deducted from band A's service fee"),
        C("monthly_service_fee", MONEY, "£; blank: calculated; any value (0 too) replaces it",
          required=False),
        C("uplift_amount", MONEY, "£ per uplift start; blank switches uplifts off", required=False),
        C("uplift_target", RATIO, "display only, e.g. 0.33", required=False),
    ), key=("lead_provider_id", "cohort", "version"), example="6a7b…,2024,1.0,4000,149651,,100,0.33,"),
    Kind("contract_bands", "reference", "Participant bands of a call-off contract (payments.md §1.3); "
         "at most four per contract.", (
        C("lead_provider_id", TEXT, "lead provider UUID"),
        C("cohort", INT, "cohort start year"),
        C("version", TEXT, "contract version the band belongs to"),
        C("band_min", INT, "first participant number in the band; blank or 0: from 1", required=False),
        C("band_max", INT, "last participant number in the band"),
        C("per_participant", MONEY, "full price per participant, £"),
        C("output_payment_percentage", INT, "percent paid as output fees", required=False, default="60"),
        C("service_fee_percentage", INT, "percent paid as service fee", required=False, default="40"),
    ), key=("lead_provider_id", "cohort", "version", "band_max"),
        example="6a7b…,2024,1.0,,2000,995,60,40,"),
    Kind("mentor_contracts", "reference", "Mentor call-off contracts, cohorts 2025 onwards "
         "(payments.md §1.4).", (
        C("lead_provider_id", TEXT, "lead provider UUID"),
        C("cohort", INT, "cohort start year"),
        C("version", TEXT, "mentor contract version"),
        C("recruitment_target", INT, "mentor recruitment target (display only)"),
        C("payment_per_participant", MONEY, "£ per mentor; started and completed pay half each",
          required=False, default="1000"),
    ), key=("lead_provider_id", "cohort", "version"), example="6a7b…,2025,1.0,800,1000,"),
    Kind("contract_versions", "reference", "Which contract versions a statement starts on "
         "(default: the lowest version of the provider and cohort); later changes are finance "
         "contract_changes rows.", (
        C("lead_provider_id", TEXT, "lead provider UUID"),
        C("cohort", INT, "cohort start year"),
        C("statement_name", TEXT, "statement name"),
        C("contract_version", TEXT, "ECT call-off contract version"),
        C("mentor_contract_version", TEXT, "mentor contract version (2025+)", required=False),
    ), key=("lead_provider_id", "cohort", "statement_name"), example="6a7b…,2024,January 2025,1.0,,"),
    Kind("feature_flags", "reference", "Feature flags (declarations.md §4.2, api.md §3.9).", (
        C("flag", TEXT, "flag name", allowed=("programme_type_changes_2025",)),
        C("enabled", BOOL, "whether the flag is on"),
    ), key=("flag",), example="programme_type_changes_2025,true,"),
    # ---------------------------------------------------------------- registrations (school facts)
    Kind("participant_identities", "registrations", "Participant identities: how a user is known "
         "to the API. A user without an identity row gets one with external_identifier = user_id.", (
        C("participant_identity_id", TEXT, "identity UUID"),
        C("user_id", TEXT, "the user's UUID"),
        C("external_identifier", TEXT, "the API participant_id of this identity; blank: the user_id",
          required=False),
        C("email", TEXT, "the identity's email"),
    ), key=("participant_identity_id",), example="a1…,b2…,,kim.doe@example.com,2024-07-01T09:00:00Z"),
    Kind("participant_profiles", "registrations", "Participant profiles (one ECT or mentor "
         "registration of a user).", (
        C("participant_profile_id", TEXT, "profile UUID (the API training_record_id)"),
        C("participant_identity_id", TEXT, "the identity the profile belongs to"),
        C("participant_type", TEXT, "ect or mentor", allowed=("ect", "mentor")),
        C("trn", TEXT, "teacher reference number", required=False),
        C("full_name", TEXT, "the participant's full name"),
        C("cohort", INT, "cohort start year of the profile's schedule"),
        C("schedule_identifier", TEXT, "the profile's schedule; blank: ecf-standard-september for a new "
          "profile, unchanged for a known one (a schedule set by change-schedule is kept)", required=False),
        C("school_id", TEXT, "the school that registered the participant"),
        C("eligibility_status", TEXT, "ECF funding eligibility",
          allowed=("eligible", "ineligible", "manual_check", "matched")),
        C("eligibility_reason", TEXT, "reason for the eligibility status", required=False),
        C("profile_status", TEXT, "the profile's own record status", allowed=("active", "withdrawn"),
          required=False, default="active"),
        C("induction_end_on", DATE, "induction end date", required=False),
    ), key=("participant_profile_id",),
        example="c3…,a1…,ect,1234567,Kim Doe,2024,ecf-standard-september,9e2f…,eligible,,active,,"
                "2024-07-01T09:00:00Z"),
    Kind("school_cohorts", "registrations", "A school's choices for a cohort.", (
        C("school_id", TEXT, "school UUID"),
        C("cohort", INT, "cohort start year"),
        C("induction_programme_choice", TEXT, "the school's programme choice", allowed=PROGRAMME_CHOICES),
        C("default_induction_programme_id", TEXT, "programme new participants join", required=False),
    ), key=("school_id", "cohort"), example="9e2f…,2024,full_induction_programme,d4…,2024-06-01T00:00:00Z"),
    Kind("induction_programmes", "registrations", "Induction programmes of a school cohort.", (
        C("induction_programme_id", TEXT, "programme UUID"),
        C("school_id", TEXT, "school UUID"),
        C("cohort", INT, "cohort start year"),
        C("training_programme", TEXT, "training programme", allowed=TRAINING_PROGRAMMES),
        C("partnership_id", TEXT, "the partnership the programme is linked to", required=False),
    ), key=("induction_programme_id",), example="d4…,9e2f…,2024,full_induction_programme,e5…,"
                                                 "2024-06-01T00:00:00Z"),
    Kind("induction_placements", "registrations", "A participant's stay in an induction programme "
         "(the school side of an induction record).", (
        C("induction_placement_id", TEXT, "the school-side id of the placement"),
        C("participant_profile_id", TEXT, "profile UUID"),
        C("induction_programme_id", TEXT, "programme UUID"),
        C("start_at", INSTANT, "start of the placement"),
        C("end_at", INSTANT, "end of the placement; blank: open-ended", required=False),
        C("induction_status", TEXT, "the school's induction status",
          allowed=("active", "withdrawn", "changed", "leaving", "completed"), required=False,
          default="active"),
        C("school_transfer", BOOL, "true: the placement is a transfer in", required=False, default="false"),
        C("mentor_profile_id", TEXT, "mentor profile UUID (ECTs)", required=False),
        C("preferred_identity_id", TEXT, "identity whose email the API shows", required=False),
        C("training_status", TEXT, "provider-owned; set here only to override explicitly",
          allowed=("active", "deferred", "withdrawn"), required=False),
        C("schedule_identifier", TEXT, "provider-owned; set here only to override explicitly",
          required=False),
    ), key=("induction_placement_id",),
        example="f6…,c3…,d4…,2024-09-01T00:00:00Z,,active,false,,,,,2024-07-01T09:00:00Z"),
    Kind("partnerships", "registrations", "Partnerships recorded by schools and DfE.", (
        C("partnership_id", TEXT, "partnership UUID"),
        C("lead_provider_id", TEXT, "lead provider UUID"),
        C("delivery_partner_id", TEXT, "delivery partner UUID"),
        C("school_id", TEXT, "school UUID"),
        C("cohort", INT, "cohort start year"),
        C("relationship", BOOL, "true: a relationship partnership (transfer)", required=False,
          default="false"),
        C("pending", BOOL, "true: pending", required=False, default="false"),
    ), key=("partnership_id",), example="e5…,6a7b…,7c1d…,9e2f…,2024,false,false,2024-05-20T10:00:00Z"),
    Kind("partnership_challenges", "registrations", "A school challenging a partnership.", (
        C("partnership_id", TEXT, "partnership UUID"),
        C("challenge_reason", TEXT, "why the school challenged it", allowed=CHALLENGE_REASONS),
        C("challenged_at", INSTANT, "when the school challenged it"),
    ), key=("partnership_id",), example="e5…,mistake,2024-06-03T08:30:00Z,2024-06-03T08:30:00Z"),
    Kind("participant_id_changes", "registrations", "Account merges: a retired user id moved to "
         "a surviving one.", (
        C("user_id", TEXT, "the surviving user's UUID"),
        C("from_participant_id", TEXT, "the retired participant id"),
        C("to_participant_id", TEXT, "the surviving participant id"),
    ), key=("from_participant_id",), example="b2…,0f…,b2…,2024-10-01T00:00:00Z"),
    # ---------------------------------------------------------------- finance (effective_at)
    Kind("adjustments", "finance", "Additional adjustments on an output-fee statement.", (
        C("adjustment_ref", TEXT, "finance's own reference, used to change or remove it later"),
        C("action", TEXT, "add, change or remove", allowed=("add", "change", "remove")),
        *_statement,
        C("description", TEXT, "the line shown on the statement", required=False),
        C("amount", MONEY, "£, positive or negative (blank for remove)", required=False),
    ), key=("adjustment_ref",),
        example="ADJ-001,add,northfield,2024,April 2025,Backdated service fee,1250.00,2025-03-20T10:00:00Z"),
    Kind("authorisations", "finance", "Authorise a statement for payment (mark paid).", _statement,
         key=("lead_provider_slug", "cohort", "statement_name"),
         example="northfield,2024,January 2025,2025-01-20T09:00:00Z"),
    Kind("reconcile_amounts", "finance", "A statement's hidden reconcile amount (default 0).", (
        *_statement,
        C("reconcile_amount", MONEY, "£ added to the statement total"),
    ), key=("lead_provider_slug", "cohort", "statement_name"),
        example="northfield,2024,April 2025,-120.00,2025-04-02T09:00:00Z"),
    Kind("contract_changes", "finance", "Point statements at a new contract version (the version's "
         "figures are reference contracts rows). Blank dates: every unpaid statement of the provider "
         "and cohort; a paid statement is never repointed.", (
        C("lead_provider_slug", TEXT, "lead provider slug"),
        C("cohort", INT, "cohort start year"),
        C("contract_type", TEXT, "ect or mentor", allowed=("ect", "mentor")),
        C("version", TEXT, "the new version"),
        C("payment_from_on", DATE, "first payment date the change applies to", required=False),
        C("payment_to_on", DATE, "last payment date the change applies to", required=False),
    ), key=(), example="northfield,2024,ect,1.1,2025-04-25,,2025-03-01T00:00:00Z"),
    # ---------------------------------------------------------------- migration (state import)
    Kind("manifest", "migration", "The state import's instant; exactly one row.", (
        C("imported_as_of", INSTANT, "the instant the imported state describes"),
    ), example="2024-10-15T11:59:59Z"),
    Kind("statements", "migration", "Imported statements with their status.", (
        *_statement,
        C("deadline_on", DATE, "milestone cut-off date"),
        C("payment_on", DATE, "payment date"),
        C("output_fee", BOOL, "true: an output-fee statement"),
        C("status", TEXT, "statement status", allowed=("open", "payable", "paid")),
        C("marked_as_paid_at", INSTANT, "when it was authorised (paid only)", required=False),
        C("contract_version", TEXT, "ECT contract version", required=False),
        C("mentor_contract_version", TEXT, "mentor contract version", required=False),
        C("reconcile_amount", MONEY, "reconcile amount, £", required=False, default="0"),
    ), key=("lead_provider_slug", "cohort", "statement_name"),
        example="northfield,2024,January 2025,2024-12-31,2025-01-25,true,paid,2025-01-20T09:00:00Z,1.0,,0"),
    Kind("declarations", "migration", "Imported declarations with their state.", (
        C("declaration_id", TEXT, "declaration UUID"),
        C("lead_provider_slug", TEXT, "the provider that made it"),
        C("participant_id", TEXT, "the user id it belongs to"),
        C("declaration_type", TEXT, "declaration type", allowed=DECLARATION_TYPES),
        C("course_identifier", TEXT, "ecf-induction or ecf-mentor", allowed=("ecf-induction", "ecf-mentor")),
        C("state", TEXT, "state in the model's spelling", allowed=(
            "submitted", "eligible", "payable", "paid", "voided", "ineligible", "awaiting_clawback",
            "clawed_back")),
        C("declaration_date", TEXT, "the declaration date exactly as sent"),
        C("cohort", INT, "cohort start year"),
        C("evidence_held", TEXT, "evidence held", required=False),
        C("superseded_by_id", TEXT, "declaration it is a duplicate of", required=False),
        C("ineligible_reason", TEXT, "ineligibility reason", required=False),
        C("created_at", INSTANT, "when it was created", required=False),
    ), key=("declaration_id",),
        example="0d…,northfield,b2…,started,ecf-induction,paid,2024-10-01T00:00:00Z,2024,,,,2024-10-02T00:00:00Z"),
    Kind("line_items", "migration", "Imported statement line items.", (
        C("declaration_id", TEXT, "declaration UUID"),
        *_statement,
        C("line_type", TEXT, "billable or refundable", allowed=("billable", "refundable")),
        C("state", TEXT, "line item state", allowed=(
            "eligible", "payable", "paid", "voided", "ineligible", "awaiting_clawback", "clawed_back")),
        C("created_at", INSTANT, "when it was created", required=False),
    ), key=("declaration_id", "line_type"),
        example="0d…,northfield,2024,January 2025,billable,paid,2024-10-02T00:00:00Z"),
    Kind("participant_states", "migration", "Provider-recorded participant-profile states.", (
        C("participant_profile_id", TEXT, "profile UUID"),
        C("lead_provider_slug", TEXT, "the provider that recorded it"),
        C("state", TEXT, "active, deferred or withdrawn", allowed=("active", "deferred", "withdrawn")),
        C("reason", TEXT, "withdrawal or deferral reason", required=False),
        C("created_at", INSTANT, "when it was recorded"),
    ), key=(), example="c3…,northfield,withdrawn,moved-school,2024-09-20T10:00:00Z"),
    Kind("shared_trn_accounts", "migration", "Other user accounts of the same teacher (shared TRN).", (
        C("user_id", TEXT, "the other account's user id"),
        C("trn", TEXT, "teacher reference number"),
        C("participant_type", TEXT, "ect or mentor", allowed=("ect", "mentor")),
    ), key=("user_id",), example="5e…,1234567,ect"),
)

KINDS_BY_FOLDER: dict[tuple[str, str], Kind] = {(k.family, k.name): k for k in KINDS}


def kind_for_file(family: str, file_name: str) -> Kind | None:
    """The kind of a CSV file in `inbox/<family>/`: `<kind>.csv` or `<kind>-<suffix>.csv`."""
    if not file_name.lower().endswith(".csv"):
        return None
    stem = file_name[:-4]
    base = stem.split("-", 1)[0]
    return KINDS_BY_FOLDER.get((family, base))


def kinds_of(family: str) -> list[Kind]:
    return [k for k in KINDS if k.family == family]
