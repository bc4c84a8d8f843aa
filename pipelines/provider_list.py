"""The lead providers in force at the last cycle: what `ecf providers` lists."""

from __future__ import annotations

from pipelines.cycle import CycleError
from pipelines.home import Home
from pipelines.ingest.kinds import KINDS_BY_FOLDER
from pipelines.state.database import open_state, scalar
from pipelines.timeline.in_force import in_force_sql

LEAD_PROVIDERS = KINDS_BY_FOLDER[("reference", "lead_providers")]


def lead_providers(home: Home) -> list[dict]:
    if not home.state_db.exists():
        raise CycleError(f"no cycle has run in {home.root} yet; run `ecf cycle` (or `ecf demo`) first")
    with open_state(home.state_db, read_only=True) as con:
        as_of = scalar(con, "SELECT max(as_of) FROM cycles WHERE status = 'complete'")
        if as_of is None:
            raise CycleError(f"no cycle has completed in {home.root} yet; run `ecf cycle` first")
        rows = con.execute(f"SELECT lead_provider_id, slug, name FROM ({in_force_sql(LEAD_PROVIDERS)}) "
                           "ORDER BY slug", {"at": as_of}).fetchall()
    return [{"id": lead_provider_id, "slug": slug, "name": name} for lead_provider_id, slug, name in rows]
