"""`ecf serve`: the read-only lead-provider API over a published snapshot (`api.md` §2, §8.4).

A thin ASGI app (Starlette). Per request: rate limit (per `Authorization` value), route, bearer token →
one lead provider (401 otherwise), the live filter checks (400), then the records of the provider's
resource set chosen by `endpoints` and glued into the live envelope from their stored bytes — never
re-serialized. Writes get a documented 405 that points to the batch inbox.

Headers as the live service: `application/vnd.api+json` without charset (`text/csv` for CSV), a weak
ETag of the body with `If-None-Match` → 304, `Cache-Control: max-age=0, private, must-revalidate`,
`Content-Security-Policy: default-src 'none'`, gzip on request; plus `X-Snapshot-Id`.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import orjson
import polars as pl
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response

from api_export.endpoints import ENDPOINTS, Endpoint, check_filters, select_list, select_show
from api_export.openapi_doc import openapi_document
from api_export.query_params import BadQuery, pagination, parse_query
from api_export.response_cache import ResponseCache
from api_export.snapshot_reader import Snapshot, SnapshotCatalog
from api_export.snapshot_store import SnapshotError
from api_export.tokens import TokenBook

__all__ = ["create_app", "RateLimit", "JSON_API", "WRITE_REFUSED"]

log = logging.getLogger("ecf.serve")

JSON_API = "application/vnd.api+json"
NOT_FOUND = b'{"error":"Resource not Found"}'
UNAUTHORISED = b'{"error":"HTTP Token: Access denied"}'
SERVER_ERROR = b'{"error":"Internal server error"}'
WRITE_REFUSED = orjson.dumps({"errors": [{
    "title": "Read-only snapshot",
    "detail": "This server publishes read-only snapshots of the lead provider API and accepts only GET "
              "requests. Submit declarations, voids, participant actions and partnerships as request batches "
              "(JSON Lines) in the inbox folder inbox/providers/<lead-provider-slug>/ of the pipeline; each "
              "request gets a receipt with the live API's answer after the next cycle."}]})
ALLOWED_METHODS = "GET, HEAD"


@dataclass(frozen=True)
class RateLimit:
    """rack-attack's throttle: at most `limit` requests per `period` seconds per `Authorization` value, in
    fixed windows; requests without the header are not counted (as live)."""
    limit: int = 1000
    period: int = 300


class _Throttle:
    def __init__(self, rate: RateLimit | None):
        self.rate = rate
        self.counts: dict[tuple[str, int], int] = {}
        self.lock = threading.Lock()

    def allow(self, key: str | None) -> bool:
        if self.rate is None or not key:
            return True
        window = int(time.time()) // self.rate.period
        with self.lock:
            if len(self.counts) > 100_000:
                self.counts = {k: v for k, v in self.counts.items() if k[1] == window}
            count = self.counts.get((key, window), 0) + 1
            self.counts[(key, window)] = count
        return count <= self.rate.limit


@dataclass(frozen=True)
class RouteMatch:
    """What a path names: the endpoint, the API version, the id of a show request, the `.csv` form."""
    endpoint: Endpoint
    version: int
    record_id: str | None
    csv: bool


def _strip_format(segments: list[str]) -> tuple[list[str], str | None]:
    last = segments[-1]
    for suffix in (".csv", ".json"):
        if last.endswith(suffix) and len(last) > len(suffix):
            return [*segments[:-1], last[:-len(suffix)]], suffix[1:]
    return segments, None


def route(path: str) -> RouteMatch | None:
    """The endpoint a path names (ECF1's `config/routes.rb`), or None (the JSON 404)."""
    if not path.startswith("/api/"):
        return None
    segments = path[len("/api/"):].split("/")
    if segments and segments[-1] == "" and len(segments) > 1:
        segments = segments[:-1]  # a trailing slash names the same route
    if len(segments) < 2 or "" in segments or segments[0] not in ("v1", "v2", "v3"):
        return None
    version = int(segments[0][1])
    rest, fmt = _strip_format(segments[1:])
    csv = fmt == "csv"
    found = _route_v12(rest) if version < 3 else _route_v3(rest)
    if found is None:
        return None
    endpoint, record_id = found
    if csv and (not endpoint.csv or record_id is not None):
        return None
    return RouteMatch(endpoint, version, record_id, csv)


def _route_v12(rest: list[str]) -> tuple[Endpoint, str | None] | None:
    participants, declarations = ENDPOINTS["participants-v1"], ENDPOINTS["declarations-v1"]
    match rest:
        case ["participants", "ecf"] | ["participants"]:
            return participants, None
        case ["participants", "ecf", record_id]:
            return participants, record_id
        case ["participant-declarations"]:
            return declarations, None
        case ["participant-declarations", record_id]:
            return declarations, record_id
    return None


_V3_COLLECTIONS = {("participant-declarations",): "declarations-v3", ("statements",): "statements",
                   ("partnerships", "ecf"): "partnerships", ("delivery-partners",): "delivery-partners",
                   ("schools", "ecf"): "schools", ("unfunded-mentors", "ecf"): "unfunded-mentors",
                   ("participants", "ecf"): "participants-v3"}


def _route_v3(rest: list[str]) -> tuple[Endpoint, str | None] | None:
    if rest == ["participants", "ecf", "transfers"]:  # matched before participants/ecf/{id}
        return ENDPOINTS["transfers"], None
    if len(rest) == 4 and rest[:2] == ["participants", "ecf"] and rest[3] == "transfers":
        return ENDPOINTS["transfers"], rest[2]
    for size in (2, 1):
        name = _V3_COLLECTIONS.get(tuple(rest[:size]))
        if name is not None and len(rest) in (size, size + 1):
            return ENDPOINTS[name], (rest[size] if len(rest) == size + 1 else None)
    return None


def _bearer(header: str | None) -> str | None:
    """Rails' `authenticate_with_http_token`: `Bearer <token>` or `Token <token>` / `Token token="<token>"`."""
    if not header:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() not in ("bearer", "token"):
        return None
    value = value.strip()
    if value.startswith("token="):
        value = value[len("token="):].split(",", 1)[0].strip().strip('"')
    return value or None


def _set_path(provider_id: str, found: RouteMatch, params: dict) -> str | None:
    """The manifest path of the resource set a request reads (schools: the `filter[cohort]` year's)."""
    endpoint = found.endpoint
    if endpoint.name == "schools":
        filters = params.get("filter")
        cohort = filters.get("cohort") if isinstance(filters, dict) else None
        return f"shared/v3/schools-ecf/cohort={cohort}" if isinstance(cohort, str) else None
    return f"providers/{provider_id}/v{found.version}/{endpoint.folder}"


class _Selections:
    """The ordered rows of recent list queries. A snapshot never changes, so the answer to the same
    filters and sort is the same until `current` moves (the key holds the snapshot id); a client walking
    the pages of one query pays for the filtering once, then each page is a slice."""

    def __init__(self, size: int = 64):
        self.size = size
        self.entries: OrderedDict[tuple, pl.Series] = OrderedDict()
        self.lock = threading.Lock()

    def rows(self, key: tuple | None, select) -> pl.Series:
        if key is None:
            return select()
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
                return found
        rows = select()
        with self.lock:
            self.entries[key] = rows
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return rows


def _query_key(snapshot: Snapshot, set_path: str, endpoint: Endpoint, params: dict) -> tuple | None:
    """The cache key of a list query, or None when the query is odd (not plain strings) and not worth keeping."""
    filters, sort = params.get("filter", {}), params.get("sort")
    if not isinstance(filters, dict) or not all(isinstance(v, str) for v in filters.values()) \
            or not isinstance(sort, (str, type(None))):
        return None
    return snapshot.snapshot_id, set_path, endpoint.name, tuple(sorted(filters.items())), sort


class ReadApi:
    def __init__(self, home_root: Path, snapshot_id: str | None, rate: RateLimit | None, response_cache_mb: int):
        self.catalog = SnapshotCatalog(home_root / "snapshots", snapshot_id)
        self.tokens = TokenBook(home_root / "tokens")
        self.throttle = _Throttle(rate)
        self.selections = _Selections()
        self.responses = ResponseCache(response_cache_mb << 20) if response_cache_mb > 0 else None

    def answer_key(self, scope: dict) -> tuple[tuple | None, bool | None]:
        """For a GET or HEAD under `/api/`: the rate-limit verdict (the request is counted here, once) and,
        when the token is live and a snapshot is served, the key of its answer in `responses` (without an
        `If-None-Match`, whose 304 is not kept). Anything else: (None, None) — `respond` does it all."""
        path = scope["path"]
        if self.responses is None or scope["method"] not in ("GET", "HEAD") or not path.startswith("/api/"):
            return None, None
        authorization = accept = None
        for name, value in scope["headers"]:  # the first of each, as Starlette's `Headers.get`
            if name == b"authorization" and authorization is None:
                authorization = value.decode("latin-1")
            elif name == b"accept-encoding" and accept is None:
                accept = value.decode("latin-1")
            elif name == b"if-none-match":
                return None, None
        allowed = self.throttle.allow(authorization)
        provider_id = self.tokens.provider_of(_bearer(authorization)) if allowed else None
        if provider_id is None:
            return None, allowed
        try:
            snapshot_id = self.catalog.get().snapshot_id
        except SnapshotError:
            return None, allowed
        return (snapshot_id, provider_id, scope["method"], path, scope["query_string"], "gzip" in (accept or "")), \
            allowed

    def respond(self, request: Request, allowed: bool | None = None) -> Response:
        """The answer to one request; `allowed` is the rate limit's verdict when `answer_key` already counted it."""
        try:
            return self._respond(request, allowed)
        except SnapshotError as error:
            log.error("%s", error)
            return _response(503, orjson.dumps({"errors": [{"title": "No snapshot", "detail": str(error)}]}))
        except Exception:  # never a traceback to a client: the live 500 body, the details in the log
            log.exception("unexpected error answering %s %s", request.method, request.url.path)
            return _response(500, SERVER_ERROR)

    def _respond(self, request: Request, allowed: bool | None) -> Response:
        path = request.url.path
        if path == "/":
            snapshot = self.catalog.get()
            return _response(200, orjson.dumps({
                "service": "ECF lead provider API (read-only snapshot)", "snapshot_id": snapshot.snapshot_id,
                "as_of": snapshot.manifest["as_of"], "versions": snapshot.manifest["served_versions"],
                "openapi": "/openapi.json"}), "application/json")
        if path == "/openapi.json":
            return _response(200, orjson.dumps(openapi_document()), "application/json")
        authorization = request.headers.get("authorization")
        if path.startswith("/api/") and not (self.throttle.allow(authorization) if allowed is None else allowed):
            return _response(429, b"Retry later\n", "text/plain")
        write = request.method not in ("GET", "HEAD") and path.startswith(("/api/v1/", "/api/v2/", "/api/v3/"))
        found = route(path)
        if found is None and not write:
            return _response(404, NOT_FOUND)
        provider_id = self.tokens.provider_of(_bearer(authorization))
        if provider_id is None:
            return _response(401, UNAUTHORISED, headers={"WWW-Authenticate": 'Token realm="Application"'})
        if write:  # every write route of the live API (and any other path under it): the documented refusal
            return _response(405, WRITE_REFUSED, headers={"Allow": ALLOWED_METHODS})
        snapshot = self.catalog.get()
        if f"v{found.version}" not in snapshot.manifest["served_versions"]:
            return _response(404, NOT_FOUND, snapshot=snapshot)  # a retired version
        params = parse_query(request.url.query)
        try:
            body, media_type = self._body(snapshot, provider_id, found, params)
        except BadQuery as error:
            return _response(400, orjson.dumps({"errors": [{"title": error.title, "detail": error.detail}]}))
        if body is None:
            return _response(404, NOT_FOUND, snapshot=snapshot)
        return _cacheable(request, body, media_type, snapshot, provider_id)

    def _body(self, snapshot: Snapshot, provider_id: str, found: RouteMatch, params: dict) -> tuple[bytes | None, str]:
        endpoint = found.endpoint
        set_path = _set_path(provider_id, found, params)
        loaded = snapshot.resource_set(set_path) if set_path else None
        if loaded is None:  # nothing of this provider (or schools cohort) in the snapshot: still check the query
            check_filters(endpoint, params)
            if found.record_id is not None:
                return None, JSON_API
            if found.csv:
                return b"", "text/csv"
            pagination(params)
            return b'{"data":[]}', JSON_API
        if found.record_id is not None:
            row = select_show(endpoint, loaded.index, params, found.record_id)
            return (None if row is None else b'{"data":' + loaded.record(row) + b"}"), JSON_API
        rows = self.selections.rows(_query_key(snapshot, set_path, endpoint, params),
                                    lambda: select_list(endpoint, loaded.index, params))
        if found.csv:
            return loaded.csv_of(rows.to_list()), "text/csv"
        page, per_page = pagination(params)  # read after the filter checks (§8.4 step 3)
        start = (page - 1) * per_page  # any size: Ruby integers; past the end is an empty page
        chosen = rows.slice(start, per_page).to_list() if start < rows.len() else []
        return b'{"data":[' + b",".join(loaded.records_of(chosen)) + b"]}", JSON_API


def _response(status: int, body: bytes, media_type: str = JSON_API, headers: dict | None = None,
              snapshot: Snapshot | None = None) -> Response:
    response = Response(body, status, headers=headers, media_type=None)
    response.headers["content-type"] = media_type
    response.headers["content-security-policy"] = "default-src 'none'"
    if snapshot is not None:
        response.headers["x-snapshot-id"] = snapshot.snapshot_id
    return response


def _cacheable(request: Request, body: bytes, media_type: str, snapshot: Snapshot, provider_id: str) -> Response:
    """A 200 with a weak ETag, or the 304. The body is fixed by the snapshot, the provider, the path and the
    query (a snapshot never changes), so the ETag hashes those — not the body, which costs more per request."""
    identity = "\n".join((snapshot.snapshot_id, provider_id, request.url.path, request.url.query))
    etag = f'W/"{hashlib.sha256(identity.encode()).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": "max-age=0, private, must-revalidate"}
    wanted = request.headers.get("if-none-match", "")
    if etag in (tag.strip() for tag in wanted.split(",")) or wanted.strip() == "*":
        response = Response(b"", 304, headers=headers)
        response.headers["x-snapshot-id"] = snapshot.snapshot_id
        return response
    return _response(200, body, media_type, headers, snapshot)


def create_app(home_root: Path, snapshot_id: str | None = None, rate: RateLimit | None = RateLimit(),
               response_cache_mb: int = 128):
    """The ASGI app for `ecf serve` (and the tests, in-process). `rate=None` lifts the rate limit;
    `response_cache_mb=0` turns the cache of complete answers off.

    One handler answers every path and method (no router: a path the live routes do not know still
    gets the live JSON 404, whatever bytes it holds), wrapped in Starlette's gzip middleware. In front of
    it, a request whose complete answer is in `ReadApi.responses` gets those messages again."""
    api = ReadApi(home_root, snapshot_id, rate, response_cache_mb)

    async def app(scope, receive, send) -> None:
        key, allowed = api.answer_key(scope) if scope["type"] == "http" else (None, None)
        found = api.responses.get(key) if key is not None else None  # a key implies a cache
        if found is not None:
            await send(found.start)
            await send(found.body)
            return
        sent: list[dict] = []

        async def keep(message: dict) -> None:
            sent.append(message)
            await send(message)

        await gzip({**scope, "ecf.allowed": allowed}, receive, send if key is None else keep)
        if key is not None and sent and (b"x-snapshot-id", key[0].encode()) in sent[0].get("headers", ()):
            api.responses.put(key, sent)  # kept only under the snapshot it came from (`current` may just have moved)

    async def answer(scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        request = Request(scope, receive)
        response = api.respond(request, scope.get("ecf.allowed"))  # the rate limit's verdict, when already counted
        if request.method == "HEAD":
            response.body = b""  # the headers (Content-Length included) are the GET's
        await response(scope, receive, send)

    gzip = GZipMiddleware(answer, minimum_size=1000)
    app.read_api = api  # for tests and tools: the caches, the catalog
    return app
