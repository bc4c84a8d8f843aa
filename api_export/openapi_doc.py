"""The project's own OpenAPI description of what `ecf serve` answers (served at `/openapi.json`).

Built from the same endpoint table the server routes with, so it cannot drift from it. It describes
the read-only surface: every GET route of v1, v2 and v3 with its filters, paging and sort, the live
error bodies, and the 405 for writes. DfE's documents (`../shared/reference/openapi/`) stay the
reference for the resource schemas; the conformance tests validate every body against them.
"""

from __future__ import annotations

from functools import cache

from api_export.endpoints import ENDPOINTS, Endpoint

__all__ = ["openapi_document", "ROUTES"]

# (path, endpoint name, kind): kind is list, show or csv.
ROUTES: list[tuple[str, str, str]] = []
for _v in (1, 2):
    ROUTES += [(f"/api/v{_v}/participants/ecf", "participants-v1", "list"),
               (f"/api/v{_v}/participants", "participants-v1", "list"),
               (f"/api/v{_v}/participants/ecf.csv", "participants-v1", "csv"),
               (f"/api/v{_v}/participants.csv", "participants-v1", "csv"),
               (f"/api/v{_v}/participants/ecf/{{id}}", "participants-v1", "show"),
               (f"/api/v{_v}/participant-declarations", "declarations-v1", "list"),
               (f"/api/v{_v}/participant-declarations.csv", "declarations-v1", "csv"),
               (f"/api/v{_v}/participant-declarations/{{id}}", "declarations-v1", "show")]
for _path, _name in (("participants/ecf", "participants-v3"), ("participants/ecf/transfers", "transfers"),
                     ("participant-declarations", "declarations-v3"), ("statements", "statements"),
                     ("partnerships/ecf", "partnerships"), ("delivery-partners", "delivery-partners"),
                     ("schools/ecf", "schools"), ("unfunded-mentors/ecf", "unfunded-mentors")):
    ROUTES.append((f"/api/v3/{_path}", _name, "list"))
    _show = "/api/v3/participants/ecf/{id}/transfers" if _name == "transfers" else f"/api/v3/{_path}/{{id}}"
    ROUTES.append((_show, _name, "show"))

_ERROR = {"type": "object", "required": ["errors"], "properties": {"errors": {"type": "array", "items": {
    "type": "object", "required": ["title", "detail"],
    "properties": {"title": {"type": "string"}, "detail": {"type": "string"}}}}}}
_SIMPLE_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
_RESOURCE = {"type": "object", "required": ["id", "type", "attributes"],
             "properties": {"id": {"type": "string"}, "type": {"type": "string"}, "attributes": {"type": "object"}}}
_JSON_API = "application/vnd.api+json"


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {_JSON_API: {"schema": schema}}}


def _parameters(endpoint: Endpoint, kind: str) -> list[dict]:
    parameters = []
    if kind == "show":
        parameters.append({"name": "id", "in": "path", "required": True, "schema": {"type": "string"}})
    if endpoint.filters:
        parameters.append({
            "name": "filter", "in": "query", "style": "deepObject", "explode": True,
            "description": "Filters (`filter[cohort]=2021,2022`, `filter[updated_since]=2025-01-01T00:00:00Z`…)."
                           + (" `filter[cohort]` is required." if endpoint.name == "schools" else ""),
            "required": endpoint.name == "schools",
            "schema": {"type": "object", "properties": {name: {"type": "string"} for name in endpoint.filters},
                       **({"required": ["cohort"]} if endpoint.name == "schools" else {})}})
    if kind == "list":
        parameters.append({
            "name": "page", "in": "query", "style": "deepObject", "explode": True,
            "description": "`page[page]` (default 1) and `page[per_page]` (default 100, at most 3000). Walk the "
                           "pages until `data` is empty.",
            "schema": {"type": "object", "properties": {"page": {"type": "integer", "minimum": 1},
                                                        "per_page": {"type": "integer", "minimum": 1}}}})
        if endpoint.sort:
            parameters.append({"name": "sort", "in": "query", "schema": {"type": "string"},
                               "description": "Comma list of fields, `-` for descending: "
                                              + ", ".join(sorted(endpoint.sort)) + "."})
    return parameters


def _operation(path: str, name: str, kind: str) -> dict:
    endpoint = ENDPOINTS[name]
    if kind == "csv":
        ok = {"description": "The whole filtered list as CSV (no paging; empty body when there are no rows).",
              "content": {"text/csv": {"schema": {"type": "string"}}}}
    elif kind == "list":
        ok = _json({"type": "object", "required": ["data"],
                    "properties": {"data": {"type": "array", "items": _RESOURCE}}}, "A page of records.")
    else:
        ok = _json({"type": "object", "required": ["data"], "properties": {"data": _RESOURCE}}, "One record.")
    responses = {"200": ok,
                 "304": {"description": "Not modified (`If-None-Match` matched the ETag)."},
                 "400": _json(_ERROR, "A bad filter or page parameter (the live bodies)."),
                 "401": _json(_SIMPLE_ERROR, "Missing or unknown token: `{\"error\":\"HTTP Token: Access denied\"}`."),
                 "404": _json(_SIMPLE_ERROR, "`{\"error\":\"Resource not Found\"}`."),
                 "429": {"description": "Rate limit (per token): `Retry later`.",
                         "content": {"text/plain": {"schema": {"type": "string"}}}}}
    return {"operationId": f"{kind}_{path.strip('/').replace('/', '_').replace('{', '').replace('}', '')}",
            "summary": f"{endpoint.type} {kind}", "tags": [path.split("/")[2]],
            "parameters": _parameters(endpoint, kind), "responses": responses}


@cache
def openapi_document() -> dict:
    paths: dict[str, dict] = {}
    for path, name, kind in ROUTES:
        operation = _operation(path, name, kind)
        refused = {"description": "Writes are refused: submit them as request batches to the inbox.",
                   "content": {_JSON_API: {"schema": _ERROR}}}
        write = {"operationId": f"write_{operation['operationId']}", "summary": "Refused (read-only)",
                 "tags": operation["tags"],
                 "parameters": [p for p in operation["parameters"] if p["in"] == "path"],
                 "responses": {"405": refused, "401": operation["responses"]["401"]}}
        paths[path] = {"get": operation, **({"post": write} if kind != "csv" else {})}
    return {
        "openapi": "3.0.3",
        "info": {"title": "ECF lead provider API: read-only snapshots", "version": "1.0.0",
                 "description": "Every GET route of DfE's lead provider API v1, v2 and v3, answered from the "
                                "pipeline's published snapshot with the live service's bytes. See the README, "
                                "\"Serving the API\"."},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": paths,
    }
