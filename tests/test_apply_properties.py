"""Property tests of the apply stage: random request streams through ingest, timeline and apply.

One small fixed world is written once for the module (`world_template`): two lead providers
(alder, birch), their partnerships with one school each, a transferred participant known to both,
two user accounts sharing a TRN, a state import with statements and declarations in several states,
and a finance authorisation that pays the January 2025 statements. Each example copies it, drops
generated batches into `inbox/providers/<slug>/` and runs the real stages (`stage_ingest`,
`stage_timeline`, `stage_apply`; not the warehouse publish).

A generated stream mixes plausible requests (declarations for the world's participants, voids of
known ids and of ids the stream itself creates, participant actions, partnership requests) with
garbage: bodies that are not JSON, wrong types, huge strings, unknown fields, impossible dates,
nested junk, unknown routes, GET lines, PATCH/PUT variants, v1/v2/v3 paths, blank lines and lines
that ingest must quarantine. The properties (product.md §3–§6, declarations.md §1.3, §2.1, §5):

* the stages never crash, and once every line is applied there is exactly one receipt per non-blank
  batch line, in the receipts table and in the receipt file (quarantined lines: status null);
* a later cycle applies the waiting lines (a late file's lines take the window start as their effective
  instant) and never rewrites an earlier receipt;
* never two live (submitted/eligible/payable/paid) declarations for one user, course and type;
* every status is 200, 400, 404, 405 or 422, every non-empty body is JSON, a 200 answers with the
  caller's own resource, and no body names another provider's declarations, statements,
  partnerships, delivery partner or name.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from case_homes import _write_csv
from helpers import rows
from pipelines.cycle import stage_apply, stage_ingest, stage_timeline
from pipelines.home import Home
from pipelines.ids import declaration_id_for
from pipelines.state.database import open_state

UTC = timezone.utc
NS = uuid.UUID("8c7e1f52-2d0b-4b8e-9a43-61f0c2d5e7a1")


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def rfc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ============================================================================ the fixed world

IMPORTED_AS_OF = "2024-10-01T00:00:00Z"
RECORDED_AT = "2024-09-01T00:00:00Z"
STREAM_START, STREAM_END = instant("2024-10-01T00:00:00Z"), instant("2025-05-31T00:00:00Z")
LAST_AS_OF = instant("2025-06-01T00:00:00Z")

PROVIDERS = {"alder": (uid("lp:alder"), "Alder Learning"), "birch": (uid("lp:birch"), "Birch Institute")}
SLUGS = tuple(PROVIDERS)
OTHER = {"alder": "birch", "birch": "alder"}
DP_ALDER, DP_BIRCH, DP_SHARED = uid("dp:alder"), uid("dp:birch"), uid("dp:shared")
SCHOOL_ALDER, SCHOOL_BIRCH, SCHOOL_FREE, SCHOOL_INELIGIBLE, SCHOOL_CIP = (
    uid("school:alder"), uid("school:birch"), uid("school:free"), uid("school:ineligible"), uid("school:cip"))
PARTNERSHIPS = {"alder": [uid("partnership:alder"), uid("partnership:alder:2025")],
                "birch": [uid("partnership:birch")]}

# user key → (participant type, provider slugs whose partnerships hold a record, school, eligibility, TRN)
PARTICIPANTS = {
    "u1": ("ect", ("alder",), SCHOOL_ALDER, "eligible", "1000001"),
    "u2": ("ect", ("alder",), SCHOOL_ALDER, "eligible", "1000002"),
    "u3": ("ect", ("alder",), SCHOOL_ALDER, "eligible", "1000003"),  # withdrawn by alder
    "u4": ("ect", ("birch",), SCHOOL_BIRCH, "eligible", "1000004"),
    "u5": ("ect", ("birch",), SCHOOL_BIRCH, "manual_check", "1000005"),
    "u6": ("mentor", ("alder",), SCHOOL_ALDER, "eligible", "1000006"),
    "u7": ("ect", ("birch",), SCHOOL_BIRCH, "eligible", "1000001"),  # same TRN as u1, another account
    "u8": ("ect", ("alder", "birch"), SCHOOL_BIRCH, "eligible", "1000008"),  # moved from alder to birch
}
USERS = {key: uid(f"user:{key}") for key in PARTICIPANTS}
COURSE = {"ect": "ecf-induction", "mentor": "ecf-mentor"}

# Imported declarations: (key, provider, user, type, state, statement of the billable line item)
IMPORTED = [
    ("d-alder-paid", "alder", "u2", "started", "paid", "October 2024"),
    ("d-alder-voided", "alder", "u3", "started", "voided", None),
    ("d-alder-clawback", "alder", "u1", "retained-1", "awaiting_clawback", "October 2024"),
    ("d-birch-eligible", "birch", "u4", "started", "eligible", "January 2025"),
    ("d-birch-submitted", "birch", "u5", "started", "submitted", None),
]
IMPORTED_IDS = {key: uid(f"declaration:{key}") for key, *_ in IMPORTED}
STATEMENTS = [  # (name, deadline, payment, output fee, status)
    ("October 2024", "2024-09-30", "2024-10-25", "true", "paid"),
    ("January 2025", "2024-12-31", "2025-01-25", "true", "open"),
    ("February 2025", "2025-01-31", "2025-02-25", "false", "open"),
    ("April 2025", "2025-03-31", "2025-04-25", "true", "open"),
    ("August 2025", "2025-07-31", "2025-08-25", "true", "open"),
]


def write_world(root: Path) -> None:
    """The module's fixed world, through the product's normal inputs."""
    Home(root).create_inbox()
    _write_csv(root, "reference", "lead_providers", [
        {"lead_provider_id": lp, "name": name, "slug": slug, "vat_chargeable": "true"}
        for slug, (lp, name) in PROVIDERS.items()])
    _write_csv(root, "reference", "delivery_partners", [
        {"delivery_partner_id": dp, "name": f"Partner {n}"} for n, dp in enumerate((DP_ALDER, DP_BIRCH, DP_SHARED))])
    alder, birch = PROVIDERS["alder"][0], PROVIDERS["birch"][0]
    _write_csv(root, "reference", "provider_relationships", [
        {"lead_provider_id": lp, "delivery_partner_id": dp, "cohort": year}
        for lp, dp, year in ((alder, DP_ALDER, 2024), (alder, DP_SHARED, 2024), (alder, DP_ALDER, 2025),
                             (birch, DP_BIRCH, 2024), (birch, DP_SHARED, 2024), (birch, DP_BIRCH, 2025))])
    _write_csv(root, "reference", "schools", [
        {"school_id": school, "urn": str(100001 + n), "name": f"School {n}", "eligible": eligible, "cip_only": cip}
        for n, (school, eligible, cip) in enumerate((
            (SCHOOL_ALDER, "true", "false"), (SCHOOL_BIRCH, "true", "false"), (SCHOOL_FREE, "true", "false"),
            (SCHOOL_INELIGIBLE, "false", "false"), (SCHOOL_CIP, "false", "true")))])
    _write_csv(root, "reference", "statements", [])  # the statements come with the state import

    programmes = {("alder", 2024): uid("programme:alder"), ("alder", 2025): uid("programme:alder:2025"),
                  ("birch", 2024): uid("programme:birch")}
    partnership_rows = [
        (PARTNERSHIPS["alder"][0], alder, DP_ALDER, SCHOOL_ALDER, 2024),
        (PARTNERSHIPS["alder"][1], alder, DP_ALDER, SCHOOL_ALDER, 2025),
        (PARTNERSHIPS["birch"][0], birch, DP_BIRCH, SCHOOL_BIRCH, 2024)]
    _write_csv(root, "registrations", "partnerships", [
        {"partnership_id": p, "lead_provider_id": lp, "delivery_partner_id": dp, "school_id": school, "cohort": year,
         "relationship": "false", "pending": "false", "recorded_at": RECORDED_AT}
        for p, lp, dp, school, year in partnership_rows])
    _write_csv(root, "registrations", "school_cohorts", [
        {"school_id": school, "cohort": year, "induction_programme_choice": "full_induction_programme",
         "default_induction_programme_id": programmes.get((slug, year)) if slug else None, "recorded_at": RECORDED_AT}
        for school, year, slug in ((SCHOOL_ALDER, 2024, "alder"), (SCHOOL_ALDER, 2025, "alder"),
                                   (SCHOOL_BIRCH, 2024, "birch"), (SCHOOL_FREE, 2024, None))])
    _write_csv(root, "registrations", "induction_programmes", [
        {"induction_programme_id": programmes[(slug, year)], "school_id": school, "cohort": year,
         "training_programme": "full_induction_programme", "partnership_id": p, "recorded_at": RECORDED_AT}
        for (p, _, _, school, year), slug in zip(partnership_rows, ("alder", "alder", "birch"))])

    identities, profiles, placements = [], [], []
    for key, (kind, slugs, school, eligibility, trn) in PARTICIPANTS.items():
        user = USERS[key]
        identities.append({"participant_identity_id": uid(f"identity:{key}"), "user_id": user,
                           "email": f"{key}@example.org", "recorded_at": RECORDED_AT})
        profiles.append({
            "participant_profile_id": uid(f"profile:{key}"), "participant_identity_id": uid(f"identity:{key}"),
            "participant_type": kind, "trn": trn, "full_name": f"Teacher {key}", "cohort": 2024,
            "schedule_identifier": "ecf-standard-september", "school_id": school, "eligibility_status": eligibility,
            "recorded_at": RECORDED_AT})
        for n, slug in enumerate(slugs):
            moved = len(slugs) > 1
            placements.append({
                "induction_placement_id": uid(f"placement:{key}:{slug}"), "participant_profile_id": uid(f"profile:{key}"),
                "induction_programme_id": programmes[(slug, 2024)],
                "start_at": "2024-09-01T00:00:00Z" if n == 0 else "2024-12-01T00:00:00Z",
                "end_at": "2024-11-30T23:59:59Z" if moved and n == 0 else None,
                "induction_status": "leaving" if moved and n == 0 else "active",
                "school_transfer": "true" if n else "false",
                "mentor_profile_id": uid("profile:u6") if kind == "ect" and slug == "alder" else None,
                "training_status": "withdrawn" if key == "u3" else None, "recorded_at": RECORDED_AT})
    _write_csv(root, "registrations", "participant_identities", identities)
    _write_csv(root, "registrations", "participant_profiles", profiles)
    _write_csv(root, "registrations", "induction_placements", placements)

    _write_csv(root, "migration", "manifest", [{"imported_as_of": IMPORTED_AS_OF}])
    _write_csv(root, "migration", "statements", [
        {"lead_provider_slug": slug, "cohort": 2024, "statement_name": name, "deadline_on": deadline,
         "payment_on": payment, "output_fee": output_fee, "status": status,
         "marked_as_paid_at": "2024-09-30T12:00:00Z" if status == "paid" else None}
        for slug in SLUGS for name, deadline, payment, output_fee, status in STATEMENTS])
    _write_csv(root, "migration", "declarations", [
        {"declaration_id": IMPORTED_IDS[key], "lead_provider_slug": slug, "participant_id": USERS[user],
         "declaration_type": kind, "course_identifier": COURSE[PARTICIPANTS[user][0]], "state": state,
         "declaration_date": "2024-09-15T09:00:00Z" if kind == "started" else "2025-01-15T09:00:00Z",
         "cohort": 2024, "evidence_held": None if kind == "started" else "other",
         "created_at": "2024-09-16T09:00:00Z"} for key, slug, user, kind, state, _ in IMPORTED])
    _write_csv(root, "migration", "line_items", [
        {"declaration_id": IMPORTED_IDS[key], "lead_provider_slug": slug, "cohort": 2024, "statement_name": statement,
         "line_type": "billable", "state": "paid" if state in ("paid", "awaiting_clawback") else state,
         "created_at": "2024-09-16T09:00:00Z"} for key, slug, _, _, state, statement in IMPORTED if statement] + [
        {"declaration_id": IMPORTED_IDS["d-alder-clawback"], "lead_provider_slug": "alder", "cohort": 2024,
         "statement_name": "January 2025", "line_type": "refundable", "state": "awaiting_clawback",
         "created_at": "2024-09-20T09:00:00Z"}])
    _write_csv(root, "migration", "participant_states", [
        {"participant_profile_id": uid("profile:u3"), "lead_provider_slug": "alder", "state": "withdrawn",
         "reason": "moved-school", "created_at": "2024-09-20T10:00:00Z"}])
    _write_csv(root, "finance", "authorisations", [
        {"lead_provider_slug": slug, "cohort": 2024, "statement_name": "January 2025",
         "effective_at": "2025-01-20T09:00:00Z"} for slug in SLUGS])


@pytest.fixture(scope="module")
def world_template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("apply-world") / "home"
    write_world(root)
    return root


# ============================================================================ generating request streams

# A line is (text, quarantined): the exact line text, and whether ingest must quarantine it.
VERSIONS = ("v1", "v2", "v3")
DECLARATION_TYPES = ("started", "retained-1", "retained-2", "completed", "extended-1")
ACTIONS = ("withdraw", "defer", "resume", "change-schedule")
REASONS = ("moved-school", "other", "switched-to-school-led", "school-left-fip", "career-break", "bereavement",
           "bogus", "")
SCHEDULES = ("ecf-standard-september", "ecf-standard-january", "ecf-extended-september",
             "ecf-replacement-september", "ecf-standard-june", " ")
KNOWN_IDS = list(IMPORTED_IDS.values())

printable = st.text(st.characters(blacklist_characters="\n\r", blacklist_categories=("Cs",)), max_size=40)
junk_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | printable,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(printable, children, max_size=3),
    max_leaves=8)


def submitted_at() -> st.SearchStrategy[datetime]:
    return st.datetimes(min_value=STREAM_START.replace(tzinfo=None), max_value=STREAM_END.replace(tzinfo=None),
                        timezones=st.just(UTC)).map(lambda moment: moment.replace(microsecond=0))


def user_ids() -> st.SearchStrategy:
    return st.sampled_from(list(USERS.values())) | st.sampled_from(["", "not-a-uuid", 12345, None]) | st.uuids().map(str)


def plausible_dates(now: datetime) -> st.SearchStrategy[str]:
    """Up to 60 days before `now` (the request's submission), so mostly inside a milestone window."""
    return st.integers(0, 24 * 60).map(lambda hours: rfc(now - timedelta(hours=hours)))


def declaration_dates(now: datetime) -> st.SearchStrategy:
    plausible = plausible_dates(now)
    odd = st.sampled_from(["2024-02-30T10:00:00Z", "2024-13-01T09:00:00Z", "2024-10-01 09:00:00", "yesterday",
                           "2024-10-01T09:00:00+01:00", "2025-12-31T23:59:59.999999Z", "", "2024-10-01T24:00:00Z"])
    return st.one_of(plausible, plausible, odd, junk_value)


# The 2024 `ecf-standard-september` windows (shipped schedules) the plausible dates fall in.
WINDOWS = (("2024-06-01", "started"), ("2025-01-01", "retained-1"), ("2025-04-01", "retained-2"))


def window_type(declaration_date: str) -> str:
    return [kind for start, kind in WINDOWS if declaration_date[:10] >= start][-1]


@st.composite
def declaration_body(draw, now: datetime, valid: bool, slug: str = "alder") -> dict:
    if valid:  # one of the provider's own participants, in the milestone window of the date
        key = draw(st.sampled_from([key for key, spec in PARTICIPANTS.items() if slug in spec[1]]))
        declaration_date = draw(plausible_dates(now))
        attributes = {"participant_id": USERS[key], "declaration_type": window_type(declaration_date),
                      "declaration_date": declaration_date, "course_identifier": COURSE[PARTICIPANTS[key][0]],
                      "evidence_held": "training-event-attended"}
    else:
        attributes = draw(st.fixed_dictionaries({}, optional={
            "participant_id": user_ids(),
            "declaration_type": st.sampled_from(DECLARATION_TYPES + ("", "retained-9")) | junk_value,
            "declaration_date": declaration_dates(now),
            "course_identifier": st.sampled_from(["ecf-induction", "ecf-mentor", "npq-headship", "", "ECF-INDUCTION"])
            | junk_value,
            "evidence_held": st.sampled_from(["training-event-attended", "other", "bogus", ""]) | junk_value,
            "has_passed": junk_value,
            "unexpected_field": junk_value,
        }))
    return {"data": {"type": "participant-declaration", "attributes": attributes}}


def action_body(action: str) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={
        "course_identifier": st.sampled_from(["ecf-induction", "ecf-mentor", ""]) | junk_value,
        "reason": st.sampled_from(REASONS) | junk_value,
        "schedule_identifier": st.sampled_from(SCHEDULES) | junk_value,
        "cohort": st.sampled_from(["2024", "2025", 2024, "2031", "abc", ""]) | junk_value,
    }).map(lambda attributes: {"data": {"type": f"participant-{action}", "attributes": attributes}})


