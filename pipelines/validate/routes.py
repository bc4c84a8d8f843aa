"""Which live write endpoint a recorded request line reaches, as the live Rails router decides.

`route(method, path)` returns a `Route` (action, API version, the `{id}` path segment) or the
`Response` the live service gives before any controller runs.

Write routes (`api.md` §5; `declarations.md` §1, §2.1, §4.3, §4.4; `partnerships-and-finance.md`
§1.3, §1.4; confirmed against the path lists of `reference/openapi/v{1,2,3}.json`):

| action | method | path under `/api/v{n}` | versions |
|---|---|---|---|
| `declaration_create` | POST | `/participant-declarations` | 1, 2, 3 |
| `declaration_void` | PUT | `/participant-declarations/{id}/void` | 1, 2, 3 |
| `participant_withdraw` | PUT | `/participants/ecf/{id}/withdraw` | 1, 2, 3 |
| `participant_defer` | PUT | `/participants/ecf/{id}/defer` | 1, 2, 3 |
| `participant_resume` | PUT | `/participants/ecf/{id}/resume` | 1, 2, 3 |
| `participant_change_schedule` | PUT | `/participants/ecf/{id}/change-schedule` | 1, 2, 3 |
| the four participant actions | PUT | `/participants/{id}/{withdraw,defer,resume,change-schedule}` | 1, 2 only |
| `partnership_create` | POST | `/partnerships/ecf` | 3 |
| `partnership_update` | PUT or PATCH | `/partnerships/ecf/{id}` | 3 |

(The v2 OpenAPI file omits the `/participants/{id}/…` alias; `api.md` §5 and the live routes have
it in v1 and v2. No version has it in v3.)

Methods. The member actions are declared `put :void`, `put :withdraw`, … so they answer `PUT`
only; `PATCH` is accepted only by `partnerships/ecf/{id}`, a `resources … only: [:update]` route
(`partnerships-and-finance.md` §1.4). A known path with a method its route does not take is, for
Rails, no route at all: 404 `{"error":"Resource not Found"}` (`api.md` §2.6), the same as an
unknown path. The method name is compared case-insensitively: HTTP methods are case-sensitive on
the wire, but the batch line is the product's own recording format, so `"put"` is read as `PUT`
(a decision; the spec is silent).

Path normalisation, as Rails' router does before matching (`Journey::Router::Utils.normalize_path`):
a leading `/` is added if missing, runs of `/` collapse to one, one trailing `/` (or a trailing
`%2F`) is dropped. Literal segments are case-sensitive and compared as sent (still
percent-encoded). The query string (`?…`) and a fragment (`#…`) never take part in routing; a
scheme and host in front of the path (`https://host/api/…`, the absolute request form) are
dropped, as the HTTP server does.

Format suffix. Rails resource routes end in an optional `(.:format)`, so `…/participant-declarations.json`
and `…/void.json` reach the same actions. Only `.json` is accepted (the namespace's default format):
any other suffix gives 404 (a decision — the spec documents formats only for the GET `.csv`
lists). Dynamic segments never contain a raw `.` (Rails' default segment pattern is `[^/.?]+`), so
an `{id}` holding a dot gives 404 — except in last position, where `{id}.json` is the id plus
the format.

`{id}` is the path segment as sent, percent-decoded (Rails unescapes path parameters); its shape
(UUID or not) is the controller's business, not the router's. A decoded id that is not valid UTF-8
gives 400 with an empty body (Rails raises `ActionController::BadRequest` for invalid path
parameter encoding, and there is no `/400` error page — the same mechanism as
`partnerships-and-finance.md` §1.2's invalid-JSON 400) **(inferred)**.

**Deliberate difference** (`product.md` §3, §5): a `GET` line (or `HEAD`, which Rails routes as
`GET`) for any path gets `GET_RECEIPT`, 405 with a message pointing to `ecf serve`: batches carry
write requests only. The live service would answer the read; the product's batch inbox does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from pipelines.validate.envelope import NOT_FOUND, Response

__all__ = [
    "ACTIONS", "BAD_PATH_ENCODING", "DECLARATION_CREATE", "DECLARATION_VOID", "GET_RECEIPT",
    "NOT_FOUND_RESPONSE", "PARTICIPANT_CHANGE_SCHEDULE", "PARTICIPANT_DEFER", "PARTICIPANT_RESUME",
    "PARTICIPANT_WITHDRAW", "PARTNERSHIP_CREATE", "PARTNERSHIP_UPDATE", "Route", "route",
    "split_target",
]

DECLARATION_CREATE = "declaration_create"
DECLARATION_VOID = "declaration_void"
PARTICIPANT_WITHDRAW = "participant_withdraw"
PARTICIPANT_DEFER = "participant_defer"
PARTICIPANT_RESUME = "participant_resume"
PARTICIPANT_CHANGE_SCHEDULE = "participant_change_schedule"
PARTNERSHIP_CREATE = "partnership_create"
PARTNERSHIP_UPDATE = "partnership_update"
ACTIONS = (DECLARATION_CREATE, DECLARATION_VOID, PARTICIPANT_WITHDRAW, PARTICIPANT_DEFER,
           PARTICIPANT_RESUME, PARTICIPANT_CHANGE_SCHEDULE, PARTNERSHIP_CREATE, PARTNERSHIP_UPDATE)

# The product's own receipt for a read request in a batch (product.md §3, §5): deliberate difference.
GET_RECEIPT = Response(405, {"errors": [{
    "title": "Method not allowed",
    "detail": "Batches carry write requests only: read the API with GET from `ecf serve`, or drop this line",
}]})
NOT_FOUND_RESPONSE = Response(404, NOT_FOUND)
BAD_PATH_ENCODING = Response(400, None)

READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Route:
    """A matched write route: the action, the API version (1–3) and the `{id}` segment, if any."""

    action: str
    version: int
    resource_id: str | None


_ID = None  # marks the dynamic `{id}` segment in a pattern
_PARTICIPANT_ACTIONS = {
    "withdraw": PARTICIPANT_WITHDRAW,
    "defer": PARTICIPANT_DEFER,
    "resume": PARTICIPANT_RESUME,
    "change-schedule": PARTICIPANT_CHANGE_SCHEDULE,
}
_PUT = frozenset({"PUT"})
_POST = frozenset({"POST"})
_ALL_VERSIONS = frozenset({1, 2, 3})

# (segments after /api/v{n}, versions, methods, action)
_PATTERNS: tuple[tuple[tuple[str | None, ...], frozenset[int], frozenset[str], str], ...] = (
    (("participant-declarations",), _ALL_VERSIONS, _POST, DECLARATION_CREATE),
    (("participant-declarations", _ID, "void"), _ALL_VERSIONS, _PUT, DECLARATION_VOID),
    *((("participants", "ecf", _ID, segment), _ALL_VERSIONS, _PUT, action)
      for segment, action in _PARTICIPANT_ACTIONS.items()),
    *((("participants", _ID, segment), frozenset({1, 2}), _PUT, action)
      for segment, action in _PARTICIPANT_ACTIONS.items()),
    (("partnerships", "ecf"), frozenset({3}), _POST, PARTNERSHIP_CREATE),
    (("partnerships", "ecf", _ID), frozenset({3}), frozenset({"PUT", "PATCH"}), PARTNERSHIP_UPDATE),
)
_VERSIONS = {"v1": 1, "v2": 2, "v3": 3}
_ABSOLUTE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/?#]*")


def split_target(path: str) -> tuple[str, str]:
    """Split a recorded request target into (path, query string), dropping a fragment and any
    scheme and host. The query is returned without its `?` (empty when there is none)."""
    path = _ABSOLUTE.sub("", path, count=1)
    path = path.split("#", 1)[0]
    path, _, query = path.partition("?")
    return path, query


def _normalize(path: str) -> str:
    """Rails' `Journey::Router::Utils.normalize_path` (without the cosmetic upcasing of `%xx`)."""
    path = re.sub(r"/+", "/", "/" + path)
    if path != "/":
        path = path.removesuffix("/")
        path = path.removesuffix("%2F")
    return path


