"""api_export.serializers: the live ECF1 resource objects built from literal worlds.

Exact key order and values are asserted by comparing `list(d.items())` (order-sensitive) or compact
`json.dumps` bytes with literal expectations; one example of each resource is also validated against the
official OpenAPI schema (read in place from shared/reference/openapi/), with the live-service differences
of api.md §7 applied.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from api_export.serializers import (
    dasherise, declaration_resource, iso_date, participant_resource_v1, participant_resource_v2,
    participant_resource_v3, participant_resources_v1, participant_resources_v2, participant_status,
    partnership_resource, rfc3339, rfc3339_millis, uplift_paid,
)
from pipelines.world.model import (
    Declaration, DeliveryPartner, Identity, InductionProgramme, InductionRecord, LeadProvider, LineItem,
    ParticipantIdChange, Partnership, Profile, ProviderParticipantState, School, User,
)
from pipelines.world.world import World

OPENAPI_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "openapi"


def T(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------------------ ids
LP_A = "00000000-0000-4000-8000-00000000000a"
LP_B = "00000000-0000-4000-8000-00000000000b"
DP_1 = "d0000000-0000-4000-8000-000000000001"
DP_2 = "d0000000-0000-4000-8000-000000000002"
SCHOOL = "5c000000-0000-4000-8000-000000000001"
P_A = "9a000000-0000-4000-8000-000000000001"      # LP_A, 2024, unchallenged
P_A_CH = "9a000000-0000-4000-8000-000000000002"   # LP_A, 2024, challenged
P_A_2020 = "9a000000-0000-4000-8000-000000000003"  # LP_A, 2020
P_B = "9b000000-0000-4000-8000-000000000001"      # LP_B, 2023
PROG_A, PROG_A_CH, PROG_A_2020, PROG_B = "prog-a", "prog-a-ch", "prog-a-2020", "prog-b"
U1 = "a1000000-0000-4000-8000-000000000001"       # ECT and mentor
U2 = "a2000000-0000-4000-8000-000000000002"       # U1's mentor
U_OLD = "a0000000-0000-4000-8000-0000000000dd"    # retired ids merged into U1
U_OLDER = "a0000000-0000-4000-8000-0000000000ee"
I1, I2, I3 = "identity-1", "identity-2", "identity-3"
E1 = "e1000000-0000-4000-8000-000000000001"       # U1's ECT profile
M1 = "e2000000-0000-4000-8000-000000000002"       # U1's mentor profile
M2 = "e3000000-0000-4000-8000-000000000003"       # U2's mentor profile
R_E1, R_E1_B, R_M1, R_M2 = "r-e1", "r-e1-b", "r-m1", "r-m2"
ST_1 = "57000000-0000-4000-8000-000000000001"
ST_2 = "57000000-0000-4000-8000-000000000002"
D1 = "dec00000-0000-4000-8000-000000000001"


def add_record(world: World, record_id: str, profile_id: str, programme_id: str, **overrides) -> InductionRecord:
    values = dict(induction_record_id=record_id, profile_id=profile_id, induction_programme_id=programme_id,
                  start_at=T("2024-09-01T00:00:00Z"), end_at=None, induction_status="active", training_status="active",
                  schedule_identifier="ecf-standard-september", schedule_cohort=2024, school_transfer=False,
                  mentor_profile_id=None, preferred_identity_id=None, created_at=T("2024-07-01T10:00:00Z"),
                  updated_at=T("2024-07-01T10:00:00Z"), source="registration")
    values.update(overrides)
    record = InductionRecord(**values)
    world.add_record(record)
    return record


def add_profile(world: World, profile_id: str, identity_id: str, participant_type: str, **overrides) -> Profile:
    values = dict(profile_id=profile_id, identity_id=identity_id, participant_type=participant_type, trn="1234567",
                  cohort=2024, schedule_identifier="ecf-standard-september", school_id=SCHOOL,
                  eligibility_status="eligible", eligibility_reason=None, profile_status="active",
                  induction_end_on=None, pupil_premium_uplift=True, sparsity_uplift=False,
                  created_at=T("2024-07-01T09:00:00.500000Z"), updated_at=T("2024-07-01T09:00:00.500000Z"))
    values.update(overrides)
    profile = Profile(**values)
    world.add_profile(profile)
    return profile


def build_world() -> World:
    """Two providers; U1 holds an ECT profile (E1) and a mentor profile (M1) with LP_A, and an older,
    ended ECT record with LP_B; U2 mentors U1's ECT profile."""
    world = World()
    world.add_lead_provider(LeadProvider(LP_A, "Alder Learning", "alder", True))
    world.add_lead_provider(LeadProvider(LP_B, "Birch Institute", "birch", False))
    world.delivery_partners[DP_1] = DeliveryPartner(DP_1, "Oak & Ash Partners", T("2024-01-01T00:00:00Z"),
                                                    T("2024-05-01T12:00:00.700000Z"))
    world.delivery_partners[DP_2] = DeliveryPartner(DP_2, "Elm Partners", T("2024-01-01T00:00:00Z"),
                                                    T("2024-01-01T00:00:00Z"))
    world.schools[SCHOOL] = School(SCHOOL, "123456", "St Mary & St John", True, False, "community school",
                                   "Jane Smith", "jane.smith@example.org", T("2020-01-01T00:00:00Z"),
                                   T("2024-03-01T08:00:00Z"))
    for pid, lp, dp, cohort, challenged_at, reason in (
            (P_A, LP_A, DP_1, 2024, None, None),
            (P_A_CH, LP_A, DP_2, 2024, T("2024-06-03T08:30:00.123456Z"), "mistake"),
            (P_A_2020, LP_A, DP_1, 2020, None, None),
            (P_B, LP_B, DP_2, 2023, None, None)):
        world.partnerships[pid] = Partnership(pid, lp, dp, SCHOOL, cohort, False, False, challenged_at, reason,
                                              T("2024-05-20T10:00:00.900000Z"), T("2024-05-20T10:00:00.900000Z"))
    for prog, pid, cohort in ((PROG_A, P_A, 2024), (PROG_A_CH, P_A_CH, 2024), (PROG_A_2020, P_A_2020, 2020),
                              (PROG_B, P_B, 2023)):
        world.programmes[prog] = InductionProgramme(prog, SCHOOL, cohort, "full_induction_programme", pid,
                                                    T("2024-05-20T10:00:00Z"))

    world.users[U1] = User(U1, "Kim Doe", "kim@example.org", T("2024-07-01T09:00:00Z"), T("2024-07-02T09:00:00Z"))
    world.users[U2] = User(U2, "Max Roe", "max@example.org", T("2024-06-01T09:00:00Z"), T("2024-06-01T09:00:00Z"))
    world.add_identity(Identity(I1, U1, U1, "kim@example.org", T("2024-07-01T09:00:00Z"),
                                T("2024-08-15T10:11:12.999999Z")))
    world.add_identity(Identity(I2, U1, "ext-kim-2", "kim.preferred@example.org", T("2024-07-01T09:00:00Z"),
                                T("2024-07-01T09:00:00Z")))
    world.add_identity(Identity(I3, U2, U2, "max@example.org", T("2024-06-01T09:00:00Z"), T("2024-06-01T09:00:00Z")))

    add_profile(world, E1, I1, "ect")
    add_profile(world, M1, I1, "mentor", pupil_premium_uplift=False, eligibility_status="manual_check",
                created_at=T("2024-07-05T09:00:00Z"), updated_at=T("2024-07-05T09:00:00Z"))
    add_profile(world, M2, I3, "mentor", trn="7654321")

    add_record(world, R_E1, E1, PROG_A, mentor_profile_id=M2, preferred_identity_id=I2,
               updated_at=T("2024-08-01T00:00:00Z"))
    add_record(world, R_E1_B, E1, PROG_B, start_at=T("2023-09-01T00:00:00Z"), end_at=T("2024-08-31T00:00:00Z"),
               induction_status="leaving", schedule_cohort=2023, created_at=T("2023-07-01T00:00:00Z"),
               updated_at=T("2024-09-30T23:59:59.900000Z"))
    add_record(world, R_M1, M1, PROG_A, created_at=T("2024-07-05T10:00:00Z"), updated_at=T("2024-07-05T10:00:00Z"),
               schedule_identifier="ecf-replacement-september")
    add_record(world, R_M2, M2, PROG_A)

    world.participant_id_changes[U1].append(ParticipantIdChange(U1, U_OLDER, U_OLD, T("2024-03-01T00:00:00.5Z")))
    world.participant_id_changes[U1].append(ParticipantIdChange(U1, U_OLD, U1, T("2024-06-01T00:00:00Z")))
    return world