def partnership_body() -> st.SearchStrategy:
    ids = st.sampled_from([SCHOOL_ALDER, SCHOOL_BIRCH, SCHOOL_FREE, SCHOOL_INELIGIBLE, SCHOOL_CIP, DP_ALDER,
                           DP_BIRCH, DP_SHARED, SCHOOL_FREE.upper()]) | st.uuids().map(str) | junk_value
    return st.fixed_dictionaries({}, optional={
        "cohort": st.sampled_from(["2024", "2025", 2024, "2023", "2031", "2024/25", ""]) | junk_value,
        "school_id": ids, "delivery_partner_id": ids,
    }).map(lambda attributes: {"data": {"type": "ecf-partnership", "attributes": attributes}})


def deep(depth: int) -> dict:
    body: object = "x"
    for _ in range(depth):
        body = {"data": body}
    return body  # type: ignore[return-value]


garbage_body = st.one_of(
    st.sampled_from(["not json {", "", "   ", "null", "[1, 2]", '"data"', "{\"data\": ", "NaN", "{\"data\": NaN}",
                     "\ufeff{}", '{"data": {"attributes": {}}}']),
    st.sampled_from([[], [None], {}, {"data": None}, {"data": 5}, {"data": "text"}, {"data": []}, {"data": [1]},
                     {"data": True}, {"data": False}, {"data": {"attributes": "x"}}, {"filter": "x", "data": {}},
                     {"filter": {"cohort": "2024"}, "data": {"attributes": {"participant_id": 1}}}]),
    st.integers(50, 150).map(deep),
    st.integers(1_000, 20_000).map(lambda n: {"data": {"attributes": {"participant_id": "x" * n}}}),
    st.integers(1_000, 20_000).map(lambda n: "{" * n),
    junk_value,
)


