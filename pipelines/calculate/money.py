"""Exact money: the decimal context every statement figure is computed in, and the one display rounding.

Ruby BigDecimal keeps about 40 significant digits of a quotient (payments.md §3.1, §5.4), so every
calculation runs in a 40-digit context; figures are never rounded except by `display_pounds`.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from contextlib import AbstractContextManager
from functools import lru_cache

ZERO = Decimal(0)
PENNY = Decimal("0.01")
MONEY_CONTEXT = Context(prec=40, rounding=ROUND_HALF_EVEN)


def money_context() -> AbstractContextManager:
    """`with money_context():` — the context every statement figure is computed in."""
    return localcontext(MONEY_CONTEXT)


def to_money(value: object) -> Decimal:
    """A money value from the state (Decimal, int or exact string); never from a float."""
    if isinstance(value, float):
        raise TypeError("money is never a binary float")
    return Decimal(value if value is not None else 0)


def round_half_up(value: Decimal, places: int = 2) -> Decimal:
    """Rails `number_to_currency` rounding: halves away from zero (−2.345 → −2.35)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@lru_cache(maxsize=1 << 16)  # statements repeat the same few fees and zeros many times
def display_pounds(value: Decimal) -> str:
    """A figure as the statement page shows it: `£1,234.50`, `-£5,132.79`, `£0.00` for a negative zero."""
    rounded = round_half_up(value)
    if rounded == 0:
        return "£0.00"
    text = f"£{abs(rounded):,.2f}"
    return f"-{text}" if rounded < 0 else text


@lru_cache(maxsize=1 << 16)
def exact_text(value: Decimal) -> str:
    """The unrounded value as a plain decimal string (no exponent), for JSON and the state tables."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
