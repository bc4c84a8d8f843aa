"""The live service's seed CSV format for cohorts, schedules and statements (product.md §3).

Finance may drop the live service's own seed files (`db/data/**.csv`) into `inbox/reference/`
unchanged. They differ from the project's format in column names, in dates (`cohorts.csv` writes
`YYYY/MM/DD`, `statements.csv` does not zero-pad: `2022-1-25`), in blank lines and in a `type`
column of statements that is always `ecf`. Conversion is purely textual: a value it cannot
normalise is passed on as it is, so that the typing layer reports it with file, line and field
(named after the seed column through `SEED_COLUMN_NAMES`) instead of it vanishing here.
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.kinds import BOOL, DATE, INSTANT, KINDS_BY_FOLDER

# Own column -> seed column, per kind; own columns missing here (`valid_from`) have no seed column.
SEED_COLUMN_NAMES: dict[str, dict[str, str]] = {
    "cohorts": {
        "cohort": "start-year",
        "registration_start_on": "registration-start-date",
        "academic_year_start_on": "academic-year-start-date",
        "automatic_assignment_period_end_on": "automatic-assignment-period-end-date",
        "payments_frozen_at": "payments-frozen-at",
        "mentor_funding": "mentor-funding",
        "detailed_evidence_types": "detailed-evidence-types",
    },
    "schedules": {
        "cohort": "schedule-cohort-year",
        "schedule_identifier": "schedule-identifier",
        "schedule_name": "schedule-name",
        "schedule_type": "type",
        "milestone_name": "milestone-name",
        "declaration_type": "milestone-declaration-type",
        "milestone_start_on": "milestone-start-date",
        "milestone_end_on": "milestone-date",
        "milestone_payment_on": "milestone-payment-date",
    },
    "statements": {
        "cohort": "cohort",
        "statement_name": "name",
        "deadline_on": "deadline_date",
        "payment_on": "payment_date",
        "output_fee": "output_fee",
    },
}

# The seed files' headers, in the seed's column order.
SEED_HEADERS: dict[str, tuple[str, ...]] = {
    "cohorts": ("start-year", "registration-start-date", "academic-year-start-date",
                "automatic-assignment-period-end-date", "payments-frozen-at", "mentor-funding",
                "detailed-evidence-types"),
    "schedules": ("type", "schedule-identifier", "schedule-name", "schedule-cohort-year",
                  "milestone-name", "milestone-declaration-type", "milestone-start-date",
                  "milestone-date", "milestone-payment-date"),
    "statements": ("type", "name", "cohort", "deadline_date", "payment_date", "output_fee"),
}

_SEED_DATE = r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$"


def is_seed_format(kind_name: str, header: list[str]) -> bool:
    """True when `header` is the seed file's header of the kind, in any column order."""
    return kind_name in SEED_HEADERS and sorted(header) == sorted(SEED_HEADERS[kind_name])


def seed_to_own_format(kind_name: str, frame: pl.DataFrame) -> pl.DataFrame:
    """The seed-format `frame` (all text, null for blank) as own-format text, blank lines dropped.

    Columns come out in registry order with `valid_from` null (the beginning of time). Columns
    outside the seed header (a reader's line numbers, say) follow unchanged, so a row can still be
    traced to its line.
    """
    kind = KINDS_BY_FOLDER[("reference", kind_name)]
    seed_names = SEED_COLUMN_NAMES[kind_name]
    own_columns = [
        _normalised(pl.col(seed_names[column.name]), column.type).alias(column.name)
        if column.name in seed_names else pl.lit(None, pl.String).alias(column.name)
        for column in kind.all_columns
    ]
    passed_through = [name for name in frame.columns if name not in SEED_HEADERS[kind_name]]
    blank_line = pl.all_horizontal(pl.col(SEED_HEADERS[kind_name]).is_null())
    return frame.filter(~blank_line).select(*own_columns, *passed_through)


def _normalised(value: pl.Expr, column_type: str) -> pl.Expr:
    if column_type == DATE:
        return pl.coalesce(_padded_date(value), value)
    if column_type == INSTANT:
        # The live service runs in UTC (declarations.md §0.2), so a seed date is midnight UTC.
        return pl.coalesce(pl.concat_str(_padded_date(value), pl.lit("T00:00:00Z")), value)
    if column_type == BOOL:
        return value.str.to_lowercase()
    return value


def _padded_date(value: pl.Expr) -> pl.Expr:
    """YYYY-MM-DD from `YYYY/M/D` or `YYYY-M-D`; null for anything else."""
    parts = value.str.extract_groups(_SEED_DATE)
    return pl.concat_str(
        parts.struct.field("1"),
        parts.struct.field("2").str.zfill(2),
        parts.struct.field("3").str.zfill(2),
        separator="-",
    )
