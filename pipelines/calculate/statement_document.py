"""The statement JSON document (product.md §6) and its flattening into `statement_lines`.

Every money figure appears as `{"value": <exact unrounded decimal>, "display": "£1,234.50"}`; the
page's summary lines come in the page's order for the statement's layout (payments.md §5.5). The
statements issue renders the page from this document alone.
"""

from __future__ import annotations

from decimal import Decimal

from pipelines.calculate.ecf2 import Ecf2Statement
from pipelines.calculate.money import display_pounds, exact_text, money_context
from pipelines.calculate.statement_core import DECLARATION_TYPES, LETTERS, MENTOR_PAID_TYPES, StatementFigures

DOCUMENT_VERSION = 1


def money(value: Decimal | None) -> dict | None:
    return None if value is None else {"value": exact_text(value), "display": display_pounds(value)}


def summary_lines(figures: StatementFigures) -> list[tuple[str, str, Decimal]]:
    """(key, page label, value) in the page's order; the last is the Total."""
    ect, mentor = figures.ect, figures.mentor
    if mentor is None:
        return [("output_fee", "Output payment", ect.output_fee), ("service_fee", "Service fee", ect.service_fee),
                ("total_for_uplift", "Uplift fees", ect.total_for_uplift),
                ("adjustments_total", "Clawbacks", ect.adjustments_total),
                ("additional_adjustments_total", "Additional adjustments", ect.additional_adjustments_total),
                ("vat", "VAT", ect.vat), ("total", "Total", ect.total_incl_vat)]
    return [("ect_output_fee", "ECTs output payment", ect.output_fee),
            ("mentor_output_fee", "Mentors output payment", mentor.mentor_output_fee),
            ("service_fee", "Service fee", ect.service_fee),
            ("ect_clawbacks", "ECT clawbacks", ect.adjustments_total),
            ("mentor_clawbacks", "Mentor clawbacks", mentor.mentor_adjustments_total),
            ("additional_adjustments_total", "Additional adjustments", ect.additional_adjustments_total),
            ("vat", "VAT", figures.grand_vat), ("total", "Total", figures.grand_total_incl_vat)]


def statement_document(meta: dict, figures: StatementFigures, ecf2: Ecf2Statement, page_counts: dict,
                       adjustments: list[tuple[str, Decimal]], contract: dict, mentor_contract: dict | None) -> dict:
    with money_context():
        return _document(meta, figures, ecf2, page_counts, adjustments, contract, mentor_contract)


