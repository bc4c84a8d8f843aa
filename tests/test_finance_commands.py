"""`ecf statements show | authorise | adjust`: finance rows written to the inbox, pre-checked
against the latest state, and applied (or refused) by the next cycle.

One small home is built once for the module through the product's normal inputs (two providers,
contracts, a state import with statements in every status and a few declarations; no statement
calendar, so no deadline events) and run through one real cycle; each test copies it.
"""

from __future__ import annotations

import csv
import json
import shutil
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from case_homes import _write_csv
from helpers import rows
from pipelines.cli import EXIT_OK, EXIT_QUARANTINED, EXIT_REFUSED, app
from pipelines.cycle import run_cycle
from pipelines.home import Home
from pipelines.ingest.kinds import KINDS_BY_FOLDER, kind_for_file
from pipelines.statements.finance_commands import (
    FinanceCommandError, UnknownStatementError, adjust, authorise, parse_amount, show_statement,
)

UTC = timezone.utc
NS = uuid.UUID("5b3f7c1e-9a2d-4e6f-8b1c-2d3e4f5a6b7c")
FIRST_AS_OF = datetime(2025, 2, 10, tzinfo=UTC)
NEXT_AS_OF = datetime(2025, 2, 11, tzinfo=UTC)
LATER_AS_OF = datetime(2025, 2, 12, tzinfo=UTC)
PROVIDERS = {"alder": "Alder Learning", "birch": "Birch Institute"}
STATEMENTS = {  # name: (deadline, payment, output fee, status)
    "October 2024": ("2024-09-30", "2024-10-25", "true", "paid"),
    "January 2025": ("2024-12-31", "2025-01-25", "true", "payable"),
    "February 2025": ("2025-01-31", "2025-02-25", "false", "payable"),
    "April 2025": ("2025-03-31", "2025-04-25", "true", "open"),
}
runner = CliRunner()


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def write_home(root: Path) -> None:
    Home(root).create_inbox()
    _write_csv(root, "reference", "lead_providers", [
        {"lead_provider_id": uid(slug), "name": name, "slug": slug, "vat_chargeable": "true"}
        for slug, name in PROVIDERS.items()])
    _write_csv(root, "reference", "statements", [])  # the statements come with the state import
    _write_csv(root, "reference", "contracts", [
        {"lead_provider_id": uid(slug), "cohort": 2024, "version": "1.0", "recruitment_target": 100,
         "set_up_fee": "0", "uplift_amount": "100", "uplift_target": "0.33"} for slug in PROVIDERS])
    _write_csv(root, "reference", "contract_bands", [
        {"lead_provider_id": uid(slug), "cohort": 2024, "version": "1.0", "band_max": 100,
         "per_participant": "1000"} for slug in PROVIDERS])
    _write_csv(root, "migration", "manifest", [{"imported_as_of": "2025-02-01T00:00:00Z"}])
    _write_csv(root, "migration", "statements", [
        {"lead_provider_slug": slug, "cohort": 2024, "statement_name": name, "deadline_on": deadline,
         "payment_on": payment, "output_fee": output_fee, "status": status,
         "marked_as_paid_at": "2024-10-20T09:00:00Z" if status == "paid" else None, "contract_version": "1.0"}
        for slug in PROVIDERS for name, (deadline, payment, output_fee, status) in STATEMENTS.items()])
    declarations = [("d-paid", "started", "paid", "October 2024"), ("d-payable", "started", "payable", "January 2025"),
                    ("d-payable-2", "started", "payable", "January 2025"),
                    ("d-eligible", "started", "eligible", "April 2025")]
    _write_csv(root, "migration", "declarations", [
        {"declaration_id": uid(key), "lead_provider_slug": "alder", "participant_id": uid(f"user:{key}"),
         "declaration_type": kind, "course_identifier": "ecf-induction", "state": state,
         "declaration_date": "2024-09-15T09:00:00Z", "cohort": 2024, "created_at": "2024-09-16T09:00:00Z"}
        for key, kind, state, _ in declarations])
    _write_csv(root, "migration", "line_items", [
        {"declaration_id": uid(key), "lead_provider_slug": "alder", "cohort": 2024, "statement_name": statement,
         "line_type": "billable", "state": state, "created_at": "2024-09-16T09:00:00Z"}
        for key, _, state, statement in declarations])


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("finance-commands") / "home"
    write_home(root)
    summary = run_cycle(Home(root), FIRST_AS_OF)
    assert summary.rows_quarantined == 0 and summary.statements_not_calculated == 0, summary
    return root