def _segments(path: str) -> list[str] | None:
    """The normalised segments, with a `.json` format suffix removed from the last one;
    None when the suffix is another format or the last segment holds more than one dot."""
    segments = _normalize(path).split("/")[1:]
    if not segments or segments == [""]:
        return None
    last = segments[-1]
    if "." in last:
        stem, _, extension = last.partition(".")
        if "." in extension or extension != "json" or not stem:
            return None
        segments[-1] = stem
    return segments


def _match(segments: list[str]) -> tuple[int, tuple[str | None, ...], str | None, frozenset[str], str] | None:
    if len(segments) < 3 or segments[0] != "api" or segments[1] not in _VERSIONS:
        return None
    version = _VERSIONS[segments[1]]
    rest = segments[2:]
    for pattern, versions, methods, action in _PATTERNS:
        if version not in versions or len(pattern) != len(rest):
            continue
        resource_id = None
        for expected, actual in zip(pattern, rest):
            if expected is _ID:
                if not actual or "." in actual:
                    break
                resource_id = actual
            elif expected != actual:
                break
        else:
            return version, pattern, resource_id, methods, action
    return None


def route(method: str, path: str) -> Route | Response:
    """The write action a recorded (method, path) reaches, or the receipt the router gives."""
    verb = method.upper()
    if verb in READ_METHODS:
        return GET_RECEIPT
    segments = _segments(split_target(path)[0])
    found = _match(segments) if segments is not None else None
    if found is None:
        return NOT_FOUND_RESPONSE
    version, _, raw_id, methods, action = found
    if verb not in methods:
        return NOT_FOUND_RESPONSE
    resource_id = None
    if raw_id is not None:
        try:
            resource_id = unquote_to_bytes(raw_id).decode("utf-8")
        except UnicodeDecodeError:
            return BAD_PATH_ENCODING
    return Route(action, version, resource_id)
