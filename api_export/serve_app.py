"""The app `ecf serve` hands to uvicorn by import string (so `--workers` can start several processes):
configured from the environment the command sets (ECF_SERVE_HOME, ECF_SERVE_SNAPSHOT, ECF_SERVE_RATE,
ECF_SERVE_CACHE_MB)."""

from __future__ import annotations

import os
from pathlib import Path

from api_export.server import RateLimit, create_app
from api_export.snapshot_reader import SnapshotCatalog


def _settings() -> tuple[Path, str | None, RateLimit | None, int]:
    home = Path(os.environ.get("ECF_SERVE_HOME") or os.environ.get("ECF_HOME") or "./ecf-home")
    snapshot = os.environ.get("ECF_SERVE_SNAPSHOT") or None
    limit, _, period = (os.environ.get("ECF_SERVE_RATE") or "1000/300").partition("/")
    rate = RateLimit(int(limit), int(period or 300)) if int(limit) > 0 else None
    return home, snapshot, rate, int(os.environ.get("ECF_SERVE_CACHE_MB") or 128)


def check() -> None:
    """Open the snapshot the server would serve; raises with the reason if it cannot."""
    home, snapshot, _, _ = _settings()
    SnapshotCatalog(home / "snapshots", snapshot).get()


def __getattr__(name: str):
    if name == "app":  # built on first use, in each worker process
        home, snapshot, rate, cache_mb = _settings()
        globals()["app"] = create_app(home, snapshot, rate, response_cache_mb=cache_mb)
        return globals()["app"]
    raise AttributeError(name)
