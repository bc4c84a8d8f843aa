"""The statement cycle as plain functions: each stage acts on the home's pending cycle.

`ecf cycle` runs them in order (under Prefect by default, `flows.py`; `--no-prefect` calls these
directly); `ecf ingest` runs the first on its own. A cycle is created `pending` by its first stage
and becomes `complete` when `finish_cycle` records it. Each stage runs in one transaction, so an
interrupted stage leaves the state as it was before the stage.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

import duckdb
import orjson

from pipelines.home import Home
from pipelines.apply.checkpoint import collector_paused, load_checkpoint, save_checkpoint
from pipelines.apply.engine import Sink, replay_timeline
from pipelines.apply.persist import save_history, save_lifecycle, save_receipts
from pipelines.apply.receipts import write_receipt_files
from pipelines.calculate.statement_stage import calculate_all, write_statement_documents
from pipelines.statements.cycle_report import cycle_report_html
from pipelines.statements.render import render_statements
from pipelines.ingest.stage import ingest_inbox
from pipelines.instants import as_utc, naive_utc, rfc3339, stamp, utc_now
from pipelines.state.database import first_row, open_state
from pipelines.timeline.place import place_window, window_start_for
from pipelines.warehouse.publish import publish_warehouse
from api_export.publish import SnapshotSourceMissing, publish_snapshot

Progress = Callable[[str, int, int], None]
STAGES = ("ingest", "timeline", "apply", "calculate", "render", "publish")


class CycleError(Exception):
    """A cycle the user asked for cannot run; the message says why and what to do."""


@dataclass(frozen=True)
class CycleInfo:
    cycle_id: int
    as_of: datetime
    stages_done: tuple[str, ...]

    @property
    def stamp(self) -> str:
        return stamp(self.as_of)


@dataclass(frozen=True)
class CycleSummary:
    cycle_id: int
    as_of: str
    window_start: str | None
    files_ingested: int
    rows_ingested: int
    rows_quarantined: int
    events_on_timeline: int
    rows_late: int
    rows_waiting: int
    requests_applied: int
    requests_accepted: int
    finance_refused: int
    statements_calculated: int
    statements_not_calculated: int
    paid_statement_differences: int
    inputs_sha256: str
    cycle_folder: str


def _pending(con: duckdb.DuckDBPyConnection) -> CycleInfo | None:
    row = first_row(con, "SELECT cycle_id, as_of, stages_done FROM cycles WHERE status = 'pending'")
    return CycleInfo(row[0], as_utc(row[1]), tuple(row[2])) if row else None


def last_complete_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    value = con.execute("SELECT max(as_of) FROM cycles WHERE status = 'complete'").fetchall()[0][0]
    return as_utc(value) if value else None


def _refusal(con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> str | None:
    """Why a cycle at `as_of` cannot run now, or None."""
    pending = _pending(con)
    if pending:
        if as_of is not None and as_utc(as_of) != pending.as_of:
            return (f"a cycle at {rfc3339(pending.as_of)} is pending (stages done: "
                    f"{', '.join(pending.stages_done) or 'none'}); finish it with "
                    f"`ecf cycle --as-of {rfc3339(pending.as_of)}` before starting another")
        return None
    last = last_complete_as_of(con)
    if last is not None and as_of is not None and as_utc(as_of) <= last:
        return (f"--as-of {rfc3339(as_of)} must be after the last cycle's as_of {rfc3339(last)} "
                "(as_of increases from cycle to cycle)")
    return None


def check_cycle_can_start(home: Home, as_of: datetime | None) -> None:
    """Refuse early (before any orchestration starts) a cycle that `open_cycle` would refuse."""
    if home.state_db.exists():
        with open_state(home.state_db, read_only=True) as con:
            refusal = _refusal(con, as_of)
        if refusal:
            raise CycleError(refusal)


def open_cycle(con: duckdb.DuckDBPyConnection, as_of: datetime | None) -> CycleInfo:
    """The pending cycle, or a new one at `as_of` (default: now), which must follow the last one."""
    refusal = _refusal(con, as_of if as_of is not None else utc_now())
    if refusal:
        raise CycleError(refusal)
    pending = _pending(con)
    if pending:
        return pending
    as_of = as_utc(as_of) if as_of is not None else utc_now()
    cycle_id = con.execute("SELECT coalesce(max(cycle_id), 0) + 1 FROM cycles").fetchall()[0][0]
    con.execute("""INSERT INTO cycles (cycle_id, as_of, cycle_stamp, status, stages_done)
                   VALUES ($id, $as_of, $stamp, 'pending', [])""",
                {"id": cycle_id, "as_of": naive_utc(as_of), "stamp": stamp(as_of)})
    return CycleInfo(cycle_id, as_of, ())


def _require_pending(con: duckdb.DuckDBPyConnection, stage: str) -> CycleInfo:
    pending = _pending(con)
    if pending is None:
        raise CycleError(f"no cycle is pending for the {stage} stage; start one with `ecf ingest --as-of …` "
                         "or run every stage with `ecf cycle`")
    return pending


def _mark_done(con: duckdb.DuckDBPyConnection, cycle: CycleInfo, stage: str) -> None:
    con.execute("UPDATE cycles SET stages_done = CASE WHEN list_contains(stages_done, $stage) THEN stages_done "
                "ELSE list_append(stages_done, $stage) END WHERE cycle_id = $id", {"stage": stage, "id": cycle.cycle_id})


def cycle_folder(home: Home, cycle: CycleInfo) -> Path:
    folder = home.cycles / cycle.stamp
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))


def write_quarantine_report(con: duckdb.DuckDBPyConnection, home: Home, cycle: CycleInfo) -> int:
    """cycles/<as_of>/quarantine.jsonl: every file and line this cycle could not read, with the fix."""
    rows = con.sql(
        """SELECT relative_path AS file, line_number AS line, field, value, message, fix FROM quarantine
           WHERE cycle_id = $id ORDER BY relative_path, line_number NULLS FIRST, field NULLS FIRST, message""",
        params={"id": cycle.cycle_id}).pl().to_dicts()
    _write_jsonl(cycle_folder(home, cycle) / "quarantine.jsonl", rows)
    return len(rows)


def write_validation_report(con: duckdb.DuckDBPyConnection, home: Home, cycle: CycleInfo) -> None:
    """cycles/<as_of>/validation.json: rows the input schemas refused, corrections applied, and the
    request lines' problems (`requests`).

    The `requests` section covers the request lines of the batches ingested in this cycle, whether
    or not the timeline has placed them yet (this runs at the end of ingest, before the timeline
    stage; a line submitted after `as_of` waits, but its problems are reported when it lands).
    It is a report only (product.md §5): receipts come from the live rules, whatever it says."""
    from pipelines.validate.request_schemas import request_attribute_frame, request_validation_report

    request_lines = request_attribute_frame(con, cycle.cycle_id, scope="ingest")
    request_problems = request_validation_report(request_lines)  # sorted by file, line, field
    failures = con.sql(
        """SELECT relative_path AS file, line_number AS line, field, value, message, fix FROM quarantine
           WHERE cycle_id = $id AND line_number IS NOT NULL AND field IS NOT NULL
           ORDER BY relative_path, line_number, field, message""", params={"id": cycle.cycle_id}).pl()
    corrections = con.sql(
        """SELECT relative_path AS file, cohort, statement_name,
                  strftime(original_deadline_on, '%Y-%m-%d') AS original_deadline_on,
                  strftime(corrected_deadline_on, '%Y-%m-%d') AS corrected_deadline_on
           FROM reference_corrections WHERE cycle_id = $id ORDER BY relative_path, cohort, statement_name""",
        params={"id": cycle.cycle_id}).pl()
    report = {"as_of": rfc3339(cycle.as_of), "rows_refused": failures.height,
              "failures": failures.to_dicts(), "corrections": corrections.to_dicts(),
              "requests": {"lines_checked": request_lines.height,
                           "lines_with_problems": len({(p["file"], p["line"]) for p in request_problems}),
                           "problems": request_problems}}
    (cycle_folder(home, cycle) / "validation.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))


def stage_ingest(home: Home, as_of: datetime | None = None, progress: Progress | None = None) -> dict:
    """Ingest every new file of the inbox into the pending (or a new) cycle; quarantine the unreadable."""
    home.create_inbox()
    with open_state(home.state_db) as con:
        con.execute("BEGIN")
        cycle = open_cycle(con, as_of)
        first = con.execute("SELECT count(*) FROM cycles WHERE status = 'complete'").fetchall()[0][0] == 0
        try:
            result = ingest_inbox(con, home, cycle.cycle_id, cycle.as_of, first, progress)
        except ValueError as error:
            con.execute("ROLLBACK")
            raise CycleError(str(error)) from None
        found = result.quarantine  # noqa: F841 - read by DuckDB's replacement scan
        con.execute("INSERT INTO quarantine SELECT $id, relative_path, line_number, field, value, message, fix "
                    "FROM found", {"id": cycle.cycle_id})
        _mark_done(con, cycle, "ingest")
        con.execute("COMMIT")
        write_quarantine_report(con, home, cycle)
        write_validation_report(con, home, cycle)
    return {"files_ingested": result.files_ingested, "rows_ingested": result.rows_ingested,
            "rows_quarantined": result.quarantine.height, "duplicates_skipped": len(result.duplicates_skipped),
            "corrections": result.corrections}


def stage_timeline(home: Home, progress: Progress | None = None) -> dict:
    """Place every row due by the pending cycle's as_of on the timeline, in timeline order."""
    with open_state(home.state_db) as con:
        cycle = _require_pending(con, "timeline")
        con.execute("BEGIN")
        window_start = window_start_for(con, cycle.cycle_id)
        if window_start is not None and as_utc(window_start) >= cycle.as_of:
            con.execute("ROLLBACK")
            raise CycleError(f"the cycle's as_of {rfc3339(cycle.as_of)} must be after the window start "
                             f"{rfc3339(as_utc(window_start))} (the state import's imported_as_of)")
        late_possible = cycle.cycle_id > 1
        placement = place_window(con, cycle.cycle_id, window_start, cycle.as_of, late_possible)
        con.execute("""UPDATE cycles SET window_start = $start, events_on_timeline = $placed, rows_late = $late,
                              rows_waiting = $waiting WHERE cycle_id = $id""",
                    {"start": window_start, "placed": placement.events_placed, "late": placement.rows_late,
                     "waiting": placement.rows_waiting, "id": cycle.cycle_id})
        _mark_done(con, cycle, "timeline")
        con.execute("COMMIT")
        if progress:
            progress("timeline", 1, 1)
    return asdict(placement)


