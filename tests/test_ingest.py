"""Ingest: append-only, idempotent, nothing lost, bad input quarantined with the fix."""

from __future__ import annotations

import json

from pipelines.cycle import run_cycle
from pipelines.instants import parse_instant

from conftest import request_line
from helpers import quarantine, rows

AS_OF = parse_instant("2024-11-01T02:00:00Z")
LATER = parse_instant("2024-12-01T02:00:00Z")


def files(home):
    return rows(home, "SELECT relative_path, folder, family, kind, lead_provider_slug FROM ingested_files "
                      "WHERE folder LIKE 'inbox/%' ORDER BY file_id")


def test_same_file_twice_in_one_folder_is_taken_once(builder):
    builder.with_providers()
    line = request_line() + "\n"
    builder.write("inbox/providers/alder/batch-1.jsonl", line)
    builder.write("inbox/providers/alder/copy-of-batch-1.jsonl", line)
    run_cycle(builder.home, AS_OF)
    run_cycle(builder.home, LATER)  # the files are still there: nothing new
    assert [f[0] for f in files(builder.home) if f[2] == "requests"] == ["inbox/providers/alder/batch-1.jsonl"]
    assert rows(builder.home, "SELECT count(*) FROM requests") == [(1,)]
    assert rows(builder.home, "SELECT count(*) FROM raw_request_lines") == [(1,)]


def test_changed_file_with_the_same_name_is_a_new_input_and_the_old_is_kept(builder):
    builder.with_providers()
    batch = builder.write("inbox/providers/alder/batch.jsonl", request_line(submitted_at="2024-10-01T10:00:00Z") + "\n")
    run_cycle(builder.home, AS_OF)
    batch.write_text(request_line(submitted_at="2024-11-15T10:00:00Z") + "\n", encoding="utf-8")
    run_cycle(builder.home, LATER)
    landed = rows(builder.home, "SELECT f.cycle_id, r.submitted_at FROM requests r JOIN ingested_files f USING (file_id) "
                                "ORDER BY file_id")
    assert [(cycle, str(at)) for cycle, at in landed] == [(1, "2024-10-01 10:00:00"), (2, "2024-11-15 10:00:00")]


def test_identical_files_in_two_providers_folders_are_both_kept(builder):
    builder.with_providers()
    line = request_line() + "\n"
    builder.write("inbox/providers/alder/batch.jsonl", line)
    builder.write("inbox/providers/birch/batch.jsonl", line)
    run_cycle(builder.home, AS_OF)
    assert rows(builder.home, "SELECT lead_provider_slug, count(*) FROM requests GROUP BY ALL ORDER BY 1") == [
        ("alder", 1), ("birch", 1)]


def test_request_lines_keep_their_provenance_and_raw_text(builder):
    builder.with_providers()
    text = request_line(path="/api/v1/participant-declarations", method="POST") + "\n"
    text += '{"method":"PUT","path":"/api/v3/participant-declarations/x/void","body":"not json {","submitted_at":"2024-10-02T00:00:00+01:00"}\n'
    builder.write("inbox/providers/alder/batch.jsonl", text)
    run_cycle(builder.home, AS_OF)
    got = rows(builder.home, "SELECT line_number, method, path, body_text, body_is_text, submitted_at::VARCHAR "
                             "FROM requests ORDER BY line_number")
    assert got == [
        (1, "POST", "/api/v1/participant-declarations", '{"data":{"type":"participant-declaration"}}', False,
         "2024-10-01 10:00:00"),
        (2, "PUT", "/api/v3/participant-declarations/x/void", "not json {", True, "2024-10-01 23:00:00"),
    ]
    raw = rows(builder.home, "SELECT line_text FROM raw_request_lines ORDER BY line_number")
    assert [r[0] for r in raw] == text.splitlines()


