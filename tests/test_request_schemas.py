"""The Pandera request report (product.md §5): every bad request line, reported; no receipt changed."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import orjson
import polars as pl
import pytest

import pipelines.validate.request_schemas as request_schemas
from pipelines.cycle import run_cycle, stage_apply, stage_ingest, stage_timeline
from pipelines.home import Home
from pipelines.instants import parse_instant
from pipelines.state.database import open_state
from pipelines.validate.declaration_rules import TYPE_NOT_IN_SCHEDULE, matches_rfc3339
from pipelines.validate.partnership_rules import rails_uuid
from pipelines.validate.request_schemas import (
    FRAME_SCHEMA, RFC3339_PATTERN, UUID_PATTERN, request_attribute_frame, request_validation_report,
)

from case_homes import build_case_home
from conftest import LEAD_PROVIDERS_CSV, SHARED, request_line
from helpers import rows

AS_OF = parse_instant("2024-11-01T02:00:00Z")
LATER = parse_instant("2024-12-01T02:00:00Z")
ID = "6f1d2c3a-0000-4000-8000-000000000001"
BATCH = "inbox/providers/alder/batch.jsonl"
ENDPOINT_OF = {"declaration_create": "declaration_create", "declaration_void": "declaration_void",
               "partnership_create": "partnership", "partnership_update": "partnership"}


def line(action: str | None = "declaration_create", *, file: str = BATCH, number: int = 1, method: str | None = None,
         path: str = "/api/v3/x", body: str | None = "{}", body_is_text: bool = False, body_is_json: bool = True,
         has_data: bool = True, resource_id: str | None = None, **attributes) -> dict:
    """One row of the frame `request_attribute_frame` builds, written out literally."""
    default_method = {"declaration_create": "POST", "partnership_create": "POST"}.get(action or "", "PUT")
    endpoint = "other" if action is None else ENDPOINT_OF.get(action, "participant_action")
    row = {name: None for name in FRAME_SCHEMA}
    row.update(relative_path=file, line_number=number, lead_provider_slug="alder", method=method or default_method,
               path=path, endpoint=endpoint, action=action, resource_id=resource_id, body_text=body,
               body_is_text=body_is_text, body_is_json=body_is_json, has_data=has_data, **attributes)
    return row


def frame(*lines: dict) -> pl.DataFrame:
    return pl.DataFrame(list(lines), schema=FRAME_SCHEMA)


def problems(*lines: dict) -> list[tuple]:
    return [(e["line"], e["field"], e["value"], e["message"]) for e in request_validation_report(frame(*lines))]


GOOD_DECLARATION = {"participant_id": ID, "declaration_type": "retained-1", "declaration_date": "2024-10-01T09:00:00Z",
                    "course_identifier": "ecf-induction", "evidence_held": "training-event-attended"}


# --- literal frames ------------------------------------------------------------------------------

def test_good_lines_of_every_endpoint_have_no_problems():
    assert problems(
        line(number=1, **GOOD_DECLARATION),
        # started: evidence optional; an upper-case UUID; a comma fraction and a ±HH zone
        line(number=2, participant_id=ID.upper(), declaration_type="started",
             declaration_date="2024-10-01T09:00:00,5+01", course_identifier="ecf-mentor"),
        line("declaration_void", number=3, resource_id=ID, body=None, has_data=False),
        line("participant_withdraw", number=4, resource_id=ID, course_identifier="ecf-induction",
             reason="moved-school"),
        line("participant_defer", number=5, resource_id=ID, course_identifier="ecf-mentor", reason="career-break"),
        line("participant_resume", number=6, method="put", resource_id=ID, course_identifier="ecf-induction"),
        line("participant_change_schedule", number=7, resource_id=ID, course_identifier="ecf-induction",
             schedule_identifier="ecf-extended-september"),  # cohort optional
        line("partnership_create", number=8, cohort="2024", school_id="{" + ID.replace("-", "") + "}",
             delivery_partner_id=ID),
        line("partnership_update", number=9, method="PATCH", resource_id=ID, delivery_partner_id=ID),
    ) == []


def test_bad_declaration_attributes_are_each_reported_with_the_check_in_plain_words():
    assert problems(line(participant_id="P-1", declaration_type="begun", declaration_date="2024-10-01 09:00",
                         course_identifier="npq-leading-teaching", evidence_held="photos")) == [
        (1, "course_identifier", "npq-leading-teaching",
         "course_identifier 'npq-leading-teaching' is not a known ECF course (ecf-induction, ecf-mentor)"),
        (1, "declaration_date", "2024-10-01 09:00", "declaration_date '2024-10-01 09:00' is not RFC 3339"),
        (1, "declaration_type", "begun",
         "declaration_type 'begun' is not a known declaration type (started, retained-1, retained-2, retained-3, "
         "retained-4, completed, extended-1, extended-2, extended-3)"),
        (1, "evidence_held", "photos",
         "evidence_held 'photos' is not a known evidence type (training-event-attended, self-study-material-completed, "
         "other, materials-engaged-with-offline, 75-percent-engagement-met, "
         "75-percent-engagement-met-reduced-induction, one-term-induction)"),
        (1, "participant_id", "P-1", "participant_id 'P-1' is not a UUID"),
    ]


def test_required_attributes_and_impossible_dates():
    assert problems(
        line(number=1),  # data.attributes present but empty
        line(number=2, **{**GOOD_DECLARATION, "declaration_date": "2023-19-01T11:21:55Z", "evidence_held": None}),
        line(number=3, **{**GOOD_DECLARATION, "declaration_type": "started", "evidence_held": None}),
        line(number=4, **{**GOOD_DECLARATION, "declaration_type": "begun", "evidence_held": None}),
    ) == [
        (1, "course_identifier", None, "course_identifier is missing"),
        (1, "declaration_date", None, "declaration_date is missing"),
        (1, "declaration_type", None, "declaration_type is missing"),
        (1, "participant_id", None, "participant_id is missing"),
        (2, "declaration_date", "2023-19-01T11:21:55Z",
         "declaration_date '2023-19-01T11:21:55Z' is not a real date and time"),
        (2, "evidence_held", None, "evidence_held is missing (required for a retained-1 declaration)"),
        # 3: started needs no evidence; 4: the unknown type is the problem, not the evidence
        (4, "declaration_type", "begun",
         "declaration_type 'begun' is not a known declaration type (started, retained-1, retained-2, retained-3, "
         "retained-4, completed, extended-1, extended-2, extended-3)"),
    ]


def test_participant_action_and_partnership_attributes():
    assert problems(
        line("participant_withdraw", number=1, resource_id="P-1", course_identifier="ecf-induction",
             reason="bereavement"),
        line("participant_defer", number=2, resource_id=ID, course_identifier="ecf-induction"),
        line("participant_change_schedule", number=3, resource_id=ID, course_identifier="ecf-mentor", cohort="24"),
        line("participant_resume", number=4, resource_id=ID, course_identifier="ecf-induction", reason="anything"),
        line("partnership_create", number=5, cohort="2024/25", school_id="100001"),
        line("partnership_update", number=6, resource_id=ID, delivery_partner_id="dp-1", cohort="ignored"),
    ) == [
        (1, "reason", "bereavement",
         "reason 'bereavement' is not a withdraw reason (left-teaching-profession, moved-school, "
         "mentor-no-longer-being-mentor, switched-to-school-led, school-left-fip, other)"),
        (1, "resource_id", "P-1", "the id 'P-1' in the path is not a UUID"),
        (2, "reason", None, "reason is missing"),
        (3, "cohort", "24", "cohort '24' is not a 4-digit year"),
        (3, "schedule_identifier", None, "schedule_identifier is missing"),
        # 4: resume reads no reason
        (5, "cohort", "2024/25", "cohort '2024/25' is not a 4-digit year"),
        (5, "delivery_partner_id", None, "delivery_partner_id is missing"),
        (5, "school_id", "100001", "school_id '100001' is not a UUID"),
        (6, "delivery_partner_id", "dp-1", "delivery_partner_id 'dp-1' is not a UUID"),
    ]


def test_envelope_problems_body_method_and_path():
    long_text = "x" * 300
    assert problems(
        line(number=1, body="not json", body_is_text=True, body_is_json=False, has_data=False),
        line(number=2, body='{"data":{}}', has_data=False),
        line(number=3, method="GET", body=None, has_data=False),  # no route: its body is not read
        line("declaration_void", number=4, resource_id=ID, body=None, has_data=False),  # void reads no body
        line("declaration_void", number=5, resource_id=ID, body=long_text, body_is_text=True, body_is_json=False,
             has_data=False),
        line(None, number=6, method="POST", path="/api/v3/statements"),
    ) == [
        (1, "body", "not json", "body is not JSON"),
        (2, "body", '{"data":{}}', "body has no data object"),
        (3, "method", "GET", "method 'GET' is not POST"),
        (5, "body", "x" * 200 + "…", "body is not JSON"),
        (6, "path", "/api/v3/statements", "path '/api/v3/statements' is not a write endpoint"),
    ]


def test_one_entry_per_failing_cell_sorted_by_file_line_field():
    report = request_validation_report(frame(
        line(file="inbox/providers/birch/b.jsonl", number=1, **{**GOOD_DECLARATION, "participant_id": "x"}),
        line(file=BATCH, number=9, **{**GOOD_DECLARATION, "declaration_type": "begun", "participant_id": "x"}),
        line(file=BATCH, number=2, **{**GOOD_DECLARATION, "participant_id": ""}),
    ))
    assert [(e["file"], e["line"], e["field"]) for e in report] == [
        (BATCH, 2, "participant_id"), (BATCH, 9, "declaration_type"), (BATCH, 9, "participant_id"),
        ("inbox/providers/birch/b.jsonl", 1, "participant_id")]
    assert list(report[0]) == ["file", "line", "field", "value", "message"]


@pytest.mark.parametrize("text", [
    "2024-10-01T09:00:00Z", "2024-10-01t09:00:00z", "2024-10-01T09:00:00", "2024-10-01T09:00:00.123456+01:00",
    "2024-10-01T09:00:00,5-0530", "2024-10-01T09:00:00+01", "2024-10-01 09:00:00Z", "2024-10-01T09:00Z",
    "2024-10-01", "2024-10-01T09:00:00+1", "2024-10-01T09:00:00Z\n", " 2024-10-01T09:00:00Z",
    "２０２４-10-01T09:00:00Z",
])
def test_rfc3339_pattern_is_the_live_pattern_of_the_declaration_rules(text):
    assert pl.Series([text]).str.contains(RFC3339_PATTERN)[0] == matches_rfc3339(text)


@pytest.mark.parametrize("text", [
    ID, ID.upper(), ID.replace("-", ""), "{" + ID + "}", "{" + ID, ID + "}", ID[:-1], ID + "0", "6f1d-2c3a" * 4,
    ID.replace("-", "") + "-", "not-a-uuid", "",
])
def test_uuid_pattern_is_what_the_rails_uuid_cast_accepts(text):
    assert pl.Series([text]).str.contains(UUID_PATTERN)[0] == (rails_uuid(text) is not None)


# --- a home: the frame from DuckDB, the report in validation.json ------------------------------

def test_frame_reads_and_normalises_request_lines_from_the_state(builder):
    builder.with_providers()
    builder.write(BATCH, "\n".join([
        request_line(body=orjson.dumps({"data": {"attributes": {
            "participant_id": ID, "declaration_type": "   ", "declaration_date": False, "course_identifier": ["x"],
            "evidence_held": {"a": 1}, "cohort": 2024}}}).decode()),
        request_line(body='"{\\"data\\": {\\"a\\": 1,}}"'),  # raw text DuckDB accepts, the receipts' parser refuses
        request_line(method="put", path=f"https://host/api/v1//participants/{ID}/change-schedule/?x=1",
                     body='{"data":{"attributes":{"schedule_identifier":"ecf-standard-january","cohort":"2025"}}}'),
        request_line(path=f"/api/v3/partnerships/ecf/{ID}.json", method="PATCH", body="null"),
        request_line(path="/api/v3/participants/ecf", method="GET", body='"not json"'),
        request_line(body='{"data":{},"x":1}'),  # an empty data object is no data
        request_line(submitted_at="2024-11-15T10:00:00Z"),  # after as_of: waits for the next cycle
    ]) + "\n")
    run_cycle(builder.home, AS_OF)
    with open_state(builder.home.state_db, read_only=True) as con:
        ingested = request_attribute_frame(con, 1, scope="ingest")
        placed = request_attribute_frame(con, 1, scope="timeline")
    assert ingested.schema == pl.Schema(FRAME_SCHEMA)
    assert ingested["line_number"].to_list() == [1, 2, 3, 4, 5, 6, 7]
    assert placed["line_number"].to_list() == [1, 2, 3, 4, 5, 6]
    first, second, third, fourth, fifth, sixth, _ = ingested.to_dicts()
    assert (first["endpoint"], first["action"], first["body_is_json"], first["has_data"]) == (
        "declaration_create", "declaration_create", True, True)
    # blank, false, arrays and objects are missing, as the permit list reads them; numbers are text
    assert {name: first[name] for name in ("participant_id", "declaration_type", "declaration_date",
                                           "course_identifier", "evidence_held", "cohort")} == {
        "participant_id": ID, "declaration_type": None, "declaration_date": None, "course_identifier": None,
        "evidence_held": None, "cohort": "2024"}
    assert (second["body_is_text"], second["body_is_json"], second["has_data"]) == (True, False, False)
    assert tuple(third[k] for k in ("endpoint", "action", "resource_id", "schedule_identifier", "cohort")) == (
        "participant_action", "participant_change_schedule", ID, "ecf-standard-january", "2025")
    assert (fourth["endpoint"], fourth["action"], fourth["resource_id"], fourth["has_data"]) == (
        "partnership", "partnership_update", ID, False)
    assert (fifth["endpoint"], fifth["action"]) == ("other", None)
    assert (sixth["body_is_json"], sixth["has_data"]) == (True, False)


def declaration(**changes) -> str:
    return orjson.dumps({"data": {"attributes": {**GOOD_DECLARATION, **changes}}}).decode()


def test_validation_json_reports_the_cycles_request_lines_including_those_still_waiting(builder):
    builder.with_providers()
    builder.write(BATCH, "\n".join([
        request_line(body=declaration(participant_id="P-1")),
        request_line(body=declaration()),
        request_line(body='"not json"'),
        request_line(submitted_at="2024-11-15T10:00:00Z", body=declaration(declaration_type="begun")),
    ]) + "\n")
    run_cycle(builder.home, AS_OF)
    builder.write("inbox/providers/birch/later.jsonl",
                  request_line(submitted_at="2024-11-20T10:00:00Z", body=declaration(course_identifier="npq-x")) + "\n")
    run_cycle(builder.home, LATER)

    first = json.loads((builder.home.cycles / "2024-11-01T020000Z" / "validation.json").read_text())
    assert first["requests"]["lines_checked"] == 4
    assert first["requests"]["lines_with_problems"] == 3
    assert [(p["file"], p["line"], p["field"], p["message"]) for p in first["requests"]["problems"]] == [
        (BATCH, 1, "participant_id", "participant_id 'P-1' is not a UUID"),
        (BATCH, 3, "body", "body is not JSON"),
        (BATCH, 4, "declaration_type",  # not placed yet (submitted after as_of), reported when it lands
         "declaration_type 'begun' is not a known declaration type (started, retained-1, retained-2, retained-3, "
         "retained-4, completed, extended-1, extended-2, extended-3)"),
    ]
    second = json.loads((builder.home.cycles / "2024-12-01T020000Z" / "validation.json").read_text())
    assert [(p["file"], p["line"], p["field"]) for p in second["requests"]["problems"]] == [
        ("inbox/providers/birch/later.jsonl", 1, "course_identifier")]
    # Reported or not, every line of the batch has exactly one receipt.
    assert rows(builder.home, """SELECT r.line_number, count(*) FROM receipts AS r
                                 JOIN ingested_files AS f USING (file_id)
                                 WHERE f.relative_path = $p GROUP BY ALL ORDER BY 1""", {"p": BATCH}) == [
        (1, 1), (2, 1), (3, 1), (4, 1)]


def test_the_report_is_the_same_bytes_for_the_same_inputs(tmp_path):
    outputs = []
    for name in ("one", "two"):
        home = Home(tmp_path / name)
        home.create_inbox()
        path = home.root / BATCH
        path.parent.mkdir(parents=True)
        path.write_text("\n".join(request_line(body=declaration(participant_id=f"P-{n}", evidence_held=None))
                                   for n in range(5)) + "\n")
        (home.root / "inbox/reference/lead_providers.csv").write_text(LEAD_PROVIDERS_CSV)
        run_cycle(home, AS_OF)
        outputs.append((home.cycles / "2024-11-01T020000Z" / "validation.json").read_bytes())
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0])["requests"]["problems"]) == 10


# --- the report never changes a receipt --------------------------------------------------------

def _unknown_type_case() -> dict:
    cases = json.loads((SHARED / "cases" / "declaration_cases.json").read_text(encoding="utf-8"))
    name = "declaration type absent from the participant's schedule"
    case = copy.deepcopy(next(c for c in cases if c["name"] == name))
    case["submission"]["declaration_type"] = "begun"  # not a declaration type at all: a wrong enum
    return case


def _receipts(root: Path, case: dict) -> list[tuple]:
    home = Home(root)
    ids = build_case_home(home.root, case)
    stage_ingest(home, ids["as_of"])
    stage_timeline(home)
    stage_apply(home)
    return rows(home, "SELECT line_number, status, body_json FROM receipts ORDER BY file_id, line_number")


@pytest.mark.skipif(not (SHARED / "cases" / "declaration_cases.json").exists(), reason="no shared cases")
def test_a_wrong_enum_is_reported_and_still_gets_the_live_step_9_receipt(tmp_path, monkeypatch):
    case = _unknown_type_case()
    receipts = _receipts(tmp_path / "reported", case)
    assert receipts == [(1, 422, json.dumps(
        {"errors": [{"title": "declaration_type", "detail": TYPE_NOT_IN_SCHEDULE}]}, separators=(",", ":")))]
    stamp = sorted(p.name for p in (tmp_path / "reported" / "cycles").iterdir())[0]
    report = json.loads((tmp_path / "reported" / "cycles" / stamp / "validation.json").read_text())
    assert [(p["field"], p["value"]) for p in report["requests"]["problems"]] == [("declaration_type", "begun")]

    # The same inputs with the report switched off give the same receipts, byte for byte.
    monkeypatch.setattr(request_schemas, "request_validation_report", lambda frame: [])
    assert _receipts(tmp_path / "silent", case) == receipts
    silent = json.loads((tmp_path / "silent" / "cycles" / stamp / "validation.json").read_text())
    assert silent["requests"]["problems"] == []
