"""Records made column-wise (api_export.columnar, declaration_records, participant_records) equal the bytes
the serializers give one at a time, with the scopes and order of the one-at-a-time visibility rules, and
the CSV rows Ruby's writer would give (`csv_line`, the oracle here)."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cache

import duckdb
import polars as pl

from hypothesis import given, settings, strategies as st

from api_export.columnar import flat_resources
from api_export.declaration_records import declaration_frame, declaration_scopes, declaration_texts
from api_export.json_bytes import live_json
from api_export.publish import stored_declarations
from api_export.participant_records import (
    participant_tables, participants_v1, participants_v3, transfer_users, unfunded_mentors,
)
from api_export.read_resources import school_resource, unfunded_mentor_resource
from api_export.school_records import partnerships_of, school_tables, schools_of_cohort
from api_export.serializers import (
    _entry_order, _v1_entry, _v1_record, declaration_resource, participant_resource_v3, partnership_resource,
)
from api_export.snapshot_records import ANY_COHORT
from api_export.timestamps import micros
from pipelines.apply.engine import Replay
from pipelines.apply.persist import save_lifecycle
from pipelines.state.database import configure, migrate
from pipelines.world import visibility
from pipelines.world.model import (
    Declaration, DeliveryPartner, Identity, InductionProgramme, InductionRecord, LeadProvider, LineItem,
    ParticipantIdChange, Partnership, Profile, ProviderParticipantState, School, SchoolCohort, User,
)
from pipelines.world.world import World, latest_first_key

def csv_line(resource: dict) -> bytes:
    """The oracle: Ruby CSV's row of a resource, one cell at a time — `to_s` (nil → "", booleans →
    true/false), empty strings quoted, values holding a comma, quote or line break quoted with quotes
    doubled; `id` first, `\n` at the end (api.md §3.1)."""
    def cell(value: object) -> str:
        text = "" if value is None else "true" if value is True else "false" if value is False else str(value)
        return '"' + text.replace('"', '""') + '"' if text == "" or any(c in text for c in ',"\r\n') else text

    return (",".join([cell(resource["id"]), *(cell(v) for v in resource["attributes"].values())]) + "\n").encode()


STATES = ["submitted", "eligible", "payable", "paid", "voided", "ineligible", "awaiting_clawback", "clawed_back"]
text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
instants = st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(timezone.utc))


@st.composite
def declarations(draw):
    return Declaration(
        declaration_id=draw(text), lead_provider_id="lp", user_id=draw(text), profile_id=draw(text),
        participant_type=draw(st.sampled_from(["ect", "mentor"])),
        course_identifier=draw(st.sampled_from(["ecf-induction", "ecf-mentor"])),
        declaration_type=draw(st.sampled_from(["started", "retained-1", "completed"])),
        declaration_date=draw(instants), declaration_date_text="", cohort=draw(st.integers(2019, 2026)),
        state=draw(st.sampled_from(STATES)), evidence_held=draw(st.none() | text),
        delivery_partner_id=draw(st.none() | text), mentor_user_id=draw(st.none() | text),
        pupil_premium_uplift=draw(st.none() | st.booleans()), sparsity_uplift=draw(st.none() | st.booleans()),
        superseded_by_id=None, ineligible_reason=draw(st.sampled_from([None, "duplicate"])),
        created_at=draw(instants), updated_at=draw(instants))


def profile(profile_id: str, participant_type: str) -> Profile:
    moment = datetime(2024, 1, 1, tzinfo=timezone.utc)
    return Profile(profile_id, "identity", participant_type, None, 2024, "ecf-standard-september", "school", None,
                   None, "active", None, False, False, moment, moment)


# Line items as the lifecycle leaves them on a declaration, several of a type possible (voided and
# re-billed): the statement ids are the first of a type in a state that shows it.
line_items = st.lists(st.tuples(st.sampled_from(["billable", "refundable"]), st.sampled_from(STATES),
                                st.sampled_from(["s1", "s2", "s3"])), max_size=4)


@cache
def _state_database() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    configure(con)
    migrate(con)
    return con


def _stored_declarations(world: World) -> pl.DataFrame:
    """The world's declarations through the real round trip: saved by the apply stage, read by the publish."""
    con = _state_database()
    save_lifecycle(con, Replay(world=world))
    return stored_declarations(con)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(declarations(), st.sampled_from([None, "ect", "mentor"]), line_items), min_size=1,
                max_size=6, unique_by=lambda row: row[0].declaration_id), text)
