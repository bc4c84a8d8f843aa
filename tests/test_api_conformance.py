"""Conformance of `ecf serve` with DfE's OpenAPI documents of the lead provider API (v1, v2, v3).

In process (Starlette's TestClient over `create_app(home.root, rate=None)`), over the small demo's
published snapshot, with a token issued for a lead provider that has data in every endpoint:

* every JSON list and show route of `ROUTES` answers 200 `application/vnd.api+json`, and every body
  (every page of the provider's whole list, and a spread of show documents) validates against the
  200 response schema of the same path and GET operation in DfE's document of that version;
* where api.md §7 records that the live service differs from its OpenAPI file, the live behaviour is
  asserted instead, through the small allow-list `DEVIATIONS` (each entry cites its §7 item) and a
  few explicit checks (timestamps without `.000`, the 404 body, the `errors` key, attribute order);
* the v1/v2 CSV routes: `text/csv`, the exact header of api.md §3.1/§3.2, the same rows as the JSON
  list, nulls written as `""`;
* the error bodies (401, 404, 400) byte for byte, and against the document where it is right.

DfE's documents are read in place from `../shared/reference/openapi/` (never copied). They fail
strict OpenAPI validation (api.md §7 item 17), so they are not validated themselves: only the
schemas are used, with `$ref`s resolved inside the document, the boolean `required` keys inside
property schemas dropped, and `nullable: true` honoured (as "null is also allowed", which
openapi-schema-validator's OAS30Validator does not do by itself next to `enum` or `anyOf`).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
from openapi_schema_validator import OAS30Validator, oas30_format_checker
from starlette.testclient import TestClient

from api_export.openapi_doc import ROUTES
from api_export.server import create_app
from api_export.tokens import issue_token, revoke_tokens
from pipelines.provider_list import lead_providers

PROJECT_ROOT = Path(__file__).resolve().parents[1]
OPENAPI_DIR = PROJECT_ROOT.parent / "shared" / "reference" / "openapi"
VERSIONS = (1, 2, 3)

pytestmark = pytest.mark.skipif(
    not all((OPENAPI_DIR / f"v{v}.json").is_file() for v in VERSIONS),
    reason=f"DfE's OpenAPI documents v1.json, v2.json and v3.json are not in {OPENAPI_DIR} "
           "(the shared reference folder is absent), so there is nothing to check conformance against")

JSON_API = "application/vnd.api+json"
NOT_FOUND = b'{"error":"Resource not Found"}'
UNAUTHORISED = b'{"error":"HTTP Token: Access denied"}'
FILTER_NOT_HASH = b'{"errors":[{"title":"Bad parameter","detail":"Filter must be a hash"}]}'
BAD_UPDATED_SINCE = (b'{"errors":[{"title":"Bad request","detail":"The filter \'#/updated_since\' must be a valid '
                     b'RCF3339 date"}]}')
BAD_PAGINATION = (b'{"errors":[{"title":"Bad request","detail":"The \'#/page[page]\' and \'#/page[per_page]\' '
                  b'parameter values must be a valid number (equal and more than 1)"}]}')
COHORT_REQUIRED = (b'{"errors":[{"title":"Bad parameter","detail":"The filter \'#/cohort\' must be included in '
                   b'your request"}]}')
BAD_TRAINING_STATUS = (b'{"errors":[{"title":"Bad request","detail":"The filter \'#/training_status\' must be '
                       b'[\\"active\\", \\"deferred\\", \\"withdrawn\\"]"}]}')
ABSENT_ID = "00000000-0000-4000-8000-000000000000"

# ---------------------------------------------------------------------------------------------------
# Where the live service differs from DfE's OpenAPI file (api.md §7). Each entry widens exactly one
# property of one component schema of one version's document; `test_every_deviation_is_a_real_gap`
# checks that the document really says otherwise, so an entry that is not (or no longer) needed fails.


@dataclass(frozen=True)
class Deviation:
    version: int
    schema: str  # name under components.schemas
    field: str  # property of that schema
    may_be_null: bool = False
    extra_enum: tuple[str, ...] = ()
    item: int = 0  # the api.md §7 item that records it


DEVIATIONS = (
    # §7 item 7: v1/v2 ECFParticipantAttributes `status` (null for an unexpected induction status) and
    # `school_urn`, `cohort`, `schedule_identifier` may be null; the files declare them non-nullable.
    *(Deviation(v, "ECFParticipantAttributes", name, may_be_null=True, item=7)
      for v in (1, 2) for name in ("status", "school_urn", "cohort", "schedule_identifier")),
    # §7 item 7: v3 ECFParticipantAttributes `teacher_reference_number` may be null.
    Deviation(3, "ECFParticipantAttributes", "teacher_reference_number", may_be_null=True, item=7),
    # §7 item 7: v3 ECFEnrolment `teacher_reference_number_validated` (null when there is no TRN) and
    # `delivery_partner_id` may be null.
    Deviation(3, "ECFEnrolment", "teacher_reference_number_validated", may_be_null=True, item=7),
    Deviation(3, "ECFEnrolment", "delivery_partner_id", may_be_null=True, item=7),
    # §7 items 7 and 15: v3 declaration `uplift_paid` is null for legacy declarations.
    Deviation(3, "ParticipantDeclarationAttributes", "uplift_paid", may_be_null=True, item=15),
    # §7 item 13: the v2 declaration `state` enum leaves out `awaiting-clawback` and `clawed-back`.
    Deviation(2, "ParticipantDeclarationAttributes", "state", extra_enum=("awaiting-clawback", "clawed-back"),
              item=13),
)

# §3.1: `/api/v{1,2}/participants` (and `.csv`) is an alias of `participants/ecf` that the v1/v2 files
# do not list; it is checked against the documented operation it aliases.
DOC_PATH_ALIASES = {f"/api/v{v}/participants{suffix}": f"/api/v{v}/participants/ecf{suffix}"
                    for v in (1, 2) for suffix in ("", ".csv")}

# §2.2: the `type` of each endpoint's resources.
RESOURCE_TYPES = {"participants-v1": "participant", "participants-v3": "participant",
                  "declarations-v1": "participant-declaration", "declarations-v3": "participant-declaration",
                  "transfers": "participant-transfer", "statements": "statement", "partnerships": "partnership",
                  "delivery-partners": "delivery-partner", "schools": "school", "unfunded-mentors": "unfunded-mentor"}

# The attributes in their emitted order (api.md §3; §2.2 "Attribute order is the order in which the
# serializer declares them", which is sometimes not the order of the OpenAPI examples: §7 item 4).
PARTICIPANT_V1 = ("email", "full_name", "mentor_id", "school_urn", "participant_type", "cohort", "status",
                  "teacher_reference_number", "teacher_reference_number_validated", "eligible_for_funding",
                  "pupil_premium_uplift", "sparsity_uplift", "training_status", "training_record_id",
                  "schedule_identifier", "updated_at")  # §3.1
DECLARATION_V1 = ("participant_id", "declaration_type", "course_identifier", "eligible_for_payment",
                  "declaration_date", "updated_at", "voided", "state", "has_passed")  # §3.2
DECLARATION_V2 = ("participant_id", "declaration_type", "course_identifier", "declaration_date", "updated_at",
                  "state", "has_passed")  # §3.2
ATTRIBUTE_ORDER = {
    (1, "participants-v1"): PARTICIPANT_V1,
    (2, "participants-v1"): PARTICIPANT_V1,
    (1, "declarations-v1"): DECLARATION_V1,
    (2, "declarations-v1"): DECLARATION_V2,
    (3, "participants-v3"): ("full_name", "teacher_reference_number", "updated_at", "ecf_enrolments",
                             "participant_id_changes"),  # §3.3
    (3, "transfers"): ("updated_at", "transfers"),  # §3.4
    # §3.5 and §7 item 4: `mentor_id` fifth, not after `ineligible_for_funding_reason` as in the example.
    (3, "declarations-v3"): ("participant_id", "declaration_type", "course_identifier", "declaration_date",
                             "mentor_id", "state", "updated_at", "created_at", "delivery_partner_id",
                             "statement_id", "clawback_statement_id", "ineligible_for_funding_reason",
                             "uplift_paid", "evidence_held", "has_passed", "lead_provider_name"),
    (3, "statements"): ("month", "year", "type", "cohort", "cut_off_date", "payment_date", "paid", "created_at",
                        "updated_at"),  # §3.6
    (3, "partnerships"): ("cohort", "urn", "school_id", "delivery_partner_id", "delivery_partner_name", "status",
                          "challenged_reason", "challenged_at", "induction_tutor_name", "induction_tutor_email",
                          "created_at", "updated_at"),  # §3.7
    (3, "delivery-partners"): ("name", "created_at", "updated_at", "cohort"),  # §3.8
    (3, "schools"): ("name", "urn", "cohort", "in_partnership", "induction_programme_choice", "created_at",
                     "updated_at"),  # §3.9
    (3, "unfunded-mentors"): ("full_name", "email", "teacher_reference_number", "created_at", "updated_at"),  # §3.10
}
NESTED_ORDER = {  # keys of the nested objects, in order (§3.3, §3.4)
    "ecf_enrolments": ("training_record_id", "email", "mentor_id", "school_urn", "participant_type", "cohort",
                       "training_status", "participant_status", "teacher_reference_number_validated",
                       "eligible_for_funding", "pupil_premium_uplift", "sparsity_uplift", "schedule_identifier",
                       "delivery_partner_id", "withdrawal", "deferral", "created_at", "induction_end_date",
                       "mentor_funding_end_date", "cohort_changed_after_payments_frozen",
                       "mentor_ineligible_for_funding_reason"),
    "participant_id_changes": ("from_participant_id", "to_participant_id", "changed_at"),
    "withdrawal": ("reason", "date"),
    "deferral": ("reason", "date"),
    "transfers": ("training_record_id", "transfer_type", "status", "created_at", "leaving", "joining"),
    "leaving": ("school_urn", "provider", "date"),
    "joining": ("school_urn", "provider", "date"),
}

# §3.1 / §3.2: the CSV header rows. §7 item 3: there is no `type` column (the OpenAPI example has one)
# and the declarations have `has_passed` (the example leaves it out), in this order.
CSV_HEADERS = {
    (1, "participants-v1"): "id," + ",".join(PARTICIPANT_V1),
    (2, "participants-v1"): "id," + ",".join(PARTICIPANT_V1),
    (1, "declarations-v1"): "id,participant_id,declaration_type,course_identifier,eligible_for_payment,"
                            "declaration_date,updated_at,voided,state,has_passed",
    (2, "declarations-v1"): "id,participant_id,declaration_type,course_identifier,declaration_date,updated_at,"
                            "state,has_passed",
}
assert CSV_HEADERS[(1, "participants-v1")] == (
    "id,email,full_name,mentor_id,school_urn,participant_type,cohort,status,teacher_reference_number,"
    "teacher_reference_number_validated,eligible_for_funding,pupil_premium_uplift,sparsity_uplift,"
    "training_status,training_record_id,schedule_identifier,updated_at")  # verbatim from §3.1

# §2.2 and §7 item 2: whole seconds, `Z`, no `.000`; the one exception is partnership `challenged_at`,
# which has milliseconds.
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
TIMESTAMP_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
LOOKS_LIKE_TIME = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d")
EARLIEST_INSTANT = "2020-01-01T00:00:00"


# ---------------------------------------------------------------------------------------------------
# Routes


@dataclass(frozen=True)
class RouteCase:
    path: str  # as in ROUTES, with `{id}`
    name: str  # endpoint name
    kind: str  # list, show or csv

    @property
    def version(self) -> int:
        return int(self.path.split("/")[2][1])

    @property
    def doc_path(self) -> str:
        return DOC_PATH_ALIASES.get(self.path, self.path)

    @property
    def list_path(self) -> str:
        """The JSON list whose records this route shows (show, csv) or is (list)."""
        if self.kind == "csv":
            return self.path[:-len(".csv")]
        if self.name == "transfers":
            return "/api/v3/participants/ecf/transfers"
        return self.path.removesuffix("/{id}")

    def __str__(self) -> str:
        return self.path.removeprefix("/api/")


ALL_ROUTES = [RouteCase(*entry) for entry in ROUTES]
LIST_ROUTES = [r for r in ALL_ROUTES if r.kind == "list"]
SHOW_ROUTES = [r for r in ALL_ROUTES if r.kind == "show"]
CSV_ROUTES = [r for r in ALL_ROUTES if r.kind == "csv"]
JSON_ROUTES = LIST_ROUTES + SHOW_ROUTES
FILTERED_BY_UPDATED_SINCE = [r for r in LIST_ROUTES + CSV_ROUTES if r.name != "delivery-partners"]


def _ids(routes):
    return [str(r) for r in routes]


# ---------------------------------------------------------------------------------------------------
# DfE's documents: schema lookup, `$ref` resolution, OpenAPI 3.0 → something OAS30Validator checks fully


@cache
def dfe_document(version: int) -> dict:
    return json.loads((OPENAPI_DIR / f"v{version}.json").read_text(encoding="utf-8"))


@cache
def patched_document(version: int) -> dict:
    """DfE's document with the §7 deviations of `DEVIATIONS` applied (a copy; the file is untouched)."""
    document = copy.deepcopy(dfe_document(version))
    for deviation in DEVIATIONS:
        if deviation.version != version:
            continue
        prop = document["components"]["schemas"][deviation.schema]["properties"][deviation.field]
        if deviation.may_be_null:
            prop["nullable"] = True
        if deviation.extra_enum:
            prop["enum"] = [*prop["enum"], *deviation.extra_enum]
    return document