def _document(meta: dict, figures: StatementFigures, ecf2: Ecf2Statement, page_counts: dict,
              adjustments: list[tuple[str, Decimal]], contract: dict, mentor_contract: dict | None) -> dict:
    ect, mentor = figures.ect, figures.mentor
    letters = [letter.upper() for letter in LETTERS[:len(contract["bands"])]]
    ecf1_total = figures.grand_total_incl_vat
    return {
        "document_version": DOCUMENT_VERSION,
        "statement": meta,
        "layout": figures.layout,
        "summary": [{"key": key, "line": label, **money(value)} for key, label, value in summary_lines(figures)],
        "totals": {"total_excl_vat": money(figures.grand_total_excl_vat),
                   "vat": money(figures.grand_vat), "total_incl_vat": money(ecf1_total),
                   "reconcile_amount": money(ect.reconcile_amount),
                   "ect_total_excl_vat": money(ect.total_excl_vat), "ect_vat": money(ect.vat),
                   "ect_total_incl_vat": money(ect.total_incl_vat)},
        "counts": {"started": ect.started_count, "retained": ect.retained_count, "completed": ect.completed_count,
                   "extended": ect.extended_count, "clawed_back": page_counts.get("clawed_back", 0),
                   "voided": page_counts.get("voided", 0), "unpaid_overflow": ect.unpaid_overflow},
        "output_payments": {
            "bands": letters,
            "rows": [{"declaration_type": t, "counts": list(ect.banding[t].additions),
                      "fees": [money(fee) for fee in ect.fee_per_declaration[t]],
                      "payments": [money(n * fee) for n, fee in zip(ect.banding[t].additions,
                                                                     ect.fee_per_declaration[t])],
                      "total": money(ect.additions_for[t])} for t in DECLARATION_TYPES],
            "total": money(ect.output_fee)},
        "banding": {t: {"previous": list(f.previous), "additions": list(f.additions),
                        "subtractions": list(f.subtractions), "count": list(f.count), "unpaid": f.unpaid}
                    for t, f in ect.banding.items()},
        "uplift": {"rule": meta["uplift_rule"], "additions": ect.uplift_additions,
                   "subtractions": ect.uplift_subtractions, "amount": money(contract["uplift_amount"]),
                   "uplift_payment": money(ect.uplift_payment), "total_for_uplift": money(ect.total_for_uplift),
                   "uplift_clawback_deductions": money(ect.uplift_clawback_deductions)},
        "clawbacks": {"rows": [{"declaration_type": r.declaration_type, "band": r.band, "count": r.count,
                                "fee": money(r.fee), "subtotal": money(r.subtotal)} for r in ect.clawbacks_breakdown],
                      "clawback_deductions": money(ect.clawback_deductions), "total": money(ect.adjustments_total)},
        "additional_adjustments": {"rows": [{"description": d, "amount": money(a)} for d, a in adjustments],
                                   "total": money(ect.additional_adjustments_total)},
        "mentor": None if mentor is None else {
            "fee_per_mentor": money(mentor.fee_per_mentor),
            "counts": {"started": mentor.billable.get("started", 0),
                       "retained": sum(mentor.billable.get(f"retained-{n}", 0) for n in range(1, 5)),
                       "completed": mentor.billable.get("completed", 0),
                       "extended": sum(mentor.billable.get(f"extended-{n}", 0) for n in range(1, 4)),
                       "clawed_back": page_counts.get("mentor_clawed_back", 0),
                       "voided": page_counts.get("mentor_voided", 0)},
            "output_payments": [{"declaration_type": t, "count": mentor.billable.get(t, 0),
                                 "fee": money(mentor.fee_per_mentor),
                                 "payment": money(mentor.billable.get(t, 0) * mentor.fee_per_mentor)}
                                for t in MENTOR_PAID_TYPES],
            "clawbacks": [{"declaration_type": t, "count": mentor.refundable.get(t, 0),
                           "fee": money(-mentor.fee_per_mentor),
                           "subtotal": money(-mentor.refundable.get(t, 0) * mentor.fee_per_mentor)}
                          for t in MENTOR_PAID_TYPES if mentor.refundable.get(t, 0)],
            "output_fee": money(mentor.mentor_output_fee),
            "clawback_deductions": money(mentor.mentor_clawback_deductions),
            "adjustments_total": money(mentor.mentor_adjustments_total),
            "total_excl_vat": money(mentor.mentor_total_excl_vat), "vat": money(mentor.mentor_vat),
            "total_incl_vat": money(mentor.mentor_total_incl_vat)},
        "contract": {**{key: money(value) if isinstance(value, Decimal) else value
                        for key, value in contract.items() if key != "bands"},
                     "bands": [{"band": letter, "min": b.min, "max": b.max,
                                "per_participant": money(b.per_participant),
                                "output_payment_percentage": b.output_payment_percentage,
                                "service_fee_percentage": b.service_fee_percentage}
                               for letter, b in zip(letters, contract["bands"])]},
        "mentor_contract": None if mentor_contract is None else {
            key: money(value) if isinstance(value, Decimal) else value for key, value in mentor_contract.items()},
        "ecf2": {"outputs_net": money(ecf2.outputs_net), "uplifts_net": money(ecf2.uplifts_net),
                 "service_fee": money(ecf2.service_fee), "adjustments": money(ecf2.adjustments),
                 "mentor_total_excl_vat": money(ecf2.mentor_total_excl_vat),
                 "total_excl_vat": money(ecf2.total_excl_vat), "vat": money(ecf2.vat),
                 "total_incl_vat": money(ecf2.total_incl_vat),
                 "difference_incl_vat": money(ecf2.total_incl_vat - ecf1_total)},
    }


def _amount(entry: dict | None) -> Decimal | None:
    return None if entry is None else Decimal(entry["value"])


def document_lines(document: dict) -> list[tuple]:
    """(line_no, section, figure, declaration_type, band, count, unit_amount, amount) for `statement_lines`."""
    with money_context():
        return _lines(document)


def _lines(document: dict) -> list[tuple]:
    lines: list[tuple] = []

    def add(section, figure, declaration_type=None, band=None, count=None, unit=None, amount=None):
        lines.append((len(lines) + 1, section, figure, declaration_type, band, count, unit, amount))

    for entry in document["summary"]:
        add("summary", entry["key"], amount=_amount(entry))
    for key, entry in document["totals"].items():
        add("totals", key, amount=_amount(entry))
    bands = document["output_payments"]["bands"]
    for row in document["output_payments"]["rows"]:
        for band, count, fee, payment in zip(bands, row["counts"], row["fees"], row["payments"]):
            add("output", "output_payment", row["declaration_type"], band, count, _amount(fee), _amount(payment))
    uplift = document["uplift"]
    add("uplift", "uplift_payment", "started", count=uplift["additions"], unit=_amount(uplift["amount"]),
        amount=_amount(uplift["uplift_payment"]))
    add("uplift", "uplift_clawback_deductions", "started", count=uplift["subtractions"],
        unit=_amount(uplift["amount"]), amount=_amount(uplift["uplift_clawback_deductions"]))
    for row in document["clawbacks"]["rows"]:
        add("clawback", "clawback", row["declaration_type"], row["band"], row["count"], _amount(row["fee"]),
            _amount(row["subtotal"]))
    for row in document["additional_adjustments"]["rows"]:
        add("adjustment", row["description"], amount=_amount(row["amount"]))
    mentor = document["mentor"]
    if mentor is not None:
        for row in mentor["output_payments"]:
            add("mentor", "mentor_output_payment", row["declaration_type"], count=row["count"], unit=_amount(row["fee"]),
                amount=_amount(row["payment"]))
        for row in mentor["clawbacks"]:
            add("mentor", "mentor_clawback", row["declaration_type"], count=row["count"], unit=_amount(row["fee"]),
                amount=_amount(row["subtotal"]))
    return lines