def test_every_version_and_csv_row_equals_the_serializer(rows, provider_name):
    """Including the values read from elsewhere in the world: the mentor id follows the profile's type
    when the profile is known (else the declaration's), and the statement ids the line items."""
    world = World()
    world.add_lead_provider(LeadProvider("lp", provider_name or "Alder", "alder", True))
    # in the order the declarations table holds them (and the lists show them)
    items = sorted((declaration for declaration, _, _ in rows), key=lambda d: (d.created_at, d.declaration_id))
    for declaration, profile_type, held in rows:
        world.add_declaration(declaration)
        if profile_type is not None:
            world.profiles[declaration.profile_id] = profile(declaration.profile_id, profile_type)
        for line_type, state, statement_id in held:
            moment = declaration.created_at
            world.add_line_item(LineItem(declaration.declaration_id, statement_id, line_type, state, moment, moment))
    json, csv = declaration_texts(declaration_frame(world, _stored_declarations(world)).sort("created_at", "id"))
    for version in (1, 2, 3):
        expected = [live_json(declaration_resource(world, d, version)) for d in items]
        assert [s.encode() for s in json[version].to_list()] == expected
    for version in (1, 2):
        rows, header = csv[version]
        resources = [declaration_resource(world, d, version) for d in items]
        assert [r.encode() for r in rows.to_list()] == [csv_line(r) for r in resources]
        assert header == ",".join(["id", *resources[0]["attributes"]]) + "\n"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(text, st.none() | text, st.none() | st.booleans(), st.booleans()), min_size=1, max_size=6))
def test_flat_resources_equal_the_one_by_one_bytes(rows):
    resources = [{"id": i, "type": "participant", "attributes": {"email": e, "eligible_for_funding": b,
                                                                  "sparsity_uplift": s}} for i, e, b, s in rows]
    records, lines = flat_resources(resources, with_csv=True)
    assert [r.encode() for r in records.to_list()] == [live_json(r) for r in resources]
    assert [r.encode() for r in lines.to_list()] == [csv_line(r) for r in resources]


# ------------------------------------------------------------------------------------------ participants
# A few instants, so that records, states and id changes often tie (the tie rules are part of the contract).
MOMENTS = [datetime(2024, 9, 1, tzinfo=timezone.utc), datetime(2024, 9, 1, 0, 0, 0, 500, tzinfo=timezone.utc),
           datetime(2025, 1, 1, tzinfo=timezone.utc), datetime(2025, 6, 30, 23, 59, 59, tzinfo=timezone.utc)]
moments = st.sampled_from(MOMENTS) | instants
tied = st.sampled_from(MOMENTS[:2])
maybe_text = st.none() | st.sampled_from(["", "a&b", "x<y>"]) | text
PROVIDERS = ["lp1", "lp2"]


