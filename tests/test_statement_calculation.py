"""The calculate stage over whole states: random states against the row-by-row oracle, order
independence, clawbacks recovered once, paid is final, contract validation; and the small demo's
statements (declarations submitted as requests) against the oracle.

Random states are written into a real, migrated `state.duckdb` (statements, line items,
declarations, adjustments, and the calc_* tables of reference rows in force) and calculated with
`calculate_loaded`, the stage's own function.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers import rows
from pipelines.calculate.statement_core import (DECLARATION_TYPES, Band, BandedInputs, Contract, MentorInputs,
                                                calculate_statement, ordered_bands, uplift_rule_at)
from pipelines.calculate.statement_stage import calculate_loaded, statement_path
from pipelines.state.database import open_state
from statement_oracle import oracle_statements, oracle_tables

LP = "00000000-0000-4000-8000-00000000000a"
AS_OF = datetime(2026, 1, 10, 2)
CHECKED = ("output_fee", "service_fee", "total_for_uplift", "adjustments_total", "additional_adjustments_total",
           "total_excl_vat", "vat", "total_incl_vat")
MINIMAL = [(None, 2, "400"), (3, 4, "300"), (5, 6, "200"), (7, 8, "100")]
NAMES = ("January 2025", "February 2025", "March 2025", "April 2025", "May 2025")
STATES_BILLABLE = ("eligible", "payable", "paid", "voided", "ineligible")


def _contract_rows(cohort: int, bands, uplift: str | None, monthly: str | None, version: str = "1.0") -> dict:
    return {
        "contracts": [{"lead_provider_id": LP, "cohort": cohort, "version": version, "recruitment_target": 6,
                       "set_up_fee": Decimal(150), "monthly_service_fee": None if monthly is None else Decimal(monthly),
                       "uplift_amount": None if uplift is None else Decimal(uplift), "uplift_target": Decimal("0.33")}],
        "contract_bands": [{"lead_provider_id": LP, "cohort": cohort, "version": version, "band_min": lo, "band_max": hi,
                            "per_participant": Decimal(price), "output_payment_percentage": 60,
                            "service_fee_percentage": 40} for lo, hi, price in bands],
        "mentor_contracts": [{"lead_provider_id": LP, "cohort": cohort, "version": version, "recruitment_target": 10,
                              "payment_per_participant": Decimal(1000)}],
    }


@st.composite
def states(draw) -> dict:
    """One provider and cohort: statements (some sharing a payment date), declarations of every type in
    every line-item state, clawbacks only of paid declarations on a later statement, adjustments."""
    cohort = draw(st.sampled_from([2024, 2025]))
    n_statements = draw(st.integers(2, 5))
    days = sorted(draw(st.lists(st.integers(0, 6), min_size=n_statements, max_size=n_statements)))
    statements = []
    for index, day in enumerate(days):
        status = draw(st.sampled_from(["open", "payable", "paid"]))
        statements.append({
            "statement_id": f"s{index}", "lead_provider_id": LP, "cohort": cohort, "statement_name": NAMES[index],
            "payment_on": date(2025, 1, 25) + timedelta(days=30 * day), "output_fee": True, "status": status,
            "contract_version": "1.0", "mentor_contract_version": "1.0",
            "reconcile_amount": Decimal(draw(st.sampled_from(["0", "0", "12.345", "-7"]))),
            "marked_as_paid_at": datetime(2025, draw(st.sampled_from([6, 12])), 5) if status == "paid" else None})
    declarations, line_items = [], []
    for index in range(draw(st.integers(0, 25))):
        declaration_id = f"d{index}"
        home = draw(st.integers(0, n_statements - 1))
        state = draw(st.sampled_from(STATES_BILLABLE))
        declarations.append({
            "declaration_id": declaration_id, "participant_type": draw(st.sampled_from(["ect", "ect", "mentor"])),
            "declaration_type": draw(st.sampled_from(["started", "started", "retained-1", "completed",
                                                      "extended-2"])),
            "pupil_premium_uplift": draw(st.booleans()), "sparsity_uplift": draw(st.none() | st.booleans())})
        line_items.append({"declaration_id": declaration_id, "statement_id": f"s{home}", "line_type": "billable",
                           "state": state})
        later = [i for i in range(home + 1, n_statements) if days[i] > days[home]]
        if state == "paid" and later and draw(st.booleans()):
            line_items.append({"declaration_id": declaration_id, "statement_id": f"s{draw(st.sampled_from(later))}",
                               "line_type": "refundable",
                               "state": draw(st.sampled_from(["awaiting_clawback", "clawed_back"]))})
    adjustments = [{"adjustment_ref": f"ref-{i}", "statement_id": f"s{draw(st.integers(0, n_statements - 1))}",
                    "description": f"adj {i}",
                    "amount": Decimal(draw(st.sampled_from(["999.99", "-500.0", "0.005"])))}
                   for i in range(draw(st.integers(0, 3)))]
    bands = draw(st.sampled_from([MINIMAL, MINIMAL[:3], [(None, 3, "995"), (4, 40, "979")]]))
    return {"statements": statements, "declarations": declarations, "line_items": line_items,
            "adjustments": adjustments,
            **_contract_rows(cohort, bands, draw(st.sampled_from([None, "100"])),
                             draw(st.sampled_from([None, None, "0", "123.45"]))),
            "lead_providers": [{"lead_provider_id": LP, "name": "Alder", "vat_chargeable": draw(st.booleans())}],
            "cohorts": [{"cohort": cohort, "mentor_funding": cohort >= 2025}]}


def _frame(records: list[dict], columns: dict) -> pl.DataFrame:
    return pl.DataFrame([{name: record.get(name, default) for name, default in columns.items()}
                         for record in records], infer_schema_length=None)


def load_state(con, tables: dict, shuffle: random.Random | None = None) -> None:
    """Write a generated state into the migrated state tables and the calc_* tables."""
    def ordered(records):
        records = list(records)
        if shuffle:
            shuffle.shuffle(records)
        return records

    moment = datetime(2025, 1, 1)
    frames = {
        "statements": _frame(ordered(tables["statements"]), {
            "statement_id": None, "lead_provider_id": None, "lead_provider_slug": "alder", "cohort": None,
            "statement_name": None, "deadline_on": date(2025, 1, 1), "payment_on": None, "output_fee": True,
            "status": None, "contract_version": None, "mentor_contract_version": None, "reconcile_amount": None,
            "marked_as_paid_at": None, "created_at": moment, "updated_at": moment}),
        "statement_line_items": _frame(ordered(tables["line_items"]), {
            "declaration_id": None, "statement_id": None, "line_type": None, "state": None, "created_at": moment,
            "updated_at": moment}),
        "declarations": _frame(ordered(tables["declarations"]), {
            "declaration_id": None, "lead_provider_id": LP, "user_id": "u", "participant_type": None,
            "course_identifier": "ecf-induction", "declaration_type": None, "declaration_date": moment,
            "cohort": tables["cohorts"][0]["cohort"], "state": "paid", "pupil_premium_uplift": None,
            "sparsity_uplift": None, "created_at": moment, "updated_at": moment}),
        "statement_adjustments": _frame(ordered(tables["adjustments"]), {
            "adjustment_ref": None, "statement_id": None, "description": None, "amount": None, "created_at": moment,
            "updated_at": moment}),
    }
    for table, frame in frames.items():  # noqa: B007 - `frame` is read by DuckDB's replacement scan
        con.execute(f"DELETE FROM {table}")
        if frame.height:
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
    for table, key in (("calc_cohorts", "cohorts"), ("calc_contracts", "contracts"), ("calc_bands", "contract_bands"),
                       ("calc_mentor_contracts", "mentor_contracts"), ("calc_lead_providers", "lead_providers")):
        frame = pl.DataFrame(ordered(tables[key]), infer_schema_length=None)  # noqa: F841
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM frame")


def _calculate(tmp_path: Path, tables: dict, shuffle: random.Random | None = None, cycle_id: int = 1):
    with open_state(tmp_path / "state.duckdb") as con:
        load_state(con, tables, shuffle)
        return calculate_loaded(con, cycle_id, AS_OF)


def _figure(document: dict, key: str) -> Decimal:
    totals = {entry["key"]: entry for entry in document["summary"]}
    ect_keys = {"output_fee": ("output_payments", "total"), "total_for_uplift": ("uplift", "total_for_uplift"),
                "adjustments_total": ("clawbacks", "total"),
                "additional_adjustments_total": ("additional_adjustments", "total"),
                "total_excl_vat": ("totals", "ect_total_excl_vat"), "vat": ("totals", "ect_vat"),
                "total_incl_vat": ("totals", "ect_total_incl_vat")}
    if key in ect_keys:
        section, name = ect_keys[key]
        return Decimal(document[section][name]["value"])
    return Decimal(totals[key]["value"])


def _oracle_tables(tables: dict) -> dict:
    return {key: tables[key] for key in ("statements", "line_items", "declarations", "contract_bands",
                                         "mentor_contracts", "lead_providers", "cohorts", "adjustments")} | {
        "contracts": tables["contracts"]}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states())
def test_every_statement_agrees_with_the_row_by_row_oracle(tmp_path, tables):
    (tmp_path / "state.duckdb").unlink(missing_ok=True)
    result = _calculate(tmp_path, tables)
    expected = oracle_statements(**_oracle_tables(tables), as_of=AS_OF)
    assert set(result.documents) == set(expected)
    for statement_id, document in result.documents.items():
        for key in CHECKED:
            assert _figure(document, key) == expected[statement_id][key], (statement_id, key)
        if document["mentor"] is not None:
            assert Decimal(document["mentor"]["total_incl_vat"]["value"]) == expected[statement_id][
                "mentor_total_incl_vat"]
        assert Decimal(document["totals"]["total_incl_vat"]["value"]) == expected[statement_id]["grand_total_incl_vat"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_rows_arrive_in(tmp_path, tables, shuffle):
    (tmp_path / "state.duckdb").unlink(missing_ok=True)
    first = _calculate(tmp_path, tables)
    (tmp_path / "state.duckdb").unlink()
    second = _calculate(tmp_path, tables, shuffle)
    assert orjson.dumps(first.documents) == orjson.dumps(second.documents)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(states())
def test_a_declaration_voided_after_payment_is_recovered_exactly_once(tmp_path, tables):
    """With bands roomy enough that nothing overflows, every clawback line item is subtracted once,
    on its own statement, across all statements."""
    tables = {**tables, **_contract_rows(tables["cohorts"][0]["cohort"], [(None, 100, "995"), (101, 200, "979")],
                                         "100", None)}
    (tmp_path / "state.duckdb").unlink(missing_ok=True)
    result = _calculate(tmp_path, tables)
    mentor_funding = tables["cohorts"][0]["mentor_funding"]
    kinds = {d["declaration_id"]: d["participant_type"] for d in tables["declarations"]}
    refundable = [li for li in tables["line_items"] if li["state"] in ("awaiting_clawback", "clawed_back")
                  and not (mentor_funding and kinds[li["declaration_id"]] == "mentor")]
    for statement_id, document in result.documents.items():
        on_statement = sum(1 for li in refundable if li["statement_id"] == statement_id)
        subtracted = sum(sum(band["subtractions"]) for band in document["banding"].values())
        assert subtracted == on_statement
    assert sum(row["count"] for d in result.documents.values() for row in d["clawbacks"]["rows"]) == len(refundable)


def _paid_setup() -> dict:
    """s0 (open) holds 4 starts; s1 (paid) holds 2 more: its bands depend on s0's fill."""
    tables = {"statements": [], "declarations": [], "line_items": [], "adjustments": [],
              **_contract_rows(2024, MINIMAL, None, None),
              "lead_providers": [{"lead_provider_id": LP, "name": "Alder", "vat_chargeable": True}],
              "cohorts": [{"cohort": 2024, "mentor_funding": False}]}
    for index, (status, paid_at) in enumerate((("payable", None), ("paid", datetime(2025, 6, 5)))):
        tables["statements"].append({
            "statement_id": f"s{index}", "lead_provider_id": LP, "cohort": 2024, "statement_name": NAMES[index],
            "payment_on": date(2025, 1 + index, 25), "output_fee": True, "status": status, "contract_version": "1.0",
            "mentor_contract_version": "1.0", "reconcile_amount": Decimal(0), "marked_as_paid_at": paid_at})
    for index, statement in enumerate(["s0"] * 4 + ["s1"] * 2):
        tables["declarations"].append({"declaration_id": f"d{index}", "participant_type": "ect",
                                       "declaration_type": "started", "pupil_premium_uplift": False,
                                       "sparsity_uplift": False})
        tables["line_items"].append({"declaration_id": f"d{index}", "statement_id": statement,
                                     "line_type": "billable", "state": "payable" if statement == "s0" else "paid"})
    return tables


