"""Finance operations on one statement: what `ecf statements show | authorise | adjust` do.

Plain functions (the CLI in `pipelines/cli.py` only parses options and prints). A statement is
named by `<lead-provider-slug> <cohort> "<statement name>"` and resolved against the latest state:
the statements of the last complete cycle in `state.duckdb`. Names match exactly, ignoring case
and repeated spaces; the statement can also be named by its month slug (`2025-01-january`). An
unknown slug, cohort or name raises `UnknownStatementError`, whose message lists the valid choices.

`authorise` and `adjust` never change the state: each appends one finance row to a new CSV file
in `inbox/finance/` (`authorisations-<stamp>-<nnn>-<slug>-<cohort>-<month>.csv`,
`adjustments-<stamp>-<nnn>-<slug>-<cohort>-<month>-<ref>.csv`; `<stamp>` is the row's
`effective_at`, `<nnn>` the order of writing among files of that instant), with exactly the
kind's columns from `pipelines/ingest/kinds.py`, so the file is always valid input. The next cycle
ingests it and applies it at `effective_at` on the timeline, re-checking the conditions there
(`pipelines/apply/finance_events.py`); a row refused then is recorded in `finance_refusals` and
counted in the cycle's summary and exit status.

`effective_at` defaults to the last complete cycle's `as_of` + 1 second; a chosen one must be
after that `as_of` (history already applied is never rewritten: an earlier row would be applied
late, at the next window's start). Nothing is written before the first cycle has completed, nor
while a cycle is pending.

The pre-check evaluates the conditions of partnerships-and-finance.md §2 against the latest state,
as of `effective_at`:

* authorise: an output-fee statement; payable (or open with its deadline event falling before
  `effective_at`, which the next cycle applies first); not already marked paid; deadline before
  `effective_at`'s date; holds declarations (any line item);
* adjust: an output-fee statement that has not been marked paid; `add` needs a reference not yet
  in use, `change` and `remove` one in force on this statement.

Every failed condition is reported (not only the first). By default a failed pre-check writes
nothing (the CLI exits 2 and names the conditions); `force=True` writes the row anyway, and the
next cycle re-checks and refuses it if the condition still fails. Finance rows still waiting in
`inbox/finance/` (written but not yet applied by a cycle) are not part of the latest state:
adding and then changing an adjustment before a cycle runs needs `force` for the change.

An adjustment amount (`parse_amount`) is pounds and pence: an optional sign, an optional `£`,
digits (thousands commas allowed when correctly grouped) and at most 2 decimal places, and not
zero. No exponents, no `nan`/`inf`, no fractions of a penny; it is written as plain decimal text
(`-1250.50`). A bad amount is refused whatever `force` says: it is a mistake in the command, not a
condition of the statement.

Rows written for the same instant apply in file-path order (product.md §4): all `adjustments-`
files before all `authorisations-` files, and within a kind in the order written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

import duckdb

from pipelines.calculate.lifecycle import adjustment_failures, authorisation_failures
from pipelines.calculate.money import display_pounds, exact_text
from pipelines.calculate.statement_stage import statement_month_slug, statement_path
from pipelines.home import Home
from pipelines.ingest.kinds import KINDS_BY_FOLDER
from pipelines.instants import as_utc, naive_utc, rfc3339, stamp
from pipelines.state.database import first_row, open_state, records
from pipelines.timeline.in_force import in_force_sql

AUTHORISATIONS = KINDS_BY_FOLDER[("finance", "authorisations")]
ADJUSTMENTS = KINDS_BY_FOLDER[("finance", "adjustments")]
CALENDAR = KINDS_BY_FOLDER[("reference", "statements")]
COHORTS = KINDS_BY_FOLDER[("reference", "cohorts")]
ACTIONS = ("add", "change", "remove")
SUMMARY_LABELS = {  # statement_lines.figure of the summary section → the page's label (payments.md §5.5)
    "output_fee": "Output payment", "service_fee": "Service fee", "total_for_uplift": "Uplift fees",
    "adjustments_total": "Clawbacks", "additional_adjustments_total": "Additional adjustments", "vat": "VAT",
    "total": "Total", "ect_output_fee": "ECTs output payment", "mentor_output_fee": "Mentors output payment",
    "ect_clawbacks": "ECT clawbacks", "mentor_clawbacks": "Mentor clawbacks",
}
_AMOUNT = re.compile(r"^(?P<sign>[+-]?)£?(?P<units>\d{1,3}(?:,\d{3})+|\d+)(?:\.(?P<pence>\d{1,2}))?$")
_MAX_UNIT_DIGITS = 27  # what the ingest's money type accepts (pipelines/ingest/parse_values.py)


class FinanceCommandError(Exception):
    """A finance command that cannot be carried out; the message says why and what to do."""


class UnknownStatementError(FinanceCommandError):
    """The named statement does not exist; the message (and `choices`) lists the valid names."""

    def __init__(self, message: str, choices: list[str]):
        super().__init__(message)
        self.choices = choices


@dataclass(frozen=True)
class StatementRecord:
    statement_id: str
    lead_provider_id: str
    lead_provider_slug: str
    cohort: int
    statement_name: str
    deadline_on: date
    payment_on: date
    output_fee: bool
    status: str
    marked_as_paid_at: datetime | None
    contract_version: str | None
    mentor_contract_version: str | None
    reconcile_amount: Decimal

    @property
    def label(self) -> str:
        return f"{self.lead_provider_slug} {self.cohort} \"{self.statement_name}\""


@dataclass(frozen=True)
class Written:
    """What `authorise` or `adjust` did: the row, the file written (None: nothing written) and the
    pre-check's failed conditions (non-empty with a file only when forced)."""
    statement: StatementRecord
    kind: str
    row: dict[str, str]
    effective_at: datetime
    latest_as_of: datetime
    failed: list[str]
    path: Path | None
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------- the latest state
def _require_state(home: Home) -> None:
    if not home.state_db.exists():
        raise FinanceCommandError(f"no cycle has run in {home.root} yet; run `ecf cycle` (or `ecf demo`) first: "
                                  "statements come from a cycle")


