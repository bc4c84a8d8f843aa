"""The finance declarations CSV (partnerships-and-finance.md §3; docs/declarations-csv.md).

The home is the apply property tests' fixed world (`test_apply_properties.write_world`): two providers
(alder, birch), a participant who moved from alder to birch, a participant withdrawn by alder, a
mentor, and a state import with paid, eligible and awaiting-clawback declarations. On top of that it
adds a pupil-premium uplift for alder's school and one batch per provider: new declarations, a
withdrawal, a deferral, a change of schedule and a void of a paid declaration. The real cycle stages
run (ingest, timeline, apply), and the CSV is read from the state they leave.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest
import test_apply_properties as world
from case_homes import _write_csv

from pipelines.apply.checkpoint import load_checkpoint
from pipelines.cycle import stage_apply, stage_ingest, stage_timeline
from pipelines.home import Home
from pipelines.ids import declaration_id_for
from pipelines.state.database import open_state
from pipelines.statements.declarations_csv import (
    DECLARATIONS_CSV_COLUMNS,
    csv_bytes,
    declaration_rows,
)
from pipelines.world.model import MENTOR

USERS, uid = world.USERS, world.uid
BOM = b"\xef\xbb\xbf"
HEADER = (b"Participant ID,Participant Name,TRN,Type,Mentor Profile ID,Schedule,Eligible for Funding,"
          b"Eligible for Funding Reason,Sparsity Uplift,Pupil Premium Uplift,Sparsity and PP,Lead Provider Name,"
          b"Delivery Partner Name,School URN,School Name,Training Status,Training Status Reason,Declaration ID,"
          b"Declaration Status,Declaration Type,Declaration Date,Declaration Created At,Statement Name,"
          b"Statement ID,Uplift Payable\r\n")


def _declare(user: str, declaration_type: str, date: str, submitted: str) -> dict:
    participant_type = world.PARTICIPANTS[user][0]
    attributes = {"participant_id": USERS[user], "declaration_type": declaration_type, "declaration_date": date,
                  "course_identifier": world.COURSE[participant_type]}
    if declaration_type != "started":
        attributes["evidence_held"] = "training-event-attended"
    return {"method": "POST", "path": "/api/v3/participant-declarations", "submitted_at": submitted,
            "body": {"data": {"type": "participant-declaration", "attributes": attributes}}}


def _action(path: str, action: str, submitted: str, **attributes) -> dict:
    return {"method": "PUT", "path": path, "submitted_at": submitted,
            "body": {"data": {"type": f"participant-{action}", "attributes": attributes}}}


ALDER_BATCH = [
    _declare("u1", "started", "2024-10-01T09:00:00Z", "2024-10-05T10:00:00Z"),  # → January 2025
    _declare("u6", "started", "2024-10-02T09:00:00Z", "2024-10-06T10:00:00Z"),  # the mentor
    _declare("u8", "started", "2024-10-10T09:00:00Z", "2024-10-12T10:00:00Z"),  # while still at alder's school
    _action(f"/api/v3/participants/ecf/{USERS['u2']}/withdraw", "withdraw", "2024-11-05T10:00:00Z",
            reason="moved-school", course_identifier="ecf-induction"),
    _action(f"/api/v1/participants/{USERS['u1']}/change-schedule", "change-schedule", "2024-11-06T10:00:00Z",
            schedule_identifier="ecf-extended-september", course_identifier="ecf-induction", cohort="2024"),
    _action(f"/api/v3/participants/ecf/{USERS['u6']}/defer", "defer", "2024-11-10T10:00:00Z",
            reason="career-break", course_identifier="ecf-mentor"),
    {"method": "PUT", "path": f"/api/v3/participant-declarations/{world.IMPORTED_IDS['d-alder-paid']}/void",
     "submitted_at": "2025-02-10T10:00:00Z"},  # paid on October 2024: clawed back on April 2025
]
BIRCH_BATCH = [
    _declare("u8", "retained-1", "2025-01-10T09:00:00Z", "2025-01-12T10:00:00Z"),  # at birch's school
]


def _batch_text(lines: list[dict]) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines)


def _made(slug: str, lines: list[dict], line_number: int) -> str:
    """The id of the declaration made by a line of a provider's batch (pipelines.ids)."""
    return declaration_id_for(slug, hashlib.sha256(_batch_text(lines).encode()).hexdigest(), line_number)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Home:
    root = tmp_path_factory.mktemp("declarations-csv") / "home"
    world.write_world(root)
    _write_csv(root, "reference", "school_uplifts", [
        {"school_id": world.SCHOOL_ALDER, "cohort": 2024, "pupil_premium_uplift": "true", "sparsity_uplift": "false"}])
    for slug, lines in (("alder", ALDER_BATCH), ("birch", BIRCH_BATCH)):
        batch = root / "inbox" / "providers" / slug / "batch.jsonl"
        batch.parent.mkdir(parents=True, exist_ok=True)
        batch.write_text(_batch_text(lines), encoding="utf-8")
    home = Home(root)
    # The cycle's stages up to apply, which writes everything the CSV reads (declarations, line items,
    # statements, lifecycle history, receipts); the later stages only read those.
    stage_ingest(home, world.LAST_AS_OF)
    stage_timeline(home)
    stage_apply(home)
    return home


