"""Accounting identities checked after every calculation (issue: payments, item 7). A violation is a
bug or corrupt state, never something to round away: the stage stops with the details.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

from pipelines.calculate.money import money_context


class AccountingIdentityError(RuntimeError):
    """The calculated figures or the line items break an accounting identity."""


# Figures carry 40 significant digits, as Ruby's BigDecimal does, and sums at that precision are not
# associative in the last digit (the 2025 Total is ECT incl. VAT + mentor incl. VAT, not excl. + VAT).
# Sums containing a /29 quotient are therefore compared to 1e-25 £ — far below any penny.
TOLERANCE = Decimal("1e-25")


def _same(a: Decimal, b: Decimal) -> bool:
    return abs(a - b) <= TOLERANCE


def _value(entry: dict | None) -> Decimal:
    return Decimal(entry["value"]) if entry else Decimal(0)


def check_document_identities(document: dict) -> None:
    """Summary lines add up to the total; output fee = Σ band additions × fee; clawbacks likewise."""
    name = f"{document['statement']['lead_provider']['slug']} {document['statement']['cohort']} " \
           f"{document['statement']['name']!r}"
    with money_context():
        summary = {entry["key"]: Decimal(entry["value"]) for entry in document["summary"]}
        totals = document["totals"]
        lines = sum((value for key, value in summary.items() if key != "total"), Decimal(0))
        hidden = _value(totals["reconcile_amount"])
        if document["mentor"] is not None:  # the 2025 page has no uplift line (payments.md §5.5)
            hidden += _value(document["uplift"]["total_for_uplift"])
        broken = []
        if not _same(lines + hidden, summary["total"]):
            broken.append(f"summary lines + reconcile amount = {lines + hidden}, total = {summary['total']}")
        bands_sum = sum((count * _value(fee) for row in document["output_payments"]["rows"]
                         for count, fee in zip(row["counts"], row["fees"])), Decimal(0))
        if bands_sum != _value(document["output_payments"]["total"]):
            broken.append(f"Σ band additions × fee = {bands_sum}, output fee = {document['output_payments']['total']}")
        clawbacks = sum((_value(row["subtotal"]) for row in document["clawbacks"]["rows"]), Decimal(0))
        if -clawbacks != _value(document["clawbacks"]["clawback_deductions"]):
            broken.append(f"Σ clawback rows = {clawbacks}, clawback deductions = "
                          f"{document['clawbacks']['clawback_deductions']}")
        if not _same(_value(totals["total_excl_vat"]) + _value(totals["vat"]), _value(totals["total_incl_vat"])):
            broken.append("total excluding VAT + VAT differs from the total")
    if broken:
        raise AccountingIdentityError(f"statement {name}: " + "; ".join(broken))


LINE_ITEM_CHECKS = {
    "a declaration counted billable on more than one statement": """
        SELECT declaration_id, string_agg(statement_id, ', ' ORDER BY statement_id)
        FROM statement_line_items WHERE state IN ('eligible', 'payable', 'paid')
        GROUP BY declaration_id HAVING count(*) > 1 ORDER BY declaration_id LIMIT 20""",
    "a clawback whose declaration was never paid": """
        SELECT r.declaration_id, r.statement_id
        FROM statement_line_items AS r
        WHERE r.state IN ('awaiting_clawback', 'clawed_back')
          AND NOT EXISTS (SELECT 1 FROM statement_line_items AS b
                          WHERE b.declaration_id = r.declaration_id AND b.state = 'paid')
        ORDER BY r.declaration_id LIMIT 20""",
    "a declaration with more than one clawback": """
        SELECT declaration_id, count(*) FROM statement_line_items
        WHERE state IN ('awaiting_clawback', 'clawed_back')
        GROUP BY declaration_id HAVING count(*) > 1 ORDER BY declaration_id LIMIT 20""",
}


def check_line_item_identities(con: duckdb.DuckDBPyConnection) -> None:
    broken = []
    for what, query in LINE_ITEM_CHECKS.items():
        rows = con.execute(query).fetchall()
        if rows:
            broken.append(f"{what}: " + "; ".join(" ".join(str(v) for v in row) for row in rows))
    if broken:
        raise AccountingIdentityError("line items break the accounting identities — " + " | ".join(broken))
