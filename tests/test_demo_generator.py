"""The synthetic demo inbox (`ecf demo`): determinism, formats, cycles and scenario coverage.

Small scale only; the national scale is exercised by the benchmark script.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import re
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pipelines.demo import (
    ERROR_SCENARIOS, HAND_EDITED_MARK, LATE_MARK, DemoCycle, DemoPlan, declaration_id_for, generate_demo_inputs,
)
from pipelines.ingest.kinds import INSTANT_COLUMN, kind_for_file

SEED = 2021
RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _plan_json(plan: DemoPlan) -> dict:
    return {"scale": plan.scale, "seed": plan.seed, "counts": plan.counts,
            "cycles": [[c.as_of.isoformat(), list(c.files)] for c in plan.cycles]}


def _instant(text: str) -> datetime:
    if len(text) == 10:
        text += "T00:00:00Z"
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, DemoPlan]:
    root = tmp_path_factory.mktemp("demo")
    seen: list[tuple[str, int, int]] = []
    plan = generate_demo_inputs(root, "small", SEED, progress=lambda label, done, total: seen.append((label, done, total)))
    assert seen and all(0 <= done <= total for _, done, total in seen)
    return root, plan


def _cycle_of(plan: DemoPlan) -> dict[str, int]:
    return {f: i for i, cycle in enumerate(plan.cycles) for f in cycle.files}


# ------------------------------------------------------------------------------- determinism
def test_same_seed_gives_byte_identical_files_and_plan(demo, tmp_path):
    root, plan = demo
    # a second run in a fresh interpreter with another hash seed: nothing may depend on hash order
    script = (
        "import hashlib, json, sys\n"
        "from pathlib import Path\n"
        "from pipelines.demo import generate_demo_inputs\n"
        "root = Path(sys.argv[1])\n"
        f"plan = generate_demo_inputs(root, 'small', {SEED})\n"
        "files = {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()\n"
        "         for p in sorted(root.rglob('*')) if p.is_file()}\n"
        "print(json.dumps({'files': files, 'plan': {'scale': plan.scale, 'seed': plan.seed, 'counts': plan.counts,\n"
        "    'cycles': [[c.as_of.isoformat(), list(c.files)] for c in plan.cycles]}}))\n"
    )
    env = dict(os.environ, PYTHONHASHSEED="4242")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "again")], capture_output=True, text=True,
                            env=env, check=True)
    again = json.loads(result.stdout)
    assert again["files"] == _digests(root)
    assert again["plan"] == json.loads(json.dumps(_plan_json(plan)))


def test_same_seed_in_process_gives_identical_plan(demo, tmp_path):
    root, plan = demo
    second = generate_demo_inputs(tmp_path / "second", "small", SEED)
    assert second == plan
    assert _digests(tmp_path / "second") == _digests(root)


def test_different_seed_gives_different_content(demo, tmp_path):
    root, plan = demo
    other = generate_demo_inputs(tmp_path / "other", "small", SEED + 1)
    mine, theirs = _digests(root), _digests(tmp_path / "other")
    shared = set(mine) & set(theirs)
    differing = [f for f in shared if mine[f] != theirs[f]]
    assert "inbox/registrations/participant_profiles-2021.csv" in differing
    assert "inbox/reference/schools.csv" in differing
    assert len(differing) > 0.8 * len(shared)
    assert other.counts != plan.counts


def test_unknown_scale_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown demo scale"):
        generate_demo_inputs(tmp_path, "galactic", SEED)


# ------------------------------------------------------------------------------- formats
def test_every_csv_is_a_registered_kind_with_the_registry_header(demo):
    root, plan = demo
    csvs = sorted((root / "inbox").rglob("*.csv"))
    assert csvs
    for path in csvs:
        family = path.parent.name
        kind = kind_for_file(family, path.name)
        assert kind is not None, path
        raw = path.read_bytes()
        assert b"\r" not in raw, path
        raw.decode("utf-8")
        with path.open(newline="", encoding="utf-8") as handle:
            header = next(csv.reader(handle))
        assert header == [c.name for c in kind.all_columns], path


def test_product_defaults_are_not_written(demo):
    root, _ = demo
    names = {p.name.split("-")[0].removesuffix(".csv") for p in (root / "inbox" / "reference").glob("*.csv")}
    assert not names & {"cohorts", "schedules", "statements"}
    assert names >= {"lead_providers", "delivery_partners", "provider_relationships", "schools", "school_uplifts",
                     "contracts", "contract_bands", "mentor_contracts", "feature_flags"}


def test_every_line_of_a_normal_batch_is_a_four_key_request(demo):
    root, _ = demo
    batches = sorted((root / "inbox" / "providers").rglob("*.jsonl"))
    normal = [p for p in batches if HAND_EDITED_MARK not in p.name]
    assert len(normal) >= 6 * 20
    methods, versions, raw_bodies = set(), set(), 0
    for path in normal:
        raw = path.read_bytes()
        assert raw.endswith(b"\n") and b"\r" not in raw and b"\n\n" not in raw, path
        for line in raw.decode("utf-8").splitlines():
            request = json.loads(line)
            assert isinstance(request, dict)
            assert list(request) == ["method", "path", "body", "submitted_at"], (path, line)
            assert line == json.dumps(request, separators=(",", ":"), ensure_ascii=False), "compact JSON"
            assert RFC3339_Z.match(request["submitted_at"]), line
            assert request["path"].startswith("/api/v")
            methods.add(request["method"])
            versions.add(request["path"][:7])
            if isinstance(request["body"], str):
                raw_bodies += 1
                with pytest.raises(ValueError):
                    json.loads(request["body"])
            else:
                assert isinstance(request["body"], dict)
    assert methods == {"POST", "PUT", "PATCH", "GET"}
    assert versions >= {"/api/v1", "/api/v2", "/api/v3"}
    assert raw_bodies >= 1


def test_hand_edited_batches_hold_the_quarantine_lines(demo):
    root, _ = demo
    edited = sorted((root / "inbox" / "providers").rglob(f"*{HAND_EDITED_MARK}.jsonl"))
    assert len(edited) == 2
    problems = set()
    for path in edited:
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            try:
                request = json.loads(line)
            except ValueError:
                problems.add("not json")
                continue
            if not isinstance(request, dict):
                problems.add("not an object")
            elif "path" not in request:
                problems.add("no path")
            elif not RFC3339_Z.match(request["submitted_at"]):
                problems.add("bad submitted_at")
            else:
                problems.add("good")
    assert problems == {"not json", "not an object", "no path", "bad submitted_at", "good"}


def test_declaration_id_rule():
    namespace = uuid.UUID("5b1f6a0e-7c0d-4d7e-9a51-0e4c1f2d3a6b")
    sha = "ab" * 32
    assert declaration_id_for("ashgrove", sha, 7) == str(uuid.uuid5(namespace, f"declaration:ashgrove:{sha}:7"))
    assert declaration_id_for("ashgrove", sha, 7) != declaration_id_for("ashgrove", sha, 8)


def test_voids_name_declarations_made_in_earlier_batches(demo):
    root, plan = demo
    cycle_of = _cycle_of(plan)
    made: dict[str, tuple[str, str]] = {}  # declaration id -> (provider, file)
    voids = []
    for cycle in plan.cycles:
        for relative in cycle.files:
            if not relative.startswith("inbox/providers/") or HAND_EDITED_MARK in relative:
                continue
            slug = relative.split("/")[2]
            raw = (root / relative).read_bytes()
            sha = hashlib.sha256(raw).hexdigest()
            for number, line in enumerate(raw.decode().splitlines(), start=1):
                request = json.loads(line)
                if request["method"] == "POST" and request["path"].endswith("/participant-declarations"):
                    made[declaration_id_for(slug, sha, number)] = (slug, relative)
                if request["path"].endswith("/void"):
                    voids.append((slug, request["path"].split("/")[-2], relative))
    unknown = [v for v in voids if v[1] not in made]
    foreign = [v for v in voids if v[1] in made and made[v[1]][0] != v[0]]
    assert len(unknown) == plan.counts["scenario.void_unknown_declaration"]
    assert len(foreign) == plan.counts["scenario.void_other_providers_declaration"]
    assert len(voids) == plan.counts["void_requests"] > 100
    for slug, declaration_id, relative in voids:
        if declaration_id in made:
            target_file = made[declaration_id][1]
            assert target_file < relative or cycle_of[target_file] < cycle_of[relative]
            assert cycle_of[target_file] <= cycle_of[relative]


# ------------------------------------------------------------------------------- cycles
def test_cycles_are_monthly_fixed_instants_and_list_every_file_once(demo):
    root, plan = demo
    assert plan.scale == "small" and plan.seed == SEED
    as_ofs = [c.as_of for c in plan.cycles]
    assert all(isinstance(c, DemoCycle) for c in plan.cycles)
    assert all(a.tzinfo is not None and a.utcoffset().total_seconds() == 0 for a in as_ofs)
    assert all(a < b for a, b in zip(as_ofs, as_ofs[1:]))
    assert as_ofs[-1] <= datetime(2026, 10, 31, tzinfo=timezone.utc)
    assert len(as_ofs) >= 19
    listed = [f for c in plan.cycles for f in c.files]
    assert len(listed) == len(set(listed))
    assert all(f.startswith("inbox/") for f in listed)
    written = sorted(p.relative_to(root).as_posix() for p in (root / "inbox").rglob("*") if p.is_file())
    assert sorted(listed) == written
    assert plan.counts["files"] == len(written)


def test_every_row_lands_in_the_cycle_whose_window_holds_it(demo):
    root, plan = demo
    previous = None
    late_rows = 0
    for cycle in plan.cycles:
        for relative in cycle.files:
            path = root / relative
            family = relative.split("/")[1]
            if family == "providers":
                instants = []
                for line in path.read_text().splitlines():
                    try:
                        request = json.loads(line)
                        instants.append(_instant(request["submitted_at"]))
                    except (ValueError, KeyError, TypeError, AttributeError):
                        continue  # a quarantine-worthy line
            else:
                column = INSTANT_COLUMN[family]
                with path.open(newline="") as handle:
                    instants = [_instant(row[column]) for row in csv.DictReader(handle)]
            for instant in instants:
                assert instant <= cycle.as_of, (relative, instant)
                if LATE_MARK in relative:
                    late_rows += 1
                    assert previous is not None and instant <= previous, (relative, instant)
                elif previous is not None:
                    assert instant > previous, (relative, instant)
        previous = cycle.as_of
    assert late_rows == plan.counts["late_file_lines"] > 0


# ------------------------------------------------------------------------------- content
def test_every_error_scenario_is_generated(demo):
    _, plan = demo
    missing = [name for name in ERROR_SCENARIOS if plan.counts.get(f"scenario.{name}", 0) < 1]
    assert not missing
    # every error of declarations.md §1.2 (steps 0–14) is targeted
    steps = set()
    for scenario in ERROR_SCENARIOS.values():
        if scenario.area == "declaration" and "§1.2 step" in scenario.step:
            steps.update(re.findall(r"\b(\d+[ab]?)\b", scenario.step.split("§1.2", 1)[1].split("/")[0]))
    assert steps >= {"0", "1", "2", "3", "4", "5", "6", "7a", "7b", "8", "9", "10", "11", "12", "13a", "13b", "14"}


def test_small_scale_volumes(demo):
    _, plan = demo
    counts = plan.counts
    assert counts["lead_providers"] == 6
    assert 100 <= counts["schools"] <= 150
    assert 1_500 <= counts["participant_profiles"] <= 3_000
    assert 10_000 <= counts["request_lines"] <= 30_000
    assert counts["authorisations"] > 50 and counts["finance_rows"] > counts["authorisations"]
    assert counts["transfers_between_providers"] > 0 and counts["relationship_transfers"] > 0


def test_request_batches_mix_every_kind_of_request(demo):
    root, _ = demo
    seen = set()
    for path in (root / "inbox" / "providers").rglob("*.jsonl"):
        if HAND_EDITED_MARK in path.name:
            continue
        for line in path.read_text().splitlines():
            request = json.loads(line)
            route = re.sub(r"/v\d/", "/", request["path"])
            route = re.sub(r"[0-9a-f]{8}-[0-9a-f-]{27}", "{id}", route)
            seen.add((request["method"], route.split("?")[0]))
            body = request["body"]
            if isinstance(body, dict) and "declaration_type" in body.get("data", {}).get("attributes", {}):
                seen.add(("type", body["data"]["attributes"]["declaration_type"]))
    for expected in [("POST", "/api/participant-declarations"), ("PUT", "/api/participant-declarations/{id}/void"),
                     ("PUT", "/api/participants/ecf/{id}/withdraw"), ("PUT", "/api/participants/ecf/{id}/defer"),
                     ("PUT", "/api/participants/ecf/{id}/resume"), ("PUT", "/api/participants/ecf/{id}/change-schedule"),
                     ("PUT", "/api/participants/{id}/resume"), ("POST", "/api/partnerships/ecf"),
                     ("PUT", "/api/partnerships/ecf/{id}"), ("PATCH", "/api/partnerships/ecf/{id}")]:
        assert expected in seen, expected
    for declaration_type in ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed",
                             "extended-1", "extended-2", "extended-3"):
        assert ("type", declaration_type) in seen, declaration_type


def test_contracts_are_realistic(demo):
    root, _ = demo
    reference = root / "inbox" / "reference"
    with (reference / "contracts.csv").open(newline="") as handle:
        contracts = list(csv.DictReader(handle))
    with (reference / "contract_bands.csv").open(newline="") as handle:
        bands = list(csv.DictReader(handle))
    with (reference / "mentor_contracts.csv").open(newline="") as handle:
        mentor_contracts = list(csv.DictReader(handle))
    with (reference / "lead_providers.csv").open(newline="") as handle:
        providers = list(csv.DictReader(handle))
    assert len(providers) == 6 and {p["vat_chargeable"] for p in providers} == {"true", "false"}
    assert {(c["lead_provider_id"], c["cohort"]) for c in contracts} == {
        (p["lead_provider_id"], str(cohort)) for p in providers for cohort in range(2021, 2026)}
    per_contract: dict[tuple, list] = {}
    for band in bands:
        per_contract.setdefault((band["lead_provider_id"], band["cohort"], band["version"]), []).append(band)
        assert 800 <= float(band["per_participant"]) <= 1_100
        assert (band["output_payment_percentage"], band["service_fee_percentage"]) in (("60", "40"), ("100", "0"))
    assert all(1 <= len(b) <= 4 for b in per_contract.values())
    assert any(b["output_payment_percentage"] == "100" for b in bands)
    assert any(c["cohort"] == "2025" and c["uplift_amount"] == "" for c in contracts)
    assert all(c["cohort"] != "2025" or "100" not in {b["output_payment_percentage"] for b in
               per_contract[(c["lead_provider_id"], "2025", "1.0")]} for c in contracts)
    assert {m["cohort"] for m in mentor_contracts} == {"2025"}
    versions = list((root / "inbox" / "reference").glob("contracts-*.csv"))
    assert versions and list((root / "inbox" / "finance").glob("contract_changes-*.csv"))


def test_registrations_cover_schedules_eligibility_transfers_and_shared_trns(demo):
    root, _ = demo
    registrations = root / "inbox" / "registrations"

    def rows(kind):
        out = []
        for path in sorted(registrations.glob(f"{kind}-*.csv")):
            with path.open(newline="") as handle:
                out.extend(csv.DictReader(handle))
        return out

    profiles = rows("participant_profiles")
    assert {p["cohort"] for p in profiles} == {"2021", "2022", "2023", "2024", "2025"}
    families = {(p["participant_type"], p["schedule_identifier"].split("-")[1]) for p in profiles}
    assert families >= {("ect", "standard"), ("ect", "extended"), ("ect", "reduced"), ("mentor", "replacement")}
    assert not any(p["participant_type"] == "ect" and "replacement" in p["schedule_identifier"] for p in profiles)
    assert {p["eligibility_status"] for p in profiles} >= {"eligible", "manual_check", "ineligible"}
    trn_users: dict[str, set] = {}
    identity_user = {i["participant_identity_id"]: i["user_id"] for i in rows("participant_identities")}
    for p in profiles:
        if p["trn"]:
            trn_users.setdefault(p["trn"], set()).add(identity_user[p["participant_identity_id"]])
    assert any(len(users) > 1 for users in trn_users.values())
    placements = rows("induction_placements")
    assert any(p["school_transfer"] == "true" for p in placements)
    assert any(p["end_at"] and p["induction_status"] == "leaving" for p in placements)
    assert any(p["mentor_profile_id"] for p in placements)
    assert any(p["relationship"] == "true" for p in rows("partnerships"))
    assert rows("partnership_challenges") and rows("participant_id_changes")


def test_generated_ids_are_uuid5_of_the_seed_namespace():
    from pipelines.demo.model import DEMO_NAMESPACE, Ids

    ids = Ids(SEED)
    namespace = uuid.uuid5(DEMO_NAMESPACE, f"seed:{SEED}")
    for role in ("lead_provider:0", "user:17", "placement:3:1", "école"):
        assert ids(role) == str(uuid.uuid5(namespace, role))
    assert Ids(SEED)("user:17") != Ids(SEED + 1)("user:17")