@st.composite
def request_line(draw, slug: str, created_ids: list[str]) -> tuple[str, bool]:
    """One batch line: a request (plausible or garbage) or a line ingest must quarantine."""
    now = draw(submitted_at())
    version = draw(st.sampled_from(VERSIONS))
    kind = draw(st.sampled_from(["declaration", "declaration", "valid declaration", "valid declaration", "void",
                                 "void", "action", "partnership", "garbage", "quarantined"]))
    method, path, body = "POST", f"/api/{version}/participant-declarations", None
    if kind in ("declaration", "valid declaration"):
        body = draw(declaration_body(now, kind == "valid declaration", slug))
    elif kind == "void":
        target = draw(st.sampled_from(KNOWN_IDS) | st.sampled_from(created_ids or KNOWN_IDS) | st.uuids().map(str)
                      | st.sampled_from(["", "not-an-id", "a.b", "%FF", "%2F", KNOWN_IDS[0].upper()]))
        method, path = "PUT", f"/api/{version}/participant-declarations/{target}/void"
        body = draw(st.sampled_from([None, {}, {"data": {}}]))
    elif kind == "action":
        action = draw(st.sampled_from(ACTIONS))
        target = draw(user_ids().map(str))
        alias = version != "v3" and draw(st.booleans())
        method = "PUT"
        path = f"/api/{version}/participants/{target}/{action}" if alias else (
            f"/api/{version}/participants/ecf/{target}/{action}")
        body = draw(action_body(action))
    elif kind == "partnership":
        if draw(st.booleans()):
            path = "/api/v3/partnerships/ecf"
        else:
            target = draw(st.sampled_from([p for ids in PARTNERSHIPS.values() for p in ids]) | st.uuids().map(str))
            method, path = draw(st.sampled_from(["PUT", "PATCH"])), f"/api/v3/partnerships/ecf/{target}"
        body = draw(partnership_body())
    elif kind == "garbage":
        method = draw(st.sampled_from(["POST", "PUT", "PATCH", "GET", "HEAD", "DELETE", "put", "OPTIONS", ""]))
        path = draw(st.sampled_from([
            f"/api/{version}/participant-declarations", f"/api/{version}/participant-declarations/",
            f"//api//{version}//participant-declarations", f"/api/{version}/participant-declarations.json",
            f"/api/{version}/participant-declarations.csv", f"/api/{version}/participant-declarations?filter=x",
            f"https://example.org/api/{version}/participant-declarations", "/api/v4/participant-declarations",
            f"/api/{version}/participants/ecf", "/api/v3/partnerships/ecf", "/api/v1/partnerships/ecf",
            f"/api/{version}/participant-declarations/{KNOWN_IDS[0]}", "", "/", "api/v3/participant-declarations",
        ]) | printable)
        body = draw(garbage_body | declaration_body(now, False))
    else:  # a line ingest cannot read: it gets a receipt with status null
        text = draw(st.one_of(
            printable.filter(lambda t: any(not c.isspace() for c in t) and not t.lstrip().startswith("{")),
            st.sampled_from(["[]", "[1, 2]", "42", '"text"', "null", "{", "{}", '{"method": "POST"}']),
            st.fixed_dictionaries({"method": st.just("POST"), "path": st.just(path),
                                   "submitted_at": st.sampled_from(["yesterday", "2024-13-45T00:00:00Z", "",
                                                                    "2024-02-30T10:00:00Z", 1234567890]),
                                   "body": st.just({})}).map(json.dumps),
            st.fixed_dictionaries({"method": st.sampled_from([None, 1, ["POST"]]), "path": st.just(path),
                                   "submitted_at": st.just(rfc(now))}).map(json.dumps),
            st.fixed_dictionaries({"method": st.just("POST"), "path": st.sampled_from([None, 7, {}]),
                                   "submitted_at": st.just(rfc(now))}).map(json.dumps),
        ))
        return text, True
    line: dict = {"method": method, "path": path, "submitted_at": draw(st.sampled_from([rfc(now), now.isoformat()]))}
    if body is not None or draw(st.booleans()):
        as_text = draw(st.booleans()) and not isinstance(body, str)
        line["body"] = json.dumps(body) if as_text else body
    if draw(st.booleans()):
        line = dict(reversed(list(line.items())))
    return json.dumps(line, ensure_ascii=draw(st.booleans()), allow_nan=False), False


