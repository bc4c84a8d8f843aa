"""JSON bytes exactly as the live service writes them (`api.md` §2.2).

ECF1 renders every body with ActiveSupport's `to_json`: the json gem's generator, followed by a
substitution of five characters. So the bytes are:

* compact: no spaces after `:` or `,`, no trailing newline;
* object keys in the order given (Python dicts keep insertion order, as Ruby hashes do);
* `&`, `<`, `>` written as `\\u0026`, `\\u003c`, `\\u003e`, and U+2028 / U+2029 as `\\u2028` /
  `\\u2029`; every other non-ASCII character as raw UTF-8;
* `"`, `\\`, and the C0 control characters escaped as the json gem does (`\\b \\f \\n \\r \\t`, others
  `\\u00XX` with lower-case hex); DEL (U+007F) and `/` left alone.

`orjson` produces the same bytes except for the five characters, which it never escapes. Those
five can only occur inside JSON strings (the structural bytes and numbers are ASCII without
them), and their UTF-8 sequences cannot start or end inside another character's sequence, so a
byte replace on the output is exact.

Values beyond plain JSON are encoded as ActiveSupport's `as_json` would:

* `Decimal` → a string in BigDecimal `to_s("F")` form (`"12.5"`, `"12.0"`, `"-0.0"`); NaN and
  infinities → `null`;
* timezone-aware `datetime` → `xmlschema(3)`: `2022-07-22T11:30:00.123Z` (offset `Z` for UTC,
  `+01:00` otherwise) — the default time encoding of `challenged_at` (`api.md` §2.2); a naive
  `datetime` is refused (its instant is unknown);
* `date` → `YYYY-MM-DD`; `UUID` → its canonical string.

Known limit: `float` goes through orjson's shortest representation, which matches Ruby's
`Float#to_s` for magnitudes in [1e-4, 1e16) (`1.0`, `0.25`) but not outside it (orjson `1e+16`,
`0.00001`; Ruby `1.0e+16`, `1.0e-05`). No live response body carries a float (amounts are strings,
`api.md` §3), so none is expected here. Integers outside 64 bits fall back to the standard
library encoder (same bytes).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import orjson

__all__ = ["live_json"]

_ESCAPES = (
    (b"&", b"\\u0026"),
    (b"<", b"\\u003c"),
    (b">", b"\\u003e"),
    ("\u2028".encode(), b"\\u2028"),
    ("\u2029".encode(), b"\\u2029"),
)
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _decimal_text(value: Decimal) -> str | None:
    if not value.is_finite():
        return None
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0")
        if text.endswith("."):
            text += "0"
    else:
        text += ".0"
    return text


def _datetime_text(value: dt.datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        raise TypeError(f"naive datetime {value!r} has no instant: give it a timezone")
    stamp = value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond // 1000:03d}"
    if offset == dt.timedelta(0):
        return stamp + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{stamp}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _as_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, dt.datetime):
        return _datetime_text(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable the way the live service writes it")


def live_json(value: Any) -> bytes:
    """`value.to_json` as the live service writes it (compact, HTML-safe escapes, raw UTF-8)."""
    try:
        out = orjson.dumps(value, default=_as_json, option=_OPTIONS)
    except orjson.JSONEncodeError as error:
        if "64-bit" not in str(error):
            raise
        out = json.dumps(value, default=_as_json, ensure_ascii=False, allow_nan=False,
                         separators=(",", ":")).encode()
    for raw, escaped in _ESCAPES:
        if raw in out:
            out = out.replace(raw, escaped)
    return out