@st.composite
def participant_worlds(draw):
    """Two providers; partnerships challenged or not; programmes with or without a partnership or school;
    users with identities, profiles, records (mentors, preferred identities, ends, ties), provider states
    and id changes, some naming things the world does not hold."""
    world = World()
    world.feature_flags["programme_type_changes_2025"] = draw(st.booleans())
    for lp in PROVIDERS:
        world.add_lead_provider(LeadProvider(lp, lp.upper(), lp, True))
    for school in ("s1", "s2"):
        world.schools[school] = School(school, draw(text), "School", True, False, None, None, None, MOMENTS[0],
                                       MOMENTS[0])
    for n in range(4):
        world.add_partnership(Partnership(
            f"p{n}", draw(st.sampled_from(PROVIDERS)), draw(st.sampled_from(["dp1", "dp2"])), "s1", 2024, False, False,
            *draw(st.sampled_from([(None, None)] * 4 + [(MOMENTS[0], None), (None, "mistake")])), MOMENTS[0],
            MOMENTS[0]))
        world.add_programme(InductionProgramme(f"g{n}", draw(st.sampled_from(["s1", "s2", "gone"])),
                                               draw(st.integers(2020, 2026)),
                                               draw(st.sampled_from(["full_induction_programme"] * 3
                                                                    + ["core_induction_programme"])),
                                               draw(st.sampled_from([f"p{n}"] * 4 + [None, "gone"])), MOMENTS[0]))
    profile_ids, identity_ids = [], []
    for u in draw(st.permutations(range(5)))[:draw(st.integers(1, 5))]:  # not in id order: ties sort by id
        user_id = f"u{u}"
        world.users[user_id] = User(user_id, draw(text), draw(text), draw(tied), draw(moments))  # ties: order by id
        for i in range(draw(st.integers(1, 2))):
            identity_ids.append(f"{user_id}-i{i}")
            world.add_identity(Identity(identity_ids[-1], user_id, identity_ids[-1], draw(maybe_text) or "",
                                        MOMENTS[0], draw(moments)))
            for p in range(draw(st.integers(0, 2) if i else st.integers(1, 2))):
                profile_ids.append(f"{identity_ids[-1]}-p{p}")
                world.add_profile(Profile(
                    profile_ids[-1], identity_ids[-1], draw(st.sampled_from(["ect", "mentor"])), draw(maybe_text), 2024,
                    "ecf-standard-september", "s1",
                    draw(st.sampled_from([None, "eligible", "ineligible", "manual_check", "matched"])),
                    draw(st.sampled_from([None, "none", "different_trn", "active_flags"])), "active",
                    draw(st.none() | st.dates()), draw(st.none() | st.booleans()), draw(st.none() | st.booleans()),
                    draw(moments), draw(moments), draw(st.none() | st.dates()), draw(maybe_text), draw(st.booleans())))
    for profile_id in profile_ids + ["ghost"]:  # "ghost": records of a profile the world does not hold
        for r in range(draw(st.integers(0, 3) if profile_id.endswith("p1") else st.integers(1, 4))):
            world.add_record(InductionRecord(
                f"{profile_id}-r{r}", profile_id, f"g{draw(st.integers(0, 3))}", draw(tied), draw(st.none() | moments),
                draw(st.sampled_from(["active", "withdrawn", "changed", "leaving", "completed"])),
                draw(st.sampled_from(["active", "deferred", "withdrawn", "withdrawn"])), draw(st.none() | text),
                draw(st.sampled_from([None, 2024, 2025])), draw(st.booleans()),
                draw(st.sampled_from([None, "", "gone", *profile_ids])),
                draw(st.sampled_from([None, "", "gone", *identity_ids])), draw(tied), draw(moments), "registration"))
        for _ in range(draw(st.integers(0, 4))):
            lp = draw(st.sampled_from(PROVIDERS[:1] * 3 + PROVIDERS[1:]))
            world.provider_states.setdefault((profile_id, lp), []).append(ProviderParticipantState(
                profile_id, lp, draw(st.sampled_from(["active", "deferred", "withdrawn", "withdrawn"])),
                draw(st.sampled_from([None, "school-left-fip", "other"])), draw(tied)))
    for user_id in list(world.users):
        for _ in range(draw(st.integers(0, 2))):
            world.participant_id_changes[user_id].append(
                ParticipantIdChange(user_id, draw(text), draw(text), draw(tied)))
    return world