def add_declaration(world: World, declaration_id: str = D1, **overrides) -> Declaration:
    values = dict(declaration_id=declaration_id, lead_provider_id=LP_A, user_id=U1, profile_id=E1,
                  participant_type="ect", course_identifier="ecf-induction", declaration_type="started",
                  declaration_date=T("2024-10-01T09:00:00.250000Z"), declaration_date_text="2024-10-01T09:00:00.25Z",
                  cohort=2024, state="paid", evidence_held=None, delivery_partner_id=DP_1, mentor_user_id=U2,
                  pupil_premium_uplift=True, sparsity_uplift=False, superseded_by_id=None, ineligible_reason=None,
                  created_at=T("2024-10-01T09:05:00.999000Z"), updated_at=T("2024-11-01T00:00:01.000001Z"))
    values.update(overrides)
    declaration = Declaration(**values)
    world.add_declaration(declaration)
    return declaration


def add_line_item(world: World, declaration_id: str, statement_id: str, line_type: str, state: str) -> None:
    world.add_line_item(LineItem(declaration_id, statement_id, line_type, state, T("2024-10-01T09:05:00Z"),
                                 T("2024-10-01T09:05:00Z")))


@pytest.fixture
def world() -> World:
    return build_world()


NOW = T("2025-01-15T12:00:00Z")


# ------------------------------------------------------------------------------------------ formatting helpers
def test_rfc3339_drops_fractions_without_rounding_and_converts_to_utc():
    assert rfc3339(T("2022-07-22T11:30:00.999999Z")) == "2022-07-22T11:30:00Z"
    assert rfc3339(T("2022-07-22T12:30:05+01:00")) == "2022-07-22T11:30:05Z"
    assert rfc3339(datetime(2022, 7, 22, 11, 30)) == "2022-07-22T11:30:00Z"  # naive: taken as UTC
    assert rfc3339(None) is None


def test_rfc3339_millis_keeps_exactly_three_truncated_decimals():
    assert rfc3339_millis(T("2022-07-22T11:30:00.123999Z")) == "2022-07-22T11:30:00.123Z"
    assert rfc3339_millis(T("2022-07-22T11:30:00Z")) == "2022-07-22T11:30:00.000Z"
    assert rfc3339_millis(T("2022-07-22T11:30:00.0409+00:00")) == "2022-07-22T11:30:00.040Z"
    assert rfc3339_millis(T("2022-07-23T00:30:00.5+01:00")) == "2022-07-22T23:30:00.500Z"
    assert rfc3339_millis(None) is None


def test_iso_date():
    assert iso_date(date(2025, 7, 3)) == "2025-07-03"
    assert iso_date(T("2025-07-03T23:30:00-02:00")) == "2025-07-04"
    assert iso_date(None) is None


