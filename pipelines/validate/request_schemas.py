"""Pandera schemas for provider request lines: an operator-facing report, never a receipt.

`product.md` §5: Pandera types and normalises every input and writes an operator validation report
(every bad row, collected lazily), but it never changes what a receipt says — the live API has no
schema-error layer, so a request with a wrong enum still gets the live rule's error in the live
order. Nothing here is read by the apply stage: `request_validation_report` returns plain dicts
that `pipelines/cycle.py` writes into `cycles/<as_of>/validation.json` (section `requests`).

Three steps:

1. `request_attribute_frame(con, cycle_id)` — one DuckDB query (set-based) giving one row per
   request line: provenance (`relative_path`, `line_number`, `lead_provider_slug`, `method`,
   `path`), the endpoint family and action (path regex, below), the `{id}` path segment, whether
   the body is JSON (`body_is_json`) and carries a non-empty `data` object (`has_data`), and the
   ten `data.attributes` members as text. `scope="timeline"` takes the lines the timeline placed
   in that cycle; `scope="ingest"` the lines of batches ingested in that cycle, placed or not.
2. Pandera `DataFrameSchema`s (`pandera.polars`), three per action, each validated on a collected
   DataFrame with `lazy=True` so that every failing cell of every line is collected:
   `route_schema` (method, `{id}`) on every line of the action; `body_schema` (JSON, a `data`
   object) on the lines sent with a method the route takes (any other method is no route at all,
   the body is never read); `attribute_schema` on those whose body is JSON with a `data` object
   (a line without one gets the 400 of a missing `data`, so its attributes are not reported as
   missing one by one). A path that is no write endpoint gets `route_schema(None)`.
3. `request_validation_report(frame)` maps every failure case back to (file, line, field, value,
   message), one entry per failing cell, sorted by file, line, field.

Normalising, as the live controllers read a body (`request_body.py`, `declarations.md` §1.1,
`partnerships-and-finance.md` §1.2): an attribute that is blank (`null`, `false`, empty or
whitespace-only) or an object or array (dropped by the permit list) is missing (NULL); other scalars
are kept as text as sent (`2024` and `"2024"` both read `2024`). Pandera then types the frame
(`coerce=True`: text, booleans, integers).

Endpoint classification (`endpoint`, `action`) is a regex over the path after dropping a scheme
and host, the query and fragment, repeated `/`, one trailing `/` and a `.json` suffix:

| endpoint | action | path under `/api/v{1,2,3}` |
|---|---|---|
| `declaration_create` | `declaration_create` | `/participant-declarations` |
| `declaration_void` | `declaration_void` | `/participant-declarations/{id}/void` |
| `participant_action` | `participant_<action>` | `/participants[/ecf]/{id}/<action>` |
| `partnership` | `partnership_create` / `partnership_update` | `/partnerships/ecf` / `/partnerships/ecf/{id}` |
| `other` | NULL | anything else |

(`<action>`: withdraw, defer, resume or change-schedule; the action name has `_` for `-`.)

It is a reading aid for the report, not the router: `routes.py` decides what a line reaches (for
example `/api/v1/partnerships/ecf` is classified `partnership` here and gets the live 404 there).

What is checked (required-ness as `api.md` §5, `declarations.md` §1.1, §1.2, §1.4, §4.3, §4.4 and
`partnerships-and-finance.md` §1.3, §1.4 document it):

* every known endpoint: the method the route takes; the body is JSON (the product answers a body
  that is not JSON with 400); `{id}` is UUID-shaped where the path has one; a `data` object is
  present (not for void, which reads no body); `other`: the path is not a write endpoint;
* declarations: `participant_id` (UUID), `declaration_type` (one of `started`, `retained-1`..`4`,
  `completed`, `extended-1`..`3`), `declaration_date` (the live RFC 3339 pattern of §1.1, and a
  real date-time), `course_identifier` (`ecf-induction`, `ecf-mentor`) are required;
  `evidence_held` is required unless the type is `started` (§1.4) and must be one of the union of
  the §1.4 values;
* participant actions: `course_identifier` required and known; withdraw and defer: `reason`
  required and one of that action's reasons (§4.2; withdraw accepts both `school-left-fip` and
  `switched-to-school-led`, since which one is live depends on a feature flag); change-schedule:
  `schedule_identifier` required, `cohort` optional, a 4-digit year;
* partnerships: create needs `cohort` (4-digit year), `school_id` and `delivery_partner_id`
  (UUIDs); update needs `delivery_partner_id` (UUID).

UUID-shaped means what Rails' `uuid` cast accepts (`partnership_rules.rails_uuid`): 32 hex digits,
any case, an optional hyphen after each group of four, optionally in braces.

Agreement with the receipts' parser: DuckDB's `json_valid` also accepts trailing commas and `NaN`
and has no nesting limit, so a body DuckDB reads is re-checked with the product's own parser
(`request_body.parse_body`) and, if refused there, counts as not JSON. One known difference is
left: with duplicate keys in a body, DuckDB may read the first where the receipts read the last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

import duckdb
import pandera.polars as pa
import polars as pl
from pandera.errors import SchemaErrors

from pipelines.validate.declaration_rules import cast_declaration_date
from pipelines.validate.participant_action_rules import DEFERRAL_REASONS
from pipelines.validate.request_body import is_json_body
from pipelines.validate.routes import (
    DECLARATION_CREATE, DECLARATION_VOID, PARTICIPANT_CHANGE_SCHEDULE, PARTICIPANT_DEFER, PARTICIPANT_RESUME,
    PARTICIPANT_WITHDRAW, PARTNERSHIP_CREATE, PARTNERSHIP_UPDATE,
)

__all__ = [
    "ATTRIBUTE_COLUMNS", "COURSE_IDENTIFIERS", "DECLARATION_TYPES", "ENDPOINTS", "EVIDENCE_HELD_VALUES",
    "FRAME_SCHEMA", "RFC3339_PATTERN", "UUID_PATTERN", "WITHDRAW_REASONS", "attribute_schema", "body_schema",
    "request_attribute_frame", "request_validation_report", "route_schema",
]

# --- vocabulary -----------------------------------------------------------------------------------

ENDPOINTS = ("declaration_create", "declaration_void", "participant_action", "partnership", "other")
ATTRIBUTE_COLUMNS = ("participant_id", "declaration_type", "declaration_date", "course_identifier", "evidence_held",
                     "reason", "schedule_identifier", "cohort", "school_id", "delivery_partner_id")

DECLARATION_TYPES = ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed",
                     "extended-1", "extended-2", "extended-3")  # declarations.md §1.1
COURSE_IDENTIFIERS = ("ecf-induction", "ecf-mentor")
# declarations.md §1.4, both tables (2020–2024 and 2025 onwards), in the order they are listed there.
EVIDENCE_HELD_VALUES = ("training-event-attended", "self-study-material-completed", "other",
                        "materials-engaged-with-offline", "75-percent-engagement-met",
                        "75-percent-engagement-met-reduced-induction", "one-term-induction")
# declarations.md §4.2: both spellings of the flag-dependent reason.
WITHDRAW_REASONS = ("left-teaching-profession", "moved-school", "mentor-no-longer-being-mentor",
                    "switched-to-school-led", "school-left-fip", "other")

# declarations.md §1.1 (`RFC3339_DATE_REGEX`), in Rust regex syntax; the same as
# `declaration_rules.matches_rfc3339` (a test keeps the two together).
RFC3339_PATTERN = (r"(?i)^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([.,][0-9]+)?"
                   r"(Z|[+-][0-9]{2}(:?[0-9]{2})?)?$")
# Rails' `uuid` cast (`partnership_rules.rails_uuid`); Rust regex has no conditional for the braces.
UUID_PATTERN = r"^(?:[0-9a-fA-F]{4}-?){8}$|^\{(?:[0-9a-fA-F]{4}-?){8}\}$"
YEAR_PATTERN = r"^[0-9]{4}$"

FRAME_SCHEMA: dict[str, pl.DataType] = {
    "relative_path": pl.Utf8, "line_number": pl.Int64, "lead_provider_slug": pl.Utf8, "method": pl.Utf8,
    "path": pl.Utf8, "endpoint": pl.Utf8, "action": pl.Utf8, "resource_id": pl.Utf8, "body_text": pl.Utf8,
    "body_is_text": pl.Boolean, "body_is_json": pl.Boolean, "has_data": pl.Boolean,
    **{name: pl.Utf8 for name in ATTRIBUTE_COLUMNS},
}

# --- step 1: the frame (one DuckDB query) ---------------------------------------------------------

_API = r"/api/v[123]"
_CLASSIFY = f"""
    CASE
        WHEN regexp_full_match(route_path, '{_API}/participant-declarations') THEN 'declaration_create'
        WHEN regexp_full_match(route_path, '{_API}/participant-declarations/[^/]+/void') THEN 'declaration_void'
        WHEN regexp_full_match(route_path, '{_API}/participants(/ecf)?/[^/]+/(withdraw|defer|resume|change-schedule)')
            THEN 'participant_action'
        WHEN regexp_full_match(route_path, '{_API}/partnerships/ecf(/[^/]+)?') THEN 'partnership'
        ELSE 'other'
    END"""
# Rails `blank?` (request_body.is_blank): whitespace is [[:space:]] plus Unicode separators and U+0085.
_BLANK = r"^[[:space:]\p{Z}\x{85}]*$"


def _attribute_sql(name: str) -> str:
    """`data.attributes.<name>` as the permit list reads it: text, or NULL when missing, blank,
    `false`, an object or an array."""
    path = f"'$.data.attributes.{name}'"
    return f"""CASE WHEN body_ok AND json_type(body, {path}) NOT IN ('OBJECT', 'ARRAY', 'NULL')
                         AND NOT (json_type(body, {path}) = 'BOOLEAN' AND json_extract_string(body, {path}) = 'false')
                         AND NOT regexp_matches(json_extract_string(body, {path}), '{_BLANK}')
                    THEN json_extract_string(body, {path}) END AS {name}"""


def _frame_sql(scope: str) -> str:
    if scope == "timeline":
        lines = """SELECT r.* FROM requests AS r
                   JOIN timeline AS t ON t.source_table = 'requests' AND t.file_id = r.file_id
                                     AND t.line_number = r.line_number AND t.cycle_id = $cycle_id"""
    else:
        lines = """SELECT r.* FROM requests AS r
                   JOIN ingested_files AS i ON i.file_id = r.file_id AND i.cycle_id = $cycle_id"""
    return f"""
        WITH lines AS ({lines}),
        paths AS (
            SELECT *,
                   regexp_replace(regexp_replace(regexp_replace(regexp_replace(
                       regexp_extract(path, '^(?:[A-Za-z][A-Za-z0-9+.\\-]*://[^/?#]*)?([^?#]*)', 1),
                       '/+', '/', 'g'), '^([^/])', '/\\1'), '(.)/$', '\\1'), '\\.json$', '') AS route_path,
                   body_text IS NULL OR body_text = '' OR json_valid(body_text) AS body_is_json
            FROM lines
        ),
        parsed AS (
            SELECT *, CASE WHEN body_is_json AND body_text <> '' THEN body_text::JSON END AS body,
                   {_CLASSIFY} AS endpoint
            FROM paths
        ),
        bodies AS (
            SELECT *,
                   coalesce(json_type(body, '$.data') = 'OBJECT' AND len(json_keys(body, '$.data')) > 0, false)
                       AS body_ok
            FROM parsed
        )
        SELECT f.relative_path, b.line_number::BIGINT AS line_number, b.lead_provider_slug, b.method, b.path,
               b.endpoint,
               CASE b.endpoint
                   WHEN 'declaration_create' THEN '{DECLARATION_CREATE}'
                   WHEN 'declaration_void' THEN '{DECLARATION_VOID}'
                   WHEN 'participant_action'
                       THEN 'participant_' || replace(regexp_extract(b.route_path, '[^/]+$'), '-', '_')
                   WHEN 'partnership' THEN CASE WHEN regexp_full_match(b.route_path, '.*/partnerships/ecf')
                                                THEN '{PARTNERSHIP_CREATE}' ELSE '{PARTNERSHIP_UPDATE}' END
               END AS action,
               CASE b.endpoint
                   WHEN 'declaration_void' THEN regexp_extract(b.route_path, '/participant-declarations/([^/]+)/', 1)
                   WHEN 'participant_action' THEN regexp_extract(b.route_path, '/participants(?:/ecf)?/([^/]+)/', 1)
                   WHEN 'partnership' THEN nullif(regexp_extract(b.route_path, '/partnerships/ecf/([^/]+)$', 1), '')
               END AS resource_id,
               b.body_text, b.body_is_text, b.body_is_json, b.body_ok AS has_data,
               {', '.join(_attribute_sql(name) for name in ATTRIBUTE_COLUMNS)}
        FROM bodies AS b JOIN ingested_files AS f ON f.file_id = b.file_id
        ORDER BY f.relative_path, b.line_number"""


def request_attribute_frame(con: duckdb.DuckDBPyConnection, cycle_id: int,
                            scope: Literal["timeline", "ingest"] = "timeline") -> pl.DataFrame:
    """One row per request line of the cycle, in `FRAME_SCHEMA`, ordered by file and line.

    `scope="timeline"`: the lines the timeline placed in `cycle_id`; `scope="ingest"`: the lines
    of the batches ingested in `cycle_id`, whether or not they are placed yet (the cycle's
    validation report is written at the end of ingest, before the timeline stage)."""
    if scope not in ("timeline", "ingest"):
        raise ValueError(f"scope must be 'timeline' or 'ingest', not {scope!r}")
    frame = con.sql(_frame_sql(scope), params={"cycle_id": cycle_id}).pl()
    frame = frame.cast({name: dtype for name, dtype in FRAME_SCHEMA.items()}).select(list(FRAME_SCHEMA))
    return _reparse_bodies(frame)


def _reparse_bodies(frame: pl.DataFrame) -> pl.DataFrame:
    """A body is JSON only if the receipts' parser (`request_body.parse_body`, through its shortcut
    `is_json_body`) says so: DuckDB's `json_valid` also accepts trailing commas and `NaN`, and has no
    nesting limit. A body DuckDB read but the receipts' parser refuses is not JSON, with no `data` and
    no attributes."""
    candidates = frame.filter(pl.col("body_is_json") & (pl.col("body_text").str.len_bytes() > 0))
    refused = candidates.filter(
        ~pl.col("body_text").map_elements(is_json_body, return_dtype=pl.Boolean)
    ).select("relative_path", "line_number", pl.lit(True).alias("_refused"))
    if refused.is_empty():
        return frame
    hit = pl.col("_refused").fill_null(False)
    return frame.join(refused, on=["relative_path", "line_number"], how="left", maintain_order="left").with_columns(
        pl.when(hit).then(False).otherwise(pl.col("body_is_json")).alias("body_is_json"),
        pl.when(hit).then(False).otherwise(pl.col("has_data")).alias("has_data"),
        *(pl.when(hit).then(None).otherwise(pl.col(name)).alias(name) for name in ATTRIBUTE_COLUMNS),
    ).drop("_refused")


# --- step 2: the schemas --------------------------------------------------------------------------

Message = Callable[[dict, object], str]


@dataclass(frozen=True)
class Rule:
    """One check on one column, and how an operator reads its failure."""

    check: pa.Check
    message: Message


def _quoted(field: str) -> Callable[[str], Message]:
    return lambda problem: (lambda row, value: f"{field} '{value}' {problem}")


def _missing(field: str) -> Message:
    return lambda row, value: f"{field} is missing"


def _uuid(field: str) -> Rule:
    return Rule(pa.Check.str_matches(UUID_PATTERN), _quoted(field)("is not a UUID"))


def _one_of(field: str, values: tuple[str, ...], what: str) -> Rule:
    return Rule(pa.Check.isin(list(values)), _quoted(field)(f"is not {what} ({', '.join(values)})"))


def _frame_check(name: str, passes: Callable[[str], pl.Expr]) -> pa.Check:
    """A check whose verdict per row may read other columns of the line."""
    return pa.Check(lambda data: data.lazyframe.select(passes(data.key).fill_null(True).alias(name)),
                    name=name, error=name)


def _is_real_date_time(raw: str) -> bool:
    return cast_declaration_date(raw) is not None


_DECLARATION_DATE = (
    Rule(pa.Check.str_matches(RFC3339_PATTERN), _quoted("declaration_date")("is not RFC 3339")),
    Rule(_frame_check("real_date_time", lambda key: ~pl.col(key).str.contains(RFC3339_PATTERN)
                      | pl.col(key).map_elements(_is_real_date_time, return_dtype=pl.Boolean)),
         _quoted("declaration_date")("is not a real date and time")),
)
_EVIDENCE_HELD = (
    Rule(_frame_check("required_unless_started",
                      lambda key: pl.col(key).is_not_null() | (pl.col("declaration_type") == "started")
                      | ~pl.col("declaration_type").is_in(DECLARATION_TYPES)),
         lambda row, value: f"evidence_held is missing (required for a {row['declaration_type']} declaration)"),
    _one_of("evidence_held", EVIDENCE_HELD_VALUES, "a known evidence type"),
)


@dataclass(frozen=True)
class Field:
    """A frame column under a schema: its dtype, whether it is required, its value rules."""

    dtype: pl.DataType
    required: bool
    rules: tuple[Rule, ...] = ()


def _attribute(name: str, required: bool, *rules: Rule) -> tuple[str, Field]:
    return name, Field(pl.Utf8, required, rules)


_YEAR = Rule(pa.Check.str_matches(YEAR_PATTERN), _quoted("cohort")("is not a 4-digit year"))
_COURSE = _attribute("course_identifier", True,
                     _one_of("course_identifier", COURSE_IDENTIFIERS, "a known ECF course"))

ATTRIBUTE_FIELDS: dict[str, dict[str, Field]] = {
    DECLARATION_CREATE: dict([
        _attribute("participant_id", True, _uuid("participant_id")),
        _attribute("declaration_type", True,
                   _one_of("declaration_type", DECLARATION_TYPES, "a known declaration type")),
        _attribute("declaration_date", True, *_DECLARATION_DATE),
        _COURSE,
        _attribute("evidence_held", False, *_EVIDENCE_HELD),
    ]),
    DECLARATION_VOID: {},
    PARTICIPANT_WITHDRAW: dict([_COURSE, _attribute("reason", True, _one_of("reason", WITHDRAW_REASONS,
                                                                              "a withdraw reason"))]),
    PARTICIPANT_DEFER: dict([_COURSE, _attribute("reason", True, _one_of("reason", DEFERRAL_REASONS,
                                                                           "a defer reason"))]),
    PARTICIPANT_RESUME: dict([_COURSE]),
    PARTICIPANT_CHANGE_SCHEDULE: dict([
        _COURSE, _attribute("schedule_identifier", True),
        _attribute("cohort", False, _YEAR),
    ]),
    PARTNERSHIP_CREATE: dict([
        _attribute("cohort", True, _YEAR),
        _attribute("school_id", True, _uuid("school_id")),
        _attribute("delivery_partner_id", True, _uuid("delivery_partner_id")),
    ]),
    PARTNERSHIP_UPDATE: dict([_attribute("delivery_partner_id", True, _uuid("delivery_partner_id"))]),
}

_METHODS = {DECLARATION_CREATE: ("POST",), DECLARATION_VOID: ("PUT",), PARTICIPANT_WITHDRAW: ("PUT",),
            PARTICIPANT_DEFER: ("PUT",), PARTICIPANT_RESUME: ("PUT",), PARTICIPANT_CHANGE_SCHEDULE: ("PUT",),
            PARTNERSHIP_CREATE: ("POST",), PARTNERSHIP_UPDATE: ("PUT", "PATCH")}
_WITH_ID = frozenset({DECLARATION_VOID, PARTICIPANT_WITHDRAW, PARTICIPANT_DEFER, PARTICIPANT_RESUME,
                      PARTICIPANT_CHANGE_SCHEDULE, PARTNERSHIP_UPDATE})

_BODY_IS_JSON = Rule(pa.Check.eq(True), lambda row, value: "body is not JSON")
_HAS_DATA = Rule(_frame_check("has_data_when_json", lambda key: pl.col(key) | ~pl.col("body_is_json")),
                 lambda row, value: "body has no data object")
_KNOWN_ENDPOINT = Rule(pa.Check.isin([e for e in ENDPOINTS if e != "other"]),
                       lambda row, value: f"path '{row['path']}' is not a write endpoint")


def _route_fields(action: str | None) -> dict[str, Field]:
    """What decides the route: the method it takes and the `{id}` segment's shape."""
    if action is None:  # `other`
        return {"endpoint": Field(pl.Utf8, True, (_KNOWN_ENDPOINT,))}
    methods = _METHODS[action]
    fields = {"method": Field(pl.Utf8, True, (Rule(
        pa.Check.str_matches(_method_pattern(action)),
        lambda row, value: f"method '{value}' is not {' or '.join(methods)}"),))}
    if action in _WITH_ID:
        fields["resource_id"] = Field(pl.Utf8, True, (Rule(
            pa.Check.str_matches(UUID_PATTERN), lambda row, value: f"the id '{value}' in the path is not a UUID"),))
    return fields


