"""The snapshot the small demo publishes, served: manifest, sharing, determinism, provider isolation.

Isolation is checked against the scope functions (`pipelines.world.visibility`) on the world the
snapshot was built from: every list holds exactly the records its provider may see, and every
other provider's ids answer 404 unless the live visibility rules show the record to both.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import orjson
import pytest
from starlette.testclient import TestClient

from api_export.publish import stored_declarations
from api_export.server import create_app
from api_export.snapshot_records import resource_sets
from api_export.snapshot_store import SnapshotError, list_snapshots, prune_snapshots, verify_snapshot, write_snapshot
from api_export.tokens import issue_token
from pipelines.apply import checkpoint
from pipelines.apply.checkpoint import load_checkpoint
from pipelines.instants import as_utc
from pipelines.state.database import open_state
from pipelines.world import visibility

import visibility_oracle
from test_api_server import AS_OF, literal_sets

ALL_YEARS = ",".join(str(y) for y in range(2015, 2035))
EVERY_YEAR = range(0, 9999)


@pytest.fixture(scope="module")
def demo_api(small_demo):
    home, _ = small_demo
    with open_state(home.state_db, read_only=True) as con:
        cycle_id, as_of = con.execute("SELECT max(cycle_id), max(as_of) FROM cycles").fetchall()[0]
        last_seq = con.execute("SELECT max(event_seq) FROM timeline").fetchall()[0][0]
        inputs_sha = con.execute("SELECT inputs_sha256 FROM cycles WHERE cycle_id = $id", {"id": cycle_id}).fetchall()
    replay = load_checkpoint(home.root, cycle_id, last_seq, to_change=False)
    assert replay is not None, "the demo's last cycle left no matching world checkpoint"
    world = replay.world
    tokens = {lp: issue_token(home.tokens, lp, world.lead_providers[lp].slug, as_utc(as_of)).token
              for lp in world.lead_providers}
    client = TestClient(create_app(home.root, rate=None))
    return home, world, as_utc(as_of), inputs_sha[0][0], tokens, client


def _all_ids(client, token: str, url: str) -> list[str]:
    found, page = [], 1
    while True:
        separator = "&" if "?" in url else "?"
        response = client.get(f"{url}{separator}page[per_page]=3000&page[page]={page}",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.content
        data = orjson.loads(response.content)["data"]
        if not data:
            return found
        found += [record["id"] for record in data]
        page += 1


def test_the_demo_ends_with_a_verified_current_snapshot(demo_api):
    home, world, as_of, inputs_sha, _, client = demo_api
    infos = list_snapshots(home.snapshots)
    assert len(infos) == 3 and infos[-1].current  # the demo publishes its last three cycles
    current = home.snapshots / infos[-1].snapshot_id
    manifest = verify_snapshot(current)
    assert manifest["as_of"] == as_of.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert manifest["snapshot_id"] == as_of.strftime("%Y-%m-%dT%H%M%SZ")
    assert manifest["served_versions"] == ["v1", "v2", "v3"]
    assert manifest["inputs_sha256"] == inputs_sha
    assert manifest["feature_flags"] == {"programme_type_changes_2025": True}
    assert manifest["record_counts"]["total"] == sum(s["records"] for s in manifest["sets"].values()) > 1000
    assert orjson.loads(client.get("/").content)["snapshot_id"] == infos[-1].snapshot_id


def test_unchanged_files_are_shared_between_snapshots(demo_api):
    home = demo_api[0]
    first, last = list_snapshots(home.snapshots)[-2:]
    manifests = [orjson.loads((home.snapshots / s.snapshot_id / "manifest.json").read_bytes()) for s in (first, last)]
    same = [path for path, entry in manifests[1]["files"].items()
            if manifests[0]["files"].get(path, {}).get("sha256") == entry["sha256"]]
    assert same, "no file is unchanged between two consecutive demo cycles"
    for path in same:
        a, b = (home.snapshots / s.snapshot_id / path for s in (first, last))
        assert os.stat(a).st_ino == os.stat(b).st_ino  # one copy on disk
    # v2 participants are the v1 bytes (api.md §3.1): stored once
    v1 = [p for p in manifests[1]["files"] if "/v1/participants-ecf/records-" in p]
    assert v1 and all(manifests[1]["files"][p]["sha256"] == manifests[1]["files"][p.replace("/v1/", "/v2/")]["sha256"]
                      for p in v1)


def test_publishing_again_gives_the_same_bytes(demo_api, tmp_path):
    home, world, as_of, inputs_sha, _, _ = demo_api
    current = list_snapshots(home.snapshots)[-1].snapshot_id
    stored = (home.snapshots / current / "manifest.json").read_bytes()
    metadata = {k: v for k, v in orjson.loads(stored).items()
                if k in ("inputs_sha256", "feature_flags", "generator")}
    with open_state(home.state_db, read_only=True) as con:
        declarations = stored_declarations(con)
    manifest = write_snapshot(tmp_path / "snapshots", current, as_of, resource_sets(world, declarations, as_of),
                              metadata)
    assert (tmp_path / "snapshots" / current / "manifest.json").read_bytes() == stored
    assert manifest["files"] == orjson.loads(stored)["files"]


def test_a_lone_publish_reads_the_world_from_disk_without_its_declarations(demo_api, tmp_path, monkeypatch):
    """`ecf publish` in a process of its own: the world comes from `world.checkpoint` alone (its declaration
    part stays on disk, and touching it fails loudly), and the snapshot is the cycle's, byte for byte."""
    home, _, as_of, *_ = demo_api
    monkeypatch.setattr(checkpoint, "_LAST_SAVED", {})  # nothing handed over in memory
    with open_state(home.state_db, read_only=True) as con:
        cycle_id, last_seq = con.execute("SELECT max(cycle_id), (SELECT max(event_seq) FROM timeline) "
                                         "FROM cycles").fetchall()[0]
        declarations = stored_declarations(con)
    world = load_checkpoint(home.root, cycle_id, last_seq, to_change=False, declarations=False).world
    with pytest.raises(RuntimeError, match="World.declarations is not loaded"):
        len(world.declarations)
    full = load_checkpoint(home.root, cycle_id, last_seq, to_change=False).world
    assert len(full.declarations) == declarations.height > 0 and full.line_items
    current = list_snapshots(home.snapshots)[-1].snapshot_id
    stored = orjson.loads((home.snapshots / current / "manifest.json").read_bytes())
    manifest = write_snapshot(tmp_path / "snapshots", current, as_of, resource_sets(world, declarations, as_of),
                              {k: v for k, v in stored.items() if k in ("inputs_sha256", "feature_flags", "generator")})
    assert manifest["files"] == stored["files"]


