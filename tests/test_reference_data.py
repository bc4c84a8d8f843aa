"""Shipped reference defaults, the seed-format conversion and the January deadline correction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from pipelines.ingest.kinds import BOOL, DATE, INSTANT, INT, KINDS_BY_FOLDER
from pipelines.reference.corrections import correct_january_deadlines
from pipelines.reference.defaults import DEFAULT_KINDS, default_file, default_files
from pipelines.reference.seed_format import (
    SEED_COLUMN_NAMES,
    SEED_HEADERS,
    is_seed_format,
    seed_to_own_format,
)

SEED_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "reference" / "ecf1"
needs_seed = pytest.mark.skipif(not SEED_DIR.is_dir(), reason=f"live seed files not found at {SEED_DIR}")


def _own_columns(kind_name: str) -> list[str]:
    return [column.name for column in KINDS_BY_FOLDER[("reference", kind_name)].all_columns]


def _typed(kind_name: str, text: pl.DataFrame) -> pl.DataFrame:
    """Strictly typed own-format text: any value not in the own format fails the test."""
    parsers = {
        INT: lambda c: pl.col(c).cast(pl.Int32, strict=True),
        DATE: lambda c: pl.col(c).str.to_date("%Y-%m-%d", strict=True),
        BOOL: lambda c: pl.col(c).replace_strict({"true": True, "false": False}, return_dtype=pl.Boolean),
        INSTANT: lambda c: pl.col(c).str.to_datetime("%Y-%m-%dT%H:%M:%SZ", time_zone="UTC", strict=True),
    }
    kind = KINDS_BY_FOLDER[("reference", kind_name)]
    return text.select(parsers.get(column.type, pl.col)(column.name) for column in kind.all_columns)


def _shipped(kind_name: str) -> pl.DataFrame:
    return _typed(kind_name, pl.read_csv(default_file(kind_name), infer_schema=False))


def _seed(kind_name: str) -> pl.DataFrame:
    """The seed file converted and typed, in the shipped order (cohort, then the seed's order)."""
    seed_text = pl.read_csv(SEED_DIR / f"{kind_name}.csv", infer_schema=False)
    return _typed(kind_name, seed_to_own_format(kind_name, seed_text)).sort("cohort", maintain_order=True)


def _statements(rows: list[tuple[int, str, dt.date, dt.date]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows, schema={"cohort": pl.Int32, "statement_name": pl.String, "deadline_on": pl.Date,
                      "payment_on": pl.Date}, orient="row",
    )


# ------------------------------------------------------------------ shipped files


@pytest.mark.parametrize("kind_name", DEFAULT_KINDS)
def test_shipped_file_is_own_format_text(kind_name):
    raw = default_file(kind_name).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw and raw.endswith(b"\n")
    lines = raw.decode("utf-8").split("\n")[:-1]
    assert lines[0].split(",") == _own_columns(kind_name)
    assert all(line and line.endswith(",") for line in lines[1:]), "blank line or valid_from set"


def test_default_files_cover_the_default_kinds():
    assert set(default_files()) == set(DEFAULT_KINDS)
    assert all(path.is_file() for path in default_files().values())
    with pytest.raises(KeyError):
        default_file("lead_providers")


def test_shipped_statements_need_no_correction():
    _, corrections = correct_january_deadlines(_shipped("statements"))
    assert corrections.is_empty()


@needs_seed
@pytest.mark.parametrize("kind_name", ["cohorts", "schedules"])
def test_shipped_data_equals_seed_row_for_row(kind_name):
    assert_frame_equal(_shipped(kind_name), _seed(kind_name))


@needs_seed
def test_shipped_statements_differ_from_seed_only_by_the_correction():
    seed, shipped = _seed("statements"), _shipped("statements")
    assert shipped.height == seed.height == 163
    corrected_seed, corrections = correct_january_deadlines(seed)
    assert_frame_equal(shipped, corrected_seed)
    differing = shipped.filter(pl.col("deadline_on") != seed["deadline_on"])
    assert_frame_equal(
        differing.select("cohort", "statement_name", corrected_deadline_on="deadline_on"),
        corrections.select("cohort", "statement_name", "corrected_deadline_on"),
    )
    assert corrections.height == 10
    # Every other column is the seed's, on every row.
    assert_frame_equal(shipped.drop("deadline_on"), seed.drop("deadline_on"))


@needs_seed
def test_seed_statement_type_is_always_ecf():
    """The seed's `type` column is dropped; this keeps that lossless."""
    seed_text = pl.read_csv(SEED_DIR / "statements.csv", infer_schema=False)
    assert set(seed_text["type"].drop_nulls()) == {"ecf"}


@needs_seed
@pytest.mark.parametrize("kind_name", DEFAULT_KINDS)
def test_seed_files_are_detected(kind_name):
    header = pl.read_csv(SEED_DIR / f"{kind_name}.csv", n_rows=0).columns
    assert is_seed_format(kind_name, header)
    assert not is_seed_format(kind_name, _own_columns(kind_name))


# ------------------------------------------------------------------ seed format


def test_seed_column_names_cover_every_own_column_but_valid_from():
    for kind_name, names in SEED_COLUMN_NAMES.items():
        assert list(names) == _own_columns(kind_name)[:-1]
        assert set(names.values()) <= set(SEED_HEADERS[kind_name])


def test_is_seed_format():
    assert is_seed_format("statements", ["name", "type", "cohort", "deadline_date", "payment_date",
                                         "output_fee"])
    assert not is_seed_format("statements", ["type", "name", "cohort", "deadline_date", "payment_date"])
    assert not is_seed_format("lead_providers", ["id", "name"])


def test_seed_cohorts_dates_and_booleans_are_normalised():
    seed = pl.DataFrame({
        "start-year": ["2021"], "registration-start-date": ["2021/05/10"],
        "academic-year-start-date": ["2021/9/1"], "automatic-assignment-period-end-date": ["2022-03-31"],
        "payments-frozen-at": ["2024/04/03"], "mentor-funding": ["FALSE"],
        "detailed-evidence-types": ["True"],
    })
    assert seed_to_own_format("cohorts", seed).row(0, named=True) == {
        "cohort": "2021", "registration_start_on": "2021-05-10", "academic_year_start_on": "2021-09-01",
        "automatic_assignment_period_end_on": "2022-03-31", "payments_frozen_at": "2024-04-03T00:00:00Z",
        "mentor_funding": "false", "detailed_evidence_types": "true", "valid_from": None,
    }


def test_seed_statements_blank_lines_dropped_and_bad_values_kept():
    seed = pl.DataFrame({
        "type": ["ecf", None, "ecf", "ecf"],
        "name": ["January 2022", None, "February 2022", "March 2022"],
        "cohort": ["2021", None, "2021", "2021"],
        "deadline_date": ["2021-12-31", None, "2022-1-31", "31/01/2022"],
        "payment_date": ["2022-1-25", None, None, "2022-13-45"],
        "output_fee": ["false", None, "true", "maybe"],
        "line_number": [2, 3, 4, 5],
    })
    own = seed_to_own_format("statements", seed)
    assert own.columns == [*_own_columns("statements"), "line_number"]
    assert own.schema["valid_from"] == pl.String
    assert own.rows() == [
        ("2021", "January 2022", "2021-12-31", "2022-01-25", "false", None, 2),
        ("2021", "February 2022", "2022-01-31", None, "true", None, 4),
        ("2021", "March 2022", "31/01/2022", "2022-13-45", "maybe", None, 5),
    ]


def test_seed_schedules_columns_are_renamed():
    values = {"type": "ecf_standard", "schedule-cohort-year": "2024", "milestone-date": "2024/12/31"}
    seed = pl.DataFrame({name: [values.get(name)] for name in SEED_HEADERS["schedules"]},
                        schema=dict.fromkeys(SEED_HEADERS["schedules"], pl.String))
    own = seed_to_own_format("schedules", seed)
    assert own.columns == _own_columns("schedules")
    assert own.select("schedule_type", "milestone_end_on").row(0) == ("ecf_standard", "2024-12-31")


# ------------------------------------------------------------------ the correction


def test_january_deadline_after_payment_is_corrected():
    calendar = _statements([(2023, "January 2025", dt.date(2025, 12, 31), dt.date(2025, 1, 25))])
    corrected, corrections = correct_january_deadlines(calendar.with_columns(output_fee=pl.lit(True)))
    assert corrected.columns == ["cohort", "statement_name", "deadline_on", "payment_on", "output_fee"]
    assert corrected.row(0) == (2023, "January 2025", dt.date(2024, 12, 31), dt.date(2025, 1, 25), True)
    assert corrections.rows(named=True) == [{
        "cohort": 2023, "statement_name": "January 2025",
        "original_deadline_on": dt.date(2025, 12, 31), "corrected_deadline_on": dt.date(2024, 12, 31),
    }]


def test_rows_not_matching_the_rule_are_left_alone():
    calendar = _statements([
        (2024, "January 2025", dt.date(2024, 12, 31), dt.date(2025, 1, 25)),  # deadline before payment
        (2021, "November 2021", dt.date(2021, 12, 31), dt.date(2021, 11, 30)),  # not January
        (2021, "Late January 2022", dt.date(2022, 12, 31), dt.date(2022, 1, 25)),  # not "January YYYY"
    ])
    corrected, corrections = correct_january_deadlines(calendar)
    assert_frame_equal(corrected, calendar)
    assert corrections.is_empty()
    assert corrections.columns == ["cohort", "statement_name", "original_deadline_on", "corrected_deadline_on"]


def test_correction_is_idempotent():
    calendar = _statements([
        (2024, "January 2027", dt.date(2027, 12, 31), dt.date(2027, 1, 25)),
        # Paid before its corrected deadline: corrected once, then left alone.
        (2024, "January 2026", dt.date(2026, 12, 31), dt.date(2025, 6, 25)),
    ])
    once, _ = correct_january_deadlines(calendar)
    twice, corrections = correct_january_deadlines(once)
    assert_frame_equal(twice, once)
    assert corrections.is_empty()


_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


@st.composite
def _calendar_rows(draw):
    year = draw(st.integers(2020, 2030))
    month = draw(st.sampled_from(_MONTHS))
    deadline_on = draw(st.dates(dt.date(2019, 1, 1), dt.date(2031, 12, 31)))
    # A statement pays in its own year; that is what makes 31 December of the year before safe.
    payment_on = draw(st.dates(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return (draw(st.integers(2020, 2025)), f"{month} {year}", deadline_on, payment_on)


@given(st.lists(_calendar_rows(), max_size=30))
def test_correction_properties(rows):
    calendar = _statements(rows)
    corrected, corrections = correct_january_deadlines(calendar)
    is_january = pl.col("statement_name").str.starts_with("January ")
    assert corrected.filter(is_january & (pl.col("deadline_on") > pl.col("payment_on"))).is_empty()
    assert_frame_equal(corrected.filter(~is_january), calendar.filter(~is_january))
    assert corrections.height == (corrected["deadline_on"] != calendar["deadline_on"]).sum()
    again, recorrections = correct_january_deadlines(corrected)
    assert_frame_equal(again, corrected)
    assert recorrections.is_empty()
