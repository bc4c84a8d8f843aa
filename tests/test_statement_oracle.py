"""The oracle itself against DfE's worked examples (payments.md §2.3, §3.1, §7)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext
from itertools import count

from statement_oracle import fill_bands, oracle_statements

LP = "LP-A"
AFTER_CAP_REMOVAL = datetime(2026, 1, 10)
BEFORE_CAP_REMOVAL = datetime(2025, 11, 1)
DEFAULT_BANDS = [(None, 2000, "995"), (2001, 4000, "979"), (4001, 6000, "966")]
MINIMAL_BANDS = [(None, 2, "400"), (3, 4, "300"), (5, 6, "200"), (7, 8, "100")]


def pounds(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), ROUND_HALF_UP)


def to_30dp(value: Decimal) -> Decimal:
    """How the cases write a /29 figure (cases README §2.3); needs more than the default 28 digits."""
    with localcontext() as ctx:
        ctx.prec = 40
        return value.quantize(Decimal("1e-30"))


class Rows:
    """Builds the oracle's table rows for one lead provider and cohort."""

    def __init__(self, cohort=2024, bands=DEFAULT_BANDS, vat_chargeable=True, uplift_amount="100",
                 monthly_service_fee=None):
        self.cohort = cohort
        self.ids = count(1)
        self.tables = {
            "statements": [], "line_items": [], "declarations": [], "adjustments": [],
            "contracts": [{"lead_provider_id": LP, "cohort": cohort, "version": "1.0", "recruitment_target": 6000,
                           "set_up_fee": Decimal(149651),
                           "monthly_service_fee": None if monthly_service_fee is None else Decimal(monthly_service_fee),
                           "uplift_amount": None if uplift_amount is None else Decimal(uplift_amount)}],
            "contract_bands": [{"lead_provider_id": LP, "cohort": cohort, "version": "1.0", "band_min": lo,
                                "band_max": hi, "per_participant": Decimal(price), "output_payment_percentage": 60,
                                "service_fee_percentage": 40} for lo, hi, price in bands],
            "mentor_contracts": [{"lead_provider_id": LP, "cohort": cohort, "version": "1.0",
                                  "payment_per_participant": Decimal(1000)}],
            "lead_providers": [{"lead_provider_id": LP, "vat_chargeable": vat_chargeable}],
            "cohorts": [{"cohort": cohort, "mentor_funding": cohort >= 2025}],
        }

    def statement(self, statement_id, payment_on, status="open", reconcile="0", contract_version="1.0"):
        self.tables["statements"].append({
            "statement_id": statement_id, "lead_provider_id": LP, "cohort": self.cohort, "statement_name": statement_id,
            "payment_on": payment_on, "output_fee": True, "status": status, "contract_version": contract_version,
            "mentor_contract_version": "1.0", "reconcile_amount": Decimal(reconcile), "marked_as_paid_at": None})

    def declare(self, statement_id, n, declaration_type="started", state="eligible", participant_type="ect",
                uplift=False) -> list[str]:
        ids = []
        for _ in range(n):
            declaration_id = f"d-{next(self.ids)}"
            ids.append(declaration_id)
            self.tables["declarations"].append({
                "declaration_id": declaration_id, "participant_type": participant_type,
                "declaration_type": declaration_type, "pupil_premium_uplift": uplift, "sparsity_uplift": None})
            self.line_item(declaration_id, statement_id, state)
        return ids

    def line_item(self, declaration_id, statement_id, state):
        line_type = "refundable" if state in ("awaiting_clawback", "clawed_back") else "billable"
        self.tables["line_items"].append({"declaration_id": declaration_id, "statement_id": statement_id,
                                          "line_type": line_type, "state": state})

    def claw_back(self, declaration_ids, statement_id, state="awaiting_clawback"):
        for declaration_id in declaration_ids:
            self.line_item(declaration_id, statement_id, state)

    def run(self, as_of=AFTER_CAP_REMOVAL):
        return oracle_statements(**self.tables, as_of=as_of)


def test_band_fill_doc_example():
    additions, subtractions = fill_bands([2000, 2000, 2000], 2100, 2000, 0)
    assert additions == [0, 1900, 100] and subtractions == [0, 0, 0]


def test_doc_example_as_statement():
    rows = Rows()
    rows.statement("earlier", date(2024, 11, 25), status="paid")
    rows.statement("now", date(2025, 2, 25))
    rows.declare("earlier", 2100, state="paid")
    rows.declare("now", 2000)
    figures = rows.run()["now"]
    assert figures["output_fee"] == Decimal("234804.00")
    # 2 202 349 / 29, written to 30 decimal places (cases README §2.3).
    assert to_30dp(figures["service_fee"]) == Decimal("75943.068965517241379310344827586207")
    assert figures["clawback_deductions"] == 0


