"""Participant actions (declarations.md §4.2–§4.4), partnership checks and the partnership report
(partnerships-and-finance.md §1.2–§1.6), on small literal worlds."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from pipelines.calculate.partnership_report import is_active_record, report_partnership
from pipelines.validate.envelope import Response
from pipelines.validate.participant_action_rules import (
    ActionAccepted, ScheduleChangeAccepted, check_change_schedule, check_defer, check_resume, check_withdraw,
)
from pipelines.validate.partnership_rules import (
    PartnershipCreateAccepted, PartnershipUpdateAccepted, check_partnership_create, check_partnership_update,
    rails_integer, rails_uuid,
)
from pipelines.world.model import (
    Cohort, Declaration, DeliveryPartner, Identity, InductionProgramme, InductionRecord, LeadProvider, Milestone,
    Partnership, Profile, Schedule, School, SchoolCohort, User,
)
from pipelines.world.world import World

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


LP_A = "aaaaaaaa-0000-4000-8000-00000000000a"
LP_B = "bbbbbbbb-0000-4000-8000-00000000000b"
DP_1 = "d0000001-0000-4000-8000-000000000001"
DP_2 = "d0000002-0000-4000-8000-000000000002"
DP_3 = "d0000003-0000-4000-8000-000000000003"
SCHOOL = "5c000001-0000-4000-8000-000000000001"
OTHER_SCHOOL = "5c000002-0000-4000-8000-000000000002"
USER = "6f1d2c3a-0000-4000-8000-000000000001"
UNKNOWN_USER = "00000000-0000-4000-8000-00000000dead"
PROFILE = "9f000001-0000-4000-8000-000000000001"
PARTNERSHIP_A = "9a000001-0000-4000-8000-000000000001"
PROGRAMME_A = "1a000001-0000-4000-8000-000000000001"
RECORD_1 = "7e000001-0000-4000-8000-000000000001"
T0 = at("2024-01-01T00:00:00Z")

NOT_RECOGNISED = ("Your update cannot be made as the '#/participant_id' is not recognised. "
                  "Check participant details and try again.")
COURSE_NOT_RECOGNISED = ("The entered '#/course_identifier' is not recognised for the given participant. "
                         "Check details and try again.")
COURSE_MISSING = "Enter a '#/course_identifier' value for this participant."
REASON_MISSING = "The property '#/reason' must be present"
REASON_INVALID = "The property '#/reason' must be a valid reason"
DP_MISSING = "Enter a '#/delivery_partner_id'."
DP_INVALID = "The '#/delivery_partner_id' you have entered is invalid. Check delivery partner details and try again."
DP_NO_RELATIONSHIP = ("The entered delivery partner is not recognised to be working in partnership with you for the "
                      "given cohort. Contact the DfE for more information.")

STANDARD_TYPES = ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed")
EXTENDED_TYPES = STANDARD_TYPES + ("extended-1", "extended-2", "extended-3")


# ---------------------------------------------------------------------------- literal worlds
def windowed(identifier: str, cohort: int, kind: str, rows: list[tuple[str, str, str | None]]) -> Schedule:
    return Schedule(identifier, cohort, identifier, kind, {
        t: Milestone(t, date.fromisoformat(s), date.fromisoformat(e) if e else None) for t, s, e in rows})


def open_ended(identifier: str, cohort: int, kind: str, start: str, types=STANDARD_TYPES) -> Schedule:
    return windowed(identifier, cohort, kind, [(t, start, None) for t in types])


def base_world() -> World:
    """Cohorts 2021–2025 (2021 frozen 2024-04-03), a few schedules (declarations.md §3.3), two
    providers, three delivery partners, one eligible school."""
    world = World()
    for year, frozen in ((2021, at("2024-04-03T00:00:00Z")), (2022, None), (2023, None), (2024, None), (2025, None)):
        world.cohorts[year] = Cohort(year, date(year, 5, 10), date(year, 9, 1), date(year + 1, 3, 31), frozen,
                                     year >= 2025, year >= 2025)
    schedules = [
        windowed("ecf-standard-september", 2024, "ecf_standard", [
            ("started", "2024-06-01", "2024-12-31"), ("retained-1", "2025-01-01", "2025-03-31"),
            ("retained-2", "2025-04-01", "2025-07-31"), ("retained-3", "2025-08-01", "2025-12-31"),
            ("retained-4", "2026-01-01", "2026-03-31"), ("completed", "2026-04-01", "2026-07-31")]),
        windowed("ecf-standard-january", 2024, "ecf_standard", [
            ("started", "2025-01-01", "2025-03-31"), ("retained-1", "2025-04-01", "2025-07-31"),
            ("retained-2", "2025-08-01", "2025-12-31"), ("retained-3", "2026-01-01", "2026-03-31"),
            ("retained-4", "2026-04-01", "2026-07-31"), ("completed", "2026-08-01", "2026-12-31")]),
        open_ended("ecf-extended-september", 2024, "ecf_extended", "2024-09-01", EXTENDED_TYPES),
        open_ended("ecf-replacement-september", 2024, "ecf_replacement", "2024-09-01"),
        open_ended("ecf-standard-september", 2025, "ecf_standard", "2025-07-01"),
        windowed("ecf-standard-september", 2021, "ecf_standard", [
            ("started", "2021-09-01", "2021-11-30"), ("retained-1", "2021-09-01", "2022-01-31"),
            ("retained-2", "2022-02-01", "2022-04-30"), ("retained-3", "2022-05-01", "2022-09-30"),
            ("retained-4", "2022-10-01", "2023-01-31"), ("completed", "2023-02-01", "2023-04-30")]),
    ]
    for schedule in schedules:
        world.schedules[(schedule.identifier, schedule.cohort)] = schedule
    world.add_lead_provider(LeadProvider(LP_A, "Alder Learning", "alder", True))
    world.add_lead_provider(LeadProvider(LP_B, "Birch Institute", "birch", False))
    for dp in (DP_1, DP_2, DP_3):
        world.delivery_partners[dp] = DeliveryPartner(dp, f"Partner {dp[7]}", T0, T0)
    for school_id, urn in ((SCHOOL, "100001"), (OTHER_SCHOOL, "100002")):
        world.schools[school_id] = School(school_id, urn, f"School {urn}", True, False, "1", "Jane Smith",
                                          "jane@example.org", T0, T0)
    return world


def add_partnership(world: World, partnership_id: str, lead_provider_id: str = LP_A, delivery_partner_id: str = DP_1,
                    school_id: str = SCHOOL, cohort: int = 2024, *, relationship: bool = False, pending: bool = False,
                    challenged: bool = False, created_at: datetime = T0) -> Partnership:
    partnership = Partnership(partnership_id, lead_provider_id, delivery_partner_id, school_id, cohort, relationship,
                              pending, T0 if challenged else None, "mistake" if challenged else None,
                              created_at, created_at)
    world.add_partnership(partnership)
    return partnership


def add_programme(world: World, programme_id: str, partnership_id: str | None, school_id: str = SCHOOL,
                  cohort: int = 2024, training_programme: str = "full_induction_programme",
                  default: bool = False) -> InductionProgramme:
    programme = InductionProgramme(programme_id, school_id, cohort, training_programme, partnership_id, T0)
    world.add_programme(programme)
    school_cohort = world.school_cohorts.setdefault(
        (school_id, cohort), SchoolCohort(school_id, cohort, "full_induction_programme", None, T0, T0))
    if default:
        school_cohort.default_induction_programme_id = programme_id
        school_cohort.induction_programme_choice = training_programme
    return programme


def add_record(world: World, record_id: str, programme_id: str, *, profile_id: str = PROFILE,
               start: str = "2024-09-01T00:00:00Z", end: str | None = None, training_status: str = "active",
               induction_status: str = "active", schedule: str = "ecf-standard-september", schedule_cohort: int = 2024,
               school_transfer: bool = False) -> InductionRecord:
    record = InductionRecord(record_id, profile_id, programme_id, at(start), at(end) if end else None,
                             induction_status, training_status, schedule, schedule_cohort, school_transfer, None,
                             None, at(start), at(start), "registration", placement_id=f"placement-{record_id}")
    world.add_record(record)
    return record


def add_participant(world: World, user_id: str = USER, profile_id: str = PROFILE, participant_type: str = "ect",
                    cohort: int = 2024, schedule: str = "ecf-standard-september", school_id: str = SCHOOL) -> Profile:
    world.users[user_id] = User(user_id, "Pat Example", f"{user_id[:8]}@example.org", T0, T0)
    identity_id = f"1d{user_id[2:]}"
    world.add_identity(Identity(identity_id, user_id, user_id, f"{user_id[:8]}@example.org", T0, T0))
    profile = Profile(profile_id, identity_id, participant_type, "1234567", cohort, schedule, school_id, "eligible",
                      None, "active", None, False, False, T0, T0)
    world.add_profile(profile)
    return profile


def add_declaration(world: World, declaration_id: str, declaration_type: str, declaration_date: str, state: str,
                    *, cohort: int = 2024, profile_id: str = PROFILE, user_id: str = USER,
                    course: str = "ecf-induction") -> Declaration:
    when = at(declaration_date)
    declaration = Declaration(declaration_id, LP_A, user_id, profile_id, "ect", course, declaration_type, when,
                              declaration_date, cohort, state, None, DP_1, None, False, False, None, None, when, when)
    world.add_declaration(declaration)
    return declaration


def participant_world(training_status: str = "active", *, cohort: int = 2024,
                      schedule: str = "ecf-standard-september", challenged: bool = False) -> World:
    """The cases' standard setup: an ECT of LP-A's partnership with the school (declaration_cases.json)."""
    world = base_world()
    world.provider_relationships.update({(LP_A, DP_1, 2024), (LP_A, DP_1, 2025), (LP_A, DP_1, 2021)})
    add_partnership(world, PARTNERSHIP_A, cohort=cohort, challenged=challenged)
    add_programme(world, PROGRAMME_A, PARTNERSHIP_A, cohort=cohort, default=True)
    add_participant(world, cohort=cohort, schedule=schedule)
    add_record(world, RECORD_1, PROGRAMME_A, training_status=training_status, schedule=schedule,
               schedule_cohort=cohort)
    return world


def errors_of(result) -> list[dict]:
    assert isinstance(result, Response), result
    assert result.status == 422, result
    return result.body["errors"]


def one_error(title: str, detail: str) -> list[dict]:
    return [{"title": title, "detail": detail}]


NOW = at("2024-12-01T12:00:00Z")
ECT = {"course_identifier": "ecf-induction"}


# ============================================================================ withdraw / defer / resume
class TestWithdraw:
    def test_accepted_with_the_new_reason_when_the_flag_is_on(self):
        world = participant_world()
        result = check_withdraw(world, LP_A, USER, {**ECT, "reason": "switched-to-school-led"}, NOW)
        assert isinstance(result, ActionAccepted)
        assert (result.user_id, result.profile.profile_id, result.record.induction_record_id) == (
            USER, PROFILE, RECORD_1)
        assert (result.new_training_status, result.reason) == ("withdrawn", "switched-to-school-led")

    def test_retired_reason_rejected_when_the_flag_is_on(self):  # declaration case 56
        world = participant_world()
        world.feature_flags["programme_type_changes_2025"] = True
        result = check_withdraw(world, LP_A, USER, {**ECT, "reason": "school-left-fip"}, NOW)
        assert errors_of(result) == one_error("reason", REASON_INVALID)

    def test_flag_off_accepts_the_old_reason_and_refuses_the_new(self):
        world = participant_world()
        world.feature_flags["programme_type_changes_2025"] = False
        assert isinstance(check_withdraw(world, LP_A, USER, {**ECT, "reason": "school-left-fip"}, NOW), ActionAccepted)
        result = check_withdraw(world, LP_A, USER, {**ECT, "reason": "switched-to-school-led"}, NOW)
        assert errors_of(result) == one_error("reason", REASON_INVALID)

    @pytest.mark.parametrize("reason", ["left-teaching-profession", "moved-school", "mentor-no-longer-being-mentor",
                                        "other"])
    def test_every_other_reason_accepted(self, reason):
        assert isinstance(check_withdraw(participant_world(), LP_A, USER, {**ECT, "reason": reason}, NOW),
                          ActionAccepted)

    def test_missing_reason_gets_both_messages(self):
        result = check_withdraw(participant_world(), LP_A, USER, ECT, NOW)
        assert errors_of(result) == one_error("reason", f"{REASON_MISSING}, {REASON_INVALID}")

    def test_unknown_participant_without_course_reason_not_checked(self):
        result = check_withdraw(participant_world(), LP_A, UNKNOWN_USER, {}, NOW)
        assert errors_of(result) == [{"title": "participant_id", "detail": NOT_RECOGNISED},
                                     {"title": "course_identifier", "detail": COURSE_MISSING}]

    def test_missing_course_gets_both_course_messages(self):
        result = check_withdraw(participant_world(), LP_A, USER, {"reason": "other"}, NOW)
        assert errors_of(result) == one_error("course_identifier", f"{COURSE_NOT_RECOGNISED}, {COURSE_MISSING}")

    def test_empty_course_is_missing(self):
        result = check_withdraw(participant_world(), LP_A, USER, {"course_identifier": "", "reason": "other"}, NOW)
        assert errors_of(result) == one_error("course_identifier", f"{COURSE_NOT_RECOGNISED}, {COURSE_MISSING}")

    def test_wrong_course_only_the_course_error(self):
        result = check_withdraw(participant_world(), LP_A, USER, {"course_identifier": "ecf-mentor"}, NOW)
        assert errors_of(result) == one_error("course_identifier", COURSE_NOT_RECOGNISED)

    def test_provider_without_a_record_gets_not_recognised_then_reason(self):
        result = check_withdraw(participant_world(), LP_B, USER, {**ECT, "reason": "bogus"}, NOW)
        assert errors_of(result) == [{"title": "participant_id", "detail": NOT_RECOGNISED},
                                     {"title": "reason", "detail": REASON_INVALID}]

    def test_already_withdrawn(self):
        result = check_withdraw(participant_world("withdrawn"), LP_A, USER, {**ECT, "reason": "other"}, NOW)
        assert errors_of(result) == one_error("participant_profile", "The participant is already withdrawn")

    def test_works_from_deferred(self):
        assert isinstance(check_withdraw(participant_world("deferred"), LP_A, USER, {**ECT, "reason": "other"}, NOW),
                          ActionAccepted)

    def test_challenged_partnership_record_still_counts(self):
        world = participant_world(challenged=True)
        assert isinstance(check_withdraw(world, LP_A, USER, {**ECT, "reason": "other"}, NOW), ActionAccepted)

    def test_latest_provider_record_decides(self):
        world = participant_world()
        world.records[RECORD_1].end_at = at("2024-10-01T10:00:00Z")
        world.records[RECORD_1].induction_status = "changed"
        add_record(world, "7e000002-0000-4000-8000-000000000002", PROGRAMME_A, start="2024-10-01T10:00:00Z",
                   training_status="withdrawn")
        result = check_withdraw(world, LP_A, USER, {**ECT, "reason": "other"}, NOW)
        assert errors_of(result) == one_error("participant_profile", "The participant is already withdrawn")


class TestDefer:
    def test_accepted(self):
        result = check_defer(participant_world(), LP_A, USER, {**ECT, "reason": "career-break"}, NOW)
        assert isinstance(result, ActionAccepted)
        assert (result.new_training_status, result.reason) == ("deferred", "career-break")

    @pytest.mark.parametrize("reason", ["bereavement", "long-term-sickness", "parental-leave", "career-break", "other"])
    def test_every_deferral_reason(self, reason):
        assert isinstance(check_defer(participant_world(), LP_A, USER, {**ECT, "reason": reason}, NOW), ActionAccepted)

    def test_withdrawn_participant(self):  # declaration case 58
        result = check_defer(participant_world("withdrawn"), LP_A, USER, {**ECT, "reason": "career-break"}, NOW)
        assert errors_of(result) == one_error("participant_profile", "The participant is already withdrawn")

    def test_already_deferred(self):
        result = check_defer(participant_world("deferred"), LP_A, USER, {**ECT, "reason": "career-break"}, NOW)
        assert errors_of(result) == one_error("participant_profile", "The participant is already deferred")

    def test_reason_always_checked(self):
        result = check_defer(participant_world(), LP_A, UNKNOWN_USER, ECT, NOW)
        assert errors_of(result) == [{"title": "participant_id", "detail": NOT_RECOGNISED},
                                     {"title": "reason", "detail": f"{REASON_MISSING}, {REASON_INVALID}"}]

    def test_withdrawal_reason_is_not_a_deferral_reason(self):
        result = check_defer(participant_world(), LP_A, USER, {**ECT, "reason": "moved-school"}, NOW)
        assert errors_of(result) == one_error("reason", REASON_INVALID)


class TestResume:
    def test_withdrawn_participant_can_be_resumed(self):  # declaration case 59
        result = check_resume(participant_world("withdrawn"), LP_A, USER, ECT, NOW)
        assert isinstance(result, ActionAccepted)
        assert (result.new_training_status, result.reason) == ("active", None)

    def test_deferred_participant_can_be_resumed(self):
        assert isinstance(check_resume(participant_world("deferred"), LP_A, USER, ECT, NOW), ActionAccepted)

    def test_already_active(self):
        result = check_resume(participant_world(), LP_A, USER, ECT, NOW)
        assert errors_of(result) == one_error("participant_profile", "The participant is already active")

    def test_unknown_participant(self):
        result = check_resume(participant_world(), LP_A, UNKNOWN_USER, ECT, NOW)
        assert errors_of(result) == one_error("participant_id", NOT_RECOGNISED)


# ============================================================================ change schedule
SCHEDULE_MISSING = "The property '#/schedule_identifier' must be present and correspond to a valid schedule"
INVALIDATES = "Changing schedule would invalidate existing declarations. Please void them first."
ALREADY_ON_PROFILE = "Selected schedule is already on the profile"
INVALID_FOR_COURSE = "Selected schedule is not valid for the course"
CANNOT_CHANGE_COHORT = "You cannot change the '#/cohort' field"
NO_PARTNERSHIP = ("You cannot change a participant to this cohort as you do not have a partnership with the school "
                  "for the cohort. Contact the DfE for assistance.")


def change(world: World, now: datetime = NOW, lead_provider_id: str = LP_A, participant_id: str = USER, **attributes):
    return check_change_schedule(world, lead_provider_id, participant_id, {**ECT, **attributes}, now)


class TestChangeSchedule:
    def test_accepted_within_the_cohort(self):
        world = participant_world()
        result = change(world, schedule_identifier="ecf-standard-january")
        assert isinstance(result, ScheduleChangeAccepted)
        assert (result.schedule.identifier, result.cohort, result.cohort_changes) == (
            "ecf-standard-january", 2024, False)
        assert (result.record.induction_record_id, result.school_id, result.induction_programme_id) == (
            RECORD_1, SCHOOL, PROGRAMME_A)
        assert (result.frozen_cohort_move, result.cohort_changed_after_payments_frozen) == (False, False)

    def test_schedule_already_held(self):  # declaration case 52
        result = change(participant_world(), schedule_identifier="ecf-standard-september")
        assert errors_of(result) == one_error("schedule_identifier", ALREADY_ON_PROFILE)

    def test_same_schedule_allowed_when_the_record_has_another(self):
        world = participant_world()
        world.records[RECORD_1].schedule_identifier = "ecf-standard-january"
        assert isinstance(change(world, schedule_identifier="ecf-standard-september"), ScheduleChangeAccepted)

    def test_ect_onto_replacement_schedule(self):  # declaration case 53
        result = change(participant_world(), schedule_identifier="ecf-replacement-september")
        assert errors_of(result) == one_error("schedule_identifier", INVALID_FOR_COURSE)

    def test_new_cohort_while_declarations_exist(self):  # declaration case 55
        world = participant_world()
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", cohort=2025)
        add_programme(world, "1a000002-0000-4000-8000-000000000002", "9a000002-0000-4000-8000-000000000002",
                      cohort=2025, default=True)
        add_declaration(world, "dd000001-0000-4000-8000-000000000001", "started", "2024-10-01T09:00:00Z", "eligible")
        result = change(world, at("2025-09-10T12:00:00Z"), schedule_identifier="ecf-standard-september", cohort="2025")
        assert errors_of(result) == [{"title": "schedule_identifier", "detail": INVALIDATES},
                                     {"title": "cohort", "detail": CANNOT_CHANGE_COHORT}]

    def test_new_cohort_without_declarations_is_accepted(self):
        world = participant_world()
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", cohort=2025)
        add_programme(world, "1a000002-0000-4000-8000-000000000002", "9a000002-0000-4000-8000-000000000002",
                      cohort=2025, default=True)
        result = change(world, at("2025-09-10T12:00:00Z"), schedule_identifier="ecf-standard-september", cohort=2025)
        assert isinstance(result, ScheduleChangeAccepted)
        assert (result.cohort, result.cohort_changes, result.induction_programme_id) == (
            2025, True, "1a000002-0000-4000-8000-000000000002")

    def test_blank_schedule_identifier(self):
        result = change(participant_world(), schedule_identifier="  ")
        assert errors_of(result) == one_error("schedule_identifier", SCHEDULE_MISSING)

    def test_unknown_schedule_identifier_fails_on_save(self):
        result = change(participant_world(), schedule_identifier="ecf-standard-june")
        assert result == Response(422, {"errors": [{"title": "Invalid action",
                                                    "detail": "Validation failed: Schedule must exist"}]})

    def test_withdrawn_participant(self):
        result = change(participant_world("withdrawn"), schedule_identifier="ecf-standard-january")
        assert errors_of(result) == one_error("participant_id", "Cannot perform actions on a withdrawn participant")

    def test_missing_milestone_for_an_existing_declaration_is_a_404(self):
        world = participant_world(schedule="ecf-extended-september")
        add_declaration(world, "dd000001-0000-4000-8000-000000000001", "extended-1", "2024-10-01T09:00:00Z", "paid")
        result = change(world, schedule_identifier="ecf-standard-september")
        assert result == Response(404, {"error": "Resource not Found"})

    def test_404_wins_over_other_errors(self):
        world = participant_world("withdrawn", schedule="ecf-extended-september")
        add_declaration(world, "dd000001-0000-4000-8000-000000000001", "extended-1", "2024-10-01T09:00:00Z", "paid")
        assert change(world, schedule_identifier="ecf-standard-september").status == 404

    def test_voided_declarations_do_not_count(self):
        world = participant_world(schedule="ecf-extended-september")
        add_declaration(world, "dd000001-0000-4000-8000-000000000001", "extended-1", "2024-10-01T09:00:00Z", "voided")
        assert isinstance(change(world, schedule_identifier="ecf-standard-september"), ScheduleChangeAccepted)

    @pytest.mark.parametrize("declared_at, fits", [
        ("2025-01-01T00:00:00Z", False),  # exactly at the new start midnight: `<=` blocks
        ("2025-01-01T00:00:00.000001Z", True),
        ("2025-03-31T23:59:59.999999Z", True),  # the last microsecond of the milestone day
        ("2025-04-01T00:00:00Z", False),
    ])
    def test_milestone_window_quirk(self, declared_at, fits):
        world = participant_world(schedule="ecf-extended-september")
        add_declaration(world, "dd000001-0000-4000-8000-000000000001", "retained-1", declared_at, "submitted")
        result = change(world, at("2025-06-01T12:00:00Z"), schedule_identifier="ecf-standard-september")
        if fits:
            assert isinstance(result, ScheduleChangeAccepted)
        else:
            assert errors_of(result) == one_error("schedule_identifier", INVALIDATES)

    def test_cohort_lock_reads_the_records_schedule_cohort(self):
        world = participant_world()
        world.records[RECORD_1].schedule_cohort = 2025
        add_declaration(world, "dd000001-0000-4000-8000-000000000001", "started", "2024-10-01T09:00:00Z", "eligible")
        result = change(world, schedule_identifier="ecf-extended-september", cohort="2024")
        assert errors_of(result) == one_error("cohort", CANNOT_CHANGE_COHORT)

    def test_no_partnership_for_the_target_cohort(self):
        result = change(participant_world(), at("2025-09-10T12:00:00Z"), schedule_identifier="ecf-standard-september",
                        cohort="2025")
        assert errors_of(result) == one_error("cohort", NO_PARTNERSHIP)

    @pytest.mark.parametrize("flags", [{"challenged": True}, {"pending": True}, {"lead_provider_id": LP_B}])
    def test_challenged_pending_or_other_provider_partnership_does_not_count(self, flags):
        world = participant_world()
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", cohort=2025, **flags)
        result = change(world, at("2025-09-10T12:00:00Z"), schedule_identifier="ecf-standard-september", cohort="2025")
        assert errors_of(result) == one_error("cohort", NO_PARTNERSHIP)

    def test_relationship_partnership_counts_only_for_an_identifier_change(self):
        world = participant_world()
        world.partnerships[PARTNERSHIP_A].relationship = True
        result = change(world, schedule_identifier="ecf-standard-january")
        assert isinstance(result, ScheduleChangeAccepted)
        assert result.induction_programme_id == PROGRAMME_A  # the record's own programme
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", cohort=2025, relationship=True)
        moved = change(world, at("2025-09-10T12:00:00Z"), schedule_identifier="ecf-standard-september", cohort="2025")
        assert errors_of(moved) == one_error("cohort", NO_PARTNERSHIP)

    def test_within_the_cohort_the_record_keeps_its_programme(self):
        world = participant_world()
        add_programme(world, "1a000009-0000-4000-8000-000000000009", PARTNERSHIP_A)  # not the default
        world.records[RECORD_1].induction_programme_id = "1a000009-0000-4000-8000-000000000009"
        world.add_record(world.records[RECORD_1])
        world.school_cohorts[(SCHOOL, 2024)].default_induction_programme_id = None
        result = change(world, schedule_identifier="ecf-standard-january")
        assert result.induction_programme_id == "1a000009-0000-4000-8000-000000000009"

    def test_default_cohort_is_the_records_school_cohort(self):
        world = participant_world()
        world.programmes[PROGRAMME_A].cohort = 2025  # record's programme belongs to the 2025 school cohort
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", cohort=2025)
        add_programme(world, "1a000002-0000-4000-8000-000000000002", "9a000002-0000-4000-8000-000000000002",
                      cohort=2025, default=True)
        result = change(world, schedule_identifier="ecf-standard-september")
        assert (result.cohort, result.cohort_changes) == (2025, True)

    @pytest.mark.parametrize("cohort", ["abc", "2030", False, 0])
    def test_cohort_that_names_no_cohort(self, cohort):
        result = change(participant_world(), schedule_identifier="ecf-standard-january", cohort=cohort)
        assert errors_of(result) == one_error("cohort", NO_PARTNERSHIP)

    @pytest.mark.parametrize("cohort", ["2024", " 2024", "2024/25", 2024, 2024.7, "", None])
    def test_cohort_cast_as_rails_integer(self, cohort):
        result = change(participant_world(), schedule_identifier="ecf-standard-january", cohort=cohort)
        assert isinstance(result, ScheduleChangeAccepted) and result.cohort == 2024

    def test_missing_course_and_the_current_cohort_default(self):
        """No course: no profile, so the default cohort is `Cohort.current` (2024 on 2024-12-01) and the
        live `PERMITTED_COURSE_IDENTIFIERS.include?(nil)` fails too."""
        result = check_change_schedule(participant_world(), LP_A, USER, {"schedule_identifier": "ecf-standard-january"},
                                       NOW)
        assert errors_of(result) == [
            {"title": "course_identifier", "detail": f"{COURSE_NOT_RECOGNISED}, {COURSE_MISSING}"},
            {"title": "schedule_identifier", "detail": INVALID_FOR_COURSE}]

    def test_unknown_participant(self):
        result = change(participant_world(), participant_id=UNKNOWN_USER, schedule_identifier="")
        assert errors_of(result) == [{"title": "participant_id", "detail": NOT_RECOGNISED},
                                     {"title": "schedule_identifier", "detail": SCHEDULE_MISSING}]

    def test_provider_without_a_record(self):
        result = change(participant_world(), lead_provider_id=LP_B, schedule_identifier="ecf-standard-january")
        assert errors_of(result) == [{"title": "participant_id", "detail": NOT_RECOGNISED},
                                     {"title": "cohort", "detail": NO_PARTNERSHIP}]

    def moving_to_2025(self) -> World:
        world = participant_world()
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", cohort=2025)
        add_programme(world, "1a000002-0000-4000-8000-000000000002", "9a000002-0000-4000-8000-000000000002",
                      cohort=2025, default=True)
        return world

    def test_cohort_change_needs_a_default_programme(self):
        world = self.moving_to_2025()
        world.school_cohorts[(SCHOOL, 2025)].default_induction_programme_id = None
        result = change(world, at("2025-09-10T12:00:00Z"), schedule_identifier="ecf-standard-september", cohort=2025)
        assert result == Response(422, {"errors": [{"title": "Invalid action",
                                                    "detail": "Validation failed: Induction programme must exist"}]})

    def test_cohort_change_needs_the_target_school_cohort(self):
        world = self.moving_to_2025()
        del world.school_cohorts[(SCHOOL, 2025)]
        result = change(world, at("2025-09-10T12:00:00Z"), schedule_identifier="ecf-standard-september", cohort=2025)
        assert result == Response(422, {"errors": [{"title": "Invalid action",
                                                    "detail": "Validation failed: School cohort must exist"}]})


class TestFrozenCohortMoves:
    NOW = at("2025-06-01T12:00:00Z")

    def frozen_world(self) -> World:
        """A 2021 ECT with a paid `started`; 2021 payments frozen; LP-A partnered for 2021 and 2024."""
        world = participant_world(cohort=2021)
        add_partnership(world, "9a000024-0000-4000-8000-000000000024", cohort=2024)
        add_programme(world, "1a000024-0000-4000-8000-000000000024", "9a000024-0000-4000-8000-000000000024",
                      cohort=2024, default=True)
        add_declaration(world, "dd000001-0000-4000-8000-000000000001", "started", "2021-10-01T09:00:00Z", "paid",
                        cohort=2021)
        return world

    def test_unfinished_ect_moves_to_2024(self):
        result = change(self.frozen_world(), self.NOW, schedule_identifier="ecf-extended-september", cohort="2024")
        assert isinstance(result, ScheduleChangeAccepted)
        assert (result.cohort, result.cohort_changes, result.frozen_cohort_move) == (2024, True, True)
        assert result.cohort_changed_after_payments_frozen is True

    def test_billable_completed_blocks_the_move(self):
        world = self.frozen_world()
        add_declaration(world, "dd000002-0000-4000-8000-000000000002", "completed", "2023-03-01T09:00:00Z", "paid",
                        cohort=2021)
        result = change(world, self.NOW, schedule_identifier="ecf-extended-september", cohort="2024")
        assert errors_of(result) == [{"title": "schedule_identifier", "detail": INVALIDATES},
                                     {"title": "cohort", "detail": CANNOT_CHANGE_COHORT}]

    def test_completed_induction_blocks_the_move(self):
        world = self.frozen_world()
        world.profiles[PROFILE].induction_end_on = date(2024, 7, 1)
        result = change(world, self.NOW, schedule_identifier="ecf-extended-september", cohort="2024")
        assert [e["title"] for e in errors_of(result)] == ["schedule_identifier", "cohort"]

    def test_only_to_2024(self):
        world = self.frozen_world()
        add_partnership(world, "9a000025-0000-4000-8000-000000000025", cohort=2025)
        add_programme(world, "1a000025-0000-4000-8000-000000000025", "9a000025-0000-4000-8000-000000000025",
                      cohort=2025, default=True)
        result = change(world, self.NOW, schedule_identifier="ecf-standard-september", cohort="2025")
        assert errors_of(result) == [{"title": "schedule_identifier", "detail": INVALIDATES},
                                     {"title": "cohort", "detail": CANNOT_CHANGE_COHORT}]

    def test_unfrozen_cohort_cannot_move(self):
        world = self.frozen_world()
        world.cohorts[2021].payments_frozen_at = None
        result = change(world, self.NOW, schedule_identifier="ecf-extended-september", cohort="2024")
        assert [e["title"] for e in errors_of(result)] == ["schedule_identifier", "cohort"]

    def moved_world(self) -> World:
        """The same ECT after the move: on 2024 extended, flagged, the 2021 declarations kept."""
        world = self.frozen_world()
        profile = world.profiles[PROFILE]
        profile.cohort, profile.schedule_identifier = 2024, "ecf-extended-september"
        profile.cohort_changed_after_payments_frozen = True
        add_record(world, "7e000024-0000-4000-8000-000000000024", "1a000024-0000-4000-8000-000000000024",
                   start="2025-01-01T00:00:00Z", schedule="ecf-extended-september", schedule_cohort=2024)
        world.records[RECORD_1].end_at = at("2025-01-01T00:00:00Z")
        return world

    def test_moved_participant_frozen_declarations_are_not_checked(self):
        result = change(self.moved_world(), self.NOW, schedule_identifier="ecf-standard-january")
        assert isinstance(result, ScheduleChangeAccepted) and result.frozen_cohort_move is False

    def test_without_the_flag_the_frozen_declaration_blocks(self):
        world = self.moved_world()
        world.profiles[PROFILE].cohort_changed_after_payments_frozen = False
        result = change(world, self.NOW, schedule_identifier="ecf-standard-january")
        assert errors_of(result) == one_error("schedule_identifier", INVALIDATES)

    def test_moving_back_to_the_frozen_original(self):
        result = change(self.moved_world(), self.NOW, schedule_identifier="ecf-standard-september", cohort="2021")
        assert isinstance(result, ScheduleChangeAccepted)
        assert (result.cohort, result.frozen_cohort_move, result.cohort_changed_after_payments_frozen) == (
            2021, True, False)

    def test_moving_back_needs_the_flag(self):
        world = self.moved_world()
        world.profiles[PROFILE].cohort_changed_after_payments_frozen = False
        result = change(world, self.NOW, schedule_identifier="ecf-standard-september", cohort="2021")
        assert errors_of(result) == one_error("cohort", CANNOT_CHANGE_COHORT)

    def test_moving_back_refused_with_declarations_in_the_current_cohort(self):
        world = self.moved_world()
        add_declaration(world, "dd000003-0000-4000-8000-000000000003", "retained-1", "2025-02-01T09:00:00Z",
                        "eligible", cohort=2024)
        result = change(world, self.NOW, schedule_identifier="ecf-standard-september", cohort="2021")
        assert errors_of(result) == [{"title": "schedule_identifier", "detail": INVALIDATES},
                                     {"title": "cohort", "detail": CANNOT_CHANGE_COHORT}]


# ============================================================================ partnerships: casting
@pytest.mark.parametrize("value, expected", [
    ("2024", 2024), (" 2024", 2024), ("+2024", 2024), ("2024/25", 2024), ("20_24", 2024), ("-3", -3),
    ("abc", 0), ("", None), ("   ", None), (None, None), (True, 1), (False, 0), (2024, 2024), (2024.9, 2024),
    (float("nan"), None),
])
def test_rails_integer(value, expected):
    assert rails_integer(value) == expected


@pytest.mark.parametrize("value, expected", [
    (SCHOOL, SCHOOL), (SCHOOL.upper(), SCHOOL), ("{" + SCHOOL + "}", SCHOOL), (SCHOOL.replace("-", ""), SCHOOL),
    ("{" + SCHOOL, None), ("123456", None), (SCHOOL + "0", None), (12, None), (None, None),
])
def test_rails_uuid(value, expected):
    assert rails_uuid(value) == expected


# ============================================================================ partnerships: POST
COHORT_MISSING = "Enter a '#/cohort'."
SCHOOL_MISSING = "Enter a '#/school_id'."
COHORT_INVALID = "The '#/cohort' you have entered is invalid. Check cohort details and try again."
SCHOOL_INVALID = ("The '#/school_id' you have entered is invalid. Check school details and try again. Contact the DfE "
                  "for support if you are unable to find the '#/school_id'.")
CIP_ONLY = ("The school you have entered has not registered to deliver DfE-funded training. Contact the school for "
            "more information.")
INELIGIBLE = ("The school you have entered is currently ineligible for DfE funding. Contact the school for more "
              "information.")
ALREADY_PARTNERED = "You are already in a confirmed partnership with this school for the entered cohort."
OTHER_PROVIDER = ("Another provider is in a confirmed partnership with the school for the cohort you entered. Contact "
                  "the school for more information.")
NOT_CONFIRMED = ("The school you have entered has not yet confirmed they will deliver DfE-funded training. Contact the "
                 "school for more information.")
CHALLENGED = ("Your update cannot be made as this partnership has been challenged by the school. If this partnership "
              "has been challenged in error, submit a new partnership confirmation using the endpoint "
              "POST /api/v3/partnerships/ecf.")
RELATIONSHIP_EXISTS = ("We are unable to process this request. You are already confirmed to be in partnership with "
                       "the entered delivery partner. Contact the DfE for support.")


def partnership_world() -> World:
    world = base_world()
    world.provider_relationships.update({(LP_A, DP_1, 2024), (LP_A, DP_2, 2024), (LP_B, DP_1, 2024),
                                         (LP_A, DP_1, 2023)})
    return world


def create(world: World, lead_provider_id: str = LP_A, **attributes):
    body = {"cohort": "2024", "school_id": SCHOOL, "delivery_partner_id": DP_1}
    body.update(attributes)
    return check_partnership_create(world, lead_provider_id, {k: v for k, v in body.items() if v is not ...})


class TestPartnershipCreate:
    def test_accepted_with_canonical_values(self):
        result = create(partnership_world(), school_id=SCHOOL.upper(), delivery_partner_id="{" + DP_1 + "}",
                        cohort="2024/25")
        assert result == PartnershipCreateAccepted(LP_A, SCHOOL, 2024, DP_1)

    def test_integer_cohort(self):
        assert create(partnership_world(), cohort=2024) == PartnershipCreateAccepted(LP_A, SCHOOL, 2024, DP_1)

    def test_all_blank_presence_order(self):
        result = create(partnership_world(), cohort=..., school_id="", delivery_partner_id=None)
        assert errors_of(result) == [{"title": "cohort", "detail": COHORT_MISSING},
                                     {"title": "school_id", "detail": SCHOOL_MISSING},
                                     {"title": "delivery_partner_id", "detail": DP_MISSING}]

    def test_spec_example_exact_bytes(self):
        """p&f §1.3: cohort "2024", a closed school, delivery partner missing."""
        world = partnership_world()
        world.schools[SCHOOL].eligible = False
        result = create(world, delivery_partner_id=...)
        assert result.status == 422
        assert result.body_bytes() == (
            b'{"errors":[{"title":"delivery_partner_id","detail":"Enter a \'#/delivery_partner_id\'."},'
            b'{"title":"school_id","detail":"The school you have entered is currently ineligible for DfE funding. '
            b'Contact the school for more information."}]}')

    def test_spec_order_example_unknown_cohort_blank_school(self):
        """p&f §1.3: unknown cohort, blank school, existing delivery partner → school_id, cohort, 5b."""
        result = create(partnership_world(), cohort="2031", school_id="")
        assert errors_of(result) == [{"title": "school_id", "detail": SCHOOL_MISSING},
                                     {"title": "cohort", "detail": COHORT_INVALID},
                                     {"title": "delivery_partner_id", "detail": DP_NO_RELATIONSHIP}]

    @pytest.mark.parametrize("cohort", ["abc", "2031", True, 0])
    def test_unknown_cohort(self, cohort):
        world = partnership_world()
        world.schools[SCHOOL].eligible = False  # a school failing 4c keeps the live answer a 422
        result = create(world, cohort=cohort)
        assert errors_of(result) == [{"title": "cohort", "detail": COHORT_INVALID},
                                     {"title": "school_id", "detail": INELIGIBLE},
                                     {"title": "delivery_partner_id", "detail": DP_NO_RELATIONSHIP}]

    @pytest.mark.parametrize("school_id", ["123456", "5c000009-0000-4000-8000-000000000009", 100001])
    def test_unknown_school(self, school_id):
        assert errors_of(create(partnership_world(), school_id=school_id)) == one_error("school_id", SCHOOL_INVALID)

    def test_cip_only_school_gets_only_4b(self):
        world = partnership_world()
        world.schools[SCHOOL].cip_only, world.schools[SCHOOL].eligible = True, False
        assert errors_of(create(world)) == one_error("school_id", CIP_ONLY)

    def test_ineligible_school(self):
        world = partnership_world()
        world.schools[SCHOOL].eligible = False
        assert errors_of(create(world)) == one_error("school_id", INELIGIBLE)

    @pytest.mark.parametrize("flags", [{}, {"pending": True}, {"delivery_partner_id": DP_2}])
    def test_already_partnered_by_this_provider(self, flags):
        world = partnership_world()
        add_partnership(world, PARTNERSHIP_A, **flags)
        assert errors_of(create(world)) == one_error("school_id", ALREADY_PARTNERED)

    @pytest.mark.parametrize("flags", [{"challenged": True}, {"relationship": True}])
    def test_challenged_or_relationship_rows_do_not_block(self, flags):
        world = partnership_world()
        add_partnership(world, PARTNERSHIP_A, **flags)
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", LP_B, **flags)
        assert isinstance(create(world), PartnershipCreateAccepted)

    def test_another_provider(self):
        world = partnership_world()
        add_partnership(world, PARTNERSHIP_A, LP_B)
        assert errors_of(create(world)) == one_error("school_id", OTHER_PROVIDER)

    def test_own_row_checked_before_another_providers(self):
        world = partnership_world()
        add_partnership(world, PARTNERSHIP_A, LP_B)
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", LP_A)
        assert errors_of(create(world)) == one_error("school_id", ALREADY_PARTNERED)

    @pytest.mark.parametrize("provider", [LP_A, LP_B])
    def test_previous_cohort_partnership_without_a_school_cohort(self, provider):
        world = partnership_world()
        add_partnership(world, PARTNERSHIP_A, provider, cohort=2023)
        assert errors_of(create(world)) == one_error("school_id", NOT_CONFIRMED)
        world.school_cohorts[(SCHOOL, 2024)] = SchoolCohort(SCHOOL, 2024, "core_induction_programme", None, T0, T0)
        assert isinstance(create(world), PartnershipCreateAccepted)

    def test_unknown_delivery_partner(self):
        result = create(partnership_world(), delivery_partner_id=DP_3.replace("d", "e", 1))
        assert errors_of(result) == one_error("delivery_partner_id", DP_INVALID)

    def test_delivery_partner_not_working_with_provider_for_the_cohort(self):
        result = create(partnership_world(), delivery_partner_id=DP_3)
        assert errors_of(result) == one_error("delivery_partner_id", DP_NO_RELATIONSHIP)
        assert errors_of(create(partnership_world(), LP_B, delivery_partner_id=DP_2)) == one_error(
            "delivery_partner_id", DP_NO_RELATIONSHIP)

    def test_blank_cohort_with_a_passing_school_is_a_clear_422(self):
        """Deliberate difference (product.md §5): the live service answers 500 here."""
        world = partnership_world()
        add_partnership(world, PARTNERSHIP_A)  # would be 4d with a cohort
        result = create(world, cohort="")
        assert errors_of(result) == [{"title": "cohort", "detail": COHORT_MISSING},
                                     {"title": "delivery_partner_id", "detail": DP_NO_RELATIONSHIP}]
        result = create(world, cohort="1999")
        assert errors_of(result) == [{"title": "cohort", "detail": COHORT_INVALID},
                                     {"title": "delivery_partner_id", "detail": DP_NO_RELATIONSHIP}]

    def test_is_pure(self):
        world = partnership_world()
        before = (dict(world.partnerships), dict(world.school_cohorts), dict(world.programmes))
        create(world)
        assert (dict(world.partnerships), dict(world.school_cohorts), dict(world.programmes)) == before


# ============================================================================ partnerships: PUT
class TestPartnershipUpdate:
    def world(self, **flags) -> World:
        world = partnership_world()
        add_partnership(world, PARTNERSHIP_A, **flags)
        return world

    @pytest.mark.parametrize("partnership_id, lead_provider_id", [
        ("9a000009-0000-4000-8000-000000000009", LP_A), ("not-a-uuid", LP_A), (PARTNERSHIP_A, LP_B)])
    def test_not_found(self, partnership_id, lead_provider_id):
        result = check_partnership_update(self.world(), lead_provider_id, partnership_id, {"delivery_partner_id": DP_2})
        assert result == Response(404, {"error": "Resource not Found"})

    def test_relationship_row_not_found_even_without_a_body(self):
        result = check_partnership_update(self.world(relationship=True), LP_A, PARTNERSHIP_A, {})
        assert result.status == 404

    def test_changed_delivery_partner(self):
        result = check_partnership_update(self.world(), LP_A, PARTNERSHIP_A.upper(), {"delivery_partner_id": DP_2})
        assert isinstance(result, PartnershipUpdateAccepted)
        assert (result.partnership.partnership_id, result.school_id, result.cohort, result.delivery_partner_id,
                result.changes) == (PARTNERSHIP_A, SCHOOL, 2024, DP_2, True)

    def test_same_delivery_partner_is_accepted_without_changes(self):
        result = check_partnership_update(self.world(pending=True), LP_A, PARTNERSHIP_A, {"delivery_partner_id": DP_1})
        assert isinstance(result, PartnershipUpdateAccepted) and result.changes is False

    def test_blank_delivery_partner(self):
        result = check_partnership_update(self.world(challenged=True), LP_A, PARTNERSHIP_A, {"cohort": "2024"})
        assert errors_of(result) == one_error("delivery_partner_id", DP_MISSING)

    def test_unknown_delivery_partner(self):
        result = check_partnership_update(self.world(challenged=True), LP_A, PARTNERSHIP_A,
                                          {"delivery_partner_id": "nope"})
        assert errors_of(result) == one_error("delivery_partner_id", DP_INVALID)

    def test_no_provider_relationship_for_the_partnerships_cohort(self):
        result = check_partnership_update(self.world(cohort=2023), LP_A, PARTNERSHIP_A, {"delivery_partner_id": DP_2})
        assert errors_of(result) == one_error("delivery_partner_id", DP_NO_RELATIONSHIP)

    def test_challenged_exact_bytes(self):
        result = check_partnership_update(self.world(challenged=True), LP_A, PARTNERSHIP_A,
                                          {"delivery_partner_id": DP_1})
        assert result.body_bytes() == (
            b'{"errors":[{"title":"delivery_partner_id","detail":"' + CHALLENGED.encode() + b'"}]}')

    def test_challenge_is_the_models_test_challenge_reason(self):
        world = self.world()
        world.partnerships[PARTNERSHIP_A].challenged_at = T0  # without a reason: not challenged for the model
        result = check_partnership_update(world, LP_A, PARTNERSHIP_A, {"delivery_partner_id": DP_2})
        assert isinstance(result, PartnershipUpdateAccepted)
        world.partnerships[PARTNERSHIP_A].challenged_at, world.partnerships[PARTNERSHIP_A].challenge_reason = None, "x"
        result = check_partnership_update(world, LP_A, PARTNERSHIP_A, {"delivery_partner_id": DP_2})
        assert errors_of(result) == one_error("delivery_partner_id", CHALLENGED)

    def test_relationship_row_with_another_delivery_partner_does_not_block(self):
        world = self.world()
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", delivery_partner_id=DP_3, relationship=True)
        assert isinstance(check_partnership_update(world, LP_A, PARTNERSHIP_A, {"delivery_partner_id": DP_2}),
                          PartnershipUpdateAccepted)

    def test_relationship_row_with_the_requested_delivery_partner(self):
        world = self.world()
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", delivery_partner_id=DP_2, relationship=True)
        result = check_partnership_update(world, LP_A, PARTNERSHIP_A, {"delivery_partner_id": DP_2})
        assert errors_of(result) == one_error("delivery_partner_id", RELATIONSHIP_EXISTS)


# ============================================================================ partnership report (§1.6)
REPORT_AT = at("2025-03-01T12:00:00Z")


def new_ids(role: str) -> str:
    return f"new:{role}"


def report(world: World, delivery_partner_id: str = DP_1, lead_provider_id: str = LP_A, **kwargs) -> Partnership:
    return report_partnership(world, lead_provider_id, SCHOOL, 2024, delivery_partner_id, REPORT_AT, new_ids, **kwargs)


def records_in(world: World, programme_id: str) -> list[str]:
    return sorted(r.induction_record_id for r in world.records.values()
                  if r.induction_programme_id == programme_id and is_active_record(r, REPORT_AT))


class TestPartnershipReportRow:
    def test_new_row(self):
        world = base_world()
        partnership = report(world)
        assert world.partnerships["new:partnership"] is partnership
        assert (partnership.lead_provider_id, partnership.delivery_partner_id, partnership.school_id,
                partnership.cohort, partnership.relationship, partnership.pending) == (LP_A, DP_1, SCHOOL, 2024, False,
                                                                                       False)
        assert partnership.created_at == partnership.updated_at == REPORT_AT

    def test_relationship_row_with_the_requested_partner_is_promoted(self):
        world = base_world()
        add_partnership(world, PARTNERSHIP_A, delivery_partner_id=DP_2)  # challenged-or-not normal row exists too
        add_partnership(world, "9a000002-0000-4000-8000-000000000002", delivery_partner_id=DP_1, relationship=True)
        partnership = report(world)
        assert partnership.partnership_id == "9a000002-0000-4000-8000-000000000002"
        assert partnership.relationship is False and partnership.created_at == T0

    def test_relationship_row_with_another_partner_is_left_alone(self):
        world = base_world()
        add_partnership(world, PARTNERSHIP_A, delivery_partner_id=DP_2, relationship=True)
        partnership = report(world)
        assert partnership.partnership_id == "new:partnership"
        assert world.partnerships[PARTNERSHIP_A].relationship is True
        assert world.partnerships[PARTNERSHIP_A].delivery_partner_id == DP_2

    def test_challenged_own_row_is_revived(self):
        world = base_world()
        add_partnership(world, PARTNERSHIP_A, delivery_partner_id=DP_2, challenged=True, pending=True)
        partnership = report(world)
        assert partnership.partnership_id == PARTNERSHIP_A and len(world.partnerships) == 1
        assert (partnership.delivery_partner_id, partnership.challenged_at, partnership.challenge_reason,
                partnership.pending, partnership.created_at, partnership.updated_at) == (
            DP_1, None, None, False, T0, REPORT_AT)

    def test_touches_school_profiles_and_users(self):
        world = base_world()
        add_participant(world)
        add_participant(world, "6f1d2c3a-0000-4000-8000-000000000002", "9f000002-0000-4000-8000-000000000002",
                        school_id=OTHER_SCHOOL)
        report(world)
        assert world.schools[SCHOOL].updated_at == REPORT_AT and world.schools[OTHER_SCHOOL].updated_at == T0
        assert world.profiles[PROFILE].updated_at == REPORT_AT and world.users[USER].updated_at == REPORT_AT
        assert world.profiles["9f000002-0000-4000-8000-000000000002"].updated_at == T0


class TestPartnershipReportProgrammes:
    def test_step0_and_case_d_without_a_school_cohort(self):
        world = base_world()
        partnership = report(world)
        school_cohort = world.school_cohorts[(SCHOOL, 2024)]
        assert (school_cohort.induction_programme_choice, school_cohort.default_induction_programme_id) == (
            "full_induction_programme", "new:induction_programme")
        programme = world.programmes["new:induction_programme"]
        assert (programme.training_programme, programme.partnership_id, programme.cohort) == (
            "full_induction_programme", partnership.partnership_id, 2024)

    def test_case_a_links_the_default_and_sweeps(self):
        world = base_world()
        add_participant(world)
        add_programme(world, PROGRAMME_A, None, default=True)
        challenged = add_partnership(world, "9a000002-0000-4000-8000-000000000002", LP_B, challenged=True)
        add_programme(world, "1a000002-0000-4000-8000-000000000002", challenged.partnership_id)
        add_record(world, RECORD_1, "1a000002-0000-4000-8000-000000000002")
        partnership = report(world)
        assert world.programmes[PROGRAMME_A].partnership_id == partnership.partnership_id
        assert records_in(world, PROGRAMME_A) == [f"new:induction_record:{RECORD_1}"]
        assert world.records[RECORD_1].induction_status == "changed"

    def test_case_b_new_programme_for_a_challenged_default(self):
        world = base_world()
        add_participant(world)
        old = add_partnership(world, "9a000002-0000-4000-8000-000000000002", LP_B, challenged=True)
        add_programme(world, PROGRAMME_A, old.partnership_id, default=True)
        add_record(world, RECORD_1, PROGRAMME_A)
        leaver = add_record(world, "7e000002-0000-4000-8000-000000000002", PROGRAMME_A, end="2025-01-01T00:00:00Z")
        completed = add_record(world, "7e000003-0000-4000-8000-000000000003", PROGRAMME_A, induction_status="completed")
        joining = add_record(world, "7e000004-0000-4000-8000-000000000004", PROGRAMME_A, start="2025-04-01T00:00:00Z",
                             school_transfer=True)
        partnership = report(world)
        new = world.programmes["new:induction_programme"]
        assert new.partnership_id == partnership.partnership_id
        assert world.school_cohorts[(SCHOOL, 2024)].default_induction_programme_id == new.induction_programme_id
        assert records_in(world, new.induction_programme_id) == [f"new:induction_record:{RECORD_1}"]
        for untouched in (leaver, completed, joining):
            assert untouched.induction_programme_id == PROGRAMME_A and untouched.updated_at == untouched.created_at

    def test_case_c_nothing_moves_and_no_sweep(self):
        world = base_world()
        add_participant(world)
        add_partnership(world, PARTNERSHIP_A)
        add_programme(world, PROGRAMME_A, PARTNERSHIP_A, default=True)
        add_programme(world, "1a000002-0000-4000-8000-000000000002", None)  # unpartnered FIP programme
        add_record(world, RECORD_1, "1a000002-0000-4000-8000-000000000002")
        partnership = report(world, DP_2)  # a PUT changing the delivery partner
        assert partnership.partnership_id == PARTNERSHIP_A and partnership.delivery_partner_id == DP_2
        assert set(world.programmes) == {PROGRAMME_A, "1a000002-0000-4000-8000-000000000002"}
        assert world.records[RECORD_1].induction_programme_id == "1a000002-0000-4000-8000-000000000002"
        assert len(world.records) == 1

    def test_case_c_other_providers_unchallenged_default(self):
        world = base_world()
        other = add_partnership(world, "9a000002-0000-4000-8000-000000000002", LP_B)
        add_programme(world, PROGRAMME_A, other.partnership_id, default=True)
        report(world)
        assert set(world.programmes) == {PROGRAMME_A}
        assert world.programmes[PROGRAMME_A].partnership_id == other.partnership_id

    def test_case_d_school_led_default_switches_to_fip(self):
        world = base_world()
        add_participant(world)
        add_programme(world, PROGRAMME_A, None, training_programme="core_induction_programme", default=True)
        add_record(world, RECORD_1, PROGRAMME_A)
        partnership = report(world)
        school_cohort = world.school_cohorts[(SCHOOL, 2024)]
        assert school_cohort.induction_programme_choice == "full_induction_programme"
        assert school_cohort.default_induction_programme_id == "new:induction_programme"
        assert world.programmes["new:induction_programme"].partnership_id == partnership.partnership_id
        assert records_in(world, "new:induction_programme") == [f"new:induction_record:{RECORD_1}"]
        assert world.programmes[PROGRAMME_A].training_programme == "core_induction_programme"

    def test_sweep_takes_challenged_relationship_programmes_but_not_unchallenged_ones(self):
        world = base_world()
        add_participant(world)
        add_programme(world, PROGRAMME_A, None, default=True)
        rel_challenged = add_partnership(world, "9a000002-0000-4000-8000-000000000002", LP_B, relationship=True,
                                         challenged=True)
        rel_live = add_partnership(world, "9a000003-0000-4000-8000-000000000003", LP_B, relationship=True)
        add_programme(world, "1a000002-0000-4000-8000-000000000002", rel_challenged.partnership_id)
        add_programme(world, "1a000003-0000-4000-8000-000000000003", rel_live.partnership_id)
        add_programme(world, "1a000004-0000-4000-8000-000000000004", None, training_programme="design_our_own")
        add_programme(world, "1a000005-0000-4000-8000-000000000005", None, cohort=2023)
        for n, programme in enumerate(("1a000002", "1a000003", "1a000004", "1a000005"), start=2):
            add_record(world, f"7e00000{n}-0000-4000-8000-00000000000{n}", f"{programme}-0000-4000-8000-00000000000{n}",
                       profile_id=f"9f00000{n}-0000-4000-8000-00000000000{n}")
        report(world)
        assert records_in(world, PROGRAMME_A) == ["new:induction_record:7e000002-0000-4000-8000-000000000002"]
        for kept in ("1a000003-0000-4000-8000-000000000003", "1a000004-0000-4000-8000-000000000004",
                     "1a000005-0000-4000-8000-000000000005"):
            assert len(records_in(world, kept)) == 1


    @pytest.mark.parametrize("challenged_at, reason, swept", [(T0, None, True), (None, "mistake", False)])
    def test_sweep_reads_challenged_at(self, challenged_at, reason, swept):
        world = base_world()
        add_participant(world)
        add_programme(world, PROGRAMME_A, None, default=True)
        other = add_partnership(world, "9a000002-0000-4000-8000-000000000002", LP_B)
        other.challenged_at, other.challenge_reason = challenged_at, reason
        add_programme(world, "1a000002-0000-4000-8000-000000000002", other.partnership_id)
        add_record(world, RECORD_1, "1a000002-0000-4000-8000-000000000002")
        report(world)
        assert (records_in(world, PROGRAMME_A) == [f"new:induction_record:{RECORD_1}"]) is swept


class TestMovingRecords:
    def world_with(self, **record) -> World:
        world = base_world()
        add_participant(world)
        add_programme(world, PROGRAMME_A, None, training_programme="core_induction_programme", default=True)
        add_record(world, RECORD_1, PROGRAMME_A, **record)
        return world

    def test_closed_and_copied(self):
        world = self.world_with(training_status="deferred")
        moved = []
        report(world, on_record_moved=lambda closed, copy: moved.append((closed.induction_record_id,
                                                                          copy.induction_record_id)))
        closed, copy = world.records[RECORD_1], world.records[f"new:induction_record:{RECORD_1}"]
        assert (closed.induction_status, closed.end_at, closed.induction_programme_id) == (
            "changed", REPORT_AT, PROGRAMME_A)
        assert (copy.induction_status, copy.training_status, copy.start_at, copy.end_at, copy.created_at,
                copy.induction_programme_id, copy.source, copy.placement_id, copy.school_transfer) == (
            "active", "deferred", REPORT_AT, None, REPORT_AT, "new:induction_programme", "partnership_report",
            f"placement-{RECORD_1}", False)
        assert world.records_by_profile[PROFILE] == [RECORD_1, copy.induction_record_id]
        assert moved == [(RECORD_1, copy.induction_record_id)]

    def test_future_start_changed_in_place(self):
        world = self.world_with(start="2025-04-01T00:00:00Z")
        report(world)
        record = world.records[RECORD_1]
        assert len(world.records) == 1
        assert (record.induction_programme_id, record.start_at, record.induction_status, record.source) == (
            "new:induction_programme", at("2025-04-01T00:00:00Z"), "active", "partnership_report")

    def test_future_end_keeps_school_transfer_on_the_copy(self):
        world = self.world_with(end="2025-06-30T00:00:00Z", school_transfer=True)
        report(world)
        closed, copy = world.records[RECORD_1], world.records[f"new:induction_record:{RECORD_1}"]
        assert (closed.school_transfer, copy.school_transfer, copy.end_at) == (False, True, at("2025-06-30T00:00:00Z"))

    def test_transfer_in_that_started_is_moved_with_school_transfer_cleared(self):
        world = self.world_with(school_transfer=True)
        report(world)
        assert world.records[f"new:induction_record:{RECORD_1}"].school_transfer is False

    @pytest.mark.parametrize("record", [{"end": "2025-03-01T12:00:00Z"}, {"induction_status": "withdrawn"},
                                        {"induction_status": "leaving"}])
    def test_inactive_records_stay(self, record):
        world = self.world_with(**record)
        report(world)
        assert len(world.records) == 1 and world.records[RECORD_1].induction_programme_id == PROGRAMME_A


def test_active_induction_record_rule():
    record = InductionRecord(RECORD_1, PROFILE, PROGRAMME_A, REPORT_AT, None, "active", "withdrawn", "s", 2024, True,
                             None, None, T0, T0, "registration")
    assert not is_active_record(record, REPORT_AT)  # starts now (not in the past) and is a transfer-in
    assert is_active_record(record, REPORT_AT + timedelta(microseconds=1))
    record.school_transfer = False
    assert is_active_record(record, REPORT_AT)
