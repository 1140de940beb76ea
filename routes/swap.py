"""Swap dispatch: one entry point per trade kind for any pool snapshot (V2 pair or V3 pool).

These are the functions the router calls in its hot loops; each returns a SwapResult whose
`pool_after` lets paths that share a pool be evaluated in execution order.
"""

from __future__ import annotations

from routes.pools import SwapResult, V2Pool, V3Pool
from routes.v2_math import swap_v2_exact_in, swap_v2_exact_out
from routes.v3_swap import swap_v3_exact_in, swap_v3_exact_out


def swap_exact_in(pool: V2Pool | V3Pool, token_in: str, amount_in: int) -> SwapResult:
    """Sell exactly `amount_in` of `token_in` into `pool`."""
    if pool.__class__ is V2Pool:
        return swap_v2_exact_in(pool, token_in, amount_in)
    if pool.__class__ is V3Pool:
        return swap_v3_exact_in(pool, token_in, amount_in)
    raise TypeError(f"unsupported pool type {type(pool).__name__}")


def swap_exact_out(pool: V2Pool | V3Pool, token_in: str, amount_out: int) -> SwapResult:
    """Buy exactly `amount_out` of the other token from `pool`, paying with `token_in`."""
    if pool.__class__ is V2Pool:
        return swap_v2_exact_out(pool, token_in, amount_out)
    if pool.__class__ is V3Pool:
        return swap_v3_exact_out(pool, token_in, amount_out)
    raise TypeError(f"unsupported pool type {type(pool).__name__}")