def stage_apply(home: Home, progress: Progress | None = None) -> dict:
    """Replay the timeline through the live rules; write receipts and the lifecycle state."""
    with open_state(home.state_db) as con, collector_paused(world_lives_on=True):
        cycle = _require_pending(con, "apply")
        previous_seq, total, last_seq = first_row(
            con, """SELECT coalesce(max(event_seq) FILTER (WHERE cycle_id < $id), 0),
                           count(*) FILTER (WHERE cycle_id = $id), coalesce(max(event_seq), 0)
                    FROM timeline WHERE cycle_id <= $id""", {"id": cycle.cycle_id})
        resume = load_checkpoint(home.root, cycle.cycle_id - 1, previous_seq)
        if resume is None:  # no usable checkpoint: replay the whole timeline
            total = first_row(con, "SELECT count(*) FROM timeline WHERE cycle_id <= $id", {"id": cycle.cycle_id})[0]
        sink = Sink(con)
        replay = replay_timeline(con, cycle.cycle_id, total, sink, progress, resume)
        first_event = first_row(con, "SELECT coalesce(min(event_seq), 0) FROM timeline WHERE cycle_id = $id",
                                {"id": cycle.cycle_id})[0]
        applied, accepted = first_row(con, """SELECT count(*), count(*) FILTER (WHERE status = 200)
                                               FROM new_receipts WHERE cycle_id = $id""", {"id": cycle.cycle_id})
        counts = {"requests_applied": applied, "requests_accepted": accepted,
                  "finance_refused": sum(1 for r in replay.world.finance_refusals if r.event_seq >= first_event)}
        con.execute("BEGIN")
        save_receipts(con, cycle.cycle_id if resume is not None else 1)
        save_history(con, previous_seq + 1 if resume is not None else 0)
        save_lifecycle(con, replay)
        con.execute("""UPDATE cycles SET requests_applied = $requests_applied, requests_accepted = $requests_accepted,
                              finance_refused = $finance_refused WHERE cycle_id = $id""",
                    {**counts, "id": cycle.cycle_id})
        _mark_done(con, cycle, "apply")
        con.execute("COMMIT")
        save_checkpoint(home.root, replay, cycle.cycle_id, last_seq)
        counts["receipt_files"] = write_receipt_files(con, home, cycle.cycle_id)
    return counts


