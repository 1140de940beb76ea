"""The UniswapV3Pool.swap loop, run on a V3Pool snapshot.

Ported from v3-core contracts/UniswapV3Pool.sol (swap: the step loop, tick crossing and the final
amounts), using routes.swap_math.compute_swap_step and the bitmap walk of routes.tick_bitmap.

Differences from running the contract, all deliberate:
- Reverts that a quoter would see are values: a zero amount is a complete no-op; a price limit on
  the wrong side of the current price gives an empty, incomplete result.
- The snapshot only knows ticks in [scan_lo, scan_hi]. The walk is run with the price limit
  tightened to the price of that boundary, which is exactly what the pool would do with that
  limit; if the swap stops there it is reported complete=False.
- While in-range liquidity is 0 the pool walks empty bitmap words one by one with zero amounts;
  we jump straight to the next initialized tick (or to the last word boundary before the price
  limit), which ends in the same state without thousands of empty steps.
- ticks_crossed is QuoterV2's count (routes.pool_ticks_counter), quirks included.

Bit-exactness needs `pool.ticks` to hold every initialized tick in the scanned range, including
ticks whose liquidity_net is 0 (liquidity_gross > 0): each one splits a step, and so the rounding.
get_sqrt_ratio_at_tick results are memoised in a bounded module-level dict (pure, deterministic).
"""

from __future__ import annotations

from bisect import bisect_left

from routes.full_math import MAX_INT256, MAX_UINT128, MathRevert
from routes.pool_ticks_counter import count_initialized_ticks_crossed
from routes.pools import SwapResult, V3Pool
from routes.swap_math import compute_swap_step
from routes.tick_bitmap import find_next_in_word
from routes.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

_SQRT_CACHE: dict[int, int] = {}
_SQRT_CACHE_MAX = 1 << 18


def _sqrt_at(tick: int) -> int:
    value = _SQRT_CACHE.get(tick)
    if value is None:
        value = get_sqrt_ratio_at_tick(tick)
        if len(_SQRT_CACHE) < _SQRT_CACHE_MAX:
            _SQRT_CACHE[tick] = value
    return value


