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


def save_checkpoint(root: Path, replay: Replay, cycle_id: int, last_event_seq: int) -> None:
    target = checkpoint_path(root)
    partial = target.with_suffix(".tmp")
    with partial.open("wb") as handle:
        pickle.dump((code_fingerprint(), cycle_id, last_event_seq, replay), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, target)


def load_checkpoint(root: Path, cycle_id: int, last_event_seq: int) -> Replay | None:
    """The previous cycle's world, if the checkpoint matches it exactly; else None."""
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