def _pointer(document: dict, ref: str):
    assert ref.startswith("#/"), f"only references inside the document are expected, got {ref}"
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf")
_SCHEMA_MAPS = ("properties",)
_SCHEMA_ONE = ("items", "not", "additionalProperties")
_ANNOTATIONS = ("description", "example", "examples", "title", "xml", "externalDocs", "deprecated")


def plain_schema(node, document: dict, seen: tuple[str, ...] = ()):
    """The schema with every `$ref` inlined, the boolean `required` keys of property schemas dropped
    (api.md §7 item 17) and `nullable: true` turned into "null, or the schema"."""
    if not isinstance(node, dict):
        return node
    if "$ref" in node:  # OpenAPI 3.0: siblings of `$ref` are ignored
        ref = node["$ref"]
        assert ref not in seen, f"recursive schema through {ref}"
        return plain_schema(_pointer(document, ref), document, (*seen, ref))
    out = {}
    for key, value in node.items():
        if key in _ANNOTATIONS or key == "nullable" or (key == "required" and isinstance(value, bool)):
            continue
        if key in _SCHEMA_LISTS:
            out[key] = [plain_schema(v, document, seen) for v in value]
        elif key in _SCHEMA_MAPS:
            out[key] = {k: plain_schema(v, document, seen) for k, v in value.items()}
        elif key in _SCHEMA_ONE and isinstance(value, dict):
            out[key] = plain_schema(value, document, seen)
        else:
            out[key] = value
    if node.get("nullable") is True:
        return {"anyOf": [{"enum": [None]}, out]}
    return out


