"""A checkpoint of the replayed world after a cycle, so the next cycle applies only its own events.

The checkpoint is a cache, never the system of record: it is used only when it was written by the
previous cycle from the same timeline (same last event) with the same rule code, and otherwise the
whole timeline is replayed (which gives the same world, the history being append-only).
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
from contextlib import contextmanager
from functools import cache
from typing import Iterator
from pathlib import Path

from pipelines.apply.engine import Replay

# What the replay runs: the statement calculator (the rest of pipelines/calculate) is not, so a change
# to it does not force a full replay.
CODE_PACKAGES = ("pipelines/apply", "pipelines/validate", "pipelines/calculate/lifecycle.py",
                 "pipelines/calculate/partnership_report.py", "pipelines/world", "api_export/serializers.py",
                 "pipelines/ids.py", "pipelines/instants.py")
ROOT = Path(__file__).resolve().parents[2]


@cache
def code_fingerprint() -> str:
    """SHA-256 of the code that decides what a replay produces."""
    digest = hashlib.sha256()
    for entry in CODE_PACKAGES:
        path = ROOT / entry
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(ROOT).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()


@contextmanager
def collector_paused(*, world_lives_on: bool = False) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the world is loaded, replayed and pickled.

    The world is tens of millions of long-lived objects at national scale; each full collection
    rescans all of them, which more than doubled the time to load and write the checkpoint
    (measured: load 58 s → 23 s, write 76 s → 45 s). The replay makes no cyclic garbage worth
    collecting mid-stage (peak memory unchanged), so one collection at the end is enough — and none
    when the world outlives the stage (`world_lives_on`: kept for the next stage of `ecf cycle`, or the
    process ends): that collection would scan every object of the world (3–15 s at national scale) to
    find almost nothing, so everything is frozen for it and handed back to the oldest generation."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if world_lives_on:
            gc.freeze()
        if was_enabled:
            gc.enable()
        gc.collect()
        if world_lives_on:
            gc.unfreeze()


def checkpoint_path(root: Path) -> Path:
    return root / "world.checkpoint"


def declarations_path(root: Path) -> Path:
    return root / "world.declarations.checkpoint"


# The world's declaration part, saved in a file of its own: more than half of the world (1.3 M
# declarations and 1.2 M line items at national scale) and nothing publishing reads (the snapshot takes
# the declarations from the `declarations` table), so a lone `ecf publish` loads only the rest, in about
# a third of the time.
DECLARATION_PART = ("declarations", "line_items", "declarations_by_user", "line_items_by_statement")


class _NotLoaded:
    """Stands for a declaration-part field of a world loaded without it: any use is a bug, said at once."""

    def __init__(self, name: str):
        self._name = name

    def _fail(self, *args: object, **kwargs: object) -> None:
        raise RuntimeError(f"World.{self._name} is not loaded (load_checkpoint(..., declarations=False)); "
                           "publishing reads the declarations from the declarations table")

    __getitem__ = __setitem__ = __iter__ = __len__ = __contains__ = get = keys = values = items = _fail


# The world the last `save_checkpoint` of this process wrote, so a later stage of the same `ecf cycle`
# (publish) reads it without unpickling it again (tens of seconds at national scale).
_LAST_SAVED: dict[Path, tuple[str, int, int, Replay]] = {}


def _write(path: Path, header: tuple, content: object) -> Path:
    """`content` pickled after its header (read first, so a stale file is refused without loading it)."""
    partial = path.with_suffix(".tmp")
    with partial.open("wb") as handle:
        pickle.dump(header, handle, protocol=pickle.HIGHEST_PROTOCOL)
        pickle.dump(content, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return partial


def _read(path: Path, header: tuple) -> object | None:
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            if pickle.load(handle) != header:
                return None
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        return None


def save_checkpoint(root: Path, replay: Replay, cycle_id: int, last_event_seq: int) -> None:
    _LAST_SAVED.clear()
    header = (code_fingerprint(), cycle_id, last_event_seq)
    _LAST_SAVED[root] = (*header, replay)
    world = replay.world
    part = {name: getattr(world, name) for name in DECLARATION_PART}
    written = [(_write(declarations_path(root), header, part), declarations_path(root))]
    try:
        for name in DECLARATION_PART:  # the rest without them (put back at once: the world lives on)
            setattr(world, name, None)
        written.append((_write(checkpoint_path(root), header, replay), checkpoint_path(root)))
    finally:
        for name, value in part.items():
            setattr(world, name, value)
    for partial, target in written:  # a crash between the two leaves headers that differ: both refused
        os.replace(partial, target)


def load_checkpoint(root: Path, cycle_id: int, last_event_seq: int, *, to_change: bool = True,
                    declarations: bool = True) -> Replay | None:
    """The world saved after `cycle_id`, if the checkpoint matches it exactly; else None.

    `to_change` (apply resumes from it): the in-process copy is handed over and forgotten, so a replay
    that fails half-way never leaves a half-changed world behind for a retry. `declarations=False`
    (publishing): a world read from disk comes without its declaration part (`DECLARATION_PART`)."""
    header = (code_fingerprint(), cycle_id, last_event_seq)
    remembered = _LAST_SAVED.pop(root, None) if to_change else _LAST_SAVED.get(root)
    if remembered is not None and remembered[:3] == header:
        return remembered[3]
    replay = _read(checkpoint_path(root), header)
    if replay is None:
        return None
    part = _read(declarations_path(root), header) if declarations else {
        name: _NotLoaded(name) for name in DECLARATION_PART}
    if part is None:
        return None
    for name, value in part.items():
        setattr(replay.world, name, value)
    return replay