# ------------------------------------------------------------------------------------------ declarations
def test_declaration_v1_exact_bytes(world):
    declaration = add_declaration(world, state="eligible")
    assert compact(declaration_resource(world, declaration, 1)) == (
        '{"id":"' + D1 + '","type":"participant-declaration","attributes":{'
        '"participant_id":"' + U1 + '","declaration_type":"started","course_identifier":"ecf-induction",'
        '"eligible_for_payment":true,"declaration_date":"2024-10-01T09:00:00Z","updated_at":"2024-11-01T00:00:01Z",'
        '"voided":false,"state":"eligible","has_passed":null}}')


def test_declaration_v2_exact_bytes(world):
    declaration = add_declaration(world, state="awaiting_clawback")
    assert compact(declaration_resource(world, declaration, 2)) == (
        '{"id":"' + D1 + '","type":"participant-declaration","attributes":{'
        '"participant_id":"' + U1 + '","declaration_type":"started","course_identifier":"ecf-induction",'
        '"declaration_date":"2024-10-01T09:00:00Z","updated_at":"2024-11-01T00:00:01Z",'
        '"state":"awaiting-clawback","has_passed":null}}')


def test_declaration_v3_exact_items_paid_with_statement(world):
    declaration = add_declaration(world)
    add_line_item(world, D1, ST_1, "billable", "paid")
    resource = declaration_resource(world, declaration, 3)
    assert list(resource) == ["id", "type", "attributes"]
    assert resource["id"] == D1 and resource["type"] == "participant-declaration"
    assert list(resource["attributes"].items()) == [
        ("participant_id", U1),
        ("declaration_type", "started"),
        ("course_identifier", "ecf-induction"),
        ("declaration_date", "2024-10-01T09:00:00Z"),
        ("mentor_id", U2),
        ("state", "paid"),
        ("updated_at", "2024-11-01T00:00:01Z"),
        ("created_at", "2024-10-01T09:05:00Z"),
        ("delivery_partner_id", DP_1),
        ("statement_id", ST_1),
        ("clawback_statement_id", None),
        ("ineligible_for_funding_reason", None),
        ("uplift_paid", True),
        ("evidence_held", None),
        ("has_passed", None),
        ("lead_provider_name", "Alder Learning"),
    ]


def test_declaration_v3_clawback_previous_provider_and_mentor_course(world):
    """A voided-after-payment mentor declaration of the previous provider: statement of the paid billable
    line, clawback statement of the refundable line, dasherised state, the declaring provider's name,
    no mentor_id for a mentor declaration."""
    declaration = add_declaration(world, lead_provider_id=LP_B, profile_id=M1, participant_type="mentor",
                                  course_identifier="ecf-mentor", state="awaiting_clawback", mentor_user_id=U2,
                                  evidence_held="training-event-attended", delivery_partner_id=None)
    add_line_item(world, D1, ST_1, "billable", "paid")
    add_line_item(world, D1, ST_2, "refundable", "awaiting_clawback")
    attributes = declaration_resource(world, declaration, 3)["attributes"]
    assert (attributes["state"], attributes["statement_id"], attributes["clawback_statement_id"]) == (
        "awaiting-clawback", ST_1, ST_2)
    assert attributes["lead_provider_name"] == "Birch Institute"
    assert attributes["mentor_id"] is None  # ECT declarations only, whatever is stored
    assert attributes["delivery_partner_id"] is None
    assert attributes["evidence_held"] == "training-event-attended"
    assert attributes["uplift_paid"] is False  # ecf-mentor never has an uplift


def test_declaration_v3_voided_billable_line_gives_no_statement(world):
    declaration = add_declaration(world, state="voided")
    add_line_item(world, D1, ST_1, "billable", "voided")
    attributes = declaration_resource(world, declaration, 3)["attributes"]
    assert (attributes["statement_id"], attributes["clawback_statement_id"]) == (None, None)


@pytest.mark.parametrize("state, reason, expected", [
    ("ineligible", "duplicate", "duplicate_declaration"),
    ("ineligible", None, None),
    ("voided", "duplicate", None),  # only shown while the state is ineligible
])
def test_declaration_v3_ineligible_for_funding_reason(world, state, reason, expected):
    declaration = add_declaration(world, state=state, ineligible_reason=reason)
    assert declaration_resource(world, declaration, 3)["attributes"]["ineligible_for_funding_reason"] == expected


@pytest.mark.parametrize("state, dashed", [
    ("submitted", "submitted"), ("eligible", "eligible"), ("payable", "payable"), ("paid", "paid"),
    ("voided", "voided"), ("ineligible", "ineligible"), ("awaiting_clawback", "awaiting-clawback"),
    ("clawed_back", "clawed-back"),
])
@pytest.mark.parametrize("version", [1, 2, 3])
def test_declaration_state_is_dasherised_in_every_version(world, version, state, dashed):
    declaration = add_declaration(world, state=state)
    assert dasherise(state) == dashed
    assert declaration_resource(world, declaration, version)["attributes"]["state"] == dashed


@pytest.mark.parametrize("state, eligible_for_payment, voided", [
    ("submitted", False, False), ("eligible", True, False), ("payable", True, False), ("paid", False, False),
    ("voided", False, True), ("ineligible", False, False), ("awaiting_clawback", False, False),
    ("clawed_back", False, False),
])
def test_declaration_v1_deprecated_flags(world, state, eligible_for_payment, voided):
    attributes = declaration_resource(world, add_declaration(world, state=state), 1)["attributes"]
    assert attributes["eligible_for_payment"] is eligible_for_payment
    assert attributes["voided"] is voided


def test_declaration_unknown_version_is_refused(world):
    with pytest.raises(ValueError):
        declaration_resource(world, add_declaration(world), 4)