def _media_schema(content: dict, path: str, status: str) -> dict:
    """The schema under whichever media type the document gives: the files say `application/json`
    where the live service sends `application/vnd.api+json` (§7 item 16), and `text/csv` for the CSV
    routes' 401 although the live 401 is JSON (§2.1)."""
    assert len(content) == 1, f"{path} {status}: expected one media type, got {sorted(content)}"
    (media,) = content.values()
    return media["schema"]


def response_schema(route: RouteCase, status: str) -> dict | None:
    """The plain schema of `status` of the GET operation of the route's documented path (None when the
    document lists no such response)."""
    document = patched_document(route.version)
    operation = document["paths"][route.doc_path]["get"]
    response = operation["responses"].get(status)
    if response is None:
        return None
    return plain_schema(_media_schema(response["content"], route.doc_path, status), document)


def schema_errors(schema: dict, instance) -> list[str]:
    validator = OAS30Validator(schema, format_checker=oas30_format_checker)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in error.absolute_path) or '(body)'}: {error.message}" for error in errors]


def assert_valid(schema: dict, instance, what: str) -> None:
    errors = schema_errors(schema, instance)
    assert not errors, f"{what} does not match DfE's schema ({len(errors)} errors):\n" + "\n".join(errors[:15])


# ---------------------------------------------------------------------------------------------------
# The served API


