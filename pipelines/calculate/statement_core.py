"""The calculation core (payments.md §2–§5): per statement, counts and contract in, every figure out.

Pure functions over Decimal in the 40-digit money context; nothing here reads the state. The stage
(`statement_stage.py`) feeds it every statement at once; the case runner feeds it the worked cases.
Names follow the live code (`Finance::ECF::StatementCalculator`, `BandingCalculator`,
`Mentor::StatementCalculator`) so a reader can find each figure from the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal
from enum import Enum
from typing import Mapping

from pipelines.calculate.banding import BandFill, ecf1_band_fill
from pipelines.calculate.money import ZERO, money_context

DECLARATION_TYPES = ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed",
                     "extended-1", "extended-2", "extended-3")
# OutputCalculator::DECLARATION_TYPE_FEE_PROPORTIONS; Ruby turns the Float into its shortest decimal.
WEIGHTS = {t: Decimal("0.2") if t in ("started", "completed") else Decimal("0.15") for t in DECLARATION_TYPES}
MENTOR_PAID_TYPES = ("started", "completed")
MENTOR_SHARE = Decimal("0.5")
VAT_RATE = Decimal("0.2")
SERVICE_FEE_MONTHS = 29
MAX_BANDS = 4
LETTERS = ("a", "b", "c", "d")


@dataclass(frozen=True)
class Band:
    """A participant band (payments.md §1.3)."""

    min: int | None
    max: int
    per_participant: Decimal
    output_payment_percentage: int = 60
    service_fee_percentage: int = 40

    @property
    def lower(self) -> int:
        return max((self.min or 0) - 1, 0)

    @property
    def capacity(self) -> int:
        return self.max - max(1, self.min or 0) + 1

    def output_fee(self, declaration_type: str) -> Decimal:
        """fee(type, band) = per_participant × output% / 100 × weight (§2.1); exact."""
        return self.per_participant * self.output_payment_percentage / 100 * WEIGHTS[declaration_type]

    def participants_in_band(self, total: int) -> int:
        """`ParticipantBand#number_of_participants_in_band` for a volume (§3.1)."""
        if total < self.lower:
            return 0
        if self.lower <= total <= self.max:
            return total - self.lower
        return self.max - self.lower


@dataclass(frozen=True)
class Contract:
    """An ECT call-off contract version with its bands, in band order (§1.2)."""

    recruitment_target: int
    set_up_fee: Decimal
    monthly_service_fee: Decimal | None
    uplift_amount: Decimal | None
    bands: tuple[Band, ...]

    @property
    def capacities(self) -> tuple[int, ...]:
        return tuple(band.capacity for band in self.bands)


def ordered_bands(bands: list[Band]) -> tuple[Band, ...]:
    """`ORDER BY min ASC NULLS FIRST, max ASC` (§1.3): the order that letters them A–D."""
    return tuple(sorted(bands, key=lambda b: (b.min is not None, b.min or 0, b.max)))


def contract_problems(contract: Contract) -> list[str]:
    """Why a contract cannot be calculated; [] when it can (§1.3: at most four bands)."""
    problems = []
    if len(contract.bands) > MAX_BANDS:
        problems.append(f"has {len(contract.bands)} bands; the live calculator supports at most {MAX_BANDS} "
                        "(a fifth band makes it fail). Merge bands or split the contract into versions")
    if not contract.bands:
        problems.append("has no bands; add its participant bands (contract_bands)")
    for band in contract.bands:
        if band.capacity < 0:
            problems.append(f"has a band whose max ({band.max}) is below its min ({band.min})")
    return problems


class UpliftRule(Enum):
    """The project's uplift rule table (payments.md §4.4)."""

    CAPPED = "capped"      # 21 Apr 2023 – 4 Dec 2025 form; earlier statements are approximated by it
    UNCAPPED = "uncapped"  # from commit 26d5eafdc, 4 Dec 2025


UNCAPPED_FROM = datetime(2025, 12, 4)


def uplift_rule_at(instant: datetime) -> UpliftRule:
    """The rule for a statement authorised at `instant` (or still unpaid at the cycle's as_of)."""
    return UpliftRule.UNCAPPED if instant.replace(tzinfo=None) >= UNCAPPED_FROM else UpliftRule.CAPPED