def _method_pattern(action: str) -> str:
    return f"(?i)^({'|'.join(_METHODS[action])})$"  # the batch's method is read case-insensitively (routes.py)


def _body_fields(action: str) -> dict[str, Field]:
    """The body: JSON, with a `data` object (void reads no body, so only the first)."""
    fields = {"body_is_json": Field(pl.Boolean, True, (_BODY_IS_JSON,))}
    if action != DECLARATION_VOID:
        fields["has_data"] = Field(pl.Boolean, True, (_HAS_DATA,))
    return fields


def _schema(name: str, fields: dict[str, Field]) -> pa.DataFrameSchema:
    columns = {}
    for column, field in fields.items():
        columns[column] = pa.Column(field.dtype, nullable=not field.required,
                                    checks=[rule.check for rule in field.rules])
    return pa.DataFrameSchema(columns, name=name, coerce=True, strict=False)


def route_schema(action: str | None) -> pa.DataFrameSchema:
    """Every line of `action` (None: a path that is no write endpoint): method and `{id}`."""
    return _schema(f"request route: {action or 'other'}", _route_fields(action))


def body_schema(action: str) -> pa.DataFrameSchema:
    """Lines of `action` sent with a method the route takes: the body."""
    return _schema(f"request body: {action}", _body_fields(action))


