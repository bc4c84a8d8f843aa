"""`ecf serve` over a small literal snapshot: bytes, errors, filters, order, paging, auth, headers.

The snapshot is written by the real store (`write_snapshot`) from hand-made resource sets, so each
test knows exactly which records exist and what their hidden keys are. The demo-built snapshot is
covered by test_api_snapshot.py (builder, isolation) and test_api_conformance.py (DfE's OpenAPI).
"""

from __future__ import annotations

import gzip
import os
import time
from datetime import datetime, timezone

import orjson
import pytest
from starlette.testclient import TestClient

from api_export.server import RateLimit, create_app
from api_export.snapshot_records import ResourceSet
from api_export.timestamps import micros
from api_export.snapshot_store import write_snapshot
from api_export.tokens import issue_token, revoke_tokens

A, B = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
AS_OF = datetime(2025, 3, 1, 2, tzinfo=timezone.utc)


def t(day: int, second: int = 0, micro: int = 0) -> int:
    return micros(datetime(2025, 1, day, 0, 0, second, micro, tzinfo=timezone.utc))


def stamp(us: int) -> str:
    return datetime.fromtimestamp(us / 1e6, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _v1_participant(user: str, profile: str, kind: str, cohort: int, updated: int) -> dict:
    return {"id": user, "type": "participant", "attributes": {
        "email": f"{user[:4]}@example.com", "full_name": "Ann O'Neil", "mentor_id": None, "school_urn": "100001",
        "participant_type": kind, "cohort": str(cohort), "status": "active", "teacher_reference_number": None,
        "teacher_reference_number_validated": None, "eligible_for_funding": True, "pupil_premium_uplift": False,
        "sparsity_uplift": False, "training_status": "active", "training_record_id": profile,
        "schedule_identifier": "ecf-standard-september", "updated_at": stamp(updated)}}


def _declaration(declaration_id: str, user: str, updated: int) -> dict:
    return {"id": declaration_id, "type": "participant-declaration", "attributes": {
        "participant_id": user, "declaration_type": "started", "course_identifier": "ecf-induction",
        "declaration_date": "2025-01-01T00:00:00Z", "updated_at": stamp(updated), "state": "eligible",
        "has_passed": None}}


def _simple(record_id: str, kind: str, **attributes) -> dict:
    return {"id": record_id, "type": kind, "attributes": attributes}


def literal_sets() -> list[ResourceSet]:
    a = f"providers/{A}"
    v1 = ResourceSet(f"{a}/v1/participants-ecf", {"id": "str", "profile_id": "str", "is_ect": "bool", "cohort": "i32",
                                                   "rank": "i32", "created_us": "i64", "updated_us": "i64"},
                     csv_lines=[])
    # u1: one ECT profile with records in 2021 (older) and 2022 (latest); u2: ECT + mentor; u3: a 2020 record only
    v1.set_flat([(_v1_participant(user, profile, kind, cohort, updated),
                  {"id": user, "profile_id": profile, "is_ect": kind == "ect", "cohort": cohort, "rank": rank,
                   "created_us": created, "updated_us": updated})
                 for user, profile, kind, cohort, rank, created, updated in (
                     ("u1", "p1", "ect", 2021, 0, t(1), t(5)), ("u1", "p1", "ect", 2022, 1, t(1), t(5)),
                     ("u2", "p2", "ect", 2022, 0, t(2), t(3)), ("u2", "p3", "mentor", 2022, 0, t(2), t(3)),
                     ("u3", "p4", "ect", 2020, 0, t(3), t(9)))])
    declarations = ResourceSet(f"{a}/v1/participant-declarations",
                               {"id": "str", "participant_id": "str", "updated_us": "i64"}, csv_lines=[])
    declarations.set_flat([(_declaration(declaration_id, user, updated),
                            {"id": declaration_id, "participant_id": user, "updated_us": updated})
                           for declaration_id, user, updated in (("d1", "u1", t(4)), ("d2", "u2", t(4, 0, 500)),
                                                                 ("d3", "u1", t(6)))])
    v3_declarations = ResourceSet(f"{a}/v3/participant-declarations",
                                  {"id": "str", "participant_id": "str", "delivery_partner_id": "str", "cohort": "i32",
                                   "updated_us": "i64"})
    for declaration_id, user, cohort, updated in (("d1", "u1", 2021, t(4)), ("d2", "u2", 2019, t(4, 0, 500)),
                                                  ("d3", "u1", 2022, t(6))):
        v3_declarations.add(_declaration(declaration_id, user, updated), id=declaration_id, participant_id=user,
                            delivery_partner_id="dp1", cohort=cohort, updated_us=updated)
    v3_participants = ResourceSet(f"{a}/v3/participants-ecf", {
        "id": "str", "created_us": "i64", "updated_us": "i64", "full_name": "str", "email": "str",
        "enrolment_cohorts": "list[i32]", "enrolment_statuses": "list[str]", "from_ids": "list[str]"})
    for user, created, updated, name, cohorts, statuses, from_ids in (
            ("u1", t(1), t(5), "Zed", [2022], ["active"], []),
            ("u2", t(2), t(3), "Amy", [2022, 2023], ["deferred", "active"], ["old-u2"]),
            ("u3", t(3), t(9), "Bob", [2020], ["withdrawn"], [])):
        v3_participants.add(_simple(user, "participant", full_name=name), id=user, created_us=created,
                            updated_us=updated, full_name=name, email=f"{user}@x", enrolment_cohorts=cohorts,
                            enrolment_statuses=statuses, from_ids=from_ids)
    statements = ResourceSet(f"{a}/v3/statements", {"id": "str", "cohort": "i32", "output_fee": "bool",
                                                    "updated_us": "i64"})
    for statement_id, cohort, output_fee in (("s1", 2021, True), ("s2", 2021, False), ("s3", 2020, True)):
        statements.add(_simple(statement_id, "statement", cohort=str(cohort)), id=statement_id, cohort=cohort,
                       output_fee=output_fee, updated_us=t(2))
    schools = ResourceSet("shared/v3/schools-ecf/cohort=2021", {"id": "str", "urn": "str", "name": "str",
                                                                "created_us": "i64", "updated_us": "i64",
                                                                "sort_updated_us": "i64"})
    schools.add(_simple("sc1", "school", name="St Mary & St John <Primary>\u2028", urn="100001", cohort="2021"),
                id="sc1", urn="100001", name="St Mary", created_us=t(1), updated_us=t(8), sort_updated_us=t(2))
    schools.add(_simple("sc2", "school", name="Édith's School", urn="100002", cohort="2021"),
                id="sc2", urn="100002", name="Edith", created_us=t(2), updated_us=t(3), sort_updated_us=t(3))
    partners = ResourceSet(f"{a}/v3/delivery-partners", {"id": "str", "name": "str", "cohorts": "list[i32]",
                                                         "created_us": "i64", "updated_us": "i64"})
    partners.add(_simple("dp1", "delivery-partner", name="Old"), id="dp1", name="Old", cohorts=[2020],
                 created_us=t(1), updated_us=t(1))
    partners.add(_simple("dp2", "delivery-partner", name="New"), id="dp2", name="New", cohorts=[2021, 2023],
                 created_us=t(2), updated_us=t(2))
    b_statements = ResourceSet(f"providers/{B}/v3/statements", {"id": "str", "cohort": "i32", "output_fee": "bool",
                                                                 "updated_us": "i64"})
    b_statements.add(_simple("sb", "statement", cohort="2021"), id="sb", cohort=2021, output_fee=True, updated_us=t(1))
    return [v1, declarations, v3_declarations, v3_participants, statements, schools, partners, b_statements]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("served") / "home"
    write_snapshot(root / "snapshots", "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    token_a = issue_token(root / "tokens", A, "alder", AS_OF).token
    token_b = issue_token(root / "tokens", B, "birch", AS_OF).token
    return root, TestClient(create_app(root, rate=None)), token_a, token_b


def literal_home(tmp_path, metadata: dict | None = None, aged: bool = False):
    """A home of its own with the literal snapshot and one token of provider A: (root, token). `aged`: the
    tokens folder dated back, so a server trusts its in-memory copy of the tokens (`TokenBook`)."""
    root = tmp_path / "home"
    write_snapshot(root / "snapshots", "2025-03-01T020000Z", AS_OF, literal_sets(), metadata or {"feature_flags": {}})
    token = issue_token(root / "tokens", A, "alder", AS_OF).token
    if aged:
        old = time.time() - 60
        os.utime(root / "tokens", (old, old))
    return root, token


def get(served, url: str, token: str | None = "a", **headers):
    root, client, token_a, token_b = served
    if token:
        headers["Authorization"] = f"Bearer {token_a if token == 'a' else token_b if token == 'b' else token}"
    return client.get(url, headers=headers)


def ids(response) -> list[str]:
    return [record["id"] for record in orjson.loads(response.content)["data"]]


# ------------------------------------------------------------------------------------------------- bytes
def test_list_envelope_is_the_stored_bytes_joined(served):
    response = get(served, "/api/v3/schools/ecf?filter[cohort]=2021")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.api+json"
    stored = (served[0] / "snapshots/current/shared/v3/schools-ecf/cohort=2021/records-00000.ndjson").read_bytes()
    assert response.content == b'{"data":[' + b",".join(stored.splitlines()) + b"]}"
    # escaped as ActiveSupport does: &<> and U+2028 as \\u escapes, other non-ASCII raw
    assert b"St Mary \\u0026 St John \\u003cPrimary\\u003e\\u2028" in response.content
    assert "Édith's School".encode() in response.content


def test_show_envelope_and_404_bytes(served):
    response = get(served, "/api/v3/statements/s2")  # a non-output statement: show finds it, the list does not
    assert response.content == b'{"data":{"id":"s2","type":"statement","attributes":{"cohort":"2021"}}}'
    missing = get(served, "/api/v3/statements/nope")
    assert (missing.status_code, missing.content) == (404, b'{"error":"Resource not Found"}')
    assert missing.headers["content-type"] == "application/vnd.api+json"


def test_empty_list_past_the_end_and_for_a_provider_without_data(served):
    assert get(served, "/api/v3/statements?page[page]=9").content == b'{"data":[]}'
    assert get(served, "/api/v3/unfunded-mentors/ecf").content == b'{"data":[]}'
    assert get(served, "/api/v1/participants/ecf.csv", token="b").content == b""


# ------------------------------------------------------------------------------------------------- auth
def test_missing_and_unknown_tokens_get_401(served):
    for token in (None, "not-a-token"):
        response = get(served, "/api/v3/statements", token=token)
        assert response.status_code == 401
        assert response.content == b'{"error":"HTTP Token: Access denied"}'
        assert response.headers["www-authenticate"] == 'Token realm="Application"'
    # auth comes before the filter checks
    assert get(served, "/api/v3/statements?filter=x", token=None).status_code == 401


def test_provider_isolation(served):
    assert ids(get(served, "/api/v3/statements", token="b")) == ["sb"]
    assert get(served, "/api/v3/statements/s1", token="b").status_code == 404
    assert get(served, "/api/v3/statements/sb", token="a").status_code == 404
    # schools are shared by every provider
    assert ids(get(served, "/api/v3/schools/ecf?filter[cohort]=2021", token="b")) == ["sc1", "sc2"]


def test_revoked_token_is_refused_at_once(served):
    root, client, _, _ = served
    token = issue_token(root / "tokens", A, "alder", AS_OF).token
    assert get(served, "/api/v3/statements", token=token).status_code == 200
    assert revoke_tokens(root / "tokens", token=token)
    assert get(served, "/api/v3/statements", token=token).status_code == 401


def test_tokens_are_stored_only_as_digests(served):
    root, _, token_a, _ = served
    stored = b"".join(p.read_bytes() for p in (root / "tokens").iterdir()) + b"".join(
        p.name.encode() for p in (root / "tokens").iterdir())
    assert token_a.encode() not in stored
    snapshot_bytes = b"".join(p.read_bytes() for p in (root / "snapshots").rglob("*") if p.is_file())
    assert token_a.encode() not in snapshot_bytes


# ------------------------------------------------------------------------------------------------- errors
@pytest.mark.parametrize("url, body", [
    ("/api/v3/statements?filter=x", b'{"errors":[{"title":"Bad parameter","detail":"Filter must be a hash"}]}'),
    ("/api/v3/schools/ecf", b'{"errors":[{"title":"Bad parameter","detail":"The filter \'#/cohort\' must be '
                            b'included in your request"}]}'),
    ("/api/v3/schools/ecf/sc1", b'{"errors":[{"title":"Bad parameter","detail":"The filter \'#/cohort\' must be '
                                b'included in your request"}]}'),
    ("/api/v3/statements?filter[updated_since]=2025-01-01",
     b'{"errors":[{"title":"Bad request","detail":"The filter \'#/updated_since\' must be a valid RCF3339 date"}]}'),
    ("/api/v3/participants/ecf?filter[training_status]=paused",
     b'{"errors":[{"title":"Bad request","detail":"The filter \'#/training_status\' must be '
     b'[\\"active\\", \\"deferred\\", \\"withdrawn\\"]"}]}'),
    ("/api/v3/statements?page[per_page]=0",
     b'{"errors":[{"title":"Bad request","detail":"The \'#/page[page]\' and \'#/page[per_page]\' parameter values '
     b'must be a valid number (equal and more than 1)"}]}'),
    ("/api/v3/unknown", b'{"error":"Resource not Found"}'),
    ("/api/v4/statements", b'{"error":"Resource not Found"}'),
])
def test_error_bodies(served, url, body):
    response = get(served, url)
    assert response.content == body
    assert response.status_code == (404 if b"not Found" in body else 400)
    assert response.headers["content-type"] == "application/vnd.api+json"


def test_filter_checks_come_before_pagination(served):
    response = get(served, "/api/v3/statements?filter[updated_since]=bad&page[page]=0")
    assert b"updated_since" in response.content


def test_writes_are_refused_with_a_pointer_to_the_inbox(served):
    root, client, token_a, _ = served
    response = client.post("/api/v3/participant-declarations", headers={"Authorization": f"Bearer {token_a}"},
                           content=b'{"data":{}}')
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert b"inbox/providers/<lead-provider-slug>/" in response.content
    assert client.put("/api/v3/participants/ecf/u1/withdraw").status_code == 401  # auth still first


# ------------------------------------------------------------------------------------------------- filters
def test_v1_participants_cohort_filter_before_latest(served):
    default = orjson.loads(get(served, "/api/v1/participants/ecf").content)["data"]
    # default cohorts > 2020: u1 under its latest (2022) variant, u2 twice (ECT then mentor), u3 (2020) hidden
    assert [(r["id"], r["attributes"]["cohort"]) for r in default] == [("u1", "2022"), ("u2", "2022"), ("u2", "2022")]
    old = orjson.loads(get(served, "/api/v1/participants/ecf?filter[cohort]=2021").content)["data"]
    assert [(r["id"], r["attributes"]["cohort"]) for r in old] == [("u1", "2021")]
    both = orjson.loads(get(served, "/api/v1/participants/ecf?filter[cohort]=2020,2021").content)["data"]
    assert [(r["id"], r["attributes"]["cohort"]) for r in both] == [("u1", "2021"), ("u3", "2020")]
    # show picks the ECT entry; v2 has the same bytes as v1
    show = get(served, "/api/v1/participants/ecf/u2")
    assert orjson.loads(show.content)["data"]["attributes"]["participant_type"] == "ect"


def test_v1_participants_updated_since_is_inclusive_and_switches_order(served):
    assert ids(get(served, f"/api/v1/participants/ecf?filter[updated_since]={stamp(t(3))}")) == ["u2", "u2", "u1"]
    assert ids(get(served, f"/api/v1/participants/ecf?filter[updated_since]={stamp(t(4))}")) == ["u1"]


def test_v1_declarations_updated_since_is_strict_and_microsecond_precise(served):
    # d2 was updated half a millisecond after d1; the serialized second is the same
    assert ids(get(served, f"/api/v1/participant-declarations?filter[updated_since]={stamp(t(4))}")) == ["d2", "d3"]
    assert ids(get(served, "/api/v1/participant-declarations?filter[participant_id]=u1")) == ["d1", "d3"]
    assert ids(get(served, "/api/v1/participant-declarations?filter[participant_id]=u1,u2")) == []
    assert get(served, "/api/v1/participant-declarations/d2?filter[participant_id]=u1").status_code == 404


def test_v3_declarations_filters(served):
    assert ids(get(served, f"/api/v3/participant-declarations?filter[updated_since]={stamp(t(4))}")) == [
        "d1", "d2", "d3"]  # >= in v3
    assert ids(get(served, "/api/v3/participant-declarations")) == ["d1", "d2", "d3"]  # no cohort default (2019 kept)
    assert ids(get(served, "/api/v3/participant-declarations?filter[cohort]=2019,2022")) == ["d2", "d3"]
    assert ids(get(served, "/api/v3/participant-declarations?filter[participant_id]=u2,u1")) == ["d1", "d2", "d3"]
    assert ids(get(served, "/api/v3/participant-declarations?filter[delivery_partner_id]=dp9")) == []
    assert ids(get(served, "/api/v3/participant-declarations?filter[cohort]=abc")) == []


def test_v3_participants_filters_and_sort(served):
    assert ids(get(served, "/api/v3/participants/ecf")) == ["u1", "u2"]
    assert ids(get(served, "/api/v3/participants/ecf?filter[cohort]=2020")) == ["u3"]
    assert ids(get(served, "/api/v3/participants/ecf?filter[training_status]=deferred")) == ["u2"]
    assert ids(get(served, "/api/v3/participants/ecf?filter[cohort]=2023&filter[training_status]=deferred")) == []
    assert ids(get(served, "/api/v3/participants/ecf?filter[from_participant_id]=old-u2")) == ["u2"]
    assert ids(get(served, f"/api/v3/participants/ecf?filter[updated_since]={stamp(t(4))}")) == ["u1"]
    assert ids(get(served, "/api/v3/participants/ecf?sort=-updated_at")) == ["u1", "u2"]
    assert ids(get(served, "/api/v3/participants/ecf?sort=full_name")) == ["u2", "u1"]
    assert ids(get(served, "/api/v3/participants/ecf?sort=-nonsense")) == ["u1", "u2"]  # unknown fields dropped


def test_statements_scope_and_type(served):
    assert ids(get(served, "/api/v3/statements")) == ["s1"]  # output fee, cohort > 2020
    assert ids(get(served, "/api/v3/statements?filter[cohort]=2020,2021")) == ["s1", "s3"]
    assert ids(get(served, "/api/v3/statements?filter[type]=npq")) == []
    assert ids(get(served, "/api/v3/statements?filter[type]=ecf")) == ["s1"]


def test_schools_filters_and_sort(served):
    assert ids(get(served, "/api/v3/schools/ecf?filter[cohort]=2021&filter[urn]=100002")) == ["sc2"]
    assert ids(get(served, "/api/v3/schools/ecf?filter[cohort]=2021&sort=-updated_at")) == ["sc2", "sc1"]
    assert ids(get(served, f"/api/v3/schools/ecf?filter[cohort]=2021&filter[updated_since]={stamp(t(5))}")) == ["sc1"]
    assert get(served, "/api/v3/schools/ecf?filter[cohort]=2030").content == b'{"data":[]}'
    assert get(served, "/api/v3/schools/ecf/sc1?filter[cohort]=2021").status_code == 200
    assert get(served, "/api/v3/schools/ecf/sc1?filter[cohort]=2030").status_code == 404


def test_delivery_partners_cohorts(served):
    assert ids(get(served, "/api/v3/delivery-partners")) == ["dp2"]
    assert ids(get(served, "/api/v3/delivery-partners?filter[cohort]=2020")) == ["dp1"]
    assert get(served, "/api/v3/delivery-partners/dp1").status_code == 200  # show: any cohort


def test_paging(served):
    assert ids(get(served, "/api/v3/participant-declarations?page[per_page]=2")) == ["d1", "d2"]
    assert ids(get(served, "/api/v3/participant-declarations?page[per_page]=2&page[page]=2")) == ["d3"]
    assert ids(get(served, "/api/v3/participant-declarations?page[per_page]=2abc&page[page]=3")) == []
    assert ids(get(served, "/api/v3/participant-declarations?page[per_page]=99999")) == ["d1", "d2", "d3"]
    assert get(served, "/api/v3/participant-declarations?page=2").status_code == 400  # live: 500 (README)


# ------------------------------------------------------------------------------------------------- CSV
def test_csv_bodies(served):
    response = get(served, "/api/v1/participant-declarations.csv?filter[participant_id]=u1&page[per_page]=1")
    assert response.headers["content-type"] == "text/csv"
    lines = response.content.decode().splitlines()
    assert lines[0] == ("id,participant_id,declaration_type,course_identifier,declaration_date,updated_at,state,"
                        "has_passed")
    assert [line.split(",")[0] for line in lines[1:]] == ["d1", "d3"]  # not paginated
    assert lines[1].endswith(',eligible,""')
    alias = get(served, "/api/v1/participants.csv")
    assert alias.content == get(served, "/api/v1/participants/ecf.csv").content
    assert alias.content.count(b"\n") == 4  # header + the three default entries
    assert get(served, "/api/v3/statements.csv").status_code == 404


# ------------------------------------------------------------------------------------------------- HTTP
def test_etag_gzip_and_head(served):
    first = get(served, "/api/v3/participant-declarations")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "max-age=0, private, must-revalidate"
    again = get(served, "/api/v3/participant-declarations", **{"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    root, client, token_a, _ = served
    big = client.get("/api/v1/participants/ecf.csv", headers={"Authorization": f"Bearer {token_a}",
                                                              "Accept-Encoding": "gzip"})
    assert big.status_code == 200
    head = client.head("/api/v3/statements", headers={"Authorization": f"Bearer {token_a}"})
    assert head.status_code == 200 and head.content == b""


def test_gzip_when_asked(served):
    root, client, token_a, _ = served
    raw = client.get("/api/v1/participants/ecf", headers={"Authorization": f"Bearer {token_a}",
                                                          "Accept-Encoding": "gzip"})
    assert raw.headers.get("content-encoding") == "gzip"
    assert orjson.loads(raw.content)["data"]  # the test client decoded it
    assert gzip.decompress(gzip.compress(raw.content)) == raw.content


def test_root_describes_the_server_without_a_token(served):
    root, client, _, _ = served
    body = orjson.loads(client.get("/").content)
    assert body["snapshot_id"] == "2025-03-01T020000Z" and body["versions"] == ["v1", "v2", "v3"]
    document = orjson.loads(client.get("/openapi.json").content)
    assert "/api/v3/participants/ecf/transfers" in document["paths"]


def test_rate_limit_per_token(tmp_path):
    root, token = literal_home(tmp_path)
    client = TestClient(create_app(root, rate=RateLimit(limit=3, period=300)))
    statuses = [client.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"})
    assert (limited.content, limited.headers["content-type"]) == (b"Retry later\n", "text/plain")
    other = issue_token(root / "tokens", A, "alder", AS_OF).token
    assert client.get("/api/v3/statements", headers={"Authorization": f"Bearer {other}"}).status_code == 200


@pytest.mark.parametrize("path", [
    "/api/v3/statements/..%2F..%2Fmanifest.json", "/api/v3/statements/../../tokens",
    "/api/v3/schools/ecf?filter[cohort]=../../../../etc", "/api/v3/schools/ecf?filter[cohort]=2021/../2021",
    "/api/v3/participants/ecf/%00", "/api/v3/statements?filter[cohort][]=2021", "/api/v3/statements?filter[]=x",
    "/api/v3/statements?sort[]=x&page[page][x]=1", "/api/v3/participants/ecf?filter[training_status][]=active",
    "/api/v3/statements?filter[updated_since][]=x", "/etc/passwd", "/api/v3//statements", "/api/",
])
def test_odd_paths_and_queries_never_read_outside_or_fail(served, path):
    response = get(served, path)
    assert response.status_code in (200, 400, 404)
    assert b"tokens" not in response.content and b"sha256" not in response.content


def test_a_retired_version_answers_404(tmp_path):
    """README "Versioning": a snapshot whose manifest no longer lists v2 answers /api/v2 with the 404."""
    root, token = literal_home(tmp_path, {"feature_flags": {}, "served_versions": ["v1", "v3"]})
    client = TestClient(create_app(root, rate=None))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/participants/ecf", headers=headers).status_code == 200
    retired = client.get("/api/v2/participants/ecf", headers=headers)
    assert (retired.status_code, retired.content) == (404, b'{"error":"Resource not Found"}')


def test_chunked_records_serve_the_same_bytes(served, tmp_path, monkeypatch):
    """With two records a chunk file, every list, show and CSV answer is the same as with one chunk."""
    import api_export.snapshot_store as store

    monkeypatch.setattr(store, "CHUNK_RECORDS", 2)
    root = tmp_path / "home"
    manifest = write_snapshot(root / "snapshots", "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    assert manifest["sets"][f"providers/{A}/v1/participants-ecf"]["chunks"] == 3
    token = issue_token(root / "tokens", A, "alder", AS_OF).token
    chunked = TestClient(create_app(root, rate=None))
    for url in ("/api/v1/participants/ecf", "/api/v1/participants/ecf.csv", "/api/v1/participant-declarations.csv",
                "/api/v3/participant-declarations?page[per_page]=2&page[page]=2", "/api/v3/participants/ecf/u2",
                "/api/v1/participants/ecf?filter[cohort]=2020,2021", "/api/v3/participant-declarations/d3"):
        expected = get(served, url)
        got = chunked.get(url, headers={"Authorization": f"Bearer {token}"})
        assert (got.status_code, got.content) == (expected.status_code, expected.content), url


def test_etags_differ_by_provider_and_query(served):
    url = "/api/v3/statements"
    tags = {get(served, url, token="a").headers["etag"], get(served, url, token="b").headers["etag"],
            get(served, url + "?filter[cohort]=2020", token="a").headers["etag"]}
    assert len(tags) == 3
    assert get(served, url, token="a").headers["etag"] == get(served, url, token="a").headers["etag"]


# ------------------------------------------------------------------------------------------------- replayed answers
def test_replayed_answers_are_the_first_answers(tmp_path):
    root, token = literal_home(tmp_path, aged=True)
    cached = TestClient(create_app(root, rate=None))
    uncached = TestClient(create_app(root, rate=None, response_cache_mb=0))
    for url in ("/api/v3/participant-declarations?page[per_page]=2", "/api/v1/participants/ecf.csv",
                "/api/v3/statements/s2", "/api/v3/statements/nope", "/api/v3/statements?filter=x"):
        for encoding in ("gzip", "identity"):
            headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": encoding}
            answers = [client.get(url, headers=headers) for client in (cached, cached, uncached)]
            assert len({(a.status_code, a.content, tuple(sorted(a.headers.items()))) for a in answers}) == 1, url
    kept = cached.app.read_api.responses.entries  # the 200s only: three URLs, each plain and gzipped
    assert len(kept) == 6 and {key[3] for key in kept} == {
        "/api/v3/participant-declarations", "/api/v1/participants/ecf.csv", "/api/v3/statements/s2"}
    head = cached.head("/api/v3/statements", headers={"Authorization": f"Bearer {token}"})
    assert head.content == b"" and head.headers["content-length"] == str(len(
        cached.get("/api/v3/statements", headers={"Authorization": f"Bearer {token}"}).content))


def test_replayed_answers_follow_current_and_revocation(tmp_path):
    root, token = literal_home(tmp_path, aged=True)
    client = TestClient(create_app(root, rate=None))
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v3/statements", headers=headers).headers["x-snapshot-id"] == "2025-03-01T020000Z"
    later = datetime(2025, 4, 1, 2, tzinfo=timezone.utc)
    write_snapshot(root / "snapshots", "2025-04-01T020000Z", later, literal_sets(), {"feature_flags": {}})
    assert client.get("/api/v3/statements", headers=headers).headers["x-snapshot-id"] == "2025-04-01T020000Z"
    assert revoke_tokens(root / "tokens", token=token)
    assert client.get("/api/v3/statements", headers=headers).status_code == 401  # just changed: read from disk
    old = time.time() - 30  # date the folder back again: the server re-reads it (its mtime moved)
    os.utime(root / "tokens", (old, old))
    assert client.get("/api/v3/statements", headers=headers).status_code == 401  # the folder re-read


def test_response_cache_budget():
    from api_export.response_cache import ResponseCache

    def answer(status: int, body: bytes, more: bool = False) -> list[dict]:
        return [{"type": "http.response.start", "status": status, "headers": [(b"content-type", b"x")]},
                {"type": "http.response.body", "body": body, "more_body": more}]

    cache = ResponseCache(max_bytes=250, max_entry=150)
    cache.put(("a",), answer(200, b"a" * 100))
    cache.put(("b",), answer(200, b"b" * 100))
    assert cache.get(("a",)).body["body"] == b"a" * 100  # now the most recent
    cache.put(("c",), answer(200, b"c" * 100))  # over the budget: the least recent ("b") goes
    assert cache.get(("b",)) is None and cache.get(("a",)) and cache.get(("c",))
    assert cache.used == sum(entry.size for entry in cache.entries.values()) <= 250
    for key, messages in ((("big",), answer(200, b"x" * 200)), (("404",), answer(404, b"no")),
                          (("streamed",), answer(200, b"part", more=True))):
        cache.put(key, messages)
        assert cache.get(key) is None