# uplift_paid: course && type && state && (sparsity || pupil_premium), with Ruby's nil semantics.
@pytest.mark.parametrize("course, dtype, state, sparsity, pupil_premium, expected", [
    ("ecf-induction", "started", "paid", True, False, True),
    ("ecf-induction", "started", "paid", False, True, True),
    ("ecf-induction", "started", "paid", True, True, True),
    ("ecf-induction", "started", "paid", False, False, False),
    ("ecf-induction", "started", "awaiting_clawback", False, True, True),
    ("ecf-induction", "started", "clawed_back", True, None, True),
    # legacy rows: NULL flags
    ("ecf-induction", "started", "paid", False, None, None),
    ("ecf-induction", "started", "paid", None, None, None),
    ("ecf-induction", "started", "clawed_back", None, None, None),
    ("ecf-induction", "started", "paid", None, False, False),
    ("ecf-induction", "started", "paid", None, True, True),
    # any of the first three tests failing gives false, whatever the flags
    ("ecf-induction", "started", "eligible", True, True, False),
    ("ecf-induction", "started", "payable", True, None, False),
    ("ecf-induction", "started", "voided", None, None, False),
    ("ecf-induction", "retained-1", "paid", True, True, False),
    ("ecf-mentor", "started", "paid", True, True, False),
    ("ecf-mentor", "started", "paid", None, None, False),
])
def test_uplift_paid_truth_table(world, course, dtype, state, sparsity, pupil_premium, expected):
    declaration = add_declaration(world, course_identifier=course, declaration_type=dtype, state=state,
                                  sparsity_uplift=sparsity, pupil_premium_uplift=pupil_premium)
    assert uplift_paid(declaration) is expected
    assert declaration_resource(world, declaration, 3)["attributes"]["uplift_paid"] is expected


def test_uplift_paid_null_is_emitted_as_json_null(world):
    declaration = add_declaration(world, sparsity_uplift=False, pupil_premium_uplift=None)
    assert '"uplift_paid":null,' in compact(declaration_resource(world, declaration, 3))


# ------------------------------------------------------------------------------------------ v1/v2 participants
V1_KEYS = ["email", "full_name", "mentor_id", "school_urn", "participant_type", "cohort", "status",
           "teacher_reference_number", "teacher_reference_number_validated", "eligible_for_funding",
           "pupil_premium_uplift", "sparsity_uplift", "training_status", "training_record_id",
           "schedule_identifier", "updated_at"]


def test_participants_v1_one_entry_per_profile_exact_items(world):
    entries = participant_resources_v1(world, LP_A, U1, NOW)
    assert [(e["id"], e["attributes"]["training_record_id"]) for e in entries] == [(U1, E1), (U1, M1)]
    ect, mentor = entries
    assert list(ect) == ["id", "type", "attributes"] and ect["type"] == "participant"
    assert list(ect["attributes"].items()) == [
        ("email", "kim.preferred@example.org"),   # the record's preferred identity
        ("full_name", "Kim Doe"),
        ("mentor_id", U2),
        ("school_urn", "123456"),
        ("participant_type", "ect"),
        ("cohort", "2024"),
        ("status", "active"),
        ("teacher_reference_number", "1234567"),
        ("teacher_reference_number_validated", True),
        ("eligible_for_funding", True),
        ("pupil_premium_uplift", True),
        ("sparsity_uplift", False),
        ("training_status", "active"),
        ("training_record_id", E1),
        ("schedule_identifier", "ecf-standard-september"),
        ("updated_at", "2024-08-15T10:11:12Z"),   # the identity's, truncated
    ]
    assert list(mentor["attributes"]) == V1_KEYS
    assert mentor["attributes"]["email"] == "kim@example.org"  # no preferred identity: the user's email
    assert mentor["attributes"]["mentor_id"] is None
    assert mentor["attributes"]["participant_type"] == "mentor"
    assert mentor["attributes"]["eligible_for_funding"] is None  # manual_check
    assert mentor["attributes"]["schedule_identifier"] == "ecf-replacement-september"


def test_participants_v1_updated_at_takes_the_latest_source(world):
    world.records[R_E1].updated_at = T("2024-12-01T00:00:00.600Z")
    assert participant_resources_v1(world, LP_A, U1, NOW)[0]["attributes"]["updated_at"] == "2024-12-01T00:00:00Z"
    world.users[U1].updated_at = T("2025-01-02T03:04:05Z")
    assert participant_resources_v1(world, LP_A, U1, NOW)[0]["attributes"]["updated_at"] == "2025-01-02T03:04:05Z"
    world.profiles[E1].updated_at = T("2025-01-03T00:00:00Z")
    assert participant_resources_v1(world, LP_A, U1, NOW)[0]["attributes"]["updated_at"] == "2025-01-03T00:00:00Z"


@pytest.mark.parametrize("induction_status, status", [
    ("active", "active"), ("completed", "active"), ("leaving", "active"),
    ("withdrawn", "withdrawn"), ("changed", "withdrawn"), ("unexpected", None),
])
def test_participants_v1_status_mapping(world, induction_status, status):
    world.records[R_E1].induction_status = induction_status
    assert participant_resources_v1(world, LP_A, U1, NOW)[0]["attributes"]["status"] == status


def test_participants_v1_scope(world):
    # the other provider only sees profiles with a record in its own partnerships
    assert [e["attributes"]["training_record_id"] for e in participant_resources_v1(world, LP_B, U1, NOW)] == [E1]
    assert participant_resources_v1(world, LP_B, U1, NOW)[0]["attributes"]["cohort"] == "2023"
    # a newer record in a challenged partnership is skipped: the latest unchallenged one is used
    add_record(world, "r-e1-ch", E1, PROG_A_CH, start_at=T("2024-10-01T00:00:00Z"), training_status="deferred")
    assert participant_resources_v1(world, LP_A, U1, NOW)[0]["attributes"]["training_status"] == "active"
    # a profile whose only record is in a challenged partnership is not listed
    world.programmes[PROG_A].partnership_id = P_A_CH
    assert participant_resources_v1(world, LP_A, U1, NOW) == []
    assert participant_resource_v1(world, LP_A, U1, NOW) is None
    assert participant_resources_v1(world, LP_A, "no-such-user", NOW) == []