def attribute_schema(action: str) -> pa.DataFrameSchema:
    """Lines of `action` with the route's method whose body is JSON with a `data` object:
    `data.attributes` (a line without one gets the 400 of a missing `data`, whatever it holds)."""
    return _schema(f"request attributes: {action}", ATTRIBUTE_FIELDS[action])


# --- step 3: the report ---------------------------------------------------------------------------

_FIELD_OF_COLUMN = {"body_is_json": "body", "has_data": "body", "endpoint": "path"}
_BODY_EXCERPT = 200


def _reported_value(column: str, row: dict) -> str | None:
    if column in ("body_is_json", "has_data"):
        body = row["body_text"]
        return body if body is None or len(body) <= _BODY_EXCERPT else body[:_BODY_EXCERPT] + "…"
    if column == "endpoint":
        return row["path"]
    value = row[column]
    return None if value is None else str(value)


def _failures(schema: pa.DataFrameSchema, fields: dict[str, Field], lines: pl.DataFrame) -> list[dict]:
    """Every failing cell of `lines` under `schema` (lazy validation of a collected frame)."""
    if lines.is_empty() or not fields:
        return []
    try:
        schema.validate(lines, lazy=True)
    except SchemaErrors as failure:
        cases = failure.failure_cases
    else:
        return []
    failing = list(cases.iter_rows(named=True))
    for case in failing:
        if case["index"] is None or case["column"] not in fields:
            # The frame is built by request_attribute_frame: a frame-level failure is a bug here.
            raise RuntimeError(f"request schema {schema.name} failed on the frame itself: {case}")
    # Only the failing lines become Python rows: the frame holds up to millions of lines (national
    # scale: 22 s and most of the stage's memory when every line was converted).
    picked = sorted({case["index"] for case in failing})
    rows = dict(zip(picked, lines[picked].to_dicts()))
    entries = []
    for case in failing:
        column, index, number = case["column"], case["index"], case["check_number"]
        row, field = rows[index], fields[column]
        # Pandera numbers a column's checks in the order given (`not_nullable` has no number).
        message = _missing(column) if case["check"] == "not_nullable" else field.rules[number].message
        value = _reported_value(column, row)
        entries.append({"file": row["relative_path"], "line": row["line_number"],
                        "field": _FIELD_OF_COLUMN.get(column, column), "value": value,
                        "message": message(row, value)})
    return entries