def test_paid_is_final_a_later_shift_is_reported_and_the_stored_figures_stay(tmp_path):
    tables = _paid_setup()
    first = _calculate(tmp_path, tables, cycle_id=1)
    stored = first.documents["s1"]
    assert stored["output_payments"]["total"]["value"] == "48"  # 2 starts in band C at £24
    assert first.paid_differences == 0
    # a later cycle: two of s0's payable starts are voided, so s1's starts would now land in band B
    for item in tables["line_items"][:2]:
        item["state"] = "voided"
    second = _calculate(tmp_path, tables, cycle_id=2)
    assert second.documents["s1"] == stored
    assert second.paid_differences > 0
    with open_state(tmp_path / "state.duckdb", read_only=True) as con:
        differences = dict(con.execute("SELECT line, recomputed FROM paid_statement_differences "
                                       "WHERE cycle_id = 2 AND statement_id = 's1'").fetchall())
        [(origin,)] = con.execute("SELECT DISTINCT figures_from FROM statement_lines "
                                  "WHERE statement_id = 's1'").fetchall()
    assert differences["summary/output_fee"] == "72" and differences["output/output_payment/started/B"] == "2/72"
    assert origin == "stored"


def test_a_contract_with_five_bands_is_refused_with_a_clear_problem_and_the_rest_still_calculate(tmp_path):
    tables = _paid_setup()
    tables["contract_bands"].append({**tables["contract_bands"][-1], "band_min": 9, "band_max": 10})
    tables["contracts"].append({**tables["contracts"][0], "cohort": 2023})
    tables["contract_bands"] += [{**band, "cohort": 2023} for band in _contract_rows(2023, MINIMAL, None, None)[
        "contract_bands"]]
    tables["statements"].append({**tables["statements"][0], "statement_id": "other", "cohort": 2023,
                                 "statement_name": "March 2025"})
    result = _calculate(tmp_path, tables)
    assert set(result.documents) == {"other"}
    with open_state(tmp_path / "state.duckdb", read_only=True) as con:
        problems = con.execute("SELECT statement_id, problem FROM statement_calculation_problems "
                               "ORDER BY statement_id").fetchall()
    assert [sid for sid, _ in problems] == ["s0", "s1"]
    assert "has 5 bands" in problems[0][1] and "at most 4" in problems[0][1]


