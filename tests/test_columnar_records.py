"""Records made column-wise (api_export.columnar, api_export.declaration_records) equal the bytes the
serializers give one at a time, and the CSV rows Ruby's writer would give (`csv_line`, the oracle here)."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings, strategies as st

from api_export.columnar import flat_resources
from api_export.declaration_records import declaration_csv, declaration_frame, declaration_json
from api_export.json_bytes import live_json
from api_export.serializers import declaration_resource
from pipelines.world.model import Declaration, LeadProvider, LineItem, Profile
from pipelines.world.world import World

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


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(declarations(), st.sampled_from([None, "ect", "mentor"]), line_items), min_size=1,
                max_size=6, unique_by=lambda row: row[0].declaration_id), text)
def test_every_version_and_csv_row_equals_the_serializer(rows, provider_name):
    """Including the values read from elsewhere in the world: the mentor id follows the profile's type
    when the profile is known (else the declaration's), and the statement ids the line items."""
    world = World()
    world.add_lead_provider(LeadProvider("lp", provider_name or "Alder", "alder", True))
    items = [declaration for declaration, _, _ in rows]
    for declaration, profile_type, held in rows:
        world.add_declaration(declaration)
        if profile_type is not None:
            world.profiles[declaration.profile_id] = profile(declaration.profile_id, profile_type)
        for line_type, state, statement_id in held:
            moment = declaration.created_at
            world.add_line_item(LineItem(declaration.declaration_id, statement_id, line_type, state, moment, moment))
    frame = declaration_frame(world, items)
    for version in (1, 2, 3):
        expected = [live_json(declaration_resource(world, d, version)) for d in items]
        assert [s.encode() for s in declaration_json(frame, version).to_list()] == expected
    for version in (1, 2):
        rows, header = declaration_csv(frame, version)
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
