"""`ecf demo`: build a synthetic home and run its monthly cycles at their fixed as_of instants.

The generator (`pipelines.demo`) writes every input under a staging folder and says which files
land before which cycle; here each cycle's files are moved into the inbox, then the cycle runs.
A home is only ever replaced if it is a demo home (it carries `demo.json`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import asdict
from typing import Callable

import orjson

from pipelines.cycle import CycleError, CycleSummary, run_cycle
from pipelines.demo import generate_demo_inputs
from pipelines.home import Home
from pipelines.instants import rfc3339

DEMO_MARKER = "demo.json"
DEMO_SNAPSHOTS = 3  # cycles at the end of the demo that publish an API snapshot
Progress = Callable[[str, int, int], None]


def prepare_demo_home(home: Home, fresh: bool) -> None:
    if home.root.exists() and any(home.root.iterdir()):
        if not (home.root / DEMO_MARKER).exists():
            raise CycleError(f"{home.root} is not empty and is not a demo home; choose another --home "
                             "(or set ECF_HOME) for the demo")
        if not fresh:
            raise CycleError(f"{home.root} already holds a demo; add --fresh to build it again")
        shutil.rmtree(home.root)
    home.root.mkdir(parents=True, exist_ok=True)


def run_demo(home: Home, scale: str, seed: int, fresh: bool = False,
             progress: Progress | None = None) -> list[CycleSummary]:
    prepare_demo_home(home, fresh)
    staging = home.root / ".demo-staging"
    plan = generate_demo_inputs(staging, scale=scale, seed=seed, progress=progress)
    (home.root / DEMO_MARKER).write_bytes(orjson.dumps(
        {"scale": plan.scale, "seed": plan.seed, "counts": plan.counts,
         "cycles": [rfc3339(c.as_of) for c in plan.cycles]}, option=orjson.OPT_INDENT_2))
    summaries = []
    for number, cycle in enumerate(plan.cycles, 1):
        for relative in cycle.files:
            target = home.root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(staging / relative, target)
        # PDFs (a quarter of a second each) only for the last cycle's current statements, and API
        # snapshots only for the last three cycles: the earlier cycles are history replayed at once.
        last = number == len(plan.cycles)
        summaries.append(run_cycle(home, cycle.as_of, pdf="current" if last else "none",
                                   snapshot=number > len(plan.cycles) - DEMO_SNAPSHOTS))
        if progress:
            progress("cycles", number, len(plan.cycles))
    shutil.rmtree(staging)
    (home.root / "demo-cycles.json").write_bytes(
        orjson.dumps([asdict(s) for s in summaries], option=orjson.OPT_INDENT_2))
    return summaries
