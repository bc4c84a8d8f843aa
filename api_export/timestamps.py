"""Instants as the snapshot's hidden keys hold them: integer microseconds since the epoch, UTC."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

__all__ = ["micros"]

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def micros(instant: datetime) -> int:
    """Exact for every year (no float); a naive datetime is taken to be UTC, as the world keeps UTC."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return (instant - _EPOCH) // _MICROSECOND