def test_declaration_scopes_equal_the_one_at_a_time_oracle(demo_api):
    """The polars scopes (`visibility.declarations_v*_scope`) against the straightforward rule, on the demo
    world, for every provider; the demo has other providers' live declarations in both scopes."""
    _, world, *_ = demo_api
    shared = 0
    for lp in world.lead_providers:
        v1 = [d.declaration_id for d in visibility.visible_declarations_v1(world, lp)]
        v3 = [d.declaration_id for d in visibility.visible_declarations_v3(world, lp)]
        assert v1 == visibility_oracle.declarations_v1(world, lp)
        assert v3 == visibility_oracle.declarations_v3(world, lp)
        shared += sum(world.declarations[d].lead_provider_id != lp for d in v1 + v3)
    assert shared  # the "other providers" parts are exercised, not only own declarations


PROVIDER_LISTS = [
    ("v1 participants", "/api/v1/participants/ecf?filter[cohort]=" + ALL_YEARS,
     lambda w, lp: list(dict.fromkeys(u for u, _ in visibility.visible_participants_v1(w, lp, cohorts=EVERY_YEAR)))),
    ("v1 declarations", "/api/v1/participant-declarations",
     visibility_oracle.declarations_v1),
    ("v3 participants", "/api/v3/participants/ecf?filter[cohort]=" + ALL_YEARS,
     lambda w, lp: visibility.visible_participants_v3(w, lp, cohorts=EVERY_YEAR)),
    ("v3 declarations", "/api/v3/participant-declarations",
     visibility_oracle.declarations_v3),
    ("v3 transfers", "/api/v3/participants/ecf/transfers", visibility.transfer_users),
    ("v3 partnerships", "/api/v3/partnerships/ecf?filter[cohort]=" + ALL_YEARS,
     lambda w, lp: [p.partnership_id for p in visibility.visible_partnerships(w, lp, cohorts=EVERY_YEAR)]),
    ("v3 delivery partners", "/api/v3/delivery-partners?filter[cohort]=" + ALL_YEARS,
     lambda w, lp: [d.delivery_partner_id for d in visibility.visible_delivery_partners(w, lp, cohorts=EVERY_YEAR)]),
    ("v3 unfunded mentors", "/api/v3/unfunded-mentors/ecf", visibility.unfunded_mentors),
    ("v3 statements", "/api/v3/statements?filter[cohort]=" + ALL_YEARS,
     lambda w, lp: [s.statement_id for s in sorted(w.statements.values(), key=lambda s: (s.payment_on, s.created_at,
                                                                                           s.statement_id))
                    if s.lead_provider_id == lp and s.output_fee]),
]
SHOW_URLS = {"v1 participants": "/api/v1/participants/ecf/{}", "v1 declarations": "/api/v1/participant-declarations/{}",
             "v3 participants": "/api/v3/participants/ecf/{}?filter[cohort]=" + ALL_YEARS,
             "v3 declarations": "/api/v3/participant-declarations/{}",
             "v3 transfers": "/api/v3/participants/ecf/{}/transfers", "v3 partnerships": "/api/v3/partnerships/ecf/{}",
             "v3 delivery partners": "/api/v3/delivery-partners/{}",
             "v3 unfunded mentors": "/api/v3/unfunded-mentors/ecf/{}",
             "v3 statements": "/api/v3/statements/{}"}


