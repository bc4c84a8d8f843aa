"""The one timeline: windows, waiting and late rows, order, deadline events, as_of rules."""

from __future__ import annotations

import pytest

from pipelines.cycle import CycleError, run_cycle, stage_ingest
from pipelines.instants import parse_instant

from conftest import request_line
from helpers import rows

FIRST = parse_instant("2024-11-01T02:00:00Z")
SECOND = parse_instant("2024-12-01T02:00:00Z")


def events(home, where="TRUE"):
    return rows(home, f"""SELECT cycle_id, family, kind, relative_path, line_number, own_at::VARCHAR,
                                 effective_at::VARCHAR, is_late
                          FROM timeline WHERE {where} ORDER BY event_seq""")


def test_a_row_after_as_of_waits_for_the_cycle_whose_window_contains_it(builder):
    builder.with_providers()
    builder.write("inbox/providers/alder/batch.jsonl", "\n".join([
        request_line(submitted_at="2024-10-15T10:00:00Z"),
        request_line(submitted_at="2024-11-20T10:00:00Z"),
        request_line(submitted_at="2025-03-01T10:00:00Z"),
    ]) + "\n")
    first = run_cycle(builder.home, FIRST)
    second = run_cycle(builder.home, SECOND)
    placed = events(builder.home, "family = 'requests'")
    assert [(cycle, line, effective) for cycle, _, _, _, line, _, effective, _ in placed] == [
        (1, 1, "2024-10-15 10:00:00"), (2, 2, "2024-11-20 10:00:00")]
    assert first.rows_waiting >= 2 and second.rows_waiting >= 1
    assert rows(builder.home, "SELECT count(*) FROM requests") == [(3,)]  # ingested, waiting untouched


def test_a_late_row_takes_the_window_start_and_keeps_its_own_date(builder):
    builder.with_providers()
    run_cycle(builder.home, FIRST)
    builder.write("inbox/providers/alder/late.jsonl", request_line(submitted_at="2024-10-20T10:00:00Z") + "\n")
    summary = run_cycle(builder.home, SECOND)
    [late] = events(builder.home, "family = 'requests'")
    assert late[0] == 2
    assert late[5:] == ("2024-10-20 10:00:00", "2024-11-01 02:00:00", True)
    assert summary.rows_late == 1
    assert summary.window_start == "2024-11-01T02:00:00Z"


def test_timeline_order_is_instant_then_kind_then_file_then_line(builder):
    builder.with_providers()
    same = "2024-10-01T00:00:00Z"
    builder.write("inbox/providers/alder/a.jsonl",
                  request_line(submitted_at=same) + "\n" + request_line(submitted_at="2024-09-30T23:59:59Z") + "\n")
    builder.write("inbox/finance/authorisations.csv",
                  f"lead_provider_slug,cohort,statement_name,effective_at\nalder,2024,October 2024,{same}\n")
    builder.write("inbox/registrations/partnerships-b.csv",
                  "partnership_id,lead_provider_id,delivery_partner_id,school_id,cohort,recorded_at\n"
                  f"p2,l,d,s,2024,{same}\np3,l,d,s,2024,{same}\n")
    builder.write("inbox/registrations/partnerships-a.csv",
                  f"partnership_id,lead_provider_id,delivery_partner_id,school_id,cohort,recorded_at\np1,l,d,s,2024,{same}\n")
    builder.write("inbox/reference/feature_flags.csv", f"flag,enabled,valid_from\nprogramme_type_changes_2025,true,{same}\n")
    run_cycle(builder.home, FIRST)
    at_instant = [(kind, path and path.split("/")[-1], line) for _, _, kind, path, line, _, effective, _
                  in events(builder.home, "effective_at BETWEEN '2024-09-30 23:59:59' AND '2024-10-01 00:00:00'")]
    deadlines = [event for event in at_instant if event[0] == "statement_deadline"]
    assert deadlines and deadlines[0] == ("statement_deadline", None, None)
    assert [event for event in at_instant if event[0] != "statement_deadline"] == [
        ("request", "a.jsonl", 2),
        ("feature_flags", "feature_flags.csv", 2),
        ("partnerships", "partnerships-a.csv", 2),
        ("partnerships", "partnerships-b.csv", 2),
        ("partnerships", "partnerships-b.csv", 3),
        ("authorisations", "authorisations.csv", 2),
        ("request", "a.jsonl", 1),
    ]
    # Deadline events sit after finance rows and before requests at the same instant.
    kinds = [event[0] for event in at_instant]
    assert kinds.index("statement_deadline") > kinds.index("authorisations")
    assert len(kinds) - 1 - kinds[::-1].index("statement_deadline") < len(kinds) - 1
    sequence = [seq for (seq,) in rows(builder.home, "SELECT event_seq FROM timeline ORDER BY event_seq")]
    assert sequence == list(range(1, len(sequence) + 1))


