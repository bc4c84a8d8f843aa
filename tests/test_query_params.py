"""The read API's query parsing (api.md §2.3–§2.5): Rack nesting, Ruby's Time.iso8601 and to_i."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, strategies as st

from api_export.query_params import (
    BadQuery, pagination, parse_query, ruby_to_i, sort_fields, updated_since_micros,
)


def _micros(text: str) -> int:
    value = datetime.fromisoformat(text).astimezone(timezone.utc)
    epoch = datetime(1970, 1, 1, tzinfo=timezone.utc)
    delta = value - epoch
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def test_rack_nesting_last_value_wins_and_plus_is_space():
    assert parse_query("filter[cohort]=2021,2022&filter[updated_since]=a+b&page[per_page]=5&page[per_page]=7") == {
        "filter": {"cohort": "2021,2022", "updated_since": "a b"}, "page": {"per_page": "7"}}
    assert parse_query("filter=x") == {"filter": "x"}
    assert parse_query("filter[]=x&sort=-updated_at") == {"filter": ["x"], "sort": "-updated_at"}
    assert parse_query("filter[cohort][x]=1") == {"filter": {"cohort": {"x": "1"}}}


@pytest.mark.parametrize("text, expected", [
    ("2021-05-13T11:21:55Z", "2021-05-13T11:21:55+00:00"),
    ("2021-05-13T11:21:55.123Z", "2021-05-13T11:21:55.123+00:00"),
    ("2021-05-13T11:21:55+01:00", "2021-05-13T10:21:55+00:00"),
    ("2021-05-13T11:21:55+0100", "2021-05-13T10:21:55+00:00"),
    ("2021-05-13T11:21:55-05", "2021-05-13T16:21:55+00:00"),
    ("2021-05-13T11:21:55", "2021-05-13T11:21:55+00:00"),  # zone-less: server time, UTC
    ("2021-05-13t11:21:55z", "2021-05-13T11:21:55+00:00"),  # case-insensitive, as Ruby's regexp
    ("1980-01-01T00%3A00%3A00%2B01%3A00", "1979-12-31T23:00:00+00:00"),  # doubly encoded: decoded once more
])
def test_updated_since_accepted_forms(text, expected):
    assert updated_since_micros(text) == _micros(expected)


@pytest.mark.parametrize("text", ["2021-05-13", "2021-05-13 11:21:55Z", "2021-05-13T11:21Z",
                                  "2021-05-13T11:21:55 01:00",  # an unescaped + became a space
                                  "2021-13-01T00:00:00Z", "yesterday", "2021-05-13T11:21:55+25:00"])
def test_updated_since_rejected_forms(text):
    with pytest.raises(BadQuery) as caught:
        updated_since_micros(text)
    assert caught.value.detail == "The filter '#/updated_since' must be a valid RCF3339 date"


def test_updated_since_ruby_rollover_and_empty():
    assert updated_since_micros("") is None and updated_since_micros(None) is None
    # Ruby's Time.utc rolls 30 February over into March
    assert updated_since_micros("2021-02-30T00:00:00Z") == _micros("2021-03-02T00:00:00+00:00")


@given(st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(timezone.utc)))
def test_updated_since_agrees_with_python_for_every_instant(instant):
    text = instant.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert updated_since_micros(text) == _micros(instant.isoformat())


@pytest.mark.parametrize("text, value", [("10abc", 10), ("abc", 0), (" 5", 5), ("+7", 7), ("-3", -3),
                                         ("1_000", 1000), ("", 0)])
def test_ruby_to_i(text, value):
    assert ruby_to_i(text) == value


def test_pagination_defaults_cap_and_errors():
    assert pagination({}) == (1, 100)
    assert pagination({"page": {"page": "2", "per_page": "5000"}}) == (2, 3000)
    for bad in ({"page": {"page": "0"}}, {"page": {"per_page": "abc"}}, {"page": {"page": "-1"}}, {"page": "2"}):
        with pytest.raises(BadQuery) as caught:
            pagination(bad)
        assert caught.value.detail == ("The '#/page[page]' and '#/page[per_page]' parameter values must be a valid "
                                       "number (equal and more than 1)")


def test_sort_fields():
    assert sort_fields("-updated_at,created_at") == [("updated_at", True), ("created_at", False)]
    assert sort_fields(" updated_at") == [(" updated_at", False)]  # a literal + decoded to a space: unknown
    assert sort_fields("+updated_at") == [("updated_at", False)]
    assert sort_fields(None) == []
