"""Named SQL files under `sql/`: each rule or transformation lives in one file a reader can find."""

from __future__ import annotations

from functools import cache
from pathlib import Path

SQL_ROOT = Path(__file__).resolve().parents[1] / "sql"


@cache
def read_sql(name: str) -> str:
    return (SQL_ROOT / f"{name}.sql").read_text(encoding="utf-8")
