"""Payment cases (shared/cases/README.md §4) through the calculation core: translate the case's
inputs into the core's, and the core's figures into the keys named under `expected`.

The same translation applies to every case of a calculator; nothing here reads `expected`,
`name`, `notes` or `asserted_in_spec` while computing.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction

from pipelines.calculate.banding import ecf1_band_fill, ecf2_allocate
from pipelines.calculate.ecf2 import Ecf2Band, ecf2_banded_total, ecf2_monthly_service_fee
from pipelines.calculate.money import display_pounds, round_half_up
from pipelines.calculate.statement_core import (LETTERS, Band, BandedFigures, BandedInputs, Contract, MentorFigures,
                                                MentorInputs, UpliftRule, calculate_statement, mentor_statement,
                                                service_fee)

BANDED_MONEY = ("output_fee", "clawback_deductions", "total_for_uplift", "uplift_payment", "uplift_clawback_deductions",
                "adjustments_total", "additional_adjustments_total", "service_fee", "total_excl_vat", "vat",
                "total_incl_vat")
MENTOR_MONEY = ("mentor_output_fee", "mentor_clawback_deductions", "mentor_adjustments_total", "mentor_total_excl_vat",
                "mentor_vat", "mentor_total_incl_vat")


def _money(value) -> Decimal | None:
    return None if value is None else Decimal(value)


def _ecf1_bands(case: dict) -> tuple[Band, ...]:
    bands = case["bands"]
    if bands and "capacity" in bands[0]:  # README §4.4: the ECF2 form, converted the same way for every case
        converted, start = [], 1
        for band in bands:
            converted.append(Band(start, start + band["capacity"] - 1, Decimal(band.get("fee_per_declaration", "0")),
                                  int(Decimal(band.get("output_fee_ratio", "0.6")) * 100),
                                  int(Decimal(band.get("service_fee_ratio", "0.4")) * 100)))
            start += band["capacity"]
        return tuple(converted)
    return tuple(Band(b["min"], b["max"], Decimal(b["per_participant"]), b["output_payment_percentage"],
                      b["service_fee_percentage"]) for b in bands)


def _contract(case: dict) -> Contract:
    terms = case["contract"]
    return Contract(terms.get("recruitment_target") or 0,
                    Decimal(terms.get("set_up_fee", terms.get("setup_fee", "0"))),
                    _money(terms.get("monthly_service_fee")), _money(terms.get("uplift_amount")), _ecf1_bands(case))


def _banded_inputs(case: dict) -> BandedInputs:
    previous, current = case.get("previous", {}), case.get("current", {})
    return BandedInputs(
        contract=_contract(case),
        current_billable=current.get("billable", {}), current_refundable=current.get("refundable", {}),
        previous_billable=previous.get("billable", {}), previous_refundable=previous.get("refundable", {}),
        uplift_billable=current.get("uplift_billable", 0), uplift_refundable=current.get("uplift_refundable", 0),
        adjustments=tuple(Decimal(a) for a in current.get("adjustments", [])),
        reconcile_amount=Decimal(current.get("reconcile_amount", "0")),
        vat_chargeable=case["contract"].get("vat_chargeable", True),
        uplift_rule=UpliftRule.UNCAPPED)  # README: the worked cases use the uncapped form


def _mentor_inputs(case: dict) -> MentorInputs:
    current = case.get("current", {})
    return MentorInputs(Decimal(case["mentor_contract"]["payment_per_participant"]),
                        current.get("mentor_billable", {}), current.get("mentor_refundable", {}),
                        case["contract"].get("vat_chargeable", True))


def _banded_actual(figures: BandedFigures, band_count: int) -> dict:
    letters = LETTERS[:band_count]
    actual = {
        "banding": {t: {"additions": dict(zip(letters, fill.additions)),
                        "subtractions": dict(zip(letters, fill.subtractions)),
                        "count": dict(zip(letters, fill.count))} for t, fill in figures.banding.items()},
        "fee_per_declaration": {t: dict(zip(letters, fees)) for t, fees in figures.fee_per_declaration.items()},
        "additions_for": dict(figures.additions_for),
        "clawbacks_breakdown": [{"type": r.declaration_type, "band": r.band, "count": r.count, "fee": r.fee,
                                 "subtotal": r.subtotal} for r in figures.clawbacks_breakdown],
        **{name: getattr(figures, name) for name in BANDED_MONEY},
        **{name: getattr(figures, name) for name in ("started_count", "retained_count", "completed_count",
                                                     "extended_count")},
        **{f"{name}_round5_asserted": getattr(figures, name) for name in ("total_excl_vat", "total_incl_vat",
                                                                          "service_fee")},
        "service_fee_fraction": figures.service_fee,
    }
    actual["display"] = {"output_payment": display_pounds(figures.output_fee),
                         "service_fee": display_pounds(figures.service_fee),
                         "uplift_fees": display_pounds(figures.total_for_uplift),
                         "clawbacks": display_pounds(figures.adjustments_total),
                         "additional_adjustments": display_pounds(figures.additional_adjustments_total),
                         "vat": display_pounds(figures.vat), "total": display_pounds(figures.total_incl_vat)}
    return actual


def _mentor_actual(figures: MentorFigures) -> dict:
    return {name: getattr(figures, name) for name in MENTOR_MONEY}


def run_payment_case(case: dict) -> dict:
    """The engine's figures for a payment case, keyed as README §4.6 names them."""
    calculator = case["calculator"]
    if calculator == "ecf_pre2025":
        inputs = _banded_inputs(case)
        return _banded_actual(calculate_statement(inputs).ect, len(inputs.contract.bands))
    if calculator == "ect_and_mentor_2025":
        inputs = _banded_inputs(case)
        statement = calculate_statement(inputs, _mentor_inputs(case))
        actual = {**_banded_actual(statement.ect, len(inputs.contract.bands)), **_mentor_actual(statement.mentor),
                  "grand_total_incl_vat": statement.grand_total_incl_vat, "grand_vat": statement.grand_vat}
        actual["display"].update(total=display_pounds(statement.grand_total_incl_vat),
                                 vat=display_pounds(statement.grand_vat),
                                 ects_output_payment=display_pounds(statement.ect.output_fee),
                                 mentors_output_payment=display_pounds(statement.mentor.mentor_output_fee),
                                 ect_clawbacks=display_pounds(statement.ect.adjustments_total),
                                 mentor_clawbacks=display_pounds(statement.mentor.mentor_adjustments_total))
        return actual
    if calculator == "mentor_2025":
        return _mentor_actual(mentor_statement(_mentor_inputs(case)))
    if calculator == "band_fill_only":
        contract = _contract(case)
        fill = ecf1_band_fill(contract.capacities, case["previous"]["participants"], 0,
                              case["current"]["participants"], 0)
        return {"participants_in_band": dict(zip(LETTERS, fill.additions))}
    if calculator == "ecf2_service_fee":
        terms = case["contract"]
        fee = ecf2_monthly_service_fee(terms["recruitment_target"], Decimal(terms["setup_fee"]), tuple(
            Ecf2Band(b["capacity"], Decimal(b["fee_per_declaration"]), Decimal(b["output_fee_ratio"]),
                     Decimal(b["service_fee_ratio"])) for b in case["bands"]))
        # payments.md §8: ECF1's per-band formula gives the same value; the harness holds the engine to it
        assert service_fee(_contract(case)) == fee, "ECF1 and ECF2 service fees differ"
        return {"monthly_service_fee_fraction": fee, "monthly_service_fee": fee}
    if calculator == "ecf2_banded_total":
        terms, current = case["contract"], case["current"]
        total = ecf2_banded_total(Decimal(current["outputs_net"]), Decimal(current["uplifts_net"]),
                                  Decimal(current["monthly_service_fee"]), Decimal(current["adjustments"]),
                                  Decimal(terms["vat_rate"]), terms["vat_registered"])
        return {"total_excl_vat": total.total_excl_vat, "vat": total.vat, "total_incl_vat": total.total_incl_vat}
    if calculator == "ecf2_allocator":
        capacities = tuple(b["capacity"] for b in case["bands"])
        actual_allocations, ecf1 = {}, {"additions": [], "subtractions": []}
        types = sorted({t for side in ("previous", "current") for kind in ("billable", "refundable")
                        for t in case[side].get(kind, {})})
        for declaration_type in types:
            args = (case["previous"].get("billable", {}).get(declaration_type, 0),
                    case["previous"].get("refundable", {}).get(declaration_type, 0),
                    case["current"].get("billable", {}).get(declaration_type, 0),
                    case["current"].get("refundable", {}).get(declaration_type, 0))
            actual_allocations[declaration_type] = [
                {"previous_billable_count": a.previous_billable_count,
                 "previous_refundable_count": a.previous_refundable_count,
                 "billable_count": a.billable_count, "refundable_count": a.refundable_count}
                for a in ecf2_allocate(capacities, *args)]
            fill = ecf1_band_fill(capacities, *args)
            ecf1 = {"additions": list(fill.additions), "subtractions": list(fill.subtractions)}
        assert len(types) == 1, f"an allocator case holds one declaration type, not {types}"
        return {"allocations": actual_allocations[types[0]], "ecf1_equivalent": ecf1}
    raise AssertionError(f"unknown calculator {calculator!r}")


