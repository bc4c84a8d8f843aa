"""`ecf`: the one command-line interface of the ECF payments pipeline.

Exit codes: 0 done; 1 an unexpected failure (a bug: please report it with the traceback);
2 refused (bad arguments, a non-increasing --as-of, a home in use, a bad state import);
3 done, but some input was quarantined (cycles/<as_of>/quarantine.jsonl says what and how to fix it).
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipelines.cycle import CycleError, CycleSummary, check_cycle_can_start, run_cycle, stage_ingest
from pipelines.home import DEFAULT_HOME, Home
from pipelines.instants import InstantError, parse_instant, rfc3339
from pipelines.state.database import StateLockedError

EXIT_OK, EXIT_FAILED, EXIT_REFUSED, EXIT_QUARANTINED = 0, 1, 2, 3

app = typer.Typer(
    name="ecf",
    help="ECF payments pipeline: ingest what drives lead-provider payments, apply the live rules, "
         "calculate and publish the statements. Every command acts on one home folder "
         "(--home, or ECF_HOME, default ./ecf-home).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True, width=None if Console().is_terminal else 120)

HomeOption = Annotated[Optional[Path], typer.Option(
    "--home", envvar="ECF_HOME", help="The home folder: inbox/ for inputs, outputs beside it.",
    show_default=DEFAULT_HOME)]
AsOfOption = Annotated[Optional[str], typer.Option(
    "--as-of", help="The cycle's as_of instant, RFC 3339 (e.g. 2025-09-30T02:00:00Z) or a date; "
                    "default: now. It must be after the previous cycle's.")]


class Scale(str, Enum):
    small = "small"
    national = "national"


def _home(path: Path | None) -> Home:
    return Home.resolve(path or os.environ.get("ECF_HOME") or DEFAULT_HOME)


def _as_of(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except InstantError as error:
        raise typer.BadParameter(str(error), param_hint="--as-of") from None


def _refuse(message: str) -> None:
    console.print(f"[bold red]refused:[/] {message}")
    raise typer.Exit(EXIT_REFUSED)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console, transient=True)


class _Reporter:
    """Adapts the stages' (label, done, total) callbacks to one Rich progress bar per label."""

    def __init__(self, progress: Progress):
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def __call__(self, label: str, done: int, total: int) -> None:
        if label not in self.tasks:
            self.tasks[label] = self.progress.add_task(label, total=total)
        self.progress.update(self.tasks[label], completed=done, total=total)


def _summary_table(summaries: list[CycleSummary]) -> Table:
    table = Table(title="Cycles", title_justify="left")
    for header in ("as_of", "files", "rows", "quarantined", "events", "late", "waiting", "requests", "accepted",
                   "refused", "statements"):
        if header == "as_of":
            table.add_column(header, no_wrap=True, min_width=20)
        else:
            table.add_column(header, justify="right")
    for s in summaries:
        table.add_row(s.as_of, str(s.files_ingested), str(s.rows_ingested), str(s.rows_quarantined),
                      str(s.events_on_timeline), str(s.rows_late), str(s.rows_waiting), str(s.requests_applied),
                      str(s.requests_accepted), str(s.finance_refused), str(s.statements_calculated))
    return table


def _guarded(action):
    """Run `action`, turning the product's refusals into exit code 2 with their message."""
    try:
        return action()
    except (CycleError, StateLockedError) as error:
        _refuse(str(error))


@app.command()
def demo(
    home: HomeOption = None,
    scale: Annotated[Scale, typer.Option(help="small: ~2,000 participants, under a minute; "
                                              "national: ~300,000 participants and ~2,000,000 requests.")] = Scale.small,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives byte-identical inbox files.")] = 2021,
    fresh: Annotated[bool, typer.Option("--fresh", help="Replace an existing demo home.")] = False,
) -> None:
    """Build a realistic synthetic home and run its monthly cycles (no server, no network)."""
    from pipelines.demo_home import run_demo

    target = _home(home)
    started = time.monotonic()
    with _progress() as progress:
        summaries = _guarded(lambda: run_demo(target, scale.value, seed, fresh, _Reporter(progress)))
    out.print(_summary_table(summaries))
    elapsed = time.monotonic() - started
    last = summaries[-1]
    out.print(f"\n[bold]Demo home ready[/] in {elapsed:.1f} s: {target.root}")
    out.print(f"  {len(summaries)} cycles, the last at {last.as_of}")
    applied = sum(s.requests_applied for s in summaries)
    accepted = sum(s.requests_accepted for s in summaries)
    out.print(f"  inputs               {target.inbox}/ (reference, registrations, finance, providers)")
    out.print(f"  receipts             {target.receipts}/ ({applied} requests: {accepted} accepted, "
              f"{applied - accepted} answered with the live API's errors)")
    out.print(f"  analysts' warehouse  {target.warehouse_db}  (open read-only: duckdb -readonly {target.warehouse_db})")
    out.print(f"  Parquet exports      {target.exports}/")
    out.print(f"  per-cycle reports    {target.cycles}/<as_of>/ (summary.json, quarantine.jsonl, validation.json)")
    out.print(f"  pipeline state       {target.state_db}")
    out.print(f"Next: `ecf providers --home {target.root}` lists the lead providers.")