@pytest.mark.parametrize("name, url, expected", PROVIDER_LISTS, ids=[p[0] for p in PROVIDER_LISTS])
def test_every_list_is_exactly_what_its_provider_may_see(demo_api, name, url, expected):
    home, world, _, _, tokens, client = demo_api
    seen: dict[str, list[str]] = {}
    for lp, token in tokens.items():
        got = _all_ids(client, token, url)
        if name == "v1 participants":
            got = list(dict.fromkeys(got))  # a user with an ECT and a mentor profile is listed twice
        assert got == expected(world, lp), f"{name} of {world.lead_providers[lp].slug}"
        seen[lp] = got
    assert any(seen.values()), f"the demo gives no provider any {name}"
    # another provider's records: 404, unless the live rules show them to both
    for lp, token in tokens.items():
        mine = set(seen[lp])
        others = [i for other, ids in seen.items() if other != lp for i in ids if i not in mine][:25]
        for record_id in others:
            response = client.get(SHOW_URLS[name].format(record_id), headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == 404, (name, record_id)
            assert response.content == b'{"error":"Resource not Found"}'


def test_schools_are_shared_and_filtered_by_cohort(demo_api):
    home, world, _, _, tokens, client = demo_api
    year = max(world.cohorts)
    expected = [s.school_id for s in visibility.visible_schools(world, year)]
    for token in tokens.values():
        assert _all_ids(client, token, f"/api/v3/schools/ecf?filter[cohort]={year}") == expected


def test_bodies_are_the_serializers_bytes(demo_api):
    """One record per endpoint, compared with the serializer's output for that record."""
    from api_export.json_bytes import live_json
    from api_export.serializers import declaration_resource, participant_resource_v1, participant_resource_v3

    home, world, as_of, _, tokens, client = demo_api
    lp, token = next((lp, t) for lp, t in tokens.items() if visibility.visible_declarations_v3(world, lp))
    declaration = visibility.visible_declarations_v3(world, lp)[0]
    for version in (1, 2, 3):
        response = client.get(f"/api/v{version}/participant-declarations/{declaration.declaration_id}",
                              headers={"Authorization": f"Bearer {token}"})
        assert response.content == b'{"data":' + live_json(declaration_resource(world, declaration, version)) + b"}"
    user = visibility.visible_participants_v3(world, lp)[0]
    response = client.get(f"/api/v3/participants/ecf/{user}", headers={"Authorization": f"Bearer {token}"})
    assert response.content == b'{"data":' + live_json(participant_resource_v3(world, lp, user, as_of)) + b"}"
    for user, _ in visibility.visible_participants_v1(world, lp)[:50]:  # v1/v2: the ECT entry of the user
        for version in (1, 2):
            response = client.get(f"/api/v{version}/participants/ecf/{user}",
                                  headers={"Authorization": f"Bearer {token}"})
            assert response.content == b'{"data":' + live_json(participant_resource_v1(world, lp, user, as_of)) + b"}"


def test_every_v3_participant_and_unfunded_mentor_of_the_demo_is_the_serializers_bytes(demo_api):
    """The column-wise v3 participants and unfunded mentors (`participant_records`) against
    `participant_resource_v3` and `unfunded_mentor_resource`, one user at a time, for every provider of the
    demo: transfers, withdrawals, deferrals, mentors, id changes."""
    from api_export.json_bytes import live_json
    from api_export.participant_records import participant_tables, participants_v3, unfunded_mentors
    from api_export.read_resources import unfunded_mentor_resource
    from api_export.serializers import participant_resource_v3
    from api_export.snapshot_records import ANY_COHORT

    _, world, as_of, *_ = demo_api
    tables = participant_tables(world)
    seen = b""
    for lp in world.lead_providers:
        records, keys = participants_v3(tables, lp, as_of)
        users = visibility.visible_participants_v3(world, lp, cohorts=ANY_COHORT)
        assert keys["id"].to_list() == users
        expected = [live_json(participant_resource_v3(world, lp, u, as_of, visible_only=False)) for u in users]
        assert [r.encode() for r in records.to_list()] == expected
        seen += b"".join(expected)
        records, keys = unfunded_mentors(tables, lp)
        mentors = visibility.unfunded_mentors(world, lp)
        assert keys["id"].to_list() == mentors
        assert [r.encode() for r in records.to_list()] == [
            live_json(unfunded_mentor_resource(world, u)) for u in mentors]
    for shown in (b'"withdrawal":{', b'"deferral":{', b'"mentor_id":"', b'"participant_id_changes":[{'):
        assert shown in seen, f"the demo has no v3 participant with {shown.decode()}"


# ------------------------------------------------------------------------------------------------- store
def test_prune_keeps_the_newest_and_the_current_and_drops_unused_objects(tmp_path):
    snapshots = tmp_path / "snapshots"
    for day in (1, 2, 3):
        sets = literal_sets()
        sets[-1].records[0] = sets[-1].records[0].replace(b'"2021"', f'"20{20 + day}"'.encode())  # one change a day
        write_snapshot(snapshots, f"2025-03-0{day}T020000Z", AS_OF, sets, {"feature_flags": {}})
    assert [s.snapshot_id for s in list_snapshots(snapshots)] == [f"2025-03-0{d}T020000Z" for d in (1, 2, 3)]
    objects_before = sum(1 for p in (snapshots / "objects").rglob("*") if p.is_file())
    # three snapshots of ~30 files where one file changes a day: the objects store holds each version once
    manifest = orjson.loads((snapshots / "2025-03-01T020000Z" / "manifest.json").read_bytes())
    files = len({entry["sha256"] for entry in manifest["files"].values()})  # identical files are one object
    assert objects_before == files + 2  # the changed records file (same length: same index) of days 2 and 3
    with pytest.raises(SnapshotError):
        prune_snapshots(snapshots, 0)
    assert prune_snapshots(snapshots, 1) == ["2025-03-01T020000Z", "2025-03-02T020000Z"]
    assert [s.snapshot_id for s in list_snapshots(snapshots)] == ["2025-03-03T020000Z"]
    assert sum(1 for p in (snapshots / "objects").rglob("*") if p.is_file()) == files
    verify_snapshot(snapshots / "2025-03-03T020000Z")
    index = orjson.loads((snapshots / "index.json").read_bytes())
    assert [(r["snapshot_id"], r["current"]) for r in index] == [("2025-03-03T020000Z", True)]


def test_a_damaged_snapshot_fails_verification(tmp_path):
    snapshots = tmp_path / "snapshots"
    write_snapshot(snapshots, "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    folder = snapshots / "2025-03-01T020000Z"
    target = next(folder.rglob("records-*.ndjson"))
    content = target.read_bytes()
    target.unlink()  # break the hard link first: the object store keeps the good copy
    target.write_bytes(content.replace(b"2", b"3", 1))
    with pytest.raises(SnapshotError, match="does not match its manifest"):
        verify_snapshot(folder)


def test_publishing_over_a_damaged_stored_object_is_refused(tmp_path):
    """Each file is read back once stored and compared with the bytes hashed: an unchanged file is linked
    to its stored object, so a damaged object is caught there and `current` does not move."""
    snapshots = tmp_path / "snapshots"
    write_snapshot(snapshots, "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    damaged = next(path for path in (snapshots / "objects").rglob("*") if path.is_file())
    content = damaged.read_bytes()
    with damaged.open("r+b") as handle:  # in place: every snapshot file linked to it changes too
        handle.write(bytes([content[0] ^ 1]))
    with pytest.raises(SnapshotError, match="does not hold the bytes written"):
        write_snapshot(snapshots, "2025-03-02T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    assert os.readlink(snapshots / "current") == "2025-03-01T020000Z"


def test_snapshots_verify_checks_the_current_or_a_named_snapshot(tmp_path):
    from typer.testing import CliRunner

    from pipelines.cli import EXIT_REFUSED, app

    snapshots = tmp_path / "snapshots"
    runner = CliRunner()
    missing = runner.invoke(app, ["snapshots", "verify", "--home", str(tmp_path)])
    assert missing.exit_code == EXIT_REFUSED and "no snapshot has been published" in missing.output
    write_snapshot(snapshots, "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    good = runner.invoke(app, ["snapshots", "verify", "--home", str(tmp_path)])
    assert good.exit_code == 0 and "snapshot 2025-03-01T020000Z:" in good.output, good.output
    target = next((snapshots / "2025-03-01T020000Z").rglob("records-*.ndjson"))
    content = target.read_bytes()
    target.unlink()  # break the hard link first: the object store keeps the good copy
    target.write_bytes(content.replace(b"2", b"3", 1))
    damaged = runner.invoke(app, ["snapshots", "verify", "2025-03-01T020000Z", "--home", str(tmp_path)])
    assert damaged.exit_code == EXIT_REFUSED and "does not match its manifest" in damaged.output
    unknown = runner.invoke(app, ["snapshots", "verify", "../etc", "--home", str(tmp_path)])
    assert unknown.exit_code == EXIT_REFUSED and "is not a snapshot id" in unknown.output
    absent = runner.invoke(app, ["snapshots", "verify", "2020-01-01T000000Z", "--home", str(tmp_path)])
    assert absent.exit_code == EXIT_REFUSED and "there is no snapshot 2020-01-01T000000Z" in absent.output


def test_current_moves_only_to_a_complete_snapshot(tmp_path):
    snapshots = tmp_path / "snapshots"
    write_snapshot(snapshots, "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})

    def broken():
        yield from literal_sets()[:2]
        raise RuntimeError("the builder failed half-way")

    with pytest.raises(RuntimeError):
        write_snapshot(snapshots, "2025-03-02T020000Z", AS_OF, broken(), {"feature_flags": {}})
    assert os.readlink(snapshots / "current") == "2025-03-01T020000Z"
    assert [s.snapshot_id for s in list_snapshots(snapshots)] == ["2025-03-01T020000Z"]
    assert prune_snapshots(snapshots, 1) == [] and not list(snapshots.glob(".staging-*"))


def test_publish_without_the_world_says_what_to_do(small_demo, tmp_path):
    from pipelines.cycle import CycleError, stage_publish
    from pipelines.home import Home

    home, _ = small_demo
    copy = Home(tmp_path / "home")
    copy.root.mkdir()
    shutil.copy(home.state_db, copy.state_db)
    with open_state(copy.state_db) as con:  # reopen the last cycle as pending, without its world
        con.execute("UPDATE cycles SET status = 'pending' WHERE cycle_id = (SELECT max(cycle_id) FROM cycles)")
    with pytest.raises(CycleError, match="run `ecf apply` again"):
        stage_publish(copy)
    assert not Path(copy.root / "snapshots" / "current").exists()


def test_a_home_copied_without_symlinks_still_has_a_current_snapshot(tmp_path):
    original = tmp_path / "one" / "snapshots"
    write_snapshot(original, "2025-03-01T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    copy = tmp_path / "two" / "snapshots"
    shutil.copytree(original, copy, symlinks=False)  # `current` becomes a plain folder
    from api_export.snapshot_store import current_snapshot_id

    assert current_snapshot_id(copy) == "2025-03-01T020000Z"
    write_snapshot(copy, "2025-03-02T020000Z", AS_OF, literal_sets(), {"feature_flags": {}})
    assert os.readlink(copy / "current") == "2025-03-02T020000Z"