@st.composite
def request_batches(draw, rounds: int = 2, max_lines: int = 8) -> dict[str, tuple[str, list[bool | None]]]:
    """Batches `<slug>/batch-<round>.jsonl` for both providers. Round 2 may void the declarations of
    round 1 (their ids follow from the file's hash and line number). Returns relative path →
    (file text, per line: quarantined? or None for a blank line)."""
    batches: dict[str, tuple[str, list[bool | None]]] = {}
    created: list[str] = []
    for round_number in range(1, rounds + 1):
        made_now = []
        for slug in SLUGS:
            lines = draw(st.lists(st.one_of(request_line(slug, list(created)), st.sampled_from([("", None), ("   ", None)])),
                                  max_size=max_lines))
            newline = draw(st.sampled_from(["\n", "\r\n"]))
            text = newline.join(t for t, _ in lines) + (newline if lines and draw(st.booleans()) else "")
            text = text or newline  # never a 0-byte file: see test_an_empty_batch_file_does_not_stop_the_cycle
            sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
            made_now += [declaration_id_for(slug, sha256, n) for n in range(1, len(lines) + 1)]
            batches[f"{slug}/batch-{round_number}.jsonl"] = (text, [q for _, q in lines])
        created += made_now
    return batches


def line_ids(batches: dict, slug: str) -> list[str]:
    """The declaration id each line of the provider's batches would create (`pipelines.ids`)."""
    return [declaration_id_for(slug, hashlib.sha256(text.encode("utf-8")).hexdigest(), n)
            for relative, (text, _) in batches.items() if relative.startswith(f"{slug}/")
            for n in range(1, text.count("\n") + 2)]