def stage_calculate(home: Home, progress: Progress | None = None) -> dict:
    """Calculate every statement (payments.md): statement_lines, the ECF2 comparison, statement JSON."""
    with open_state(home.state_db) as con:
        cycle = _require_pending(con, "calculate")
        if "apply" not in cycle.stages_done:
            raise CycleError("the pending cycle has not run apply yet; run `ecf apply` first (or `ecf cycle`)")
        con.execute("BEGIN")
        result = calculate_all(con, cycle.cycle_id, cycle.as_of)
        con.execute("""UPDATE cycles SET statements_calculated = $calculated,
                              statements_not_calculated = $not_calculated, paid_statement_differences = $differences
                       WHERE cycle_id = $id""",
                    {"calculated": result.calculated, "not_calculated": result.not_calculated,
                     "differences": result.paid_differences, "id": cycle.cycle_id})
        _mark_done(con, cycle, "calculate")
        con.execute("COMMIT")
    write_statement_documents(home.root, result.documents)
    if progress:
        progress("calculate", 1, 1)
    return {"statements_calculated": result.calculated, "statements_not_calculated": result.not_calculated,
            "paid_statement_differences": result.paid_differences}


def stage_render(home: Home, progress: Progress | None = None, pdf: str = "current") -> dict:
    """Render every statement (HTML, CSV, PDF for the current ones) and statements/index.html."""
    with open_state(home.state_db) as con:
        cycle = _require_pending(con, "render")
        if "calculate" not in cycle.stages_done:
            raise CycleError("the pending cycle has not run calculate yet; run `ecf calculate` first (or `ecf cycle`)")
        result = render_statements(con, home.root, cycle.cycle_id, cycle.as_of, pdf, progress)
        _record_counts(con, cycle)  # the report shows what the cycle ingested
        (cycle_folder(home, cycle) / "report.html").write_bytes(cycle_report_html(con, cycle.cycle_id).encode())
        _mark_done(con, cycle, "render")
    return asdict(result)


