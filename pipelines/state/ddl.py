"""SQL for the typed input tables, rendered from the input registry.

`sql/migrations/002_inputs.sql` is this module's output, committed so the schema is versioned
with the code; a test fails when the registry and the file drift apart
(regenerate with `python -m pipelines.state.ddl > sql/migrations/002_inputs.sql`).
"""

from __future__ import annotations

from pipelines.ingest import kinds as k

SQL_TYPES = {
    k.TEXT: "VARCHAR",
    k.INT: "INTEGER",
    k.BOOL: "BOOLEAN",
    k.DATE: "DATE",
    k.INSTANT: "TIMESTAMP",
    k.MONEY: "DECIMAL(38, 10)",
    k.RATIO: "DECIMAL(38, 10)",
}
PROVENANCE = (
    ("file_id", "INTEGER", "The file the row came from (ingested_files.file_id)."),
    ("line_number", "INTEGER", "Line number in the file, the header being line 1."),
)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def kind_table_sql(kind: k.Kind) -> str:
    columns = [f"    {name} {sql_type} NOT NULL" for name, sql_type, _ in PROVENANCE]
    columns += [f"    {c.name} {SQL_TYPES[c.type]}" for c in kind.all_columns]
    lines = [f"CREATE TABLE {kind.table} (", ",\n".join(columns) + ",",
             "    PRIMARY KEY (file_id, line_number)", ");",
             f"COMMENT ON TABLE {kind.table} IS {_quote(f'Input {kind.family}/{kind.name}: ' + kind.description)};"]
    for name, _, description in PROVENANCE:
        lines.append(f"COMMENT ON COLUMN {kind.table}.{name} IS {_quote(description)};")
    for column in kind.all_columns:
        lines.append(f"COMMENT ON COLUMN {kind.table}.{column.name} IS {_quote(column_comment(column))};")
    return "\n".join(lines)


def column_comment(column: k.Column) -> str:
    text = column.description[:1].upper() + column.description[1:]
    if column.allowed:
        text += f" (one of: {', '.join(column.allowed)})"
    return text + "."


def inputs_migration_sql() -> str:
    header = ("-- Typed input tables, one per input kind (docs/inputs.md). Generated from\n"
              "-- pipelines/ingest/kinds.py by `python -m pipelines.state.ddl`; do not edit by hand.\n")
    return header + "\n\n".join(kind_table_sql(kind) for kind in k.KINDS) + "\n"


if __name__ == "__main__":
    print(inputs_migration_sql(), end="")
