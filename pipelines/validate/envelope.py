"""Receipt bodies shared by every write endpoint: the live error envelopes, byte for byte.

Sources: `declarations.md` §0.1 (validation envelope, 400 missing `data`, 422 `Invalid action`,
404), `api.md` §2.6 (every error body), `partnerships-and-finance.md` §1.3 (ordering and joining,
the partnership messages shared by `POST` and `PUT`).

* `ErrorCollector` is the ActiveModel errors object as `Api::V1::ActiveModelErrorsSerializer`
  renders it: one `{"title","detail"}` entry per attribute, in the order in which each attribute
  *first* received an error, its messages de-duplicated and joined with `", "`.
* `Response` is one receipt: the status and the body (`None` = an empty body, e.g. the live 400 for
  a bad path encoding). `Response.body_bytes()` gives the exact bytes (`api_export.json_bytes`).

The body constants are plain dicts so that they serialise directly; treat them as read-only
(the builders return fresh dicts).

Only messages used by more than one rule module live here; a message used by one rule stays
with that rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api_export.json_bytes import live_json

__all__ = [
    "ALREADY_WITHDRAWN", "BAD_PARAMETER_TITLE", "BAD_REQUEST_TITLE", "COURSE_MISSING",
    "COURSE_NOT_RECOGNISED", "DELIVERY_PARTNER_INVALID", "DELIVERY_PARTNER_MISSING",
    "DELIVERY_PARTNER_NOT_WORKING_WITH_PROVIDER", "ErrorCollector", "FILTER_NOT_A_HASH",
    "FILTER_NOT_A_HASH_DETAIL",
    "INTERNAL_SERVER_ERROR", "INVALID_ACTION_TITLE", "MISSING_DATA", "MISSING_DATA_DETAIL",
    "NOT_FOUND", "PARTICIPANT_NOT_RECOGNISED", "REASON_INVALID", "REASON_MISSING", "Response",
    "bad_parameter", "bad_request", "cohort_closed", "invalid_action",
]

# --- titles ------------------------------------------------------------------------------------

BAD_REQUEST_TITLE = "Bad request"
BAD_PARAMETER_TITLE = "Bad parameter"
INVALID_ACTION_TITLE = "Invalid action"

# --- messages shared by several rule modules ---------------------------------------------------

# declarations §1.2 steps 1, 13a, 13b; participant actions §4.3, §4.4 (identity and induction record)
PARTICIPANT_NOT_RECOGNISED = (
    "Your update cannot be made as the '#/participant_id' is not recognised. "
    "Check participant details and try again.")
# declarations §1.2 step 12; participant actions §4.3, §4.4
COURSE_NOT_RECOGNISED = (
    "The entered '#/course_identifier' is not recognised for the given participant. "
    "Check details and try again.")
# participant actions §4.3 (withdraw, defer, resume), §4.4 (change schedule)
COURSE_MISSING = "Enter a '#/course_identifier' value for this participant."
# withdraw and defer (§4.3)
REASON_MISSING = "The property '#/reason' must be present"
REASON_INVALID = "The property '#/reason' must be a valid reason"
ALREADY_WITHDRAWN = "The participant is already withdrawn"
# partnerships POST (§1.3 steps 1d, 5a, 5b) and PUT (§1.4 steps 1b, 2a, 2b)
DELIVERY_PARTNER_MISSING = "Enter a '#/delivery_partner_id'."
DELIVERY_PARTNER_INVALID = (
    "The '#/delivery_partner_id' you have entered is invalid. "
    "Check delivery partner details and try again.")
DELIVERY_PARTNER_NOT_WORKING_WITH_PROVIDER = (
    "The entered delivery partner is not recognised to be working in partnership with you "
    "for the given cohort. Contact the DfE for more information.")
MISSING_DATA_DETAIL = "correct json data structure required. See API docs for reference"
FILTER_NOT_A_HASH_DETAIL = "Filter must be a hash"


def cohort_closed(cohort: int | str) -> str:
    """Declarations §1.2 step 8 (and, prefixed with "Participant declaration ", void §2.1 step 3).

    No final full stop in the live string.
    """
    return (f"You cannot submit or void declarations for the {cohort} cohort. The funding contract "
            "for this cohort has ended. Get in touch if you need to discuss this with us")


# --- bodies ------------------------------------------------------------------------------------

def _error_list(title: str, detail: str) -> dict[str, Any]:
    return {"errors": [{"title": title, "detail": detail}]}


def bad_request(detail: str) -> dict[str, Any]:
    """400 body `{"errors":[{"title":"Bad request","detail":…}]}` (`api.md` §2.6)."""
    return _error_list(BAD_REQUEST_TITLE, detail)


def bad_parameter(detail: str) -> dict[str, Any]:
    """400 body `{"errors":[{"title":"Bad parameter","detail":…}]}` (`api.md` §2.4, §2.6)."""
    return _error_list(BAD_PARAMETER_TITLE, detail)


def invalid_action(detail: str) -> dict[str, Any]:
    """422 body of a refused state transition (`declarations.md` §0.1, §2.1)."""
    return _error_list(INVALID_ACTION_TITLE, detail)


NOT_FOUND: dict[str, Any] = {"error": "Resource not Found"}
INTERNAL_SERVER_ERROR: dict[str, Any] = {"error": "Internal server error"}
MISSING_DATA: dict[str, Any] = bad_request(MISSING_DATA_DETAIL)
FILTER_NOT_A_HASH: dict[str, Any] = bad_parameter(FILTER_NOT_A_HASH_DETAIL)


@dataclass(frozen=True)
class Response:
    """One receipt: HTTP status and JSON body (`None` = empty body)."""

    status: int
    body: dict[str, Any] | None

    def body_bytes(self) -> bytes:
        return b"" if self.body is None else live_json(self.body)


class ErrorCollector:
    """Ordered `title → messages`, rendered as the live validation envelope (`declarations.md` §0.1)."""

    __slots__ = ("_messages",)

    def __init__(self) -> None:
        self._messages: dict[str, list[str]] = {}

    def add(self, title: str, message: str) -> None:
        messages = self._messages.setdefault(title, [])
        if message not in messages:
            messages.append(message)

    def __bool__(self) -> bool:
        return bool(self._messages)

    def __contains__(self, title: object) -> bool:
        return title in self._messages

    def titles(self) -> tuple[str, ...]:
        return tuple(self._messages)

    def body(self) -> dict[str, Any]:
        return {"errors": [{"title": title, "detail": ", ".join(messages)}
                           for title, messages in self._messages.items()]}

    def response(self, status: int = 422) -> Response:
        return Response(status, self.body())

    def __repr__(self) -> str:
        return f"ErrorCollector({self._messages!r})"