OWN_ONLY_PARTICIPANTS = {slug: [key for key, spec in PARTICIPANTS.items() if spec[1] == (slug,)] for slug in SLUGS}
IMPORTED_BY = {slug: [IMPORTED_IDS[key] for key, owner, *_ in IMPORTED if owner == slug] for slug in SLUGS}


@st.composite
def with_cross_provider_probes(draw, batches: st.SearchStrategy) -> dict:
    """`batches` plus, per provider, a batch of requests aimed at the other provider's data: voids of
    its declarations (imported, and every id its batches can create), updates of its partnerships
    (to its own delivery partner), actions on its own participants. The live answer to each is a
    404 or 422 (declarations.md §2.1, §4.3; partnerships-and-finance.md §1.4)."""
    files = draw(batches)
    for slug in SLUGS:
        other = OTHER[slug]
        lines = []
        for target in IMPORTED_BY[other] + line_ids(files, other):
            lines.append({"method": "PUT", "path": f"/api/{draw(st.sampled_from(VERSIONS))}/participant-declarations/"
                                                  f"{target}/void"})
        for target in PARTNERSHIPS[other]:
            lines.append({"method": draw(st.sampled_from(["PUT", "PATCH"])), "path": f"/api/v3/partnerships/ecf/{target}",
                          "body": {"data": {"attributes": {"delivery_partner_id": DP_SHARED}}}})
        for key in OWN_ONLY_PARTICIPANTS[other]:
            action = draw(st.sampled_from(["withdraw", "defer", "resume"]))
            lines.append({"method": "PUT", "path": f"/api/v3/participants/ecf/{USERS[key]}/{action}",
                          "body": {"data": {"attributes": {"course_identifier": COURSE[PARTICIPANTS[key][0]],
                                                           "reason": "other"}}}})
        for line in lines:
            line["submitted_at"] = rfc(draw(submitted_at()))
        files[f"{slug}/cross.jsonl"] = ("\n".join(json.dumps(line) for line in lines) + "\n", [False] * len(lines))
    return files


