"""Queries the tests use to look inside a home's state."""

from __future__ import annotations

from pipelines.home import Home
from pipelines.state.database import open_state


def rows(home: Home, sql: str, params: dict | None = None) -> list[tuple]:
    with open_state(home.state_db, read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


def quarantine(home: Home, cycle_id: int | None = None) -> list[dict]:
    where = "" if cycle_id is None else f"WHERE cycle_id = {int(cycle_id)}"
    names = ("relative_path", "line_number", "field", "value", "message", "fix")
    return [dict(zip(names, row)) for row in rows(
        home, f"SELECT {', '.join(names)} FROM quarantine {where} ORDER BY relative_path, line_number NULLS FIRST, field")]
