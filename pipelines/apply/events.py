"""Reading the timeline as one ordered stream of events, each with its source row.

Each source table is read once, joined to its timeline rows, in event order; the streams are
merged on `event_seq`. Rows come as plain dicts (typed by DuckDB: instants as naive UTC
datetimes, money as Decimal).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from datetime import datetime
from typing import Iterator

import duckdb

from pipelines.ingest import kinds as k
from pipelines.instants import as_utc


@dataclass(frozen=True)
class Event:
    event_seq: int
    cycle_id: int
    family: str
    kind: str
    effective_at: datetime  # tz-aware UTC
    own_at: datetime
    provenance: str  # folder:sha256:line for input rows; kind:key for derived events
    row: dict


def _stream(con: duckdb.DuckDBPyConnection, source: str, family: str, kind: str, cycles: tuple[int, int],
            columns: str) -> Iterator[Event]:
    cursor = con.cursor()
    cursor.execute(
        f"""SELECT t.event_seq, t.cycle_id, t.effective_at, t.own_at,
                   f.folder || ':' || f.content_sha256 || ':' || t.line_number AS provenance, {columns}
            FROM timeline AS t
            JOIN {source} AS r ON r.file_id = t.file_id AND r.line_number = t.line_number
            JOIN ingested_files AS f ON f.file_id = t.file_id
            WHERE t.source_table = $source AND t.cycle_id BETWEEN $first AND $last
            ORDER BY t.event_seq""", {"source": source, "first": cycles[0], "last": cycles[1]})
    names = [d[0] for d in cursor.description]
    while batch := cursor.fetchmany(50_000):
        for values in batch:
            row = dict(zip(names, values))
            yield Event(row.pop("event_seq"), row.pop("cycle_id"), family, kind, as_utc(row.pop("effective_at")),
                        as_utc(row.pop("own_at")), row.pop("provenance"), row)
    cursor.close()


def _deadlines(con: duckdb.DuckDBPyConnection, cycles: tuple[int, int]) -> Iterator[Event]:
    rows = con.execute(
        """SELECT event_seq, cycle_id, effective_at, own_at, event_key FROM timeline
           WHERE kind = 'statement_deadline' AND cycle_id BETWEEN $first AND $last ORDER BY event_seq""",
        {"first": cycles[0], "last": cycles[1]}).fetchall()
    for seq, cycle_id, effective_at, own_at, key in rows:
        cohort, name = key.split("|", 1)
        yield Event(seq, cycle_id, "deadline", "statement_deadline", as_utc(effective_at), as_utc(own_at),
                    f"deadline:{key}", {"cohort": int(cohort), "statement_name": name})


def timeline_events(con: duckdb.DuckDBPyConnection, through_cycle: int, first_cycle: int = 1) -> Iterator[Event]:
    """Every event of the cycles `first_cycle`..`through_cycle`, in timeline order."""
    cycles = (first_cycle, through_cycle)
    streams = [
        _stream(con, kind.table, kind.family, kind.name, cycles,
                ", ".join(f"r.{name}" for name in kind.column_names))
        for kind in k.KINDS
    ]
    streams.append(_stream(con, "requests", "requests", "request", cycles,
                           "r.lead_provider_slug, r.method, r.path, r.body_text, r.body_is_text, r.submitted_at, "
                           "r.file_id, r.line_number"))
    streams.append(_deadlines(con, cycles))
    return heapq.merge(*streams, key=lambda event: event.event_seq)
