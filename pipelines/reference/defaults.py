"""The shipped default reference data (product.md §3).

A home uses a default only for a reference kind its inbox does not supply. The files are package
data, found through importlib.resources, so an installed `ecf` finds them without a source tree.
They carry the live service's seed facts in the project's own format, with the January deadline
correction (`corrections.py`) already applied.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_KINDS = ("cohorts", "schedules", "statements")


def default_file(kind_name: str) -> Path:
    """The shipped CSV of a reference kind; KeyError for a kind without a default."""
    if kind_name not in DEFAULT_KINDS:
        raise KeyError(f"no shipped default for reference kind {kind_name!r}")
    # setuptools installs the package as plain files, so the resource is a real path.
    return Path(str(files("pipelines.reference") / "defaults" / f"{kind_name}.csv"))


def default_files() -> dict[str, Path]:
    return {kind_name: default_file(kind_name) for kind_name in DEFAULT_KINDS}
