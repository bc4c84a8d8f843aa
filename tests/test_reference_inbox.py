"""Reference data in a home: shipped defaults, replacement by the inbox, the seed format, corrections."""

from __future__ import annotations

import shutil

import pytest

from pipelines.cycle import run_cycle
from pipelines.instants import parse_instant

from conftest import SHARED
from helpers import rows

FIRST = parse_instant("2024-11-01T02:00:00Z")
SECOND = parse_instant("2024-12-01T02:00:00Z")


def in_force_cohorts(home):
    with_flags = rows(home, """SELECT r.cohort, f.folder FROM reference_cohorts r JOIN ingested_files f USING (file_id)
                               ORDER BY cohort, file_id""")
    return with_flags


def test_a_home_without_reference_files_uses_the_shipped_defaults(builder):
    run_cycle(builder.home, FIRST)
    loaded = rows(builder.home, "SELECT kind, folder, source_format FROM ingested_files ORDER BY file_id")
    assert loaded == [("cohorts", "defaults/reference", "own"), ("schedules", "defaults/reference", "own"),
                      ("statements", "defaults/reference", "own")]
    assert rows(builder.home, "SELECT count(*) FROM reference_statements") == [(163,)]
    run_cycle(builder.home, SECOND)
    assert rows(builder.home, "SELECT count(*) FROM ingested_files") == [(3,)]  # taken once


def test_a_kind_supplied_in_the_inbox_replaces_its_default(builder):
    builder.write("inbox/reference/cohorts.csv",
                  "cohort,registration_start_on,academic_year_start_on,automatic_assignment_period_end_on,"
                  "payments_frozen_at,mentor_funding,detailed_evidence_types\n"
                  "2026,2025-12-31,2026-09-01,2027-03-31,,true,true\n")
    run_cycle(builder.home, FIRST)
    assert rows(builder.home, "SELECT kind, folder FROM ingested_files ORDER BY kind") == [
        ("cohorts", "inbox/reference"), ("schedules", "defaults/reference"), ("statements", "defaults/reference")]
    from pipelines.ingest.kinds import KINDS_BY_FOLDER
    from pipelines.timeline.in_force import in_force_sql
    sql = f"SELECT cohort FROM ({in_force_sql(KINDS_BY_FOLDER[('reference', 'cohorts')])})"
    assert rows(builder.home, sql, {"at": FIRST.replace(tzinfo=None)}) == [(2026,)]


def test_defaults_stop_counting_once_the_inbox_supplies_the_kind(builder):
    run_cycle(builder.home, FIRST)
    builder.write("inbox/reference/cohorts.csv",
                  "cohort,registration_start_on,academic_year_start_on,automatic_assignment_period_end_on,"
                  "mentor_funding,detailed_evidence_types,valid_from\n"
                  "2021,2021-05-10,2021-09-01,2022-03-31,false,false,2024-11-15T00:00:00Z\n")
    run_cycle(builder.home, SECOND)
    from pipelines.ingest.kinds import KINDS_BY_FOLDER
    from pipelines.timeline.in_force import in_force_sql
    sql = f"SELECT cohort FROM ({in_force_sql(KINDS_BY_FOLDER[('reference', 'cohorts')])})"
    assert rows(builder.home, sql, {"at": SECOND.replace(tzinfo=None)}) == [(2021,)]
    # History is kept: the defaults are still in the state.
    assert rows(builder.home, "SELECT count(*) FROM reference_cohorts") == [(7,)]


def test_the_later_valid_from_wins_for_a_key(builder):
    builder.with_providers()
    builder.write("inbox/reference/lead_providers-renamed.csv",
                  "lead_provider_id,name,slug,vat_chargeable,valid_from\n"
                  "00000000-0000-4000-8000-00000000000a,Alder Learning Trust,alder,true,2024-11-20\n")
    run_cycle(builder.home, FIRST)
    run_cycle(builder.home, SECOND)
    from pipelines.provider_list import lead_providers
    assert [p["name"] for p in lead_providers(builder.home)] == ["Alder Learning Trust", "Birch Institute"]


@pytest.mark.skipif(not (SHARED / "reference" / "ecf1").is_dir(), reason="../shared/reference/ecf1 is not beside the project")
def test_the_live_services_seed_files_are_read_and_corrected(builder):
    for name in ("cohorts.csv", "schedules.csv", "statements.csv"):
        target = builder.home.inbox / "reference" / name
        shutil.copyfile(SHARED / "reference" / "ecf1" / name, target)
    run_cycle(builder.home, FIRST)
    assert rows(builder.home, "SELECT kind, folder, source_format FROM ingested_files ORDER BY kind") == [
        ("cohorts", "inbox/reference", "seed"), ("schedules", "inbox/reference", "seed"),
        ("statements", "inbox/reference", "seed")]
    assert rows(builder.home, "SELECT count(*) FROM quarantine") == [(0,)]
    assert rows(builder.home, "SELECT count(*) FROM reference_statements") == [(163,)]
    corrected = rows(builder.home, """SELECT cohort, statement_name, original_deadline_on::VARCHAR,
                                             corrected_deadline_on::VARCHAR
                                      FROM reference_corrections ORDER BY cohort, statement_name""")
    assert len(corrected) == 10
    assert (2024, "January 2026", "2026-12-31", "2025-12-31") in corrected
    assert rows(builder.home, """SELECT deadline_on::VARCHAR FROM reference_statements
                                 WHERE cohort = 2024 AND statement_name = 'January 2026'""") == [("2025-12-31",)]
    assert rows(builder.home, "SELECT registration_start_on::VARCHAR FROM reference_cohorts WHERE cohort = 2025") == [
        ("2024-12-31",)]
    validation = (builder.home.cycles / "2024-11-01T020000Z" / "validation.json").read_text()
    assert '"corrected_deadline_on": "2025-12-31"' in validation