@dataclass
class Api:
    client: TestClient
    token: str
    provider: dict
    other_tokens: dict[str, str]  # lead provider slug → token
    schools_cohort: str
    as_of: str  # the snapshot's, from the server's `/`
    lists: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def auth(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, token: str | None = None, **kwargs):
        headers = {"Authorization": f"Bearer {token or self.token}", **kwargs.pop("headers", {})}
        return self.client.get(url, headers=headers, **kwargs)

    def base_query(self, route: RouteCase) -> str:
        return f"filter[cohort]={self.schools_cohort}" if route.name == "schools" else ""

    def url(self, path: str, route: RouteCase, *extra: str, record_id: str | None = None) -> str:
        query = "&".join(q for q in (self.base_query(route), *extra) if q)
        if record_id is not None:
            path = path.replace("{id}", record_id)
        return path + (f"?{query}" if query else "")

    def whole_list(self, route: RouteCase, token: str | None = None) -> list[dict]:
        """Every record of the route's JSON list, walking the pages until `data` is `[]` (§2.3, §8.1);
        every page is validated against DfE's list schema on the way."""
        path = route.list_path
        key = f"{path}|{token or self.token}"
        if key not in self.lists:
            list_route = next(r for r in LIST_ROUTES if r.path == path)
            schema = response_schema(list_route, "200")
            records, page = [], 1
            while True:
                response = self.get(self.url(path, list_route, "page[per_page]=1000", f"page[page]={page}"), token)
                assert response.status_code == 200, (path, page, response.status_code, response.content[:300])
                body = response.json()
                if not body["data"]:
                    break
                assert_valid(schema, body, f"{path} page {page} (per_page 1000)")
                records += body["data"]
                page += 1
            self.lists[key] = records
        return self.lists[key]


@pytest.fixture(scope="module")
def api(small_demo):
    """The server over the demo's current snapshot, with a token for the first lead provider (by slug)
    that has records in every provider-scoped list; tokens for the others too (for the 404 of another
    provider's ids). The tokens are revoked afterwards."""
    home, _ = small_demo
    assert (home.root / "snapshots" / "current").exists(), "the small demo published no snapshot"
    issued_at = datetime.now(UTC)
    providers = lead_providers(home)
    tokens = {p["slug"]: issue_token(home.tokens, p["id"], p["slug"], issued_at, label="test_api_conformance").token
              for p in providers}
    try:
        with TestClient(create_app(home.root, rate=None)) as client:
            scoped = [r for r in LIST_ROUTES if r.name != "schools"]

            def sizes(token: str) -> list[int]:
                return [len(client.get(f"{r.path}?page[per_page]=1", headers={"Authorization": f"Bearer {token}"})
                               .json()["data"]) for r in scoped]

            chosen = next((p for p in providers if all(sizes(tokens[p["slug"]]))), None)
            assert chosen is not None, (
                "no lead provider of the small demo has records in every list: " + ", ".join(
                    f"{p['slug']}: {dict(zip(_ids(scoped), sizes(tokens[p['slug']])))}" for p in providers))
            token = tokens[chosen["slug"]]
            cohorts = [str(year) for year in range(2020, 2031)
                       if client.get(f"/api/v3/schools/ecf?filter[cohort]={year}&page[per_page]=1",
                                     headers={"Authorization": f"Bearer {token}"}).json()["data"]]
            assert cohorts, "no cohort of the snapshot has schools"
            as_of = client.get("/").json()["as_of"]
            yield Api(client, token, chosen, {s: t for s, t in tokens.items() if s != chosen["slug"]},
                      cohorts[-1], as_of)
    finally:
        for token in tokens.values():
            revoke_tokens(home.tokens, token=token)