def test_participants_v1_cohort_filter_applies_before_latest(world):
    # E1's latest LP_A record is now in a 2020 schedule cohort: out of the default scope, so the
    # 2024 record (the latest one in scope) is shown; with filter[cohort]=2020 the 2020 record is.
    add_record(world, "r-e1-2020", E1, PROG_A_2020, start_at=T("2024-11-01T00:00:00Z"), schedule_cohort=2020)
    default = participant_resources_v1(world, LP_A, U1, NOW)
    assert default[0]["attributes"]["cohort"] == "2024"
    only_2020 = participant_resources_v1(world, LP_A, U1, NOW, cohorts={2020})
    assert [(e["attributes"]["training_record_id"], e["attributes"]["cohort"]) for e in only_2020] == [(E1, "2020")]


def test_participant_v1_show_picks_the_ect_profile(world):
    # even when the mentor profile is the older one
    world.profiles[M1].created_at = T("2020-01-01T00:00:00Z")
    # (inferred) the live order of a user's two list entries is undefined; ECT first here
    assert [e["attributes"]["participant_type"] for e in participant_resources_v1(world, LP_A, U1, NOW)] == [
        "ect", "mentor"]
    shown = participant_resource_v1(world, LP_A, U1, NOW)
    assert shown["attributes"]["training_record_id"] == E1
    assert participant_resource_v1(world, LP_A, U1, NOW, "ecf-mentor")["attributes"]["training_record_id"] == M1
    assert participant_resource_v1(world, LP_A, U1, NOW, "ecf-induction")["attributes"]["training_record_id"] == E1
    # only a mentor profile visible: that one
    assert participant_resource_v1(world, LP_A, U2, NOW)["attributes"]["training_record_id"] == M2
    assert participant_resource_v1(world, LP_A, U2, NOW, "ecf-induction") is None


def test_participant_v1_action_receipt_shows_the_acted_on_profile(world):
    world.records[R_M1].training_status = "withdrawn"
    receipt = participant_resource_v1(world, LP_A, U1, NOW, "ecf-mentor", profile_id=M1)
    assert receipt["attributes"]["training_record_id"] == M1
    assert receipt["attributes"]["training_status"] == "withdrawn"
    assert participant_resource_v1(world, LP_A, U1, NOW, profile_id=E1)["attributes"]["training_record_id"] == E1
    assert participant_resource_v1(world, LP_A, U1, NOW, profile_id=M2) is None  # another user's profile
    assert participant_resource_v1(world, LP_B, U1, NOW, profile_id=M1) is None  # no record with LP_B


def test_participants_v2_are_byte_identical_to_v1(world):
    world.records[R_M1].training_status = "deferred"
    v1_list, v2_list = participant_resources_v1(world, LP_A, U1, NOW), participant_resources_v2(world, LP_A, U1, NOW)
    assert len(v1_list) == 2 and compact(v2_list) == compact(v1_list)
    assert compact(participant_resource_v2(world, LP_A, U1, NOW)) == compact(
        participant_resource_v1(world, LP_A, U1, NOW))
    assert compact(participant_resource_v2(world, LP_A, U1, NOW, profile_id=M1)) == compact(
        participant_resource_v1(world, LP_A, U1, NOW, profile_id=M1))


@pytest.mark.parametrize("trn, status, reason, expected", [
    (None, "eligible", None, None),          # no TRN: null
    ("1234567", "eligible", None, True),     # record with the default reason
    ("1234567", "ineligible", "no_induction", True),
    ("1234567", "eligible", "different_trn", False),
    ("1234567", None, None, False),          # no eligibility record
])
def test_teacher_reference_number_validated(world, trn, status, reason, expected):
    profile = world.profiles[E1]
    profile.trn, profile.eligibility_status, profile.eligibility_reason = trn, status, reason
    entry = participant_resources_v1(world, LP_A, U1, NOW)[0]
    assert entry["attributes"]["teacher_reference_number_validated"] is expected
    enrolment = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0]
    assert enrolment["teacher_reference_number_validated"] is expected


@pytest.mark.parametrize("status, expected", [
    ("eligible", True), ("ineligible", False), ("manual_check", None), ("matched", None), (None, None)])
def test_eligible_for_funding(world, status, expected):
    world.profiles[E1].eligibility_status = status
    assert participant_resources_v1(world, LP_A, U1, NOW)[0]["attributes"]["eligible_for_funding"] is expected
    assert participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0][
        "eligible_for_funding"] is expected


# ------------------------------------------------------------------------------------------ v3 participants
def test_participant_v3_exact_items(world):
    world.profiles[E1].induction_end_on = date(2026, 7, 31)
    resource = participant_resource_v3(world, LP_A, U1, NOW)
    assert list(resource) == ["id", "type", "attributes"]
    assert (resource["id"], resource["type"]) == (U1, "participant")
    attributes = resource["attributes"]
    assert list(attributes) == ["full_name", "teacher_reference_number", "updated_at", "ecf_enrolments",
                                "participant_id_changes"]
    assert attributes["full_name"] == "Kim Doe"
    assert attributes["teacher_reference_number"] == "1234567"
    # the latest of user, identities, profiles and every record (here LP_B's record)
    assert attributes["updated_at"] == "2024-09-30T23:59:59Z"
    ect, mentor = attributes["ecf_enrolments"]
    assert list(ect.items()) == [
        ("training_record_id", E1),
        ("email", "kim.preferred@example.org"),
        ("mentor_id", U2),
        ("school_urn", "123456"),
        ("participant_type", "ect"),
        ("cohort", "2024"),
        ("training_status", "active"),
        ("participant_status", "active"),
        ("teacher_reference_number_validated", True),
        ("eligible_for_funding", True),
        ("pupil_premium_uplift", True),
        ("sparsity_uplift", False),
        ("schedule_identifier", "ecf-standard-september"),
        ("delivery_partner_id", DP_1),
        ("withdrawal", None),
        ("deferral", None),
        ("created_at", "2024-07-01T09:00:00Z"),
        ("induction_end_date", "2026-07-31"),
        ("mentor_funding_end_date", None),
        ("cohort_changed_after_payments_frozen", False),
        ("mentor_ineligible_for_funding_reason", None),
    ]
    assert list(mentor) == [key for key, _ in ect.items()]
    assert mentor["training_record_id"] == M1 and mentor["mentor_id"] is None
    assert attributes["participant_id_changes"] == [
        {"from_participant_id": U_OLD, "to_participant_id": U1, "changed_at": "2024-06-01T00:00:00Z"},
        {"from_participant_id": U_OLDER, "to_participant_id": U_OLD, "changed_at": "2024-03-01T00:00:00Z"},
    ]
    assert [list(c) for c in attributes["participant_id_changes"]] == [
        ["from_participant_id", "to_participant_id", "changed_at"]] * 2