def _jump_target(ticks, tick: int, spacing: int, zero_for_one: bool, limit: int) -> tuple[int, int] | None:
    """With zero liquidity: where the word-by-word walk would end up after its zero-amount steps.

    That is the next initialized tick, or the last bitmap-word boundary before the price limit,
    whichever comes first. Returns (tick_next, index into ticks or -1), or None when that point
    is inside the current word (an ordinary step gets there).
    """
    compressed = tick // spacing
    if zero_for_one:
        i = bisect_left(ticks, (compressed * spacing + 1,)) - 1
        next_initialized = ticks[i][0] if i >= 0 else MIN_TICK
        # the smallest word-start tick whose price is still >= the limit
        t_limit = get_tick_at_sqrt_ratio(limit)
        if _sqrt_at(t_limit) != limit:
            t_limit += 1
        boundary = -(-(-(-t_limit // spacing)) // 256) * 256 * spacing
        target, index = (boundary, -1) if boundary > next_initialized else (next_initialized, i)
        return (target, index) if target < ((compressed >> 8) << 8) * spacing else None
    i = bisect_left(ticks, ((compressed + 1) * spacing,))
    next_initialized = ticks[i][0] if i < len(ticks) else MAX_TICK
    # the largest word-end tick whose price is still <= the limit
    boundary = ((((get_tick_at_sqrt_ratio(limit) // spacing) + 1) >> 8 << 8) - 1) * spacing
    target, index = (boundary, -1) if boundary < next_initialized else (next_initialized, i)
    if index >= len(ticks):
        index = -1
    word_end = ((((compressed + 1) >> 8) << 8) + 255) * spacing
    return (target, index) if target > word_end else None


def _effective_limit(pool: V3Pool, zero_for_one: bool, sqrt_price_limit_x96: int | None) -> tuple[int, bool] | None:
    """(limit, set_by_scan_range), or None when the pool would reject the limit or can't move."""
    sqrt_p = pool.sqrt_price_x96
    if zero_for_one:
        limit = MIN_SQRT_RATIO + 1 if sqrt_price_limit_x96 is None else sqrt_price_limit_x96
        if not MIN_SQRT_RATIO < limit < sqrt_p:
            return None
        scan_price = _sqrt_at(max(pool.scan_lo, MIN_TICK))
        if scan_price > limit:
            return (scan_price, True) if scan_price < sqrt_p else None
        return limit, False
    limit = MAX_SQRT_RATIO - 1 if sqrt_price_limit_x96 is None else sqrt_price_limit_x96
    if not sqrt_p < limit < MAX_SQRT_RATIO:
        return None
    scan_price = _sqrt_at(min(pool.scan_hi, MAX_TICK))
    if scan_price < limit:
        return (scan_price, True) if scan_price > sqrt_p else None
    return limit, False


def _run(pool: V3Pool, zero_for_one: bool, amount_specified: int, limit: int) -> tuple[int, int, int, int, int]:
    """The while loop of UniswapV3Pool.swap: returns (sqrt_price, tick, liquidity, remaining, calculated)."""
    ticks, spacing, fee = pool.ticks, pool.tick_spacing, pool.fee
    sqrt_p, tick, liquidity = pool.sqrt_price_x96, pool.tick, pool.liquidity
    exact_input = amount_specified > 0
    remaining, calculated = amount_specified, 0
    step, find_next, sqrt_at = compute_swap_step, find_next_in_word, _sqrt_at  # hot loop: local lookups
    while remaining != 0 and sqrt_p != limit:
        jump = _jump_target(ticks, tick, spacing, zero_for_one, limit) if liquidity == 0 else None
        tick_next, index = jump or find_next(ticks, tick, spacing, zero_for_one)
        if tick_next < MIN_TICK:
            tick_next = MIN_TICK
        elif tick_next > MAX_TICK:
            tick_next = MAX_TICK
        price_next = sqrt_at(tick_next)
        target = limit if ((price_next < limit) if zero_for_one else (price_next > limit)) else price_next
        start = sqrt_p
        sqrt_p, step_in, step_out, step_fee = step(start, target, liquidity, remaining, fee)
        if exact_input:
            remaining -= step_in + step_fee
            calculated += step_out
        else:
            remaining += step_out
            calculated += step_in + step_fee
        if sqrt_p == price_next:
            if index >= 0:
                net = ticks[index][1]
                liquidity = liquidity - net if zero_for_one else liquidity + net
                if not 0 <= liquidity <= MAX_UINT128:
                    raise MathRevert("liquidity out of range while crossing a tick: inconsistent snapshot")
            tick = tick_next - 1 if zero_for_one else tick_next
        elif sqrt_p != start:
            tick = get_tick_at_sqrt_ratio(sqrt_p)
    return sqrt_p, tick, liquidity, remaining, calculated


def swap_v3(
    pool: V3Pool, zero_for_one: bool, amount_specified: int, sqrt_price_limit_x96: int | None = None
) -> SwapResult:
    """Run UniswapV3Pool.swap: exact input if amount_specified > 0, exact output if < 0.

    `sqrt_price_limit_x96` defaults to MIN_SQRT_RATIO + 1 / MAX_SQRT_RATIO - 1 as in the Quoter.
    amount_in includes the fee and is what the pool takes (amountSpecified - amountRemaining for
    exact input); complete=False means the price limit, the end of liquidity or the end of the
    known ticks stopped the swap first, and the amounts are what was really filled.
    """
    if amount_specified == 0:
        return SwapResult(0, 0, True, 0, pool)
    if not -MAX_INT256 <= amount_specified <= MAX_INT256:
        raise ValueError("amount does not fit in int256")
    bounds = _effective_limit(pool, zero_for_one, sqrt_price_limit_x96)
    if bounds is None:
        return SwapResult(0, 0, False, 0, pool)
    limit, scan_bound = bounds
    sqrt_p, tick, liquidity, remaining, calculated = _run(pool, zero_for_one, amount_specified, limit)
    if amount_specified > 0:
        amount_in, amount_out = amount_specified - remaining, calculated
    else:
        amount_in, amount_out = calculated, remaining - amount_specified
    # stopping exactly on the scan boundary may differ from the real walk: never call that complete
    complete = remaining == 0 and not (scan_bound and sqrt_p == limit)
    crossed = count_initialized_ticks_crossed(pool.ticks, pool.tick_spacing, pool.tick, tick)
    if sqrt_p == pool.sqrt_price_x96 and tick == pool.tick and liquidity == pool.liquidity:
        after = pool
    else:
        after = V3Pool(
            pool.address, pool.token0, pool.token1, pool.fee, pool.tick_spacing, sqrt_p, tick, liquidity,
            pool.ticks, pool.scan_lo, pool.scan_hi, pool.dex,
        )
    return SwapResult(amount_in, amount_out, complete, crossed, after)


def _direction(pool: V3Pool, token_in: str) -> bool:
    if token_in == pool.token0:
        return True
    if token_in == pool.token1:
        return False
    raise ValueError(f"token {token_in} is not in pool {pool.address}")


def swap_v3_exact_in(
    pool: V3Pool, token_in: str, amount_in: int, sqrt_price_limit_x96: int | None = None
) -> SwapResult:
    """Sell exactly `amount_in` (fee included) of `token_in` into the pool."""
    if amount_in < 0:
        raise ValueError("amount_in can't be negative")
    return swap_v3(pool, _direction(pool, token_in), amount_in, sqrt_price_limit_x96)


def swap_v3_exact_out(
    pool: V3Pool, token_in: str, amount_out: int, sqrt_price_limit_x96: int | None = None
) -> SwapResult:
    """Buy exactly `amount_out` of the other token, paying `token_in`."""
    if amount_out < 0:
        raise ValueError("amount_out can't be negative")
    return swap_v3(pool, _direction(pool, token_in), -amount_out, sqrt_price_limit_x96)
