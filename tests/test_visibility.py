"""pipelines.world.visibility: read-API scopes per provider (api.md §3.1–§3.10, declarations.md §5) on
small literal worlds. Each test builds only what its rule needs, and pins exact lists (order included)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from api_export.serializers import participant_resource_v3, participant_resources_v1
from pipelines.world.model import (
    Cohort, Declaration, DeliveryPartner, Identity, InductionProgramme, InductionRecord, LeadProvider, Partnership,
    Profile, School, User,
)
from pipelines.world.visibility import (
    delivery_partner_cohorts, school_in_partnership, transfer_users, transfers, transfers_updated_at,
    unfunded_mentors, visible_declarations_v1, visible_declarations_v3, visible_delivery_partners,
    visible_participants_v1, visible_participants_v3, visible_partnerships, visible_schools,
)
from pipelines.world.world import World


def T(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


LP_A, LP_B, LP_C = "lp-a", "lp-b", "lp-c"
DP_1, DP_2, DP_3 = "dp-1", "dp-2", "dp-3"
S1, S2, S3 = "school-1", "school-2", "school-3"
T0 = T("2024-01-01T00:00:00Z")


class Builder:
    """Terse literal worlds: every partnership gets a provider-led programme named `prog-<partnership>`."""

    def __init__(self) -> None:
        self.world = World()
        for lp, name in ((LP_A, "Alder Learning"), (LP_B, "Birch Institute"), (LP_C, "Cedar College")):
            self.world.add_lead_provider(LeadProvider(lp, name, name.split()[0].lower(), False))
        for year in range(2020, 2026):
            self.world.cohorts[year] = Cohort(year, date(year, 5, 10), date(year, 9, 1), date(year + 1, 3, 31),
                                              None, True, year >= 2025)
        for school_id, urn in ((S1, "100001"), (S2, "100002"), (S3, "100003")):
            self.school(school_id, urn)

    def school(self, school_id: str, urn: str, eligible: bool = True, cip_only: bool = False,
               created: str = "2020-01-01T00:00:00Z") -> None:
        self.world.schools[school_id] = School(school_id, urn, f"School {urn}", eligible, cip_only, None, None, None,
                                               T(created), T(created))

    def partnership(self, pid: str, lp: str, school: str, cohort: int = 2024, dp: str = DP_1, *,
                    challenged: bool = False, relationship: bool = False, pending: bool = False,
                    created: str = "2024-05-01T00:00:00Z") -> str:
        self.world.add_partnership(Partnership(
            pid, lp, dp, school, cohort, relationship, pending, T("2024-06-01T00:00:00Z") if challenged else None,
            "mistake" if challenged else None, T(created), T(created)))
        self.programme(f"prog-{pid}", school, cohort, pid)
        return f"prog-{pid}"

    def programme(self, prog: str, school: str, cohort: int = 2024, pid: str | None = None,
                  training_programme: str = "full_induction_programme") -> str:
        self.world.add_programme(InductionProgramme(prog, school, cohort, training_programme, pid, T0))
        return prog

    def participant(self, user_id: str, profile_id: str, participant_type: str = "ect",
                    created: str = "2024-06-01T00:00:00Z") -> str:
        if user_id not in self.world.users:
            self.world.users[user_id] = User(user_id, f"Name {user_id}", f"{user_id}@example.org", T(created),
                                             T(created))
            self.world.add_identity(Identity(f"id-{user_id}", user_id, user_id, f"{user_id}@example.org", T(created),
                                             T(created)))
        self.world.add_profile(Profile(profile_id, f"id-{user_id}", participant_type, None, 2024,
                                       "ecf-standard-september", S1, "eligible", None, "active", None, False, False,
                                       T(created), T(created)))
        return profile_id

    def record(self, rid: str, profile_id: str, programme: str, start: str = "2024-09-01T00:00:00Z",
               end: str | None = None, status: str = "active", *, training: str = "active", cohort: int = 2024,
               school_transfer: bool = False, created: str | None = None, updated: str | None = None,
               mentor: str | None = None) -> InductionRecord:
        created = created or start
        record = InductionRecord(rid, profile_id, programme, T(start), T(end) if end else None, status, training,
                                 "ecf-standard-september", cohort, school_transfer, mentor, None, T(created),
                                 T(updated or created), "registration")
        self.world.add_record(record)
        return record

    def declaration(self, did: str, lp: str, user_id: str, profile_id: str, state: str = "eligible",
                    declared: str = "2024-10-01T09:00:00Z", created: str | None = None, *,
                    declaration_type: str = "started", cohort: int = 2024) -> Declaration:
        created = created or declared
        declaration = Declaration(did, lp, user_id, profile_id, "ect", "ecf-induction", declaration_type, T(declared),
                                  declared, cohort, state, None, None, None, False, False, None, None, T(created),
                                  T(created))
        self.world.add_declaration(declaration)
        return declaration


def ids(declarations) -> list[str]:
    return [d.declaration_id for d in declarations]


# ================================================================================ participants (§3.1, §3.3)
class TestParticipants:
    def test_v1_one_entry_per_profile_in_user_creation_order(self):
        b = Builder()
        prog = b.partnership("pa", LP_A, S1)
        b.participant("u-late", "ect-late", created="2024-06-02T00:00:00Z")
        b.participant("u-late", "mentor-late", "mentor", created="2024-06-02T00:00:00Z")
        b.participant("u-early", "ect-early", created="2024-06-01T00:00:00Z")
        for profile in ("mentor-late", "ect-late", "ect-early"):
            b.record(f"r-{profile}", profile, prog)
        assert visible_participants_v1(b.world, LP_A) == [
            ("u-early", "ect-early"), ("u-late", "ect-late"), ("u-late", "mentor-late")]
        assert visible_participants_v3(b.world, LP_A) == ["u-early", "u-late"]
        assert visible_participants_v1(b.world, LP_B) == [] and visible_participants_v3(b.world, LP_B) == []

    def test_user_creation_ties_broken_by_user_id(self):
        b = Builder()
        prog = b.partnership("pa", LP_A, S1)
        for user in ("u-2", "u-1", "u-3"):
            b.record(f"r-{user}", b.participant(user, f"p-{user}"), prog)
        assert visible_participants_v3(b.world, LP_A) == ["u-1", "u-2", "u-3"]

    def test_challenged_partnership_hides_the_participant_but_not_the_declarations(self):
        b = Builder()
        prog = b.partnership("pa", LP_A, S1, challenged=True)
        b.record("r1", b.participant("u1", "p1"), prog)
        b.declaration("d1", LP_A, "u1", "p1", "paid")
        assert visible_participants_v1(b.world, LP_A) == []
        assert visible_participants_v3(b.world, LP_A) == []
        assert ids(visible_declarations_v1(b.world, LP_A)) == ["d1"]
        assert ids(visible_declarations_v3(b.world, LP_A)) == ["d1"]
        b.world.partnerships["pa"].challenged_at = b.world.partnerships["pa"].challenge_reason = None
        assert visible_participants_v1(b.world, LP_A) == [("u1", "p1")]
        assert visible_participants_v3(b.world, LP_A) == ["u1"]

    def test_challenged_at_alone_hides_too(self):
        """The provider-side test is "unchallenged" = both challenge columns null (partnerships-and-finance §1.1)."""
        b = Builder()
        prog = b.partnership("pa", LP_A, S1)
        b.world.partnerships["pa"].challenged_at = T("2024-06-01T00:00:00Z")
        b.record("r1", b.participant("u1", "p1"), prog)
        assert visible_participants_v1(b.world, LP_A) == [] and visible_participants_v3(b.world, LP_A) == []

    def test_cohort_filter_before_latest_in_v1_after_latest_in_v3(self):
        b = Builder()
        prog_2023 = b.partnership("pa23", LP_A, S1, 2023)
        prog_2024 = b.partnership("pa24", LP_A, S1, 2024)
        b.participant("u1", "p1")
        b.record("r-2023", "p1", prog_2023, "2023-09-01T00:00:00Z", "2024-08-31T00:00:00Z", "changed", cohort=2023)
        b.record("r-2024", "p1", prog_2024, "2024-09-01T00:00:00Z", cohort=2024)
        assert visible_participants_v1(b.world, LP_A, cohorts={2023}) == [("u1", "p1")]
        assert visible_participants_v3(b.world, LP_A, cohorts={2023}) == []
        assert visible_participants_v1(b.world, LP_A, cohorts={2024}) == [("u1", "p1")]
        assert visible_participants_v3(b.world, LP_A, cohorts={2024}) == ["u1"]

    def test_default_cohort_scope_is_after_2020(self):
        b = Builder()
        prog = b.partnership("pa20", LP_A, S1, 2020)
        b.record("r1", b.participant("u1", "p1"), prog, cohort=2020)
        assert visible_participants_v1(b.world, LP_A) == [] and visible_participants_v3(b.world, LP_A) == []
        assert visible_participants_v1(b.world, LP_A, cohorts=[2020]) == [("u1", "p1")]
        assert visible_participants_v3(b.world, LP_A, cohorts=[2020]) == ["u1"]

    def test_withdrawn_participants_are_included(self):
        b = Builder()
        prog = b.partnership("pa", LP_A, S1)
        b.record("r1", b.participant("u1", "p1"), prog, status="withdrawn", training="withdrawn")
        assert visible_participants_v1(b.world, LP_A) == [("u1", "p1")]
        assert visible_participants_v3(b.world, LP_A) == ["u1"]

    def test_v3_training_status_filter_on_the_chosen_record(self):
        b = Builder()
        prog = b.partnership("pa", LP_A, S1)
        b.participant("u1", "p1")
        b.record("r-old", "p1", prog, "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "changed", training="active")
        b.record("r-new", "p1", prog, "2024-10-01T00:00:00Z", training="deferred")
        b.record("r2", b.participant("u2", "p2"), prog, training="active")
        assert visible_participants_v3(b.world, LP_A, training_status="deferred") == ["u1"]
        assert visible_participants_v3(b.world, LP_A, training_status="active") == ["u2"]
        assert visible_participants_v3(b.world, LP_A, training_status="withdrawn") == []
        with pytest.raises(ValueError):
            visible_participants_v3(b.world, LP_A, training_status="paused")

    def test_old_provider_keeps_seeing_a_leaving_participant(self):
        world = transfer_world().world
        assert visible_participants_v3(world, LP_A) == ["u1"]
        assert visible_participants_v3(world, LP_B) == ["u1"]
        assert visible_participants_v1(world, LP_A) == [("u1", "p1")]
        # participant_status (serializers) at the cycle's as_of: leaving → left, joining → active.
        before, after = T("2024-12-20T00:00:00Z"), T("2025-01-20T00:00:00Z")

        def status(lp, now):
            enrolment = participant_resource_v3(world, lp, "u1", now)["attributes"]["ecf_enrolments"][0]
            return enrolment["participant_status"]
        assert (status(LP_A, before), status(LP_B, before)) == ("leaving", "joining")
        assert (status(LP_A, after), status(LP_B, after)) == ("left", "active")

    def test_scopes_agree_with_the_serializers(self):
        b = transfer_world()
        prog_ch = b.partnership("pa-ch", LP_A, S2, challenged=True)
        prog_20 = b.partnership("pa-20", LP_A, S2, 2020)
        b.record("r-ch", b.participant("u-ch", "p-ch", created="2024-05-01T00:00:00Z"), prog_ch)
        b.record("r-20", b.participant("u-20", "p-20"), prog_20, cohort=2020)
        b.record("r-m", b.participant("u1", "m1", "mentor"), prog_ch)
        world, now = b.world, T("2025-01-01T00:00:00Z")
        users = sorted(world.users.values(), key=lambda u: (u.created_at, u.user_id))
        for lp in (LP_A, LP_B, LP_C):
            for cohorts in (None, {2020}, {2024, 2025}):
                v3 = [u.user_id for u in users if participant_resource_v3(world, lp, u.user_id, now, cohorts=cohorts)]
                v1 = [(u.user_id, e["attributes"]["training_record_id"]) for u in users
                      for e in participant_resources_v1(world, lp, u.user_id, now, cohorts=cohorts)]
                assert visible_participants_v3(world, lp, cohorts) == v3
                assert visible_participants_v1(world, lp, cohorts) == v1
        assert visible_participants_v3(world, LP_A) == ["u1"]


# ================================================================================ declarations (§3.2, §3.5)
def transfer_world() -> Builder:
    """u1/p1 moves from LP_A at S1 (leaving, ends 2025-01-01) to LP_B at S3 (school transfer, starts 2025-01-15)."""
    b = Builder()
    prog_a = b.partnership("pa", LP_A, S1)
    prog_b = b.partnership("pb", LP_B, S3, dp=DP_2)
    b.participant("u1", "p1")
    b.record("r-a", "p1", prog_a, "2024-09-01T00:00:00Z", "2025-01-01T00:00:00Z", "leaving",
             created="2024-07-01T00:00:00Z", updated="2024-12-01T00:00:00Z")
    b.record("r-b", "p1", prog_b, "2025-01-15T00:00:00Z", school_transfer=True,
             created="2024-12-10T00:00:00Z", updated="2024-12-11T00:00:00Z")
    return b


class TestDeclarations:
    def test_v1_others_live_declarations_only_for_active_or_completed_records(self):
        b = transfer_world()
        b.declaration("a-paid", LP_A, "u1", "p1", "paid", "2024-10-01T09:00:00Z")
        b.declaration("a-void", LP_A, "u1", "p1", "voided", "2024-10-02T09:00:00Z", declaration_type="retained-1")
        b.declaration("a-sub", LP_A, "u1", "p1", "submitted", "2024-10-03T09:00:00Z", declaration_type="retained-1")
        b.declaration("a-claw", LP_A, "u1", "p1", "awaiting_clawback", "2024-10-04T09:00:00Z",
                      declaration_type="retained-2")
        b.declaration("b-elig", LP_B, "u1", "p1", "eligible", "2025-02-01T09:00:00Z", declaration_type="retained-2")
        world = b.world
        assert ids(visible_declarations_v1(world, LP_A)) == ["a-paid", "a-void", "a-sub", "a-claw"]
        assert ids(visible_declarations_v1(world, LP_B)) == ["a-paid", "a-sub", "b-elig"]
        assert ids(visible_declarations_v1(world, LP_C)) == []
        world.records["r-a"].induction_status = "completed"
        assert ids(visible_declarations_v1(world, LP_A)) == ["a-paid", "a-void", "a-sub", "a-claw", "b-elig"]

    def test_v3_leaving_record_admits_others_declarations_dated_on_or_before_its_end(self):
        b = transfer_world()
        b.declaration("b-before", LP_B, "u1", "p1", "eligible", "2024-12-31T23:59:59Z", "2025-01-20T00:00:00Z")
        b.declaration("b-at-end", LP_B, "u1", "p1", "payable", "2025-01-01T00:00:00Z", "2025-01-21T00:00:00Z",
                      declaration_type="retained-1")
        b.declaration("b-after", LP_B, "u1", "p1", "paid", "2025-01-01T00:00:01Z", "2025-01-22T00:00:00Z",
                      declaration_type="retained-2")
        b.declaration("b-void", LP_B, "u1", "p1", "voided", "2024-12-01T00:00:00Z", "2025-01-23T00:00:00Z",
                      declaration_type="retained-3")
        b.declaration("a-own", LP_A, "u1", "p1", "ineligible", "2024-10-01T09:00:00Z", "2024-10-01T09:00:00Z")
        world = b.world
        assert ids(visible_declarations_v3(world, LP_A)) == ["a-own", "b-before", "b-at-end"]
        # v1 has no leaving set: the old provider sees none of the new provider's declarations.
        assert ids(visible_declarations_v1(world, LP_A)) == ["a-own"]
        # the new provider's active record admits the old provider's live ones, whatever their date.
        assert ids(visible_declarations_v3(world, LP_B)) == ["b-before", "b-at-end", "b-after", "b-void"]
        world.records["r-a"].end_at = None
        assert ids(visible_declarations_v3(world, LP_A)) == ["a-own", "b-before", "b-at-end", "b-after"]

    def test_other_declarations_through_a_challenged_partnership_stay_visible(self):
        b = transfer_world()
        b.world.partnerships["pb"].challenge_reason = "mistake"
        b.declaration("a-paid", LP_A, "u1", "p1", "paid")
        assert visible_participants_v3(b.world, LP_B) == []
        assert ids(visible_declarations_v1(b.world, LP_B)) == ["a-paid"]
        assert ids(visible_declarations_v3(b.world, LP_B)) == ["a-paid"]

    def test_v3_cip_programme_record_does_not_admit_others(self):
        b = Builder()
        b.partnership("pa", LP_A, S1)
        cip = b.programme("cip-a", S1, 2024, "pa", training_programme="core_induction_programme")
        b.record("r1", b.participant("u1", "p1"), cip)
        b.declaration("b-1", LP_B, "u1", "p1", "eligible")
        assert ids(visible_declarations_v3(b.world, LP_A)) == []
        assert ids(visible_declarations_v1(b.world, LP_A)) == ["b-1"]
        b.world.programmes["cip-a"].training_programme = "full_induction_programme"
        assert ids(visible_declarations_v3(b.world, LP_A)) == ["b-1"]

    def test_v3_cohort_filter_uses_the_declarations_cohort_and_has_no_default(self):
        b = transfer_world()
        b.declaration("a-2020", LP_A, "u1", "p1", "paid", "2024-10-01T00:00:00Z", cohort=2020)
        b.declaration("a-2024", LP_A, "u1", "p1", "paid", "2024-10-02T00:00:00Z", cohort=2024,
                      declaration_type="retained-1")
        b.declaration("b-2025", LP_B, "u1", "p1", "eligible", "2025-02-01T00:00:00Z", cohort=2025,
                      declaration_type="retained-2")
        world = b.world
        assert ids(visible_declarations_v3(world, LP_A)) == ["a-2020", "a-2024"]
        assert ids(visible_declarations_v3(world, LP_A, cohorts={2024})) == ["a-2024"]
        assert ids(visible_declarations_v3(world, LP_B, cohorts={2025})) == ["b-2025"]
        assert ids(visible_declarations_v3(world, LP_B, cohorts={2020, 2025})) == ["a-2020", "b-2025"]
        assert ids(visible_declarations_v1(world, LP_A)) == ["a-2020", "a-2024"]

    def test_order_is_created_at_then_id(self):
        b = Builder()
        prog = b.partnership("pa", LP_A, S1)
        b.record("r1", b.participant("u1", "p1"), prog)
        b.declaration("d-c", LP_A, "u1", "p1", "paid", "2024-10-01T00:00:00Z", "2024-10-05T00:00:00Z")
        b.declaration("d-b", LP_A, "u1", "p1", "paid", "2024-10-01T00:00:00Z", "2024-10-03T00:00:00Z")
        b.declaration("d-a", LP_A, "u1", "p1", "paid", "2024-10-01T00:00:00Z", "2024-10-05T00:00:00Z")
        assert ids(visible_declarations_v1(b.world, LP_A)) == ["d-b", "d-a", "d-c"]
        assert ids(visible_declarations_v3(b.world, LP_A)) == ["d-b", "d-a", "d-c"]


# ================================================================================ transfers (§3.4)
def leaving_side(urn, provider, day):
    return {"school_urn": urn, "provider": provider, "date": day}


class TestTransfers:
    def test_between_schools_with_the_same_provider_is_new_school(self):
        b = Builder()
        prog_1, prog_2 = b.partnership("pa1", LP_A, S1), b.partnership("pa2", LP_A, S2)
        b.participant("u1", "p1")
        b.record("r1", "p1", prog_1, "2024-09-01T00:00:00Z", "2025-01-01T00:00:00Z", "leaving",
                 created="2024-12-01T10:00:00.5Z")
        b.record("r2", "p1", prog_2, "2025-01-01T00:00:00Z", school_transfer=True, created="2024-12-05T00:00:00Z")
        expected = {
            "training_record_id": "p1", "transfer_type": "new_school", "status": "incomplete",
            "created_at": "2024-12-01T10:00:00Z",
            "leaving": leaving_side("100001", "Alder Learning", "2025-01-01"),
            "joining": leaving_side("100002", "Alder Learning", "2025-01-01"),
        }
        got = transfers(b.world, LP_A, "u1", T("2024-12-10T00:00:00Z"))
        assert got == [expected] and list(got[0]) == list(expected)
        assert transfers(b.world, LP_A, "u1", T("2025-01-02T00:00:00Z")) == [{**expected, "status": "complete"}]
        assert transfer_users(b.world, LP_A) == ["u1"]

    def test_between_providers_is_new_provider_seen_by_both(self):
        world = transfer_world().world
        expected = {
            "training_record_id": "p1", "transfer_type": "new_provider", "status": "incomplete",
            "created_at": "2024-07-01T00:00:00Z",
            "leaving": leaving_side("100001", "Alder Learning", "2025-01-01"),
            "joining": leaving_side("100003", "Birch Institute", "2025-01-15"),
        }
        at = T("2025-01-10T00:00:00Z")  # after the leaving end, before the joining start
        assert transfers(world, LP_A, "u1", at) == [expected]
        assert transfers(world, LP_B, "u1", at) == [expected]
        assert transfers(world, LP_C, "u1", at) == []
        assert transfers(world, LP_A, "u1", T("2025-01-15T00:00:00Z"))[0]["status"] == "complete"
        assert transfers(world, LP_B, "u1", T("2025-01-14T23:59:59Z"))[0]["status"] == "incomplete"
        assert (transfer_users(world, LP_A), transfer_users(world, LP_B), transfer_users(world, LP_C)) == (
            ["u1"], ["u1"], [])

    def test_leaving_without_joining_is_unknown_and_only_for_the_leaving_provider(self):
        b = Builder()
        prog_a = b.partnership("pa", LP_A, S1)
        b.partnership("pb", LP_B, S3)
        b.participant("u1", "p1")
        b.record("r1", "p1", prog_a, "2024-09-01T00:00:00Z", "2025-03-31T00:00:00Z", "leaving",
                 created="2024-08-01T00:00:00Z")
        expected = {
            "training_record_id": "p1", "transfer_type": "unknown", "status": "incomplete",
            "created_at": "2024-08-01T00:00:00Z",
            "leaving": leaving_side("100001", "Alder Learning", "2025-03-31"), "joining": None,
        }
        assert transfers(b.world, LP_A, "u1", T("2025-03-30T00:00:00Z")) == [expected]
        assert transfers(b.world, LP_A, "u1", T("2025-03-31T00:00:00Z")) == [{**expected, "status": "complete"}]
        assert transfers(b.world, LP_B, "u1", T("2025-03-30T00:00:00Z")) == []
        assert (transfer_users(b.world, LP_A), transfer_users(b.world, LP_B)) == (["u1"], [])

    def test_joining_record_rules(self):
        """Not leaving, another school, flagged school_transfer, first unused in creation order (even one
        created before the leaving record); a CIP joiner has no provider and makes new_school."""
        b = Builder()
        prog_a1, prog_b3 = b.partnership("pa1", LP_A, S1), b.partnership("pb3", LP_B, S3)
        prog_a1_again = b.programme("pa1-extra", S1, 2024, "pa1")
        cip = b.programme("cip-2", S2, 2024, None, "core_induction_programme")
        b.participant("u1", "p1")
        b.record("j-early", "p1", prog_b3, "2025-01-05T00:00:00Z", school_transfer=True,
                 created="2024-11-01T00:00:00Z")
        b.record("same-school", "p1", prog_a1_again, "2025-01-01T00:00:00Z", school_transfer=True,
                 created="2024-11-02T00:00:00Z")
        b.record("no-flag", "p1", prog_b3, "2025-01-01T00:00:00Z", created="2024-11-03T00:00:00Z")
        b.record("leave-1", "p1", prog_a1, "2024-09-01T00:00:00Z", "2025-01-01T00:00:00Z", "leaving",
                 created="2024-12-01T00:00:00Z")
        b.record("leave-2", "p1", prog_a1, "2024-09-01T00:00:00Z", "2025-02-01T00:00:00Z", "leaving",
                 created="2024-12-02T00:00:00Z")
        b.record("j-cip", "p1", cip, "2025-02-01T00:00:00Z", school_transfer=True, created="2024-12-03T00:00:00Z")
        got = transfers(b.world, LP_A, "u1", T("2025-03-01T00:00:00Z"))
        assert [(t["transfer_type"], t["leaving"]["date"], t["joining"]) for t in got] == [
            ("new_provider", "2025-01-01", leaving_side("100003", "Birch Institute", "2025-01-05")),
            ("new_school", "2025-02-01", leaving_side("100002", None, "2025-02-01")),
        ]
        # the joining provider sees only the transfer it joins
        assert [t["joining"]["provider"] for t in transfers(b.world, LP_B, "u1", T("2025-03-01T00:00:00Z"))] == [
            "Birch Institute"]

    def test_successive_transfers_in_creation_order(self):
        b = transfer_world()
        b.world.records["r-b"].induction_status = "leaving"
        b.world.records["r-b"].end_at = T("2025-06-01T00:00:00Z")
        at = T("2025-03-01T00:00:00Z")
        # r-b is now leaving, so it cannot join r-a: both are unpaired; each provider sees its own leaver.
        assert [(t["transfer_type"], t["leaving"]["provider"]) for t in transfers(b.world, LP_A, "u1", at)] == [
            ("unknown", "Alder Learning")]
        assert [(t["transfer_type"], t["status"]) for t in transfers(b.world, LP_B, "u1", at)] == [
            ("unknown", "incomplete")]
        b.world.records["r-b"].induction_status = "active"
        b.world.records["r-b"].end_at = None
        prog_c = b.partnership("pc", LP_C, S2)
        b.record("r-b-leave", "p1", "prog-pb", "2025-01-15T00:00:00Z", "2025-04-01T00:00:00Z", "leaving",
                 created="2025-03-01T00:00:00Z")
        b.record("r-c", "p1", prog_c, "2025-04-01T00:00:00Z", school_transfer=True, created="2025-03-02T00:00:00Z")
        got = transfers(b.world, LP_B, "u1", at)
        assert [(t["leaving"]["provider"], t["joining"]["provider"], t["status"]) for t in got] == [
            ("Alder Learning", "Birch Institute", "complete"), ("Birch Institute", "Cedar College", "incomplete")]

    def test_scope_needs_a_leaving_record_and_a_provider_transfer_or_leaving_record(self):
        b = Builder()
        prog_a, prog_b = b.partnership("pa", LP_A, S1), b.partnership("pb", LP_B, S1)
        # a transfer-in with no leaving record anywhere: out of scope
        b.record("t-only", b.participant("u-t", "p-t"), prog_b, school_transfer=True)
        # LP_A leaving; LP_B takes over at the same school: LP_B in scope, yet no transfer to show it
        b.participant("u1", "p1", created="2024-06-02T00:00:00Z")
        b.record("r-a", "p1", prog_a, "2024-09-01T00:00:00Z", "2025-01-01T00:00:00Z", "leaving")
        b.record("r-b", "p1", prog_b, "2025-01-01T00:00:00Z", school_transfer=True)
        assert transfer_users(b.world, LP_B) == ["u1"]
        assert transfers(b.world, LP_B, "u1", T("2025-02-01T00:00:00Z")) == []
        assert transfer_users(b.world, LP_A) == ["u1"]
        assert [t["transfer_type"] for t in transfers(b.world, LP_A, "u1", T("2025-02-01T00:00:00Z"))] == ["unknown"]
        # a provider whose own record of the profile is neither a transfer-in nor leaving: out of scope
        b.record("r-c", "p1", b.partnership("pc", LP_C, S2), "2023-09-01T00:00:00Z", "2024-08-31T00:00:00Z",
                 "changed", created="2023-07-01T00:00:00Z")
        assert transfer_users(b.world, LP_C) == []

    def test_updated_at_is_the_latest_transfer_record_else_the_users(self):
        b = transfer_world()
        assert transfers_updated_at(b.world, LP_A, "u1") == T("2024-12-11T00:00:00Z")
        assert transfers_updated_at(b.world, LP_C, "u1") == b.world.users["u1"].updated_at
        assert transfers_updated_at(b.world, LP_C, "nobody") is None


# ================================================================================ partnerships, DPs, schools, mentors
class TestPartnershipsAndDeliveryPartners:
    def test_partnerships_scope(self):
        b = Builder()
        b.partnership("p-late", LP_A, S1, 2024, created="2024-05-03T00:00:00Z")
        b.partnership("p-challenged", LP_A, S2, 2024, challenged=True, created="2024-05-02T00:00:00Z")
        b.partnership("p-relationship", LP_A, S3, 2024, relationship=True, created="2024-05-01T00:00:00Z")
        b.partnership("p-pending", LP_A, S3, 2025, pending=True, created="2024-05-02T00:00:00Z")
        b.partnership("p-2020", LP_A, S1, 2020, created="2024-05-01T00:00:00Z")
        b.partnership("p-other", LP_B, S1, 2024, created="2024-05-01T00:00:00Z")

        def names(ps):
            return [p.partnership_id for p in ps]
        assert names(visible_partnerships(b.world, LP_A)) == ["p-challenged", "p-pending", "p-late"]
        assert names(visible_partnerships(b.world, LP_A, cohorts={2020, 2024})) == [
            "p-2020", "p-challenged", "p-late"]
        assert names(visible_partnerships(b.world, LP_B)) == ["p-other"]

    def test_delivery_partners_scope_and_cohorts(self):
        b = Builder()
        for dp, created in ((DP_1, "2023-01-02T00:00:00Z"), (DP_2, "2023-01-01T00:00:00Z")):
            b.world.delivery_partners[dp] = DeliveryPartner(dp, dp.upper(), T(created), T(created))
        b.world.provider_relationships |= {(LP_A, DP_1, 2024), (LP_A, DP_1, 2022), (LP_A, DP_2, 2020),
                                           (LP_A, DP_3, 2024), (LP_B, DP_2, 2024)}  # DP_3: discarded partner

        def names(dps):
            return [dp.delivery_partner_id for dp in dps]
        assert names(visible_delivery_partners(b.world, LP_A)) == [DP_1]
        assert names(visible_delivery_partners(b.world, LP_A, cohorts={2020, 2024})) == [DP_2, DP_1]
        assert names(visible_delivery_partners(b.world, LP_B)) == [DP_2]
        assert names(visible_delivery_partners(b.world, LP_C)) == []
        assert delivery_partner_cohorts(b.world, LP_A, DP_1) == ["2022", "2024"]
        assert delivery_partner_cohorts(b.world, LP_A, DP_2) == ["2020"]
        assert delivery_partner_cohorts(b.world, LP_C, DP_2) == []


class TestSchools:
    def build(self) -> Builder:
        b = Builder()
        b.world.schools.clear()
        b.school("eligible", "200001", created="2020-01-05T00:00:00Z")
        b.school("cip-only", "200002", cip_only=True)
        b.school("ineligible", "200003", eligible=False)
        b.school("partnered", "200004", eligible=False, created="2020-01-02T00:00:00Z")
        b.school("challenged", "200005", eligible=False)
        b.school("relationship", "200006", eligible=False)
        b.school("partnered-2023", "200007", eligible=False, created="2020-01-03T00:00:00Z")
        b.school("cip-partnered", "200008", cip_only=True, created="2020-01-04T00:00:00Z")
        b.partnership("p1", LP_A, "partnered", 2024)
        b.partnership("p2", LP_B, "challenged", 2024, challenged=True)
        b.partnership("p3", LP_A, "relationship", 2024, relationship=True)
        b.partnership("p4", LP_B, "partnered-2023", 2023)
        b.partnership("p5", LP_C, "cip-partnered", 2024, pending=True)
        return b

    def test_schools_scope_per_cohort(self):
        world = self.build().world

        def names(schools):
            return [s.school_id for s in schools]
        assert names(visible_schools(world, 2024)) == ["partnered", "cip-partnered", "eligible"]
        assert names(visible_schools(world, 2023)) == ["partnered-2023", "eligible"]
        assert names(visible_schools(world, 2025)) == ["eligible"]
        assert visible_schools(world, 2031) == [] and visible_schools(world, None) == []

    def test_in_partnership(self):
        world = self.build().world
        assert school_in_partnership(world, "partnered", 2024) is True
        assert school_in_partnership(world, "partnered", 2023) is False
        assert school_in_partnership(world, "challenged", 2024) is False
        assert school_in_partnership(world, "relationship", 2024) is True
        assert school_in_partnership(world, "eligible", 2024) is False


class TestUnfundedMentors:
    def test_mentors_of_the_providers_ects_without_their_own_record(self):
        b = Builder()
        prog = b.partnership("pa", LP_A, S1)
        prog_ch = b.partnership("pa-ch", LP_A, S2, challenged=True)
        prog_b = b.partnership("pb", LP_B, S3)
        for user, created in (("m-none", "2024-03-02T00:00:00Z"), ("m-own", "2024-03-01T00:00:00Z"),
                              ("m-challenged", "2024-03-01T00:00:00Z"), ("m-old", "2024-03-01T00:00:00Z"),
                              ("m-hidden", "2024-03-01T00:00:00Z"), ("m-lp-b", "2024-03-01T00:00:00Z")):
            b.participant(user, f"mp-{user}", "mentor", created=created)
        b.record("own", "mp-m-own", prog)
        b.record("own-ch", "mp-m-challenged", prog_ch)
        b.record("own-b", "mp-m-lp-b", prog_b)
        b.participant("e1", "ep1")
        b.record("e1-old", "ep1", prog, "2024-09-01T00:00:00Z", "2024-10-01T00:00:00Z", "changed", mentor="mp-m-old")
        b.record("e1-new", "ep1", prog, "2024-10-01T00:00:00Z", mentor="mp-m-none")
        b.record("e2", b.participant("e2", "ep2"), prog, mentor="mp-m-own")
        b.record("e3", b.participant("e3", "ep3"), prog, mentor="mp-m-challenged")
        b.record("e4", b.participant("e4", "ep4"), prog_ch, mentor="mp-m-hidden")
        b.record("e5", b.participant("e5", "ep5"), prog, mentor="mp-m-lp-b")
        assert unfunded_mentors(b.world, LP_A) == ["m-challenged", "m-lp-b", "m-none"]
        assert unfunded_mentors(b.world, LP_B) == []
