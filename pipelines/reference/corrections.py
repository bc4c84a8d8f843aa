"""The one documented correction to statement calendars (product.md §3, payments.md §6.5).

The live service's seed gives every "January YYYY" statement after the first a deadline of
31 December YYYY, after its own payment date (declarations.md §3.5). The deadline decides when a
statement becomes payable and which output-fee statement is "next", so the typo would keep a paid
January statement open for a year. Shipped data and seed-format files alike are corrected, and the
corrected rows are returned so that the caller can report them.
"""

from __future__ import annotations

import polars as pl

_january_year = pl.col("statement_name").str.extract(r"^January (\d{4})$", 1).cast(pl.Int32)
_corrected_deadline_on = pl.date(_january_year - 1, 12, 31)
# A row already on its corrected deadline is left alone, so that correcting twice corrects nothing.
_needs_correction = (
    (pl.col("deadline_on") > pl.col("payment_on"))
    & (pl.col("deadline_on") != _corrected_deadline_on)
).fill_null(False)


def correct_january_deadlines(calendar: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Rule: a "January YYYY" row whose deadline falls after its payment date gets 31 December YYYY-1.

    `calendar` needs typed `cohort`, `statement_name`, `deadline_on` (Date) and `payment_on` (Date);
    other columns pass through untouched, in order. Returns the corrected calendar and the corrected
    rows (`cohort`, `statement_name`, `original_deadline_on`, `corrected_deadline_on`). Idempotent.
    """
    corrected = calendar.with_columns(
        pl.when(_needs_correction).then(_corrected_deadline_on).otherwise(pl.col("deadline_on"))
        .alias("deadline_on")
    )
    corrections = calendar.filter(_needs_correction).select(
        "cohort",
        "statement_name",
        pl.col("deadline_on").alias("original_deadline_on"),
        _corrected_deadline_on.alias("corrected_deadline_on"),
    )
    return corrected, corrections
