"""Many resources at once: compact JSON and CSV rows made column-wise by polars. The JSON equals
`json_bytes.live_json` of each resource; the CSV follows Ruby's CSV writer (`csv_cell`, the one
place the quoting rule lives). tests/test_columnar_records.py holds both to one-at-a-time oracles.

polars encodes a struct as compact JSON with its fields in order, strings escaped as the json gem
does (`\\n`, `\\"`, `\\u001f`, raw UTF-8 otherwise); the ActiveSupport escapes (`&<>`, U+2028/U+2029)
are applied afterwards, exactly as `live_json` does to orjson's output.
"""

from __future__ import annotations

from operator import attrgetter

import polars as pl

from api_export.timestamps import micros

__all__ = ["object_table", "rfc3339_of", "json_expr", "escape_json", "escaped_json", "csv_cell", "csv_row_expr",
           "csv_rows", "flat_resources"]

_RFC3339 = "%Y-%m-%dT%H:%M:%SZ"  # `serializers.rfc3339`: polars truncates the fraction as Ruby does

_ESCAPES = (("&", "\\u0026"), ("<", "\\u003c"), (">", "\\u003e"), ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))
_QUOTED = r'[",\r\n]'
_ANY_ESCAPED = "[" + "".join(raw for raw, _ in _ESCAPES) + "]"


def object_table(objects: list, text: tuple[str, ...] = (), instants: tuple[str, ...] = (),
                 flags: tuple[str, ...] = (), integers: tuple[str, ...] = ()) -> pl.DataFrame:
    """The named fields of `objects` as columns, one C-level `attrgetter` pass per field (a Python call
    per object and field would cost several times more); instants as UTC microseconds (`micros`)."""
    columns = {name: pl.Series(name, list(map(attrgetter(name), objects)), pl.String) for name in text}
    columns.update({name: pl.Series(name, [None if v is None else micros(v) for v in map(attrgetter(name), objects)],
                                    pl.Int64) for name in instants})
    columns.update({name: pl.Series(name, list(map(attrgetter(name), objects)), pl.Boolean) for name in flags})
    columns.update({name: pl.Series(name, list(map(attrgetter(name), objects)), pl.Int32) for name in integers})
    return pl.DataFrame(columns)


def rfc3339_of(instant: pl.Expr) -> pl.Expr:
    """`serializers.rfc3339` of an expression holding UTC microseconds or a datetime."""
    return instant.cast(pl.Datetime("us", "UTC")).dt.strftime(_RFC3339)


def json_expr(resource: pl.Expr) -> pl.Expr:
    """`resource` (a struct expression) as compact JSON text, before the ActiveSupport escapes."""
    return resource.struct.json_encode()


def escaped_json(frame: pl.DataFrame, resource: pl.Expr) -> pl.Series:
    """`resource` (a struct expression) of every row as the live service's JSON text."""
    return escape_json(frame.select(json_expr(resource).alias("json"))["json"])


def escape_json(encoded: pl.Series) -> pl.Series:
    """`json_expr`'s text with the ActiveSupport escapes applied, as `live_json` applies them."""
    if not encoded.str.contains(_ANY_ESCAPED).any():  # one scan; almost no record needs an escape
        return encoded
    for raw, escaped in _ESCAPES:
        if encoded.str.contains(raw, literal=True).any():
            encoded = encoded.str.replace_all(raw, escaped, literal=True)
    return encoded


def csv_cell(expr: pl.Expr) -> pl.Expr:
    """Ruby CSV: nil → `""`, empty quoted, a value with a comma, quote or line break quoted (quotes doubled)."""
    text = expr.cast(pl.String)
    quoted = pl.lit('"') + text.str.replace_all('"', '""', literal=True) + pl.lit('"')
    return (pl.when(text.is_null()).then(pl.lit('""'))
            .when((text == "") | text.str.contains(_QUOTED)).then(quoted)
            .otherwise(text))


def csv_row_expr(cells: list[pl.Expr]) -> pl.Expr:
    """A row's CSV line, `\\n`-terminated."""
    return pl.concat_str([csv_cell(c) for c in cells], separator=",") + pl.lit("\n")


def csv_rows(frame: pl.DataFrame, cells: list[pl.Expr]) -> pl.Series:
    """Each row's CSV line, `\\n`-terminated."""
    return frame.select(csv_row_expr(cells).alias("csv"))["csv"]


def flat_resources(resources: list[dict], with_csv: bool) -> tuple[pl.Series, pl.Series | None]:
    """Resources whose attributes are plain values (strings, booleans, nulls), all with the same keys:
    their JSON text and, `with_csv`, their CSV lines (`id`, then the attributes)."""
    if not resources:
        return pl.Series("json", [], pl.String), (pl.Series("csv", [], pl.String) if with_csv else None)
    names = list(resources[0]["attributes"])
    columns = {"id": [r["id"] for r in resources], "type": [r["type"] for r in resources]}
    columns.update({f"a.{name}": [r["attributes"][name] for r in resources] for name in names})
    frame = pl.DataFrame(columns, strict=False)
    attributes = [pl.col(f"a.{name}").alias(name) for name in names]
    json = escaped_json(frame, pl.struct(pl.col("id"), pl.col("type"), pl.struct(attributes).alias("attributes")))
    return json, (csv_rows(frame, [pl.col("id"), *attributes]) if with_csv else None)
