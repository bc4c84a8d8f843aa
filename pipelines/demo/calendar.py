"""The real calendar the demo times its inputs from, and the demo's fixed cycle instants.

The generator does not simulate the rules, but it must time its inputs from the same calendar the
product uses: milestone windows (so valid declarations fall inside them), output-fee statement
deadlines and payment dates (so authorisations come after deadlines, voids after payment dates,
and declarations of a closed cohort stop). It reads the product's shipped reference defaults
(`pipelines.reference.defaults.default_file`), never the shared seed files.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl

from pipelines.reference.defaults import default_file

UTC = timezone.utc
COHORTS = (2021, 2022, 2023, 2024, 2025)
DECLARATION_ORDER = ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed",
                     "extended-1", "extended-2", "extended-3")

# ---------------------------------------------------------------------------------------- cycles
# The first cycle takes every row up to its as_of in one window (2021 → 2024 history); then one
# cycle a month at 02:00:00Z on the 1st, so each window is (almost exactly) one calendar month and a
# provider's monthly batch `<YYYY-MM>.jsonl` lands before the cycle on the 1st of the next month.
# Every generated row is timed between 07:00 and 20:00 UTC, never in the 00:00–02:00 gap.
FIRST_CYCLE_MONTH = (2025, 1)
LAST_CYCLE_MONTH = (2026, 10)
CYCLE_HOUR = 2


def _month_add(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month - 1) + months
    return index // 12, index % 12 + 1


def cycle_as_ofs() -> tuple[datetime, ...]:
    """The demo's cycle instants: 2025-01-01T02:00:00Z, then the 1st of every month to 2026-10-01."""
    out = []
    year, month = FIRST_CYCLE_MONTH
    while (year, month) <= LAST_CYCLE_MONTH:
        out.append(datetime(year, month, 1, CYCLE_HOUR, tzinfo=UTC))
        year, month = _month_add(year, month, 1)
    return tuple(out)


def cycle_index_for_month(year: int, month: int) -> int:
    """The cycle whose window holds rows timed (07:00–20:00) in calendar month `year-month`."""
    next_year, next_month = _month_add(year, month, 1)
    first = FIRST_CYCLE_MONTH[0] * 12 + FIRST_CYCLE_MONTH[1] - 1
    return max(0, next_year * 12 + next_month - 1 - first)


# -------------------------------------------------------------------------------------- calendar
@dataclass(frozen=True)
class Cohort:
    cohort: int
    academic_year_start_on: date
    payments_frozen_at: str | None
    mentor_funding: bool
    detailed_evidence_types: bool


@dataclass(frozen=True)
class Statement:
    cohort: int
    name: str
    deadline_on: date
    payment_on: date
    output_fee: bool


@dataclass(frozen=True)
class Schedule:
    cohort: int
    identifier: str
    schedule_type: str
    # declaration_type -> (first valid day, last valid day or None), in milestone order
    windows: dict[str, tuple[date, date | None]]


def _date(text: str | None) -> date | None:
    if text is None or text.strip() == "":
        return None
    parts = text.strip().replace("/", "-").split("-")
    return date(int(parts[0]), int(parts[1]), int(parts[2][:2]))


def _bool(text: str | None) -> bool:
    return (text or "").strip().lower() in ("true", "t", "yes", "y", "1")


class Calendar:
    """Cohorts, schedules and statement calendars, with the look-ups the generator needs."""

    def __init__(self, cohorts: list[Cohort], schedules: list[Schedule], statements: list[Statement]):
        self.cohorts = {c.cohort: c for c in cohorts}
        self.schedules = {(s.cohort, s.identifier): s for s in schedules}
        self.statements = statements
        self._output: dict[int, list[Statement]] = {}
        for statement in sorted(statements, key=lambda s: (s.cohort, s.deadline_on, s.name)):
            if statement.output_fee:
                self._output.setdefault(statement.cohort, []).append(statement)
        self._output_deadlines = {c: [s.deadline_on.toordinal() for s in rows] for c, rows in self._output.items()}

    def output_statements(self, cohort: int) -> list[Statement]:
        return self._output.get(cohort, [])

    def next_output_statement(self, cohort: int, day_ordinal: int) -> Statement | None:
        """The output-fee statement with the earliest deadline on or after `day_ordinal` (UTC date)."""
        deadlines = self._output_deadlines.get(cohort)
        if not deadlines:
            return None
        index = bisect.bisect_left(deadlines, day_ordinal)
        return self._output[cohort][index] if index < len(deadlines) else None

    def last_output_deadline(self, cohort: int) -> int:
        deadlines = self._output_deadlines.get(cohort)
        return deadlines[-1] if deadlines else 0

    def schedule(self, cohort: int, identifier: str) -> Schedule:
        return self.schedules[(cohort, identifier)]


def load_calendar(source: Callable[[str], Path] = default_file) -> Calendar:
    """Read the shipped cohorts, schedules and statements (the product's own format)."""
    cohorts_frame = pl.read_csv(source("cohorts"), infer_schema=False)
    schedules_frame = pl.read_csv(source("schedules"), infer_schema=False)
    statements_frame = pl.read_csv(source("statements"), infer_schema=False)
    cohorts = [
        Cohort(int(row["cohort"]), _date(row["academic_year_start_on"]), row["payments_frozen_at"] or None,
               _bool(row["mentor_funding"]), _bool(row["detailed_evidence_types"]))
        for row in cohorts_frame.iter_rows(named=True)
    ]
    grouped: dict[tuple[int, str], dict] = {}
    for row in schedules_frame.iter_rows(named=True):
        key = (int(row["cohort"]), row["schedule_identifier"])
        entry = grouped.setdefault(key, {"type": row["schedule_type"], "windows": {}})
        entry["windows"][row["declaration_type"]] = (_date(row["milestone_start_on"]), _date(row["milestone_end_on"]))
    schedules = []
    for (cohort, identifier), entry in sorted(grouped.items()):
        windows = {t: entry["windows"][t] for t in DECLARATION_ORDER if t in entry["windows"]}
        schedules.append(Schedule(cohort, identifier, entry["type"], windows))
    statements = [
        Statement(int(row["cohort"]), row["statement_name"], _date(row["deadline_on"]), _date(row["payment_on"]),
                  _bool(row["output_fee"]))
        for row in statements_frame.iter_rows(named=True)
        if row["cohort"] is not None and row["statement_name"]
    ]
    return Calendar(cohorts, schedules, statements)
