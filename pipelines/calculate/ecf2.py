"""ECF2's payment calculator (register-early-career-teachers, `app/services/payment_calculator/**`;
payments.md §8), beside ECF1's, so finance can see where the new service would pay differently.

ECF2 differs in the allocator (previous billables beyond capacity are dropped before previous
refunds come off), has no `reconcile_amount`, switches uplifts off for contract years ≥ 2025, and
takes VAT as `vat_rate × vat_registered`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pipelines.calculate.banding import ecf2_allocate
from pipelines.calculate.money import ZERO, money_context
from pipelines.calculate.statement_core import (DECLARATION_TYPES, SERVICE_FEE_MONTHS, VAT_RATE, BandedInputs,
                                                MentorInputs, mentor_statement)

UPLIFTS_END_YEAR = 2025  # contract_periods.uplift_fees_enabled is false from this year


@dataclass(frozen=True)
class Ecf2Band:
    capacity: int
    fee_per_declaration: Decimal
    output_fee_ratio: Decimal = Decimal("0.60")
    service_fee_ratio: Decimal = Decimal("0.40")


def ecf2_monthly_service_fee(recruitment_target: int, setup_fee: Decimal, bands: tuple[Ecf2Band, ...],
                             monthly_override: Decimal | None = None) -> Decimal:
    """(Σ filled × fee × ratio − set-up × filled_A / capacity_A) / 29, unless the override is set."""
    if monthly_override is not None:
        return monthly_override
    with money_context():
        remaining, total = recruitment_target, ZERO
        for index, band in enumerate(bands):
            filled = min(remaining, band.capacity)
            remaining -= filled
            total += filled * band.fee_per_declaration * band.service_fee_ratio
            if index == 0:
                total -= setup_fee * filled / band.capacity
        return total / SERVICE_FEE_MONTHS


@dataclass(frozen=True)
class Ecf2Total:
    total_excl_vat: Decimal
    vat: Decimal
    total_incl_vat: Decimal


def ecf2_banded_total(outputs_net: Decimal, uplifts_net: Decimal, monthly_service_fee: Decimal,
                      adjustments: Decimal, vat_rate: Decimal, vat_registered: bool) -> Ecf2Total:
    """`PaymentCalculator::Banded#total_amount`: subtotal, then subtotal × applicable VAT rate."""
    with money_context():
        subtotal = outputs_net + uplifts_net + monthly_service_fee + adjustments
        vat = subtotal * (vat_rate if vat_registered else ZERO)
        return Ecf2Total(subtotal, vat, subtotal + vat)


def ecf2_outputs_net(inputs: BandedInputs) -> Decimal:
    """Σ over types and bands of (billable − refundable) × fee, with ECF2's allocator."""
    bands = inputs.contract.bands
    with money_context():
        total = ZERO
        for declaration_type in DECLARATION_TYPES:
            allocations = ecf2_allocate(inputs.contract.capacities,
                                        inputs.previous_billable.get(declaration_type, 0),
                                        inputs.previous_refundable.get(declaration_type, 0),
                                        inputs.current_billable.get(declaration_type, 0),
                                        inputs.current_refundable.get(declaration_type, 0))
            for band, allocation in zip(bands, allocations):
                total += (allocation.billable_count - allocation.refundable_count) * band.output_fee(declaration_type)
        return total


@dataclass(frozen=True)
class Ecf2Statement:
    outputs_net: Decimal
    uplifts_net: Decimal
    service_fee: Decimal
    adjustments: Decimal
    mentor_total_excl_vat: Decimal
    total_excl_vat: Decimal
    vat: Decimal
    total_incl_vat: Decimal


def ecf2_statement(banded: BandedInputs, mentor: MentorInputs | None, cohort: int) -> Ecf2Statement:
    """One statement as ECF2 would pay it, from the same counts the ECF1 core reads."""
    contract = banded.contract
    with money_context():
        outputs = ecf2_outputs_net(banded)
        amount = contract.uplift_amount
        uplifts = ((banded.uplift_billable - banded.uplift_refundable) * amount
                   if amount is not None and cohort < UPLIFTS_END_YEAR else ZERO)
        fee = ecf2_monthly_service_fee(
            contract.recruitment_target, contract.set_up_fee,
            tuple(Ecf2Band(b.capacity, b.per_participant, Decimal(b.output_payment_percentage) / 100,
                           Decimal(b.service_fee_percentage) / 100) for b in contract.bands),
            contract.monthly_service_fee)
        ect = ecf2_banded_total(outputs, uplifts, fee, sum(banded.adjustments, ZERO), VAT_RATE, banded.vat_chargeable)
        mentor_net = mentor_vat = ZERO
        if mentor is not None:  # FlatRate: the same half-and-half as ECF1's mentor calculator
            figures = mentor_statement(mentor)
            mentor_net, mentor_vat = figures.mentor_total_excl_vat, figures.mentor_vat
        return Ecf2Statement(outputs, uplifts, fee, sum(banded.adjustments, ZERO), mentor_net,
                             ect.total_excl_vat + mentor_net, ect.vat + mentor_vat,
                             ect.total_incl_vat + mentor_net + mentor_vat)