# ============================================================================ running and reading a home

def run_home(template: Path, target: Path, batches: dict, as_of: datetime = LAST_AS_OF) -> Home:
    shutil.copytree(template, target)
    home = Home(target)
    for relative, (text, _) in batches.items():
        path = home.root / "inbox" / "providers" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
    run_stages(home, as_of)
    return home


def run_stages(home: Home, as_of: datetime) -> None:
    stage_ingest(home, as_of)
    stage_timeline(home)
    stage_apply(home)


def close_cycle_without_publishing(home: Home) -> None:
    """Record the pending cycle as complete without the warehouse publish (not under test here),
    so that the next cycle can start."""
    with open_state(home.state_db) as con:
        con.execute("UPDATE cycles SET status = 'complete' WHERE status = 'pending'")


def non_blank_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.split("\n"), 1) if line.rstrip("\r").strip(" ")]


def receipts_by_file(home: Home) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for relative, line, cycle, status, body in rows(
            home, """SELECT f.relative_path, r.line_number, r.cycle_id, r.status, r.body_json
                     FROM receipts AS r JOIN ingested_files AS f USING (file_id)
                     ORDER BY f.relative_path, r.line_number"""):
        found.setdefault(relative.removeprefix("inbox/providers/"), []).append((line, cycle, status, body))
    return found


def receipt_file(home: Home, relative: str, text: str) -> Path:
    slug, name = relative.split("/")
    return home.root / "receipts" / slug / f"{Path(name).stem}-{hashlib.sha256(text.encode()).hexdigest()[:8]}.jsonl"


def receipt_file_lines(home: Home, relative: str, text: str) -> list[dict]:
    path = receipt_file(home, relative, text)
    if not path.exists():
        return []
    data = path.read_bytes()
    assert data.endswith(b"\n") or not data
    return [json.loads(line) for line in data.split(b"\n")[:-1]]


PROPERTY_SETTINGS = settings(max_examples=25, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                    HealthCheck.data_too_large])


def ingested_copies(batches: dict) -> dict[str, bool]:
    """Per batch: False when an earlier file (by path) of the same provider folder has the same bytes —
    ingest takes such a file once (README "Ingest is append-only and idempotent")."""
    seen: set[tuple[str, str]] = set()
    taken = {}
    for relative in sorted(batches):
        key = (relative.split("/")[0], batches[relative][0])
        taken[relative] = key not in seen
        seen.add(key)
    return taken


def check_one_receipt_per_line(home: Home, batches: dict) -> None:
    receipts = receipts_by_file(home)
    taken = ingested_copies(batches)
    for relative, (text, kinds) in batches.items():
        if not taken[relative]:
            assert relative not in receipts and not receipt_file(home, relative, text).exists(), (
                f"{relative} repeats an earlier file of its folder byte for byte: it must be taken once")
            continue
        expected = non_blank_lines(text)
        got = receipts.get(relative, [])
        assert [line for line, *_ in got] == expected, f"{relative}: receipts for lines {got} vs {expected}"
        # quarantined lines: status null, with the quarantine message; every other line: a status
        quarantined = [n for n, q in zip(range(1, len(kinds) + 1), kinds) if q]
        assert [line for line, _, status, _ in got if status is None] == quarantined, relative
        for line, _, status, body in got:
            if status is None:
                assert set(json.loads(body)) == {"error", "fix"}, (relative, line, body)
        in_file = receipt_file_lines(home, relative, text)
        assert sorted(entry["line"] for entry in in_file) == expected, f"{relative}: receipt file lines"
        assert len(in_file) == len(expected)
        table = {line: (status, body) for line, _, status, body in got}
        for entry in in_file:  # the file says what the table says
            status, body = table[entry["line"]]
            assert entry["status"] == status, (relative, entry)
            if status is not None:
                assert entry["body"] == (json.loads(body) if body else None), (relative, entry)