def latest_as_of(con: duckdb.DuckDBPyConnection, home: Home) -> datetime:
    """The last complete cycle's as_of: the instant the latest state describes."""
    value = first_row(con, "SELECT max(as_of) FROM cycles WHERE status = 'complete'")[0]
    if value is None:
        raise FinanceCommandError(f"no cycle has completed in {home.root} yet; run `ecf cycle` first: "
                                  "statements come from a cycle")
    return as_utc(value)


def _pending_as_of(con: duckdb.DuckDBPyConnection) -> datetime | None:
    row = first_row(con, "SELECT as_of FROM cycles WHERE status = 'pending'")
    return as_utc(row[0]) if row else None


def _norm(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def _month_slug(name: str) -> str | None:
    try:
        return statement_month_slug(name)
    except ValueError:
        return None


_STATEMENT_COLUMNS = ("statement_id, lead_provider_id, lead_provider_slug, cohort, statement_name, deadline_on, "
                      "payment_on, output_fee, status, marked_as_paid_at, contract_version, mentor_contract_version, "
                      "reconcile_amount")


def resolve_statement(con: duckdb.DuckDBPyConnection, slug: str, cohort: str | int, name: str) -> StatementRecord:
    """The statement named by (slug, cohort, name) in the latest state, or UnknownStatementError."""
    slugs = [row[0] for row in con.execute(
        "SELECT DISTINCT lead_provider_slug FROM statements WHERE lead_provider_slug IS NOT NULL ORDER BY 1"
    ).fetchall()]
    if not slugs:
        raise UnknownStatementError("the latest state holds no statements (no statement calendar or state import "
                                    "has been ingested)", [])
    chosen_slug = next((s for s in slugs if _norm(s) == _norm(slug)), None)
    if chosen_slug is None:
        raise UnknownStatementError(f"no lead provider with slug {slug!r} has statements; "
                                    f"valid slugs: {', '.join(slugs)}", slugs)
    cohorts = [row[0] for row in con.execute(
        "SELECT DISTINCT cohort FROM statements WHERE lead_provider_slug = $slug ORDER BY 1",
        {"slug": chosen_slug}).fetchall()]
    text = str(cohort).strip()
    chosen_cohort = next((c for c in cohorts if str(c) == text), None)
    if chosen_cohort is None:
        raise UnknownStatementError(f"{chosen_slug} has no statements for cohort {text!r}; valid cohorts: "
                                    f"{', '.join(map(str, cohorts))}", [str(c) for c in cohorts])
    cursor = con.execute(f"SELECT {_STATEMENT_COLUMNS} FROM statements WHERE lead_provider_slug = $slug "
                         "AND cohort = $cohort ORDER BY payment_on, deadline_on, statement_name",
                         {"slug": chosen_slug, "cohort": chosen_cohort})
    records = [StatementRecord(*row[:9], as_utc(row[9]) if row[9] else None, row[10], row[11], row[12])
               for row in cursor.fetchall()]
    wanted = _norm(name)
    found = [r for r in records if _norm(r.statement_name) == wanted] or \
            [r for r in records if _month_slug(r.statement_name) == wanted]
    if not found:
        names = [r.statement_name for r in records]
        raise UnknownStatementError(
            f"{chosen_slug} has no statement {name!r} in cohort {chosen_cohort}; valid names: "
            + ", ".join(f'"{n}"' for n in names), names)
    return found[0]


# ---------------------------------------------------------------------------- show
def _instant_text(value: datetime | None) -> str | None:
    return rfc3339(as_utc(value)) if value else None


def show_statement(home: Home, slug: str, cohort: str | int, name: str) -> dict:
    """Everything `ecf statements show` prints, JSON-ready (dates and instants as text, money as
    exact decimal text with its display)."""
    _require_state(home)
    with open_state(home.state_db, read_only=True) as con:
        as_of = latest_as_of(con, home)
        pending = _pending_as_of(con)
        s = resolve_statement(con, slug, cohort, name)
        params = {"id": s.statement_id}
        summary = [{"key": r["figure"], "line": SUMMARY_LABELS.get(r["figure"], r["figure"]), "amount": r["amount"],
                    "display": r["display"]}
                   for r in records(con, "SELECT figure, amount, display FROM statement_lines WHERE statement_id = $id "
                                        "AND section = 'summary' ORDER BY line_no", params)]
        figures_from = first_row(con, "SELECT any_value(figures_from) FROM statement_lines WHERE statement_id = $id",
                                 params)[0]
        problem = first_row(con, """SELECT problem FROM statement_calculation_problems WHERE statement_id = $id
                                    AND cycle_id = (SELECT max(cycle_id) FROM cycles WHERE status = 'complete')""",
                            params)
        items = records(con, """SELECT line_type, state, count(*) AS count FROM statement_line_items
                               WHERE statement_id = $id GROUP BY ALL ORDER BY line_type, state""", params)
        adjustments = records(con, """SELECT adjustment_ref, description, amount, created_at, updated_at
                                     FROM statement_adjustments WHERE statement_id = $id
                                     ORDER BY created_at, adjustment_ref""", params)
        refusals = records(con, """SELECT cycle_id, kind, reason, effective_at FROM finance_refusals
                                  WHERE lead_provider_slug = $slug AND cohort = $cohort AND statement_name = $name
                                  ORDER BY event_seq""",
                          {"slug": s.lead_provider_slug, "cohort": s.cohort, "name": s.statement_name})
        mentor_funding = first_row(con, f"SELECT mentor_funding FROM ({in_force_sql(COHORTS, '$at')}) "
                                        "WHERE cohort = $cohort", {"at": naive_utc(as_of), "cohort": s.cohort})
        effective_at = as_of + timedelta(seconds=1)
        failed = precheck_authorise(con, s, effective_at)
    document = statement_path(home.root, s.lead_provider_slug, s.cohort, s.statement_name, "json")
    return {
        "statement": {
            "id": s.statement_id, "lead_provider_slug": s.lead_provider_slug, "lead_provider_id": s.lead_provider_id,
            "cohort": s.cohort, "name": s.statement_name, "status": s.status, "output_fee": s.output_fee,
            "deadline_on": s.deadline_on.isoformat(), "payment_on": s.payment_on.isoformat(),
            "marked_as_paid_at": _instant_text(s.marked_as_paid_at), "contract_version": s.contract_version,
            "mentor_contract_version": s.mentor_contract_version if mentor_funding and mentor_funding[0] else None,
            "reconcile_amount": exact_text(Decimal(s.reconcile_amount))},
        "as_of": rfc3339(as_of),
        "pending_cycle_as_of": _instant_text(pending),
        "figures_from": figures_from,
        "calculation_problem": problem[0] if problem else None,
        "summary": summary,
        "line_items": items,
        "adjustments": [{"adjustment_ref": a["adjustment_ref"], "description": a["description"],
                         "amount": exact_text(Decimal(a["amount"])), "display": display_pounds(Decimal(a["amount"])),
                         "created_at": _instant_text(a["created_at"]), "updated_at": _instant_text(a["updated_at"])}
                        for a in adjustments],
        "refusals": [{"cycle_id": r["cycle_id"], "kind": r["kind"], "reason": r["reason"],
                      "effective_at": _instant_text(r["effective_at"])} for r in refusals],
        "authorisation_check": {"effective_at": rfc3339(effective_at), "failed": failed},
        "document": document.relative_to(home.root).as_posix() if document.exists() else None,
    }


# ---------------------------------------------------------------------------- pre-checks
def _deadline_event_before(con: duckdb.DuckDBPyConnection, s: StatementRecord,
                           effective_at: datetime) -> datetime | None:
    """The statement's deadline event, if the next cycle will apply it before a finance row at
    `effective_at` (not yet on the timeline, in the calendar, and strictly earlier: at the same
    instant finance rows come first)."""
    key = f"{s.cohort}|{s.statement_name}"
    if first_row(con, "SELECT 1 FROM timeline WHERE kind = 'statement_deadline' AND event_key = $key", {"key": key}):
        return None
    row = first_row(con, f"""SELECT CAST(deadline_on + INTERVAL 1 DAY AS TIMESTAMP),
                                    (SELECT max(imported_as_of) FROM import_manifest)
                             FROM ({in_force_sql(CALENDAR, '$at')})
                             WHERE cohort = $cohort AND statement_name = $name""",
                    {"at": naive_utc(effective_at), "cohort": s.cohort, "name": s.statement_name})
    if row is None:
        return None
    event_at, imported_as_of = as_utc(row[0]), row[1]
    if imported_as_of is not None and event_at <= as_utc(imported_as_of):
        return None  # history the state import already carries
    return event_at if event_at < effective_at else None


def precheck_authorise(con: duckdb.DuckDBPyConnection, s: StatementRecord, effective_at: datetime) -> list[str]:
    """The authorisation conditions (partnerships-and-finance.md §2) that fail at `effective_at`,
    from the cycle's own rule (`lifecycle.authorisation_failures`); empty: all hold. An open statement
    whose deadline event the next cycle applies first counts as payable."""
    status = s.status
    if status == "open" and _deadline_event_before(con, s, effective_at) is not None:
        status = "payable"
    holds = first_row(con, "SELECT 1 FROM statement_line_items WHERE statement_id = $id LIMIT 1",
                      {"id": s.statement_id}) is not None
    return authorisation_failures(s.output_fee, status, s.marked_as_paid_at, s.deadline_on, holds,
                                  effective_at.date())


def parse_amount(text: str | None) -> Decimal:
    """An adjustment amount: pounds and pence, non-zero (see the module docstring)."""
    value = (text or "").strip().replace(" ", "")
    match = _AMOUNT.match(value)
    if not match:
        if re.fullmatch(r"[+-]?£?[\d,]*\.\d{3,}", value):
            reason = "has more than 2 decimal places (adjustments are pounds and pence)"
        elif not value:
            reason = "is blank"
        else:
            reason = "is not an amount in pounds"
        raise FinanceCommandError(f"--amount {text!r} {reason}: write e.g. 1250.00, -120 or £1,250.50")
    units = match["units"].replace(",", "")
    if len(units.lstrip("0")) > _MAX_UNIT_DIGITS:
        raise FinanceCommandError(f"--amount {text!r} is too large (at most {_MAX_UNIT_DIGITS} digits of pounds)")
    pence = match["pence"]
    try:
        amount = Decimal(f"{match['sign']}{units}" + (f".{pence:0<2}" if pence else ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise FinanceCommandError(f"--amount {text!r} is not an amount in pounds") from None
    if amount == 0:
        raise FinanceCommandError(f"--amount {text!r} is zero: an adjustment of £0.00 changes nothing "
                                  "(use --action remove to take an adjustment off)")
    return amount


def _plain_text(option: str, text: str | None) -> str | None:
    if text is None:
        return None
    value = text.strip()
    if any(ch in value for ch in "\r\n"):
        raise FinanceCommandError(f"{option} must be one line of text")
    return value or None


def check_adjust_arguments(action: str, reference: str | None, description: str | None,
                           amount: str | None) -> tuple[str, str | None, Decimal | None]:
    """The command's own mistakes, refused whatever --force says: returns (ref, description, amount)."""
    if action not in ACTIONS:
        raise FinanceCommandError(f"--action {action!r} is not one of {', '.join(ACTIONS)}")
    ref = _plain_text("--ref", reference)
    if not ref:
        raise FinanceCommandError("--ref is required: finance's own reference for the adjustment "
                                  "(used later to change or remove it), e.g. ADJ-001")
    description = _plain_text("--description", description)
    if action == "remove":
        if description is not None or (amount is not None and amount.strip()):
            raise FinanceCommandError("--action remove takes no --description or --amount: it takes the "
                                      f"adjustment {ref} off the statement")
        return ref, None, None
    parsed = parse_amount(amount) if amount is not None else None
    if action == "add":
        if parsed is None:
            raise FinanceCommandError("--action add needs --amount (pounds, positive or negative)")
        if description is None:
            raise FinanceCommandError("--action add needs --description: the line shown on the statement")
    elif parsed is None and description is None:
        raise FinanceCommandError("--action change needs a new --amount, a new --description, or both")
    return ref, description, parsed


def precheck_adjust(con: duckdb.DuckDBPyConnection, s: StatementRecord, action: str, reference: str) -> list[str]:
    """The conditions of an adjustment (partnerships-and-finance.md §2) that fail in the latest state."""
    failed = adjustment_failures(s.output_fee, s.status)
    existing = first_row(con, """SELECT a.statement_id, s.lead_provider_slug, s.cohort, s.statement_name
                                 FROM statement_adjustments AS a LEFT JOIN statements AS s USING (statement_id)
                                 WHERE a.adjustment_ref = $ref""", {"ref": reference})
    if action == "add" and existing is not None:
        where = "" if existing[0] == s.statement_id else f" (on {existing[1]} {existing[2]} \"{existing[3]}\")"
        failed.append(f"adjustment {reference} already exists{where}; use change")
    elif action != "add" and (existing is None or existing[0] != s.statement_id):
        failed.append(f"adjustment {reference} does not exist on this statement")
    return failed


# ---------------------------------------------------------------------------- writing finance rows
def _effective_at(con: duckdb.DuckDBPyConnection, home: Home, chosen: datetime | None) -> tuple[datetime, datetime]:
    latest = latest_as_of(con, home)
    pending = _pending_as_of(con)
    if pending is not None:
        raise FinanceCommandError(f"a cycle at {rfc3339(pending)} is pending; finish it with "
                                  f"`ecf cycle --as-of {rfc3339(pending)}` first, so the pre-check sees the "
                                  "latest state")
    if chosen is None:
        return latest + timedelta(seconds=1), latest
    chosen = as_utc(chosen).replace(microsecond=0)
    if chosen <= latest:
        raise FinanceCommandError(
            f"--effective-at {rfc3339(chosen)} must be after the last cycle's as_of {rfc3339(latest)}: history "
            "already applied is never rewritten (an earlier row would be applied late, at the next window's "
            f"start); leave it out for the default {rfc3339(latest + timedelta(seconds=1))}")
    return chosen, latest


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.]+", "_", text).strip("_.") or "x"


def _csv_bytes(kind_name: str, row: dict[str, str]) -> bytes:
    columns = KINDS_BY_FOLDER[("finance", kind_name)].column_names
    unknown = set(row) - set(columns)
    if unknown:
        raise ValueError(f"{kind_name} has no columns {sorted(unknown)}")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerow([row.get(name) or "" for name in columns])
    return buffer.getvalue().encode("utf-8")


def _already_landed(con: duckdb.DuckDBPyConnection, folder: Path, data: bytes) -> str | None:
    """Ingest skips a file whose content was already ingested from the same folder, so an identical
    row would silently do nothing: name the file that holds it."""
    digest = hashlib.sha256(data).hexdigest()
    row = first_row(con, "SELECT relative_path FROM ingested_files WHERE folder = 'inbox/finance' "
                         "AND content_sha256 = $sha LIMIT 1", {"sha": digest})
    if row:
        return row[0]
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else ():
        if path.read_bytes() == data:
            return f"inbox/finance/{path.name}"
    return None


def _target(folder: Path, kind_name: str, effective_at: datetime, tail: str) -> Path:
    moment = stamp(effective_at)
    taken = len(list(folder.glob(f"*-{moment}-*.csv"))) if folder.is_dir() else 0
    number = taken + 1
    while True:
        path = folder / f"{kind_name}-{moment}-{number:03d}-{tail}.csv"
        if not path.exists():
            return path
        number += 1


def _write(con: duckdb.DuckDBPyConnection, home: Home, s: StatementRecord, kind_name: str, row: dict[str, str],
           effective_at: datetime, tail: str) -> Path:
    folder = home.inbox_family("finance")
    data = _csv_bytes(kind_name, row)
    same = _already_landed(con, folder, data)
    if same:
        raise FinanceCommandError(f"{same} already holds exactly this row (same effective_at); the cycle would "
                                  "take it once, so nothing was written; choose another --effective-at to "
                                  "repeat it")
    folder.mkdir(parents=True, exist_ok=True)
    path = _target(folder, kind_name, effective_at, tail)
    temporary = path.with_name(f".{path.name}.tmp")  # dot files are ignored by ingest
    temporary.write_bytes(data)
    temporary.replace(path)
    return path


def _statement_row(s: StatementRecord) -> dict[str, str]:
    return {"lead_provider_slug": s.lead_provider_slug, "cohort": str(s.cohort), "statement_name": s.statement_name}


def _tail(s: StatementRecord) -> str:
    return f"{_safe(s.lead_provider_slug)}-{s.cohort}-{_month_slug(s.statement_name) or _safe(s.statement_name)}"


def authorise(home: Home, slug: str, cohort: str | int, name: str, effective_at: datetime | None = None,
              force: bool = False) -> Written:
    """Write an authorisation row for the statement, unless the pre-check fails (and not `force`)."""
    _require_state(home)
    with open_state(home.state_db, read_only=True) as con:
        when, latest = _effective_at(con, home, effective_at)
        s = resolve_statement(con, slug, cohort, name)
        failed = precheck_authorise(con, s, when)
        notes = []
        if s.status == "open" and not failed:
            event_at = _deadline_event_before(con, s, when)
            if event_at is not None:
                notes.append(f"the statement becomes payable at its deadline event {rfc3339(event_at)}, "
                             "before the authorisation")
        row = {**_statement_row(s), "effective_at": rfc3339(when)}
        path = None
        if not failed or force:
            path = _write(con, home, s, "authorisations", row, when, _tail(s))
    return Written(s, "authorisations", row, when, latest, failed, path, notes)


def adjust(home: Home, slug: str, cohort: str | int, name: str, reference: str | None, action: str = "add",
           description: str | None = None, amount: str | None = None, effective_at: datetime | None = None,
           force: bool = False) -> Written:
    """Write an adjustment row (add, change or remove) for the statement, unless the pre-check fails
    (and not `force`). A bad amount or a missing option raises FinanceCommandError, even with `force`."""
    ref, description, parsed = check_adjust_arguments(action, reference, description, amount)
    _require_state(home)
    with open_state(home.state_db, read_only=True) as con:
        when, latest = _effective_at(con, home, effective_at)
        s = resolve_statement(con, slug, cohort, name)
        failed = precheck_adjust(con, s, action, ref)
        row = {"adjustment_ref": ref, "action": action, **_statement_row(s), "description": description or "",
               "amount": "" if parsed is None else format(parsed, "f"), "effective_at": rfc3339(when)}
        path = None
        if not failed or force:
            path = _write(con, home, s, "adjustments", row, when, f"{_tail(s)}-{_safe(ref)}")
    return Written(s, "adjustments", row, when, latest, failed, path)