def test_unreadable_request_lines_are_quarantined_and_the_rest_goes_through(builder):
    builder.with_providers()
    builder.write("inbox/providers/alder/batch.jsonl", "\n".join([
        request_line(),
        "this is not json",
        "[1, 2]",
        '{"path":"/api/v3/participant-declarations","submitted_at":"2024-10-01T10:00:00Z"}',
        '{"method":"POST","submitted_at":"2024-10-01T10:00:00Z"}',
        '{"method":"POST","path":"/x","submitted_at":"yesterday"}',
        '{"method":"POST","path":"/x"}',
        "",
        request_line(submitted_at="2024-10-03T10:00:00Z"),
    ]) + "\n")
    summary = run_cycle(builder.home, AS_OF)
    found = [(q["line_number"], q["field"], q["message"]) for q in quarantine(builder.home)]
    assert found == [
        (2, None, "the line is not valid JSON"),
        (3, None, "the line is JSON but not an object"),
        (4, "method", "method is missing"),
        (5, "path", "path is missing"),
        (6, "submitted_at", "submitted_at is not an RFC 3339 instant"),
        (7, "submitted_at", "submitted_at is missing"),
    ]
    assert all(q["relative_path"] == "inbox/providers/alder/batch.jsonl" and q["fix"] for q in quarantine(builder.home))
    assert rows(builder.home, "SELECT line_number FROM requests ORDER BY 1") == [(1,), (9,)]
    # Nothing is lost: every non-blank line is in the raw layer.
    assert rows(builder.home, "SELECT count(*) FROM raw_request_lines") == [(8,)]
    assert summary.rows_quarantined == 6
    report = (builder.home.root / summary.cycle_folder / "quarantine.jsonl").read_text().splitlines()
    assert [json.loads(line)["line"] for line in report] == [2, 3, 4, 5, 6, 7]


def test_unknown_provider_folder_quarantines_the_whole_file(builder):
    builder.with_providers()
    builder.write("inbox/providers/cedar/batch.jsonl", request_line() + "\n")
    run_cycle(builder.home, AS_OF)
    [entry] = quarantine(builder.home)
    assert entry["line_number"] is None
    assert entry["message"] == "provider folder 'cedar' is not a known lead provider slug"
    assert "alder, birch" in entry["fix"]
    assert rows(builder.home, "SELECT count(*) FROM requests") == [(0,)]


def test_a_quarantined_file_is_retried_once_fixed(builder):
    builder.write("inbox/providers/alder/batch.jsonl", request_line() + "\n")
    run_cycle(builder.home, AS_OF)  # no lead providers yet
    assert len(quarantine(builder.home, 1)) == 1
    builder.with_providers()
    run_cycle(builder.home, LATER)
    assert quarantine(builder.home, 2) == []
    assert rows(builder.home, "SELECT count(*) FROM requests") == [(1,)]


def test_bad_files_are_quarantined_with_the_fix(builder):
    builder.with_providers()
    builder.write("inbox/registrations/pupils.csv", "a,b\n1,2\n")
    builder.write("inbox/finance/authorisations.csv",
                  "lead_provider_slug,cohort,statement_name,effective_at,colour\nalder,2024,x,2024-10-01,red\n")
    builder.write("inbox/finance/adjustments.csv", "adjustment_ref,action\nA,add\n")
    builder.write("inbox/finance/reconcile_amounts.csv", "")
    (builder.home.root / "inbox/registrations/partnerships.csv").write_bytes(b"partnership_id\n\xff\xfe\n")
    builder.write("inbox/registrations/school_cohorts.csv",
                  "school_id,cohort,induction_programme_choice,recorded_at\ns,2024,not_yet_known,2024-01-01,extra\n")
    builder.write("inbox/providers/alder/notes.txt", "hello")
    builder.write("inbox/loose.csv", "x\n")
    builder.write("inbox/providers/orphan.jsonl", request_line() + "\n")
    builder.write("inbox/registrations/.DS_Store", "ignored")
    run_cycle(builder.home, AS_OF)
    found = {q["relative_path"]: q for q in quarantine(builder.home)}
    assert found["inbox/registrations/pupils.csv"]["message"] == "pupils.csv is not a known registrations input"
    assert "participant_profiles.csv" in found["inbox/registrations/pupils.csv"]["fix"]
    assert found["inbox/finance/authorisations.csv"]["message"] == \
        "unknown column colour for finance/authorisations"
    assert found["inbox/finance/adjustments.csv"]["message"].startswith(
        "missing column lead_provider_slug, cohort, statement_name")
    assert found["inbox/finance/reconcile_amounts.csv"]["message"] == "the file is empty"
    assert found["inbox/registrations/partnerships.csv"]["message"].startswith("the file is not UTF-8 text")
    assert found["inbox/registrations/school_cohorts.csv"]["message"] == "lines 2 do not have the header's 4 fields"
    assert found["inbox/providers/alder/notes.txt"]["message"] == "notes.txt is not a JSON Lines request batch"
    assert found["inbox/loose.csv"]["message"] == "inbox/loose.csv is not in a known inbox folder"
    assert found["inbox/providers/orphan.jsonl"]["fix"] == "move it to inbox/providers/<lead-provider-slug>/"
    assert all(q["line_number"] is None and q["fix"] for q in found.values())
    assert len(found) == 9  # the dot file is ignored