def test_participant_v3_mentor_fields(world):
    profile = world.profiles[M1]
    profile.mentor_completion_on, profile.mentor_completion_reason = date(2025, 7, 1), "completed_declaration_received"
    profile.cohort_changed_after_payments_frozen = True
    mentor = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][1]
    assert (mentor["mentor_funding_end_date"], mentor["mentor_ineligible_for_funding_reason"],
            mentor["cohort_changed_after_payments_frozen"]) == ("2025-07-01", "completed_declaration_received", True)
    # an ECT never shows a mentor ineligibility reason
    world.profiles[E1].mentor_completion_reason = "started_not_completed"
    assert participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0][
        "mentor_ineligible_for_funding_reason"] is None


def test_participant_v3_enrolments_follow_record_age(world):
    world.records[R_M1].created_at = T("2024-06-01T00:00:00Z")  # now older than R_E1
    enrolments = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"]
    assert [e["training_record_id"] for e in enrolments] == [M1, E1]


def test_participant_v3_scope(world):
    # LP_B sees only the ECT profile, with its own delivery partner and cohort
    enrolments = participant_resource_v3(world, LP_B, U1, NOW)["attributes"]["ecf_enrolments"]
    assert [(e["training_record_id"], e["delivery_partner_id"], e["cohort"], e["participant_status"])
            for e in enrolments] == [(E1, DP_2, "2023", "left")]
    # the TRN comes from the teacher profile only, shared by the user's profiles
    world.profiles[E1].trn = None
    assert participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["teacher_reference_number"] == "1234567"
    world.profiles[M1].trn = None
    assert participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["teacher_reference_number"] is None
    # every record in a challenged partnership: not visible
    world.programmes[PROG_A].partnership_id = P_A_CH
    assert participant_resource_v3(world, LP_A, U1, NOW) is None
    assert participant_resource_v3(world, LP_A, "no-such-user", NOW) is None


def test_participant_v3_cohort_filter_is_applied_after_latest(world):
    add_record(world, "r-e1-2020", E1, PROG_A_2020, start_at=T("2024-11-01T00:00:00Z"), schedule_cohort=2020,
               created_at=T("2024-11-01T00:00:00Z"))
    add_record(world, "r-m1-2020", M1, PROG_A_2020, start_at=T("2024-11-01T00:00:00Z"), schedule_cohort=2020,
               created_at=T("2024-11-02T00:00:00Z"))
    # both profiles' latest records are in 2020: out of the default scope
    assert participant_resource_v3(world, LP_A, U1, NOW) is None
    shown = participant_resource_v3(world, LP_A, U1, NOW, cohorts={2020})
    assert [e["cohort"] for e in shown["attributes"]["ecf_enrolments"]] == ["2020", "2020"]
    # an action receipt shows the acted-on user whatever the list scope
    receipt = participant_resource_v3(world, LP_A, U1, NOW, visible_only=False)
    assert receipt["attributes"]["ecf_enrolments"] == shown["attributes"]["ecf_enrolments"]
    world.programmes[PROG_A_2020].partnership_id = P_A_CH
    world.programmes[PROG_A].partnership_id = P_A_CH
    assert participant_resource_v3(world, LP_A, U1, NOW, visible_only=False)["attributes"]["ecf_enrolments"] == []
    assert participant_resource_v3(world, LP_A, "no-such-user", NOW, visible_only=False) is None


@pytest.mark.parametrize("start, end, induction_status, expected", [
    ("2024-09-01T00:00:00Z", None, "active", "active"),
    ("2024-09-01T00:00:00Z", None, "completed", "active"),
    ("2024-09-01T00:00:00Z", None, "withdrawn", "withdrawn"),
    ("2024-09-01T00:00:00Z", None, "changed", "withdrawn"),
    ("2024-09-01T00:00:00Z", None, "leaving", None),
    ("2025-01-15T12:00:01Z", None, "active", "joining"),
    ("2025-01-15T12:00:00Z", None, "active", "active"),           # starting exactly now: not joining
    ("2024-09-01T00:00:00Z", "2025-01-15T12:00:01Z", "leaving", "leaving"),
    ("2024-09-01T00:00:00Z", "2025-01-15T12:00:00Z", "leaving", "left"),  # ending exactly now: left
    ("2024-09-01T00:00:00Z", "2024-12-31T00:00:00Z", "active", "left"),
    ("2025-03-01T00:00:00Z", "2025-06-01T00:00:00Z", "active", "leaving"),  # an end date wins over joining
])
def test_participant_status_against_now(world, start, end, induction_status, expected):
    record = world.records[R_E1]
    record.start_at, record.end_at, record.induction_status = T(start), (T(end) if end else None), induction_status
    assert participant_status(record, NOW) == expected
    enrolment = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0]
    assert enrolment["participant_status"] == expected