# ---------------------------------------------------------------------------------------------------
# The documents and the allow-list


@pytest.mark.parametrize("route", ALL_ROUTES, ids=_ids(ALL_ROUTES))
def test_every_route_has_a_documented_get_operation(route):
    operation = dfe_document(route.version)["paths"][route.doc_path]["get"]
    assert "200" in operation["responses"] and "401" in operation["responses"]
    media = set(operation["responses"]["200"]["content"])
    assert media == ({"text/csv"} if route.kind == "csv" else {"application/json"}), media  # §7 item 16


@pytest.mark.parametrize("deviation", DEVIATIONS,
                         ids=[f"v{d.version} {d.schema}.{d.field} (§7 item {d.item})" for d in DEVIATIONS])
def test_every_deviation_is_a_real_gap_in_the_document(deviation):
    """The allow-list stays as narrow as §7: each entry names a property the document really declares
    non-nullable (or with a narrower enum)."""
    prop = dfe_document(deviation.version)["components"]["schemas"][deviation.schema]["properties"][deviation.field]
    if deviation.may_be_null:
        assert prop.get("nullable") is not True
        assert not {"anyOf", "oneOf"} & set(prop)
    for value in deviation.extra_enum:
        assert value not in prop["enum"]
    assert deviation.may_be_null or deviation.extra_enum, "a deviation that allows nothing"


def test_schema_machinery_honours_nullable_and_rejects_what_the_schema_forbids():
    """`plain_schema` + OAS30Validator: `nullable` next to `enum` and `anyOf` allows null; a non-nullable
    field, a wrong enum value, a missing required field and a bad uuid are still errors."""
    enrolment = plain_schema(dfe_document(3)["components"]["schemas"]["ECFEnrolment"], dfe_document(3))
    good = {"training_record_id": ABSENT_ID, "email": "a@example.com", "mentor_id": None, "school_urn": "100000",
            "participant_type": "ect", "cohort": "2021", "training_status": "active", "participant_status": "active",
            "teacher_reference_number_validated": True, "eligible_for_funding": None, "pupil_premium_uplift": False,
            "sparsity_uplift": False, "schedule_identifier": "ecf-standard-september",
            "delivery_partner_id": ABSENT_ID, "withdrawal": None, "deferral": None,
            "created_at": "2021-09-01T00:00:00Z", "induction_end_date": None, "mentor_funding_end_date": None,
            "cohort_changed_after_payments_frozen": False, "mentor_ineligible_for_funding_reason": None}
    assert schema_errors(enrolment, good) == []
    assert schema_errors(enrolment, {**good, "teacher_reference_number_validated": None}), "must follow the file"
    assert schema_errors(patched_enrolment := plain_schema(
        patched_document(3)["components"]["schemas"]["ECFEnrolment"], patched_document(3)),
        {**good, "teacher_reference_number_validated": None}) == []  # §7 item 7
    assert schema_errors(patched_enrolment, {**good, "participant_status": "gone"})
    assert schema_errors(patched_enrolment, {**good, "withdrawal": {"reason": "moved-school"}})
    assert schema_errors(patched_enrolment, {**good, "training_record_id": "not-a-uuid"})
    assert schema_errors(patched_enrolment, {k: v for k, v in good.items() if k != "created_at"})
    assert schema_errors(patched_enrolment, {**good, "induction_end_date": "2021-13-40"})


# ---------------------------------------------------------------------------------------------------
# 200 bodies against DfE's schemas


