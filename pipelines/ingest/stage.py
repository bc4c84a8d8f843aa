"""The ingest stage: take every new file in the inbox into the raw and typed layers of the state.

Append-only and idempotent (see `landing.py`): nothing ingested is ever deleted or rewritten;
files that cannot be read are quarantined each cycle until they are fixed or removed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable

import duckdb
import polars as pl

from pipelines.home import Home
from pipelines.ingest import kinds as k
from pipelines.ingest.csv_files import ReadCsv, read_csv_file
from pipelines.ingest.errors import InputError, empty_errors, errors_frame
from pipelines.ingest.landing import LandedFile, discover, shipped_defaults
from pipelines.ingest.request_batches import ingest_request_batches
from pipelines.instants import naive_utc
from pipelines.reference.corrections import correct_january_deadlines

Progress = Callable[[str, int, int], None]


@dataclass
class IngestResult:
    files_ingested: int = 0
    rows_ingested: int = 0
    duplicates_skipped: list[str] = field(default_factory=list)
    quarantine: pl.DataFrame = field(default_factory=empty_errors)
    corrections: int = 0


def _already_ingested(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str]]:
    return set(con.execute("SELECT folder, content_sha256 FROM ingested_files").fetchall())


def _supplied_reference_kinds(con: duckdb.DuckDBPyConnection, landed: list[LandedFile]) -> set[str]:
    earlier = con.execute(
        "SELECT DISTINCT kind FROM ingested_files WHERE family = 'reference' AND folder LIKE 'inbox/%'").fetchall()
    return {kind for (kind,) in earlier} | {f.kind for f in landed if f.family == "reference"}


def _register_file(con: duckdb.DuckDBPyConnection, landed: LandedFile, cycle_id: int, as_of: datetime,
                   row_count: int, source_format: str) -> int:
    return con.execute(
        """INSERT INTO ingested_files VALUES (nextval('file_id_sequence'), $cycle_id, $folder, $relative_path,
               $family, $kind, $slug, $sha, $size, $row_count, $source_format, $as_of)
           RETURNING file_id""",
        {"cycle_id": cycle_id, "folder": landed.folder, "relative_path": landed.relative_path,
         "family": landed.family, "kind": landed.kind, "slug": landed.lead_provider_slug,
         "sha": landed.content_sha256, "size": landed.size_bytes, "row_count": row_count,
         "source_format": source_format, "as_of": naive_utc(as_of)}).fetchall()[0][0]


def _store_csv(con: duckdb.DuckDBPyConnection, kind: k.Kind, file_id: int, read: ReadCsv) -> None:
    raw = read.cells.select(  # noqa: F841 - read by DuckDB's replacement scan
        pl.lit(file_id, pl.Int32).alias("file_id"), "line_number",
        pl.struct(pl.exclude("line_number")).struct.json_encode().alias("fields"))
    con.execute("INSERT INTO raw_csv_rows SELECT file_id, line_number, sha256(fields), fields FROM raw")
    typed = read.typed.with_columns(pl.lit(file_id, pl.Int32).alias("file_id"))  # noqa: F841 - as above
    columns = ", ".join(("file_id", "line_number", *kind.column_names))
    con.execute(f"INSERT INTO {kind.table} SELECT {columns} FROM typed")


def _corrected(con: duckdb.DuckDBPyConnection, read: ReadCsv, landed: LandedFile, cycle_id: int) -> tuple[ReadCsv, int]:
    """The January deadline correction (reference statements, own or seed format alike), recorded."""
    typed, corrected = correct_january_deadlines(read.typed)
    con.execute("""INSERT INTO reference_corrections
                   SELECT $cycle_id, $path, cohort, statement_name, original_deadline_on, corrected_deadline_on
                   FROM corrected ORDER BY cohort, statement_name""",
                {"cycle_id": cycle_id, "path": landed.relative_path})
    return ReadCsv(read.source_format, read.cells, typed, read.errors), corrected.height


def ingest_inbox(con: duckdb.DuckDBPyConnection, home: Home, cycle_id: int, as_of: datetime,
                 first_cycle: bool, progress: Progress | None = None) -> IngestResult:
    result = IngestResult()
    landed, problems = discover(home)
    errors: list[InputError] = list(problems)
    seen = _already_ingested(con)
    taken_now: set[tuple[str, str]] = set()
    candidates = landed + shipped_defaults(_supplied_reference_kinds(con, landed))
    new: list[LandedFile] = []
    for landed_file in sorted(candidates, key=lambda f: f.rank):
        key = (landed_file.folder, landed_file.content_sha256)
        if key in taken_now:  # the same content twice in one folder: taken once
            result.duplicates_skipped.append(landed_file.relative_path)
            continue
        if key in seen:
            continue
        taken_now.add(key)
        if landed_file.family == "migration" and not first_cycle:
            errors.append(InputError(
                landed_file.relative_path, "a state import can only be taken in by the first cycle",
                "import state into a new home (or rebuild this one) before running any cycle"))
            continue
        new.append(landed_file)

    csv_files = [f for f in new if f.family != "requests"]
    batches = [f for f in new if f.family == "requests"]
    frames = [errors_frame(errors)]
    for done, landed_file in enumerate(csv_files, 1):
        kind = k.KINDS_BY_FOLDER[(landed_file.family, landed_file.kind)]
        read = read_csv_file(con, landed_file, kind)
        frames.append(read.errors)
        if read.quarantined_whole_file:
            continue
        if kind.family == "reference" and kind.name == "statements":
            read, corrected = _corrected(con, read, landed_file, cycle_id)
            result.corrections += corrected
        file_id = _register_file(con, landed_file, cycle_id, as_of, read.cells.height, read.source_format)
        _store_csv(con, kind, file_id, read)
        result.files_ingested += 1
        result.rows_ingested += read.typed.height
        if progress:
            progress("CSV inputs", done, len(csv_files))

    if batches:
        known_slugs = {slug for (slug,) in con.execute("SELECT DISTINCT slug FROM reference_lead_providers").fetchall()}
        accepted = []
        for batch in batches:
            if batch.lead_provider_slug not in known_slugs:
                frames.append(errors_frame([InputError(
                    batch.relative_path, f"provider folder '{batch.lead_provider_slug}' is not a known lead provider slug",
                    f"use one of: {', '.join(sorted(known_slugs)) or '(no lead providers yet)'}; or add the provider "
                    "to inbox/reference/lead_providers.csv", field="lead_provider_slug",
                    value=batch.lead_provider_slug)]))
                continue
            accepted.append((_register_file(con, batch, cycle_id, as_of, 0, "jsonl"), batch))
        files_done = 0
        for chunk in _chunks_by_size(accepted):
            readable, line_problems = ingest_request_batches(con, chunk)
            frames.append(line_problems)
            files_done += len(chunk)
            result.files_ingested += len(chunk)
            result.rows_ingested += readable
            if progress:
                progress("request batches", files_done, len(accepted))
    result.quarantine = pl.concat(frames).sort("relative_path", "line_number", nulls_last=False)
    _check_import_manifest(con, result)
    return result


REQUEST_CHUNK_BYTES = 96 * 1024 * 1024


def _chunks_by_size(batches: list[tuple[int, LandedFile]]) -> list[list[tuple[int, LandedFile]]]:
    """Batches in groups of about REQUEST_CHUNK_BYTES: one DuckDB pass each keeps memory bounded."""
    chunks: list[list[tuple[int, LandedFile]]] = []
    size = 0
    for batch in batches:
        if not chunks or (chunks[-1] and size + batch[1].size_bytes > REQUEST_CHUNK_BYTES):
            chunks.append([])
            size = 0
        chunks[-1].append(batch)
        size += batch[1].size_bytes
    return chunks


def _check_import_manifest(con: duckdb.DuckDBPyConnection, result: IngestResult) -> None:
    """A state import carries exactly one imported_as_of."""
    instants = con.execute("SELECT DISTINCT imported_as_of FROM import_manifest").fetchall()
    imported = con.execute("SELECT count(*) FROM ingested_files WHERE family = 'migration'").fetchall()[0][0]
    if len(instants) > 1:
        raise ValueError("inbox/migration: the state import has several imported_as_of values "
                         f"({', '.join(str(i) for (i,) in instants)}); keep exactly one row in manifest.csv")
    if imported and not instants:
        raise ValueError("inbox/migration: the state import has no manifest.csv; add one with a single "
                         "imported_as_of row")