@pytest.fixture(scope="module")
def state(home):
    """(rows by statement, statement ids by (slug, name), the attached (statement, declaration) pairs)."""
    with open_state(home.state_db, read_only=True) as con:
        rows = declaration_rows(con)
        statements = {(slug, name): statement_id for statement_id, slug, name in con.execute(
            "SELECT statement_id, lead_provider_slug, statement_name FROM statements").fetchall()}
        attached = con.execute(
            """SELECT statement_id, declaration_id FROM declarations WHERE statement_id IS NOT NULL
               UNION ALL
               SELECT clawback_statement_id, declaration_id FROM declarations WHERE clawback_statement_id IS NOT NULL
               ORDER BY ALL""").fetchall()
    return rows, statements, attached


def _row(rows: dict, statement_id: str, declaration_id: str) -> dict:
    found = [dict(zip(DECLARATIONS_CSV_COLUMNS, row)) for row in rows[statement_id]
             if row[DECLARATIONS_CSV_COLUMNS.index("Declaration ID")] == declaration_id]
    assert len(found) == 1, f"{declaration_id} is on statement {statement_id} {len(found)} times"
    return found[0]


def test_the_file_starts_with_a_bom_and_the_25_headers(state):
    rows, statements, _ = state
    data = csv_bytes(rows[statements[("alder", "January 2025")]])
    assert data.startswith(BOM + HEADER)
    assert len(DECLARATIONS_CSV_COLUMNS) == 25
    parsed = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert tuple(parsed[0]) == DECLARATIONS_CSV_COLUMNS
    assert all(len(line) == 25 for line in parsed)
    assert data.count(b"\r\n") == len(parsed) and b"\n" not in data.replace(b"\r\n", b"")


def test_one_row_per_declaration_attached_or_clawed_back(state):
    rows, statements, attached = state
    assert set(rows) == set(statements.values())  # every statement has a file, empty ones a header only
    listed = sorted((statement_id, row[DECLARATIONS_CSV_COLUMNS.index("Declaration ID")])
                    for statement_id, statement_rows in rows.items() for row in statement_rows)
    assert listed == sorted(attached)
    assert len(attached) == 9  # 3 imported billable + 1 imported clawback + 4 new + 1 new clawback
    for statement_id, statement_rows in rows.items():
        assert {row[DECLARATIONS_CSV_COLUMNS.index("Statement ID")] for row in statement_rows} <= {statement_id}
    assert csv_bytes(rows[statements[("alder", "February 2025")]]) == BOM + HEADER


def test_a_clawed_back_declaration_is_on_its_payment_and_its_clawback_statement(state):
    rows, statements, _ = state
    for declaration, clawback_statement, clawback_state in (
            (world.IMPORTED_IDS["d-alder-clawback"], "January 2025", "awaiting_clawback"),  # imported
            (world.IMPORTED_IDS["d-alder-paid"], "April 2025", "awaiting_clawback")):  # voided by the batch
        paid = _row(rows, statements[("alder", "October 2024")], declaration)
        clawback = _row(rows, statements[("alder", clawback_statement)], declaration)
        assert (paid["Declaration Status"], paid["Statement Name"]) == ("paid", "October 2024")
        assert (clawback["Declaration Status"], clawback["Statement Name"]) == (clawback_state, clawback_statement)
        assert clawback["Statement ID"] == statements[("alder", clawback_statement)]
        same = [name for name in DECLARATIONS_CSV_COLUMNS if name not in ("Declaration Status", "Statement Name",
                                                                           "Statement ID")]
        assert {name: paid[name] for name in same} == {name: clawback[name] for name in same}


def test_exact_values_of_a_declaration_made_by_request(state):
    rows, statements, _ = state
    declaration_id = _made("alder", ALDER_BATCH, 1)
    january = statements[("alder", "January 2025")]
    assert tuple(_row(rows, january, declaration_id).values()) == (
        USERS["u1"], "Teacher u1", "1000001", "ParticipantProfile::ECT", uid("profile:u6"),
        "ecf-extended-september",  # changed by the provider after the declaration
        "true", None, "false", "true", "false", "Alder Learning", "Partner 0", "100001", "School 0", "active", None,
        declaration_id, "eligible", "started", "2024-10-01T09:00:00Z", "2024-10-05T10:00:00Z", "January 2025",
        january, "true")


