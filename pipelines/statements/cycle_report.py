"""`cycles/<as_of>/report.html`: what a cycle did, for the finance team (product.md §6).

Requests accepted and rejected per provider, late rows, refused finance rows, statements that
became payable or paid, statements that could not be calculated, the ECF2 comparison, paid
statements whose recomputation differs from their stored figures, and per statement what changed
since the previous cycle. Everything comes from the state tables; the same state renders the same
bytes.
"""

from __future__ import annotations

from decimal import Decimal

import duckdb

from pipelines.calculate.money import display_pounds
from pipelines.instants import as_utc, rfc3339
from pipelines.sql_files import read_sql
from pipelines.state.database import records
from pipelines.statements.render import template_environment

QUERIES = {
    "requests": """
        SELECT f.lead_provider_slug AS provider, count(*) AS lines,
               count(*) FILTER (WHERE r.status = 200) AS accepted,
               count(*) FILTER (WHERE r.status <> 200) AS rejected,
               count(*) FILTER (WHERE r.status IS NULL) AS quarantined,
               string_agg(DISTINCT r.status::VARCHAR, ', ' ORDER BY r.status::VARCHAR)
                   FILTER (WHERE r.status <> 200) AS rejection_statuses
        FROM receipts AS r JOIN ingested_files AS f USING (file_id)
        WHERE r.cycle_id = $id GROUP BY ALL ORDER BY provider""",
    "late_rows": """
        SELECT family, kind, count(*) AS rows FROM timeline WHERE cycle_id = $id AND is_late
        GROUP BY ALL ORDER BY family, kind""",
    "refusals": """
        SELECT kind, lead_provider_slug AS provider, cohort, statement_name, reason,
               strftime(effective_at, '%Y-%m-%dT%H:%M:%SZ') AS effective_at
        FROM finance_refusals WHERE cycle_id = $id ORDER BY event_seq""",
    "status_changes": """
        SELECT s.lead_provider_slug AS provider, s.cohort, s.statement_name, split_part(h.change, ':', 2) AS became,
               strftime(h.changed_at, '%Y-%m-%dT%H:%M:%SZ') AS changed_at
        FROM lifecycle_history AS h JOIN statements AS s ON s.statement_id = h.entity_id
        WHERE h.entity = 'statement' AND h.change IN ('status:payable', 'status:paid')
          AND h.event_seq BETWEEN (SELECT min(event_seq) FROM timeline WHERE cycle_id = $id)
                              AND (SELECT max(event_seq) FROM timeline WHERE cycle_id = $id)
        ORDER BY h.event_seq, provider, s.cohort""",
    "problems": """
        SELECT lead_provider_slug AS provider, cohort, statement_name, problem
        FROM statement_calculation_problems WHERE cycle_id = $id ORDER BY provider, cohort, statement_name""",
    "ecf2": """
        SELECT c.lead_provider_slug AS provider, c.cohort, c.statement_name, c.ecf1_total_incl_vat,
               c.ecf2_total_incl_vat, c.difference_incl_vat, c.ecf1_output_net, c.ecf2_output_net,
               c.ecf1_uplift_net, c.ecf2_uplift_net, c.ecf1_reconcile_amount
        FROM statement_ecf2_comparison AS c JOIN statements AS s USING (statement_id)
        WHERE c.difference_incl_vat <> 0 ORDER BY provider, c.cohort, s.payment_on""",
    "paid_differences": """
        SELECT s.lead_provider_slug AS provider, s.cohort, s.statement_name, d.line, d.stored, d.recomputed
        FROM paid_statement_differences AS d JOIN statements AS s USING (statement_id)
        WHERE d.cycle_id = $id ORDER BY provider, s.cohort, s.payment_on, d.line""",
}
MONEY_COLUMNS = {"ecf1_total_incl_vat", "ecf2_total_incl_vat", "difference_incl_vat", "ecf1_output_net",
                 "ecf2_output_net", "ecf1_uplift_net", "ecf2_uplift_net", "ecf1_reconcile_amount", "total_before",
                 "total_after"}


def _records(con: duckdb.DuckDBPyConnection, sql: str, params: dict) -> list[dict]:
    """Rows as dicts, money columns as the page shows them."""
    rows = records(con, sql, {name: value for name, value in params.items() if f"${name}" in sql})
    return [{name: (display_pounds(Decimal(value)) if name in MONEY_COLUMNS and value is not None else value)
             for name, value in row.items()} for row in rows]


def cycle_report_html(con: duckdb.DuckDBPyConnection, cycle_id: int) -> str:
    [(as_of, window_start, inputs_sha256, files, rows, quarantined, late, waiting, calculated, not_calculated)] = \
        con.execute("""SELECT as_of, window_start, inputs_sha256, files_ingested, rows_ingested, rows_quarantined,
                              rows_late, rows_waiting, statements_calculated, statements_not_calculated
                       FROM cycles WHERE cycle_id = $id""", {"id": cycle_id}).fetchall()
    params = {"id": cycle_id}
    sections = {name: _records(con, sql, params) for name, sql in QUERIES.items()}
    ecf2_count = con.execute("SELECT count(*) FROM statement_ecf2_comparison").fetchall()[0][0]
    changes = _records(con, read_sql("statements/cycle_statement_changes"), {"cycle_id": cycle_id})
    return template_environment().get_template("cycle_report.html").render(
        cycle_id=cycle_id, as_of=rfc3339(as_utc(as_of)),
        window_start=rfc3339(as_utc(window_start)) if window_start else "the beginning of time",
        inputs_sha256=inputs_sha256 or "", files=files or 0, rows=rows or 0, quarantined=quarantined or 0,
        late=late or 0, waiting=waiting or 0, calculated=calculated or 0, not_calculated=not_calculated or 0,
        ecf2_compared=ecf2_count, changes=changes, footer=f"Cycle {rfc3339(as_utc(as_of))}", **sections)
