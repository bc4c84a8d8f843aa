"""The declaration scopes written the straightforward way, one declaration at a time: the oracle that
`visibility.declarations_v1_scope` / `declarations_v3_scope` (polars filters) are held to over the
demo world (test_api_snapshot.py). The rules are api.md §3.2 and §3.5, as `visibility` documents them."""

from __future__ import annotations

from pipelines.world.model import LIVE_STATES
from pipelines.world.world import World

_ACTIVE_OR_COMPLETED = {"active", "completed"}


def _provider_records(world: World, lead_provider_id: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for record in world.records.values():
        if world.provider_of_record(record) == lead_provider_id:
            found.setdefault(record.profile_id, []).append(record)
    return found


def _in_order(declarations) -> list[str]:
    return [d.declaration_id for d in sorted(declarations, key=lambda d: (d.created_at, d.declaration_id))]


def declarations_v1(world: World, lead_provider_id: str) -> list[str]:
    records = _provider_records(world, lead_provider_id)
    active = {p for p, rs in records.items() if any(r.induction_status in _ACTIVE_OR_COMPLETED for r in rs)}
    return _in_order(d for d in world.declarations.values()
                     if d.lead_provider_id == lead_provider_id or (d.state in LIVE_STATES and d.profile_id in active))


def declarations_v3(world: World, lead_provider_id: str) -> list[str]:
    records = _provider_records(world, lead_provider_id)

    def fip(record) -> bool:
        programme = world.programmes.get(record.induction_programme_id)
        return programme is not None and programme.training_programme != "core_induction_programme"

    active = {p for p, rs in records.items() if any(r.induction_status in _ACTIVE_OR_COMPLETED and fip(r) for r in rs)}
    ends = {p: [r.end_at for r in rs if r.induction_status == "leaving"] for p, rs in records.items()}

    def visible(d) -> bool:
        if d.lead_provider_id == lead_provider_id:
            return True
        return d.state in LIVE_STATES and (d.profile_id in active or any(
            end is None or d.declaration_date <= end for end in ends.get(d.profile_id, ())))

    return _in_order(d for d in world.declarations.values() if visible(d))