# ------------------------------------------------------------------------------------- the small demo

def _demo_tables(home) -> tuple[dict, datetime]:
    [(as_of,)] = rows(home, "SELECT max(as_of) FROM cycles")
    with open_state(home.state_db, read_only=True) as con:
        return oracle_tables(con, as_of), as_of


def test_demo_every_provider_has_a_paid_statement_and_a_clawback(small_demo):
    home, _ = small_demo
    found = rows(home, """SELECT s.lead_provider_slug, count(DISTINCT s.statement_id) FILTER (WHERE s.status = 'paid'),
                                 count(li.declaration_id) FILTER (WHERE li.state IN ('awaiting_clawback', 'clawed_back'))
                          FROM statements AS s LEFT JOIN statement_line_items AS li USING (statement_id)
                          GROUP BY ALL ORDER BY 1""")
    assert len(found) == 6
    for slug, paid, clawbacks in found:
        assert paid >= 1 and clawbacks >= 1, slug


def test_demo_statements_from_submitted_requests_agree_with_the_oracle(small_demo):
    home, _ = small_demo
    [(calculated, problems, statements)] = rows(home, """
        SELECT statements_calculated, statements_not_calculated, (SELECT count(*) FROM statements)
        FROM cycles ORDER BY cycle_id DESC LIMIT 1""")
    assert problems == 0 and calculated == statements
    tables, as_of = _demo_tables(home)
    expected = oracle_statements(**tables, as_of=as_of)
    fresh = {sid for (sid,) in rows(home, "SELECT DISTINCT statement_id FROM statement_lines "
                                          "WHERE figures_from = 'calculated'")}
    assert fresh
    checked = 0
    for statement in tables["statements"]:
        if statement["statement_id"] not in fresh:
            continue
        path = statement_path(home.root, statement["lead_provider_slug"], statement["cohort"],
                              statement["statement_name"], "json")
        document = orjson.loads(path.read_bytes())
        for key in CHECKED:
            assert _figure(document, key) == expected[statement["statement_id"]][key], (path, key)
        assert Decimal(document["totals"]["total_incl_vat"]["value"]) == \
            expected[statement["statement_id"]]["grand_total_incl_vat"]
        checked += 1
    assert checked == len(fresh)