@settings(max_examples=150, deadline=None)
@given(participant_worlds(), moments)
def test_v3_participants_equal_the_serializer(world, now):
    """Every provider's list: the visible users in order, each record byte for byte, and the hidden keys
    the server filters on, against `participant_resource_v3` and the scope rules one user at a time."""
    tables = participant_tables(world)
    for lp in PROVIDERS:
        records, keys = participants_v3(tables, lp, now)
        users = visibility.visible_participants_v3(world, lp, cohorts=ANY_COHORT)
        assert keys["id"].to_list() == users
        assert [r.encode() for r in records.to_list()] == [
            live_json(participant_resource_v3(world, lp, u, now, visible_only=False)) for u in users]
        chosen = [[r for p in world.profiles_of_user(u)
                   if (r := world.latest_provider_record(p.profile_id, lp, unchallenged_only=True)) is not None]
                  for u in users]
        assert keys["enrolment_cohorts"].to_list() == [[r.schedule_cohort or 0 for r in rs] for rs in chosen]
        assert keys["enrolment_statuses"].to_list() == [[r.training_status for r in rs] for rs in chosen]
        assert keys["from_ids"].to_list() == [
            sorted({c.from_participant_id for c in world.participant_id_changes.get(u, ())}) for u in users]
        assert keys["updated_us"].to_list() == [micros(world.users[u].updated_at) for u in users]
        assert keys["email"].to_list() == [world.users[u].email for u in users]


def v1_variants(world: World, lp: str) -> list[tuple[dict, dict]]:
    """The oracle, one profile at a time: for each profile with records in the provider's unchallenged
    partnerships and each schedule cohort of those records, `_v1_entry` of the latest record in that cohort
    (`_v1_record` with the one cohort), ranked among the profile's variants by `latest_first_key`."""
    rows = []
    for profile in world.profiles.values():
        identity = world.identities.get(profile.identity_id)
        user = world.users.get(identity.user_id) if identity is not None else None
        records = [r for r in world.provider_records(profile.profile_id, lp)
                   if world.partnership_of_record(r).unchallenged]
        if user is None or not records:
            continue
        cohorts = list(dict.fromkeys(r.schedule_cohort for r in records))
        latest = {c: _v1_record(world, profile.profile_id, lp, {c}) for c in cohorts}
        ranked = sorted(latest.items(), key=lambda item: latest_first_key(item[1]))
        for rank, (cohort, record) in enumerate(ranked):
            rows.append(((user.created_at, user.user_id), _entry_order(profile), cohort or 0, rank, user, profile,
                         record))
    rows.sort(key=lambda row: row[:4])
    return [(_v1_entry(world, user, profile, record),
             {"id": user.user_id, "profile_id": profile.profile_id, "is_ect": profile.participant_type == "ect",
              "cohort": cohort, "rank": rank, "created_us": micros(user.created_at),
              "updated_us": micros(user.updated_at)})
            for _, _, cohort, rank, user, profile, record in rows]


@settings(max_examples=150, deadline=None)
@given(participant_worlds())
def test_v1_participant_variants_equal_the_serializer(world):
    """Every provider's v1/v2 variants: order, bytes, CSV rows, header and hidden keys."""
    assert_v1_variants(world)


def test_v1_variants_of_equal_keys_rank_in_the_order_their_cohorts_first_appear():
    """Records r0 (2024, older), r1 (2025) and r2 (2024) where r1 and r2 tie on `latest_first_key`: the
    2024 variant (r2) ranks first although r1 comes before r2, because 2024 appeared first (r0)."""
    world = World()
    world.add_lead_provider(LeadProvider("lp1", "LP1", "lp1", True))
    world.users["u"] = User("u", "Kim", "kim@example.org", MOMENTS[0], MOMENTS[0])
    world.add_identity(Identity("i", "u", "i", "kim@example.org", MOMENTS[0], MOMENTS[0]))
    world.add_profile(Profile("p", "i", "ect", None, 2024, "ecf-standard-september", "s1", None, None, "active", None,
                              False, False, MOMENTS[0], MOMENTS[0]))
    world.add_partnership(Partnership("pa", "lp1", "dp", "s1", 2024, False, False, None, None, MOMENTS[0], MOMENTS[0]))
    world.add_programme(InductionProgramme("g", "s1", 2024, "full_induction_programme", "pa", MOMENTS[0]))
    for record_id, cohort, start in (("r0", 2024, MOMENTS[0]), ("r1", 2025, MOMENTS[2]), ("r2", 2024, MOMENTS[2])):
        world.add_record(InductionRecord(record_id, "p", "g", start, None, "active", "active", record_id, cohort, False,
                                         None, None, MOMENTS[0], MOMENTS[0], "registration"))
    assert [k["rank"] for _, k in v1_variants(world, "lp1")] == [0, 1]  # (2024, r2), then (2025, r1)
    assert [e["attributes"]["schedule_identifier"] for e, _ in v1_variants(world, "lp1")] == ["r2", "r1"]
    assert_v1_variants(world)


