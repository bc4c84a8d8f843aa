"""The finance "Download declarations" CSV of each statement (partnerships-and-finance.md §3).

One row per declaration attached to the statement, as its `statement_id` or as its
`clawback_statement_id`; the 25 finance columns in the spec's order. The values come from one
set-based query over the state (`sql/statements/declarations_csv.sql`, which says where each
column comes from; `docs/declarations-csv.md` documents the columns).

The file is UTF-8 with a byte-order mark so Excel reads it as UTF-8, RFC 4180 quoting (a field is
quoted only when it holds a comma, a quote or a line break) and CRLF line ends. The same state
gives the same bytes.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

import duckdb

from pipelines.sql_files import read_sql

DECLARATIONS_CSV_COLUMNS: tuple[str, ...] = (
    "Participant ID",
    "Participant Name",
    "TRN",
    "Type",
    "Mentor Profile ID",
    "Schedule",
    "Eligible for Funding",
    "Eligible for Funding Reason",
    "Sparsity Uplift",
    "Pupil Premium Uplift",
    "Sparsity and PP",
    "Lead Provider Name",
    "Delivery Partner Name",
    "School URN",
    "School Name",
    "Training Status",
    "Training Status Reason",
    "Declaration ID",
    "Declaration Status",
    "Declaration Type",
    "Declaration Date",
    "Declaration Created At",
    "Statement Name",
    "Statement ID",
    "Uplift Payable",
)
BOM = "\ufeff"
LINE_END = "\r\n"


def declaration_rows(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Statement id → the rows of its declarations CSV (25 values each, text or None), in file order.

    Every statement in the state has an entry; a statement without declarations has none (its CSV
    is the header line alone). For the whole state at once; `declaration_row_groups` is the lean way."""
    return {statement_id: list(rows) for statement_id, rows in declaration_row_groups(con)}


def declaration_row_groups(con: duckdb.DuckDBPyConnection) -> Iterator[tuple[str, Iterator[tuple]]]:
    """(statement id, its rows) for every statement, in statement-id order, one statement at a time.

    The query's result is held as one Arrow-backed frame (compact at national scale: about 1.2
    million rows) and each statement's rows become Python tuples only while its file is written."""
    statements = [statement_id for (statement_id,) in
                  con.execute("SELECT statement_id FROM statements ORDER BY statement_id").fetchall()]
    frame = con.sql(read_sql("statements/declarations_csv")).pl()
    if tuple(frame.columns[1:]) != DECLARATIONS_CSV_COLUMNS:
        raise RuntimeError(f"statements/declarations_csv.sql returns {frame.columns[1:]}, not the 25 finance columns")
    groups = {key[0]: group.drop("statement_id")
              for key, group in frame.partition_by("statement_id", as_dict=True, maintain_order=True).items()}
    for statement_id in statements:
        group = groups.get(statement_id)
        yield statement_id, (group.iter_rows() if group is not None else iter(()))


def csv_bytes(rows: Iterable[Sequence]) -> bytes:
    """The CSV file: BOM, the header line, then one line per row (None is an empty cell)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator=LINE_END, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(DECLARATIONS_CSV_COLUMNS)
    for row in rows:
        if len(row) != len(DECLARATIONS_CSV_COLUMNS):
            raise ValueError(f"a declarations CSV row has {len(row)} values, not {len(DECLARATIONS_CSV_COLUMNS)}")
        writer.writerow("" if value is None else str(value) for value in row)
    return (BOM + buffer.getvalue()).encode("utf-8")