# ============================================================================ the properties

@PROPERTY_SETTINGS
@given(batches=request_batches())
def test_random_streams_complete_with_one_receipt_per_line(batches, world_template, tmp_path_factory):
    home = run_home(world_template, tmp_path_factory.mktemp("stream") / "home", batches)
    check_one_receipt_per_line(home, batches)
    [(status,)] = rows(home, "SELECT list(stages_done) FROM cycles")
    assert status == [["ingest", "timeline", "apply"]]


@PROPERTY_SETTINGS
@given(batches=request_batches(), cut=st.datetimes(min_value=datetime(2024, 10, 2), max_value=datetime(2025, 5, 30),
                                                   timezones=st.just(UTC)).map(lambda c: c.replace(microsecond=0)))
def test_waiting_and_late_lines_and_earlier_receipts_never_change(batches, cut, world_template, tmp_path_factory):
    """Two cycles. The round-1 batches land before the first (as_of `cut`): it applies their lines
    dated up to `cut` (and quarantines the unreadable); the others wait. The round-2 batches land
    before the second: their lines dated up to `cut` are late and take the window start, `cut`, as
    their effective instant. After the second cycle every line has its one receipt, the waiting
    lines are appended to their receipt files, and no first-cycle receipt changed (README "Time":
    history already applied is never rewritten; product.md §6 receipts)."""
    first_round = {relative: batch for relative, batch in batches.items() if relative.endswith("-1.jsonl")}
    home = run_home(world_template, tmp_path_factory.mktemp("two-cycles") / "home", first_round, cut)
    first = receipts_by_file(home)
    taken = ingested_copies(batches)

    def submitted(line: str) -> datetime:
        return instant(json.loads(line)["submitted_at"])

    for relative, (text, kinds) in first_round.items():
        waiting = {n for n, (line, quarantined) in enumerate(zip(text.split("\n"), kinds), 1)
                   if quarantined is False and submitted(line) > cut}
        expected = [n for n in non_blank_lines(text) if n not in waiting and taken[relative]]
        assert [line for line, *_ in first.get(relative, [])] == expected, relative
        assert [entry["line"] for entry in receipt_file_lines(home, relative, text)] == expected, relative

    close_cycle_without_publishing(home)
    for relative, (text, _) in batches.items():
        if relative not in first_round:
            path = home.root / "inbox" / "providers" / relative
            path.write_bytes(text.encode("utf-8"))
    run_stages(home, LAST_AS_OF)
    check_one_receipt_per_line(home, batches)

    second = receipts_by_file(home)
    for relative, receipts in first.items():
        now = {receipt[0]: receipt for receipt in second[relative]}
        changed = [(receipt, now.get(receipt[0])) for receipt in receipts if now.get(receipt[0]) != receipt]
        assert not changed, f"{relative}: first-cycle receipts changed in the second cycle: {changed}"
    for relative, (text, kinds) in batches.items():
        entries = receipt_file_lines(home, relative, text)
        applied_first = [line for line, *_ in first.get(relative, [])]
        assert [entry["line"] for entry in entries][:len(applied_first)] == applied_first, (
            f"{relative}: the lines applied later are appended after the first cycle's")
        lines = text.split("\n")
        for entry in entries:
            if entry["status"] is None or entry["line"] in applied_first:
                continue
            own = submitted(lines[entry["line"] - 1])
            assert instant(entry["submitted_at"]) == own, (relative, entry["line"])
            assert instant(entry["effective_at"]) == max(own, cut), (
                f"{relative} line {entry['line']}: submitted {own}, applied after {cut}: effective "
                f"{entry['effective_at']}")


LIVE_STATES = ("submitted", "eligible", "payable", "paid")


@PROPERTY_SETTINGS
@given(batches=request_batches(max_lines=10))
def test_never_two_live_declarations_for_one_user_course_and_type(batches, world_template, tmp_path_factory):
    home = run_home(world_template, tmp_path_factory.mktemp("slots") / "home", batches)
    duplicates = rows(home, """
        SELECT user_id, course_identifier, declaration_type, list(declaration_id), list(state)
        FROM declarations WHERE state IN ('submitted', 'eligible', 'payable', 'paid')
        GROUP BY ALL HAVING count(*) > 1""")
    assert not duplicates, f"two live declarations in one slot: {duplicates}"
    # and each live declaration's state agrees with its billable line item (declarations.md §2)
    mismatched = rows(home, """
        SELECT d.declaration_id, d.state, list(li.state)
        FROM declarations AS d LEFT JOIN statement_line_items AS li
             ON li.declaration_id = d.declaration_id AND li.line_type = 'billable'
             AND li.state IN ('eligible', 'payable', 'paid')
        WHERE d.state IN ('eligible', 'payable', 'paid')
        GROUP BY ALL HAVING count(li.state) <> 1 OR NOT list_contains(list(li.state), d.state)""")
    assert not mismatched, f"billable declarations without exactly one matching billable line item: {mismatched}"


