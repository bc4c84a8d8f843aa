"""Snapshots on disk: immutable folders, content-addressed files, a `current` pointer (`api.md` §8.3,
`product.md` §6).

Layout under the home's `snapshots/`:

    objects/<aa>/<sha256>                      every file's bytes, once (content-addressed)
    <snapshot-id>/manifest.json                snapshot id, as_of, inputs' hash, flags, served versions,
                                               record counts, per-file sha256 and size
    <snapshot-id>/providers/<lead-provider-id>/v{1,2,3}/<endpoint>/records-NNNNN.{ndjson,csv}, index.parquet
    <snapshot-id>/shared/v3/schools-ecf/cohort=<year>/records-NNNNN.ndjson, index.parquet
    current -> <snapshot-id>                   symlink, replaced atomically after verification
    index.json                                 every snapshot: id, as_of, records, current or not

A snapshot's files are hard links to their object, so an unchanged file costs no disk from cycle to
cycle and a snapshot folder still reads as plain files. The records are cut into chunk files of
`CHUNK_RECORDS` records, one exact resource per line (`records-00000.ndjson`, …; the v1/v2 CSV rows
in `records-00000.csv`, …), so a change rewrites only its chunk; `index.parquet` has one row per
record, in order: its `chunk`, byte `offset`/`length` in that chunk (and `csv_offset`/`csv_length`)
and the hidden keys (`snapshot_records`).
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson
import polars as pl
import pyarrow as pa

from api_export.snapshot_records import SERVED_VERSIONS, ResourceSet

__all__ = ["SnapshotError", "write_snapshot", "list_snapshots", "prune_snapshots", "current_snapshot_id",
           "snapshot_folder", "verify_snapshot", "chunk_name", "CHUNK_RECORDS"]

_DTYPES = {"str": pl.String, "i64": pl.Int64, "i32": pl.Int32, "bool": pl.Boolean,
           "list[i32]": pl.List(pl.Int32), "list[str]": pl.List(pl.String)}
# Python lists of lists go through Arrow: polars converts each inner list on its own (measured: 1.3 s for
# 260,000 lists, against 0.07 s through pyarrow).
_ARROW_LISTS = {"list[i32]": pa.list_(pa.int32()), "list[str]": pa.list_(pa.large_string())}
_STAGING = ".staging-"
# Records per chunk file: a cycle that changes a few records (new declarations are appended, old
# ones rarely change) rewrites only their chunks; the others are shared with the previous snapshot.
CHUNK_RECORDS = 16_384


class SnapshotError(Exception):
    """A snapshot cannot be written, verified, found or pruned; the message says why and what to do."""


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: str
    as_of: str
    records: int
    current: bool


def chunk_name(number: int, suffix: str) -> str:
    return f"records-{number:05d}.{suffix}"


def _lengths(items: list[bytes] | pl.Series) -> pl.Series:
    if isinstance(items, pl.Series):
        return items.str.len_bytes().cast(pl.Int64)
    return pl.Series([len(item) for item in items], dtype=pl.Int64)


def _chunk(items: list[bytes] | pl.Series, start: int, separator: str) -> tuple[int, Callable[[], bytes]]:
    """One chunk file: its size, and how to make its bytes (the items from `start`, each followed by
    `separator`). A polars chunk is joined by polars when the writer thread asks for it: polars releases
    the GIL, so the join runs beside the building of the next set (a Python join would not)."""
    if isinstance(items, pl.Series):
        part = items.slice(start, CHUNK_RECORDS)
        size = int(part.str.len_bytes().sum() or 0) + len(part) * len(separator)
        return size, lambda: part.str.join(separator).cast(pl.Binary).item() + separator.encode() if len(part) else b""
    joined = b"".join(item + separator.encode() for item in items[start:start + CHUNK_RECORDS])
    return len(joined), lambda: joined


def _placed(lengths: pl.Series, separator: int, prefix: str) -> pl.DataFrame:
    """Each item's chunk, offset within its chunk and length, items followed by `separator` bytes."""
    frame = pl.DataFrame({"length": lengths}).with_columns(
        chunk=(pl.int_range(pl.len(), dtype=pl.Int64) // CHUNK_RECORDS).cast(pl.Int32))
    frame = frame.with_columns(offset=((pl.col("length") + separator).cum_sum() - (pl.col("length") + separator))
                               .over("chunk"))
    return frame.select(pl.col("chunk"), pl.col("offset").alias(f"{prefix}offset"),
                        pl.col("length").alias(f"{prefix}length"))


def _index_frame(resource_set: ResourceSet) -> pl.DataFrame:
    """One row per record: chunk, offset, length (and the CSV row's), then the hidden keys."""
    parts = [_placed(_lengths(resource_set.records), 1, "")]
    if resource_set.csv_lines is not None:
        parts.append(_placed(_lengths(resource_set.csv_lines), 0, "csv_").drop("chunk"))
    keys = {name: (values.cast(_DTYPES[dtype]).alias(name) if isinstance(values, pl.Series)
                   else pl.Series(name, pa.array(values, type=_ARROW_LISTS[dtype])) if dtype in _ARROW_LISTS
                   else pl.Series(name, values, _DTYPES[dtype]))
            for name, dtype in resource_set.columns.items()
            for values in [resource_set.keys.get(name, [])]}
    parts.append(pl.DataFrame(keys))
    return pl.concat(parts, how="horizontal")


def _write_set(files: _Files, resource_set: ResourceSet) -> int:
    """Hand the set's chunk files and index to `files`; returns the number of chunks."""
    records, lines = resource_set.records, resource_set.csv_lines
    chunks = (len(records) + CHUNK_RECORDS - 1) // CHUNK_RECORDS
    for number in range(chunks):
        files.add(f"{resource_set.path}/{chunk_name(number, 'ndjson')}", *_chunk(records, number * CHUNK_RECORDS, "\n"))
        if lines is not None:
            files.add(f"{resource_set.path}/{chunk_name(number, 'csv')}", *_chunk(lines, number * CHUNK_RECORDS, ""))
    files.add(f"{resource_set.path}/index.parquet", _INDEX_ROW_BYTES * len(records), lambda: _index_bytes(resource_set))
    return chunks


# A guess of an index row's size while it waits to be written (`_Files`'s memory budget).
_INDEX_ROW_BYTES = 64


def _index_bytes(resource_set: ResourceSet) -> bytes:
    """`index.parquet`, made by a writer thread: polars writes it without the GIL (about 3 s for the
    national snapshot's 5 M rows, beside the building of the next sets)."""
    buffer = io.BytesIO()
    _index_frame(resource_set).write_parquet(buffer, compression="zstd", statistics=False)
    return buffer.getvalue()


def _read_back(path: Path) -> tuple[str, int, int]:
    """A file's sha256, size and number of `\\n` bytes (records of an ndjson chunk), in one read."""
    digest, size, lines = hashlib.sha256(), 0, 0
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            size += len(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), size, lines


class _Files:
    """The files of a snapshot being built, stored by two background threads: each is made (`_chunk`,
    `_index_bytes`), hashed (the sha256 the manifest records, taken from the bytes in memory), then
    linked from its content-addressed object `objects/<aa>/<sha256>` when that exists already (an
    unchanged file is not written again), else written into the staging folder and linked in as the new
    object; then read back and compared with the bytes hashed, which verifies the file (new or shared)
    without hashing it a second time. Making, hashing, writing and comparing release the GIL, so they
    run beside the building of the next set; at most `budget` bytes wait in memory."""

    def __init__(self, staging: Path, objects: Path, budget: int = 1 << 30):
        self.staging, self.objects, self.budget = staging, objects, budget
        self.pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="snapshot-files")
        self.pending: deque[tuple[int, Future]] = deque()
        self.waiting = 0
        self.stored: dict[str, dict] = {}
        self.newlines: dict[str, int] = {}  # per ndjson chunk: its newline bytes (records)

    def add(self, relative: str, size: int, make: Callable[[], bytes]) -> None:
        """Store the file `make()` gives (`size` bytes) under `relative`."""
        self.pending.append((size, self.pool.submit(self._store, relative, make)))
        self.waiting += size
        while self.waiting > self.budget:
            self._settle_oldest()

    def _settle_oldest(self) -> None:
        size, future = self.pending.popleft()
        self.waiting -= size
        relative, entry, newlines = future.result()  # re-raises the thread's error here
        self.stored[relative] = entry
        self.newlines[relative] = newlines

    def finish(self) -> dict[str, dict]:
        """Every file's sha256 and size, by path in sorted order, once all are stored."""
        while self.pending:
            self._settle_oldest()
        return {relative: self.stored[relative] for relative in sorted(self.stored)}

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _store(self, relative: str, make: Callable[[], bytes]) -> tuple[str, dict, int]:
        content = make()
        sha = hashlib.sha256(content).hexdigest()
        path, blob = self.staging / relative, self.objects / sha[:2] / sha
        path.parent.mkdir(parents=True, exist_ok=True)
        if blob.exists():
            _link(blob, path)
        else:
            path.write_bytes(content)
            blob.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(path, blob)  # the new file becomes the object
            except FileExistsError:  # the same bytes stored a moment ago under another name of this snapshot
                path.unlink()
                _link(blob, path)
            except OSError:  # a filesystem without hard links: the object is a copy
                temporary = blob.with_suffix(".tmp")
                shutil.copyfile(path, temporary)
                os.replace(temporary, blob)
        if path.read_bytes() != content:
            raise SnapshotError(f"{path} does not hold the bytes written (a damaged stored object "
                                f"{blob}, or a failing disk); delete the object and publish again")
        records = content.count(b"\n") if relative.endswith(".ndjson") else 0
        return relative, {"sha256": sha, "bytes": len(content)}, records


def _link(blob: Path, path: Path) -> None:
    try:
        os.link(blob, path)
    except OSError:  # a filesystem without hard links: keep a private copy
        shutil.copyfile(blob, path)


def snapshot_folder(snapshots: Path, snapshot_id: str) -> Path:
    """The folder of a snapshot id, refusing anything that is not a plain name inside `snapshots/`."""
    if not snapshot_id or snapshot_id.startswith(".") or "/" in snapshot_id or "\\" in snapshot_id \
            or snapshot_id in ("objects", "current", "index.json"):
        raise SnapshotError(f"{snapshot_id!r} is not a snapshot id (see `ecf snapshots list`)")
    return snapshots / snapshot_id


def _manifest_bytes(manifest: dict) -> bytes:
    return orjson.dumps(manifest, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n"


def verify_snapshot(folder: Path) -> dict:
    """Check every file against the manifest (sha256, size) and every record count against its index;
    return the manifest. Raises SnapshotError naming the first file that does not match."""
    try:
        manifest = orjson.loads((folder / "manifest.json").read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise SnapshotError(f"{folder / 'manifest.json'} cannot be read ({error}); publish the cycle again "
                            "with `ecf publish`") from None

    def read_back(relative: str) -> tuple[str, int, int] | None:
        path = folder / relative
        return _read_back(path) if path.is_file() else None

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # hashlib releases the GIL
        found = dict(zip(manifest["files"], pool.map(read_back, manifest["files"])))
    for relative, entry in manifest["files"].items():
        if found[relative] is None or found[relative][:2] != (entry["sha256"], entry["bytes"]):
            raise SnapshotError(f"{folder / relative} does not match its manifest entry; the snapshot is damaged: "
                                "publish the cycle again with `ecf publish`")
    _check_counts(folder, manifest, {relative: newlines for relative, (_, _, newlines) in found.items()})
    return manifest


def _check_counts(folder: Path, manifest: dict, newlines: dict[str, int]) -> None:
    """Every set's records (the `\\n` bytes of its chunks), index rows and manifest count agree."""
    for relative, entry in manifest["sets"].items():
        chunks = [newlines.get(f"{relative}/{chunk_name(n, 'ndjson')}") for n in range(entry["chunks"])]
        if None in chunks:
            raise SnapshotError(f"{folder / relative}: a records chunk is missing from the manifest; publish the "
                                "cycle again with `ecf publish`")
        lines = sum(chunks)
        rows = pl.scan_parquet(folder / relative / "index.parquet").select(pl.len()).collect().item()
        if not lines == rows == entry["records"]:
            raise SnapshotError(f"{folder / relative}: {lines} records, {rows} index rows, manifest says "
                                f"{entry['records']}; publish the cycle again with `ecf publish`")


def _point_current(snapshots: Path, snapshot_id: str) -> None:
    link = snapshots / "current"
    temporary = snapshots / ".current.tmp"
    if temporary.is_symlink() or temporary.exists():
        temporary.unlink()
    os.symlink(snapshot_id, temporary)
    if link.is_dir() and not link.is_symlink():  # a home copied without symlinks: `current` became a copy
        retired = snapshots / ".current.copy"
        os.replace(link, retired)
        shutil.rmtree(retired)
    os.replace(temporary, link)


def current_snapshot_id(snapshots: Path) -> str | None:
    """The id `current` points at (also when a copy of the home turned the link into a folder). Read on
    every request by the server: one `readlink` in the usual case."""
    try:
        return os.readlink(os.path.join(snapshots, "current"))
    except OSError:  # not a link (a copied home, or nothing published)
        pass
    link = snapshots / "current"
    if (link / "manifest.json").is_file():
        return orjson.loads((link / "manifest.json").read_bytes())["snapshot_id"]
    return None


def _write_index(snapshots: Path) -> None:
    rows = [{"snapshot_id": s.snapshot_id, "as_of": s.as_of, "records": s.records, "current": s.current}
            for s in list_snapshots(snapshots)]
    temporary = snapshots / ".index.json.tmp"
    temporary.write_bytes(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n")
    os.replace(temporary, snapshots / "index.json")


def write_snapshot(snapshots: Path, snapshot_id: str, as_of: datetime, sets: Iterable[ResourceSet],
                   metadata: dict) -> dict:
    """Write, share, verify and publish one snapshot; move `current` to it. Returns its manifest.

    `metadata` (inputs' hash, feature flags, generator) goes into the manifest as given. Publishing the
    same cycle again replaces its folder (same inputs and code give the same bytes)."""
    final = snapshot_folder(snapshots, snapshot_id)
    staging = snapshots / f"{_STAGING}{snapshot_id}"
    objects = snapshots / "objects"
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    counts: dict[str, dict] = {}
    files_of = _Files(staging, objects)
    try:
        for resource_set in sets:
            counts[resource_set.path] = {"records": len(resource_set.records),
                                         "chunks": _write_set(files_of, resource_set)}
            if resource_set.csv_header is not None:
                counts[resource_set.path]["csv_header"] = resource_set.csv_header.decode()
        files = files_of.finish()
    finally:
        files_of.close()
    manifest = {"snapshot_id": snapshot_id, "as_of": as_of.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "served_versions": list(SERVED_VERSIONS), **metadata,
                "record_counts": {"total": sum(c["records"] for c in counts.values())},
                "sets": counts, "files": files}
    (staging / "manifest.json").write_bytes(_manifest_bytes(manifest))
    _check_counts(staging, manifest, files_of.newlines)  # each file was compared as it was stored (`_Files`)
    if final.exists():
        retired = snapshots / f"{_STAGING}{snapshot_id}.old"
        os.replace(final, retired)
        os.replace(staging, final)
        shutil.rmtree(retired)
    else:
        os.replace(staging, final)
    _point_current(snapshots, snapshot_id)
    _write_index(snapshots)
    return manifest


def list_snapshots(snapshots: Path) -> list[SnapshotInfo]:
    """Every complete snapshot (one with a manifest), oldest first."""
    if not snapshots.is_dir():
        return []
    current = current_snapshot_id(snapshots)
    found = []
    for folder in sorted(snapshots.iterdir()):
        if folder.name.startswith(".") or folder.name == "objects" or folder.is_symlink() or not folder.is_dir():
            continue
        manifest_path = folder / "manifest.json"
        if not manifest_path.is_file():
            continue
        manifest = orjson.loads(manifest_path.read_bytes())
        found.append(SnapshotInfo(folder.name, manifest["as_of"], manifest["record_counts"]["total"],
                                  folder.name == current))
    return found


def prune_snapshots(snapshots: Path, keep: int) -> list[str]:
    """Delete all but the newest `keep` snapshots (never the current one), the folders of builds that
    failed half-way, then every object no snapshot uses any more. Returns the ids deleted."""
    if keep < 1:
        raise SnapshotError("--keep must be at least 1 (the current snapshot is always kept)")
    infos = list_snapshots(snapshots)
    kept = {s.snapshot_id for s in infos[-keep:]} | {s.snapshot_id for s in infos if s.current}
    deleted = [s.snapshot_id for s in infos if s.snapshot_id not in kept]
    for snapshot_id in deleted:
        shutil.rmtree(snapshots / snapshot_id)
    for leftover in snapshots.glob(f"{_STAGING}*"):  # a snapshot whose build failed half-way
        shutil.rmtree(leftover)
    objects = snapshots / "objects"
    if objects.is_dir():
        for blob in objects.rglob("*"):
            if blob.is_file() and blob.stat().st_nlink == 1:
                blob.unlink()
    _write_index(snapshots)
    return deleted
