"""Pure rules that turn a quote into the bounds a transaction enforces.

The stricter bound wins. When an intent has both a slippage tolerance and an explicit
minimum ("for at least 2,700 USDC"), the transaction's minimum output is the larger of
the two; for exact output, its maximum input is the smaller of the two. A limit price
is one more explicit bound of the same kind. Rounding always favours the trader: a
minimum rounds up, a maximum rounds down.
"""

from __future__ import annotations

from fractions import Fraction

from solver.intent.model import BPS, LimitPrice


def slippage_min_out(quoted_out: int, slippage_bps: int) -> int:
    """The least output a slippage tolerance accepts: ceil(out * (1 - s))."""
    _check(quoted_out, slippage_bps)
    return -(-quoted_out * (BPS - slippage_bps) // BPS)


def slippage_max_in(quoted_in: int, slippage_bps: int) -> int:
    """The most input a slippage tolerance accepts: floor(in * (1 + s))."""
    _check(quoted_in, slippage_bps)
    return quoted_in * (BPS + slippage_bps) // BPS


def effective_min_out(quoted_out: int, *, slippage_bps: int,
                      min_amount_out: int | None = None) -> int:
    """max(slippage-derived minimum, explicit minimum): the stricter one wins."""
    derived = slippage_min_out(quoted_out, slippage_bps)
    return derived if min_amount_out is None else max(derived, min_amount_out)


def effective_max_in(quoted_in: int, *, slippage_bps: int,
                     max_amount_in: int | None = None) -> int:
    """min(slippage-derived maximum, explicit maximum): the stricter one wins."""
    derived = slippage_max_in(quoted_in, slippage_bps)
    return derived if max_amount_in is None else min(derived, max_amount_in)


def limit_min_out(limit: LimitPrice, *, amount_in: int, sell_address: str) -> int:
    """The least output a limit price allows for `amount_in` sold (rounded up)."""
    out_per_in = _out_per_in(limit, sell_address)
    return _ceil(amount_in * out_per_in)


def limit_max_in(limit: LimitPrice, *, amount_out: int, sell_address: str) -> int:
    """The most input a limit price allows for `amount_out` bought (rounded down)."""
    out_per_in = _out_per_in(limit, sell_address)
    return int(amount_out / out_per_in)  # Fraction -> floor for positive values


def _out_per_in(limit: LimitPrice, sell_address: str) -> Fraction:
    """The limit as base units bought per base unit sold, whichever way it was written."""
    if limit.base.address == sell_address:
        return limit.ratio
    if limit.quote.address == sell_address:
        return 1 / limit.ratio
    raise ValueError("the limit price is not in the tokens of this trade")


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def _check(amount: int, slippage_bps: int) -> None:
    if amount < 0:
        raise ValueError("amount must not be negative")
    if not 0 <= slippage_bps < BPS:
        raise ValueError(f"slippage_bps {slippage_bps} outside [0, 10000)")