def stage_publish(home: Home, progress: Progress | None = None, snapshot: bool = True) -> dict:
    """Publish warehouse.duckdb, the Parquet exports and the API snapshot (snapshots/<as_of>/, then
    `current`) for the pending cycle. `snapshot=False` (the demo's replayed history) skips the snapshot."""
    with open_state(home.state_db) as con:
        cycle = _require_pending(con, "publish")
        if "apply" not in cycle.stages_done:
            raise CycleError("the pending cycle has not run apply yet; run `ecf apply` first (or `ecf cycle`)")
        _record_counts(con, cycle)
        tables = publish_warehouse(con, home.root, cycle.as_of)
        published = {}
        if snapshot:
            try:
                published = publish_snapshot(con, home.root, cycle.cycle_id, cycle.as_of, progress)
            except SnapshotSourceMissing as error:
                raise CycleError(str(error)) from None
        _mark_done(con, cycle, "publish")
    return {"tables": len(tables), **published}


def _inputs_sha256(con: duckdb.DuckDBPyConnection, cycle_id: int) -> str:
    rows = con.execute("SELECT folder, content_sha256 FROM ingested_files WHERE cycle_id <= $id "
                       "ORDER BY folder, content_sha256", {"id": cycle_id}).fetchall()
    return hashlib.sha256("".join(f"{folder}\t{sha}\n" for folder, sha in rows).encode()).hexdigest()


