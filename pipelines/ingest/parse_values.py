"""Typing of CSV cells: text in, the column's DuckDB type out, set-based, with a message per bad cell.

Every cell arrives as text. Blank cells take the column's default, then each column is cast with
an exact rule (a regular expression first, so nothing is guessed: `01/02/2025` is an error, not
the 1st of February or the 2nd of January). A cell that does not fit its type becomes an error
naming the field and the fix; the row is then quarantined, never half-loaded.
"""

from __future__ import annotations

import duckdb
import polars as pl

from pipelines.ingest import kinds as k
from pipelines.ingest.errors import QUARANTINE_SCHEMA
from pipelines.state.ddl import SQL_TYPES

INSTANT_PATTERN = r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2}))?$"
_PATTERNS = {
    k.INT: r"^-?\d{1,9}$",
    k.DATE: r"^\d{4}-\d{2}-\d{2}$",
    k.INSTANT: INSTANT_PATTERN,
    k.MONEY: r"^-?\d{1,27}(\.\d{1,10})?$",
    k.RATIO: r"^-?\d{1,27}(\.\d{1,10})?$",
}
_TRUE = ("true", "t", "yes", "y", "1")
_FALSE = ("false", "f", "no", "n", "0")
TYPE_PROBLEMS = {
    k.INT: ("is not a whole number", "write digits only, e.g. 2024"),
    k.BOOL: ("is not true or false", "write true or false"),
    k.DATE: ("is not a date", "write the date as YYYY-MM-DD, e.g. 2025-01-31"),
    k.INSTANT: ("is not an instant",
                "write RFC 3339, e.g. 2025-01-31T09:00:00Z, or a date YYYY-MM-DD for midnight UTC"),
    k.MONEY: ("is not an amount in pounds",
              "write pounds as a plain decimal without £ or thousands separators, e.g. 1234.50 or -120"),
    k.RATIO: ("is not a decimal fraction", "write a decimal such as 0.33"),
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _cell(column: k.Column) -> str:
    cell = f'NULLIF(trim("{column.name}"), \'\')'
    return f"coalesce({cell}, {_literal(column.default)})" if column.default is not None else cell


def _cast(column: k.Column, cell: str) -> str:
    if column.type == k.TEXT:
        return cell
    if column.type == k.BOOL:
        truthy = ", ".join(map(_literal, _TRUE))
        falsy = ", ".join(map(_literal, _FALSE))
        return f"CASE WHEN lower({cell}) IN ({truthy}) THEN true WHEN lower({cell}) IN ({falsy}) THEN false END"
    pattern = _literal(_PATTERNS[column.type])
    target = "TIMESTAMPTZ" if column.type == k.INSTANT else SQL_TYPES[column.type]
    cast = f"TRY_CAST({cell} AS {target})"
    if column.type == k.INSTANT:
        cast = f"CAST({cast} AS TIMESTAMP)"  # the connection's time zone is UTC
    return f"CASE WHEN regexp_full_match({cell}, {pattern}) THEN {cast} END"


def typing_sql(kind: k.Kind, source: str) -> str:
    """SELECT the typed columns and, per column, whether a present value failed to parse."""
    selects = ["line_number"]
    for column in kind.all_columns:
        cell = _cell(column)
        cast = _cast(column, cell)
        selects.append(f"{cast} AS {column.name}")
        selects.append(f"({cell} IS NOT NULL AND ({cast}) IS NULL) AS \"{column.name}__unparsed\"")
    return f"SELECT {', '.join(selects)} FROM {source} ORDER BY line_number"


def type_cells(con: duckdb.DuckDBPyConnection, kind: k.Kind, cells: pl.DataFrame,
               relative_path: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(typed rows with `line_number`, one error row per cell that does not fit its type)."""
    cells_to_type = cells  # noqa: F841 - read by DuckDB's replacement scan
    typed = con.sql(typing_sql(kind, "cells_to_type")).pl()
    problems = []
    for column in kind.all_columns:
        flag = f"{column.name}__unparsed"
        bad = typed.filter(pl.col(flag)).select("line_number")
        if bad.height == 0:
            continue
        problem, fix = TYPE_PROBLEMS[column.type]
        problems.append(
            bad.join(cells.select("line_number", pl.col(column.name).alias("value")), on="line_number")
            .select(
                pl.lit(relative_path).alias("relative_path"),
                pl.col("line_number").cast(pl.Int32),
                pl.lit(column.name).alias("field"),
                pl.col("value"),
                pl.format("{} '{}' {}", pl.lit(column.name), pl.col("value"), pl.lit(problem)).alias("message"),
                pl.lit(fix).alias("fix"),
            ))
    errors = pl.concat(problems) if problems else pl.DataFrame(schema=QUARANTINE_SCHEMA)
    return typed.drop([c for c in typed.columns if c.endswith("__unparsed")]), errors