def _shape_problems(api: Api, route: RouteCase, resource: dict) -> list[tuple[str, str]]:
    """(kind, example) of what is wrong with one resource object: §2.2 `{"id","type","attributes"}` in
    that order, `id` a string, the endpoint's `type`; timestamps whole seconds (§7 item 2) and real
    instants: ECF1's timestamps record when its rows were made or changed, so none is before the
    service began (2020; every cohort starts after 2020, §2.4) or after the snapshot's `as_of`
    (§8.2), and `created_at` is not after `updated_at`."""
    if list(resource) != ["id", "type", "attributes"]:
        return [("resource keys are not id, type, attributes", repr(list(resource)))]
    record = f"id {resource['id']!r}"
    problems = []
    if not isinstance(resource["id"], str):
        problems.append(("id is not a string", record))
    if resource["type"] != RESOURCE_TYPES[route.name]:
        problems.append((f"type is not {RESOURCE_TYPES[route.name]!r}", f"{record}: {resource['type']!r}"))
    for key, value in _walk(resource["attributes"]):
        if isinstance(value, str) and LOOKS_LIKE_TIME.match(value):
            pattern = TIMESTAMP_MS if (route.name, key) == ("partnerships", "challenged_at") else TIMESTAMP
            if not pattern.match(value):
                problems.append((f"{key} not in the live timestamp format (§7 item 2)", f"{record}: {value!r}"))
            elif not EARLIEST_INSTANT <= value[:19] <= api.as_of[:19]:
                kind = f"{key} not an instant between {EARLIEST_INSTANT}Z and the snapshot's as_of {api.as_of}"
                problems.append((kind, f"{record}: {value!r}"))
    attributes = resource["attributes"]
    created, updated = attributes.get("created_at"), attributes.get("updated_at")
    if isinstance(created, str) and isinstance(updated, str) and created > updated:
        problems.append(("created_at after updated_at", record))
    return problems


def assert_shapes(api: Api, route: RouteCase, resources: list[dict], where: str) -> None:
    """`_shape_problems` of every resource, reported together: each kind of problem, how many
    resources have it, and the first example."""
    found: dict[str, list[str]] = {}
    for resource in resources:
        for kind, example in _shape_problems(api, route, resource):
            found.setdefault(kind, []).append(example)
    assert not found, f"{where} ({len(resources)} resources):\n" + "\n".join(
        f"  {kind}: {len(examples)} resources, e.g. {examples[0]}" for kind, examples in found.items())


def _walk(node, key: str = ""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)
    else:
        yield key, node


@pytest.mark.parametrize("route", LIST_ROUTES, ids=_ids(LIST_ROUTES))
def test_list_conforms_to_dfe_schema(api, route):
    response = api.get(api.url(route.path, route, "page[per_page]=50"))
    assert response.status_code == 200, response.content[:300]
    assert response.headers["content-type"] == JSON_API
    body = response.json()
    assert list(body) == ["data"], "no meta, links or included (§2.2)"
    assert 0 < len(body["data"]) <= 50
    assert_valid(response_schema(route, "200"), body, f"{route.path}?page[per_page]=50")
    # the whole list, page by page, validates too, and its first 50 records are this page
    records = api.whole_list(route)
    assert records[:50] == body["data"]
    assert_shapes(api, route, records, f"the records of {route.path}")


def _spread(items: list, count: int) -> list:
    if len(items) <= count:
        return items
    step = (len(items) - 1) / (count - 1)
    return [items[round(i * step)] for i in range(count)]


@pytest.mark.parametrize("route", SHOW_ROUTES, ids=_ids(SHOW_ROUTES))
def test_show_conforms_to_dfe_schema(api, route):
    """Show documents of ids taken from the list (a spread of up to 25) validate against DfE's show
    schema and carry the same record as the list; where a v1/v2 user has two entries, the ECT one (§3.1)."""
    records = api.whole_list(route)
    assert records, f"{route.list_path} is empty"
    by_id: dict[str, list[dict]] = {}
    for record in records:
        by_id.setdefault(record["id"], []).append(record)
    schema = response_schema(route, "200")
    shown = []
    for record_id in _spread(list(by_id), 25):
        response = api.get(api.url(route.path, route, record_id=record_id))
        assert response.status_code == 200, (record_id, response.content[:300])
        assert response.headers["content-type"] == JSON_API
        body = response.json()
        assert list(body) == ["data"]
        assert_valid(schema, body, route.path.replace("{id}", record_id))
        shown.append(body["data"])
        entries = by_id[record_id]
        if len(entries) > 1:
            assert route.name == "participants-v1", f"{record_id} is listed {len(entries)} times"
            entries = [e for e in entries if e["attributes"]["participant_type"] == "ect"]
        assert [body["data"]] == entries, f"show {record_id} is not the record the list has"
    assert_shapes(api, route, shown, f"{len(shown)} show documents of {route.path}")


@pytest.mark.parametrize("route", LIST_ROUTES, ids=_ids(LIST_ROUTES))
def test_attribute_order_is_the_live_order(api, route):
    """Every record of the list emits its attributes (and nested keys) in the serializer's order (§3;
    §7 item 4 for the v3 declarations, whose example has another order)."""
    expected = ATTRIBUTE_ORDER[(route.version, route.name)]
    for record in api.whole_list(route):
        assert tuple(record["attributes"]) == expected, f"{record['id']}: {list(record['attributes'])}"
        for key, nested in _nested_objects(record["attributes"]):
            assert tuple(nested) == NESTED_ORDER[key], f"{record['id']} {key}: {list(nested)}"