@dataclass(frozen=True)
class BandedInputs:
    """What `Finance::ECF::StatementCalculator` reads for one statement."""

    contract: Contract
    current_billable: Mapping[str, int]
    current_refundable: Mapping[str, int] = field(default_factory=dict)
    previous_billable: Mapping[str, int] = field(default_factory=dict)
    previous_refundable: Mapping[str, int] = field(default_factory=dict)
    uplift_billable: int = 0
    uplift_refundable: int = 0
    previous_uplift_billable: int = 0
    previous_uplift_refundable: int = 0
    adjustments: tuple[Decimal, ...] = ()
    reconcile_amount: Decimal = ZERO
    vat_chargeable: bool = True
    uplift_rule: UpliftRule = UpliftRule.UNCAPPED


@dataclass(frozen=True)
class ClawbackRow:
    """One row of the page's clawback table (§2.4): band first, then type order."""

    declaration_type: str
    band: str
    count: int
    fee: Decimal
    subtotal: Decimal


@dataclass(frozen=True)
class BandedFigures:
    banding: dict[str, BandFill]
    fee_per_declaration: dict[str, tuple[Decimal, ...]]
    additions_for: dict[str, Decimal]
    deductions_for: dict[str, Decimal]
    clawbacks_breakdown: tuple[ClawbackRow, ...]
    output_fee: Decimal
    clawback_deductions: Decimal
    uplift_additions: int
    uplift_subtractions: int
    uplift_payment: Decimal
    total_for_uplift: Decimal
    uplift_clawback_deductions: Decimal
    adjustments_total: Decimal
    additional_adjustments_total: Decimal
    service_fee: Decimal
    reconcile_amount: Decimal
    total_excl_vat: Decimal
    vat: Decimal
    total_incl_vat: Decimal
    started_count: int
    retained_count: int
    completed_count: int
    extended_count: int
    unpaid_overflow: int


def service_fee(contract: Contract) -> Decimal:
    """§3.1: the override when set (0 counts), else Σ_band(service_fee_total(band) / 29)."""
    if contract.monthly_service_fee is not None:
        return contract.monthly_service_fee
    with money_context():
        total = ZERO
        for band in contract.bands:
            per_participant = band.per_participant * band.service_fee_percentage / 100
            if band.lower == 0:  # the set-up fee comes off band A only, pro rata to its places
                per_participant -= contract.set_up_fee / band.max
            total += band.participants_in_band(contract.recruitment_target) * per_participant / SERVICE_FEE_MONTHS
        return total


def uplift_cap(contract: Contract) -> Decimal:
    """The capped rule's ceiling: 5 % of total contract value, rounded up to hundreds (§4.4)."""
    with money_context():
        value = sum((band.participants_in_band(contract.recruitment_target) * band.per_participant
                     for band in contract.bands), ZERO)
        return (value * Decimal("0.05") / 100).to_integral_value(rounding=ROUND_CEILING) * 100


def total_for_uplift(inputs: BandedInputs) -> Decimal:
    """The "Uplift fees" summary line under the statement's rule (§4.3, §4.4)."""
    amount = inputs.contract.uplift_amount
    if amount is None:
        return ZERO
    uncapped = inputs.uplift_billable * amount
    if inputs.uplift_rule is UpliftRule.UNCAPPED:
        return uncapped
    previous = (inputs.previous_uplift_billable - inputs.previous_uplift_refundable) * amount
    return min(max(uplift_cap(inputs.contract) - previous, ZERO), uncapped)


