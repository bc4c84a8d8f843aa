"""Finding what landed: every file under the inbox, its kind, folder and content hash.

A file is new unless a file with the same content was already ingested from the same folder;
so the same file twice in one folder is taken once, a changed file with the same name is a new
input, and identical files in two providers' folders are two inputs. Files whose name starts
with a dot are ignored (editor and OS litter); anything else that cannot be classified is
quarantined with the fix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipelines.home import Home
from pipelines.ingest import kinds as k
from pipelines.ingest.errors import InputError
from pipelines.reference.defaults import DEFAULT_KINDS, default_file

DEFAULTS_FOLDER = "defaults/reference"
REQUESTS = "requests"


@dataclass(frozen=True)
class LandedFile:
    path: Path  # where to read it
    relative_path: str  # relative to the home (for shipped defaults: defaults/reference/<name>)
    folder: str
    family: str  # reference, registrations, finance, migration or requests
    kind: str
    content_sha256: str
    size_bytes: int
    lead_provider_slug: str | None = None

    @property
    def rank(self) -> tuple[int, str]:
        return k.FAMILY_RANK[self.family], self.relative_path


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _landed(home: Home, path: Path, family: str, kind: str, slug: str | None = None) -> LandedFile:
    relative = path.relative_to(home.root).as_posix()
    return LandedFile(path, relative, path.parent.relative_to(home.root).as_posix(), family, kind,
                      sha256_of(path), path.stat().st_size, slug)


def _visible_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def discover(home: Home) -> tuple[list[LandedFile], list[InputError]]:
    """Every file in the inbox, classified; unclassifiable files come back as errors."""
    landed: list[LandedFile] = []
    errors: list[InputError] = []
    for path in _visible_files(home.inbox):
        relative = path.relative_to(home.root).as_posix()
        family = path.relative_to(home.inbox).parts[0] if len(path.relative_to(home.inbox).parts) > 1 else None
        if family in k.FAMILIES:
            kind = k.kind_for_file(family, path.name)
            if kind is None:
                names = ", ".join(f"{x.name}.csv" for x in k.kinds_of(family))
                errors.append(InputError(
                    relative, f"{path.name} is not a known {family} input",
                    f"name the file <kind>.csv or <kind>-<anything>.csv with a kind from: {names}"))
            else:
                landed.append(_landed(home, path, family, kind.name))
        elif family == "providers":
            parts = path.relative_to(home.providers_inbox).parts
            if len(parts) < 2:
                errors.append(InputError(relative, "a request batch must sit in its provider's folder",
                                         "move it to inbox/providers/<lead-provider-slug>/"))
            elif path.suffix != ".jsonl":
                errors.append(InputError(relative, f"{path.name} is not a JSON Lines request batch",
                                         "request batches are named *.jsonl, one request per line"))
            else:
                landed.append(_landed(home, path, REQUESTS, REQUESTS, parts[0]))
        else:
            errors.append(InputError(
                relative, f"{relative} is not in a known inbox folder",
                "put inputs in inbox/reference, inbox/registrations, inbox/finance, inbox/migration "
                "or inbox/providers/<lead-provider-slug>"))
    return landed, errors


def shipped_defaults(supplied_kinds: set[str]) -> list[LandedFile]:
    """The shipped reference files for the kinds the inbox has never supplied."""
    chosen = []
    for kind in DEFAULT_KINDS:
        if kind in supplied_kinds:
            continue
        path = default_file(kind)
        chosen.append(LandedFile(path, f"{DEFAULTS_FOLDER}/{path.name}", DEFAULTS_FOLDER, "reference", kind,
                                 sha256_of(path), path.stat().st_size))
    return chosen
