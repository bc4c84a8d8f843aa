"""The calculation core on its own: DfE's worked examples, display rounding at x.xx5, contract
validation, the uplift rule table, and hypothesis properties of the band fills."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.calculate.banding import ecf1_band_fill, ecf2_allocate
from pipelines.calculate.money import display_pounds, exact_text, money_context
from pipelines.calculate.statement_core import (Band, BandedInputs, Contract, UpliftRule, banded_statement,
                                                contract_problems, service_fee, uplift_rule_at)

DEFAULT_BANDS = (Band(None, 2000, Decimal(995)), Band(2001, 4000, Decimal(979)), Band(4001, 6000, Decimal(966)))
MINIMAL_BANDS = (Band(None, 2, Decimal(400)), Band(3, 4, Decimal(300)), Band(5, 6, Decimal(200)),
                 Band(7, 8, Decimal(100)))


def _contract(bands=DEFAULT_BANDS, **terms) -> Contract:
    values = {"recruitment_target": 6000, "set_up_fee": Decimal(149651), "monthly_service_fee": None,
              "uplift_amount": Decimal(100), **terms}
    return Contract(bands=bands, **values)


def test_dfe_band_example_2100_previous_2000_current():
    fill = ecf1_band_fill((2000, 2000, 2000), 2100, 0, 2000, 0)
    assert fill.additions == (0, 1900, 100)
    figures = banded_statement(BandedInputs(_contract(), {"started": 2000}, previous_billable={"started": 2100}))
    assert figures.output_fee == Decimal("234804.00")
    assert figures.started_count == 2000


def test_service_fee_default_contract_is_2202349_over_29():
    with money_context():
        rounded = service_fee(_contract()).quantize(Decimal("1e-30"))
    assert rounded == Decimal("75943.068965517241379310344827586207")  # 2202349 / 29
    assert display_pounds(service_fee(_contract())) == "£75,943.07"


def test_zero_monthly_service_fee_is_a_real_override():
    assert service_fee(_contract(monthly_service_fee=Decimal(0))) == 0


def test_overflow_beyond_the_last_band_is_unpaid_but_reported():
    figures = banded_statement(BandedInputs(_contract(MINIMAL_BANDS), {"started": 9}))
    assert figures.banding["started"].additions == (2, 2, 2, 2)
    assert figures.unpaid_overflow == 1
    assert figures.output_fee == 2 * 48 + 2 * 36 + 2 * 24 + 2 * 12


def test_clawbacks_come_off_this_statements_additions_top_band_first_then_the_earlier_fill():
    fill = ecf1_band_fill((2, 2, 2, 2), 4, 0, 4, 1)  # payments.md §2.3 three-statement example, the middle one
    assert (fill.additions, fill.subtractions, fill.count) == ((0, 0, 2, 2), (0, 0, 0, 1), (0, 0, 2, 1))
    fill = ecf1_band_fill((2, 2, 2, 2), 4, 0, 0, 2)  # clawbacks with no new declarations
    assert (fill.subtractions, fill.count) == ((0, 2, 0, 0), (0, -2, 0, 0))


def test_display_rounds_half_up_away_from_zero_at_the_half_penny():
    assert display_pounds(Decimal("2.345")) == "£2.35"
    assert display_pounds(Decimal("-2.345")) == "-£2.35"
    assert display_pounds(Decimal("2.3449999")) == "£2.34"
    assert display_pounds(Decimal("1234.5")) == "£1,234.50"
    assert display_pounds(Decimal("-5132.793103448275862068965517241379")) == "-£5,132.79"
    assert display_pounds(Decimal("-0.004")) == "£0.00"
    assert display_pounds(Decimal("-0.005")) == "-£0.01"
    assert display_pounds(Decimal("1000000.005")) == "£1,000,000.01"


def test_exact_text_never_uses_an_exponent():
    assert exact_text(Decimal("1E+3")) == "1000"
    assert exact_text(Decimal("0.000000001")) == "0.000000001"
    assert exact_text(Decimal("-0")) == "0"
    assert exact_text(Decimal("132.00")) == "132"


def test_more_than_four_bands_is_rejected_with_a_clear_error():
    five = MINIMAL_BANDS + (Band(9, 10, Decimal(50)),)
    [problem] = contract_problems(_contract(five))
    assert "5 bands" in problem and "at most 4" in problem
    assert contract_problems(_contract(MINIMAL_BANDS)) == []


def test_uplift_rule_table_switches_on_4_december_2025():
    assert uplift_rule_at(datetime(2025, 12, 3, 23, 59, 59)) is UpliftRule.CAPPED
    assert uplift_rule_at(datetime(2025, 12, 4)) is UpliftRule.UNCAPPED


def test_capped_uplift_stops_at_5_percent_of_contract_value_rounded_up_to_hundreds():
    # minimal bands: contract value at target 6 = 2×400 + 2×300 + 2×200 = 1800; 5 % = 90 → cap 100
    contract = _contract(MINIMAL_BANDS, recruitment_target=6, set_up_fee=Decimal(0))
    capped = banded_statement(BandedInputs(contract, {"started": 4}, uplift_billable=4,
                                           uplift_rule=UpliftRule.CAPPED))
    assert capped.uplift_payment == 400 and capped.total_for_uplift == 100
    later = banded_statement(BandedInputs(contract, {"started": 1}, uplift_billable=1, uplift_refundable=1,
                                          previous_uplift_billable=4, uplift_rule=UpliftRule.CAPPED))
    assert later.total_for_uplift == 0 and later.uplift_clawback_deductions == -100  # clawbacks never capped
    uncapped = banded_statement(BandedInputs(contract, {"started": 4}, uplift_billable=4))
    assert uncapped.total_for_uplift == 400


def test_no_uplift_amount_switches_every_uplift_figure_off():
    figures = banded_statement(BandedInputs(_contract(uplift_amount=None), {"started": 3}, uplift_billable=3,
                                            uplift_refundable=1))
    assert (figures.uplift_payment, figures.total_for_uplift, figures.uplift_clawback_deductions) == (0, 0, 0)


capacities = st.lists(st.integers(0, 6), min_size=1, max_size=4).map(tuple)


@st.composite
def consistent_counts(draw):
    """Counts a real state can produce: earlier refunds never outnumber earlier payments."""
    prev_billable = draw(st.integers(0, 30))
    return (prev_billable, draw(st.integers(0, prev_billable)), draw(st.integers(0, 30)), draw(st.integers(0, 30)))


@settings(max_examples=300, deadline=None)
@given(capacities, consistent_counts())
def test_band_counts_never_exceed_capacity(caps, counts):
    fill = ecf1_band_fill(caps, *counts)
    for cap, previous, added, count in zip(caps, fill.previous, fill.additions, fill.count):
        assert 0 <= added and previous + added <= cap
        assert previous + count <= cap and previous + count >= 0
    assert sum(fill.additions) + fill.unpaid == counts[2]
    assert sum(fill.subtractions) + fill.unrecovered == counts[3]


@settings(max_examples=300, deadline=None)
@given(capacities, consistent_counts())
def test_ecf2_pays_as_ecf1_unless_earlier_billables_exceed_capacity(caps, counts):
    """payments.md §8: the allocators differ only when previous billables exceed total capacity."""
    prev_billable = counts[0]
    fill = ecf1_band_fill(caps, *counts)
    ecf2 = ecf2_allocate(caps, *counts)
    if prev_billable <= sum(caps):
        assert tuple(a.billable_count for a in ecf2) == fill.additions
        assert tuple(a.refundable_count for a in ecf2) == fill.subtractions
    for allocation in ecf2:
        assert 0 <= allocation.net_billable_count <= allocation.capacity


def test_the_constructed_case_where_ecf2_pays_an_overflowed_start():
    """payments.md §8: 10 earlier starts (2 overflowed) and 2 refunds; ECF1 pays the new start nothing,
    ECF2 pays it in band D."""
    assert ecf1_band_fill((2, 2, 2, 2), 10, 2, 1, 0).additions == (0, 0, 0, 0)
    assert [a.billable_count for a in ecf2_allocate((2, 2, 2, 2), 10, 2, 1, 0)] == [0, 0, 0, 1]
