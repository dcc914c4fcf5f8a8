"""Money is ``Decimal`` with the currency's precision (cents), never a float (#12).

A float cannot hold 0.10 exactly, and an amount with a third decimal would be rounded silently by the
database's ``NUMERIC(12, 2)``: both are refused where an amount enters, so what is checked against a
limit is exactly what is stored.
"""

from decimal import Decimal

CENT = Decimal("0.01")  # Huddle's amounts are in one currency with two decimals


def in_cents(amount) -> bool:
    """Whether ``amount`` is a finite ``Decimal`` with at most the currency's two decimals."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"money must be a Decimal, not {type(amount).__name__}")
    return amount.is_finite() and amount == amount.quantize(CENT)
