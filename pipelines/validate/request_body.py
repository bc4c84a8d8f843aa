"""Reading a recorded request's body and query the way the live controllers read `params`.

Every write controller (declarations, participant actions, partnerships) reads its body the same
way: Rails parses the JSON body into `params` (merged with the query string and path
parameters), `params.require(:data).permit(:type, attributes: […])` picks the permitted
attributes (`declarations.md` §1.1, §4.3, §4.4; `partnerships-and-finance.md` §1.2).

Order a caller applies (`partnerships-and-finance.md` §1.2; the token step is implicit: the batch
folder names the provider):

1. `parse_body`; a body that is not JSON → `MISSING_DATA` (see below). Rails parses the body the
   first time anything reads `params`, which is the `filter` check, so this comes before
   everything else, the `{id}` lookups included.
2. `filter_error` (every action of every lead-provider controller, `api.md` §2.4).
3. The `{id}` lookup of `PUT` partnerships / void (404), before the body's `data` is read.
4. `data_object` (not for void, which reads no body), then `attributes`.

`request_gate` is steps 1–2; `read_request_attributes` is steps 1, 2 and 4 with each action's
permit list (`PERMITTED_ATTRIBUTES`), for callers whose lookup may come after (all but `PUT`
partnerships).

Live behaviour and the product's answers, case by case:

* **Not JSON** (raw text that does not parse, or only whitespace). Live: 400 with an empty body
  (`partnerships-and-finance.md` §1.2, §1.5). Product: **400 `MISSING_DATA`**, a deliberate
  difference (`product.md` §5: "a body that is not JSON gets the 400 of a missing `data`
  object"), for every endpoint family, void included.
* **Empty body** (absent, `""`): no parameters, so `data` is missing → `MISSING_DATA`.
* **JSON that is not an object** (`[…]`, `"x"`, `1`, `null`): Rails wraps it as `{"_json": …}`,
  so `data` is missing → `MISSING_DATA`.
* **`data` absent, `null`, `{}`, `[]`, `""`, whitespace-only, `[null]`**: `params.require(:data)`
  raises `ParameterMissing` → `MISSING_DATA`, live and product alike.
* **`data` a non-empty string or array, a number, `true` or `false`** (Rails' `require` returns
  `false` as a value): live, `.permit` on a non-hash → 500 `{"error":"Internal server error"}`
  (`partnerships-and-finance.md` §1.2 for partnerships; the declaration and participant
  controllers use the same `params.require(:data).permit(…)` **(inferred)**). Product: **400
  `DATA_NOT_AN_OBJECT`**, a deliberate difference (`product.md` §5: "each path where the live
  service crashes … gets a clear 422 or 400 instead").
* **`data.attributes` absent or not an object**: every attribute is missing → the rules' 422.
* **An attribute whose value is an object or an array**: dropped by the permit list, so it
  counts as missing (`partnerships-and-finance.md` §1.2, **inferred**). Applied to every
  endpoint: the declaration and participant controllers may permit any key under `attributes`,
  but `declarations.md` §1.1 lists the permitted keys and says the rest is dropped; the product
  applies the list.

So the three endpoint families get the same answers and one set of functions serves them all
(the live service differs between them in none of these cases).

JSON parsing follows Ruby's parser where Python's differs: `NaN`/`Infinity` are not JSON; nesting
deeper than 100 arrays/objects is a parse error (the json gem's `max_nesting`); Rails' deep munge
drops `null` items from arrays. Duplicate keys: the last wins, in both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote_plus

import orjson

from pipelines.validate.envelope import FILTER_NOT_A_HASH, MISSING_DATA, Response, bad_request
from pipelines.validate.routes import (
    DECLARATION_CREATE, DECLARATION_VOID, PARTICIPANT_CHANGE_SCHEDULE, PARTICIPANT_DEFER, PARTICIPANT_RESUME,
    PARTICIPANT_WITHDRAW, PARTNERSHIP_CREATE, PARTNERSHIP_UPDATE, split_target,
)

__all__ = [
    "DATA_NOT_AN_OBJECT", "DECLARATION_ATTRIBUTES", "FILTER_NOT_A_HASH_RESPONSE", "MAX_NESTING",
    "MISSING_DATA_RESPONSE", "PARTICIPANT_ACTION_ATTRIBUTES", "PARTNERSHIP_ATTRIBUTES", "PERMITTED_ATTRIBUTES",
    "ParsedBody", "attributes", "data_object", "filter_error", "is_blank", "parse_body",
    "read_request_attributes", "request_gate",
]

# The permit lists. Declarations: declarations.md §1.1. Participant actions: §4.3, §4.4 (the live
# controller permits any key under `attributes`; the services read only these). Partnerships:
# partnerships-and-finance.md §1.2 (one list for both endpoints; `PUT` reads only delivery_partner_id).
DECLARATION_ATTRIBUTES = ("participant_id", "declaration_type", "declaration_date", "course_identifier",
                          "evidence_held", "has_passed")
PARTICIPANT_ACTION_ATTRIBUTES = {
    PARTICIPANT_WITHDRAW: ("reason", "course_identifier"),
    PARTICIPANT_DEFER: ("reason", "course_identifier"),
    PARTICIPANT_RESUME: ("course_identifier",),
    PARTICIPANT_CHANGE_SCHEDULE: ("schedule_identifier", "course_identifier", "cohort"),
}
PARTNERSHIP_ATTRIBUTES = ("cohort", "school_id", "delivery_partner_id")
PERMITTED_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    DECLARATION_CREATE: DECLARATION_ATTRIBUTES,
    **PARTICIPANT_ACTION_ATTRIBUTES,
    PARTNERSHIP_CREATE: PARTNERSHIP_ATTRIBUTES,
    PARTNERSHIP_UPDATE: PARTNERSHIP_ATTRIBUTES,
}

MAX_NESTING = 100
MISSING_DATA_RESPONSE = Response(400, MISSING_DATA)
# Deliberate difference (product.md §5): the live service answers 500 here.
DATA_NOT_AN_OBJECT = Response(400, bad_request("The '#/data' value must be an object. See API docs for reference"))
FILTER_NOT_A_HASH_RESPONSE = Response(400, FILTER_NOT_A_HASH)

# Ruby's `[[:space:]]` on a UTF-8 string (the Unicode White_Space property), used by `String#blank?`.
_WHITESPACE = frozenset("\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                        "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


@dataclass(frozen=True)
class ParsedBody:
    """The request body as Rails sees it.

    `is_json` is False only for a body that is present and does not parse as JSON. An empty or
    absent body is JSON-compatible with no value (`is_json=True, value=None`), as is a JSON `null`.
    `value` is the parsed value with Rails' deep munge applied (no `null` items in arrays).
    """

    is_json: bool
    value: Any = None


def _munge(value: Any, depth: int = 1) -> Any:
    """Rails' deep munge (drop `null` array items) and the json gem's `max_nesting` check."""
    if isinstance(value, dict):
        if depth > MAX_NESTING:
            raise ValueError("nesting too deep")
        return {key: _munge(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        if depth > MAX_NESTING:
            raise ValueError("nesting too deep")
        return [_munge(item, depth + 1) for item in value if item is not None]
    return value


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_body(body_text: str | None, body_is_text: bool) -> ParsedBody:
    """Parse a recorded body: `body_text` is JSON text when the line carried a JSON value
    (`body_is_text=False`), or the raw HTTP body when it carried a string (`body_is_text=True`);
    `None` when the line had no body.

    Both forms go through the same parser: a JSON value is re-read so that the nesting limit and
    deep munge apply to it too, and a raw string is what the live service would have parsed."""
    if body_text is None or body_text == "":
        return ParsedBody(True, None)
    try:
        value = json.loads(body_text, parse_constant=_reject_constant)
        return ParsedBody(True, _munge(value))
    except (ValueError, RecursionError):
        return ParsedBody(False, None)


def is_json_body(body_text: str) -> bool:
    """`parse_body(body_text, True).is_json` without building the value, for millions of bodies at once
    (the validation report): a body orjson reads (strict RFC 8259, so no `NaN` either) with no more
    brackets than `MAX_NESTING` cannot nest too deep, and the json module reads it too. Anything else —
    orjson refuses it, or it might nest too deep — goes through `parse_body` itself, which decides."""
    if body_text.count("[") + body_text.count("{") <= MAX_NESTING:
        try:
            orjson.loads(body_text)
            return True
        except orjson.JSONDecodeError:
            pass
    return parse_body(body_text, True).is_json


def is_blank(value: Any) -> bool:
    """Rails `blank?`: None, False, an empty or whitespace-only string, an empty list or dict."""
    if value is None or value is False:
        return True
    if isinstance(value, str):
        return all(char in _WHITESPACE for char in value)
    if isinstance(value, (list, tuple, dict)):
        return not value
    return False


def data_object(parsed: ParsedBody) -> dict[str, Any] | Response:
    """`params.require(:data)` of the write controllers: the `data` object, or the receipt."""
    if not parsed.is_json or not isinstance(parsed.value, dict):
        return MISSING_DATA_RESPONSE
    data = parsed.value.get("data")
    if isinstance(data, dict) and data:
        return data
    if data is False or not is_blank(data):  # Rails `require` returns `false` as a value: live 500
        return DATA_NOT_AN_OBJECT
    return MISSING_DATA_RESPONSE


def attributes(data: dict[str, Any], permitted: tuple[str, ...]) -> dict[str, Any]:
    """`data.attributes` through the permit list: only permitted keys, scalar values as sent
    (strings, numbers, booleans, null); object or array values are dropped (they count as missing)."""
    raw = data.get("attributes")
    if not isinstance(raw, dict):
        return {}
    return {key: raw[key] for key in permitted
            if key in raw and not isinstance(raw[key], (dict, list))}


def _query_filter(query: str) -> tuple[bool, Any]:
    """(present, value) of `params[:filter]` from a query string, Rack-style: `filter=x` is a
    string, `filter` alone is nil, `filter[]=…` an array, `filter[k]=…` a hash (last one wins)."""
    present, value = False, None
    for pair in query.split("&"):
        if not pair:
            continue
        key, has_value, raw = pair.partition("=")
        key = unquote_plus(key)
        if key == "filter":
            present, value = True, (unquote_plus(raw) if has_value else None)
        elif key.startswith("filter[]"):
            present, value = True, []
        elif key.startswith("filter["):
            present, value = True, {}
    return present, value


def filter_error(query: str, parsed: ParsedBody) -> Response | None:
    """`ApiFilterValidation`: a `filter` parameter that is present, not nil/false and not a hash
    gives 400 `Filter must be a hash` (`api.md` §2.4; `partnerships-and-finance.md` §1.2 step 2).

    `params` merges the JSON body's top-level keys with the query string, the query winning."""
    present, value = _query_filter(query)
    if not present and parsed.is_json and isinstance(parsed.value, dict) and "filter" in parsed.value:
        present, value = True, parsed.value["filter"]
    if present and value is not None and value is not False and not isinstance(value, dict):
        return FILTER_NOT_A_HASH_RESPONSE
    return None


