"""The publish stage's API part: the cycle's snapshot from the world the apply stage left behind."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Callable

import duckdb
import polars as pl

from api_export.snapshot_records import resource_sets
from api_export.snapshot_store import write_snapshot
from pipelines.apply.checkpoint import collector_paused, load_checkpoint
from pipelines.instants import stamp
from pipelines.state.database import first_row

__all__ = ["publish_snapshot", "stored_declarations", "SnapshotSourceMissing"]


class SnapshotSourceMissing(Exception):
    """The world of the pending cycle is not available (no matching checkpoint)."""


def _generator() -> dict:
    try:
        package_version = version("ecf-payments-pipeline")
    except PackageNotFoundError:
        package_version = "unknown"
    return {"name": "ecf-payments-pipeline", "version": package_version}


def stored_declarations(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The world's declarations as the apply stage stored them with it (`pipelines.apply.persist`): the
    snapshot reads the bulk of its records from here rather than from a million objects."""
    return con.sql("SELECT * FROM declarations").pl()


def publish_snapshot(con: duckdb.DuckDBPyConnection, home_root: Path, cycle_id: int, as_of: datetime,
                     progress: Callable[[str, int, int], None] | None = None) -> dict:
    """Write `snapshots/<cycle stamp>/` from the world replayed up to this cycle and point `current` at it.
    Returns the manifest's summary (id, record total, files)."""
    last_seq, inputs_sha = first_row(
        con, """SELECT (SELECT coalesce(max(event_seq), 0) FROM timeline WHERE cycle_id <= $id),
                       (SELECT inputs_sha256 FROM cycles WHERE cycle_id = $id)""", {"id": cycle_id})
    with collector_paused(world_lives_on=True):
        replay = load_checkpoint(home_root, cycle_id, last_seq, to_change=False, declarations=False)
        if replay is None:
            raise SnapshotSourceMissing(
                f"the world of cycle {cycle_id} is not saved ({home_root / 'world.checkpoint'} is missing or from "
                "another cycle or code version); run `ecf apply` again for this cycle, then `ecf publish`")
        world = replay.world
        providers = len(world.lead_providers)

        def counted():
            """The sets, reporting each provider done when the sets move on to the next one."""
            started: list[str] = []
            for resource_set in resource_sets(world, stored_declarations(con), as_of):
                scope = resource_set.path.split("/")[1] if resource_set.path.startswith("providers/") else "shared"
                if progress and started and scope != started[-1]:
                    progress("publish", len(started), providers)
                if not started or scope != started[-1]:
                    started.append(scope)
                yield resource_set

        metadata = {"inputs_sha256": inputs_sha, "feature_flags": dict(sorted(world.feature_flags.items())),
                    "generator": _generator()}
        manifest = write_snapshot(home_root / "snapshots", stamp(as_of), as_of, counted(), metadata)
    return {"snapshot_id": manifest["snapshot_id"], "snapshot_records": manifest["record_counts"]["total"],
            "snapshot_files": len(manifest["files"])}
