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
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while the world is loaded, replayed and pickled.

    The world is tens of millions of long-lived objects at national scale; each full collection
    rescans all of them, which more than doubled the time to load and write the checkpoint
    (measured: load 58 s → 23 s, write 76 s → 45 s). The replay makes no cyclic garbage worth
    collecting mid-stage (peak memory unchanged), so one collection at the end is enough."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.collect()


def checkpoint_path(root: Path) -> Path:
    return root / "world.checkpoint"


# The world the last `save_checkpoint` of this process wrote, so a later stage of the same `ecf cycle`
# (publish) reads it without unpickling it again (tens of seconds at national scale).
_LAST_SAVED: dict[Path, tuple[str, int, int, Replay]] = {}


def save_checkpoint(root: Path, replay: Replay, cycle_id: int, last_event_seq: int) -> None:
    _LAST_SAVED.clear()
    _LAST_SAVED[root] = (code_fingerprint(), cycle_id, last_event_seq, replay)
    target = checkpoint_path(root)
    partial = target.with_suffix(".tmp")
    with partial.open("wb") as handle:
        pickle.dump((code_fingerprint(), cycle_id, last_event_seq, replay), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, target)


def load_checkpoint(root: Path, cycle_id: int, last_event_seq: int, *, to_change: bool = True) -> Replay | None:
    """The world saved after `cycle_id`, if the checkpoint matches it exactly; else None.

    `to_change` (apply resumes from it): the in-process copy is handed over and forgotten, so a replay
    that fails half-way never leaves a half-changed world behind for a retry."""
    remembered = _LAST_SAVED.pop(root, None) if to_change else _LAST_SAVED.get(root)
    if remembered is not None and remembered[:3] == (code_fingerprint(), cycle_id, last_event_seq):
        return remembered[3]
    path = checkpoint_path(root)
    if not path.exists():
        return None
    try:
        with path.open("rb") as handle:
            fingerprint, saved_cycle, saved_seq, replay = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if fingerprint != code_fingerprint() or saved_cycle != cycle_id or saved_seq != last_event_seq:
        return None
    return replay
