"""Provider request batches: JSON Lines, one recorded API request per line (product.md §3).

All batches that land in a cycle are split and read in one DuckDB pass. Every non-blank line is
kept raw, byte for byte; a line that cannot be read (not a JSON object, no method or path, no
parseable submitted_at) is quarantined and the rest of its file goes through. Whether the body
is valid JSON, or the route exists, is for the apply stage: the live API answers those.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.ingest.landing import LandedFile
from pipelines.ingest.parse_values import INSTANT_PATTERN
from pipelines.sql_files import read_sql


def ingest_request_batches(con: duckdb.DuckDBPyConnection, batches: list[tuple[int, LandedFile]]) -> tuple[int, pl.DataFrame]:
    """Land the given (file_id, batch) pairs; return (readable lines, quarantine rows)."""
    frame = pl.DataFrame(
        {"file_id": [file_id for file_id, _ in batches],
         "lead_provider_slug": [landed.lead_provider_slug for _, landed in batches],
         "path": [str(landed.path) for _, landed in batches],
         "relative_path": [landed.relative_path for _, landed in batches]},
        schema={"file_id": pl.Int32, "lead_provider_slug": pl.Utf8, "path": pl.Utf8, "relative_path": pl.Utf8})
    con.execute("CREATE OR REPLACE TEMP TABLE batch_files AS SELECT * FROM frame")
    con.execute(read_sql("ingest_request_lines"),
                {"paths": frame["path"].to_list(), "rfc3339": INSTANT_PATTERN})
    con.execute("""
        INSERT INTO raw_request_lines
        SELECT file_id, line_number, sha256(line_text), line_text
        FROM landed_request_lines ORDER BY file_id, line_number""")
    readable = con.execute("""
        INSERT INTO requests
        SELECT file_id, line_number, lead_provider_slug, method, path, body_text, body_is_text, submitted_at
        FROM landed_request_lines
        WHERE line_type = 'OBJECT' AND method IS NOT NULL AND path IS NOT NULL AND submitted_at IS NOT NULL
        ORDER BY file_id, line_number""").fetchall()[0][0]
    problems = con.sql(read_sql("request_line_problems")).pl()
    line_counts = con.sql(  # noqa: F841 - read by DuckDB's replacement scan below
        "SELECT file_id, count(*) AS row_count FROM landed_request_lines GROUP BY file_id").pl()
    con.execute("UPDATE ingested_files SET row_count = c.row_count FROM line_counts AS c "
                "WHERE ingested_files.file_id = c.file_id")
    con.execute("DROP TABLE landed_request_lines; DROP TABLE batch_files")
    return readable, problems.with_columns(pl.col("line_number").cast(pl.Int32))
