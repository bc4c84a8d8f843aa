"""Which reference row is in force at an instant (product.md §3).

Per kind and key, the row with the latest `valid_from` at or before the instant wins, a later
file winning a tie. A kind the inbox has supplied replaces its shipped default entirely: default
rows count only while no inbox file of that kind has been ingested.
"""

from __future__ import annotations

from pipelines.ingest import kinds as k


def in_force_sql(kind: k.Kind, at: str = "$at") -> str:
    """SELECT the rows of a reference kind in force at `at` (a SQL expression or parameter)."""
    if kind.family != "reference":
        raise ValueError(f"{kind.table} is not reference data")
    partition = ", ".join(f"r.{name}" for name in kind.key)
    columns = ", ".join(f"r.{name}" for name in ("file_id", "line_number", *kind.column_names))
    return f"""
        SELECT {columns.replace('r.', '')}
        FROM (
            SELECT {columns},
                   row_number() OVER (PARTITION BY {partition}
                                      ORDER BY r.valid_from DESC, r.file_id DESC, r.line_number DESC) AS newest
            FROM {kind.table} AS r
            JOIN ingested_files AS f USING (file_id)
            WHERE r.valid_from <= {at}
              AND (f.folder LIKE 'inbox/%' OR NOT EXISTS (
                  SELECT 1 FROM ingested_files AS g
                  WHERE g.family = 'reference' AND g.kind = '{kind.name}' AND g.folder LIKE 'inbox/%'))
        ) AS r
        WHERE newest = 1
        ORDER BY {', '.join(kind.key)}"""
