"""The read API's query string, parsed the way ECF1 (Rails on Rack) parses it (`api.md` §2.3–§2.5).

Pure functions, no web framework: the server calls them and turns `BadQuery` into the exact 400 body.

* `parse_query` — Rack's nested parameters: `filter[cohort]=2021` → `{"filter": {"cohort": "2021"}}`;
  `+` is a space; the last of repeated keys wins; `a[]=x` makes a list.
* `updated_since_micros` — Ruby `Time.iso8601`, then one more URL-decode and a second try; the
  instant as integer microseconds since the epoch (UTC), the hidden keys' unit.
* `ruby_to_i`, `pagination` — `page[page]`/`page[per_page]` read with `to_i`, default 1/100, capped
  at 3000, below 1 → 400.
* `sort_fields` — v3 `sort=a,-b`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote_plus

__all__ = ["BadQuery", "parse_query", "updated_since_micros", "ruby_to_i", "pagination", "sort_fields",
           "comma_list", "DEFAULT_PER_PAGE", "MAX_PER_PAGE"]

DEFAULT_PER_PAGE, MAX_PER_PAGE = 100, 3000

FILTER_NOT_HASH = ("Bad parameter", "Filter must be a hash")
BAD_UPDATED_SINCE = ("Bad request", "The filter '#/updated_since' must be a valid RCF3339 date")  # live typo
BAD_TRAINING_STATUS = ("Bad request",
                       "The filter '#/training_status' must be [\"active\", \"deferred\", \"withdrawn\"]")
BAD_PAGINATION = ("Bad request", "The '#/page[page]' and '#/page[per_page]' parameter values must be a valid "
                                 "number (equal and more than 1)")


def required_filter(name: str) -> tuple[str, str]:
    return ("Bad parameter", f"The filter '#/{name}' must be included in your request")


class BadQuery(Exception):
    """A query the live service answers with 400 `{"errors":[{"title","detail"}]}`."""

    def __init__(self, title_detail: tuple[str, str]):
        super().__init__(title_detail[1])
        self.title, self.detail = title_detail


_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SUBKEY = re.compile(r"\[([^\[\]]*)\]")


def parse_query(query_string: str) -> dict:
    """Rack-style nested parameters. Values are strings, dicts (`a[b]=`) or lists (`a[]=`); a key
    that is both (`filter=x&filter[a]=y`) keeps the last shape given."""
    params: dict = {}
    for key, value in parse_qsl(query_string, keep_blank_values=True):
        match = _KEY.match(key)
        if not match:
            params[key] = value
            continue
        name, rest = match.group(1), _SUBKEY.findall(match.group(2))
        if not rest:
            params[name] = value
            continue
        container = params
        path = [name, *rest]
        for position, part in enumerate(path[:-1]):
            following = path[position + 1]
            if part == "":
                break  # a list in the middle (`a[][b]`): keep it simple, as an opaque list
            wanted = list if following == "" else dict
            if not isinstance(container.get(part), wanted):
                container[part] = wanted()
            if wanted is list:
                container[part].append(value)
                break
            container = container[part]
        else:
            container[path[-1]] = value
    return params


# Ruby Time.xmlschema / Time.iso8601: date, "T", time, optional fraction, optional zone; case-insensitive.
_ISO8601 = re.compile(r"^\s*(-?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d(?::?\d\d)?)?\s*$",
                      re.IGNORECASE | re.ASCII)


def _days_from_civil(year: int, month: int, day: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date, any year (H. Hinnant's algorithm)."""
    year -= month <= 2
    era = (year if year >= 0 else year - 399) // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146097 + day_of_era - 719468


def _iso8601_micros(text: str) -> int | None:
    match = _ISO8601.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, zone = match.group(7), match.group(8)
    # Ruby's Time.utc rolls a day up to 31 over into the next month, allows hour 24 and second 60.
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour <= 24 and minute <= 59 and second <= 60):
        return None
    offset = 0
    if zone and zone.upper() != "Z":
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:] or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = (hours * 60 + minutes) * 60 * (1 if zone[0] == "+" else -1)
    seconds = _days_from_civil(year, month, 1) * 86_400 + (day - 1) * 86_400 + hour * 3600 + minute * 60 + second
    micros = int((fraction[1:] + "000000")[:6]) if fraction else 0
    return (seconds - offset) * 1_000_000 + micros


def updated_since_micros(value: object) -> int | None:
    """`filter[updated_since]`: None when absent or empty (no filter); else the instant in microseconds.
    The value as decoded from the query string is tried first, then URL-decoded once more (a doubly
    encoded `+01:00`); a zone-less time is UTC. Anything else raises BadQuery (the live 400)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadQuery(BAD_UPDATED_SINCE)
    micros = _iso8601_micros(value)
    if micros is None:
        micros = _iso8601_micros(unquote_plus(value))
    if micros is None:
        raise BadQuery(BAD_UPDATED_SINCE)
    return micros


_TO_I = re.compile(r"^\s*([+-]?\d+(?:_\d+)*)", re.ASCII)


def ruby_to_i(value: object) -> int:
    """Ruby `String#to_i`: leading whitespace, a sign, digits (underscores between them); else 0."""
    if not isinstance(value, str):
        return 0
    match = _TO_I.match(value)
    return int(match.group(1).replace("_", "")) if match else 0


def pagination(params: dict) -> tuple[int, int]:
    """(page, per_page). `page` that is not a hash (`?page=2`) is a 500 in the live service (an unrescued
    `TypeError`); here it is the pagination 400 instead (README "Where the server differs")."""
    page_params = params.get("page", {})
    if not isinstance(page_params, dict):
        raise BadQuery(BAD_PAGINATION)
    page = ruby_to_i(page_params["page"]) if "page" in page_params else 1
    per_page = ruby_to_i(page_params["per_page"]) if "per_page" in page_params else DEFAULT_PER_PAGE
    if page < 1 or per_page < 1:
        raise BadQuery(BAD_PAGINATION)
    return page, min(per_page, MAX_PER_PAGE)


def sort_fields(value: object) -> list[tuple[str, bool]]:
    """`sort=a,-b` → [("a", False), ("b", True)] (True: descending). A leading `+` reads as ascending."""
    if not isinstance(value, str) or not value:
        return []
    fields = []
    for part in value.split(","):
        descending = part.startswith("-")
        name = part[1:] if part[:1] in "-+" and part else part
        fields.append((name, descending))
    return fields


def comma_list(value: object) -> list[str] | None:
    """A comma-list filter (`2021,2022`); None when absent or empty (no filter)."""
    if value is None or value == "" or not isinstance(value, str):
        return None
    return value.split(",")
