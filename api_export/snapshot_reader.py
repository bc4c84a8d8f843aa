"""Reading a published snapshot: resource sets loaded on first use and kept (records memory-mapped).

Only paths from the snapshot's own manifest are ever opened: a request names an endpoint and a
provider, never a file, so nothing outside the snapshot can be read through the server.
"""

from __future__ import annotations

import mmap
import threading
from dataclasses import dataclass
from pathlib import Path

import orjson
import polars as pl

from api_export.snapshot_store import SnapshotError, chunk_name, current_snapshot_id, snapshot_folder

__all__ = ["LoadedSet", "Snapshot", "SnapshotCatalog"]


def _map(path: Path) -> bytes | mmap.mmap:
    with path.open("rb") as handle:
        size = path.stat().st_size
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""


@dataclass
class LoadedSet:
    index: pl.DataFrame  # with a `row` column: the record's position in the set
    records: list[bytes | mmap.mmap]  # the chunk files, memory-mapped
    csv: list[bytes | mmap.mmap] | None
    csv_header: bytes

    def __post_init__(self) -> None:
        self._chunk = self.index["chunk"].to_list()
        self._offset = self.index["offset"].to_list()
        self._length = self.index["length"].to_list()
        self._csv_places: tuple[list[int], list[int]] | None = None

    def record(self, row: int) -> bytes:
        chunk, offset = self.records[self._chunk[row]], self._offset[row]
        return chunk[offset:offset + self._length[row]]

    def records_of(self, rows: list[int]) -> list[bytes]:
        return [self.record(row) for row in rows]

    def csv_of(self, rows: list[int]) -> bytes:
        """The CSV body of these rows: header first; empty (no header) when there are none (§3.1)."""
        if not rows or self.csv is None:
            return b""
        if self._csv_places is None:  # the first CSV request of this set
            self._csv_places = (self.index["csv_offset"].to_list(), self.index["csv_length"].to_list())
        offsets, lengths = self._csv_places
        return self.csv_header + b"".join(self.csv[self._chunk[r]][offsets[r]:offsets[r] + lengths[r]] for r in rows)


class Snapshot:
    def __init__(self, folder: Path):
        self.folder = folder
        self.manifest = orjson.loads((folder / "manifest.json").read_bytes())
        self.snapshot_id = self.manifest["snapshot_id"]
        self._sets: dict[str, LoadedSet | None] = {}
        self._lock = threading.Lock()

    def resource_set(self, path: str) -> LoadedSet | None:
        """A resource set by its manifest path (e.g. `providers/<id>/v3/statements`); None if absent."""
        if path in self._sets:
            return self._sets[path]
        with self._lock:
            if path not in self._sets:
                entry = self.manifest["sets"].get(path)
                self._sets[path] = None if entry is None else self._load(path, entry)
        return self._sets[path]

    def _load(self, path: str, entry: dict) -> LoadedSet:
        folder = self.folder / path
        index = pl.read_parquet(folder / "index.parquet").with_row_index("row")
        chunks = range(entry["chunks"])
        has_csv = "csv_offset" in index.columns
        return LoadedSet(index, [_map(folder / chunk_name(n, "ndjson")) for n in chunks],
                         [_map(folder / chunk_name(n, "csv")) for n in chunks] if has_csv else None,
                         entry.get("csv_header", "").encode())


class SnapshotCatalog:
    """The snapshots a server can answer from: a fixed id, or whatever `current` points at (re-read on every
    request, so a running server moves to the next cycle's snapshot as soon as it is published)."""

    def __init__(self, snapshots: Path, snapshot_id: str | None = None):
        self.snapshots = snapshots
        self.fixed = snapshot_id
        self._open: dict[str, Snapshot] = {}
        self._lock = threading.Lock()
        if snapshot_id is not None:
            self.get()  # fail at start, not on the first request

    def get(self) -> Snapshot:
        snapshot_id = self.fixed or current_snapshot_id(self.snapshots)
        if snapshot_id is None:
            raise SnapshotError(f"no snapshot is published under {self.snapshots}; run `ecf cycle` (or `ecf "
                                "publish`) first")
        snapshot = self._open.get(snapshot_id)
        if snapshot is None:
            folder = snapshot_folder(self.snapshots, snapshot_id)
            if not (folder / "manifest.json").is_file():
                raise SnapshotError(f"snapshot {snapshot_id} is not in {self.snapshots} (`ecf snapshots list`)")
            with self._lock:
                snapshot = self._open.setdefault(snapshot_id, Snapshot(folder))
                for other in [s for s in self._open if s != snapshot_id]:
                    del self._open[other]  # the previous current: its memory maps close when unused
        return snapshot