def assert_v1_variants(world: World) -> None:
    tables = participant_tables(world)
    for lp in PROVIDERS:
        records, lines, header, keys = participants_v1(tables, lp)
        expected = v1_variants(world, lp)
        assert [r.encode() for r in records.to_list()] == [live_json(entry) for entry, _ in expected]
        assert [line.encode() for line in lines.to_list()] == [csv_line(entry) for entry, _ in expected]
        assert {name: values.to_list() for name, values in keys.items()} == {
            name: [k[name] for _, k in expected] for name in keys}
        if expected:
            assert header == ",".join(["id", *expected[0][0]["attributes"]]) + "\n"


@settings(max_examples=150, deadline=None)
@given(participant_worlds())
def test_unfunded_mentors_equal_the_one_at_a_time_rules(world):
    """Every provider's unfunded mentors: `visibility.unfunded_mentors` in order, each record
    `unfunded_mentor_resource`'s bytes, and the user keys."""
    tables = participant_tables(world)
    for lp in PROVIDERS:
        records, keys = unfunded_mentors(tables, lp)
        users = visibility.unfunded_mentors(world, lp)
        assert keys["id"].to_list() == users
        assert [r.encode() for r in records.to_list()] == [live_json(unfunded_mentor_resource(world, u)) for u in users]
        assert keys["created_us"].to_list() == [micros(world.users[u].created_at) for u in users]
        assert keys["full_name"].to_list() == [world.users[u].full_name for u in users]


# ------------------------------------------------------------------------------------------ schools, partnerships
@st.composite
def school_worlds(draw):
    """Schools eligible or not, CIP only or not, with and without school cohorts (empty or unknown choices);
    partnerships of two providers, challenged (instant, reason or both), pending, relationship, with a
    delivery partner the world holds or not; instants that tie."""
    world = World()
    world.feature_flags["programme_type_changes_2025"] = draw(st.booleans())
    for year in (2024, 2025):
        world.cohorts[year] = None  # only the keys matter here
    for s in draw(st.permutations(range(5)))[:draw(st.integers(1, 5))]:  # not in id order: ties sort by id
        school_id = f"s{s}"
        world.schools[school_id] = School(
            school_id, draw(text), draw(text), draw(st.booleans()), draw(st.booleans()), None, draw(maybe_text),
            draw(maybe_text), draw(tied), draw(moments))
        for year in (2024, 2025):
            if draw(st.booleans()):
                world.school_cohorts[(school_id, year)] = SchoolCohort(
                    school_id, year, draw(st.sampled_from(["", "full_induction_programme", "core_induction_programme",
                                                           "design_our_own", "school_funded_fip", "something_else"])),
                    None, MOMENTS[0], draw(moments))
    world.delivery_partners["dp1"] = DeliveryPartner("dp1", draw(text), MOMENTS[0], draw(moments))
    for n in draw(st.permutations(range(6)))[:draw(st.integers(0, 6))]:
        challenged_at, reason = draw(st.sampled_from([(None, None)] * 3 + [(None, "mistake")]
                                                     + [(m, None) for m in MOMENTS] + [(MOMENTS[1], "other")]))
        world.add_partnership(Partnership(
            f"p{n}", draw(st.sampled_from(PROVIDERS)), draw(st.sampled_from(["dp1", "gone"])),
            draw(st.sampled_from(sorted(world.schools))), draw(st.sampled_from([2024, 2025])), draw(st.booleans()),
            draw(st.booleans()), challenged_at, reason, draw(tied), draw(moments)))
    return world