def test_training_status_mentor_school_and_delivery_partner(state):
    rows, statements, _ = state
    withdrawn = _row(rows, statements[("alder", "October 2024")], world.IMPORTED_IDS["d-alder-paid"])
    assert (withdrawn["Training Status"], withdrawn["Training Status Reason"]) == ("withdrawn", "moved-school")
    assert withdrawn["Pupil Premium Uplift"] == "false"  # the flag the imported declaration was given
    mentor = _row(rows, statements[("alder", "January 2025")], _made("alder", ALDER_BATCH, 2))
    assert (mentor["Type"], mentor["Mentor Profile ID"], mentor["Training Status"],
            mentor["Training Status Reason"]) == ("ParticipantProfile::Mentor", None, "deferred", None)
    # The participant who moved from alder's school to birch's: each provider's row shows the school and
    # delivery partner of that provider's record at the declaration date.
    at_alder = _row(rows, statements[("alder", "January 2025")], _made("alder", ALDER_BATCH, 3))
    at_birch = _row(rows, statements[("birch", "April 2025")], _made("birch", BIRCH_BATCH, 1))
    assert (at_alder["School URN"], at_alder["School Name"], at_alder["Delivery Partner Name"],
            at_alder["Lead Provider Name"]) == ("100001", "School 0", "Partner 0", "Alder Learning")
    assert (at_birch["School URN"], at_birch["School Name"], at_birch["Delivery Partner Name"],
            at_birch["Lead Provider Name"]) == ("100002", "School 1", "Partner 1", "Birch Institute")
    assert (at_birch["Declaration Type"], at_birch["Pupil Premium Uplift"], at_birch["Uplift Payable"]) == (
        "retained-1", "false", "false")


def test_values_agree_with_the_replayed_world(home, state):
    """The columns the query rebuilds from the registrations match the world the apply stage replayed."""
    rows, _, _ = state
    with open_state(home.state_db, read_only=True) as con:
        last_seq = con.execute("SELECT max(event_seq) FROM timeline").fetchall()[0][0]
    replay = load_checkpoint(home.root, 1, last_seq)
    assert replay is not None
    replayed = replay.world
    checked = 0
    for statement_rows in rows.values():
        for values in statement_rows:
            row = dict(zip(DECLARATIONS_CSV_COLUMNS, values))
            declaration = replayed.declarations[row["Declaration ID"]]
            profile = replayed.profiles[declaration.profile_id]
            lead_provider = declaration.lead_provider_id
            latest = replayed.latest_provider_record(profile.profile_id, lead_provider)
            at_date = replayed.latest_provider_record_starting_by(profile.profile_id, lead_provider,
                                                                  declaration.declaration_date)
            school = replayed.schools[replayed.programmes[at_date.induction_programme_id].school_id]
            partner = replayed.delivery_partners[replayed.partnership_of_record(at_date).delivery_partner_id]
            assert (row["Training Status"], row["Schedule"]) == (latest.training_status, latest.schedule_identifier)
            assert (row["School URN"], row["School Name"], row["Delivery Partner Name"]) == (
                school.urn, school.name, partner.name)
            assert row["Mentor Profile ID"] == (None if profile.participant_type == MENTOR
                                                else at_date.mentor_profile_id)
            assert row["Participant Name"] == replayed.users[declaration.user_id].full_name
            assert (row["Sparsity Uplift"], row["Pupil Premium Uplift"]) == (
                str(declaration.sparsity_uplift).lower(), str(declaration.pupil_premium_uplift).lower())
            checked += 1
    assert checked == 9


def test_bytes_are_deterministic(home, state):
    rows, statements, _ = state
    with open_state(home.state_db, read_only=True) as con:
        again = declaration_rows(con)
    assert {k: csv_bytes(v) for k, v in again.items()} == {k: csv_bytes(v) for k, v in rows.items()}
    birch_january = statements[("birch", "January 2025")]
    assert csv_bytes(rows[birch_january]) == BOM + HEADER + (
        f"{USERS['u4']},Teacher u4,1000004,ParticipantProfile::ECT,,ecf-standard-september,true,,false,false,false,"
        f"Birch Institute,Partner 1,100002,School 1,active,,{world.IMPORTED_IDS['d-birch-eligible']},eligible,started,"
        f"2024-09-15T09:00:00Z,2024-09-16T09:00:00Z,January 2025,{birch_january},false\r\n").encode()


def test_quoting_and_encoding():
    row = ["Zoë O'Brien, \"Jo\"", "line\nbreak", None, *[""] * 22]
    data = csv_bytes([row])
    assert data == BOM + HEADER + '"Zoë O\'Brien, ""Jo""","line\nbreak",'.encode() + b"," * 22 + b"\r\n"
    with pytest.raises(ValueError):
        csv_bytes([("too", "short")])
