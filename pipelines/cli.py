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
    scale: Annotated[Scale, typer.Option(help="small: ~2,000 participants, two to three minutes; "
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
    out.print(f"  statements           {target.root / 'statements' / 'index.html'} (every statement: page, "
              "declarations CSV, figures JSON; PDFs for the current ones)")
    out.print(f"  analysts' warehouse  {target.warehouse_db}  (open read-only: duckdb -readonly {target.warehouse_db})")
    out.print(f"  Parquet exports      {target.exports}/")
    out.print(f"  per-cycle reports    {target.cycles}/<as_of>/ (report.html, summary.json, quarantine.jsonl, "
              "validation.json)")
    out.print(f"  API snapshots        {target.snapshots}/current (the last three cycles; `ecf snapshots list`)")
    out.print(f"  pipeline state       {target.state_db}")
    out.print(f"Next: `ecf statements show --home {target.root} <provider-slug> <cohort> \"<statement name>\"` "
              f"(`ecf providers --home {target.root}` lists the providers); serve the API with "
              f"`ecf tokens issue --home {target.root} <provider-slug>` then `ecf serve --home {target.root}`.")


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


class PdfChoice(str, Enum):
    current = "current"
    all = "all"
    none = "none"


@app.command()
def render(
    home: HomeOption = None,
    pdf: Annotated[PdfChoice, typer.Option(help="current: PDFs for the statements that are due next or became "
                                                "payable or paid this cycle; all: every statement (about a "
                                                "quarter of a second each); none: no PDFs.")] = PdfChoice.current,
) -> None:
    """Render every statement of the pending cycle (after calculate): page, PDF, declarations CSV, index, report."""
    from pipelines.cycle import stage_render

    target = _home(home)
    with _progress() as progress:
        result = _guarded(lambda: stage_render(target, _Reporter(progress), pdf.value))
    out.print(f"rendered {result['pages']} statements ({result['pages_changed']} pages changed, "
              f"{result['pdfs_written']} PDFs written): {target.root / 'statements' / 'index.html'}")
    if result["not_calculated"]:
        console.print(f"[yellow]{result['not_calculated']} statements were not calculated[/] and have no page: "
                      "see the statement_calculation_problems table")
        raise typer.Exit(EXIT_QUARANTINED)


@app.command()
def publish(home: HomeOption = None) -> None:
    """Publish the pending cycle: warehouse.duckdb, Parquet exports and the API snapshot
    (snapshots/<as_of>/; `current` moves to it once it is complete and verified)."""
    from pipelines.cycle import stage_publish

    target = _home(home)
    with _progress() as progress:
        result = _guarded(lambda: stage_publish(target, _Reporter(progress)))
    out.print(f"published {result['tables']} warehouse tables: {target.warehouse_db}")
    out.print(f"published snapshot {result['snapshot_id']} ({result['snapshot_records']} records, "
              f"{result['snapshot_files']} files): {target.snapshots / result['snapshot_id']}/; "
              f"serve it with `ecf serve --home {target.root}`")


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


# ---------------------------------------------------------------------------- ecf statements …
statements_app = typer.Typer(
    name="statements",
    help="Finance operations on one statement, named by <lead-provider-slug> <cohort> \"<statement name>\" "
         "(e.g. alder 2024 \"January 2025\"; the month slug 2025-01-january works too). authorise and adjust "
         "never change the state: they write one finance row to a new file in inbox/finance/, which the next "
         "`ecf cycle` applies at its effective_at (default: the last cycle's as_of + 1 second), re-checking "
         "the conditions there; a row refused then is reported in the cycle's summary and exit status (3).",
    no_args_is_help=True,
)
app.add_typer(statements_app, name="statements")

SlugArgument = Annotated[str, typer.Argument(metavar="LEAD_PROVIDER_SLUG", help="The statement's lead provider "
                                                                                 "(`ecf providers` lists them).")]
CohortArgument = Annotated[str, typer.Argument(metavar="COHORT", help="Cohort start year, e.g. 2024.")]
NameArgument = Annotated[str, typer.Argument(metavar="STATEMENT_NAME", help="e.g. \"January 2025\" (quoted).")]
EffectiveAtOption = Annotated[Optional[str], typer.Option(
    "--effective-at", help="When the row takes effect, RFC 3339 or a date; it must be after the last cycle's "
                           "as_of. Default: the last cycle's as_of + 1 second.")]
ForceOption = Annotated[bool, typer.Option(
    "--force", help="Write the row even though the pre-check fails; the next cycle re-checks it at "
                    "effective_at and refuses it if the condition still fails.")]


class AdjustAction(str, Enum):
    add = "add"
    change = "change"
    remove = "remove"


def _effective_at(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_instant(text)
    except InstantError as error:
        raise typer.BadParameter(str(error), param_hint="--effective-at") from None


def _finance_guarded(action):
    """As `_guarded`, for the finance commands' own refusals (unknown names, bad amounts, no cycle yet)."""
    from pipelines.statements.finance_commands import FinanceCommandError

    try:
        return _guarded(action)
    except FinanceCommandError as error:
        _refuse(str(error))


def _report_written(written, what: str) -> None:
    """Print what a finance command wrote, or refuse (exit 2) naming the failed conditions."""
    label = written.statement.label
    at = rfc3339(written.effective_at)
    if written.path is None:
        console.print(f"[bold red]refused:[/] cannot {what} {label} at {at}:")
        for condition in written.failed:
            console.print(f"  - {condition}")
        console.print(f"Nothing was written (checked against the state of the last cycle, "
                      f"{rfc3339(written.latest_as_of)}). Use --force to write the row anyway: the next cycle "
                      "re-checks it and refuses it if the condition still fails.")
        raise typer.Exit(EXIT_REFUSED)
    for condition in written.failed:
        console.print(f"[yellow]warning:[/] {condition} (written anyway: --force); the next cycle will refuse the "
                      "row if this still holds at effective_at")
    for note in written.notes:
        console.print(f"note: {note}")
    out.print(f"wrote {written.path}: {what} {label} at {at}")
    out.print("The next `ecf cycle` applies it (refusals: the cycle's summary.json and the finance_refusals table).")


@statements_app.command("show")
def statements_show(
    lead_provider_slug: SlugArgument,
    cohort: CohortArgument,
    statement_name: NameArgument,
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the same as JSON.")] = False,
) -> None:
    """Show a statement as of the last cycle (--json for scripts).

    Status, dates, contract version, the summary figures as the page shows them, line items by state,
    additional adjustments, finance rows refused on it, and whether an authorisation at the default
    effective_at would pass the pre-check.
    """
    from pipelines.statements.finance_commands import show_statement

    target = _home(home)
    shown = _finance_guarded(lambda: show_statement(target, lead_provider_slug, cohort, statement_name))
    if as_json:
        typer.echo(orjson.dumps(shown, option=orjson.OPT_INDENT_2).decode())
        return
    s = shown["statement"]
    facts = Table(title=f"{s['lead_provider_slug']} {s['cohort']} \"{s['name']}\" (as of {shown['as_of']})",
                  title_justify="left", show_header=False)
    facts.add_column(style="bold")
    facts.add_column()
    paid_at = f" (authorised for payment at {s['marked_as_paid_at']})" if s["marked_as_paid_at"] else ""
    for name, value in (("status", s["status"] + paid_at), ("output fee", "yes" if s["output_fee"] else "no"),
                        ("deadline", s["deadline_on"]), ("payment date", s["payment_on"]),
                        ("contract version", s["contract_version"] or "-"),
                        ("mentor contract version", s["mentor_contract_version"] or "-"),
                        ("statement id", s["id"]), ("document", shown["document"] or "-")):
        facts.add_row(name, str(value))
    out.print(facts)
    if shown["calculation_problem"]:
        console.print(f"[yellow]not calculated:[/] {shown['calculation_problem']}")
    if shown["summary"]:
        summary = Table(title=f"Summary (figures {shown['figures_from']})", title_justify="left")
        summary.add_column("line")
        summary.add_column("amount", justify="right")
        for line in shown["summary"]:
            summary.add_row(line["line"], line["display"])
        out.print(summary)
    items = Table(title="Line items", title_justify="left")
    for header in ("type", "state", "count"):
        items.add_column(header, justify="right" if header == "count" else "left")
    for item in shown["line_items"]:
        items.add_row(item["line_type"], item["state"], str(item["count"]))
    out.print(items if shown["line_items"] else "Line items: none")
    if shown["adjustments"]:
        adjustments = Table(title="Additional adjustments", title_justify="left")
        for header in ("ref", "description", "amount"):
            adjustments.add_column(header, justify="right" if header == "amount" else "left")
        for a in shown["adjustments"]:
            adjustments.add_row(a["adjustment_ref"], a["description"], a["display"])
        out.print(adjustments)
    else:
        out.print("Additional adjustments: none")
    if shown["refusals"]:
        refusals = Table(title="Refused finance rows", title_justify="left")
        for header in ("cycle", "kind", "effective_at", "reason"):
            refusals.add_column(header)
        for r in shown["refusals"]:
            refusals.add_row(str(r["cycle_id"]), r["kind"], r["effective_at"], r["reason"])
        out.print(refusals)
    check = shown["authorisation_check"]
    if check["failed"]:
        out.print(f"Authorise at {check['effective_at']}: would be refused: {'; '.join(check['failed'])}")
    else:
        out.print(f"Authorise at {check['effective_at']}: all conditions hold")
    if shown["pending_cycle_as_of"]:
        console.print(f"[yellow]a cycle at {shown['pending_cycle_as_of']} is pending[/]: this shows the last "
                      "complete cycle")


@statements_app.command("authorise")
def statements_authorise(
    lead_provider_slug: SlugArgument,
    cohort: CohortArgument,
    statement_name: NameArgument,
    home: HomeOption = None,
    effective_at: EffectiveAtOption = None,
    force: ForceOption = False,
) -> None:
    """Authorise a statement for payment (mark paid): write an authorisations row to inbox/finance/.

    Pre-checks, as of effective_at against the last cycle's state (partnerships-and-finance.md §2): an
    output-fee statement, payable, not already marked paid, deadline in the past, holds declarations.
    If one fails, nothing is written and the command exits 2 naming it (--force writes it anyway).
    """
    from pipelines.statements.finance_commands import authorise

    target = _home(home)
    when = _effective_at(effective_at)
    written = _finance_guarded(lambda: authorise(target, lead_provider_slug, cohort, statement_name, when, force))
    _report_written(written, "authorise")


@statements_app.command("adjust")
def statements_adjust(
    lead_provider_slug: SlugArgument,
    cohort: CohortArgument,
    statement_name: NameArgument,
    ref: Annotated[Optional[str], typer.Option(
        "--ref", help="Finance's own reference for the adjustment, e.g. ADJ-001 (required).")] = None,
    action: Annotated[AdjustAction, typer.Option(
        "--action", help="add a new adjustment; change the amount and/or description of one on this statement; "
                         "remove it.")] = AdjustAction.add,
    description: Annotated[Optional[str], typer.Option(
        "--description", help="The line shown on the statement (required to add).")] = None,
    amount: Annotated[Optional[str], typer.Option(
        "--amount", help="£, positive or negative, at most 2 decimal places, not zero, e.g. 1250.00 or -120 "
                         "(required to add; not with remove).")] = None,
    home: HomeOption = None,
    effective_at: EffectiveAtOption = None,
    force: ForceOption = False,
) -> None:
    """Add, change or remove an additional adjustment: write an adjustments row to inbox/finance/.

    Pre-checks against the last cycle's state: an output-fee statement not marked paid; add needs an
    unused --ref, change and remove one on this statement. If one fails, nothing is written and the
    command exits 2 naming it (--force writes it anyway). A bad --amount is always refused.
    """
    from pipelines.statements.finance_commands import adjust

    target = _home(home)
    when = _effective_at(effective_at)
    written = _finance_guarded(lambda: adjust(target, lead_provider_slug, cohort, statement_name, ref, action.value,
                                              description, amount, when, force))
    _report_written(written, f"{action.value} adjustment {written.row['adjustment_ref']} on")


# ---------------------------------------------------------------------------- ecf tokens …
tokens_app = typer.Typer(
    name="tokens",
    help="API tokens for `ecf serve`: each belongs to one lead provider. Only a digest is stored (in the home's "
         "tokens/ folder, never in a snapshot); the token itself is printed once, when issued.",
    no_args_is_help=True,
)
app.add_typer(tokens_app, name="tokens")


def _provider_named(target: Home, name: str) -> dict:
    from pipelines.provider_list import lead_providers

    rows = _guarded(lambda: lead_providers(target))
    for row in rows:
        if name in (row["id"], row["slug"]):
            return row
    _refuse(f"no lead provider {name!r}; choose one of: " + ", ".join(f"{r['slug']} ({r['id']})" for r in rows))


@tokens_app.command("issue")
def tokens_issue(
    lead_provider: Annotated[str, typer.Argument(metavar="LEAD_PROVIDER", help="The lead provider's id or slug "
                                                                                "(`ecf providers --json`).")],
    home: HomeOption = None,
    label: Annotated[Optional[str], typer.Option("--label", help="A note kept with the digest, e.g. who "
                                                                  "holds the token.")] = None,
) -> None:
    """Issue a new token for one lead provider; the token is the last line printed (shown only once)."""
    from api_export.tokens import issue_token
    from pipelines.instants import utc_now

    target = _home(home)
    provider = _provider_named(target, lead_provider)
    issued = issue_token(target.tokens, provider["id"], provider["slug"], utc_now(), label)
    console.print(f"issued a token for {provider['slug']} ({provider['name']}); digest {issued.digest[:12]} "
                  f"stored in {target.tokens}/. Keep the token safe: it is not shown again.")
    typer.echo(issued.token)


@tokens_app.command("list")
def tokens_list(home: HomeOption = None) -> None:
    """List live tokens: digest prefix, lead provider, issue time, label (never the tokens)."""
    from api_export.tokens import list_tokens

    target = _home(home)
    table = Table(title="API tokens", title_justify="left")
    for header in ("digest", "lead provider", "issued_at", "label"):
        table.add_column(header)
    for row in list_tokens(target.tokens):
        table.add_row(row["digest"], row["lead_provider_slug"], row["issued_at"], row["label"] or "")
    out.print(table)


@tokens_app.command("revoke")
def tokens_revoke(
    token_or_digest: Annotated[Optional[str], typer.Argument(
        metavar="[TOKEN_OR_DIGEST]", help="The token itself, or the digest prefix `ecf tokens list` shows "
                                          "(at least 8 characters).")] = None,
    home: HomeOption = None,
    lead_provider: Annotated[Optional[str], typer.Option(
        "--lead-provider", help="Revoke every token of this lead provider (id or slug) instead.")] = None,
) -> None:
    """Revoke tokens; a running server refuses them from the next request on."""
    from api_export.tokens import revoke_tokens

    target = _home(home)
    if (token_or_digest is None) == (lead_provider is None):
        _refuse("name one token (the token or its digest prefix) or use --lead-provider, not both")
    if lead_provider is not None:
        revoked = revoke_tokens(target.tokens, lead_provider_id=_provider_named(target, lead_provider)["id"])
    else:
        revoked = revoke_tokens(target.tokens, token=token_or_digest, digest_prefix=token_or_digest)
    if not revoked:
        _refuse("no live token matched; `ecf tokens list` shows the digests")
    out.print(f"revoked {len(revoked)} token(s): {', '.join(revoked)}")


# ---------------------------------------------------------------------------- ecf snapshots …
snapshots_app = typer.Typer(
    name="snapshots",
    help="The API snapshots each cycle publishes under snapshots/<as_of>/ (`current` points at the newest).",
    no_args_is_help=True,
)
app.add_typer(snapshots_app, name="snapshots")


@snapshots_app.command("list")
def snapshots_list(
    home: HomeOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the snapshots, oldest first, with their as_of, record count and which one is current."""
    from dataclasses import asdict

    from api_export.snapshot_store import list_snapshots

    target = _home(home)
    infos = list_snapshots(target.snapshots)
    if as_json:
        typer.echo(orjson.dumps([asdict(i) for i in infos], option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=f"Snapshots in {target.snapshots}", title_justify="left")
    for header in ("snapshot id", "as_of", "records", "current"):
        table.add_column(header, justify="right" if header == "records" else "left")
    for info in infos:
        table.add_row(info.snapshot_id, info.as_of, str(info.records), "yes" if info.current else "")
    out.print(table)


@snapshots_app.command("prune")
def snapshots_prune(
    keep: Annotated[int, typer.Option("--keep", help="How many of the newest snapshots to keep (the current one "
                                                     "is always kept).")],
    home: HomeOption = None,
) -> None:
    """Delete all but the newest --keep snapshots, and the stored files no kept snapshot uses."""
    from api_export.snapshot_store import SnapshotError, prune_snapshots

    target = _home(home)
    try:
        deleted = prune_snapshots(target.snapshots, keep)
    except SnapshotError as error:
        _refuse(str(error))
    out.print(f"deleted {len(deleted)} snapshot(s)" + (f": {', '.join(deleted)}" if deleted else ""))


@snapshots_app.command("verify")
def snapshots_verify(
    snapshot_id: Annotated[Optional[str], typer.Argument(help="The snapshot id (`ecf snapshots list`); default: "
                                                               "the current one.")] = None,
    home: HomeOption = None,
) -> None:
    """Check a stored snapshot: every file's sha256 and size against the manifest, every set's record count
    against its index (e.g. after copying a home, or to look for damage on disk). Publishing verifies each
    snapshot as it writes it; this reads it all again."""
    from api_export.snapshot_store import SnapshotError, current_snapshot_id, snapshot_folder, verify_snapshot

    target = _home(home)
    chosen = snapshot_id or current_snapshot_id(target.snapshots)
    if chosen is None:
        _refuse(f"no snapshot has been published in {target.snapshots}; run `ecf cycle` (or `ecf publish`)")
    try:
        folder = snapshot_folder(target.snapshots, chosen)
        if not folder.is_dir():
            raise SnapshotError(f"there is no snapshot {chosen} in {target.snapshots} (`ecf snapshots list` "
                                "shows them)")
        manifest = verify_snapshot(folder)
    except SnapshotError as error:
        _refuse(str(error))
    out.print(f"snapshot {chosen}: {len(manifest['files'])} files and {manifest['record_counts']['total']:,} "
              "records match its manifest")


# ---------------------------------------------------------------------------- ecf serve
@app.command()
def serve(
    home: HomeOption = None,
    snapshot: Annotated[Optional[str], typer.Option(
        "--snapshot", help="Serve this snapshot id (`ecf snapshots list`); default: `current`, followed as "
                           "each cycle publishes a new one.")] = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    rate_limit: Annotated[int, typer.Option(
        "--rate-limit", help="Requests per token per --rate-period seconds (live: 1000 per 300); 0 lifts the "
                             "limit (benchmarks). Counted per worker process.")] = 1000,
    rate_period: Annotated[int, typer.Option("--rate-period", help="The rate limit's window, seconds.")] = 300,
    access_log: Annotated[bool, typer.Option("--access-log", help="Log every request (method, path, query, "
                                                                  "status; never the token) to stderr.")] = False,
    response_cache: Annotated[int, typer.Option(
        "--response-cache", min=0, help="MB per worker of complete recent answers, replayed to the same request "
                                        "(same snapshot, provider, path and query); 0 turns it off.")] = 128,
) -> None:
    """Serve the lead-provider API (v1, v2, v3 GET routes) read-only from a snapshot.

    Clients change only their base URL (http://HOST:PORT) and token (`ecf tokens issue`). GET / describes the
    server without a token; /openapi.json is this server's OpenAPI description. Writes answer 405 with a
    JSON error pointing to the batch inbox.
    """
    try:
        import uvicorn

        from api_export import serve_app
    except ImportError as error:
        _refuse(f"the server's dependencies are missing ({error}); install them with "
                "`pip install -e '.[serve]'` (./scripts/setup-env does)")
    target = _home(home)
    os.environ["ECF_SERVE_HOME"] = str(target.root)
    os.environ["ECF_SERVE_SNAPSHOT"] = snapshot or ""
    os.environ["ECF_SERVE_RATE"] = f"{rate_limit}/{rate_period}"
    os.environ["ECF_SERVE_CACHE_MB"] = str(response_cache)
    try:
        serve_app.check()
    except Exception as error:  # noqa: BLE001 - any reason the snapshot cannot be opened is a refusal
        _refuse(str(error))
    console.print(f"serving {target.snapshots} on http://{host}:{port} (GET / describes it; Ctrl-C stops)")
    uvicorn.run("api_export.serve_app:app", host=host, port=port, workers=workers, factory=False,
                log_level="info", access_log=access_log)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted: the stage that was running left the state as it was before it")
        raise SystemExit(EXIT_FAILED) from None


if __name__ == "__main__":
    main()
