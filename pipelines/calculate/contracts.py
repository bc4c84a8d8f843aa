"""Contracts as the calculator reads them (payments.md §1): every version in force at the cycle's
as_of, with its bands in the code's order, validated; and the statements' pointers to them.

A contract is identified by lead provider × cohort × version (§1.1); a statement names its version,
so a historical statement is calculated with the version it points at, not the latest.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import duckdb

from pipelines.calculate.money import to_money
from pipelines.calculate.statement_core import Band, Contract, contract_problems, ordered_bands
from pipelines.ingest import kinds as k
from pipelines.instants import naive_utc
from pipelines.timeline.in_force import in_force_sql

ContractKey = tuple[str, int, str]  # (lead provider id, cohort, version)

IN_FORCE_TABLES = {"calc_cohorts": "cohorts", "calc_contracts": "contracts", "calc_bands": "contract_bands",
                   "calc_mentor_contracts": "mentor_contracts", "calc_lead_providers": "lead_providers"}


def load_reference_in_force(con: duckdb.DuckDBPyConnection, as_of) -> None:
    """Temp tables of the reference rows the calculation reads, as in force at `as_of`."""
    for table, kind in IN_FORCE_TABLES.items():
        query = in_force_sql(k.KINDS_BY_FOLDER[("reference", kind)])
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {query}", {"at": naive_utc(as_of)})


@dataclass(frozen=True)
class ContractBook:
    """ECT contracts and mentor contracts by key; contracts that cannot be calculated, with why."""

    contracts: dict[ContractKey, Contract]
    mentor_payments: dict[ContractKey, Decimal]
    mentor_targets: dict[ContractKey, int]
    uplift_targets: dict[ContractKey, Decimal | None]
    problems: dict[ContractKey, list[str]]


def load_contracts(con: duckdb.DuckDBPyConnection) -> ContractBook:
    bands: dict[ContractKey, list[Band]] = {}
    for lp, cohort, version, band_min, band_max, per_participant, output_pct, service_pct in con.execute(
            """SELECT lead_provider_id, cohort, version, band_min, band_max, per_participant,
                      output_payment_percentage, service_fee_percentage FROM calc_bands""").fetchall():
        bands.setdefault((lp, cohort, version), []).append(
            Band(band_min, band_max, to_money(per_participant), output_pct, service_pct))
    contracts, problems, uplift_targets = {}, {}, {}
    for lp, cohort, version, target, set_up_fee, monthly, uplift_amount, uplift_target in con.execute(
            """SELECT lead_provider_id, cohort, version, recruitment_target, set_up_fee, monthly_service_fee,
                      uplift_amount, uplift_target FROM calc_contracts""").fetchall():
        key = (lp, cohort, version)
        contract = Contract(target, to_money(set_up_fee), None if monthly is None else to_money(monthly),
                            None if uplift_amount is None else to_money(uplift_amount),
                            ordered_bands(bands.pop(key, [])))
        uplift_targets[key] = None if uplift_target is None else to_money(uplift_target)
        found = contract_problems(contract)
        if found:
            problems[key] = found
        else:
            contracts[key] = contract
    for key in bands:  # bands whose contract row is missing
        problems.setdefault(key, []).append("has bands but no contracts row; add the contract's terms")
    mentor_payments, mentor_targets = {}, {}
    for lp, cohort, version, target, payment in con.execute(
            """SELECT lead_provider_id, cohort, version, recruitment_target, payment_per_participant
               FROM calc_mentor_contracts""").fetchall():
        mentor_payments[(lp, cohort, version)] = to_money(payment)
        mentor_targets[(lp, cohort, version)] = target
    return ContractBook(contracts, mentor_payments, mentor_targets, uplift_targets, problems)
