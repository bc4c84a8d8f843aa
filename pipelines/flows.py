"""Prefect flows: thin wrappers over the plain stage functions of `pipelines.cycle`.

Nothing here decides anything; each task calls one stage and returns its small summary, so the
same cycle runs with or without Prefect (`ecf cycle --no-prefect`). Import this module only after
`pipelines.prefect_env.configure_prefect()`.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from prefect import flow, task

from pipelines import cycle
from pipelines.home import Home
from pipelines.instants import parse_instant


@task(name="ingest")
def ingest(home_root: str, as_of: str | None) -> dict:
    return cycle.stage_ingest(Home(Path(home_root)), parse_instant(as_of) if as_of else None)


@task(name="timeline")
def timeline(home_root: str) -> dict:
    return cycle.stage_timeline(Home(Path(home_root)))


@task(name="apply")
def apply(home_root: str) -> dict:
    return cycle.stage_apply(Home(Path(home_root)))


@task(name="calculate")
def calculate(home_root: str) -> dict:
    return cycle.stage_calculate(Home(Path(home_root)))


@task(name="render")
def render(home_root: str) -> dict:
    return cycle.stage_render(Home(Path(home_root)))


@task(name="publish")
def publish(home_root: str) -> dict:
    return cycle.stage_publish(Home(Path(home_root)))


@task(name="record-cycle")
def record(home_root: str) -> dict:
    return asdict(cycle.finish_cycle(Home(Path(home_root))))


@flow(name="statement_cycle")
def statement_cycle(home_root: str, as_of: str | None = None) -> dict:
    """Every stage that exists, in order, for the cycle at `as_of` (RFC 3339; default now)."""
    ingest(home_root, as_of)
    timeline(home_root)
    apply(home_root)
    calculate(home_root)
    render(home_root)
    publish(home_root)
    return record(home_root)
