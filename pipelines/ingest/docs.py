"""`docs/inputs.md`: the input formats, rendered from the registry so the documentation cannot drift.

Regenerate with `python -m pipelines.ingest.docs > docs/inputs.md` (a test compares them).
"""

from __future__ import annotations

from pipelines.ingest import kinds as k

TYPE_NAMES = {
    k.TEXT: "text",
    k.INT: "whole number",
    k.BOOL: "true/false",
    k.DATE: "date `YYYY-MM-DD`",
    k.INSTANT: "instant (RFC 3339, UTC)",
    k.MONEY: "pounds (decimal)",
    k.RATIO: "decimal fraction",
}
FAMILY_TEXT = {
    "reference": ("inbox/reference/", "Finance-owned reference data. Each row takes effect at its `valid_from` "
                  "(blank: the beginning of time); for the same key, the row with the latest `valid_from` at or "
                  "before an instant is in force, a later file winning a tie. `cohorts`, `schedules` and "
                  "`statements` ship as defaults: a kind supplied here replaces its default. Those three also "
                  "accept the live service's seed CSV files unchanged (detected by their header)."),
    "registrations": ("inbox/registrations/", "What schools record, keyed by school-side ids. Each row takes "
                      "effect at its `recorded_at`."),
    "finance": ("inbox/finance/", "Finance operations. Each row takes effect at its `effective_at`. "
                "Statements are named by lead provider slug, cohort and statement name."),
    "migration": ("inbox/migration/", "A state import for taking over from a running service: every row takes "
                  "effect at the single `imported_as_of` of `manifest.csv`, and the first cycle's window starts "
                  "there. Only the first cycle of a home takes a state import."),
}


def _column_row(column: k.Column) -> str:
    required = "yes" if column.required and column.default is None else "no"
    default = f"`{column.default}`" if column.default is not None else ""
    description = column.description
    if column.allowed:
        description += "; one of " + ", ".join(f"`{value}`" for value in column.allowed)
    return f"| `{column.name}` | {TYPE_NAMES[column.type]} | {required} | {default} | {description} |"


def inputs_markdown() -> str:
    lines = ["# Input formats", "",
             "Generated from `pipelines/ingest/kinds.py` by `python -m pipelines.ingest.docs`; do not edit by hand.",
             "",
             "Every CSV file is UTF-8 (a byte-order mark is allowed) with a header line; a file is named "
             "`<kind>.csv` or `<kind>-<anything>.csv` (e.g. `participant_profiles-2024-09.csv`) in its family's "
             "folder. Columns may come in any order; optional columns may be left out. Line numbers in "
             "messages count the header as line 1.", "",
             "What happens to bad input: a file that cannot be read (not UTF-8, not CSV, a missing or unknown "
             "column, an unknown file name) is quarantined whole; a row with a value that does not fit its "
             "column is quarantined on its own and the rest of the file goes through. Every quarantined file "
             "or line is listed in `cycles/<as_of>/quarantine.jsonl` with the field, the value, what is wrong "
             "and how to fix it. A quarantined file is tried again every cycle until it is fixed; the raw "
             "rows of an ingested file are kept in `state.duckdb` whatever happened to them.", ""]
    for family in k.FAMILIES:
        folder, text = FAMILY_TEXT[family]
        lines += [f"## {family} (`{folder}`)", "", text, ""]
        for kind in k.kinds_of(family):
            lines += [f"### `{kind.name}.csv`", "", kind.description, ""]
            if kind.key:
                lines += [f"Key: {', '.join(f'`{name}`' for name in kind.key)}.", ""]
            lines += ["| column | type | required | default | meaning |", "|---|---|---|---|---|"]
            lines += [_column_row(column) for column in kind.all_columns]
            if kind.example:
                lines += ["", "Example:", "", "```csv", ",".join(kind.column_names), kind.example, "```"]
            lines.append("")
    lines += ["## requests (`inbox/providers/<lead-provider-slug>/*.jsonl`)", "",
              "JSON Lines, one recorded API request per line, exactly as the provider would have sent it to the "
              "live write endpoints, in any of v1, v2 or v3:", "",
              "| member | type | meaning |", "|---|---|---|",
              "| `method` | string | HTTP method, e.g. `POST`, `PUT` (`PATCH` is taken as `PUT` where the live routes do) |",
              "| `path` | string | request path, e.g. `/api/v3/participant-declarations` |",
              "| `body` | object or string | the JSON body, or the raw body text as a string (it may not be JSON) |",
              "| `submitted_at` | string | RFC 3339 instant at which the provider sent it; the request takes effect then |",
              "", "Example:", "", "```json",
              '{"method":"POST","path":"/api/v3/participant-declarations","body":{"data":{"type":'
              '"participant-declaration","attributes":{"participant_id":"…","declaration_type":"started",'
              '"declaration_date":"2024-10-01T00:00:00Z","course_identifier":"ecf-induction"}}},'
              '"submitted_at":"2024-10-02T09:30:00Z"}',
              "```", "",
              "The folder names the provider (its slug): the provider whose token the request carries. A batch "
              "in an unknown provider's folder is quarantined whole. A line that is not a JSON object, or lacks "
              "`method`, `path` or a parseable `submitted_at`, is quarantined on its own; blank lines are "
              "skipped. Everything else is kept and answered by the apply stage exactly as the live API would "
              "(a body that is not JSON, an unknown route and a `GET` line get error receipts there).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(inputs_markdown(), end="")