def _record_counts(con: duckdb.DuckDBPyConnection, cycle: CycleInfo) -> None:
    con.execute(
        """UPDATE cycles SET
               inputs_sha256 = $sha,
               files_ingested = (SELECT count(*) FROM ingested_files WHERE cycle_id = $id),
               rows_ingested = (SELECT coalesce(sum(row_count), 0) FROM ingested_files WHERE cycle_id = $id),
               rows_quarantined = (SELECT count(*) FROM quarantine WHERE cycle_id = $id)
           WHERE cycle_id = $id""", {"id": cycle.cycle_id, "sha": _inputs_sha256(con, cycle.cycle_id)})


def finish_cycle(home: Home) -> CycleSummary:
    """Record the pending cycle as complete and write cycles/<as_of>/summary.json."""
    with open_state(home.state_db) as con:
        cycle = _require_pending(con, "finish")
        missing = [stage for stage in STAGES if stage not in cycle.stages_done]
        if missing:
            raise CycleError(f"the pending cycle has not run {', '.join(missing)}; run `ecf cycle` to finish it")
        _record_counts(con, cycle)
        con.execute("UPDATE cycles SET status = 'complete' WHERE cycle_id = $id", {"id": cycle.cycle_id})
        row = con.execute(
            """SELECT window_start, files_ingested, rows_ingested, rows_quarantined, events_on_timeline,
                      rows_late, rows_waiting, requests_applied, requests_accepted, finance_refused,
                      statements_calculated, statements_not_calculated, paid_statement_differences, inputs_sha256
               FROM cycles WHERE cycle_id = $id""",
            {"id": cycle.cycle_id}).fetchall()[0]
        summary = CycleSummary(cycle.cycle_id, rfc3339(cycle.as_of), rfc3339(as_utc(row[0])) if row[0] else None,
                               *row[1:], cycle_folder=f"cycles/{cycle.stamp}")
        counts = con.sql(
            """SELECT family, kind, count(*) AS events, count(*) FILTER (WHERE is_late) AS late
               FROM timeline WHERE cycle_id = $id GROUP BY ALL ORDER BY family, kind""",
            params={"id": cycle.cycle_id}).pl().to_dicts()
        (cycle_folder(home, cycle) / "summary.json").write_bytes(
            orjson.dumps({**asdict(summary), "timeline_by_kind": counts}, option=orjson.OPT_INDENT_2))
    return summary


def run_cycle(home: Home, as_of: datetime | None = None, progress: Progress | None = None,
              pdf: str = "current", snapshot: bool = True) -> CycleSummary:
    """Every stage that exists, in order, without Prefect (`ecf cycle --no-prefect`)."""
    stage_ingest(home, as_of, progress)
    stage_timeline(home, progress)
    stage_apply(home, progress)
    stage_calculate(home, progress)
    stage_render(home, progress, pdf)
    stage_publish(home, progress, snapshot)
    return finish_cycle(home)