def banded_statement(inputs: BandedInputs) -> BandedFigures:
    """A whole banded statement: pre-2025, or the ECT half of 2025+ (§2–§5)."""
    contract = inputs.contract
    bands = contract.bands
    with money_context():
        banding, fees, additions_for, deductions_for = {}, {}, {}, {}
        for declaration_type in DECLARATION_TYPES:
            fill = ecf1_band_fill(contract.capacities,
                                  inputs.previous_billable.get(declaration_type, 0),
                                  inputs.previous_refundable.get(declaration_type, 0),
                                  inputs.current_billable.get(declaration_type, 0),
                                  inputs.current_refundable.get(declaration_type, 0))
            type_fees = tuple(band.output_fee(declaration_type) for band in bands)
            banding[declaration_type] = fill
            fees[declaration_type] = type_fees
            additions_for[declaration_type] = sum((n * fee for n, fee in zip(fill.additions, type_fees)), ZERO)
            deductions_for[declaration_type] = sum((n * fee for n, fee in zip(fill.subtractions, type_fees)), ZERO)
        breakdown = tuple(
            ClawbackRow(t, LETTERS[i].upper(), banding[t].subtractions[i], -fees[t][i],
                        -banding[t].subtractions[i] * fees[t][i])
            for i in range(len(bands)) for t in DECLARATION_TYPES if banding[t].subtractions[i] != 0)
        output_fee = sum(additions_for.values(), ZERO)
        clawback_deductions = sum(deductions_for.values(), ZERO)
        amount = contract.uplift_amount
        uplift_payment = inputs.uplift_billable * amount if amount is not None else ZERO
        uplift_clawbacks = -inputs.uplift_refundable * amount if amount is not None else ZERO
        uplift_total = total_for_uplift(inputs)
        adjustments_total = -clawback_deductions + uplift_clawbacks
        additional = sum(inputs.adjustments, ZERO)
        fee = service_fee(contract)
        total_excl_vat = fee + output_fee + uplift_total + adjustments_total + additional + inputs.reconcile_amount
        vat = total_excl_vat * (VAT_RATE if inputs.vat_chargeable else ZERO)
        return BandedFigures(
            banding=banding, fee_per_declaration=fees, additions_for=additions_for, deductions_for=deductions_for,
            clawbacks_breakdown=breakdown, output_fee=output_fee, clawback_deductions=clawback_deductions,
            uplift_additions=inputs.uplift_billable, uplift_subtractions=inputs.uplift_refundable,
            uplift_payment=uplift_payment, total_for_uplift=uplift_total, uplift_clawback_deductions=uplift_clawbacks,
            adjustments_total=adjustments_total, additional_adjustments_total=additional, service_fee=fee,
            reconcile_amount=inputs.reconcile_amount, total_excl_vat=total_excl_vat, vat=vat,
            total_incl_vat=total_excl_vat + vat,
            started_count=sum(banding["started"].additions),
            retained_count=sum(sum(banding[f"retained-{n}"].additions) for n in range(1, 5)),
            completed_count=sum(banding["completed"].additions),
            extended_count=sum(sum(banding[f"extended-{n}"].additions) for n in range(1, 4)),
            unpaid_overflow=sum(fill.unpaid for fill in banding.values()))


@dataclass(frozen=True)
class MentorInputs:
    """What `Finance::ECF::Mentor::StatementCalculator` reads: this statement's mentor items only."""

    payment_per_participant: Decimal
    billable: Mapping[str, int]
    refundable: Mapping[str, int] = field(default_factory=dict)
    vat_chargeable: bool = True


@dataclass(frozen=True)
class MentorFigures:
    fee_per_mentor: Decimal
    mentor_output_fee: Decimal
    mentor_clawback_deductions: Decimal
    mentor_adjustments_total: Decimal
    mentor_total_excl_vat: Decimal
    mentor_vat: Decimal
    mentor_total_incl_vat: Decimal
    billable: dict[str, int]     # raw counts per type (the page's mentor column); only started and
    refundable: dict[str, int]   # completed are paid or recovered


def mentor_statement(inputs: MentorInputs) -> MentorFigures:
    """§2.5 and §5.3: started and completed pay half the per-participant price each; no memory."""
    with money_context():
        fee = MENTOR_SHARE * inputs.payment_per_participant
        output = sum((inputs.billable.get(t, 0) * fee for t in MENTOR_PAID_TYPES), ZERO)
        clawbacks = sum((inputs.refundable.get(t, 0) * fee for t in MENTOR_PAID_TYPES), ZERO)
        total = output - clawbacks
        vat = total * (VAT_RATE if inputs.vat_chargeable else ZERO)
        return MentorFigures(fee, output, clawbacks, -clawbacks, total, vat, total + vat,
                             {t: n for t, n in inputs.billable.items() if n},
                             {t: n for t, n in inputs.refundable.items() if n})


@dataclass(frozen=True)
class StatementFigures:
    """Every figure of one statement; `mentor` is None for the pre-2025 (one calculator) layout.
    The grand figures are the 2025 page's (ECT + mentor); before 2025 they equal the ECT ones."""

    ect: BandedFigures
    mentor: MentorFigures | None
    grand_total_excl_vat: Decimal
    grand_vat: Decimal
    grand_total_incl_vat: Decimal

    @property
    def layout(self) -> str:
        return "ecf" if self.mentor is None else "ect_mentor"


def calculate_statement(banded: BandedInputs, mentor: MentorInputs | None = None) -> StatementFigures:
    """One statement: the banded calculator, plus the mentor calculator for 2025+ cohorts (§5.3)."""
    with money_context():
        ect = banded_statement(banded)
        if mentor is None:
            return StatementFigures(ect, None, ect.total_excl_vat, ect.vat, ect.total_incl_vat)
        half = mentor_statement(mentor)
        return StatementFigures(ect, half, ect.total_excl_vat + half.mentor_total_excl_vat, ect.vat + half.mentor_vat,
                                ect.total_incl_vat + half.mentor_total_incl_vat)
