"""The ordered loop: every timeline event, in order, applied to one in-memory world.

This is where order matters (product.md §5): duplicates, statement choice, voids and participant
states depend on everything accepted before, so requests are judged one after another, each with
its effective instant as "now". A cycle resumes from the previous cycle's world
(`checkpoint.py`) or, without a usable checkpoint, replays the whole timeline: the timeline is
append-only and every id and instant derives from it, so both give the same history, and the
receipts of earlier cycles come out byte for byte the same.

Receipts and history rows leave the loop as they are produced, in batches, into temporary tables
(`Sink`), so memory holds the world and not the outputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import duckdb
import polars as pl

from pipelines.apply.events import Event, timeline_events
from pipelines.apply.finance_events import apply_finance
from pipelines.apply.import_events import apply_import
from pipelines.apply.reference_events import ReferenceState, apply_reference
from pipelines.apply.registration_events import RegistrationState, apply_registration
from pipelines.apply.request_events import apply_request
from pipelines.calculate.lifecycle import statement_deadline_passed
from pipelines.world.world import World

Progress = Callable[[str, int, int], None]
FLUSH_ROWS = 50_000
RECEIPT_SCHEMA = {"file_id": pl.Int32, "line_number": pl.Int32, "cycle_id": pl.Int32, "event_seq": pl.Int64,
                  "effective_at": pl.Datetime("us", "UTC"), "status": pl.Int32, "body_json": pl.Utf8}
HISTORY_SCHEMA = {"entity": pl.Utf8, "entity_id": pl.Utf8, "change": pl.Utf8,
                  "changed_at": pl.Datetime("us", "UTC"), "event_seq": pl.Int64}


def naive_utc_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """The world's instants are timezone-aware UTC; DuckDB's TIMESTAMP columns hold naive UTC."""
    return frame.with_columns(
        pl.col(name).dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        for name, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime) and dtype.time_zone)


class Sink:
    """Receipts and history rows, flushed in batches into temp tables `new_receipts`, `new_history`."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con
        self.receipts: list[tuple] = []
        self.history: list[tuple] = []
        self.receipt_count = 0
        self.accepted = 0
        con.execute("CREATE OR REPLACE TEMP TABLE new_receipts (file_id INTEGER, line_number INTEGER, "
                    "cycle_id INTEGER, event_seq BIGINT, effective_at TIMESTAMP, status INTEGER, body_json VARCHAR)")
        con.execute("CREATE OR REPLACE TEMP TABLE new_history (entity VARCHAR, entity_id VARCHAR, change VARCHAR, "
                    "changed_at TIMESTAMP, event_seq BIGINT)")

    def receipt(self, event: Event, status: int, body_json: str | None) -> None:
        self.receipts.append((event.row["file_id"], event.row["line_number"], event.cycle_id, event.event_seq,
                              event.effective_at, status, body_json))
        self.receipt_count += 1
        self.accepted += status == 200
        if len(self.receipts) >= FLUSH_ROWS:
            self.flush_receipts()

    def take_history(self, world: World) -> None:
        if world.history:
            self.history.extend((h.entity, h.entity_id, h.change, h.changed_at, h.event_seq) for h in world.history)
            world.history.clear()
        if len(self.history) >= FLUSH_ROWS:
            self.flush_history()

    def flush_receipts(self) -> None:
        if self.receipts:
            frame = naive_utc_columns(pl.DataFrame(self.receipts, schema=RECEIPT_SCHEMA, orient="row"))  # noqa: F841
            self.con.execute("INSERT INTO new_receipts SELECT * FROM frame")
            self.receipts.clear()

    def flush_history(self) -> None:
        if self.history:
            frame = naive_utc_columns(pl.DataFrame(self.history, schema=HISTORY_SCHEMA, orient="row"))  # noqa: F841
            self.con.execute("INSERT INTO new_history SELECT * FROM frame")
            self.history.clear()

    def flush(self, world: World) -> None:
        self.take_history(world)
        self.flush_receipts()
        self.flush_history()


@dataclass
class Replay:
    world: World = field(default_factory=World)
    references: ReferenceState = field(default_factory=ReferenceState)
    registrations: RegistrationState = field(default_factory=RegistrationState)
    events: int = 0  # every event the world has seen

    def apply(self, event: Event, sink: Sink) -> None:
        family = event.family
        if family == "requests":
            response = apply_request(self.world, self.registrations, event)
            sink.receipt(event, response.status,
                         None if response.body is None else response.body_bytes().decode("utf-8"))
        elif family == "reference":
            apply_reference(self.world, self.references, event)
        elif family == "registrations":
            apply_registration(self.world, self.registrations, event)
        elif family == "migration":
            apply_import(self.world, event)
        elif family == "finance":
            apply_finance(self.world, event)
        elif family == "deadline":
            statement_deadline_passed(self.world, event.row["cohort"], event.row["statement_name"],
                                      event.effective_at, event.event_seq)
        self.events += 1


def replay_timeline(con: duckdb.DuckDBPyConnection, through_cycle: int, total_events: int, sink: Sink,
                    progress: Progress | None = None, resume: Replay | None = None) -> Replay:
    """Apply the events of every cycle up to `through_cycle`; with `resume` (the world after the
    previous cycle) only this cycle's events."""
    replay = resume or Replay()
    first_cycle = through_cycle if resume is not None else 1
    done = 0
    for event in timeline_events(con, through_cycle, first_cycle):
        replay.apply(event, sink)
        done += 1
        if done % 5_000 == 0:
            sink.take_history(replay.world)
            if progress and done % 20_000 == 0:
                progress("apply", done, total_events)
    sink.flush(replay.world)
    if progress:
        progress("apply", done, total_events)
    return replay