def _nested_objects(node):
    for key, value in node.items():
        for item in (value if isinstance(value, list) else [value]):
            if isinstance(item, dict):
                yield key, item
                yield from _nested_objects(item)


# ---------------------------------------------------------------------------------------------------
# CSV


def _csv_cell(value) -> str:
    """§3.1: every value as a string, so null is an empty string, which Ruby's CSV writer quotes (`""`);
    booleans `true`/`false`; RFC 4180 quoting of values with commas, quotes or line breaks."""
    text = "" if value is None else ("true" if value is True else "false" if value is False else str(value))
    if text == "" or any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


@pytest.mark.parametrize("route", CSV_ROUTES, ids=_ids(CSV_ROUTES))
def test_csv_has_the_live_header_and_the_list_rows(api, route):
    response = api.get(route.path)
    assert response.status_code == 200, response.content[:300]
    assert response.headers["content-type"] == "text/csv"
    text = response.content.decode("utf-8")
    assert text.endswith("\n") and "\r" not in text
    lines = text[:-1].split("\n")
    header = CSV_HEADERS[(route.version, route.name)]
    assert lines[0] == header, f"header {lines[0]!r}"
    assert "type" not in lines[0].split(",")  # §7 item 3
    columns = header.split(",")
    parsed = list(csv.reader(io.StringIO(text)))
    assert all(len(row) == len(columns) for row in parsed), "a row with another number of cells than the header"
    records = api.whole_list(route)
    assert len(lines) - 1 == len(records) > 0, "the CSV has other rows than the JSON list (same scope, §3.1)"
    nulls = 0
    for number, (line, record) in enumerate(zip(lines[1:], records), 2):
        values = [record["id"], *record["attributes"].values()]
        nulls += values.count(None)
        assert line == ",".join(_csv_cell(v) for v in values), f"line {number} of {route.path}: {line!r}"
    assert nulls, "no null in the file, so the `\"\"` rule was not exercised"


# ---------------------------------------------------------------------------------------------------
# Errors


@pytest.mark.parametrize("route", ALL_ROUTES, ids=_ids(ALL_ROUTES))
def test_missing_or_unknown_token_is_401(api, route):
    """§2.1: exact body, `application/vnd.api+json` (also for the CSV routes, which the file documents
    as `text/csv`), `WWW-Authenticate: Token realm="Application"`; the body matches the file's schema."""
    url = api.url(route.path, route, record_id=ABSENT_ID)
    schema = response_schema(route, "401")
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": f"Basic {api.token}"}):
        response = api.client.get(url, headers=headers)
        assert response.status_code == 401, (headers, response.status_code)
        assert response.content == UNAUTHORISED
        assert response.headers["content-type"] == JSON_API
        assert response.headers["www-authenticate"] == 'Token realm="Application"'
        assert_valid(schema, response.json(), f"401 of {route.path}")


def _check_not_found(route: RouteCase, response) -> None:
    """§2.6 and §7 item 1: the live body, not the file's (`Resource not found` in v1/v2, an `errors`
    array in v3); the files' 404 schemas are loose enough that it still validates against them. The
    v1/v2 participant show documents no 404 at all (§7 item 8)."""
    assert response.status_code == 404, (response.status_code, response.content[:300])
    assert response.content == NOT_FOUND
    assert response.headers["content-type"] == JSON_API
    schema = response_schema(route, "404")
    assert (schema is None) == (route.name == "participants-v1"), "§7 item 8"
    if schema is not None:
        assert_valid(schema, response.json(), f"404 of {route.path}")


@pytest.mark.parametrize("route", SHOW_ROUTES, ids=_ids(SHOW_ROUTES))
def test_unknown_id_is_404(api, route):
    for record_id in (ABSENT_ID, "not-an-id"):
        _check_not_found(route, api.get(api.url(route.path, route, record_id=record_id)))


OTHER_PROVIDER_ROUTES = [r for r in SHOW_ROUTES if r.name not in ("schools", "delivery-partners")]


@pytest.mark.parametrize("route", OTHER_PROVIDER_ROUTES, ids=_ids(OTHER_PROVIDER_ROUTES))
def test_another_providers_id_is_404(api, route):
    """§2.6: an id of another provider is a 404. (Schools are not provider-scoped; a delivery partner's
    show reaches cohorts the list leaves out, §3.8, so neither is checked here.)"""
    ours = {record["id"] for record in api.whole_list(route)}
    theirs = [record["id"] for token in api.other_tokens.values() for record in api.whole_list(route, token)
              if record["id"] not in ours]
    assert theirs, f"no other provider has a {route.list_path} record that {api.provider['slug']} lacks"
    for record_id in _spread(sorted(set(theirs)), 3):
        _check_not_found(route, api.get(api.url(route.path, route, record_id=record_id)))