def request_validation_report(frame: pl.DataFrame) -> list[dict]:
    """Every problem in the request lines of `frame` (from `request_attribute_frame`), one entry
    per failing cell: {file, line, field, value, message}, sorted by file, line, field, message.

    A report only: the receipts come from the live rules, whatever this says."""
    entries: list[dict] = []
    entries += _failures(route_schema(None), _route_fields(None), frame.filter(pl.col("endpoint") == "other"))
    for action, attribute_fields in ATTRIBUTE_FIELDS.items():
        lines = frame.filter(pl.col("action") == action)
        entries += _failures(route_schema(action), _route_fields(action), lines)
        # A method the route does not take is no route at all (404, or the 405 of a GET line):
        # the body is never read, so it is not reported.
        routed = lines.filter(pl.col("method").str.contains(_method_pattern(action)))
        entries += _failures(body_schema(action), _body_fields(action), routed)
        entries += _failures(attribute_schema(action), attribute_fields,
                             routed.filter(pl.col("body_is_json") & pl.col("has_data")))
    # One entry per cell. The rules are written so that a cell fails at most one of them (a value
    # rule passes a missing value, the date's second rule only reads RFC 3339 text); should two
    # ever fail together, the first one checked is kept.
    cells: dict[tuple, dict] = {}
    for entry in entries:
        cells.setdefault((entry["file"], entry["line"], entry["field"]), entry)
    return sorted(cells.values(), key=lambda e: (e["file"], e["line"], e["field"]))