def test_bad_csv_rows_are_quarantined_row_by_row(builder):
    builder.with_providers()
    builder.write("inbox/reference/contracts.csv",
                  "lead_provider_id,cohort,version,recruitment_target,set_up_fee,monthly_service_fee,uplift_amount,"
                  "uplift_target,valid_from\n"
                  "00000000-0000-4000-8000-00000000000a,2024,1.0,4000,149651,,100,0.33,\n"
                  "00000000-0000-4000-8000-00000000000a,2025,1.0,4000,\"£149,651\",,100,0.33,2025/01/01\n"
                  "00000000-0000-4000-8000-00000000000b,,1.0,lots,0,0,,,\n")
    builder.write("inbox/registrations/participant_profiles.csv",
                  "participant_profile_id,participant_identity_id,participant_type,full_name,cohort,school_id,"
                  "eligibility_status,recorded_at\n"
                  "p1,i1,ect,Kim Doe,2024,s1,eligible,2024-07-01T09:00:00Z\n"
                  "p2,i2,teacher,Sam Roe,2024,s1,perhaps,2024-07-01T09:00:00Z\n")
    run_cycle(builder.home, AS_OF)
    found = [(q["relative_path"].split("/")[-1], q["line_number"], q["field"], q["message"])
             for q in quarantine(builder.home)]
    assert found == [
        ("contracts.csv", 3, "set_up_fee", "set_up_fee '£149,651' is not an amount in pounds"),
        ("contracts.csv", 3, "valid_from", "valid_from '2025/01/01' is not an instant"),
        ("contracts.csv", 4, "cohort", "cohort is blank but required"),
        ("contracts.csv", 4, "recruitment_target", "recruitment_target 'lots' is not a whole number"),
        ("participant_profiles.csv", 3, "eligibility_status", "eligibility_status 'perhaps' is not an allowed value"),
        ("participant_profiles.csv", 3, "participant_type", "participant_type 'teacher' is not an allowed value"),
    ]
    assert rows(builder.home, "SELECT line_number, set_up_fee::VARCHAR, monthly_service_fee FROM reference_contracts") == [
        (2, "149651.0000000000", None)]
    # Nothing is lost: every row is in the raw layer.
    assert rows(builder.home, "SELECT count(*) FROM raw_csv_rows r JOIN ingested_files f USING (file_id) "
                              "WHERE f.kind IN ('contracts', 'participant_profiles')") == [(5,)]


def test_a_state_import_after_the_first_cycle_is_refused(builder):
    builder.with_providers()
    run_cycle(builder.home, AS_OF)
    builder.write("inbox/migration/manifest.csv", "imported_as_of\n2024-11-15T00:00:00Z\n")
    run_cycle(builder.home, LATER)
    [entry] = quarantine(builder.home, 2)
    assert entry["message"] == "a state import can only be taken in by the first cycle"


def test_ingest_reports_the_same_content_skipped_in_one_folder(builder):
    from pipelines.cycle import stage_ingest

    builder.with_providers()
    line = request_line() + "\n"
    builder.write("inbox/providers/alder/a.jsonl", line)
    builder.write("inbox/providers/alder/b.jsonl", line)
    assert stage_ingest(builder.home, AS_OF)["duplicates_skipped"] == 1
