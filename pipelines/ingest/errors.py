"""The one error shape for inputs: file, line, field, value, message and fix (quarantine rows)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

QUARANTINE_SCHEMA = {
    "relative_path": pl.Utf8,
    "line_number": pl.Int32,
    "field": pl.Utf8,
    "value": pl.Utf8,
    "message": pl.Utf8,
    "fix": pl.Utf8,
}
VALUE_LIMIT = 200


@dataclass(frozen=True)
class InputError:
    relative_path: str
    message: str
    fix: str
    line_number: int | None = None  # None: the whole file
    field: str | None = None
    value: str | None = None


def errors_frame(errors: list[InputError]) -> pl.DataFrame:
    return pl.DataFrame([asdict(e) for e in errors], schema=QUARANTINE_SCHEMA).with_columns(
        pl.col("value").str.slice(0, VALUE_LIMIT))


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=QUARANTINE_SCHEMA)
