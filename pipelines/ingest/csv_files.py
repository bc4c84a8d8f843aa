"""Reading one landed CSV file into typed rows, a raw copy and its errors.

A file-level problem (not UTF-8, not CSV, ragged lines, missing or unknown columns) quarantines
the whole file with the fix; a row-level problem (a value that does not fit its column) quarantines
that row only. Line numbers count the header as line 1, as an editor shows them.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import duckdb
import polars as pl

from pipelines.ingest import kinds as k
from pipelines.ingest.errors import InputError, errors_frame
from pipelines.ingest.landing import LandedFile
from pipelines.ingest.parse_values import type_cells
from pipelines.reference.seed_format import SEED_COLUMN_NAMES, is_seed_format, seed_to_own_format
from pipelines.validate.input_schemas import schema_errors

UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class ReadCsv:
    """What one CSV file yields: raw cells, the rows that typed cleanly, and every error."""
    source_format: str  # own or seed
    cells: pl.DataFrame  # line_number + the file's columns, all text
    typed: pl.DataFrame  # line_number + the kind's columns, typed; only rows without errors
    errors: pl.DataFrame  # quarantine rows (file-level errors have a null line_number)

    @property
    def quarantined_whole_file(self) -> bool:
        return self.errors.height > 0 and self.errors["line_number"].null_count() == self.errors.height


def _file_error(landed: LandedFile, message: str, fix: str, field: str | None = None) -> ReadCsv:
    empty = pl.DataFrame(schema={"line_number": pl.Int32})
    return ReadCsv("own", empty, empty, errors_frame([InputError(landed.relative_path, message, fix, field=field)]))


def _ragged_lines(text: str, width: int) -> list[int]:
    reader = csv.reader(io.StringIO(text))
    next(reader, None)
    return [reader.line_num for row in reader if row and len(row) != width]


def read_csv_file(con: duckdb.DuckDBPyConnection, landed: LandedFile, kind: k.Kind) -> ReadCsv:
    data = landed.path.read_bytes()
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        return _file_error(landed, f"the file is not UTF-8 text (byte {error.start})",
                           "save the file as CSV UTF-8")
    if not text.strip():
        return _file_error(landed, "the file is empty", f"write a header line: {','.join(kind.column_names)}")
    header = [name.strip() for name in next(csv.reader(io.StringIO(text)))]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        return _file_error(landed, f"the header repeats {', '.join(duplicated)}", "keep each column once",
                           field=duplicated[0])
    try:
        cells = pl.read_csv(io.StringIO(text), infer_schema=False, row_index_name="line_number",
                            row_index_offset=2, new_columns=header)
    except pl.exceptions.PolarsError:
        ragged = _ragged_lines(text, len(header))
        where = f"lines {', '.join(map(str, ragged[:10]))}" if ragged else "the file"
        return _file_error(landed, f"{where} do not have the header's {len(header)} fields",
                           "quote values that contain commas and give every line one value per column")
    cells = cells.with_columns(pl.col("line_number").cast(pl.Int32))
    blank = pl.all_horizontal(pl.exclude("line_number").is_null()) if header else pl.lit(False)
    cells = cells.filter(~blank)

    source_format = "own"
    if kind.family == "reference" and is_seed_format(kind.name, header):
        source_format = "seed"
        own_cells = seed_to_own_format(kind.name, cells)
    else:
        problem = _header_problem(kind, header)
        if problem:
            return _file_error(landed, problem[0], problem[1], field=problem[2])
        own_cells = cells.with_columns(
            pl.lit(None, pl.Utf8).alias(c.name) for c in kind.all_columns if c.name not in header
        ).select("line_number", *kind.column_names)

    typed, type_errors = type_cells(con, kind, own_cells, landed.relative_path)
    # A cell that failed typing is null now; its schema failures would repeat what typing said.
    rule_errors = schema_errors(kind, typed, landed.relative_path).join(
        type_errors.select("line_number", "field"), on=["line_number", "field"], how="anti")
    errors = pl.concat([type_errors, rule_errors])
    if source_format == "seed":
        errors = errors.with_columns(pl.col("field").replace(SEED_COLUMN_NAMES[kind.name]))
    clean = typed.filter(~pl.col("line_number").is_in(errors["line_number"].implode()))
    return ReadCsv(source_format, cells, clean, errors.sort("line_number", "field"))


def _header_problem(kind: k.Kind, header: list[str]) -> tuple[str, str, str] | None:
    known = set(kind.column_names)
    unknown = [name for name in header if name not in known]
    if unknown:
        return (f"unknown column {', '.join(unknown)} for {kind.family}/{kind.name}",
                f"use the columns {', '.join(kind.column_names)} (docs/inputs.md)", unknown[0])
    missing = [c.name for c in kind.all_columns if c.required and c.default is None and c.name not in header]
    if missing:
        return (f"missing column {', '.join(missing)} for {kind.family}/{kind.name}",
                f"add the column(s) {', '.join(missing)} (docs/inputs.md)", missing[0])
    return None