@settings(max_examples=150, deadline=None)
@given(school_worlds())
def test_schools_equal_the_serializer(world):
    """Every cohort's schools: the scope in order, each record byte for byte and the hidden keys, against
    `visible_schools` and `school_resource` one school at a time."""
    tables = school_tables(world)
    for cohort in world.cohorts:
        records, keys = schools_of_cohort(tables, cohort)
        schools = visibility.visible_schools(world, cohort)
        assert keys["id"].to_list() == [s.school_id for s in schools]
        assert [r.encode() for r in records.to_list()] == [live_json(school_resource(world, s, cohort))
                                                          for s in schools]
        stamps = {s.school_id: [sc.updated_at for (school_id, _), sc in world.school_cohorts.items()
                                if school_id == s.school_id] for s in schools}
        assert keys["updated_us"].to_list() == [micros(max([s.updated_at, *stamps[s.school_id]])) for s in schools]
        assert keys["sort_updated_us"].to_list() == [micros(s.updated_at) for s in schools]
        assert keys["created_us"].to_list() == [micros(s.created_at) for s in schools]
        assert keys["urn"].to_list() == [s.urn for s in schools] and keys["name"].to_list() == [s.name for s in schools]


@settings(max_examples=150, deadline=None)
@given(school_worlds())
def test_partnerships_equal_the_serializer(world):
    """Every provider's partnerships: the scope in order, each record byte for byte (the millisecond
    `challenged_at` included) and the hidden keys, against `visible_partnerships` and `partnership_resource`."""
    tables = school_tables(world)
    for lp in PROVIDERS:
        records, keys = partnerships_of(tables, lp)
        partnerships = visibility.visible_partnerships(world, lp, cohorts=ANY_COHORT)
        assert keys["id"].to_list() == [p.partnership_id for p in partnerships]
        resources = [partnership_resource(world, p) for p in partnerships]
        assert [r.encode() for r in records.to_list()] == [live_json(r) for r in resources]
        partners = world.delivery_partners
        assert keys["updated_us"].to_list() == [
            micros(max([p.updated_at, world.schools[p.school_id].updated_at]
                       + ([partners[p.delivery_partner_id].updated_at] if p.delivery_partner_id in partners else [])))
            for p in partnerships]
        assert keys["sort_updated_us"].to_list() == [micros(p.updated_at) for p in partnerships]
        assert keys["cohort"].to_list() == [p.cohort for p in partnerships]
        assert keys["delivery_partner_id"].to_list() == [p.delivery_partner_id for p in partnerships]


# ------------------------------------------------------------------------------ declaration, transfer scopes
@st.composite
def worlds_with_declarations(draw):
    """`participant_worlds` with declarations of both providers on its profiles (and on unknown or empty
    profile ids), in every state, dated anywhere (so leaving records' ends cut some and admit others)."""
    world = draw(participant_worlds())
    for n in draw(st.permutations(range(8)))[:draw(st.integers(0, 8))]:
        world.add_declaration(Declaration(
            f"d{n}", draw(st.sampled_from(PROVIDERS)), "u0",
            draw(st.sampled_from([*sorted(world.profiles), "ghost", ""])),
            "ect", "ecf-induction", "started", draw(moments), "", 2024, draw(st.sampled_from(STATES)), None, None, None,
            None, None, None, None, draw(tied), draw(moments)))
    return world


@settings(max_examples=150, deadline=None)
@given(worlds_with_declarations())
def test_declaration_scopes_equal_the_visibility_rules(world):
    """Every provider's v1/v2 and v3 declaration scopes, through the stored declarations table, against
    `visible_declarations_v1` / `visible_declarations_v3` (same order)."""
    frame = declaration_frame(world, _stored_declarations(world)).sort("created_at", "id")
    tables = participant_tables(world)
    for lp in PROVIDERS:
        v1, v3 = declaration_scopes(tables.provider_records, lp)
        assert frame.filter(v1)["id"].to_list() == [
            d.declaration_id for d in visibility.visible_declarations_v1(world, lp)]
        assert frame.filter(v3)["id"].to_list() == [
            d.declaration_id for d in visibility.visible_declarations_v3(world, lp)]


@settings(max_examples=150, deadline=None)
@given(participant_worlds())
def test_transfer_users_equal_the_visibility_rule(world):
    tables = participant_tables(world)
    for lp in PROVIDERS:
        assert transfer_users(tables, lp).to_list() == visibility.transfer_users(world, lp)
