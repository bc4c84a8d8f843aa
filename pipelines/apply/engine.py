"""The ordered loop: every timeline event, in order, applied to one in-memory world.

This is where order matters (product.md §5): duplicates, statement choice, voids and participant
states depend on everything accepted before, so requests are judged one after another, each with
its effective instant as "now". The loop replays the whole timeline up to the cycle being applied;
because the timeline is append-only and every id and instant is derived from it, replaying gives
the same history every time, and the receipts of earlier cycles come out byte for byte the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import duckdb

from pipelines.apply.events import Event, timeline_events
from pipelines.apply.finance_events import apply_finance
from pipelines.apply.import_events import apply_import
from pipelines.apply.reference_events import ReferenceState, apply_reference
from pipelines.apply.registration_events import RegistrationState, apply_registration
from pipelines.apply.request_events import apply_request
from pipelines.calculate.lifecycle import statement_deadline_passed
from pipelines.validate.envelope import Response
from pipelines.world.world import World

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Receipt:
    file_id: int
    line_number: int
    cycle_id: int
    event_seq: int
    effective_at: object
    response: Response


@dataclass
class Replay:
    world: World = field(default_factory=World)
    references: ReferenceState = field(default_factory=ReferenceState)
    registrations: RegistrationState = field(default_factory=RegistrationState)
    receipts: list[Receipt] = field(default_factory=list)  # this run's receipts only
    events: int = 0  # every event the world has seen

    def apply(self, event: Event) -> None:
        family = event.family
        if family == "reference":
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
        elif family == "requests":
            response = apply_request(self.world, self.registrations, event)
            self.receipts.append(Receipt(event.row["file_id"], event.row["line_number"], event.cycle_id,
                                         event.event_seq, event.effective_at, response))
        self.events += 1


def replay_timeline(con: duckdb.DuckDBPyConnection, through_cycle: int, total_events: int,
                    progress: Progress | None = None, resume: Replay | None = None) -> Replay:
    """Apply the events of every cycle up to `through_cycle`; with `resume` (the world after the
    previous cycle) only this cycle's events."""
    replay = resume or Replay()
    replay.receipts = []
    first_cycle = through_cycle if resume is not None else 1
    done = 0
    for event in timeline_events(con, through_cycle, first_cycle):
        replay.apply(event)
        done += 1
        if progress and done % 20_000 == 0:
            progress("apply", done, total_events)
    if progress:
        progress("apply", done, total_events)
    return replay
