"""Declaration rules (`pipelines/validate/declaration_rules.py`): declarations.md §1.2–§1.6, §2.1, §6.

Small literal worlds: one participant, the shipped schedules and cohorts, a few statements and
induction records in partnerships of the submitting provider.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import polars as pl
import pytest

from pipelines.validate.declaration_rules import (
    DeclarationAccepted, VoidAccepted, cast_declaration_date, check_declaration, check_void,
)
from pipelines.validate.envelope import Response
from pipelines.world.model import (
    ECT, MENTOR, Cohort, Declaration, DeliveryPartner, Identity, InductionProgramme, InductionRecord,
    LeadProvider, LineItem, Milestone, Partnership, Profile, ProviderParticipantState, Schedule, School, Statement,
    User,
)
from pipelines.world.world import World

UTC = timezone.utc
DEFAULTS = Path(__file__).resolve().parents[1] / "pipelines" / "reference" / "defaults"

LP_A, LP_B, LP_C = "LP-A", "LP-B", "LP-C"
USER = "6f1d2c3a-0000-4000-8000-000000000001"
OTHER_USER = "6f1d2c3a-0000-4000-8000-0000000000bb"
MENTOR_USER = "6f1d2c3a-0000-4000-8000-0000000000ee"
SCHOOL = "school-1"
T0 = datetime(2020, 1, 1, tzinfo=UTC)

# Exact live strings, written out here independently of the module under test.
NOT_RECOGNISED = ("Your update cannot be made as the '#/participant_id' is not recognised. "
                  "Check participant details and try again.")
NPQ = "NPQ Courses are no longer supported"
DATE_MISSING = "Enter a '#/declaration_date'."
TYPE_MISSING = "Enter a '#/declaration_type'."
FUTURE = "The '#/declaration_date' value cannot be a future date. Check the date and try again."
INVALID_DATE = "Enter a valid RCF3339 '#/declaration_date'."
BEFORE_START = "Enter a '#/declaration_date' that's on or after the milestone start."
AFTER_END = "Enter a '#/declaration_date' that's before the milestone end date."
NOT_IN_SCHEDULE = "The property '#/declaration_type' does not exist for this schedule."
SLOT_TAKEN = "A declaration has already been submitted that will be, or has been, paid for this event"
MENTOR_RETAINED = ("You cannot send retained or extended declarations for participants who began their mentor "
                   "training after June 2025. Resubmit this declaration with either a started or completed "
                   "declaration.")
COURSE = ("The entered '#/course_identifier' is not recognised for the given participant. "
          "Check details and try again.")
EVIDENCE_MISSING = "Enter a '#/evidence_held' value for this participant."
EVIDENCE_INVALID = "Enter an available '#/evidence_held' type for this participant's event and course."


def closed(cohort: int) -> str:
    return (f"You cannot submit or void declarations for the {cohort} cohort. The funding contract for this "
            "cohort has ended. Get in touch if you need to discuss this with us")


def withdrew(on: str) -> str:
    return (f"This participant withdrew from this course on {on}. "
            "Enter a '#/declaration_date' that's on or before the withdrawal date.")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def day(text: str) -> date:
    return date.fromisoformat(text)


# --- reference data (the shipped defaults, read with polars) ----------------------------------------

def _date_or_none(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


@pytest.fixture(scope="module")
def reference() -> tuple[dict[int, Cohort], dict[tuple[str, int], Schedule]]:
    cohorts: dict[int, Cohort] = {}
    for row in pl.read_csv(DEFAULTS / "cohorts.csv", infer_schema_length=0).iter_rows(named=True):
        cohorts[int(row["cohort"])] = Cohort(
            year=int(row["cohort"]),
            registration_start_on=_date_or_none(row["registration_start_on"]),
            academic_year_start_on=_date_or_none(row["academic_year_start_on"]),
            automatic_assignment_period_end_on=_date_or_none(row["automatic_assignment_period_end_on"]),
            payments_frozen_at=at(row["payments_frozen_at"]) if row["payments_frozen_at"] else None,
            mentor_funding=row["mentor_funding"] == "true",
            detailed_evidence_types=row["detailed_evidence_types"] == "true")
    schedules: dict[tuple[str, int], Schedule] = {}
    for row in pl.read_csv(DEFAULTS / "schedules.csv", infer_schema_length=0).iter_rows(named=True):
        key = (row["schedule_identifier"], int(row["cohort"]))
        schedule = schedules.setdefault(key, Schedule(key[0], key[1], row["schedule_name"], row["schedule_type"]))
        schedule.milestones[row["declaration_type"]] = Milestone(
            row["declaration_type"], date.fromisoformat(row["milestone_start_on"]),
            _date_or_none(row["milestone_end_on"]), _date_or_none(row["milestone_payment_on"]))
    return cohorts, schedules


def test_reference_fixture_reads_the_shipped_windows(reference):
    cohorts, schedules = reference
    started = schedules[("ecf-standard-september", 2024)].milestones["started"]
    assert (started.start_on, started.end_on) == (date(2024, 6, 1), date(2024, 12, 31))
    assert schedules[("ecf-standard-september", 2025)].milestones["retained-2"].end_on is None
    assert cohorts[2025].mentor_funding and cohorts[2025].detailed_evidence_types
    assert not cohorts[2024].mentor_funding and not cohorts[2024].detailed_evidence_types


# --- a literal world -------------------------------------------------------------------------------

class Builder:
    def __init__(self, reference):
        cohorts, schedules = reference
        self.world = World()
        self.world.cohorts = dict(cohorts)
        self.world.schedules = dict(schedules)
        for lp in (LP_A, LP_B, LP_C):
            self.world.add_lead_provider(LeadProvider(lp, f"Provider {lp}", lp.lower(), True))
            self.world.delivery_partners[f"DP-{lp}"] = DeliveryPartner(f"DP-{lp}", f"Partner {lp}", T0, T0)
        self.world.schools[SCHOOL] = School(SCHOOL, "100001", "School", True, False, None, None, None, T0, T0)
        self._records = 0
        self._states = 0

    def participant(self, user_id: str = USER, *, participant_type: str = ECT, cohort: int = 2024,
                    schedule: str = "ecf-standard-september", eligibility: str | None = "eligible",
                    trn: str | None = "1234567", external_identifier: str | None = None,
                    identity_id: str | None = None, profile_status: str = "active",
                    pupil_premium: bool = False, sparsity: bool = False) -> Profile:
        if user_id not in self.world.users:
            self.world.users[user_id] = User(user_id, "Teacher", f"{user_id}@example.com", T0, T0)
        identity_id = identity_id or f"identity-{user_id}"
        if identity_id not in self.world.identities:
            self.world.add_identity(Identity(identity_id, user_id, external_identifier or user_id,
                                             f"{user_id}@example.com", T0, T0))
        profile = Profile(
            profile_id=f"profile-{identity_id}-{participant_type}-{len(self.world.profiles)}",
            identity_id=identity_id, participant_type=participant_type, trn=trn, cohort=cohort,
            schedule_identifier=schedule, school_id=SCHOOL, eligibility_status=eligibility, eligibility_reason=None,
            profile_status=profile_status, induction_end_on=None, pupil_premium_uplift=pupil_premium,
            sparsity_uplift=sparsity, created_at=T0, updated_at=T0)
        self.world.add_profile(profile)
        return profile

    def _programme(self, lead_provider: str, cohort: int, challenged: bool) -> str:
        partnership_id = f"partnership-{lead_provider}-{cohort}{'-challenged' if challenged else ''}"
        if partnership_id not in self.world.partnerships:
            self.world.add_partnership(Partnership(
                partnership_id, lead_provider, f"DP-{lead_provider}", SCHOOL, cohort, False, False,
                T0 if challenged else None, "mistake" if challenged else None, T0, T0))
            self.world.add_programme(InductionProgramme(
                f"programme-{partnership_id}", SCHOOL, cohort, "full_induction_programme", partnership_id, T0))
        return f"programme-{partnership_id}"

    def record(self, profile: Profile, lead_provider: str, start: str, *, training_status: str = "active",
               schedule: str | None = None, schedule_cohort: int | None = None, end: str | None = None,
               mentor: Profile | None = None, challenged: bool = False) -> InductionRecord:
        self._records += 1
        record = InductionRecord(
            induction_record_id=f"record-{self._records}", profile_id=profile.profile_id,
            induction_programme_id=self._programme(lead_provider, profile.cohort, challenged),
            start_at=at(start), end_at=at(end) if end else None, induction_status="active",
            training_status=training_status, schedule_identifier=schedule or profile.schedule_identifier,
            schedule_cohort=schedule_cohort or profile.cohort, school_transfer=False,
            mentor_profile_id=mentor.profile_id if mentor else None, preferred_identity_id=None,
            created_at=at(start) + timedelta(microseconds=self._records), updated_at=at(start), source="registration")
        self.world.add_record(record)
        return record

    def state(self, profile: Profile, lead_provider: str, state: str, created_at: str) -> None:
        self.world.provider_states[(profile.profile_id, lead_provider)].append(
            ProviderParticipantState(profile.profile_id, lead_provider, state, None, at(created_at)))

    def statement(self, lead_provider: str, cohort: int, name: str, deadline: str, *, output_fee: bool = True,
                  status: str = "open") -> str:
        statement_id = f"statement-{lead_provider}-{cohort}-{name}"
        self.world.add_statement(Statement(
            statement_id, lead_provider, cohort, name, day(deadline), day(deadline) + timedelta(days=25),
            output_fee, status, "1.0", "1.0", 0, None, T0, T0))
        return statement_id

    def declaration(self, declaration_id: str, profile: Profile, lead_provider: str, declaration_type: str, *,
                    state: str, declaration_date: str = "2024-10-01T09:00:00Z", statement: str | None = None,
                    refund_statement: str | None = None, evidence: str | None = None,
                    delivery_partner_id: str | None = None, mentor_user_id: str | None = None,
                    created_at: str = "2024-10-01T10:00:00Z", superseded_by: str | None = None) -> Declaration:
        user_id = self.world.user_id_of_profile(profile.profile_id)
        declaration = Declaration(
            declaration_id=declaration_id, lead_provider_id=lead_provider, user_id=user_id,
            profile_id=profile.profile_id, participant_type=profile.participant_type,
            course_identifier=profile.course_identifier, declaration_type=declaration_type,
            declaration_date=at(declaration_date), declaration_date_text=declaration_date, cohort=profile.cohort,
            state=state, evidence_held=evidence, delivery_partner_id=delivery_partner_id,
            mentor_user_id=mentor_user_id, pupil_premium_uplift=False, sparsity_uplift=False,
            superseded_by_id=superseded_by, ineligible_reason=None, created_at=at(created_at),
            updated_at=at(created_at))
        self.world.add_declaration(declaration)
        if statement:
            line_state = "paid" if state in ("paid", "awaiting_clawback", "clawed_back") else state
            self.world.add_line_item(LineItem(declaration_id, statement, "billable", line_state, T0, T0))
        if refund_statement:
            self.world.add_line_item(LineItem(declaration_id, refund_statement, "refundable", "awaiting_clawback",
                                              T0, T0))
        return declaration


@pytest.fixture
def builder(reference) -> Builder:
    return Builder(reference)


def standard_2024(b: Builder, *, eligibility: str | None = "eligible", participant_type: str = ECT,
                  **participant) -> Profile:
    """§6's usual participant: 2024 `ecf-standard-september`, LP-A from 2024-09-01, LP-A's 2024 statements."""
    profile = b.participant(participant_type=participant_type, eligibility=eligibility, **participant)
    b.record(profile, LP_A, "2024-09-01T00:00:00Z")
    b.statement(LP_A, 2024, "November 2024", "2024-10-31", output_fee=False)
    b.statement(LP_A, 2024, "December 2024", "2024-11-30", output_fee=False)
    b.statement(LP_A, 2024, "January 2025", "2024-12-31")
    b.statement(LP_A, 2024, "February 2025", "2025-01-31", output_fee=False)
    b.statement(LP_A, 2024, "April 2025", "2025-03-31")
    return profile


def standard_2025(b: Builder, *, participant_type: str = ECT, eligibility: str = "eligible") -> Profile:
    profile = b.participant(participant_type=participant_type, cohort=2025, eligibility=eligibility)
    b.record(profile, LP_A, "2025-09-01T00:00:00Z")
    b.statement(LP_A, 2025, "December 2025", "2025-11-30", output_fee=False)
    b.statement(LP_A, 2025, "January 2026", "2025-12-31")
    return profile


OCT_15 = at("2024-10-15T12:00:00Z")
FEB_10 = at("2025-02-10T12:00:00Z")
NOV_10_2025 = at("2025-11-10T12:00:00Z")


def started(**overrides) -> dict:
    attributes = {"participant_id": USER, "declaration_type": "started",
                  "declaration_date": "2024-10-01T09:00:00Z", "course_identifier": "ecf-induction"}
    attributes.update(overrides)
    return {key: value for key, value in attributes.items() if value is not ABSENT}


ABSENT = object()


def post(b: Builder, attributes: dict, now: datetime = OCT_15, lead_provider: str = LP_A):
    return check_declaration(b.world, lead_provider, attributes, now)


def errors_of(result) -> list[tuple[str, str]]:
    assert isinstance(result, Response), f"expected an error response, got {result!r}"
    assert result.status == 422, result
    return [(error["title"], error["detail"]) for error in result.body["errors"]]


def accepted(result) -> DeclarationAccepted:
    assert isinstance(result, DeclarationAccepted), f"expected acceptance, got {result!r}"
    return result


# --- step 0 -----------------------------------------------------------------------------------------

def test_step_0_npq_course_halts_everything(builder):
    standard_2024(builder)
    result = post(builder, {"course_identifier": "npq-leading-teaching", "participant_id": "nobody",
                            "declaration_date": "not a date"})
    assert errors_of(result) == [("course_identifier", NPQ)]


def test_step_0_is_case_sensitive(builder):
    standard_2024(builder)
    result = post(builder, started(course_identifier="NPQ-leading-teaching"))
    assert errors_of(result) == [("course_identifier", COURSE)]


# --- step 1 -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("participant_id", [
    "00000000-0000-4000-8000-00000000dead", "", None, "not-a-uuid", 12345])
def test_step_1_unresolved_identity(builder, participant_id):
    standard_2024(builder)
    assert errors_of(post(builder, started(participant_id=participant_id))) == [("participant_id", NOT_RECOGNISED)]


def test_step_1_profile_id_does_not_resolve(builder):
    profile = standard_2024(builder)
    result = post(builder, started(participant_id=profile.profile_id))
    assert errors_of(result) == [("participant_id", NOT_RECOGNISED)]


def test_blank_body_gives_participant_date_type_in_that_order(builder):
    standard_2024(builder)
    assert errors_of(post(builder, {})) == [
        ("participant_id", NOT_RECOGNISED), ("declaration_date", DATE_MISSING), ("declaration_type", TYPE_MISSING)]


def test_missing_participant_id_only_reports_participant_id(builder):
    standard_2024(builder)
    assert errors_of(post(builder, started(participant_id=ABSENT))) == [("participant_id", NOT_RECOGNISED)]


def test_retired_id_resolves_through_external_identifier(builder):
    surviving, retired = "6f1d2c3a-0000-4000-8000-0000000000cc", "6f1d2c3a-0000-4000-8000-0000000000dd"
    standard_2024(builder, user_id=surviving, external_identifier=retired)
    result = accepted(post(builder, started(participant_id=retired)))
    assert result.user_id == surviving
    assert result.state == "eligible"
    assert result.statement_id == "statement-LP-A-2024-January 2025"


# --- step 2 (withdrawal) ------------------------------------------------------------------------------

def withdrawn_2024(b: Builder) -> Profile:
    profile = standard_2024(b)
    b.state(profile, LP_A, "withdrawn", "2024-10-01T10:00:00Z")
    b.record(profile, LP_A, "2024-10-01T10:00:00Z", training_status="withdrawn")
    return profile


def test_step_2_dated_after_the_withdrawal(builder):
    withdrawn_2024(builder)
    result = post(builder, started(declaration_date="2024-10-05T09:00:00Z"))
    assert errors_of(result) == [("participant_id", withdrew("2024-10-01T10:00:00Z"))]


def test_step_2_dated_exactly_at_the_withdrawal_is_rejected(builder):
    withdrawn_2024(builder)
    result = post(builder, started(declaration_date="2024-10-01T10:00:00Z"))
    assert errors_of(result) == [("participant_id", withdrew("2024-10-01T10:00:00Z"))]


def test_step_2_dated_strictly_before_the_withdrawal_is_accepted(builder):
    withdrawn_2024(builder)
    result = accepted(post(builder, started(declaration_date="2024-10-01T09:59:59.999999Z")))
    assert (result.state, result.statement_id) == ("eligible", "statement-LP-A-2024-January 2025")


def test_step_2_withdrawal_date_is_shown_without_fraction_in_utc(builder):
    profile = standard_2024(builder)
    builder.state(profile, LP_A, "withdrawn", "2024-10-01T10:00:00.654321Z")
    builder.record(profile, LP_A, "2024-10-01T10:00:00Z", training_status="withdrawn")
    result = post(builder, started(declaration_date="2024-10-05T09:00:00+02:00"))
    assert errors_of(result) == [("participant_id", withdrew("2024-10-01T10:00:00Z"))]


def test_step_2_resumed_after_withdrawal_is_not_checked(builder):
    profile = withdrawn_2024(builder)
    builder.state(profile, LP_A, "active", "2024-10-08T10:00:00Z")
    builder.record(profile, LP_A, "2024-10-08T10:00:00Z", training_status="active")
    result = accepted(post(builder, started(declaration_date="2024-10-05T09:00:00Z")))
    assert result.state == "eligible"


def test_step_2_deferred_never_blocks(builder):
    profile = standard_2024(builder)
    builder.state(profile, LP_A, "deferred", "2024-10-02T10:00:00Z")
    builder.record(profile, LP_A, "2024-10-02T10:00:00Z", training_status="deferred")
    assert accepted(post(builder, started(declaration_date="2024-10-05T09:00:00Z"))).state == "eligible"


def test_step_2_another_providers_withdrawal_does_not_block(builder):
    profile = standard_2024(builder)
    builder.state(profile, LP_B, "withdrawn", "2024-10-01T10:00:00Z")
    assert accepted(post(builder, started(declaration_date="2024-10-05T09:00:00Z"))).state == "eligible"


def test_step_2_active_record_at_the_declaration_date_lets_it_through(builder):
    # The latest record starting on/before the date is `active` (the withdrawn record starts later).
    profile = standard_2024(builder)
    builder.state(profile, LP_A, "withdrawn", "2024-10-01T10:00:00Z")
    builder.record(profile, LP_A, "2024-10-10T00:00:00Z", training_status="withdrawn")
    assert accepted(post(builder, started(declaration_date="2024-10-05T09:00:00Z"))).state == "eligible"


def test_step_2_no_record_starting_by_the_date_gives_the_withdrawal_error(builder):
    # Live: nil.training_status_active? → 500. Deliberate: the step-2 422.
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-10-20T00:00:00Z", training_status="withdrawn")
    builder.state(profile, LP_A, "withdrawn", "2024-10-01T10:00:00Z")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    result = post(builder, started(declaration_date="2024-10-05T09:00:00Z"))
    assert errors_of(result) == [("participant_id", withdrew("2024-10-01T10:00:00Z"))]


@pytest.mark.parametrize("declaration_date", [ABSENT, None, "", "2023-19-01T11:21:55Z", 20241005])
def test_step_2_with_a_blank_date_gives_the_live_400(builder, declaration_date):
    withdrawn_2024(builder)
    result = post(builder, started(declaration_date=declaration_date, participant_id=USER))
    detail = "comparison of ActiveSupport::TimeWithZone with nil failed"
    assert result == Response(400, {"errors": [{"title": "Bad request", "detail": detail}]})


def test_step_2_blank_date_without_withdrawal_is_a_plain_422(builder):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_date=ABSENT))) == [("declaration_date", DATE_MISSING)]


def test_step_0_still_wins_over_the_step_2_crash(builder):
    withdrawn_2024(builder)
    result = post(builder, started(declaration_date=ABSENT, course_identifier="npq-headship"))
    assert errors_of(result) == [("course_identifier", NPQ)]


# --- steps 3 to 6 -------------------------------------------------------------------------------------

@pytest.mark.parametrize("declaration_date", [ABSENT, None, "", "   ", False])
def test_step_3_blank_date(builder, declaration_date):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_date=declaration_date))) == [
        ("declaration_date", DATE_MISSING)]


@pytest.mark.parametrize("declaration_date", ["2023-19-01T11:21:55Z", "2024-10-32T09:00:00Z",
                                              "2024-10-01T09:60:00Z", "2024-10-01T25:00:00Z"])
def test_step_3_and_6_impossible_date_gives_both_messages_in_order(builder, declaration_date):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_date=declaration_date))) == [
        ("declaration_date", f"{DATE_MISSING}, {INVALID_DATE}")]


@pytest.mark.parametrize("declaration_date", [20241001, 1.5, True])
def test_step_3_and_6_non_string_date_is_blank_after_casting(builder, declaration_date):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_date=declaration_date))) == [
        ("declaration_date", f"{DATE_MISSING}, {INVALID_DATE}")]


@pytest.mark.parametrize("declaration_type", [ABSENT, None, "", " "])
def test_step_4_blank_type_with_a_profile_also_gets_step_9(builder, declaration_type):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_type=declaration_type))) == [
        ("declaration_type", f"{TYPE_MISSING}, {NOT_IN_SCHEDULE}")]


def test_step_4_blank_type_before_future_date_title_order(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_type=ABSENT, declaration_date="2024-10-16T00:00:00Z"))
    assert errors_of(result) == [("declaration_type", f"{TYPE_MISSING}, {NOT_IN_SCHEDULE}"),
                                 ("declaration_date", FUTURE)]


def test_step_4_blank_type_for_a_2025_mentor_adds_step_11(builder):
    standard_2025(builder, participant_type=MENTOR)
    result = post(builder, started(declaration_type=None, course_identifier="ecf-mentor",
                                   declaration_date="2025-11-01T09:00:00Z"), now=NOV_10_2025)
    assert errors_of(result) == [("declaration_type", f"{TYPE_MISSING}, {NOT_IN_SCHEDULE}, {MENTOR_RETAINED}")]


def test_step_5_future_date_by_one_microsecond(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_date="2024-10-15T12:00:00.000001Z"))
    assert errors_of(result) == [("declaration_date", FUTURE)]


def test_step_5_date_equal_to_now_is_not_future(builder):
    standard_2024(builder)
    assert accepted(post(builder, started(declaration_date="2024-10-15T12:00:00Z"))).state == "eligible"


def test_step_5_uses_the_given_now_not_the_wall_clock(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_date="2024-10-01T09:00:00Z"), now=at("2024-10-01T08:59:59Z"))
    assert errors_of(result) == [("declaration_date", FUTURE)]


def test_future_date_past_the_milestone_end_joins_two_messages(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_date="2025-02-01T00:00:00Z"))
    assert errors_of(result) == [("declaration_date", f"{FUTURE}, {AFTER_END}")]


@pytest.mark.parametrize("declaration_date", ["2024-10-01 09:00:00", "2024-10-01", "2024-10-01T09:00",
                                              "2024-10-01T09:00:00 Z", "2024-10-01  09:00:00+01:00"])
def test_step_6_not_rfc3339_but_castable_only_format_message(builder, declaration_date):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_date=declaration_date))) == [("declaration_date", INVALID_DATE)]


def test_step_6_non_rfc_date_still_gets_the_milestone_check(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_date="2024-05-31 23:00:00"))
    assert errors_of(result) == [("declaration_date", f"{INVALID_DATE}, {BEFORE_START}")]


def test_step_6_unreadable_text_counts_as_blank_too(builder):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_date="yesterday"))) == [
        ("declaration_date", f"{DATE_MISSING}, {INVALID_DATE}")]


@pytest.mark.parametrize("declaration_date, instant", [
    ("2024-10-01T09:00:00Z", "2024-10-01T09:00:00+00:00"),
    ("2024-10-01T09:00:00", "2024-10-01T09:00:00+00:00"),
    ("2024-10-01t09:00:00z", "2024-10-01T09:00:00+00:00"),
    ("2024-10-01T09:00:00+01", "2024-10-01T08:00:00+00:00"),
    ("2024-10-01T09:00:00+0130", "2024-10-01T07:30:00+00:00"),
    ("2024-10-01T09:00:00-01:30", "2024-10-01T10:30:00+00:00"),
    ("2024-10-01T09:00:00.5Z", "2024-10-01T09:00:00.500000+00:00"),
    ("2024-10-01T09:00:00,25Z", "2024-10-01T09:00:00.250000+00:00"),
    ("2024-10-01T09:00:00.1234567Z", "2024-10-01T09:00:00.123456+00:00"),
    ("2024-09-31T09:00:00Z", "2024-10-01T09:00:00+00:00"),  # Ruby Time.utc month-end normalisation
])
def test_rfc3339_forms_accepted_and_cast_to_utc(builder, declaration_date, instant):
    standard_2024(builder)
    result = accepted(post(builder, started(declaration_date=declaration_date)))
    assert result.declaration_date == datetime.fromisoformat(instant)
    assert result.declaration_date_text == declaration_date


def test_cast_declaration_date_blank_and_impossible_values():
    assert cast_declaration_date(None) is None
    assert cast_declaration_date("2024-13-01T00:00:00Z") is None
    assert cast_declaration_date("2024-02-30T00:00:00Z") == at("2024-03-01T00:00:00Z")  # leap year: 29 days
    assert cast_declaration_date("2024-10-01T24:00:00Z") == at("2024-10-02T00:00:00Z")
    assert cast_declaration_date("2024-10-01T24:00:01Z") is None


# --- step 7 (milestone window, §1.5) ----------------------------------------------------------------------

@pytest.mark.parametrize("declaration_date, expected", [
    ("2024-06-01T00:00:00Z", None),
    ("2024-05-31T23:59:59.999999Z", BEFORE_START),
    ("2024-06-01T00:30:00+01:00", BEFORE_START),
    ("2024-05-31T23:30:00-01:00", None),
])
def test_step_7_start_is_utc_midnight(builder, declaration_date, expected):
    standard_2024(builder)
    result = post(builder, started(declaration_date=declaration_date))
    if expected is None:
        assert accepted(result).state == "eligible"
    else:
        assert errors_of(result) == [("declaration_date", expected)]


@pytest.mark.parametrize("declaration_date, expected", [
    ("2024-12-31T23:59:59.999999Z", None),
    ("2025-01-01T00:00:00Z", AFTER_END),
    ("2024-12-31T23:30:00-01:00", AFTER_END),
    ("2025-01-01T00:30:00+01:00", None),
])
def test_step_7_end_is_the_last_microsecond_of_the_utc_day(builder, declaration_date, expected):
    standard_2024(builder)
    result = post(builder, started(declaration_date=declaration_date), now=at("2025-01-10T12:00:00Z"))
    if expected is None:
        assert accepted(result).state == "eligible"
    else:
        assert errors_of(result) == [("declaration_date", expected)]


def test_step_7_retained_one_second_before_start(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_type="retained-1", declaration_date="2024-12-31T23:59:59Z",
                                   evidence_held="training-event-attended"), now=at("2025-01-10T12:00:00Z"))
    assert errors_of(result) == [("declaration_date", BEFORE_START)]


def test_step_7_any_window_containing_the_date_is_fine_not_just_the_current_one(builder):
    standard_2024(builder)
    result = accepted(post(builder, started(declaration_date="2024-09-01T09:00:00Z"), now=FEB_10))
    assert result.statement_id == "statement-LP-A-2024-April 2025"


def test_step_7_open_ended_milestone_has_no_upper_bound(builder):
    # §6 #37: 2022 extended schedule, not fundable, closed cohort → submitted.
    profile = builder.participant(cohort=2022, schedule="ecf-extended-september", eligibility="manual_check")
    builder.record(profile, LP_A, "2022-09-01T00:00:00Z")
    builder.statement(LP_A, 2022, "August 2025", "2025-07-31")
    result = accepted(post(builder, started(declaration_type="extended-1", declaration_date="2025-08-15T09:00:00Z",
                                            evidence_held="training-event-attended"),
                           now=at("2025-09-10T12:00:00Z")))
    assert (result.state, result.statement_id, result.cohort) == ("submitted", None, 2022)


def test_step_7_open_ended_milestone_still_has_its_start(builder):
    profile = builder.participant(cohort=2022, schedule="ecf-extended-september", eligibility="manual_check")
    builder.record(profile, LP_A, "2022-09-01T00:00:00Z")
    result = post(builder, started(declaration_type="extended-1", declaration_date="2022-08-31T23:59:59Z",
                                   evidence_held="other"), now=at("2025-09-10T12:00:00Z"))
    assert errors_of(result) == [("declaration_date", BEFORE_START)]


# --- step 8 (statement availability, §1.2.1) ------------------------------------------------------------

def test_step_8_fundable_without_open_statement_only_the_cohort_error(builder):
    profile = builder.participant(cohort=2021)
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    builder.statement(LP_A, 2021, "August 2024", "2024-07-31")
    result = post(builder, started(declaration_date="2021-10-01T09:00:00Z"), now=at("2024-09-10T12:00:00Z"))
    assert errors_of(result) == [("cohort", closed(2021))]


def test_step_8_not_fundable_is_accepted_as_submitted_without_statement(builder):
    standard_2024(builder, eligibility="manual_check")
    builder.world.statements.clear()
    builder.world.statements_by_provider_cohort.clear()
    result = accepted(post(builder, started()))
    assert (result.state, result.statement_id) == ("submitted", None)


@pytest.mark.parametrize("eligibility", [None, "matched", "manual_check", "ineligible"])
def test_step_8_only_eligible_is_fundable(builder, eligibility):
    standard_2024(builder, eligibility=eligibility)
    result = accepted(post(builder, started()))
    assert (result.state, result.statement_id) == ("submitted", None)


def test_statement_choice_skips_service_fee_payable_and_past_deadlines(builder):
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z")
    builder.statement(LP_A, 2024, "October 2024", "2024-10-14")                      # deadline passed
    builder.statement(LP_A, 2024, "November 2024", "2024-10-31", output_fee=False)   # service fee only
    builder.statement(LP_A, 2024, "Early", "2024-11-15", status="payable")           # closed
    builder.statement(LP_A, 2024, "April 2025", "2025-03-31")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    builder.statement(LP_B, 2024, "Other provider", "2024-10-20")
    builder.statement(LP_A, 2023, "Other cohort", "2024-10-20")
    assert accepted(post(builder, started())).statement_id == "statement-LP-A-2024-January 2025"


def test_statement_deadline_today_still_counts(builder):
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z")
    builder.statement(LP_A, 2024, "Today", "2024-10-15")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    assert accepted(post(builder, started(), now=at("2024-10-15T23:59:59Z"))).statement_id == \
        "statement-LP-A-2024-Today"
    assert accepted(post(builder, started(), now=at("2024-10-16T00:00:00Z"))).statement_id == \
        "statement-LP-A-2024-January 2025"


def test_step_8_and_10_both_fire_for_a_fundable_participant_in_a_closed_cohort(builder):
    profile = builder.participant(cohort=2021)
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    builder.declaration("d-1", profile, LP_A, "started", state="paid", declaration_date="2021-10-01T09:00:00Z")
    result = post(builder, started(declaration_date="2021-10-02T09:00:00Z"), now=at("2024-09-10T12:00:00Z"))
    assert errors_of(result) == [("cohort", closed(2021)), ("base", SLOT_TAKEN)]


def test_step_8_skipped_when_an_identical_submitted_declaration_exists(builder):
    profile = builder.participant(cohort=2021)
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    builder.declaration("d-1", profile, LP_A, "started", state="submitted", declaration_date="2021-10-01T09:00:00Z",
                        delivery_partner_id="DP-LP-A")
    result = post(builder, started(declaration_date="2021-10-01T09:00:00Z"), now=at("2024-09-10T12:00:00Z"))
    assert errors_of(result) == [("base", SLOT_TAKEN)]


def test_step_8_runs_for_an_identical_billable_declaration_even_if_not_fundable(builder):
    profile = builder.participant(cohort=2021, eligibility="manual_check")
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    builder.declaration("d-1", profile, LP_A, "started", state="eligible", declaration_date="2021-10-01T09:00:00Z",
                        delivery_partner_id="DP-LP-A")
    result = post(builder, started(declaration_date="2021-10-01T09:00:00Z"), now=at("2024-09-10T12:00:00Z"))
    assert errors_of(result) == [("cohort", closed(2021)), ("base", SLOT_TAKEN)]


def test_step_8_identical_means_same_delivery_partner_too(builder):
    # A submitted declaration that differs only in delivery partner is not identical: not fundable → skip.
    profile = builder.participant(cohort=2021, eligibility="manual_check")
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    builder.declaration("d-1", profile, LP_A, "started", state="eligible", declaration_date="2021-10-01T09:00:00Z",
                        delivery_partner_id="DP-LP-B")
    result = post(builder, started(declaration_date="2021-10-01T09:00:00Z"), now=at("2024-09-10T12:00:00Z"))
    assert errors_of(result) == [("base", SLOT_TAKEN)]


def test_step_8_uses_the_profile_schedule_cohort(builder):
    profile = builder.participant(cohort=2023)
    builder.record(profile, LP_A, "2023-09-01T00:00:00Z")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    result = post(builder, started(declaration_date="2023-10-01T09:00:00Z"))
    assert errors_of(result) == [("cohort", closed(2023))]


# --- step 9 -------------------------------------------------------------------------------------------

def test_step_9_type_not_in_schedule(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_type="extended-1", evidence_held="training-event-attended"))
    assert errors_of(result) == [("declaration_type", NOT_IN_SCHEDULE)]


def test_step_9_2021_january_has_no_completed(builder):
    profile = builder.participant(cohort=2021, schedule="ecf-standard-january", eligibility="manual_check")
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    result = post(builder, started(declaration_type="completed", declaration_date="2023-06-01T09:00:00Z",
                                   evidence_held="other"), now=at("2024-01-01T00:00:00Z"))
    assert errors_of(result) == [("declaration_type", NOT_IN_SCHEDULE)]


def test_step_9_unknown_type_string(builder):
    standard_2024(builder)
    assert errors_of(post(builder, started(declaration_type="Started"))) == [("declaration_type", NOT_IN_SCHEDULE)]


# --- step 10 (slot) -----------------------------------------------------------------------------------

@pytest.mark.parametrize("state", ["submitted", "eligible", "payable", "paid"])
def test_step_10_live_declaration_holds_the_slot(builder, state):
    profile = standard_2024(builder)
    builder.declaration("d-1", profile, LP_A, "started", state=state)
    assert errors_of(post(builder, started(declaration_date="2024-10-02T09:00:00Z"))) == [("base", SLOT_TAKEN)]


@pytest.mark.parametrize("state", ["voided", "ineligible", "awaiting_clawback", "clawed_back"])
def test_step_10_other_states_do_not_block(builder, state):
    profile = standard_2024(builder)
    builder.declaration("d-1", profile, LP_A, "started", state=state)
    result = accepted(post(builder, started(declaration_date="2024-10-02T09:00:00Z")))
    assert (result.state, result.statement_id) == ("eligible", "statement-LP-A-2024-January 2025")


def test_identical_resubmission_is_not_idempotent(builder):
    profile = standard_2024(builder)
    builder.declaration("d-1", profile, LP_A, "started", state="eligible", delivery_partner_id="DP-LP-A")
    assert errors_of(post(builder, started())) == [("base", SLOT_TAKEN)]


def test_step_10_other_providers_participant_gets_the_duplicate_error_not_not_recognised(builder):
    profile = standard_2024(builder)
    builder.declaration("d-1", profile, LP_A, "started", state="eligible")
    builder.statement(LP_C, 2024, "January 2025", "2024-12-31")
    assert errors_of(post(builder, started(), lead_provider=LP_C)) == [("base", SLOT_TAKEN)]


def test_step_13_other_providers_participant_without_earlier_error(builder):
    standard_2024(builder)
    builder.statement(LP_C, 2024, "January 2025", "2024-12-31")
    assert errors_of(post(builder, started(), lead_provider=LP_C)) == [("participant_id", NOT_RECOGNISED)]


def test_step_10_slot_is_per_course(builder):
    profile = standard_2024(builder)
    mentor_profile = builder.participant(participant_type=MENTOR)
    builder.declaration("d-1", mentor_profile, LP_A, "started", state="paid")
    assert profile.participant_type == ECT
    assert accepted(post(builder, started())).state == "eligible"


def test_step_10_slot_spans_profiles_and_cohorts_of_the_same_user(builder):
    old_profile = builder.participant(cohort=2023, profile_status="withdrawn")
    standard_2024(builder)
    builder.declaration("d-1", old_profile, LP_B, "started", state="submitted",
                        declaration_date="2023-10-01T09:00:00Z")
    assert errors_of(post(builder, started())) == [("base", SLOT_TAKEN)]


def test_after_transfer_new_provider_cannot_declare_old_providers_milestone(builder):
    profile = standard_2024(builder)
    builder.record(profile, LP_B, "2024-10-10T00:00:00Z")
    builder.statement(LP_B, 2024, "January 2025", "2024-12-31")
    builder.declaration("d-1", profile, LP_A, "started", state="submitted")
    result = post(builder, started(declaration_date="2024-10-12T09:00:00Z"), lead_provider=LP_B)
    assert errors_of(result) == [("base", SLOT_TAKEN)]


def test_after_transfer_new_provider_declares_next_milestone_on_its_own_statement(builder):
    profile = standard_2024(builder)
    builder.record(profile, LP_B, "2024-10-10T00:00:00Z")
    builder.statement(LP_B, 2024, "April 2025", "2025-03-31")
    builder.declaration("d-1", profile, LP_A, "started", state="paid")
    result = accepted(post(builder, started(declaration_type="retained-1", declaration_date="2025-02-01T09:00:00Z",
                                            evidence_held="training-event-attended"), now=FEB_10, lead_provider=LP_B))
    assert (result.state, result.statement_id, result.delivery_partner_id) == (
        "eligible", "statement-LP-B-2024-April 2025", "DP-LP-B")


def test_old_provider_keeps_the_right_to_declare_after_a_transfer(builder):
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z", end="2024-10-10T00:00:00Z", training_status="withdrawn")
    builder.record(profile, LP_B, "2024-10-10T00:00:00Z")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    result = accepted(post(builder, started(declaration_date="2024-10-12T09:00:00Z")))
    assert (result.state, result.delivery_partner_id) == ("eligible", "DP-LP-A")


# --- step 11 ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("declaration_type", ["retained-1", "retained-4", "extended-1"])
def test_step_11_2025_mentor_retained_or_extended(builder, declaration_type):
    standard_2025(builder, participant_type=MENTOR)
    result = post(builder, started(declaration_type=declaration_type, course_identifier="ecf-mentor",
                                   declaration_date="2025-11-01T09:00:00Z", evidence_held="other"),
                  now=NOV_10_2025)
    expected = f"{NOT_IN_SCHEDULE}, {MENTOR_RETAINED}" if declaration_type == "extended-1" else MENTOR_RETAINED
    assert errors_of(result) == [("declaration_type", expected)]


def test_step_11_2025_mentor_started_is_fine(builder):
    standard_2025(builder, participant_type=MENTOR)
    result = accepted(post(builder, started(course_identifier="ecf-mentor", declaration_date="2025-11-01T09:00:00Z"),
                           now=NOV_10_2025))
    assert (result.state, result.statement_id) == ("eligible", "statement-LP-A-2025-January 2026")


def test_step_11_does_not_apply_to_2024_mentors(builder):
    standard_2024(builder, participant_type=MENTOR)
    result = accepted(post(builder, started(declaration_type="retained-1", declaration_date="2025-02-01T09:00:00Z",
                                            course_identifier="ecf-mentor", evidence_held="other"), now=FEB_10))
    assert (result.state, result.statement_id, result.evidence_held) == (
        "eligible", "statement-LP-A-2024-April 2025", "other")


def test_step_11_does_not_apply_to_2025_ects(builder):
    standard_2025(builder)
    result = accepted(post(builder, started(declaration_type="retained-1", declaration_date="2025-11-01T09:00:00Z",
                                            evidence_held="other"), now=NOV_10_2025))
    assert result.state == "eligible"


# --- step 12 and 13 (gated) -------------------------------------------------------------------------------

def test_step_12_ect_declared_with_mentor_course(builder):
    standard_2024(builder)
    assert errors_of(post(builder, started(course_identifier="ecf-mentor"))) == [("course_identifier", COURSE)]


@pytest.mark.parametrize("course", [ABSENT, None, "", "ecf-unknown", 5])
def test_step_12_missing_or_unknown_course(builder, course):
    standard_2024(builder)
    assert errors_of(post(builder, started(course_identifier=course))) == [("course_identifier", COURSE)]


def test_step_12_is_gated_by_earlier_errors(builder):
    standard_2024(builder)
    result = post(builder, started(course_identifier="ecf-mentor", declaration_date="2024-10-16T09:00:00Z"))
    assert errors_of(result) == [("declaration_date", FUTURE)]


def test_step_12_ignores_withdrawn_record_profiles(builder):
    standard_2024(builder, profile_status="withdrawn")
    assert errors_of(post(builder, started())) == [("course_identifier", COURSE)]


def test_step_13a_profile_not_resolved_but_user_has_an_active_one(builder):
    # The first identity holding an ECT profile has only a withdrawn-record one; another identity of
    # the same user has the active profile: step 12 passes, step 13a fails.
    builder.participant(identity_id="identity-old", profile_status="withdrawn")
    profile = builder.participant(identity_id="identity-new")
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    assert errors_of(post(builder, started())) == [("participant_id", NOT_RECOGNISED)]


def test_step_13b_record_on_another_schedule_does_not_give_the_right_to_declare(builder):
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z", schedule="ecf-extended-september")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    assert errors_of(post(builder, started())) == [("participant_id", NOT_RECOGNISED)]


def test_step_13b_record_on_the_same_identifier_of_another_cohort_does_not_count(builder):
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z", schedule_cohort=2023)
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    assert errors_of(post(builder, started())) == [("participant_id", NOT_RECOGNISED)]


def test_step_13b_challenged_partnership_still_declares(builder):
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z", challenged=True)
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    assert accepted(post(builder, started())).state == "eligible"


def test_step_13b_is_gated(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_date="2024-05-01T09:00:00Z"), lead_provider=LP_C)
    # LP-C has no statement (fundable → step 8) and the date is before the start; 13b must not appear.
    assert errors_of(result) == [("declaration_date", BEFORE_START), ("cohort", closed(2024))]


# --- step 14 (evidence, §1.4) --------------------------------------------------------------------------------

PRE_2025_TYPES = {"retained-1": ("2025-02-01T09:00:00Z", FEB_10), "retained-2": ("2025-04-01T09:00:00Z", None),
                  "completed": ("2026-04-01T09:00:00Z", None)}


@pytest.mark.parametrize("participant_type, course", [(ECT, "ecf-induction"), (MENTOR, "ecf-mentor")])
@pytest.mark.parametrize("evidence, expected", [
    (ABSENT, EVIDENCE_MISSING), (None, EVIDENCE_MISSING), ("", EVIDENCE_MISSING), ("  ", EVIDENCE_MISSING),
    ("training-event-attended", None), ("self-study-material-completed", None), ("other", None),
    ("materials-engaged-with-offline", EVIDENCE_INVALID), ("75-percent-engagement-met", EVIDENCE_INVALID),
    ("Other", EVIDENCE_INVALID), (1, EVIDENCE_INVALID),
])
def test_step_14_pre_2025_retained(builder, participant_type, course, evidence, expected):
    standard_2024(builder, participant_type=participant_type)
    result = post(builder, started(declaration_type="retained-1", declaration_date="2025-02-01T09:00:00Z",
                                   course_identifier=course, evidence_held=evidence), now=FEB_10)
    if expected is None:
        assert accepted(result).evidence_held == evidence
    else:
        assert errors_of(result) == [("evidence_held", expected)]


def test_step_14_pre_2025_completed_needs_evidence(builder):
    standard_2024(builder)
    builder.statement(LP_A, 2024, "August 2026", "2026-07-31")
    now = at("2026-04-10T12:00:00Z")
    result = post(builder, started(declaration_type="completed", declaration_date="2026-04-01T09:00:00Z"), now=now)
    assert errors_of(result) == [("evidence_held", EVIDENCE_MISSING)]
    ok = accepted(post(builder, started(declaration_type="completed", declaration_date="2026-04-01T09:00:00Z",
                                        evidence_held="self-study-material-completed"), now=now))
    assert ok.statement_id == "statement-LP-A-2024-August 2026"


@pytest.mark.parametrize("evidence", [ABSENT, None, "anything", "other", 7])
def test_step_14_pre_2025_started_evidence_is_discarded(builder, evidence):
    standard_2024(builder)
    result = accepted(post(builder, started(evidence_held=evidence)))
    assert (result.state, result.evidence_held, result.statement_id) == (
        "eligible", None, "statement-LP-A-2024-January 2025")


ECT_2025 = [
    ("started", ABSENT, None), ("started", "", None), ("started", "materials-engaged-with-offline", None),
    ("started", "anything", EVIDENCE_INVALID), ("started", "75-percent-engagement-met", EVIDENCE_INVALID),
    ("retained-1", ABSENT, EVIDENCE_MISSING), ("retained-1", "other", None),
    ("retained-1", "materials-engaged-with-offline", None),
    ("retained-2", "training-event-attended", EVIDENCE_INVALID), ("retained-2", None, EVIDENCE_MISSING),
    ("retained-2", "75-percent-engagement-met", None),
    ("retained-2", "75-percent-engagement-met-reduced-induction", None),
    ("retained-2", "one-term-induction", EVIDENCE_INVALID),
    ("retained-3", "self-study-material-completed", None), ("retained-4", "other", None),
    ("completed", "one-term-induction", None), ("completed", "75-percent-engagement-met", None),
    ("completed", "other", EVIDENCE_INVALID), ("completed", "", EVIDENCE_MISSING),
]


@pytest.mark.parametrize("declaration_type, evidence, expected", ECT_2025)
def test_step_14_2025_ect(builder, declaration_type, evidence, expected):
    standard_2025(builder)
    result = post(builder, started(declaration_type=declaration_type, declaration_date="2025-11-01T09:00:00Z",
                                   evidence_held=evidence), now=NOV_10_2025)
    if expected is None:
        result = accepted(result)
        assert result.evidence_held == (None if evidence is ABSENT else evidence)
        assert result.statement_id == "statement-LP-A-2025-January 2026"
    else:
        assert errors_of(result) == [("evidence_held", expected)]


@pytest.mark.parametrize("declaration_type, schedule, evidence, expected", [
    ("extended-2", "ecf-extended-september", "training-event-attended", None),
    ("extended-3", "ecf-extended-september", "75-percent-engagement-met", EVIDENCE_INVALID),
    ("extended-1", "ecf-extended-september", None, EVIDENCE_MISSING),
])
def test_step_14_2025_ect_extended(builder, declaration_type, schedule, evidence, expected):
    profile = builder.participant(cohort=2025, schedule=schedule)
    builder.record(profile, LP_A, "2025-09-01T00:00:00Z")
    builder.statement(LP_A, 2025, "January 2026", "2025-12-31")
    result = post(builder, started(declaration_type=declaration_type, declaration_date="2025-11-01T09:00:00Z",
                                   evidence_held=evidence), now=NOV_10_2025)
    if expected is None:
        assert accepted(result).evidence_held == evidence
    else:
        assert errors_of(result) == [("evidence_held", expected)]


@pytest.mark.parametrize("declaration_type, evidence, expected", [
    ("started", ABSENT, None), ("started", "other", None), ("started", "materials-engaged-with-offline", None),
    ("started", "75-percent-engagement-met", EVIDENCE_INVALID), ("started", "x", EVIDENCE_INVALID),
    ("completed", ABSENT, EVIDENCE_MISSING), ("completed", "75-percent-engagement-met", None),
    ("completed", "75-percent-engagement-met-reduced-induction", None),
    ("completed", "one-term-induction", EVIDENCE_INVALID), ("completed", "other", EVIDENCE_INVALID),
])
def test_step_14_2025_mentor(builder, declaration_type, evidence, expected):
    standard_2025(builder, participant_type=MENTOR)
    result = post(builder, started(declaration_type=declaration_type, declaration_date="2025-11-01T09:00:00Z",
                                   course_identifier="ecf-mentor", evidence_held=evidence), now=NOV_10_2025)
    if expected is None:
        assert accepted(result).evidence_held == (None if evidence is ABSENT else evidence)
    else:
        assert errors_of(result) == [("evidence_held", expected)]


def test_step_14_is_gated(builder):
    standard_2024(builder)
    result = post(builder, started(declaration_type="retained-1", declaration_date="2025-02-11T09:00:00Z"),
                  now=FEB_10)
    assert errors_of(result) == [("declaration_date", FUTURE)]


def test_step_14_is_gated_by_step_13(builder):
    standard_2024(builder)
    builder.statement(LP_C, 2024, "April 2025", "2025-03-31")
    result = post(builder, started(declaration_type="retained-1", declaration_date="2025-02-01T09:00:00Z"),
                  now=FEB_10, lead_provider=LP_C)
    assert errors_of(result) == [("participant_id", NOT_RECOGNISED)]


# --- what a success stores (§1.6) ---------------------------------------------------------------------------

def test_success_fields_for_an_ect(builder):
    mentor = builder.participant(MENTOR_USER, participant_type=MENTOR, trn="7654321")
    profile = builder.participant(pupil_premium=True, sparsity=False)
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z", mentor=mentor)
    builder.record(profile, LP_A, "2024-10-10T00:00:00Z")  # later record, no mentor: not by the date
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    result = accepted(post(builder, started(declaration_date="2024-10-01T10:00:00+01:00", evidence_held="x")))
    assert result == DeclarationAccepted(
        user_id=USER, profile=profile, declaration_type="started",
        declaration_date=at("2024-10-01T09:00:00Z"), declaration_date_text="2024-10-01T10:00:00+01:00",
        course_identifier="ecf-induction", evidence_held=None, cohort=2024, state="eligible", superseded_by_id=None,
        statement_id="statement-LP-A-2024-January 2025", delivery_partner_id="DP-LP-A", mentor_user_id=MENTOR_USER,
        pupil_premium_uplift=True, sparsity_uplift=False)


def test_success_delivery_partner_and_mentor_come_from_the_record_starting_by_the_date(builder):
    mentor = builder.participant(MENTOR_USER, participant_type=MENTOR, trn="7654321")
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z")
    builder.record(profile, LP_A, "2024-10-10T00:00:00Z", mentor=mentor)
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    early = accepted(post(builder, started(declaration_date="2024-10-01T09:00:00Z")))
    assert early.mentor_user_id is None
    late = accepted(post(builder, started(declaration_date="2024-10-12T09:00:00Z")))
    assert (late.mentor_user_id, late.delivery_partner_id) == (MENTOR_USER, "DP-LP-A")


def test_success_mentor_declaration_has_no_mentor(builder):
    mentor_of_mentor = builder.participant(MENTOR_USER, participant_type=MENTOR, trn="7654321")
    profile = builder.participant(participant_type=MENTOR, sparsity=True)
    builder.record(profile, LP_A, "2024-09-01T00:00:00Z", mentor=mentor_of_mentor)
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    result = accepted(post(builder, started(course_identifier="ecf-mentor")))
    assert (result.mentor_user_id, result.sparsity_uplift, result.course_identifier) == (None, True, "ecf-mentor")


def test_success_no_record_by_the_date_leaves_partner_null(builder):
    # The right to declare (13b) does not depend on dates; the delivery partner does.
    profile = builder.participant()
    builder.record(profile, LP_A, "2024-10-10T00:00:00Z")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    result = accepted(post(builder, started(declaration_date="2024-10-01T09:00:00Z")))
    assert (result.state, result.delivery_partner_id) == ("eligible", None)


def test_success_does_not_change_the_world(builder):
    standard_2024(builder)
    before = (dict(builder.world.declarations), {k: list(v) for k, v in builder.world.line_items.items()})
    accepted(post(builder, started()))
    assert (dict(builder.world.declarations), {k: list(v) for k, v in builder.world.line_items.items()}) == before


# --- TRN duplicates (§1.3) ------------------------------------------------------------------------------------

def trn_world(b: Builder, *, eligibility: str = "eligible") -> Profile:
    profile = standard_2024(b, eligibility=eligibility)
    b.participant(OTHER_USER, trn="1234567")
    return profile


def test_trn_duplicate_is_ineligible_and_superseded(builder):
    trn_world(builder)
    other = builder.world.profiles_of_user(OTHER_USER)[0]
    builder.declaration("d-9", other, LP_B, "started", state="paid", declaration_date="2024-09-05T09:00:00Z")
    result = accepted(post(builder, started()))
    assert (result.state, result.superseded_by_id, result.statement_id) == (
        "ineligible", "d-9", "statement-LP-A-2024-January 2025")


def test_trn_duplicate_picks_the_oldest_live_unsuperseded(builder):
    trn_world(builder)
    other = builder.world.profiles_of_user(OTHER_USER)[0]
    third = builder.participant("6f1d2c3a-0000-4000-8000-0000000000cc", trn="1234567")
    builder.declaration("d-new", other, LP_B, "started", state="eligible", created_at="2024-09-20T00:00:00Z")
    builder.declaration("d-old", third, LP_C, "started", state="submitted", created_at="2024-09-10T00:00:00Z")
    builder.declaration("d-older-but-superseded", third, LP_C, "started", state="ineligible",
                        created_at="2024-09-01T00:00:00Z", superseded_by="d-x")
    assert accepted(post(builder, started())).superseded_by_id == "d-old"


@pytest.mark.parametrize("state, declaration_type", [
    ("voided", "started"), ("awaiting_clawback", "started"), ("clawed_back", "started"), ("paid", "retained-1")])
def test_trn_duplicate_needs_a_live_declaration_of_the_same_type(builder, state, declaration_type):
    trn_world(builder)
    other = builder.world.profiles_of_user(OTHER_USER)[0]
    builder.declaration("d-9", other, LP_B, declaration_type, state=state)
    result = accepted(post(builder, started()))
    assert (result.state, result.superseded_by_id) == ("eligible", None)


def test_trn_duplicate_ignores_other_courses(builder):
    trn_world(builder)
    other_mentor = builder.participant(OTHER_USER, participant_type=MENTOR, trn="1234567")
    builder.declaration("d-9", other_mentor, LP_B, "started", state="paid")
    assert accepted(post(builder, started())).superseded_by_id is None


def test_trn_duplicate_needs_a_trn(builder):
    standard_2024(builder, trn=None)
    other = builder.participant(OTHER_USER, trn=None)
    builder.declaration("d-9", other, LP_B, "started", state="paid")
    assert accepted(post(builder, started())).state == "eligible"


def test_trn_duplicate_of_a_non_fundable_participant_goes_on_the_statement(builder):
    trn_world(builder, eligibility="manual_check")
    other = builder.world.profiles_of_user(OTHER_USER)[0]
    builder.declaration("d-9", other, LP_B, "started", state="paid")
    result = accepted(post(builder, started()))
    assert (result.state, result.statement_id) == ("ineligible", "statement-LP-A-2024-January 2025")


def test_trn_duplicate_without_statement_gives_the_cohort_error(builder):
    # Live: 500 while attaching the ineligible line item. Deliberate: 422 cohort.
    profile = builder.participant(cohort=2021, eligibility="manual_check")
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    other = builder.participant(OTHER_USER, cohort=2021, trn="1234567")
    builder.declaration("d-9", other, LP_B, "started", state="paid", declaration_date="2021-10-01T09:00:00Z")
    result = post(builder, started(declaration_date="2021-10-02T09:00:00Z"), now=at("2024-09-10T12:00:00Z"))
    assert errors_of(result) == [("cohort", closed(2021))]


# --- void (§2.1) ----------------------------------------------------------------------------------------------

def void(b: Builder, declaration_id: str = "d-1", now: datetime = OCT_15, lead_provider: str = LP_A):
    return check_void(b.world, lead_provider, declaration_id, now)


def invalid_action(result) -> str:
    assert isinstance(result, Response) and result.status == 422, result
    [error] = result.body["errors"]
    assert error["title"] == "Invalid action"
    return error["detail"]


@pytest.mark.parametrize("state", ["submitted", "eligible", "payable", "ineligible"])
def test_void_voidable_states(builder, state):
    profile = standard_2024(builder)
    declaration = builder.declaration("d-1", profile, LP_A, "started", state=state)
    assert void(builder) == VoidAccepted(declaration, None, "voided")


def test_void_non_paid_in_a_closed_cohort_works(builder):
    profile = builder.participant(cohort=2021)
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    declaration = builder.declaration("d-1", profile, LP_A, "started", state="eligible")
    assert void(builder, now=at("2024-09-10T12:00:00Z")) == VoidAccepted(declaration, None, "voided")


def test_void_paid_goes_to_awaiting_clawback_on_the_next_output_fee_statement(builder):
    profile = standard_2024(builder)
    builder.world.statements["statement-LP-A-2024-January 2025"].status = "paid"
    declaration = builder.declaration("d-1", profile, LP_A, "started", state="paid",
                                      statement="statement-LP-A-2024-January 2025")
    result = void(builder, now=FEB_10)
    assert result == VoidAccepted(declaration, "statement-LP-A-2024-April 2025", "awaiting_clawback")


def test_void_paid_without_open_statement(builder):
    profile = builder.participant(cohort=2021)
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    builder.declaration("d-1", profile, LP_A, "started", state="paid")
    assert invalid_action(void(builder, now=at("2024-09-10T12:00:00Z"))) == (
        "Participant declaration You cannot submit or void declarations for the 2021 cohort. The funding contract "
        "for this cohort has ended. Get in touch if you need to discuss this with us")


def test_void_paid_clawback_uses_the_declarations_cohort_not_another(builder):
    profile = builder.participant(cohort=2021)
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    builder.statement(LP_A, 2024, "January 2025", "2024-12-31")
    builder.declaration("d-1", profile, LP_A, "started", state="paid")
    assert invalid_action(void(builder, now=at("2024-09-10T12:00:00Z"))).startswith(
        "Participant declaration You cannot submit or void declarations for the 2021 cohort.")


def test_void_paid_with_a_refundable_item_and_no_statement_joins_both_messages(builder):
    profile = builder.participant(cohort=2021)
    builder.record(profile, LP_A, "2021-09-01T00:00:00Z")
    old = builder.statement(LP_A, 2021, "August 2024", "2024-07-31", status="paid")
    builder.declaration("d-1", profile, LP_A, "started", state="paid", refund_statement=old)
    assert invalid_action(void(builder, now=at("2024-09-10T12:00:00Z"))) == (
        "Participant declaration will or has been be refunded, Participant declaration You cannot submit or void "
        "declarations for the 2021 cohort. The funding contract for this cohort has ended. Get in touch if you "
        "need to discuss this with us")


def test_void_paid_with_a_refundable_item(builder):
    profile = standard_2024(builder)
    builder.declaration("d-1", profile, LP_A, "started", state="paid",
                        refund_statement="statement-LP-A-2024-April 2025")
    assert invalid_action(void(builder, now=FEB_10)) == "Participant declaration will or has been be refunded"


def test_void_already_voided(builder):
    profile = standard_2024(builder)
    builder.declaration("d-1", profile, LP_A, "started", state="voided")
    assert invalid_action(void(builder)) == "This declaration has already been voided."


@pytest.mark.parametrize("state", ["awaiting_clawback", "clawed_back"])
def test_void_clawed_back_can_only_be_viewed(builder, state):
    profile = standard_2024(builder)
    builder.declaration("d-1", profile, LP_A, "started", state=state)
    assert invalid_action(void(builder, now=FEB_10)) == (
        "This declaration has been clawed-back, so you can only view it.")


def test_void_another_providers_declaration_is_not_found(builder):
    profile = standard_2024(builder)
    builder.record(profile, LP_B, "2024-10-10T00:00:00Z")
    builder.declaration("d-1", profile, LP_A, "started", state="eligible")
    assert void(builder, lead_provider=LP_B) == Response(404, {"error": "Resource not Found"})


@pytest.mark.parametrize("declaration_id", ["d-unknown", "", None])
def test_void_unknown_declaration_is_not_found(builder, declaration_id):
    standard_2024(builder)
    assert void(builder, declaration_id=declaration_id) == Response(404, {"error": "Resource not Found"})
