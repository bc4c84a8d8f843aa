"""`python -m pipelines.demo [--scale small|national] [--seed N] STAGING`: generate the demo inbox only.

For benchmarks and inspection; `ecf demo` is the user-facing command (it also runs the cycles).
Prints the plan's counts and the generation time as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from pipelines.demo.generator import generate_demo_inputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.demo", description=__doc__.splitlines()[0])
    parser.add_argument("staging", type=Path, help="folder to write inbox/ into")
    parser.add_argument("--scale", choices=("small", "national"), default="small")
    parser.add_argument("--seed", type=int, default=2021)
    args = parser.parse_args(argv)

    def progress(label: str, done: int, total: int) -> None:
        print(f"\r{label:<14} {done:>8}/{total:<8}", end="", file=sys.stderr, flush=True)

    started = time.perf_counter()
    plan = generate_demo_inputs(args.staging, args.scale, args.seed, progress)
    elapsed = time.perf_counter() - started
    print(file=sys.stderr)
    print(json.dumps({"scale": plan.scale, "seed": plan.seed, "seconds": round(elapsed, 2),
                      "cycles": [c.as_of.isoformat() for c in plan.cycles], "counts": plan.counts}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