def compare(expected, actual, path: str = "") -> list[str]:
    """README §2.3 and §4.6: every expected key at every depth; money exact on unrounded values."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, engine gave {actual!r}"]
        problems = []
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: a key the runner does not know (or the engine does not give)")
                continue
            problems += compare(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {expected!r}, engine gave {actual!r}"]
        return [p for i, (e, a) in enumerate(zip(expected, actual)) for p in compare(e, a, f"{path}[{i}]")]
    key = path.rsplit(".", 1)[-1]
    if expected is None or isinstance(expected, (bool, int)) or ".display." in path or key in ("type", "band"):
        return [] if expected == actual else [f"{path}: expected {expected!r}, engine gave {actual!r}"]
    return [] if _money_equal(key, expected, actual) else [f"{path}: expected {expected}, engine gave {actual}"]


def _money_equal(key: str, expected: str, actual: Decimal) -> bool:
    if not isinstance(actual, Decimal):
        return False
    if key.endswith("_round5_asserted"):
        return round_half_up(actual, 5) == Decimal(expected)
    with localcontext() as context:
        context.prec = 60
        if key.endswith("_fraction"):
            fraction = Fraction(expected)
            value = Decimal(fraction.numerator) / Decimal(fraction.denominator)
            return _round30(value) == _round30(actual)
        places = len(expected.split(".", 1)[1]) if "." in expected else 0
        if places >= 29:  # a non-terminating value written to 30 places (README §2.3)
            return Decimal(expected) == _round30(actual)
        return Decimal(expected) == actual


def _round30(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1e-30"), rounding=ROUND_HALF_EVEN)
