"""Pandera schemas for the typed input rows, built from the input registry.

Typing (`pipelines/ingest/parse_values.py`) has already turned text into values; these schemas
check what a value must be once typed — present when required, one of the allowed values — and
report every failure at once (lazy validation), each mapped back to its file and line.
"""

from __future__ import annotations

from functools import cache

import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from pipelines.ingest import kinds as k
from pipelines.ingest.errors import QUARANTINE_SCHEMA

POLARS_TYPES = {
    k.TEXT: pl.Utf8,
    k.INT: pl.Int32,
    k.BOOL: pl.Boolean,
    k.DATE: pl.Date,
    k.INSTANT: pl.Datetime("us"),
    k.MONEY: None,  # Decimal(38, 10): exactness is guaranteed by the cast, not re-checked here
    k.RATIO: None,
}


@cache
def schema_for(kind: k.Kind) -> pa.DataFrameSchema:
    columns = {"line_number": pa.Column(pl.Int64, nullable=False)}
    for column in kind.all_columns:
        checks = [pa.Check.isin(list(column.allowed))] if column.allowed else []
        columns[column.name] = pa.Column(POLARS_TYPES[column.type], nullable=not column.required, checks=checks)
    return pa.DataFrameSchema(columns, strict=True, name=kind.table)


def _problem(kind: k.Kind, field: str, check: str) -> tuple[str, str]:
    if check == "not_nullable":
        return "is blank but required", f"fill in {field} ({kind.column(field).description})"
    if check.startswith("isin"):
        allowed = ", ".join(kind.column(field).allowed or ())
        return "is not an allowed value", f"use one of: {allowed}"
    return f"fails the check {check}", f"correct {field}"


def schema_errors(kind: k.Kind, typed: pl.DataFrame, relative_path: str) -> pl.DataFrame:
    """Every failure of the kind's schema on `typed`, as quarantine rows."""
    frame = typed.with_columns(pl.col("line_number").cast(pl.Int64))
    try:
        schema_for(kind).validate(frame, lazy=True)
    except SchemaErrors as failure:
        cases = failure.failure_cases
    else:
        return pl.DataFrame(schema=QUARANTINE_SCHEMA)
    rows = []
    lines = frame["line_number"].to_list()
    for case in cases.iter_rows(named=True):
        field, index = case["column"], case["index"]
        if index is None or field not in kind.column_names:
            # A frame-level failure would mean the typing layer is wrong, not the input.
            raise RuntimeError(f"{relative_path}: input schema {kind.table} failed: {case}")
        problem, fix = _problem(kind, field, case["check"])
        value = case["failure_case"]
        rows.append({
            "relative_path": relative_path, "line_number": lines[index], "field": field,
            "value": value,
            "message": f"{field} {problem}" if value is None else f"{field} '{value}' {problem}",
            "fix": fix,
        })
    return pl.DataFrame(rows, schema=QUARANTINE_SCHEMA)