def _core_fed_directly(tables: dict, as_of: datetime) -> dict[str, Decimal]:
    """Each statement's total from the calculation core, fed with counts tallied here from the line items."""
    declarations = {d["declaration_id"]: d for d in tables["declarations"]}
    statements = {s["statement_id"]: s for s in tables["statements"]}
    funding = {c["cohort"]: c["mentor_funding"] for c in tables["cohorts"]}
    vat = {lp["lead_provider_id"]: lp["vat_chargeable"] for lp in tables["lead_providers"]}
    tallies: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for item in tables["line_items"]:
        declaration, statement = declarations[item["declaration_id"]], statements[item["statement_id"]]
        part = "all" if not funding[statement["cohort"]] else declaration["participant_type"]
        kind = "billable" if item["state"] in ("eligible", "payable", "paid") else \
            "refundable" if item["state"] in ("awaiting_clawback", "clawed_back") else None
        if kind:
            tallies[item["statement_id"], part][declaration["declaration_type"], kind] += 1
            if declaration["declaration_type"] == "started" and (declaration["sparsity_uplift"]
                                                                or declaration["pupil_premium_uplift"]):
                tallies[item["statement_id"], part]["uplift", kind] += 1
    adjustments = defaultdict(list)
    for adjustment in tables["adjustments"]:
        adjustments[adjustment["statement_id"]].append(adjustment["amount"])
    totals = {}
    for statement in statements.values():
        key = (statement["lead_provider_id"], statement["cohort"], statement["contract_version"])
        [terms] = [c for c in tables["contracts"] if (c["lead_provider_id"], c["cohort"], c["version"]) == key]
        contract = Contract(terms["recruitment_target"], terms["set_up_fee"], terms["monthly_service_fee"],
                            terms["uplift_amount"], ordered_bands([
                                Band(b["band_min"], b["band_max"], b["per_participant"], b["output_payment_percentage"],
                                     b["service_fee_percentage"]) for b in tables["contract_bands"]
                                if (b["lead_provider_id"], b["cohort"], b["version"]) == key]))
        part = "ect" if funding[statement["cohort"]] else "all"
        current = tallies[statement["statement_id"], part]
        previous = sum((tallies[other["statement_id"], part] for other in statements.values()
                        if (other["lead_provider_id"], other["cohort"]) == key[:2]
                        and other["payment_on"] < statement["payment_on"]), Counter())
        paid_at = statement["marked_as_paid_at"] if statement["status"] == "paid" else None
        banded = BandedInputs(
            contract, {t: current[t, "billable"] for t in DECLARATION_TYPES},
            {t: current[t, "refundable"] for t in DECLARATION_TYPES},
            {t: previous[t, "billable"] for t in DECLARATION_TYPES},
            {t: previous[t, "refundable"] for t in DECLARATION_TYPES},
            current["uplift", "billable"], current["uplift", "refundable"], previous["uplift", "billable"],
            previous["uplift", "refundable"], tuple(adjustments[statement["statement_id"]]),
            statement["reconcile_amount"], vat[statement["lead_provider_id"]], uplift_rule_at(paid_at or as_of))
        mentor = None
        if funding[statement["cohort"]]:
            [terms] = [m for m in tables["mentor_contracts"] if (m["lead_provider_id"], m["cohort"], m["version"])
                       == (*key[:2], statement["mentor_contract_version"])]
            mentor_counts = tallies[statement["statement_id"], "mentor"]
            mentor = MentorInputs(terms["payment_per_participant"],
                                  {t: mentor_counts[t, "billable"] for t in DECLARATION_TYPES},
                                  {t: mentor_counts[t, "refundable"] for t in DECLARATION_TYPES},
                                  vat[statement["lead_provider_id"]])
        totals[statement["statement_id"]] = calculate_statement(banded, mentor).grand_total_incl_vat
    return totals


def test_demo_statements_agree_with_the_core_fed_directly(small_demo):
    home, _ = small_demo
    tables, as_of = _demo_tables(home)
    direct = _core_fed_directly(tables, as_of)
    stage = dict(rows(home, "SELECT statement_id, amount FROM statement_lines WHERE section = 'totals' "
                            "AND figure = 'total_incl_vat' AND figures_from = 'calculated'"))
    assert stage
    assert {sid: Decimal(total) for sid, total in stage.items()} == {sid: direct[sid] for sid in stage}


def test_demo_stores_paid_statements_and_compares_every_statement_with_ecf2(small_demo):
    home, _ = small_demo
    assert rows(home, "SELECT count(*) FROM paid_statement_documents")[0][0] > 0
    [(rows_ecf2, statements)] = rows(home, "SELECT (SELECT count(*) FROM statement_ecf2_comparison), "
                                           "(SELECT count(*) FROM statements)")
    assert rows_ecf2 == statements
