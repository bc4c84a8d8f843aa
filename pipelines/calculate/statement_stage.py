"""The calculate stage: every statement of every provider and cohort, from the lifecycle state.

Counts come from one set-based query (`sql/calculate/statement_counts.sql`); each statement's counts
and contract then go through the calculation core (`statement_core.py`) and ECF2's calculator
(`ecf2.py`). Paid is final (product.md §5): the first cycle that sees a statement paid stores its
document; later cycles recompute it, record any difference and keep the stored figures.
Accounting identities are checked after every calculation (`identities.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import orjson
import polars as pl

from pipelines.calculate.contracts import ContractBook, load_contracts, load_reference_in_force
from pipelines.calculate.ecf2 import ecf2_statement
from pipelines.calculate.identities import check_document_identities, check_line_item_identities
from pipelines.calculate.money import display_pounds, exact_text, money_context, round_half_up, to_money
from pipelines.calculate.statement_core import (BandedInputs, MentorInputs, StatementFigures, calculate_statement,
                                                uplift_rule_at)
from pipelines.calculate.statement_document import document_lines, statement_document
from pipelines.instants import as_utc, rfc3339
from pipelines.sql_files import read_sql
from pipelines.state.database import records

MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")


def statement_month_slug(name: str) -> str:
    """"January 2025" → "2025-01-january" (product.md §6)."""
    month, year = name.split()
    return f"{year}-{MONTHS.index(month.lower()) + 1:02d}-{month.lower()}"


def statement_path(root: Path, slug: str, cohort: int, name: str, suffix: str) -> Path:
    return root / "statements" / slug / str(cohort) / f"{statement_month_slug(name)}.{suffix}"


@dataclass(frozen=True)
class CalculationResult:
    calculated: int
    not_calculated: int
    paid_differences: int
    documents: dict[str, dict]


def _statements(con: duckdb.DuckDBPyConnection) -> list[dict]:
    return records(con, """
        SELECT s.statement_id, s.lead_provider_id, s.lead_provider_slug, lp.name AS lead_provider_name,
               coalesce(lp.vat_chargeable, true) AS vat_chargeable, s.cohort,
               coalesce(c.mentor_funding, false) AS mentor_funding, s.statement_name, s.deadline_on, s.payment_on,
               s.output_fee, s.status, s.marked_as_paid_at, s.contract_version, s.mentor_contract_version,
               s.reconcile_amount
        FROM statements AS s
        LEFT JOIN calc_lead_providers AS lp USING (lead_provider_id)
        LEFT JOIN calc_cohorts AS c USING (cohort)
        ORDER BY s.lead_provider_slug, s.cohort, s.payment_on, s.deadline_on, s.statement_name""")


def _counts(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], dict[str, dict]]:
    counts: dict[tuple[str, str], dict[str, dict]] = {}
    for row in records(con, read_sql("calculate/statement_counts")):
        counts.setdefault((row.pop("statement_id"), row.pop("part")), {})[row.pop("declaration_type")] = row
    return counts


def _page_counts(con: duckdb.DuckDBPyConnection) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for row in records(con, read_sql("calculate/statement_page_counts")):
        prefix = "mentor_" if row["part"] == "mentor" else ""
        found.setdefault(row["statement_id"], {}).update(
            {f"{prefix}clawed_back": row["clawed_back"], f"{prefix}voided": row["voided"]})
    return found


def _banded_inputs(statement: dict, contract, counts: dict[str, dict], adjustments, as_of: datetime) -> BandedInputs:
    def per_type(field: str) -> dict[str, int]:
        return {t: c[field] for t, c in counts.items() if c[field]}

    paid_at = statement["marked_as_paid_at"] if statement["status"] == "paid" else None
    return BandedInputs(
        contract=contract,
        current_billable=per_type("cur_billable"), current_refundable=per_type("cur_refundable"),
        previous_billable=per_type("prev_billable"), previous_refundable=per_type("prev_refundable"),
        uplift_billable=sum(c["cur_uplift_billable"] for c in counts.values()),
        uplift_refundable=sum(c["cur_uplift_refundable"] for c in counts.values()),
        previous_uplift_billable=sum(c["prev_uplift_billable"] for c in counts.values()),
        previous_uplift_refundable=sum(c["prev_uplift_refundable"] for c in counts.values()),
        adjustments=tuple(amount for _, amount in adjustments),
        reconcile_amount=to_money(statement["reconcile_amount"]),
        vat_chargeable=statement["vat_chargeable"],
        uplift_rule=uplift_rule_at(paid_at or as_of))


def _meta(statement: dict, uplift_rule: str) -> dict:
    """What identifies the statement; no cycle instant, so an unchanged statement keeps its bytes."""
    return {"id": statement["statement_id"],
            "lead_provider": {"id": statement["lead_provider_id"], "name": statement["lead_provider_name"],
                              "slug": statement["lead_provider_slug"]},
            "cohort": statement["cohort"], "name": statement["statement_name"],
            "slug": statement_month_slug(statement["statement_name"]),
            "deadline_date": statement["deadline_on"].isoformat(),
            "payment_date": statement["payment_on"].isoformat(), "output_fee": statement["output_fee"],
            "status": statement["status"],
            "marked_as_paid_at": rfc3339(as_utc(statement["marked_as_paid_at"])) if statement["marked_as_paid_at"]
            else None,
            "contract_version": statement["contract_version"],
            "mentor_contract_version": statement["mentor_contract_version"] if statement["mentor_funding"] else None,
            "vat_chargeable": statement["vat_chargeable"], "uplift_rule": uplift_rule}


def _problem(statement: dict, book: ContractBook) -> str | None:
    key = (statement["lead_provider_id"], statement["cohort"], statement["contract_version"])
    what = f"contract version {statement['contract_version']!r} of {statement['lead_provider_slug']} " \
           f"for cohort {statement['cohort']}"
    if key in book.problems:
        return f"{what} " + "; ".join(book.problems[key])
    if key not in book.contracts:
        return f"{what} does not exist; add it to inbox/reference contracts and contract_bands"
    mentor_key = (statement["lead_provider_id"], statement["cohort"], statement["mentor_contract_version"])
    if statement["mentor_funding"] and mentor_key not in book.mentor_payments:
        return (f"mentor contract version {statement['mentor_contract_version']!r} of "
                f"{statement['lead_provider_slug']} for cohort {statement['cohort']} does not exist; "
                "add it to inbox/reference mentor_contracts")
    return None


def calculate_all(con: duckdb.DuckDBPyConnection, cycle_id: int, as_of: datetime) -> CalculationResult:
    """Calculate every statement; write the calculation tables (inside the caller's transaction)."""
    load_reference_in_force(con, as_of)
    return calculate_loaded(con, cycle_id, as_of)


def calculate_loaded(con: duckdb.DuckDBPyConnection, cycle_id: int, as_of: datetime) -> CalculationResult:
    """As `calculate_all`, once the calc_* tables hold the reference rows in force."""
    book = load_contracts(con)
    con.execute(f"CREATE OR REPLACE TEMP TABLE calc_items AS {read_sql('calculate/statement_items')}")
    counts, page_counts = _counts(con), _page_counts(con)
    adjustments: dict[str, list[tuple[str, Decimal]]] = {}
    for statement_id, description, amount in con.execute(
            "SELECT statement_id, description, amount FROM statement_adjustments "
            "ORDER BY statement_id, created_at, adjustment_ref").fetchall():
        adjustments.setdefault(statement_id, []).append((description, to_money(amount)))
    stored = {sid: orjson.loads(doc) for sid, doc in
              con.execute("SELECT statement_id, document_json FROM paid_statement_documents").fetchall()}
    documents, problems, comparisons, differences, newly_stored = {}, [], [], [], []
    for statement in _statements(con):
        statement_id = statement["statement_id"]
        problem = _problem(statement, book)
        if problem:
            problems.append((cycle_id, statement_id, statement["lead_provider_slug"], statement["cohort"],
                             statement["statement_name"], problem))
            continue
        key = (statement["lead_provider_id"], statement["cohort"], statement["contract_version"])
        contract = book.contracts[key]
        part = "ect" if statement["mentor_funding"] else "all"
        banded = _banded_inputs(statement, contract, counts.get((statement_id, part), {}),
                                adjustments.get(statement_id, []), as_of)
        mentor = mentor_contract = None
        if statement["mentor_funding"]:
            mentor_key = (statement["lead_provider_id"], statement["cohort"], statement["mentor_contract_version"])
            mentor_counts = counts.get((statement_id, "mentor"), {})
            mentor = MentorInputs(book.mentor_payments[mentor_key],
                                  {t: c["cur_billable"] for t, c in mentor_counts.items()},
                                  {t: c["cur_refundable"] for t, c in mentor_counts.items()},
                                  statement["vat_chargeable"])
            mentor_contract = {"version": mentor_key[2], "recruitment_target": book.mentor_targets[mentor_key],
                               "payment_per_participant": mentor.payment_per_participant}
        figures = calculate_statement(banded, mentor)
        ecf2 = ecf2_statement(banded, mentor, statement["cohort"])
        contract_info = {"version": key[2], "recruitment_target": contract.recruitment_target,
                         "revised_recruitment_target": _revised_target(contract.recruitment_target),
                         "set_up_fee": contract.set_up_fee, "monthly_service_fee": contract.monthly_service_fee,
                         "uplift_amount": contract.uplift_amount,
                         "uplift_target": _ratio_text(book.uplift_targets.get(key)),
                         "bands": contract.bands}
        document = statement_document(_meta(statement, banded.uplift_rule.value), figures, ecf2,
                                      page_counts.get(statement_id, {}), adjustments.get(statement_id, []),
                                      contract_info, mentor_contract)
        check_document_identities(document)
        comparisons.append(_comparison(statement, figures, ecf2))
        if statement["status"] == "paid":
            if statement_id in stored:
                differences += _differences(cycle_id, statement_id, stored[statement_id], document)
                document = stored[statement_id]
            else:
                newly_stored.append((statement_id, cycle_id, statement["marked_as_paid_at"],
                                     orjson.dumps(document).decode()))
        documents[statement_id] = document
    check_line_item_identities(con)
    _write_tables(con, cycle_id, documents, stored, problems, comparisons, differences, newly_stored)
    return CalculationResult(len(documents), len(problems), len(differences), documents)


def _ratio_text(ratio: Decimal | None) -> str | None:
    """A ratio is not money: kept as its exact text (e.g. "0.33")."""
    return None if ratio is None else exact_text(ratio)


def _revised_target(target: int | None) -> int | None:
    """round(target × 1.5), halves away from zero, display only (payments.md §1.2)."""
    return None if target is None else int(round_half_up(Decimal(target) * Decimal("1.5"), 0))


def _comparison(statement: dict, figures: StatementFigures, ecf2) -> tuple:
    ect = figures.ect
    with money_context():
        ecf1_output = ect.output_fee - ect.clawback_deductions
        ecf1_uplift = ect.total_for_uplift + ect.uplift_clawback_deductions
        difference = ecf2.total_incl_vat - figures.grand_total_incl_vat
    return (statement["statement_id"], statement["lead_provider_slug"], statement["cohort"],
            statement["statement_name"], *(round_half_up(v) for v in (
                ecf1_output, ecf2.outputs_net, ecf1_uplift, ecf2.uplifts_net, ect.service_fee, ecf2.service_fee,
                ect.reconcile_amount, figures.grand_total_incl_vat, ecf2.total_incl_vat, difference)),
            exact_text(difference))


def _line_key(line: tuple) -> str:
    _, section, figure, declaration_type, band, *_ = line
    return "/".join(str(part) for part in (section, figure, declaration_type, band) if part is not None)


def _line_value(line: tuple) -> str:
    count, amount = line[5], line[7]
    return "/".join(part for part in (None if count is None else str(count),
                                      None if amount is None else exact_text(amount)) if part is not None)


def _differences(cycle_id: int, statement_id: str, stored: dict, recomputed: dict) -> list[tuple]:
    if stored == recomputed:  # the usual case: nothing shifted since payment
        return []
    before = {_line_key(line): _line_value(line) for line in document_lines(stored)}
    after = {_line_key(line): _line_value(line) for line in document_lines(recomputed)}
    return [(cycle_id, statement_id, key, before.get(key), after.get(key))
            for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)]