def test_participant_status_moves_with_now(world):
    record = world.records[R_E1]
    record.start_at, record.end_at = T("2025-02-01T00:00:00Z"), T("2025-06-01T00:00:00Z")
    statuses = [participant_resource_v3(world, LP_A, U1, T(now))["attributes"]["ecf_enrolments"][0][
        "participant_status"] for now in ("2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z", "2025-07-01T00:00:00Z")]
    assert statuses == ["leaving", "leaving", "left"]
    record.end_at = None
    statuses = [participant_resource_v3(world, LP_A, U1, T(now))["attributes"]["ecf_enrolments"][0][
        "participant_status"] for now in ("2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z")]
    assert statuses == ["joining", "active"]


def _withdraw(world: World, reason: str, at: str, lead_provider_id: str = LP_A, state: str = "withdrawn") -> None:
    world.provider_states[(E1, lead_provider_id)].append(
        ProviderParticipantState(E1, lead_provider_id, state, reason, T(at)))


@pytest.mark.parametrize("flag, reason, shown", [
    (True, "school-left-fip", "switched-to-school-led"),
    (False, "school-left-fip", "school-left-fip"),
    (True, "moved-school", "moved-school"),
    (False, "switched-to-school-led", "switched-to-school-led"),
])
def test_withdrawal_reason_mapping_under_the_2025_flag(world, flag, reason, shown):
    world.feature_flags["programme_type_changes_2025"] = flag
    world.records[R_E1].training_status = "withdrawn"
    _withdraw(world, reason, "2024-10-01T10:00:00.750Z")
    enrolment = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0]
    assert list(enrolment["withdrawal"].items()) == [("reason", shown), ("date", "2024-10-01T10:00:00Z")]
    assert enrolment["deferral"] is None


def test_withdrawal_uses_this_providers_latest_withdrawn_state(world):
    world.records[R_E1].training_status = "withdrawn"
    _withdraw(world, "moved-school", "2024-10-01T10:00:00Z")
    _withdraw(world, "other", "2024-10-05T10:00:00Z", state="active")        # a resume in between
    _withdraw(world, "left-teaching-profession", "2024-10-09T10:00:00Z")
    _withdraw(world, "other", "2024-12-01T10:00:00Z", lead_provider_id=LP_B)  # another provider's
    withdrawal = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0]["withdrawal"]
    assert withdrawal == {"reason": "left-teaching-profession", "date": "2024-10-09T10:00:00Z"}


def test_withdrawal_and_deferral_need_the_matching_training_status_and_a_state(world):
    _withdraw(world, "moved-school", "2024-10-01T10:00:00Z")
    enrolment = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0]
    assert enrolment["withdrawal"] is None  # training status still active
    world.records[R_E1].training_status = "withdrawn"
    world.provider_states.clear()
    _withdraw(world, "moved-school", "2024-10-01T10:00:00Z", lead_provider_id=LP_B)
    assert participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0]["withdrawal"] is None
    world.records[R_E1].training_status = "deferred"
    _withdraw(world, "career-break", "2024-11-01T10:00:00Z", state="deferred")
    enrolment = participant_resource_v3(world, LP_A, U1, NOW)["attributes"]["ecf_enrolments"][0]
    assert list(enrolment["deferral"].items()) == [("reason", "career-break"), ("date", "2024-11-01T10:00:00Z")]
    assert enrolment["withdrawal"] is None


# ------------------------------------------------------------------------------------------ partnerships
def test_partnership_exact_bytes_active(world):
    assert compact(partnership_resource(world, world.partnerships[P_A])) == (
        '{"id":"' + P_A + '","type":"partnership","attributes":{"cohort":"2024","urn":"123456",'
        '"school_id":"' + SCHOOL + '","delivery_partner_id":"' + DP_1 + '",'
        '"delivery_partner_name":"Oak & Ash Partners","status":"active","challenged_reason":null,'
        '"challenged_at":null,"induction_tutor_name":"Jane Smith","induction_tutor_email":"jane.smith@example.org",'
        '"created_at":"2024-05-20T10:00:00Z","updated_at":"2024-05-20T10:00:00Z"}}')


def test_partnership_challenged_at_has_milliseconds(world):
    attributes = partnership_resource(world, world.partnerships[P_A_CH])["attributes"]
    assert (attributes["status"], attributes["challenged_reason"], attributes["challenged_at"]) == (
        "challenged", "mistake", "2024-06-03T08:30:00.123Z")
    assert attributes["created_at"] == "2024-05-20T10:00:00Z"  # every other timestamp without fractions
    # the model's test for `status` is the reason alone
    world.partnerships[P_A_CH].challenge_reason = None
    assert partnership_resource(world, world.partnerships[P_A_CH])["attributes"]["status"] == "active"


def test_partnership_updated_at_is_the_latest_source(world):
    partnership = world.partnerships[P_A]
    world.schools[SCHOOL].updated_at = T("2024-06-01T00:00:00Z")
    assert partnership_resource(world, partnership)["attributes"]["updated_at"] == "2024-06-01T00:00:00Z"
    world.delivery_partners[DP_1].updated_at = T("2024-07-01T00:00:00.999Z")
    assert partnership_resource(world, partnership)["attributes"]["updated_at"] == "2024-07-01T00:00:00Z"
    world.schools[SCHOOL].induction_tutor_name = world.schools[SCHOOL].induction_tutor_email = None
    attributes = partnership_resource(world, partnership)["attributes"]
    assert (attributes["induction_tutor_name"], attributes["induction_tutor_email"]) == (None, None)