def test_statement_deadlines_are_events_at_midnight_after_the_deadline(builder):
    builder.with_providers()
    run_cycle(builder.home, FIRST)
    deadline = rows(builder.home, """SELECT own_at::VARCHAR, effective_at::VARCHAR FROM timeline
                                     WHERE kind = 'statement_deadline' AND event_key = '2024|January 2025'""")
    assert deadline == []  # 2024-12-31 has not passed at the first as_of
    run_cycle(builder.home, parse_instant("2025-01-02T00:00:00Z"))
    deadline = rows(builder.home, """SELECT cycle_id, own_at::VARCHAR FROM timeline
                                     WHERE kind = 'statement_deadline' AND event_key = '2024|January 2025'""")
    assert deadline == [(2, "2025-01-01 00:00:00")]


def test_as_of_must_increase(builder):
    run_cycle(builder.home, FIRST)
    with pytest.raises(CycleError, match="must be after the last cycle's as_of 2024-11-01T02:00:00Z"):
        run_cycle(builder.home, FIRST)
    with pytest.raises(CycleError, match="must be after"):
        run_cycle(builder.home, parse_instant("2024-10-01T00:00:00Z"))
    assert rows(builder.home, "SELECT cycle_id, status FROM cycles") == [(1, "complete")]


def test_a_pending_cycle_must_be_finished_before_another_starts(builder):
    stage_ingest(builder.home, FIRST)
    with pytest.raises(CycleError, match="a cycle at 2024-11-01T02:00:00Z is pending"):
        stage_ingest(builder.home, SECOND)
    run_cycle(builder.home, FIRST)  # finishes the pending cycle
    assert rows(builder.home, "SELECT cycle_id, status, stages_done FROM cycles") == [
        (1, "complete", ["ingest", "timeline", "apply", "calculate", "render", "publish"])]


def test_a_state_import_starts_the_first_window_at_imported_as_of(builder):
    builder.with_providers()
    builder.write("inbox/migration/manifest.csv", "imported_as_of\n2024-10-15T12:00:00Z\n")
    builder.write("inbox/migration/statements.csv",
                  "lead_provider_slug,cohort,statement_name,deadline_on,payment_on,output_fee,status\n"
                  "alder,2024,October 2024,2024-09-30,2024-10-25,true,payable\n")
    builder.write("inbox/providers/alder/b.jsonl", request_line(submitted_at="2024-10-01T00:00:00Z") + "\n")
    summary = run_cycle(builder.home, FIRST)
    assert summary.window_start == "2024-10-15T12:00:00Z"
    imported = events(builder.home, "family = 'migration'")
    assert {e[6] for e in imported} == {"2024-10-15 12:00:00"}
    [request] = events(builder.home, "family = 'requests'")
    assert request[6] == "2024-10-15 12:00:00" and request[7] is False  # before the import, not late
    deadlines = rows(builder.home, "SELECT min(own_at)::VARCHAR FROM timeline WHERE kind = 'statement_deadline'")
    assert deadlines == [("2024-11-01 00:00:00",)]  # October 2024 (deadline 30 Sep) is history


def test_an_as_of_not_after_the_state_import_is_refused(builder):
    builder.write("inbox/migration/manifest.csv", "imported_as_of\n2024-12-15T12:00:00Z\n")
    with pytest.raises(CycleError, match="must be after the window start 2024-12-15T12:00:00Z"):
        run_cycle(builder.home, FIRST)