ALLOWED_STATUSES = {200, 400, 404, 405, 422}


def foreign_tokens(home: Home, created_partnerships: dict[str, set[str]]) -> dict[str, set[str]]:
    """Per provider slug: strings that belong only to the *other* provider."""
    tokens: dict[str, set[str]] = {}
    only_dp = {"alder": DP_BIRCH, "birch": DP_ALDER}
    for slug in SLUGS:
        other = OTHER[slug]
        other_id, other_name = PROVIDERS[other]
        declarations = {d for (d,) in rows(home, "SELECT declaration_id FROM declarations WHERE lead_provider_id = $lp",
                                           {"lp": other_id})}
        statements = {s for (s,) in rows(home, "SELECT statement_id FROM statements WHERE lead_provider_id = $lp",
                                         {"lp": other_id})}
        tokens[slug] = declarations | statements | set(PARTNERSHIPS[other]) | created_partnerships[other] | {
            other_name, only_dp[slug]}
    return tokens


@PROPERTY_SETTINGS
@given(batches=with_cross_provider_probes(request_batches()))
def test_statuses_bodies_and_no_other_providers_data(batches, world_template, tmp_path_factory):
    home = run_home(world_template, tmp_path_factory.mktemp("bodies") / "home", batches)
    applied = rows(home, """
        SELECT q.lead_provider_slug, q.method, q.path, r.status, r.body_json
        FROM receipts AS r JOIN requests AS q USING (file_id, line_number) ORDER BY r.event_seq""")
    own_declarations = {slug: {d for (d,) in rows(home, "SELECT declaration_id FROM declarations "
                                                        "WHERE lead_provider_id = $lp", {"lp": PROVIDERS[slug][0]})}
                        for slug in SLUGS}
    participants_of = {slug: {USERS[k] for k, spec in PARTICIPANTS.items() if slug in spec[1]} for slug in SLUGS}
    created_partnerships: dict[str, set[str]] = {slug: set() for slug in SLUGS}
    for slug, method, path, status, body_json in applied:
        assert status in ALLOWED_STATUSES, (method, path, status, body_json)
        body = json.loads(body_json) if body_json else None
        if status != 200:
            continue
        data = body["data"]
        if data["type"] == "participant-declaration":
            assert data["id"] in own_declarations[slug], f"{slug} was answered with another's declaration: {body}"
            if path.endswith("/void") or "/void?" in path:
                assert f"/{data['id']}/void".lower() in path.lower()
            if "lead_provider_name" in data["attributes"]:
                assert data["attributes"]["lead_provider_name"] == PROVIDERS[slug][1]
        elif data["type"] == "partnership":
            if method.upper() in ("PUT", "PATCH"):  # the caller's own partnership, answered as itself
                target = path.split("?")[0].rstrip("/").split("/")[-1].removesuffix(".json").lower()
                assert target in set(PARTNERSHIPS[slug]) | created_partnerships[slug], (
                    f"{slug} updated a partnership that is not its own: {method} {path} → {body}")
                assert data["id"] == target, (method, path, body)
            created_partnerships[slug].add(data["id"])
        else:
            assert data["id"] in participants_of[slug], f"{slug} acted on a participant it has no record of: {body}"
    tokens = foreign_tokens(home, created_partnerships)
    assert not set(PARTNERSHIPS["alder"]) & created_partnerships["birch"]
    assert not set(PARTNERSHIPS["birch"]) & created_partnerships["alder"]
    for slug, method, path, status, body_json in applied:
        leaked = {token for token in tokens[slug] if body_json and token in body_json}
        assert not leaked, f"{slug}'s receipt for {method} {path} ({status}) names the other provider's {leaked}"


# ============================================================================ blank lines

def test_whitespace_only_lines_are_blank_exactly_when_json_says_so(world_template, tmp_path):
    request = json.dumps({"method": "GET", "path": "/api/v3/participants/ecf", "submitted_at": "2024-11-01T00:00:00Z"})
    lines = [request, "\t", " \t ", "\u00a0", "\u3000", request]
    text = "\n".join(lines) + "\n"
    home = run_home(world_template, tmp_path / "home", {"alder/blank.jsonl": (text, [])})
    got = [(line, status) for line, _, status, _ in receipts_by_file(home).get("alder/blank.jsonl", [])]
    # JSON whitespace (space, tab, CR, LF) only: blank. Anything else is a line that must be answered.
    assert got == [(1, 405), (4, None), (5, None), (6, 405)], f"(line, status) of the receipts: {got}"


# ============================================================================ empty batch files

def test_an_empty_batch_file_does_not_stop_the_cycle(world_template, tmp_path):
    request = json.dumps({"method": "GET", "path": "/api/v3/participants/ecf", "submitted_at": "2024-11-01T00:00:00Z"})
    batches = {"alder/a-empty.jsonl": ("", []), "alder/b-requests.jsonl": (request + "\n", [False])}
    home = run_home(world_template, tmp_path / "home", batches)
    check_one_receipt_per_line(home, batches)
