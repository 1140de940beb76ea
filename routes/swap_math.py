"""One step of a V3 swap: how far the price moves within one tick range, and the amounts.

Ported from v3-core 1.0.1 contracts/libraries/SwapMath.sol (computeSwapStep). Exact input when
`amount_remaining >= 0`, exact output when it is negative.

The SqrtPriceMath calls are inlined as plain integer arithmetic because the router runs this in
hot loops. Inside a swap step the inputs are bounded (prices in (0, 2^160), liquidity < 2^128,
|amount_remaining| < 2^255), and within those bounds none of the inlined operations can hit a
Solidity revert, so exact Python floors/ceilings equal FullMath's results. The one place where
Solidity changes formula on a uint256 overflow (adding token0, getNextSqrtPriceFromAmount0RoundingUp)
is reproduced. compute_swap_step_checked is the line-by-line port on top of the checked
routes.sqrt_price_math functions; the tests hold the fast version to it.
"""

from __future__ import annotations

from routes import sqrt_price_math as spm
from routes.full_math import mul_div, mul_div_rounding_up

_MAX_UINT256 = (1 << 256) - 1
_PIPS = 1_000_000


def compute_swap_step(
    sqrt_ratio_current_x96: int,
    sqrt_ratio_target_x96: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> tuple[int, int, int, int]:
    """Return (sqrt_ratio_next_x96, amount_in, amount_out, fee_amount) for one step."""
    cur = sqrt_ratio_current_x96
    tgt = sqrt_ratio_target_x96
    zero_for_one = cur >= tgt
    n1 = liquidity << 96

    if amount_remaining >= 0:
        less_fee = amount_remaining * (_PIPS - fee_pips) // _PIPS
        if zero_for_one:
            amount_in = -(-(-(-n1 * (cur - tgt) // cur)) // tgt)  # amount0, rounded up twice
        else:
            amount_in = -((-liquidity * (tgt - cur)) >> 96)  # amount1, rounded up
        if less_fee >= amount_in:
            nxt = tgt
        elif less_fee == 0:
            nxt = cur
        elif zero_for_one:
            product = less_fee * cur
            denominator = n1 + product
            if denominator <= _MAX_UINT256:  # implies product fits too
                nxt = -(-n1 * cur // denominator)
            else:
                nxt = -(-n1 // (n1 // cur + less_fee))
        else:
            nxt = cur + (less_fee << 96) // liquidity
        reached = nxt == tgt
        if zero_for_one:
            if not reached:
                amount_in = -(-(-(-n1 * (cur - nxt) // cur)) // nxt)
            amount_out = (liquidity * (cur - nxt)) >> 96
        else:
            if not reached:
                amount_in = -((-liquidity * (nxt - cur)) >> 96)
            amount_out = n1 * (nxt - cur) // nxt // cur
        if reached:
            fee_amount = -(-amount_in * fee_pips // (_PIPS - fee_pips))
        else:
            fee_amount = amount_remaining - amount_in
        return nxt, amount_in, amount_out, fee_amount

    wanted = -amount_remaining
    if zero_for_one:
        amount_out = (liquidity * (cur - tgt)) >> 96
    else:
        amount_out = n1 * (tgt - cur) // tgt // cur
    if wanted >= amount_out:
        nxt = tgt
    elif zero_for_one:
        nxt = cur - -(-(wanted << 96) // liquidity)
    else:
        nxt = -(-n1 * cur // (n1 - wanted * cur))
    reached = nxt == tgt
    if zero_for_one:
        amount_in = -(-(-(-n1 * (cur - nxt) // cur)) // nxt)
        if not reached:
            amount_out = (liquidity * (cur - nxt)) >> 96
    else:
        amount_in = -((-liquidity * (nxt - cur)) >> 96)
        if not reached:
            amount_out = n1 * (nxt - cur) // nxt // cur
    if amount_out > wanted:
        amount_out = wanted
    fee_amount = -(-amount_in * fee_pips // (_PIPS - fee_pips))
    return nxt, amount_in, amount_out, fee_amount


def compute_swap_step_checked(
    sqrt_ratio_current_x96: int,
    sqrt_ratio_target_x96: int,
    liquidity: int,
    amount_remaining: int,
    fee_pips: int,
) -> tuple[int, int, int, int]:
    """SwapMath.computeSwapStep written line by line on the checked library (slow; the reference)."""
    cur, tgt = sqrt_ratio_current_x96, sqrt_ratio_target_x96
    zero_for_one = cur >= tgt
    exact_in = amount_remaining >= 0
    amount_in = amount_out = 0
    if exact_in:
        less_fee = mul_div(amount_remaining, _PIPS - fee_pips, _PIPS)
        amount_in = (
            spm.get_amount0_delta(tgt, cur, liquidity, True)
            if zero_for_one
            else spm.get_amount1_delta(cur, tgt, liquidity, True)
        )
        if less_fee >= amount_in:
            nxt = tgt
        else:
            nxt = spm.get_next_sqrt_price_from_input(cur, liquidity, less_fee, zero_for_one)
    else:
        amount_out = (
            spm.get_amount1_delta(tgt, cur, liquidity, False)
            if zero_for_one
            else spm.get_amount0_delta(cur, tgt, liquidity, False)
        )
        if -amount_remaining >= amount_out:
            nxt = tgt
        else:
            nxt = spm.get_next_sqrt_price_from_output(cur, liquidity, -amount_remaining, zero_for_one)
    reached = tgt == nxt
    if zero_for_one:
        if not (reached and exact_in):
            amount_in = spm.get_amount0_delta(nxt, cur, liquidity, True)
        if not (reached and not exact_in):
            amount_out = spm.get_amount1_delta(nxt, cur, liquidity, False)
    else:
        if not (reached and exact_in):
            amount_in = spm.get_amount1_delta(cur, nxt, liquidity, True)
        if not (reached and not exact_in):
            amount_out = spm.get_amount0_delta(cur, nxt, liquidity, False)
    if not exact_in and amount_out > -amount_remaining:
        amount_out = -amount_remaining
    if exact_in and nxt != tgt:
        fee_amount = amount_remaining - amount_in
    else:
        fee_amount = mul_div_rounding_up(amount_in, fee_pips, _PIPS - fee_pips)
    return nxt, amount_in, amount_out, fee_amount