@app.command()
def cycle(
    home: HomeOption = None,
    as_of: AsOfOption = None,
    no_prefect: Annotated[bool, typer.Option("--no-prefect", help="Run the same stages as plain functions, "
                                                                  "without Prefect.")] = False,
) -> None:
    """Run every stage, in order, for the cycle at --as-of (the statement_cycle flow)."""
    target = _home(home)
    when = _as_of(as_of)
    if no_prefect:
        with _progress() as progress:
            summary = _guarded(lambda: run_cycle(target, when, _Reporter(progress)))
    else:
        _guarded(lambda: check_cycle_can_start(target, when))
        summary = _guarded(lambda: _run_flow(target, when))
    out.print(_summary_table([summary]))
    out.print(f"Reports: {target.root / summary.cycle_folder}/  Receipts: {target.receipts}/  "
              f"Warehouse: {target.warehouse_db}")
    if summary.rows_quarantined or summary.finance_refused or summary.statements_not_calculated:
        console.print(f"[yellow]{summary.rows_quarantined} quarantined, {summary.finance_refused} finance rows "
                      f"refused, {summary.statements_not_calculated} statements not calculated[/]: see "
                      f"{target.root / summary.cycle_folder}/ (quarantine.jsonl, summary.json) and the "
                      "statement_calculation_problems table")
        raise typer.Exit(EXIT_QUARANTINED)


def _run_flow(target: Home, when: datetime | None) -> CycleSummary:
    from pipelines.prefect_env import configure_prefect

    configure_prefect()
    from pipelines.flows import statement_cycle

    with console.status("running the statement_cycle flow under Prefect (a local server starts first)…"):
        result = statement_cycle(str(target.root), rfc3339(when) if when else None)
    return CycleSummary(**result)


@app.command()
def ingest(home: HomeOption = None, as_of: AsOfOption = None) -> None:
    """Take every new inbox file into the pending cycle (starting one at --as-of if none is pending)."""
    target = _home(home)
    with _progress() as progress:
        result = _guarded(lambda: stage_ingest(target, _as_of(as_of), _Reporter(progress)))
    out.print(f"ingested {result['files_ingested']} files, {result['rows_ingested']} rows; "
              f"{result['rows_quarantined']} quarantined; {result['duplicates_skipped']} duplicate files skipped")
    if result["rows_quarantined"]:
        raise typer.Exit(EXIT_QUARANTINED)


@app.command()
def apply(home: HomeOption = None) -> None:
    """Apply the pending cycle's timeline through the live rules: receipts and lifecycle state."""
    from pipelines.cycle import stage_apply

    target = _home(home)
    with _progress() as progress:
        result = _guarded(lambda: stage_apply(target, _Reporter(progress)))
    out.print(f"applied {result['requests_applied']} requests ({result['requests_accepted']} accepted); "
              f"{result['finance_refused']} finance rows refused; {result['receipt_files']} receipt files written "
              f"under {target.receipts}/")


@app.command()
def calculate(home: HomeOption = None) -> None:
    """Calculate every statement of the pending cycle (payments.md): figures, ECF2 comparison, JSON."""
    from pipelines.cycle import stage_calculate

    target = _home(home)
    with _progress() as progress:
        result = _guarded(lambda: stage_calculate(target, _Reporter(progress)))
    out.print(f"calculated {result['statements_calculated']} statements; written under {target.root / 'statements'}/")
    if result["paid_statement_differences"]:
        console.print(f"[yellow]{result['paid_statement_differences']} figures of paid statements differ when "
                      "recomputed[/] (the stored figures stay): see the paid_statement_differences table")
    if result["statements_not_calculated"]:
        console.print(f"[yellow]{result['statements_not_calculated']} statements could not be calculated[/]: see "
                      "the statement_calculation_problems table")
        raise typer.Exit(EXIT_QUARANTINED)


@app.command()
def providers(
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON: [{id, slug, name}].")] = False,
) -> None:
    """List the lead providers (id, slug, name) in force at the last cycle."""
    from pipelines.provider_list import lead_providers

    target = _home(home)
    rows = _guarded(lambda: lead_providers(target))
    if as_json:
        typer.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title="Lead providers", title_justify="left")
    for header in ("id", "slug", "name"):
        table.add_column(header)
    for row in rows:
        table.add_row(row["id"], row["slug"], row["name"])
    out.print(table)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted: the stage that was running left the state as it was before it")
        raise SystemExit(EXIT_FAILED) from None


if __name__ == "__main__":
    main()
