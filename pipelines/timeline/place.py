"""Putting rows on the one timeline, window by window (product.md §4).

A cycle takes the window (window_start, as_of]. Every ingested row not yet on the timeline whose
own instant is at or before `as_of` is placed now; rows after `as_of` wait. A row dated at or
before the window start (a late file, a backdated submission) takes the window start as its
effective instant, for every purpose, and keeps its own date as provenance. The order is:
effective instant, then kind (reference, state import, registrations, finance, deadline events,
requests), then file (ingest order, then path), then line.

Statement deadlines are events too, at 00:00:00Z of the day after the deadline, from the
statement calendar in force; with a state import, deadlines at or before `imported_as_of` are
history the import already carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from pipelines.ingest import kinds as k
from pipelines.instants import naive_utc
from pipelines.timeline.in_force import in_force_sql

IMPORTED_AS_OF = "(SELECT max(imported_as_of) FROM import_manifest)"
STATEMENTS = k.KINDS_BY_FOLDER[("reference", "statements")]


@dataclass(frozen=True)
class Placement:
    events_placed: int
    rows_late: int
    rows_waiting: int


def _own_instant(kind: k.Kind) -> str:
    return IMPORTED_AS_OF if kind.family == "migration" else kind.instant_column


def candidates_sql() -> str:
    """Every ingested row and derived event, with its own instant and order keys."""
    parts = [
        f"""SELECT '{kind.family}' AS family, '{kind.name}' AS kind, '{kind.table}' AS source_table,
                   file_id, line_number, NULL::VARCHAR AS event_key, {_own_instant(kind)} AS own_at
            FROM {kind.table}"""
        for kind in k.KINDS
    ]
    parts.append("""SELECT 'requests', 'request', 'requests', file_id, line_number, NULL, submitted_at
                    FROM requests""")
    parts.append(f"""SELECT 'deadline', 'statement_deadline', 'reference_statements', NULL, NULL,
                            cohort || '|' || statement_name,
                            CAST(deadline_on + INTERVAL 1 DAY AS TIMESTAMP)
                     FROM ({in_force_sql(STATEMENTS, '$as_of')})
                     WHERE {IMPORTED_AS_OF} IS NULL
                        OR CAST(deadline_on + INTERVAL 1 DAY AS TIMESTAMP) > {IMPORTED_AS_OF}""")
    rank = " ".join(f"WHEN '{family}' THEN {r}" for family, r in k.FAMILY_RANK.items())
    return f"""
        CREATE OR REPLACE TEMP TABLE timeline_candidates AS
        SELECT c.*, f.relative_path, CASE c.family {rank} END AS family_rank
        FROM ({' UNION ALL '.join(parts)}) AS c
        LEFT JOIN ingested_files AS f USING (file_id)
        WHERE NOT EXISTS (SELECT 1 FROM timeline AS t WHERE t.source_table = c.source_table
                                                      AND t.file_id = c.file_id AND t.line_number = c.line_number)
          AND NOT EXISTS (SELECT 1 FROM timeline AS t WHERE t.kind = c.kind AND t.event_key = c.event_key)"""


def window_start_for(con: duckdb.DuckDBPyConnection, cycle_id: int) -> datetime | None:
    """The previous cycle's as_of; for the first cycle the state import's instant, if any."""
    previous = con.execute("SELECT max(as_of) FROM cycles WHERE cycle_id < $id", {"id": cycle_id}).fetchall()[0][0]
    if previous is not None:
        return previous
    return con.execute(f"SELECT {IMPORTED_AS_OF}").fetchall()[0][0]


def place_window(con: duckdb.DuckDBPyConnection, cycle_id: int, window_start: datetime | None,
                 as_of: datetime, late_possible: bool) -> Placement:
    params = {"as_of": naive_utc(as_of)}
    con.execute(candidates_sql(), params)
    base = con.execute("SELECT coalesce(max(event_seq), 0) FROM timeline").fetchall()[0][0]
    placed = con.execute(
        """INSERT INTO timeline
           SELECT $base + row_number() OVER (
                      ORDER BY effective_at, family_rank, file_id NULLS FIRST, relative_path NULLS FIRST,
                               line_number NULLS FIRST, event_key),
                  $cycle_id, family, kind, source_table, file_id, relative_path, line_number, event_key,
                  own_at, effective_at, is_late
           FROM (SELECT *,
                        CASE WHEN $window_start IS NOT NULL AND own_at < $window_start
                             THEN $window_start ELSE own_at END AS effective_at,
                        coalesce($late_possible AND own_at <= $window_start, false) AS is_late
                 FROM timeline_candidates WHERE own_at <= $as_of)""",
        {**params, "base": base, "cycle_id": cycle_id, "late_possible": late_possible,
         "window_start": naive_utc(window_start) if window_start else None}).fetchall()[0][0]
    late, waiting = con.execute(
        """SELECT (SELECT count(*) FROM timeline WHERE cycle_id = $cycle_id AND is_late),
                  (SELECT count(*) FROM timeline_candidates WHERE own_at > $as_of AND family <> 'deadline')""",
        {**params, "cycle_id": cycle_id}).fetchall()[0]
    con.execute("DROP TABLE timeline_candidates")
    return Placement(placed, late, waiting)