# ------------------------------------------------------------------------------------------ OpenAPI schemas
# Where api.md §7 says the live service differs from its OpenAPI file, the live behaviour wins.
LIVE_NULLABLE = {
    "v1": {"ECFParticipantAttributes": ("status", "school_urn", "cohort", "schedule_identifier")},
    "v2": {"ECFParticipantAttributes": ("status", "school_urn", "cohort", "schedule_identifier")},
    "v3": {"ECFParticipantAttributes": ("teacher_reference_number",),
           "ECFEnrolment": ("teacher_reference_number_validated", "delivery_partner_id"),
           "ParticipantDeclarationAttributes": ("uplift_paid",)},
}
LIVE_ENUM_EXTRA = {"v2": {("ParticipantDeclarationAttributes", "state"): ("awaiting-clawback", "clawed-back")}}


def _to_json_schema(node, components: dict, seen: tuple = ()):
    """OpenAPI 3.0 schema → JSON Schema: inline `#/components/schemas/…` refs, `nullable` → null allowed,
    drop OpenAPI-only keywords (and the invalid `"required": false` of §7 item 17)."""
    if isinstance(node, list):
        return [_to_json_schema(item, components, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        assert name not in seen, f"recursive schema {name}"
        return _to_json_schema(components[name], components, seen + (name,))
    out = {key: _to_json_schema(value, components, seen) for key, value in node.items()
           if key not in ("example", "nullable", "description", "properties")
           and not (key == "required" and not isinstance(value, list))}
    if "properties" in node:
        out["properties"] = {name: _to_json_schema(value, components, seen)
                             for name, value in node["properties"].items()}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


def _validator(version: str, schema_name: str):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed")
    path = OPENAPI_DIR / f"{version}.json"
    if not path.is_file():
        pytest.skip(f"OpenAPI reference file {path} is absent")
    components = copy.deepcopy(json.loads(path.read_text(encoding="utf-8"))["components"]["schemas"])
    for name, fields in LIVE_NULLABLE.get(version, {}).items():
        for field_name in fields:
            components[name]["properties"][field_name]["nullable"] = True
    for (name, field_name), values in LIVE_ENUM_EXTRA.get(version, {}).items():
        components[name]["properties"][field_name]["enum"] += list(values)
    schema = _to_json_schema(components[schema_name], components)
    return jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())


def _examples(world: World) -> dict:
    world.records[R_E1].training_status = "withdrawn"
    _withdraw(world, "school-left-fip", "2024-10-01T10:00:00Z")
    declaration = add_declaration(world, state="awaiting_clawback", evidence_held="training-event-attended")
    add_line_item(world, D1, ST_1, "billable", "paid")
    add_line_item(world, D1, ST_2, "refundable", "awaiting_clawback")
    return {
        ("v1", "ECFParticipantResponse"): participant_resource_v1(world, LP_A, U1, NOW),
        ("v2", "ECFParticipantResponse"): participant_resource_v2(world, LP_A, U1, NOW, "ecf-mentor"),
        ("v3", "ECFParticipantResponse"): participant_resource_v3(world, LP_A, U1, NOW),
        ("v1", "SingleParticipantDeclarationResponse"): declaration_resource(world, declaration, 1),
        ("v2", "SingleParticipantDeclarationResponse"): declaration_resource(world, declaration, 2),
        ("v3", "SingleParticipantDeclarationResponse"): declaration_resource(world, declaration, 3),
        ("v3", "ECFPartnershipResponse"): partnership_resource(world, world.partnerships[P_A_CH]),
    }


@pytest.mark.parametrize("version, schema_name", [
    ("v1", "ECFParticipantResponse"), ("v2", "ECFParticipantResponse"), ("v3", "ECFParticipantResponse"),
    ("v1", "SingleParticipantDeclarationResponse"), ("v2", "SingleParticipantDeclarationResponse"),
    ("v3", "SingleParticipantDeclarationResponse"), ("v3", "ECFPartnershipResponse"),
])
def test_examples_match_the_official_openapi_schema(world, version, schema_name):
    validator = _validator(version, schema_name)
    document = {"data": _examples(world)[(version, schema_name)]}
    errors = sorted(validator.iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_schema_check_rejects_a_wrong_resource(world):
    """The validation above can fail: an underscored state, a missing attribute and a non-RFC 3339
    timestamp are each reported."""
    validator = _validator("v3", "SingleParticipantDeclarationResponse")
    resource = _examples(world)[("v3", "SingleParticipantDeclarationResponse")]
    bad = copy.deepcopy(resource)
    bad["attributes"]["state"] = "awaiting_clawback"
    del bad["attributes"]["lead_provider_name"]
    bad["attributes"]["updated_at"] = "2024-11-01 00:00:01"
    messages = [e.message for e in validator.iter_errors({"data": bad})]
    assert len(messages) == 3, messages
    participant = _validator("v3", "ECFParticipantResponse")
    wrong = copy.deepcopy(_examples(build_world())[("v3", "ECFParticipantResponse")])
    wrong["attributes"]["ecf_enrolments"][0]["participant_status"] = "transferred"
    assert list(participant.iter_errors({"data": wrong}))


def test_resources_encode_with_the_live_json_writer(world):
    """The caller's encoder gives the live bytes: compact, `&` escaped, strings passed through as built."""
    try:
        from api_export.json_bytes import live_json
    except ImportError:
        pytest.skip("api_export.json_bytes is not available yet")
    body = live_json({"data": partnership_resource(world, world.partnerships[P_A_CH])})
    assert body.startswith(b'{"data":{"id":"' + P_A_CH.encode() + b'","type":"partnership","attributes":{')
    assert b'"delivery_partner_name":"Elm Partners","status":"challenged","challenged_reason":"mistake",' \
           b'"challenged_at":"2024-06-03T08:30:00.123Z",' in body
    world.delivery_partners[DP_2].name = "Oak & <Ash>"
    assert b'"delivery_partner_name":"Oak \\u0026 \\u003cAsh\\u003e"' in live_json(
        partnership_resource(world, world.partnerships[P_A_CH]))
