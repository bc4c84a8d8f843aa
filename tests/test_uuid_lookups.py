"""Ids in paths and bodies compare as PostgreSQL uuids, as in the live service: any case, braces,
missing hyphens; anything not UUID-shaped finds nothing."""

from __future__ import annotations

from datetime import datetime, timezone

from pipelines.ids import canonical_uuid, lookup_keys
from pipelines.world.model import Identity
from pipelines.world.world import World

T0 = datetime(2024, 9, 1, tzinfo=timezone.utc)
USER = "6f1d2c3a-0000-4000-8000-0000000000aa"


def test_canonical_uuid_follows_the_rails_cast():
    assert canonical_uuid(USER.upper()) == USER
    assert canonical_uuid("{" + USER.replace("-", "") + "}") == USER
    assert canonical_uuid("not-a-uuid") is None
    assert canonical_uuid(12345) is None
    assert lookup_keys(USER) == (USER,)
    assert lookup_keys(USER.upper()) == (USER.upper(), USER)


def test_an_upper_case_participant_id_resolves_through_its_external_identifier():
    world = World()
    world.add_identity(Identity("identity-1", USER, USER, "kim@example.com", T0, T0))
    assert world.resolve_identity(USER.upper(), "ecf-induction").identity_id == "identity-1"
    assert world.resolve_identity("6f1d2c3a", "ecf-induction") is None