@pytest.mark.parametrize("path", ["/api/v3/participants/npq", "/api/v4/participants/ecf", "/api/v3/outcomes",
                                  "/api/v1/statements", "/api/v3/participants.csv", "/api/v3/participants/ecf.csv",
                                  "/api/v1/participants/ecf/x/y"])
def test_unknown_route_is_404(api, path):
    for headers in ({}, api.auth):
        response = api.client.get(path, headers=headers)
        assert (response.status_code, response.content) == (404, NOT_FOUND)
        assert response.headers["content-type"] == JSON_API


def bad_request_schema(version: int) -> dict:
    """The documents list no 400 for GETs; their `ErrorResponse` is right about the items (`Error`:
    title, detail) but names the key `error` where the live body has `errors` (§7 item 1)."""
    document = dfe_document(version)
    documented = document["components"]["schemas"]["ErrorResponse"]
    assert set(documented["properties"]) == {"error"}
    return {"type": "object", "required": ["errors"], "additionalProperties": False,
            "properties": {"errors": {**plain_schema(documented["properties"]["error"], document), "minItems": 1,
                                      "items": {**plain_schema(document["components"]["schemas"]["Error"], document),
                                                "required": ["title", "detail"]}}}}


def _check_bad_request(route: RouteCase, response, expected: bytes) -> None:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    assert response.content == expected
    assert response.headers["content-type"] == JSON_API
    assert_valid(bad_request_schema(route.version), response.json(), f"400 of {route.path}")


@pytest.mark.parametrize("route", ALL_ROUTES, ids=_ids(ALL_ROUTES))
def test_filter_that_is_not_a_hash_is_400(api, route):
    """§2.4: on every action, show actions included; before the schools' required cohort."""
    url = route.path.replace("{id}", ABSENT_ID) + "?filter=x"
    _check_bad_request(route, api.get(url), FILTER_NOT_HASH)
    _check_bad_request(route, api.get(url + "&page[per_page]=5&filter[x]=1&filter=y"), FILTER_NOT_HASH)


@pytest.mark.parametrize("route", FILTERED_BY_UPDATED_SINCE, ids=_ids(FILTERED_BY_UPDATED_SINCE))
def test_bad_updated_since_is_400(api, route):
    """§2.4: forms Ruby's `Time.iso8601` rejects, also after one more URL-decode."""
    for value in ("2021-05-13", "2021-05-13%2011:21:55Z", "2021-05-13T11:21Z", "yesterday"):
        _check_bad_request(route, api.get(api.url(route.path, route, f"filter[updated_since]={value}")),
                           BAD_UPDATED_SINCE)


def test_delivery_partners_ignore_updated_since(api):
    """§3.8: delivery partners filter on `cohort` only, and unknown filters are ignored (§2.4)."""
    plain = api.get("/api/v3/delivery-partners")
    filtered = api.get("/api/v3/delivery-partners?filter[updated_since]=yesterday")
    assert (filtered.status_code, filtered.content) == (200, plain.content)


@pytest.mark.parametrize("route", LIST_ROUTES, ids=_ids(LIST_ROUTES))
def test_page_below_one_is_400(api, route):
    """§2.3: `page[page]` or `page[per_page]` below 1 after Ruby's `to_i` (0, negative, non-numeric)."""
    for query in ("page[page]=0", "page[per_page]=0", "page[page]=-1", "page[per_page]=abc"):
        _check_bad_request(route, api.get(api.url(route.path, route, query)), BAD_PAGINATION)


@pytest.mark.parametrize("route", CSV_ROUTES, ids=_ids(CSV_ROUTES))
def test_csv_ignores_pagination(api, route):
    """§2.3: the CSV endpoints ignore the paging parameters, even invalid ones."""
    plain = api.get(route.path)
    for query in ("page[page]=0", "page[page]=2&page[per_page]=1"):
        response = api.get(f"{route.path}?{query}")
        assert (response.status_code, response.content) == (200, plain.content)


SCHOOL_ROUTES = [r for r in JSON_ROUTES if r.name == "schools"]


@pytest.mark.parametrize("route", SCHOOL_ROUTES, ids=_ids(SCHOOL_ROUTES))
def test_schools_without_cohort_is_400(api, route):
    """§3.9: `filter[cohort]` is required on the schools list and show."""
    record_id = api.whole_list(route)[0]["id"]
    for query in ("", "?filter[urn]=100000", "?page[per_page]=5"):
        url = route.path.replace("{id}", record_id) + query
        _check_bad_request(route, api.get(url), COHORT_REQUIRED)


def test_bad_training_status_is_400(api):
    """§2.6: v3 participants' `filter[training_status]` outside active/deferred/withdrawn."""
    route = next(r for r in LIST_ROUTES if r.name == "participants-v3")
    for value in ("paused", "Active"):
        _check_bad_request(route, api.get(f"{route.path}?filter[training_status]={value}"), BAD_TRAINING_STATUS)