def test_minimal_bands_three_consecutive_statements():
    rows = Rows(bands=MINIMAL_BANDS)
    for statement_id, month in (("m1", 1), ("m2", 2), ("m3", 3)):
        rows.statement(statement_id, date(2024, month, 25))
    first = rows.declare("m1", 4, state="paid", uplift=True)
    rows.declare("m2", 4, state="paid", uplift=True)
    rows.claw_back(first[:1], "m2", state="clawed_back")
    rows.declare("m3", 4, uplift=True)
    rows.claw_back(first[1:3], "m3")

    result = rows.run()
    assert (result["m1"]["output_fee"], result["m1"]["clawback_deductions"]) == (168, 0)
    assert (result["m2"]["output_fee"], result["m2"]["clawback_deductions"]) == (72, 12)
    latest = result["m3"]
    assert (latest["output_fee"], latest["clawback_deductions"]) == (12, 24)
    assert latest["total_for_uplift"] == latest["uplift_payment"] == 400
    assert latest["uplift_clawback_deductions"] == -200
    assert latest["adjustments_total"] == -224
    assert to_30dp(latest["service_fee"]) == Decimal("-5132.793103448275862068965517241379")
    assert to_30dp(latest["total_excl_vat"]) == Decimal("-4944.793103448275862068965517241379")
    assert to_30dp(latest["total_incl_vat"]) == Decimal("-5933.751724137931034482758620689655")


def test_uplift_cap_before_its_removal():
    # Minimal bands: total contract value 2000, so the cap is ceil_100(100) = 100.
    rows = Rows(bands=MINIMAL_BANDS)
    rows.statement("m1", date(2024, 1, 25))
    rows.statement("m2", date(2024, 2, 25))
    rows.declare("m1", 4, state="paid", uplift=True)
    rows.claw_back(rows.declare("m2", 3, uplift=True)[:1], "m2")
    result = rows.run(as_of=BEFORE_CAP_REMOVAL)
    assert result["m1"]["uplift_payment"] == 400 and result["m1"]["total_for_uplift"] == 100
    assert result["m2"]["total_for_uplift"] == 0
    assert result["m2"]["uplift_clawback_deductions"] == -100


def test_feature_spec_pre2025_january_statement():
    rows = Rows()
    rows.statement("november", date(2024, 1, 25))
    rows.statement("january", date(2024, 1, 25))
    rows.declare("november", 7, state="paid")
    rows.declare("january", 6, "retained-1", participant_type="ect", uplift=True)
    rows.declare("january", 5, "retained-1", participant_type="mentor", uplift=True)
    rows.declare("january", 3, state="ineligible")
    figures = rows.run()["january"]
    assert figures["output_fee"] == Decimal("985.05")
    assert figures["total_for_uplift"] == 0
    assert pounds(figures["service_fee"]) == Decimal("75943.07")
    assert pounds(figures["vat"]) == Decimal("15385.62")
    assert pounds(figures["total_incl_vat"]) == Decimal("92313.74")
    assert figures["grand_total_incl_vat"] == figures["total_incl_vat"]


def test_2025_ect_and_mentor_halves():
    rows = Rows(cohort=2025, bands=MINIMAL_BANDS, monthly_service_fee="0", uplift_amount=None)
    rows.statement("s", date(2025, 10, 25))
    rows.declare("s", 3)
    mentors_started = rows.declare("s", 5, participant_type="mentor")
    rows.declare("s", 3, "completed", participant_type="mentor")
    rows.declare("s", 4, "retained-1", participant_type="mentor")
    rows.statement("earlier", date(2025, 9, 25))
    paid_started = rows.declare("earlier", 2, participant_type="mentor", state="paid")
    paid_completed = rows.declare("earlier", 1, "completed", participant_type="mentor", state="paid")
    rows.claw_back(paid_started, "s")
    rows.claw_back(paid_completed, "s")
    assert len(mentors_started) == 5

    figures = rows.run()["s"]
    # Mentors do not take band places in 2025: the 3 ECT starts fill A2 B1.
    assert figures["output_fee"] == 132
    assert figures["service_fee"] == 0
    assert figures["mentor_output_fee"] == 4000
    assert figures["mentor_clawback_deductions"] == 1500
    assert figures["mentor_total_excl_vat"] == 2500
    assert figures["mentor_total_incl_vat"] == 3000
    assert figures["grand_total_incl_vat"] == figures["total_incl_vat"] + 3000 == Decimal("158.4") + 3000
    assert figures["grand_vat"] == Decimal("26.4") + 500


def test_adjustments_reconcile_override_and_no_vat():
    rows = Rows(vat_chargeable=False, monthly_service_fee="123.45")
    rows.statement("s", date(2024, 5, 25), reconcile="1234")
    rows.statement("orphan", date(2024, 6, 25), contract_version="9.9")
    for amount in ("999.99", "-500.0", "300.0"):
        rows.tables["adjustments"].append({"statement_id": "s", "amount": Decimal(amount)})
    result = rows.run()
    assert "orphan" not in result
    figures = result["s"]
    assert figures["additional_adjustments_total"] == Decimal("799.99")
    assert figures["total_excl_vat"] == Decimal("123.45") + Decimal("799.99") + 1234
    assert figures["vat"] == 0 and figures["total_incl_vat"] == figures["total_excl_vat"]
    assert figures["mentor_total_incl_vat"] == 0
