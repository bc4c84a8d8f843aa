"""Routing of recorded write requests, body reading, the error envelope and the live JSON bytes."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import given, settings, strategies as st

from api_export.json_bytes import live_json
from pipelines.validate import envelope as env
from pipelines.validate.request_body import (
    DATA_NOT_AN_OBJECT, FILTER_NOT_A_HASH_RESPONSE, MISSING_DATA_RESPONSE, PERMITTED_ATTRIBUTES, ParsedBody,
    attributes, data_object, filter_error, is_blank, is_json_body, parse_body, read_request_attributes,
    request_gate)
from pipelines.validate.routes import (
    BAD_PATH_ENCODING, GET_RECEIPT, NOT_FOUND_RESPONSE, Route, route, split_target)

ID = "0b7f0c1e-6a2d-4c3b-9f1e-1234567890ab"
PARTICIPANT_ACTIONS = {
    "withdraw": "participant_withdraw",
    "defer": "participant_defer",
    "resume": "participant_resume",
    "change-schedule": "participant_change_schedule",
}

# ---------------------------------------------------------------------------------------------
# routes: every route × version × alias


def _write_routes():
    """(method, path, expected Route) for every write route the live service accepts."""
    cases = []
    for version in (1, 2, 3):
        base = f"/api/v{version}"
        cases.append(("POST", f"{base}/participant-declarations", Route("declaration_create", version, None)))
        cases.append(("PUT", f"{base}/participant-declarations/{ID}/void", Route("declaration_void", version, ID)))
        for segment, action in PARTICIPANT_ACTIONS.items():
            cases.append(("PUT", f"{base}/participants/ecf/{ID}/{segment}", Route(action, version, ID)))
            if version in (1, 2):
                cases.append(("PUT", f"{base}/participants/{ID}/{segment}", Route(action, version, ID)))
    cases.append(("POST", "/api/v3/partnerships/ecf", Route("partnership_create", 3, None)))
    cases.append(("PUT", f"/api/v3/partnerships/ecf/{ID}", Route("partnership_update", 3, ID)))
    cases.append(("PATCH", f"/api/v3/partnerships/ecf/{ID}", Route("partnership_update", 3, ID)))
    return cases


WRITE_ROUTES = _write_routes()


def test_route_table_has_every_write_route():
    # 3 versions × (create + void + 4 ecf actions) + v1/v2 × 4 aliases + partnership POST, PUT, PATCH
    assert len(WRITE_ROUTES) == 3 * 6 + 2 * 4 + 3
    assert {case[2].action for case in WRITE_ROUTES} == {
        "declaration_create", "declaration_void", "participant_withdraw", "participant_defer",
        "participant_resume", "participant_change_schedule", "partnership_create", "partnership_update"}


@pytest.mark.parametrize(("method", "path", "expected"), WRITE_ROUTES, ids=lambda v: str(v))
def test_every_write_route_is_recognised(method, path, expected):
    assert route(method, path) == expected


@pytest.mark.parametrize(("method", "path", "expected"), WRITE_ROUTES, ids=lambda v: str(v))
def test_trailing_slash_query_string_and_json_suffix_reach_the_same_action(method, path, expected):
    assert route(method, path + "/") == expected
    assert route(method, path + "?foo=bar&page[page]=2") == expected
    assert route(method, path + "/?x=1") == expected
    assert route(method, path + ".json") == expected
    assert route(method, path + ".json?x=1") == expected
    assert route(method, path.replace("/api/", "//api//") + "//") == expected
    assert route(method.lower(), path) == expected


@pytest.mark.parametrize("segment", sorted(PARTICIPANT_ACTIONS))
def test_v3_has_no_participants_alias_without_ecf(segment):
    assert route("PUT", f"/api/v3/participants/{ID}/{segment}") == NOT_FOUND_RESPONSE


@pytest.mark.parametrize("version", [1, 2])
def test_partnerships_are_v3_only(version):
    assert route("POST", f"/api/v{version}/partnerships/ecf") == NOT_FOUND_RESPONSE
    assert route("PUT", f"/api/v{version}/partnerships/ecf/{ID}") == NOT_FOUND_RESPONSE


@pytest.mark.parametrize("version", [1, 2, 3])
def test_patch_is_put_only_for_partnership_update(version):
    assert route("PATCH", f"/api/v{version}/participant-declarations/{ID}/void") == NOT_FOUND_RESPONSE
    for segment in PARTICIPANT_ACTIONS:
        assert route("PATCH", f"/api/v{version}/participants/ecf/{ID}/{segment}") == NOT_FOUND_RESPONSE
    assert route("PATCH", f"/api/v{version}/participant-declarations") == NOT_FOUND_RESPONSE


@pytest.mark.parametrize(("method", "path"), [
    ("PUT", "/api/v3/participant-declarations"),            # create is POST only
    ("POST", f"/api/v3/participant-declarations/{ID}/void"),  # void is PUT only
    ("DELETE", f"/api/v3/participant-declarations/{ID}"),
    ("POST", f"/api/v3/participants/ecf/{ID}/withdraw"),
    ("PUT", "/api/v3/partnerships/ecf"),
    ("POST", f"/api/v3/partnerships/ecf/{ID}"),
    ("PATCH", "/api/v3/partnerships/ecf"),
    ("OPTIONS", "/api/v3/participant-declarations"),
])
def test_known_path_with_a_method_its_route_does_not_take_is_404(method, path):
    assert route(method, path) == NOT_FOUND_RESPONSE


@pytest.mark.parametrize("path", [
    "/api/v4/participant-declarations",
    "/api/V3/participant-declarations",
    "/API/v3/participant-declarations",
    "/api/v3/Participant-Declarations",
    "/api/v3/participant_declarations",
    "/api/v3/participant%2Ddeclarations",
    "/api/v3",
    "/api",
    "/",
    "",
    "/v3/participant-declarations",
    "/api/v3/participant-declarations/extra",
    "/api/v3/npq-applications",
    "/api/v3/participant-declarations.csv",
    "/api/v3/participant-declarations.json.json",
    "/api/v3/participant-declarations.JSON",
    "/api/v3/participants/npq/x/withdraw",
    f"/api/v3/participant-declarations/{ID}.json/void",
    "/api/v3/participant-declarations/a.b/void",
    "/api/v3/partnerships/ecf/.json",
])
def test_unknown_routes_are_404_resource_not_found(path):
    response = route("POST", path)
    assert response == NOT_FOUND_RESPONSE
    response_put = route("PUT", path)
    assert response_put == NOT_FOUND_RESPONSE
    assert response.status == 404
    assert response.body_bytes() == b'{"error":"Resource not Found"}'


def test_unknown_route_body_is_the_live_404():
    assert route("PUT", "/nowhere").body == {"error": "Resource not Found"}
    assert env.NOT_FOUND == {"error": "Resource not Found"}


@pytest.mark.parametrize("method", ["GET", "get", "HEAD", "Head"])
@pytest.mark.parametrize("path", ["/api/v3/participant-declarations", f"/api/v3/partnerships/ecf/{ID}",
                                  "/api/v1/participants/ecf.csv", "/nowhere", ""])
def test_read_lines_get_the_documented_receipt(method, path):
    response = route(method, path)
    assert response is GET_RECEIPT
    assert response.status == 405
    assert response.body_bytes() == (
        b'{"errors":[{"title":"Method not allowed","detail":"Batches carry write requests only: '
        b'read the API with GET from `ecf serve`, or drop this line"}]}')


def test_route_ids_are_the_segment_as_sent_percent_decoded_and_not_validated():
    assert route("PUT", "/api/v3/participant-declarations/not-a-uuid/void") == Route(
        "declaration_void", 3, "not-a-uuid")
    assert route("PUT", "/api/v3/participant-declarations/ABC%20def/void") == Route(
        "declaration_void", 3, "ABC def")
    assert route("PUT", "/api/v3/participant-declarations/a%2Eb/void") == Route("declaration_void", 3, "a.b")
    # the segment after participants/ in v1 is an id (Rails has no literal there)
    assert route("PUT", "/api/v1/participants/ecf/withdraw") == Route("participant_withdraw", 1, "ecf")
    assert route("PUT", "/api/v3/participants/ecf/transfers/withdraw") == Route(
        "participant_withdraw", 3, "transfers")
    assert route("PUT", f"/api/v3/partnerships/ecf/{ID}.json") == Route("partnership_update", 3, ID)
    assert route("PUT", f"/api/v3/partnerships/ecf/{ID}.xml") == NOT_FOUND_RESPONSE


def test_an_id_that_is_not_utf8_once_decoded_is_400_empty():
    response = route("PUT", "/api/v3/participant-declarations/%FF%FE/void")
    assert response is BAD_PATH_ENCODING
    assert (response.status, response.body, response.body_bytes()) == (400, None, b"")


def test_absolute_url_fragment_and_missing_leading_slash():
    assert route("POST", "https://sb.example.org/api/v3/participant-declarations?x=1") == Route(
        "declaration_create", 3, None)
    assert route("POST", "api/v3/participant-declarations") == Route("declaration_create", 3, None)
    assert route("POST", "/api/v3/participant-declarations#top") == Route("declaration_create", 3, None)


def test_split_target():
    assert split_target("/api/v3/x?filter=a&b=c") == ("/api/v3/x", "filter=a&b=c")
    assert split_target("/api/v3/x") == ("/api/v3/x", "")
    assert split_target("http://h:3000/api/v3/x?q#f") == ("/api/v3/x", "q")


# ---------------------------------------------------------------------------------------------
# request bodies


def test_parse_body_json_value_and_raw_text():
    assert parse_body('{"data":{"a":1}}', False) == ParsedBody(True, {"data": {"a": 1}})
    assert parse_body('{"data":{"a":1}}', True) == ParsedBody(True, {"data": {"a": 1}})
    assert parse_body("not json {", True) == ParsedBody(False, None)
    assert parse_body("   ", True) == ParsedBody(False, None)
    assert parse_body('{"a": NaN}', True) == ParsedBody(False, None)
    assert parse_body("Infinity", True) == ParsedBody(False, None)
    assert parse_body(None, False) == ParsedBody(True, None)
    assert parse_body("", True) == ParsedBody(True, None)
    assert parse_body("null", False) == ParsedBody(True, None)
    assert parse_body("[1,2]", False) == ParsedBody(True, [1, 2])


def test_parse_body_applies_deep_munge_and_max_nesting():
    assert parse_body('{"data":{"x":[null,1,null]}}', True).value == {"data": {"x": [1]}}
    assert parse_body("[" * 100 + "]" * 100, True).is_json
    assert not parse_body("[" * 101 + "]" * 101, True).is_json
    assert not parse_body("[" * 5000 + "]" * 5000, True).is_json
    assert not parse_body('{"a":' * 101 + "1" + "}" * 101, True).is_json


# Bodies near every place the json module and orjson might part: constants, surrogates, huge numbers,
# trailing commas, BOMs, control characters, whitespace, and nesting around MAX_NESTING.
_JSON_PIECES = ["{", "}", "[", "]", ",", ":", '"a"', '"\\ud800"', '"\\u00e9"', "1", "-0", "1e400", "1.5e-3",
                "123456789012345678901234567890", "NaN", "Infinity", "-Infinity", "true", "null", " ", "\t", "\n",
                "\ufeff", "\x00", '"\x01"', "\u2028", "é", "01", ".5"]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_JSON_PIECES), max_size=14).map("".join)
       | st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                      lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                      max_leaves=8).map(lambda value: json.dumps(value))
       | st.integers(90, 110).flatmap(lambda depth: st.sampled_from(["[" * depth + "]" * depth,
                                                                     '{"a":' * depth + "1" + "}" * depth,
                                                                     "[" * depth + "1," + "]" * depth])))
def test_is_json_body_agrees_with_parse_body(body):
    """The validation report's shortcut says JSON exactly when the receipts' parser does."""
    assert is_json_body(body) == parse_body(body, True).is_json


@pytest.mark.parametrize("body", [
    "{}", '{"data":{}}', '{"data":null}', '{"data":""}', '{"data":"  "}', '{"data":[]}', '{"data":[null]}',
    '{"other":1}', "[]", "[1]", '"data"', "1", "null", '{"_json":{"data":{"a":1}}}',
])
def test_missing_or_empty_data_is_400_missing_data(body):
    response = data_object(parse_body(body, True))
    assert response is MISSING_DATA_RESPONSE
    assert response.status == 400
    assert response.body_bytes() == (
        b'{"errors":[{"title":"Bad request","detail":"correct json data structure required. '
        b'See API docs for reference"}]}')


def test_absent_body_and_not_json_body_get_missing_data():
    assert data_object(parse_body(None, False)) is MISSING_DATA_RESPONSE
    assert data_object(parse_body("", True)) is MISSING_DATA_RESPONSE
    # product.md §5: a body that is not JSON gets the 400 of a missing data object
    assert data_object(parse_body("data=1&x=2", True)) is MISSING_DATA_RESPONSE
    assert data_object(parse_body('{"data": {"attributes": {}', True)) is MISSING_DATA_RESPONSE


@pytest.mark.parametrize("body", ['{"data":"x"}', '{"data":[1]}', '{"data":[{"a":1}]}', '{"data":0}',
                                  '{"data":1.5}', '{"data":true}', '{"data":false}'])
def test_data_that_is_not_an_object_gets_a_clear_400_instead_of_the_live_500(body):
    response = data_object(parse_body(body, True))
    assert response is DATA_NOT_AN_OBJECT
    assert response.status == 400
    assert response.body == {"errors": [{"title": "Bad request",
                                         "detail": "The '#/data' value must be an object. See API docs for reference"}]}


def test_data_object_returns_the_data():
    data = data_object(parse_body('{"data":{"type":"x","attributes":{"a":1}}}', False))
    assert data == {"type": "x", "attributes": {"a": 1}}
    assert data_object(parse_body('{"data":{"type":null}}', False)) == {"type": None}


PERMITTED = ("participant_id", "declaration_type", "declaration_date", "course_identifier",
             "evidence_held", "has_passed")


def test_attributes_keep_permitted_scalars_as_sent():
    data = {"attributes": {"course_identifier": "ecf-induction", "participant_id": "p", "has_passed": True,
                           "evidence_held": None, "declaration_type": 7, "lead_provider_id": "x",
                           "declaration_date": 1.5}}
    assert attributes(data, PERMITTED) == {"participant_id": "p", "declaration_type": 7,
                                           "declaration_date": 1.5, "course_identifier": "ecf-induction",
                                           "evidence_held": None, "has_passed": True}
    assert list(attributes(data, PERMITTED)) == list(PERMITTED)  # the permit list's order


@pytest.mark.parametrize("raw", [None, "x", 1, True, [{"participant_id": "p"}], []])
def test_attributes_not_an_object_is_empty(raw):
    assert attributes({"attributes": raw}, PERMITTED) == {}


def test_attributes_missing_is_empty():
    assert attributes({"type": "participant-declaration"}, PERMITTED) == {}


def test_object_or_array_valued_attribute_is_dropped():
    data = {"attributes": {"participant_id": {"id": "p"}, "course_identifier": ["ecf-induction"],
                           "declaration_type": "started"}}
    assert attributes(data, PERMITTED) == {"declaration_type": "started"}


@pytest.mark.parametrize(("value", "blank"), [
    (None, True), (False, True), ("", True), ("   ", True), ("\t\n\u3000\xa0", True), ([], True), ({}, True),
    (True, False), (0, False), (0.0, False), ("x", False), (" x ", False), ([None], False), ({"a": 1}, False),
    ("\x1c", False),  # Python's isspace() says yes; Ruby's [[:space:]] says no
])
def test_is_blank_is_rails_blank(value, blank):
    assert is_blank(value) is blank


@pytest.mark.parametrize(("query", "body", "error"), [
    ("", "{}", False),
    ("filter=x", "{}", True),
    ("filter=", "{}", True),
    ("filter", "{}", False),                 # Rack: nil, then `||= {}`
    ("filter[cohort]=2024", "{}", False),
    ("filter%5Bcohort%5D=2024", "{}", False),
    ("filter[]=2024", "{}", True),
    ("a=1&filter=x", "{}", True),
    ("", '{"filter":"x","data":{}}', True),   # body keys are params too
    ("", '{"filter":[1]}', True),
    ("", '{"filter":{"a":1}}', False),
    ("", '{"filter":null}', False),
    ("", '{"filter":false}', False),
    ("filter[a]=1", '{"filter":"x"}', False),  # the query wins over the body
    ("", "not json", False),
])
def test_filter_must_be_a_hash(query, body, error):
    got = filter_error(query, parse_body(body, True))
    if error:
        assert got is FILTER_NOT_A_HASH_RESPONSE
        assert got.body_bytes() == b'{"errors":[{"title":"Bad parameter","detail":"Filter must be a hash"}]}'
    else:
        assert got is None


def test_every_body_reading_action_has_a_permit_list():
    assert set(PERMITTED_ATTRIBUTES) == {case[2].action for case in WRITE_ROUTES} - {"declaration_void"}
    assert PERMITTED_ATTRIBUTES["declaration_create"] == PERMITTED
    assert PERMITTED_ATTRIBUTES["participant_withdraw"] == ("reason", "course_identifier")
    assert PERMITTED_ATTRIBUTES["participant_resume"] == ("course_identifier",)
    assert PERMITTED_ATTRIBUTES["participant_change_schedule"] == (
        "schedule_identifier", "course_identifier", "cohort")
    assert PERMITTED_ATTRIBUTES["partnership_update"] == ("cohort", "school_id", "delivery_partner_id")


def test_read_request_attributes_per_action():
    body = ('{"data":{"type":"x","attributes":{"reason":"moved-school","course_identifier":"ecf-induction",'
            '"cohort":2024,"school_id":{"a":1},"delivery_partner_id":"dp","participant_id":"p"}}}')
    assert read_request_attributes("participant_withdraw", body, False) == {
        "reason": "moved-school", "course_identifier": "ecf-induction"}
    assert read_request_attributes("participant_resume", body, False) == {"course_identifier": "ecf-induction"}
    assert read_request_attributes("partnership_create", body, False) == {"cohort": 2024, "delivery_partner_id": "dp"}
    assert read_request_attributes("declaration_create", body, True) == {
        "participant_id": "p", "course_identifier": "ecf-induction"}
    assert read_request_attributes("declaration_create", "{}", False) is MISSING_DATA_RESPONSE
    assert read_request_attributes("partnership_update", '{"data":7}', False) is DATA_NOT_AN_OBJECT


def test_void_reads_no_data_but_a_non_json_body_or_bad_filter_still_answers():
    assert read_request_attributes("declaration_void", None, False) == {}
    assert read_request_attributes("declaration_void", "{}", False) == {}
    assert read_request_attributes("declaration_void", "not json", True) is MISSING_DATA_RESPONSE
    assert read_request_attributes("declaration_void", None, False,
                                   f"/api/v3/participant-declarations/{ID}/void?filter=x") is FILTER_NOT_A_HASH_RESPONSE


def test_request_gate_comes_before_everything():
    assert request_gate("{", True) is MISSING_DATA_RESPONSE
    assert request_gate("{}", False, "/api/v3/partnerships/ecf/x?filter=1") is FILTER_NOT_A_HASH_RESPONSE
    # not JSON wins over the filter check (Rails parses the body when the filter check reads params)
    assert request_gate("{", True, "/x?filter=1") is MISSING_DATA_RESPONSE
    assert request_gate("{}", False, "/x?filter[cohort]=2024") is None
    assert request_gate(None, False) is None


# ---------------------------------------------------------------------------------------------
# envelope


def test_error_collector_orders_titles_by_first_error_dedupes_and_joins():
    errors = env.ErrorCollector()
    assert not errors
    errors.add("declaration_type", "Enter a '#/declaration_type'.")
    errors.add("declaration_date", "first")
    errors.add("declaration_type", "The property '#/declaration_type' does not exist for this schedule.")
    errors.add("declaration_date", "first")
    errors.add("declaration_date", "second")
    assert errors
    assert "declaration_date" in errors and "cohort" not in errors
    assert errors.titles() == ("declaration_type", "declaration_date")
    assert errors.body() == {"errors": [
        {"title": "declaration_type",
         "detail": "Enter a '#/declaration_type'., The property '#/declaration_type' does not exist for this schedule."},
        {"title": "declaration_date", "detail": "first, second"},
    ]}
    response = errors.response()
    assert response.status == 422
    assert response.body_bytes() == (
        b'{"errors":[{"title":"declaration_type","detail":"Enter a \'#/declaration_type\'., The property '
        b'\'#/declaration_type\' does not exist for this schedule."},{"title":"declaration_date","detail":"first, second"}]}')


def test_error_collector_body_is_fresh_each_time():
    errors = env.ErrorCollector()
    errors.add("cohort", "x")
    first = errors.body()
    first["errors"].clear()
    assert errors.body() == {"errors": [{"title": "cohort", "detail": "x"}]}


def test_exact_bodies():
    assert live_json(env.MISSING_DATA) == (
        b'{"errors":[{"title":"Bad request","detail":"correct json data structure required. See API docs for reference"}]}')
    assert live_json(env.bad_request("boom")) == b'{"errors":[{"title":"Bad request","detail":"boom"}]}'
    assert live_json(env.invalid_action("This declaration has already been voided.")) == (
        b'{"errors":[{"title":"Invalid action","detail":"This declaration has already been voided."}]}')
    assert live_json(env.INTERNAL_SERVER_ERROR) == b'{"error":"Internal server error"}'
    assert live_json(env.NOT_FOUND) == b'{"error":"Resource not Found"}'
    assert env.bad_request("a") is not env.bad_request("a")


def test_shared_messages():
    assert env.PARTICIPANT_NOT_RECOGNISED == (
        "Your update cannot be made as the '#/participant_id' is not recognised. Check participant details "
        "and try again.")
    assert env.COURSE_NOT_RECOGNISED == (
        "The entered '#/course_identifier' is not recognised for the given participant. Check details and try again.")
    assert env.cohort_closed(2022) == (
        "You cannot submit or void declarations for the 2022 cohort. The funding contract for this cohort has "
        "ended. Get in touch if you need to discuss this with us")


def test_response_is_immutable_and_empty_body_is_empty_bytes():
    response = env.Response(400, None)
    assert response.body_bytes() == b""
    with pytest.raises(AttributeError):
        response.status = 200  # type: ignore[misc]


# ---------------------------------------------------------------------------------------------
# live JSON bytes


def test_live_json_escapes_html_characters_like_activesupport():
    assert live_json({"name": "St Mary & St John"}) == b'{"name":"St Mary \\u0026 St John"}'
    assert live_json("<b>") == b'"\\u003cb\\u003e"'
    assert live_json("a\u2028b\u2029c") == b'"a\\u2028b\\u2029c"'


def test_live_json_nested_compact_ordered():
    value = {"data": {"id": "1", "type": "partnership", "attributes": {
        "z": None, "a": True, "m": [1, {"k": "A&B"}, False], "n": 0, "urn": "123456"}}}
    assert live_json(value) == (
        b'{"data":{"id":"1","type":"partnership","attributes":{"z":null,"a":true,"m":[1,{"k":"A\\u0026B"},false],'
        b'"n":0,"urn":"123456"}}}')
    assert not live_json(value).endswith(b"\n")


def test_live_json_non_ascii_is_raw_utf8_and_controls_are_escaped():
    assert live_json("Ysgol Gymraeg Pen-y-Garth — Caerdydd é €") == (
        '"Ysgol Gymraeg Pen-y-Garth — Caerdydd é €"'.encode())
    assert live_json("\x01\x1f\x7f\b\f\n\r\t\"\\/") == b'"\\u0001\\u001f\x7f\\b\\f\\n\\r\\t\\"\\\\/"'
    assert live_json("it's") == b'"it\'s"'


def test_live_json_matches_a_reference_encoding_on_mixed_text():
    text = "A & B < C > D \u2028 \u2029 ünïcødé 😀 \u0000"
    reference = (json.dumps(text, ensure_ascii=False, separators=(",", ":"))
                 .replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
                 .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")).encode()
    assert live_json(text) == reference


def test_live_json_activesupport_encodings_of_ruby_values():
    assert live_json([Decimal("12.50"), Decimal("12"), Decimal("-0"), Decimal("1E+3"), Decimal("0.000001"),
                      Decimal("NaN")]) == b'["12.5","12.0","-0.0","1000.0","0.000001",null]'
    moment = dt.datetime(2022, 7, 22, 11, 30, 0, 123456, tzinfo=dt.timezone.utc)
    assert live_json({"challenged_at": moment}) == b'{"challenged_at":"2022-07-22T11:30:00.123Z"}'
    plus_one = dt.datetime(2022, 7, 22, 11, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert live_json(plus_one) == b'"2022-07-22T11:30:00.000+01:00"'
    assert live_json(dt.date(2024, 9, 1)) == b'"2024-09-01"'
    assert live_json(UUID(ID)) == f'"{ID}"'.encode()
    with pytest.raises(TypeError):
        live_json(dt.datetime(2022, 7, 22, 11, 30))


def test_live_json_big_integers():
    assert live_json({"n": 2**70, "s": "&"}) == b'{"n":1180591620717411303424,"s":"\\u0026"}'
