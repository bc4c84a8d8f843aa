"""A deliberately plain, row-by-row oracle for the ECF1 statement maths (payments.md §1–§5).

It is independent of `pipelines/calculate` on purpose: property tests and the benchmark compare
the real (set-based) calculator with this one, so it shares no code with it and favours obvious
loops over speed. Money is `Decimal` at precision 40 (close to Ruby BigDecimal, §5.4) and nothing
is rounded.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_CEILING, Decimal, localcontext

DECLARATION_TYPES = ("started", "retained-1", "retained-2", "retained-3", "retained-4",
                     "completed", "extended-1", "extended-2", "extended-3")
WEIGHTS = {t: Decimal("0.2") if t in ("started", "completed") else Decimal("0.15")
           for t in DECLARATION_TYPES}
BILLABLE = frozenset({"eligible", "payable", "paid"})
REFUNDABLE = frozenset({"awaiting_clawback", "clawed_back"})
MENTOR_PAID_TYPES = ("started", "completed")
VAT_RATE = Decimal("0.2")
# Commit 26d5eafdc ("Remove uplift caps"): the rule in force at this instant is uncapped (§4.4).
UPLIFT_UNCAPPED_FROM = datetime(2025, 12, 4)
ZERO = Decimal(0)


@dataclass(frozen=True)
class Band:
    min: int | None
    max: int
    per_participant: Decimal
    output_payment_percentage: int
    service_fee_percentage: int

    @property
    def capacity(self) -> int:
        # A NULL or 0 min means "from 1" (§1.3).
        return self.max - max(1, self.min or 0) + 1

    @property
    def lower(self) -> int:
        return max((self.min or 0) - 1, 0)

    def fee(self, declaration_type: str) -> Decimal:
        return self.per_participant * self.output_payment_percentage / 100 * WEIGHTS[declaration_type]

    def participants_in_band(self, total: int) -> int:
        if total < self.lower:
            return 0
        if total <= self.max:
            return total - self.lower
        return self.max - self.lower


def fill_bands(capacities: list[int], prev_net: int, cur_billable: int,
               cur_refundable: int) -> tuple[list[int], list[int]]:
    """§2.3 for one declaration type: returns (additions, subtractions) per band, A first.

    Kept literal, including what the Ruby does with odd inputs (a negative previous net fill).
    """
    n = len(capacities)
    previous, additions, count, subtractions = [0] * n, [0] * n, [0] * n, [0] * n

    pot = prev_net
    for i in range(n):
        previous[i] = min(pot, capacities[i])
        pot -= previous[i]

    pot = cur_billable
    for i in range(n):
        additions[i] = count[i] = min(pot, capacities[i] - previous[i])
        pot -= additions[i]

    pot = cur_refundable
    for i in reversed(range(n)):
        take = min(count[i], pot)
        count[i] -= take
        subtractions[i] = take
        pot -= take

    if pot > 0:
        for i in reversed(range(n)):
            if previous[i] == 0:
                continue
            r = min(pot, previous[i])
            pot -= r
            subtractions[i] += r
    return additions, subtractions


def _tally(items: list[tuple[dict, dict]]) -> Counter:
    """Counts (declaration_type, 'billable'|'refundable') and ('uplift', ...) for started+flag."""
    tally: Counter = Counter()
    for line_item, declaration in items:
        if line_item["state"] in BILLABLE:
            kind = "billable"
        elif line_item["state"] in REFUNDABLE:
            kind = "refundable"
        else:
            continue
        tally[declaration["declaration_type"], kind] += 1
        if declaration["declaration_type"] == "started" and (
                declaration["sparsity_uplift"] or declaration["pupil_premium_uplift"]):
            tally["uplift", kind] += 1
    return tally


def _ceil_to_hundreds(value: Decimal) -> Decimal:
    return (value / 100).to_integral_value(rounding=ROUND_CEILING) * 100


def _banded_figures(contract: dict, bands: list[Band], current: Counter, previous: Counter,
                    capped_uplift: bool) -> dict[str, Decimal]:
    capacities = [band.capacity for band in bands]
    output_fee = clawback_deductions = ZERO
    for t in DECLARATION_TYPES:
        prev_net = previous[t, "billable"] - previous[t, "refundable"]
        additions, subtractions = fill_bands(capacities, prev_net, current[t, "billable"],
                                             current[t, "refundable"])
        for band, added, subtracted in zip(bands, additions, subtractions):
            output_fee += added * band.fee(t)
            clawback_deductions += subtracted * band.fee(t)

    target = contract["recruitment_target"]
    if contract["monthly_service_fee"] is not None:
        service_fee = contract["monthly_service_fee"]
    else:
        service_fee = ZERO
        for band in bands:
            per_participant = band.per_participant * band.service_fee_percentage / 100
            if band.lower == 0:
                per_participant -= contract["set_up_fee"] / band.max
            # Each band is divided by 29 on its own, as the Ruby does; the digits depend on it.
            service_fee += band.participants_in_band(target) * per_participant / 29

    amount = contract["uplift_amount"]
    if amount is None:
        uplift_payment = total_for_uplift = uplift_clawback_deductions = ZERO
    else:
        uplift_payment = current["uplift", "billable"] * amount
        uplift_clawback_deductions = -current["uplift", "refundable"] * amount
        total_for_uplift = uplift_payment
        if capped_uplift:
            contract_value = sum((band.participants_in_band(target) * band.per_participant
                                  for band in bands), ZERO)
            cap = _ceil_to_hundreds(Decimal("0.05") * contract_value)
            previous_uplift = (previous["uplift", "billable"] - previous["uplift", "refundable"]) * amount
            total_for_uplift = min(max(cap - previous_uplift, ZERO), uplift_payment)

    return {
        "output_fee": output_fee,
        "clawback_deductions": clawback_deductions,
        "service_fee": service_fee,
        "uplift_payment": uplift_payment,
        "total_for_uplift": total_for_uplift,
        "uplift_clawback_deductions": uplift_clawback_deductions,
    }


def oracle_statements(*, statements, line_items, declarations, contracts, contract_bands, mentor_contracts,
                      lead_providers, cohorts, adjustments, as_of) -> dict[str, dict[str, Decimal]]:
    with localcontext() as ctx:
        ctx.prec = 40
        declarations_by_id = {d["declaration_id"]: d for d in declarations}
        contracts_by_key = {(c["lead_provider_id"], c["cohort"], c["version"]): c for c in contracts}
        mentor_by_key = {(c["lead_provider_id"], c["cohort"], c["version"]): c for c in mentor_contracts}
        vat_chargeable = {lp["lead_provider_id"]: lp["vat_chargeable"] for lp in lead_providers}
        mentor_funding = {c["cohort"]: c["mentor_funding"] for c in cohorts}

        # Row by row: every line item is looked at once, into its own statement's tallies.
        items: dict[str, list] = {s["statement_id"]: [] for s in statements}
        for line_item in line_items:
            if line_item["statement_id"] in items:
                items[line_item["statement_id"]].append((line_item, declarations_by_id[line_item["declaration_id"]]))
        tallies = {sid: {"all": _tally(pairs),
                         "ect": _tally([p for p in pairs if p[1]["participant_type"] == "ect"]),
                         "mentor": _tally([p for p in pairs if p[1]["participant_type"] == "mentor"])}
                   for sid, pairs in items.items()}

        results = {}
        for s in statements:
            key = (s["lead_provider_id"], s["cohort"], s["contract_version"])
            contract = contracts_by_key.get(key)
            if contract is None:
                continue
            funds_mentors = mentor_funding[s["cohort"]]
            mentor_contract = None
            if funds_mentors:
                mentor_contract = mentor_by_key.get(
                    (s["lead_provider_id"], s["cohort"], s["mentor_contract_version"]))
                if mentor_contract is None:
                    continue

            bands = sorted(
                (Band(b["band_min"], b["band_max"], b["per_participant"], b["output_payment_percentage"],
                      b["service_fee_percentage"])
                 for b in contract_bands
                 if (b["lead_provider_id"], b["cohort"], b["version"]) == key),
                key=lambda band: (band.min is not None, band.min or 0, band.max))
            if len(bands) > 4:
                raise ValueError(f"contract {key} has {len(bands)} bands; at most 4 are allowed")

            part = "ect" if funds_mentors else "all"
            current_tally = tallies[s["statement_id"]][part]
            previous_tally: Counter = Counter()
            for other in statements:
                if (other["lead_provider_id"] == s["lead_provider_id"] and other["cohort"] == s["cohort"]
                        and other["payment_on"] < s["payment_on"]):
                    previous_tally.update(tallies[other["statement_id"]][part])

            decided_at = s["marked_as_paid_at"] if s["status"] == "paid" and s["marked_as_paid_at"] else as_of
            figures = _banded_figures(contract, bands, current_tally, previous_tally,
                                      capped_uplift=decided_at < UPLIFT_UNCAPPED_FROM)

            figures["adjustments_total"] = -figures["clawback_deductions"] + figures["uplift_clawback_deductions"]
            figures["additional_adjustments_total"] = sum(
                (a["amount"] for a in adjustments if a["statement_id"] == s["statement_id"]), ZERO)
            figures["reconcile_amount"] = s["reconcile_amount"]
            figures["total_excl_vat"] = (figures["service_fee"] + figures["output_fee"]
                                         + figures["total_for_uplift"] + figures["adjustments_total"]
                                         + figures["additional_adjustments_total"] + s["reconcile_amount"])
            vat_rate = VAT_RATE if vat_chargeable[s["lead_provider_id"]] else ZERO
            figures["vat"] = figures["total_excl_vat"] * vat_rate
            figures["total_incl_vat"] = figures["total_excl_vat"] + figures["vat"]

            mentor_output_fee = mentor_clawback_deductions = ZERO
            if funds_mentors:
                # Flat rate, this statement only; mentor retained/extended earn nothing (§2.5).
                half = mentor_contract["payment_per_participant"] * Decimal("0.5")
                mentor_tally = tallies[s["statement_id"]]["mentor"]
                for t in MENTOR_PAID_TYPES:
                    mentor_output_fee += mentor_tally[t, "billable"] * half
                    mentor_clawback_deductions += mentor_tally[t, "refundable"] * half
            figures["mentor_output_fee"] = mentor_output_fee
            figures["mentor_clawback_deductions"] = mentor_clawback_deductions
            figures["mentor_total_excl_vat"] = mentor_output_fee - mentor_clawback_deductions
            figures["mentor_vat"] = figures["mentor_total_excl_vat"] * vat_rate
            figures["mentor_total_incl_vat"] = figures["mentor_total_excl_vat"] + figures["mentor_vat"]

            figures["grand_total_incl_vat"] = figures["total_incl_vat"] + figures["mentor_total_incl_vat"]
            figures["grand_vat"] = figures["vat"] + figures["mentor_vat"]
            results[s["statement_id"]] = figures
        return results


def oracle_tables(con, as_of) -> dict[str, list[dict]]:
    """The oracle's input rows read from a state database: the lifecycle tables as they are, and the
    reference rows in force at `as_of` (the product's in-force rule, product.md §3)."""
    from pipelines.ingest.kinds import KINDS_BY_FOLDER
    from pipelines.instants import naive_utc
    from pipelines.timeline.in_force import in_force_sql

    def records(sql: str, params: dict | None = None) -> list[dict]:
        cursor = con.execute(sql, params or {})
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def reference(kind: str) -> list[dict]:
        return records(in_force_sql(KINDS_BY_FOLDER[("reference", kind)]), {"at": naive_utc(as_of)})

    return {"statements": records("SELECT * FROM statements"),
            "line_items": records("SELECT * FROM statement_line_items"),
            "declarations": records("SELECT declaration_id, participant_type, declaration_type, pupil_premium_uplift, "
                                    "sparsity_uplift FROM declarations"),
            "adjustments": records("SELECT statement_id, amount FROM statement_adjustments"),
            "contracts": reference("contracts"), "contract_bands": reference("contract_bands"),
            "mentor_contracts": reference("mentor_contracts"), "lead_providers": reference("lead_providers"),
            "cohorts": reference("cohorts")}
