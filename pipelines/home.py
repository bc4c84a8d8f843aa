"""The home folder: where every input lands and every output is written (product.md §3, §6)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOME = "./ecf-home"


@dataclass(frozen=True)
class Home:
    root: Path

    @classmethod
    def resolve(cls, home: str | os.PathLike | None = None) -> "Home":
        chosen = home or os.environ.get("ECF_HOME") or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    def inbox_family(self, family: str) -> Path:
        return self.inbox / family

    @property
    def providers_inbox(self) -> Path:
        return self.inbox / "providers"

    @property
    def state_db(self) -> Path:
        return self.root / "state.duckdb"

    @property
    def warehouse_db(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def receipts(self) -> Path:
        return self.root / "receipts"

    @property
    def statements(self) -> Path:
        return self.root / "statements"

    @property
    def cycles(self) -> Path:
        return self.root / "cycles"

    @property
    def snapshots(self) -> Path:
        return self.root / "snapshots"

    @property
    def tokens(self) -> Path:
        return self.root / "tokens"

    def create_inbox(self) -> None:
        for family in ("reference", "registrations", "finance", "migration", "providers"):
            (self.inbox / family).mkdir(parents=True, exist_ok=True)