@pytest.fixture
def home(template, tmp_path) -> Home:
    target = tmp_path / "home"
    shutil.copytree(template, target)
    return Home(target)


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def finance_files(home: Home) -> list[Path]:
    return sorted(home.inbox_family("finance").glob("*.csv"))


def read_rows(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def statement(home: Home, slug: str, name: str) -> tuple:
    return rows(home, "SELECT status, marked_as_paid_at FROM statements WHERE lead_provider_slug = $slug "
                      "AND cohort = 2024 AND statement_name = $name", {"slug": slug, "name": name})[0]


def adjustments(home: Home) -> list[tuple]:
    return rows(home, "SELECT a.adjustment_ref, s.statement_name, a.description, a.amount "
                      "FROM statement_adjustments AS a JOIN statements AS s USING (statement_id) ORDER BY 1")


# ---------------------------------------------------------------------------- naming statements
def test_unknown_names_list_the_valid_choices(home):
    with pytest.raises(UnknownStatementError, match="valid slugs: alder, birch"):
        show_statement(home, "cedar", 2024, "January 2025")
    with pytest.raises(UnknownStatementError, match="valid cohorts: 2024"):
        show_statement(home, "alder", "2023", "January 2025")
    with pytest.raises(UnknownStatementError) as raised:
        authorise(home, "alder", 2024, "March 2025")
    assert raised.value.choices == ["October 2024", "January 2025", "February 2025", "April 2025"]
    assert '"January 2025"' in str(raised.value)
    assert finance_files(home) == []

    result = invoke("statements", "authorise", "alder", "2024", "Janury 2025", "--home", str(home.root))
    assert result.exit_code == EXIT_REFUSED
    assert "valid names" in result.output and "January 2025" in result.output
    assert invoke("statements", "show", "alder", "twenty", "x", "--home", str(home.root)).exit_code == EXIT_REFUSED


def test_names_match_ignoring_case_and_by_month_slug(home):
    assert show_statement(home, "ALDER", "2024", "january  2025")["statement"]["name"] == "January 2025"
    assert show_statement(home, "alder", 2024, "2025-04-april")["statement"]["name"] == "April 2025"


def test_nothing_is_written_before_a_cycle_has_run(tmp_path):
    empty = Home(tmp_path / "empty")
    with pytest.raises(FinanceCommandError, match="run `ecf cycle`"):
        authorise(empty, "alder", 2024, "January 2025")
    result = invoke("statements", "adjust", "alder", "2024", "April 2025", "--ref", "A", "--amount", "1",
                    "--description", "x", "--home", str(empty.root))
    assert result.exit_code == EXIT_REFUSED and "run `ecf cycle`" in result.output
    assert not empty.inbox.exists()


# ---------------------------------------------------------------------------- show
def test_show_reports_the_statement_as_of_the_last_cycle(home):
    shown = show_statement(home, "alder", 2024, "January 2025")
    assert shown["as_of"] == "2025-02-10T00:00:00Z"
    assert shown["statement"] | {"id": None} == {
        "id": None, "lead_provider_slug": "alder", "lead_provider_id": uid("alder"), "cohort": 2024,
        "name": "January 2025", "status": "payable", "output_fee": True, "deadline_on": "2024-12-31",
        "payment_on": "2025-01-25", "marked_as_paid_at": None, "contract_version": "1.0",
        "mentor_contract_version": None, "reconcile_amount": "0"}
    assert shown["line_items"] == [{"line_type": "billable", "state": "payable", "count": 2}]
    assert [line["line"] for line in shown["summary"]][-1] == "Total"
    assert all(line["display"].startswith(("£", "-£")) for line in shown["summary"])
    assert shown["figures_from"] == "calculated" and shown["calculation_problem"] is None
    assert shown["document"] == "statements/alder/2024/2025-01-january.json"
    assert shown["authorisation_check"] == {"effective_at": "2025-02-10T00:00:01Z", "failed": []}

    result = invoke("statements", "show", "alder", "2024", "January 2025", "--home", str(home.root))
    assert result.exit_code == EXIT_OK, result.output
    assert "payable" in result.output and "Total" in result.output and "all conditions hold" in result.output
    listed = invoke("statements", "show", "alder", "2024", "January 2025", "--json", "--home", str(home.root))
    assert json.loads(listed.stdout) == shown


# ---------------------------------------------------------------------------- authorise
def test_authorise_writes_a_valid_row_and_the_next_cycle_marks_it_paid(home):
    result = invoke("statements", "authorise", "alder", "2024", "January 2025", "--home", str(home.root))
    assert result.exit_code == EXIT_OK, result.output
    [path] = finance_files(home)
    kind = kind_for_file("finance", path.name)
    assert kind is KINDS_BY_FOLDER[("finance", "authorisations")]
    assert path.read_text().splitlines()[0] == ",".join(kind.column_names)
    assert read_rows(path) == [{"lead_provider_slug": "alder", "cohort": "2024", "statement_name": "January 2025",
                                "effective_at": "2025-02-10T00:00:01Z"}]
    assert str(path) in result.output.replace("\n", "")

    summary = run_cycle(home, NEXT_AS_OF)
    assert (summary.rows_quarantined, summary.finance_refused) == (0, 0)
    assert statement(home, "alder", "January 2025") == ("paid", datetime(2025, 2, 10, 0, 0, 1))
    assert rows(home, "SELECT DISTINCT state FROM statement_line_items AS i JOIN statements AS s "
                      "USING (statement_id) WHERE s.statement_name = 'January 2025'") == [("paid",)]
    again = authorise(home, "alder", 2024, "January 2025")
    assert again.path is None and again.failed == ["it was already authorised for payment at 2025-02-10T00:00:01Z"]


def test_authorising_an_open_statement_is_refused_with_the_failed_conditions_and_writes_nothing(home):
    written = authorise(home, "alder", 2024, "April 2025")
    assert written.path is None
    assert written.failed == ["it is not payable yet (its deadline event has not happened)",
                              "its deadline 2025-03-31 is not in the past"]
    result = invoke("statements", "authorise", "alder", "2024", "April 2025", "--home", str(home.root))
    assert result.exit_code == EXIT_REFUSED
    assert "not payable yet" in result.output and "Nothing was written" in result.output
    assert finance_files(home) == []

    no_declarations = authorise(home, "birch", 2024, "January 2025")
    assert no_declarations.failed == ["it holds no declarations"] and no_declarations.path is None
    service_fee_only = authorise(home, "alder", 2024, "February 2025")
    assert service_fee_only.failed == ["it is not an output-fee statement", "it holds no declarations"]
    assert finance_files(home) == []


def test_a_forced_authorisation_is_refused_by_the_next_cycle_with_its_reason(home):
    result = invoke("statements", "authorise", "birch", "2024", "January 2025", "--force", "--home", str(home.root))
    assert result.exit_code == EXIT_OK and "holds no declarations" in result.output
    assert len(finance_files(home)) == 1
    summary = run_cycle(home, NEXT_AS_OF)
    assert summary.finance_refused == 1
    assert statement(home, "birch", "January 2025") == ("payable", None)
    assert show_statement(home, "birch", 2024, "January 2025")["refusals"] == [{
        "cycle_id": 2, "kind": "authorisations", "effective_at": "2025-02-10T00:00:01Z",
        "reason": "cannot authorise for payment: it holds no declarations"}]
    cycle = invoke("cycle", "--no-prefect", "--home", str(home.root), "--as-of", "2025-02-12")
    assert cycle.exit_code == EXIT_QUARANTINED  # refusals show in the cycle's exit status


def test_effective_at_is_checked_and_used(home):
    with pytest.raises(FinanceCommandError, match="must be after the last cycle's as_of 2025-02-10T00:00:00Z"):
        authorise(home, "alder", 2024, "January 2025", datetime(2025, 2, 9, tzinfo=UTC))
    bad = invoke("statements", "authorise", "alder", "2024", "January 2025", "--effective-at", "soon",
                 "--home", str(home.root))
    assert bad.exit_code == EXIT_REFUSED and "RFC 3339" in bad.output
    # the deadline condition is evaluated at the effective instant
    written = authorise(home, "alder", 2024, "April 2025", datetime(2025, 4, 5, 9, tzinfo=UTC))
    assert written.failed == ["it is not payable yet (its deadline event has not happened)"]
    ok = authorise(home, "alder", 2024, "January 2025", datetime(2025, 2, 10, 12, tzinfo=UTC))
    assert ok.path is not None and read_rows(ok.path)[0]["effective_at"] == "2025-02-10T12:00:00Z"
    assert "2025-02-10T120000Z" in ok.path.name
    with pytest.raises(FinanceCommandError, match="already holds exactly this row"):
        authorise(home, "alder", 2024, "January 2025", datetime(2025, 2, 10, 12, tzinfo=UTC), force=True)


# ---------------------------------------------------------------------------- adjust
def test_adjustments_add_change_and_remove_round_trip_through_the_next_cycles(home):
    root = str(home.root)
    added = invoke("statements", "adjust", "alder", "2024", "April 2025", "--ref", "ADJ-1", "--description",
                   "Backdated service fee, March", "--amount", "£1,250.50", "--home", root)
    assert added.exit_code == EXIT_OK, added.output
    [path] = finance_files(home)
    assert kind_for_file("finance", path.name).name == "adjustments"
    assert read_rows(path) == [{"adjustment_ref": "ADJ-1", "action": "add", "lead_provider_slug": "alder",
                                "cohort": "2024", "statement_name": "April 2025",
                                "description": "Backdated service fee, March", "amount": "1250.50",
                                "effective_at": "2025-02-10T00:00:01Z"}]
    run_cycle(home, NEXT_AS_OF)
    assert adjustments(home) == [("ADJ-1", "April 2025", "Backdated service fee, March", Decimal("1250.50"))]
    shown = show_statement(home, "alder", 2024, "April 2025")
    assert [(a["adjustment_ref"], a["display"]) for a in shown["adjustments"]] == [("ADJ-1", "£1,250.50")]
    assert {line["key"]: line["display"] for line in shown["summary"]}["additional_adjustments_total"] == "£1,250.50"

    changed = adjust(home, "alder", 2024, "April 2025", "ADJ-1", "change", amount="-120")
    assert changed.failed == [] and read_rows(changed.path)[0]["amount"] == "-120"
    assert read_rows(changed.path)[0]["effective_at"] == "2025-02-11T00:00:01Z"
    run_cycle(home, LATER_AS_OF)
    assert adjustments(home) == [("ADJ-1", "April 2025", "Backdated service fee, March", Decimal(-120))]

    removed = invoke("statements", "adjust", "alder", "2024", "April 2025", "--ref", "ADJ-1", "--action", "remove",
                     "--home", root)
    assert removed.exit_code == EXIT_OK, removed.output
    summary = run_cycle(home, datetime(2025, 2, 13, tzinfo=UTC))
    assert summary.finance_refused == 0 and adjustments(home) == []


def test_adjustments_that_fail_a_condition_are_refused_and_write_nothing(home):
    paid = adjust(home, "alder", 2024, "October 2024", "ADJ-2", "add", "Late fee", "10")
    assert paid.path is None
    assert paid.failed == ["it has been authorised for payment, so its adjustments can no longer change"]
    service_fee_only = invoke("statements", "adjust", "alder", "2024", "February 2025", "--ref", "ADJ-3",
                              "--description", "x", "--amount", "5", "--home", str(home.root))
    assert service_fee_only.exit_code == EXIT_REFUSED
    assert "not an output-fee statement" in service_fee_only.output
    missing = adjust(home, "alder", 2024, "April 2025", "ADJ-9", "remove")
    assert missing.failed == ["adjustment ADJ-9 does not exist on this statement"]
    assert finance_files(home) == []


@pytest.mark.parametrize("amount", ["abc", "", "  ", "1e400", "1E5", "nan", "inf", "1.234", "0", "-0.00", "1,23",
                                    "12.", ".5", "--5", "£", "1" * 28])
def test_a_bad_amount_is_refused_with_the_reason_even_when_forced(home, amount):
    with pytest.raises(FinanceCommandError, match="--amount"):
        adjust(home, "alder", 2024, "April 2025", "ADJ-1", "add", "Fee", amount, force=True)
    result = invoke("statements", "adjust", "alder", "2024", "April 2025", "--ref", "ADJ-1", "--description", "Fee",
                    "--amount", amount, "--force", "--home", str(home.root))
    assert result.exit_code == EXIT_REFUSED and "--amount" in result.output
    assert finance_files(home) == []


@pytest.mark.parametrize(("text", "value"), [("1250", "1250"), ("-120.5", "-120.50"), ("+£1,000,000.01", "1000000.01"),
                                             ("£0.01", "0.01"), ("-£7", "-7")])
def test_amounts_are_pounds_and_pence(text, value):
    assert format(parse_amount(text), "f") == value


def test_adjust_options_are_checked_before_anything_else(home):
    for arguments, message in ((("ADJ-1", "add", None, "5"), "needs --description"),
                               (("ADJ-1", "add", "Fee", None), "needs --amount"),
                               ((None, "add", "Fee", "5"), "--ref is required"),
                               (("ADJ-1", "remove", None, "5"), "takes no --description or --amount"),
                               (("ADJ-1", "change", None, None), "needs a new --amount")):
        with pytest.raises(FinanceCommandError, match=message):
            adjust(home, "alder", 2024, "April 2025", *arguments)
    assert finance_files(home) == []


def test_help_explains_the_commands():
    for command in ("show", "authorise", "adjust"):
        result = invoke("statements", command, "--help")
        assert result.exit_code == 0 and "--home" in result.output
    assert "--effective-at" in invoke("statements", "authorise", "--help").output
    assert "--force" in invoke("statements", "adjust", "--help").output
    assert "statements" in invoke("--help").output
