"""Benchmark: generate the demo inputs, land them all at once, and time each stage in its own process.

    .venv/bin/python bench/run_benchmark.py [--scale national|small] [--seed N] [--work DIR]
                                            [--profile FILE] [--no-serve] [--serve-duration S]

Prints, per stage, wall time, rows handled, rows per second and peak memory (the stage process's
maximum resident set size). Each stage runs in a fresh process so its peak is its own. Targets:
ingest of the national request stream <= 60 s and <= 4 GB (issue 2; the request lines' validation
report, which the ingest stage writes at its end, is timed apart: it is issue 3's typing and
validation); the apply stage, from the ingested requests to written receipts, <= 60 s and <= 4 GB
(issue 3); the calculate stage, every statement of every provider and cohort, <= 10 s (issue 4);
rendering every statement (issue 5, reported per statement). After `calculate`, the same statements
are calculated again by the straightforward row-by-row oracle of the property tests
(`tests/statement_oracle.py`), checked equal, and the two times are printed with their ratio.

The cycle's publish is measured in two stages: `publish` (warehouse.duckdb and the Parquet exports,
`stage_publish(snapshot=False)`) and `snapshot` (`api_export.publish.publish_snapshot` for the pending
cycle; target <= 30 s at national scale), the latter with its time split into loading the world,
building the records, handing the files to the writer threads (which make, hash, write or link and
compare each), the count check, and what only a lone `ecf publish` pays (opening the state database,
freeing the loaded world), plus its record count and size on disk (`--profile FILE` writes a cProfile
of it). Then `bench/serve_benchmark.py` loads `ecf serve` and nginx with wrk on the same home
(`--no-serve` skips it; needs wrk and nginx). Last, the `daily` stage finishes the cycle and times a
daily batch of 10,000 request lines on top of the whole history (timeline + apply; target <= 5 s,
issue 3). Figures are also written to WORK/figures.json and WORK/serve.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def run_stage(stage: str, work: Path, scale: str, seed: int, as_of: str | None, profile: Path | None = None) -> dict:
    """Runs inside the child process: one stage, then its figures as JSON on stdout."""
    from pipelines.cycle import stage_ingest, stage_publish, stage_timeline
    from pipelines.home import Home
    from pipelines.instants import parse_instant
    from pipelines.state.database import open_state

    home = Home(work / "home")
    started = time.perf_counter()
    if stage == "generate":
        from pipelines.demo import generate_demo_inputs

        plan = generate_demo_inputs(work / "staging", scale=scale, seed=seed)
        result = {"rows": plan.counts.get("request_lines", 0), "unit": "request lines",
                  "as_of": plan.cycles[-1].as_of.isoformat(),
                  "files": [f for cycle in plan.cycles for f in cycle.files], "counts": plan.counts}
    elif stage == "ingest":
        import pipelines.cycle as cycle

        report = {}  # the request lines' validation report, written at the end of ingest, timed apart
        write_report = cycle.write_validation_report

        def timed_report(*args, **kwargs):
            report["peak_mb_before"] = _peak_mb()  # ingest's own peak: the files into the raw tables
            report_started = time.perf_counter()
            write_report(*args, **kwargs)
            report["seconds"] = time.perf_counter() - report_started

        cycle.write_validation_report = timed_report
        summary = stage_ingest(home, parse_instant(as_of))
        with open_state(home.state_db, read_only=True) as con:
            lines = con.execute("SELECT count(*) FROM raw_request_lines").fetchall()[0][0]
        result = {"rows": summary["rows_ingested"], "unit": "rows and lines", "request_lines": lines,
                  "files": summary["files_ingested"], "validation_report_seconds": report["seconds"],
                  "ingest_peak_mb": report["peak_mb_before"]}
    elif stage == "timeline":
        placement = stage_timeline(home)
        result = {"rows": placement["events_placed"], "unit": "timeline events"}
    elif stage == "apply":
        from pipelines.cycle import stage_apply

        summary = stage_apply(home)
        result = {"rows": summary["requests_applied"], "unit": "requests applied (receipts written)"}
    elif stage == "calculate":
        from pipelines.cycle import stage_calculate

        summary = stage_calculate(home)
        result = {"rows": summary["statements_calculated"], "unit": "statements calculated"}
    elif stage == "render":
        from pipelines.cycle import stage_render

        summary = stage_render(home)
        result = {"rows": summary["pages"], "unit": f"statements rendered (HTML + CSV; "
                                                    f"{summary['pdfs_written']} PDFs for the current ones)",
                  "pdfs": summary["pdfs_written"]}
    elif stage == "oracle":
        result = _run_oracle(home)
    elif stage == "publish":
        with open_state(home.state_db, read_only=True) as con:
            rows = con.execute("SELECT count(*) FROM timeline").fetchall()[0][0]
        stage_publish(home, snapshot=False)  # warehouse + Parquet exports; the snapshot is the next stage
        result = {"rows": rows, "unit": "timeline rows published (warehouse + exports, snapshot apart)"}
    elif stage == "snapshot":
        result = _run_snapshot(home, profile)
    elif stage == "daily":
        result = _run_daily(home, parse_instant(as_of))
    else:
        raise SystemExit(f"unknown stage {stage}")
    result.update(seconds=time.perf_counter() - started, peak_mb=_peak_mb())
    return result


def _run_snapshot(home, profile: Path | None = None) -> dict:
    """The publish stage's API snapshot on its own: `publish_snapshot` for the pending cycle, with the
    time split into its parts (timers wrapped around the functions it calls; nothing else changes)."""
    from api_export import publish
    from api_export import snapshot_store as store
    from pipelines.cycle import _require_pending
    from pipelines.state.database import open_state

    parts: dict[str, float] = {}
    verifying = [False]

    def timed(name: str, function):
        def wrapper(*args, **kwargs):
            if verifying[0] and name != "verify":  # verify's own hashing counts as verify
                return function(*args, **kwargs)
            started = time.perf_counter()
            verifying[0] = name == "verify"
            try:
                return function(*args, **kwargs)
            finally:
                verifying[0] = False
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    def timed_sets(function):
        def wrapper(*args, **kwargs):  # time spent producing each resource set (records, CSV, keys)
            iterator = iter(function(*args, **kwargs))
            while True:
                started = time.perf_counter()
                try:
                    item = next(iterator)
                except StopIteration:
                    return
                finally:
                    parts["build records"] = parts.get("build records", 0.0) + time.perf_counter() - started
                yield item
        return wrapper

    held = []  # the loaded world, freed after the stage and timed apart (`ecf cycle` never frees it)

    def load_and_hold(*args, **kwargs):
        replay = original_load(*args, **kwargs)
        held.append(replay)
        return replay

    original_load = publish.load_checkpoint
    publish.load_checkpoint = timed("load world", load_and_hold)
    publish.resource_sets = timed_sets(publish.resource_sets)
    store._write_set = timed("hand the files to the writer threads", store._write_set)
    store._Files.finish = timed("wait for the writer threads (index, hash, write, link, compare)",
                                store._Files.finish)
    store._check_counts = timed("verify", store._check_counts)  # each file is compared as it is stored

    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
    started = time.perf_counter()
    with open_state(home.state_db) as con:
        cycle = _require_pending(con, "publish")
        if profiler:
            profiler.enable()
        publish_started = time.perf_counter()
        summary = publish.publish_snapshot(con, home.root, cycle.cycle_id, cycle.as_of)
        publish_seconds = time.perf_counter() - publish_started
        if profiler:
            profiler.disable()
    freeing = time.perf_counter()
    held.clear()
    freed = time.perf_counter() - freeing
    seconds = time.perf_counter() - started
    if profiler:
        profiler.dump_stats(profile)
    folder = home.root / "snapshots" / summary["snapshot_id"]
    manifest = json.loads((folder / "manifest.json").read_text())
    apparent = sum(entry["bytes"] for entry in manifest["files"].values())
    disk, seen = 0, set()
    for path in (home.root / "snapshots").rglob("*"):  # every file once (hard links share an inode)
        info = path.lstat()
        if path.is_file() and not path.is_symlink() and info.st_ino not in seen:
            seen.add(info.st_ino)
            disk += info.st_blocks * 512
    by_kind: dict[str, int] = {}
    for relative, entry in manifest["files"].items():
        name = "*." + relative.rsplit(".", 1)[-1]  # records chunks (.ndjson, .csv), index.parquet
        by_kind[name] = by_kind.get(name, 0) + entry["bytes"]
    endpoints: dict[str, int] = {}
    for relative, entry in manifest["sets"].items():
        key = relative.split("/", 2)[-1] if relative.startswith("providers/") else relative.rsplit("/", 1)[0]
        endpoints[key] = endpoints.get(key, 0) + entry["records"]
    parts["other (query, manifest, rename, index)"] = publish_seconds - sum(parts.values())
    # `ecf publish` alone also opens and closes the state database and frees the world it loaded; `ecf cycle`
    # has the database open and hands the applied world over in memory: it pays none of these.
    parts["free the loaded world (ecf publish alone)"] = freed
    parts["open and close the state database (ecf publish alone)"] = seconds - publish_seconds - freed
    return {"rows": summary["snapshot_records"], "unit": "snapshot records (api resources)",
            "snapshot_id": summary["snapshot_id"], "files": summary["snapshot_files"],
            "bytes_apparent": apparent, "bytes_on_disk": disk, "bytes_by_file": by_kind,
            "records_by_endpoint": endpoints, "parts": parts, "publish_seconds": publish_seconds,
            "in_cycle_seconds": publish_seconds - parts["load world"]}


DAILY_LINES = 10_000


def _run_daily(home, last_as_of) -> dict:
    """A daily batch on top of the national history (issue 3's second target): the benchmark's cycle is
    finished, then one more cycle a day later whose only input is `DAILY_LINES` request lines — the
    providers' last batches sent again, `submitted_at` spread over the day. Most are refused (a
    declaration that exists already, a void of a voided one, …), but every line is routed, judged by the
    rules in order, and answered with a receipt. Ingest is excluded; placing the lines on the timeline and
    the apply stage are timed (the stage's own `seconds` also counts finishing the cycle and the ingest)."""
    from pipelines.cycle import finish_cycle, stage_apply, stage_ingest, stage_timeline

    finish_cycle(home)
    day = last_as_of + timedelta(days=1)
    landed = _land_daily_batch(home, last_as_of, day)
    stage_ingest(home, day)
    started = time.perf_counter()
    stage_timeline(home)
    placed = time.perf_counter() - started
    summary = stage_apply(home)
    daily = time.perf_counter() - started
    return {"rows": summary["requests_applied"], "unit": "daily request lines applied (receipts written)",
            "lines_landed": landed, "daily_seconds": daily, "timeline_seconds": placed,
            "apply_seconds": daily - placed}


def _land_daily_batch(home, last_as_of, day) -> int:
    """`DAILY_LINES` lines in all, taken in turn from each provider's latest batch file, re-dated into
    (last_as_of, day] and written as `inbox/providers/<slug>/<day>-daily.jsonl`; a line that is not JSON
    is sent as it is."""
    latest = {folder.name: sorted(folder.glob("*.jsonl"))[-1].read_bytes().splitlines()
              for folder in sorted((home.root / "inbox" / "providers").iterdir()) if any(folder.glob("*.jsonl"))}
    chosen: dict[str, list[bytes]] = {slug: [] for slug in latest}
    for number in range(DAILY_LINES):  # round robin over the providers, each from its own file's start
        slug = list(latest)[number % len(latest)]
        lines = latest[slug]
        chosen[slug].append(lines[len(chosen[slug]) % len(lines)])
    step = (day - last_as_of) / (DAILY_LINES + 1)
    sent = 0
    for slug, lines in chosen.items():
        out = []
        for line in lines:
            sent += 1
            try:
                request = json.loads(line)
            except ValueError:
                out.append(line)
                continue
            if isinstance(request, dict):
                request["submitted_at"] = (last_as_of + step * sent).strftime("%Y-%m-%dT%H:%M:%SZ")
            out.append(json.dumps(request, separators=(",", ":")).encode())
        target = home.root / "inbox" / "providers" / slug / f"{day:%Y-%m-%d}-daily.jsonl"
        target.write_bytes(b"\n".join(out) + b"\n")
    return sent


def _run_oracle(home) -> dict:
    """The row-by-row oracle over the calculated state; its figures must equal the stage's."""
    from decimal import Decimal

    sys.path.insert(0, str(ROOT / "tests"))
    from statement_oracle import oracle_statements, oracle_tables
    from pipelines.state.database import open_state

    with open_state(home.state_db, read_only=True) as con:
        [(as_of,)] = con.execute("SELECT max(as_of) FROM cycles").fetchall()
        tables = oracle_tables(con, as_of)
        stage_totals = dict(con.execute("SELECT statement_id, amount FROM statement_lines "
                                        "WHERE section = 'totals' AND figure = 'total_incl_vat' "
                                        "AND figures_from = 'calculated'").fetchall())
    started = time.perf_counter()
    figures = oracle_statements(**tables, as_of=as_of)
    seconds = time.perf_counter() - started
    differing = [sid for sid, total in stage_totals.items() if Decimal(total) != figures[sid]["grand_total_incl_vat"]]
    if differing:
        raise SystemExit(f"the oracle and the calculate stage differ on {len(differing)} statements: {differing[:5]}")
    return {"rows": len(figures), "unit": "statements (row-by-row oracle, totals equal)", "oracle_seconds": seconds}


def _child(stage: str, work: Path, scale: str, seed: int, as_of: str | None = None,
           profile: Path | None = None) -> dict:
    command = [sys.executable, __file__, "--stage", stage, "--work", str(work), "--scale", scale,
               "--seed", str(seed)] + (["--as-of", as_of] if as_of else []) \
        + (["--profile", str(profile)] if profile else [])
    done = subprocess.run(command, check=False, capture_output=True, text=True, cwd=ROOT)
    if done.returncode:
        print(f"stage {stage} failed (exit {done.returncode}):\n{done.stdout}{done.stderr}", file=sys.stderr,
              flush=True)
        raise SystemExit(f"benchmark stopped: stage {stage} failed")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _print_snapshot(snapshot: dict) -> None:
    print(f"\nsnapshot {snapshot['snapshot_id']}: the stage as a lone `ecf publish` {snapshot['seconds']:.2f} s "
          f"(target <= 30 s); publish_snapshot {snapshot['publish_seconds']:.2f} s, "
          f"{snapshot['in_cycle_seconds']:.2f} s of it without loading the world (as in `ecf cycle`), "
          f"peak {snapshot['peak_mb']:,.0f} MB, {snapshot['rows']:,} records, "
          f"{snapshot['files']:,} files, {snapshot['bytes_apparent'] / 1e6:,.1f} MB of file bytes, "
          f"{snapshot['bytes_on_disk'] / 1e6:,.1f} MB on disk under snapshots/ (objects, each once)")
    for part, seconds in snapshot["parts"].items():
        print(f"  {part:<44} {seconds:>8.2f} s")
    print("  bytes by file kind: " + ", ".join(f"{name} {size / 1e6:,.1f} MB"
                                               for name, size in sorted(snapshot["bytes_by_file"].items())))
    print("  records by endpoint (all providers): " + ", ".join(
        f"{name} {count:,}" for name, count in sorted(snapshot["records_by_endpoint"].items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", default="national", choices=("small", "national"))
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one, removed after)")
    parser.add_argument("--profile", type=Path, help="write a cProfile of publish_snapshot to this file "
                                                      "(slows the snapshot stage; its time is then not the figure)")
    parser.add_argument("--no-serve", action="store_true", help="skip the server benchmark at the end "
                                                               "(bench/serve_benchmark.py, needs wrk and nginx)")
    parser.add_argument("--serve-duration", type=int, default=15, help="seconds of wrk load per server measurement")
    parser.add_argument("--stage", help=argparse.SUPPRESS)
    parser.add_argument("--as-of", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        print(json.dumps(run_stage(args.stage, args.work, args.scale, args.seed, args.as_of, args.profile)))
        return

    work = args.work or Path(tempfile.mkdtemp(prefix="ecf-bench-"))
    shutil.rmtree(work / "home", ignore_errors=True)
    shutil.rmtree(work / "staging", ignore_errors=True)
    figures = {}
    print(f"benchmark: scale={args.scale} seed={args.seed} work={work} cores={os.cpu_count()}", flush=True)
    generated = _child("generate", work, args.scale, args.seed)
    figures["generate"] = generated
    for relative in generated.pop("files"):  # land everything at once: one big ingest
        target = work / "home" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(work / "staging" / relative, target)
    as_of = generated["as_of"]
    for stage in ("ingest", "timeline", "apply", "calculate", "oracle", "render", "publish", "snapshot"):
        figures[stage] = _child(stage, work, args.scale, args.seed, as_of,
                                args.profile if stage == "snapshot" else None)
        print(f"  {stage}: {figures[stage]['seconds']:.2f} s, peak {figures[stage]['peak_mb']:,.0f} MB", flush=True)
    print(f"\n{'stage':<10} {'seconds':>9} {'rows':>12} {'rows/s':>12} {'peak MB':>9}  unit")
    for stage, f in figures.items():
        rate = f["rows"] / f["seconds"] if f["seconds"] else 0
        print(f"{stage:<10} {f['seconds']:>9.2f} {f['rows']:>12,} {rate:>12,.0f} {f['peak_mb']:>9,.0f}  {f['unit']}")
    ingest = figures["ingest"]
    print(f"\ningest {ingest['seconds']:.2f} s = the files into the raw tables "
          f"{ingest['seconds'] - ingest['validation_report_seconds']:.2f} s "
          f"(peak {ingest['ingest_peak_mb']:,.0f} MB; "
          f"target <= 60 s, <= 4 GB) + the request lines' validation report "
          f"{ingest['validation_report_seconds']:.2f} s "
          "(issue 3's typing and validation, written at the end of ingest)")
    oracle = figures["oracle"]["oracle_seconds"]
    calculate = figures["calculate"]["seconds"]
    print(f"\ncalculate stage {calculate:.2f} s (all of it: counts, core, ECF2, identities, tables, JSON); "
          f"row-by-row oracle {oracle:.2f} s (calculation only, after loading its rows); "
          f"oracle / stage = {oracle / calculate:.1f}x")
    render = figures["render"]
    print(f"render {render['seconds']:.2f} s for {render['rows']} statements "
          f"({1000 * render['seconds'] / max(render['rows'], 1):.0f} ms a statement, {render['pdfs']} PDFs included)")
    print(f"\nrequest lines ingested: {figures['ingest'].get('request_lines', 0):,}; "
          f"generated counts: {json.dumps(generated.get('counts', {}))}")
    print(f"publish stage as the cycle runs it = publish {figures['publish']['seconds']:.2f} s "
          f"+ snapshot {figures['snapshot']['seconds']:.2f} s")
    _print_snapshot(figures["snapshot"])
    (work / "figures.json").write_text(json.dumps(figures, indent=2))
    if not args.no_serve:
        sys.stdout.flush()
        serve = subprocess.run([sys.executable, str(ROOT / "bench" / "serve_benchmark.py"), "--home",
                                str(work / "home"), "--duration", str(args.serve_duration),
                                "--json", str(work / "serve.json")], check=False, cwd=ROOT)
        if serve.returncode:
            print(f"server benchmark failed (exit {serve.returncode})", flush=True)
    # Last, as it finishes the benchmark's cycle and adds another: a daily batch on the whole history.
    figures["daily"] = daily = _child("daily", work, args.scale, args.seed, as_of)
    print(f"\ndaily batch: {daily['lines_landed']:,} request lines a day after the history, timeline + apply "
          f"{daily['daily_seconds']:.2f} s (target <= 5 s; timeline {daily['timeline_seconds']:.2f} s, apply "
          f"{daily['apply_seconds']:.2f} s), {daily['rows']:,} applied, peak {daily['peak_mb']:,.0f} MB", flush=True)
    (work / "figures.json").write_text(json.dumps(figures, indent=2))
    if not args.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
