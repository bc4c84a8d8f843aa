"""What a statement page shows, in the live page's order (payments.md §5.5), from the statement JSON.

The calculate stage's document already carries every figure with its display string; this module
only arranges them into the page's tables (the pre-2025 "ECF" layout and the 2025+ "ECT/mentor"
layout) so the templates hold no arithmetic. The one sum made here (the merged "Extended" row) is
formatted by the same `display_pounds` as every other figure.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from pipelines.calculate.money import display_pounds, money_context

LONDON = ZoneInfo("Europe/London")
TYPE_LABELS = {"started": "Started", "retained-1": "Retained 1", "retained-2": "Retained 2",
               "retained-3": "Retained 3", "retained-4": "Retained 4", "completed": "Completed",
               "extended-1": "Extended 1", "extended-2": "Extended 2", "extended-3": "Extended 3"}
EXTENDED = ("extended-1", "extended-2", "extended-3")


def long_date(text: str) -> str:
    """2025-01-31 → 31 January 2025."""
    day = date.fromisoformat(text)
    return f"{day.day} {day:%B %Y}"


def authorised_text(instant: str | None) -> str | None:
    """The live tag: "Authorised for payment at 10:30am on 5 Aug 2023" (London time)."""
    if instant is None:
        return None
    local = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(LONDON)
    hour, suffix = local.hour % 12 or 12, "am" if local.hour < 12 else "pm"
    return f"Authorised for payment at {hour}:{local:%M}{suffix} on {local.day} {local:%b %Y}"


def _output_rows(document: dict) -> list[dict]:
    """Started, retained 1–4, completed, then one merged "Extended" row shown only if any (§5.5)."""
    rows = []
    by_type = {row["declaration_type"]: row for row in document["output_payments"]["rows"]}
    for declaration_type in ("started", "retained-1", "retained-2", "retained-3", "retained-4", "completed"):
        row = by_type[declaration_type]
        rows.append({"label": TYPE_LABELS[declaration_type], "counts": row["counts"],
                     "fees": [fee["display"] for fee in row["fees"]],
                     "payments": [payment["display"] for payment in row["payments"]],
                     "total": row["total"]["display"]})
    extended = [by_type[t] for t in EXTENDED]
    if any(sum(row["counts"]) for row in extended):
        with money_context():
            counts = [sum(column) for column in zip(*(row["counts"] for row in extended))]
            payments = [sum((Decimal(p["value"]) for p in column), Decimal(0))
                        for column in zip(*(row["payments"] for row in extended))]
            total = sum((Decimal(row["total"]["value"]) for row in extended), Decimal(0))
        rows.append({"label": "Extended", "counts": counts,
                     "fees": [fee["display"] for fee in extended[0]["fees"]],  # the same weight for all three
                     "payments": [display_pounds(p) for p in payments], "total": display_pounds(total)})
    return rows


def _band_label(index: int, letter: str) -> str:
    return "New target" if index == 3 else f"Band {letter}"


def statement_view(document: dict) -> dict:
    """The template context for one statement page."""
    meta = document["statement"]
    contract = document["contract"]
    summary = {entry["key"]: entry for entry in document["summary"]}
    clawback_rows = [{"label": f"Clawback for {TYPE_LABELS[row['declaration_type']]} (Band: {row['band']})",
                      "count": row["count"], "fee": row["fee"]["display"], "subtotal": row["subtotal"]["display"]}
                     for row in document["clawbacks"]["rows"]]
    uplift = document["uplift"]
    return {
        "meta": meta,
        "layout": document["layout"],
        "title": f"{meta['lead_provider']['name']}, {meta['name']}",
        "cohort": meta["cohort"],
        "deadline": long_date(meta["deadline_date"]),
        "payment_date": long_date(meta["payment_date"]),
        "authorised": authorised_text(meta["marked_as_paid_at"]),
        "status": {"open": "Open", "payable": "Payable", "paid": "Paid"}[meta["status"]],
        "total": summary["total"]["display"],
        "summary_lines": [entry for entry in document["summary"] if entry["key"] != "total"],
        "counts": document["counts"],
        "bands": document["output_payments"]["bands"],
        "output_rows": _output_rows(document),
        "output_total": document["output_payments"]["total"]["display"],
        "uplift": {"count": uplift["additions"], "amount": uplift["amount"]["display"] if uplift["amount"] else None,
                   "payment": uplift["uplift_payment"]["display"],
                   "clawback_count": uplift["subtractions"],
                   "clawback_fee": display_pounds(-Decimal(uplift["amount"]["value"])) if uplift["amount"] else None,
                   "clawback_total": uplift["uplift_clawback_deductions"]["display"]},
        "clawback_rows": clawback_rows,
        "clawbacks_total": document["clawbacks"]["total"]["display"],
        "adjustments": [{"description": row["description"], "amount": row["amount"]["display"]}
                        for row in document["additional_adjustments"]["rows"]],
        "adjustments_total": document["additional_adjustments"]["total"]["display"],
        "mentor": document["mentor"],
        "contract": contract,
        "uplift_target_percent": (f"{(Decimal(contract['uplift_target']) * 100).normalize():f}%"
                                  if contract["uplift_target"] is not None else None),
        "contract_bands": [{**band, "label": _band_label(index, band["band"])}
                           for index, band in enumerate(contract["bands"])],
        "mentor_contract": document["mentor_contract"],
        "type_labels": TYPE_LABELS,
    }
