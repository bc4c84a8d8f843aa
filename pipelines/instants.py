"""Instants: parsing `--as-of`, the stamps used in paths, and the beginning of time.

Every instant in the product is UTC. DuckDB columns are `TIMESTAMP` holding UTC (the connection's
time zone is pinned to UTC), Python values are timezone-aware `datetime`s.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

UTC = timezone.utc
BEGINNING_OF_TIME = datetime(1, 1, 1, tzinfo=UTC)

_RFC3339 = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2}))?$")


class InstantError(ValueError):
    """An instant that cannot be read; the message says what form is expected."""


def parse_instant(text: str) -> datetime:
    """RFC 3339 (`2025-09-30T02:00:00Z`, an offset, or fractions) or a date (midnight UTC)."""
    value = text.strip()
    if not _RFC3339.match(value):
        raise InstantError(
            f"'{text}' is not an instant: write RFC 3339 such as 2025-09-30T02:00:00Z, or a date 2025-09-30")
    try:
        if len(value) == 10:
            return datetime.fromisoformat(value).replace(tzinfo=UTC)
        return datetime.fromisoformat(value.replace("z", "Z").replace("t", "T")).astimezone(UTC)
    except ValueError as error:
        raise InstantError(f"'{text}' is not a valid instant: {error}") from None


def utc_now() -> datetime:
    """The wall clock, used only as the default `--as-of` of a cycle the user starts."""
    return datetime.now(UTC).replace(microsecond=0)


def as_utc(value: datetime) -> datetime:
    """A timezone-aware UTC datetime; naive values (from DuckDB TIMESTAMP) are taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def naive_utc(value: datetime) -> datetime:
    """The value as naive UTC, for DuckDB `TIMESTAMP` parameters."""
    return as_utc(value).replace(tzinfo=None)


def stamp(value: datetime) -> str:
    """A cycle's name in paths: basic format, e.g. 2025-09-30T020000Z (product.md §6)."""
    return as_utc(value).strftime("%Y-%m-%dT%H%M%SZ")


def rfc3339(value: datetime) -> str:
    """RFC 3339 without fractions, as the live API writes timestamps."""
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