def _write_tables(con, cycle_id, documents, stored, problems, comparisons, differences, newly_stored) -> None:
    lines = []
    for statement_id, document in documents.items():
        origin = "stored" if statement_id in stored else "calculated"
        for line_no, section, figure, declaration_type, band, count, unit, amount in document_lines(document):
            lines.append((statement_id, line_no, section, figure, declaration_type, band, count,
                          None if unit is None else exact_text(unit), None if amount is None else exact_text(amount),
                          None if amount is None else round_half_up(amount),
                          None if amount is None else display_pounds(amount), origin))
    con.execute("DELETE FROM statement_lines")
    con.execute("DELETE FROM statement_ecf2_comparison")
    con.execute("DELETE FROM statement_calculation_problems WHERE cycle_id = $id", {"id": cycle_id})
    con.execute("DELETE FROM paid_statement_differences WHERE cycle_id = $id", {"id": cycle_id})
    totals = [(cycle_id, statement_id, document["statement"]["status"], entry["value"],
               round_half_up(Decimal(entry["value"])))
              for statement_id, document in documents.items()
              for entry in document["summary"] if entry["key"] == "total"]
    con.execute("DELETE FROM statement_cycle_totals WHERE cycle_id = $id", {"id": cycle_id})
    for table, rows in (("statement_lines", lines), ("statement_ecf2_comparison", comparisons),
                        ("statement_cycle_totals", totals),
                        ("statement_calculation_problems", problems), ("paid_statement_differences", differences),
                        ("paid_statement_documents", newly_stored)):
        _insert(con, table, rows)


def _insert(con: duckdb.DuckDBPyConnection, table: str, rows: list[tuple]) -> None:
    if not rows:
        return
    columns = [row[0] for row in con.execute(f"DESCRIBE {table}").fetchall()]
    frame = pl.DataFrame(rows, schema=columns, orient="row", infer_schema_length=None)  # noqa: F841
    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")


def write_statement_documents(root: Path, documents: dict[str, dict]) -> int:
    """statements/<slug>/<cohort>/<month>.json: the latest state of each statement, byte-stable."""
    for document in documents.values():
        meta = document["statement"]
        path = statement_path(root, meta["lead_provider"]["slug"], meta["cohort"], meta["name"], "json")
        path.parent.mkdir(parents=True, exist_ok=True)
        data = orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return len(documents)