def request_gate(body_text: str | None, body_is_text: bool, path: str = "") -> Response | None:
    """Steps 1–2 of the order above: the answer for a body that is not JSON, or for a `filter`
    parameter (query string of `path`, or the body) that is not a hash; None when neither applies.

    These come before any `{id}` lookup: a caller that must look an id up before reading `data`
    (`PUT` partnerships, `partnerships-and-finance.md` §1.2 step 3) runs this, then the lookup,
    then `read_request_attributes`."""
    return _gate(parse_body(body_text, body_is_text), path)


def _gate(parsed: ParsedBody, path: str) -> Response | None:
    if not parsed.is_json:
        return MISSING_DATA_RESPONSE
    return filter_error(split_target(path)[1], parsed)


def read_request_attributes(action: str, body_text: str | None, body_is_text: bool,
                            path: str = "") -> dict[str, Any] | Response:
    """The permitted `data.attributes` of a routed request, or the 400 the body gets.

    Runs `request_gate`, then (except for void, which reads no body) `data_object` and
    `attributes` with the action's permit list. Pass the recorded `path` so that its query
    string's `filter` is checked. The `{id}` lookups are not done here: for `PUT` partnerships the
    live 404 comes before the missing-`data` 400 (`partnerships-and-finance.md` §1.2 step 3), so that
    caller runs `request_gate`, its lookup, then this."""
    parsed = parse_body(body_text, body_is_text)
    gate = _gate(parsed, path)
    if gate is not None:
        return gate
    if action == DECLARATION_VOID:
        return {}
    data = data_object(parsed)
    if isinstance(data, Response):
        return data
    return attributes(data, PERMITTED_ATTRIBUTES[action])
