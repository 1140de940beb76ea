"""Constant-product (Uniswap V2) quoting: the UniswapV2Library formulas and pair swaps.

Ported from v2-periphery/contracts/libraries/UniswapV2Library.sol (getAmountOut, getAmountIn).
The fee is generalised from the hard-coded 997/1000 to (10000 - fee_bps)/10000; for
fee_bps=30 both numerator and denominator are scaled by exactly 10, so every result is
identical to the Solidity one.

Outcomes the pair would refuse are values, not exceptions, in the swap functions:
- exact in: if the output rounds to 0 (the pair reverts INSUFFICIENT_OUTPUT_AMOUNT) or a
  reserve is empty, the result is complete=False with amount_in=amount_out=0.
- exact out: if amount_out >= reserve_out no input can buy it (the library reverts); we report
  complete=False with amount_in=amount_out=0 rather than a "maximum obtainable" of
  reserve_out - 1, which would need an absurd input and is never a useful fill.
"""

from __future__ import annotations

from routes.pools import SwapResult, V2Pool

_BPS = 10_000


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """UniswapV2Library.getAmountOut: the output bought by `amount_in` (rounded down).

    Raises ValueError where the library reverts (non-positive input or an empty reserve).
    """
    if amount_in <= 0:
        raise ValueError("INSUFFICIENT_INPUT_AMOUNT")
    if reserve_in <= 0 or reserve_out <= 0:
        raise ValueError("INSUFFICIENT_LIQUIDITY")
    amount_in_with_fee = amount_in * (_BPS - fee_bps)
    return amount_in_with_fee * reserve_out // (reserve_in * _BPS + amount_in_with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int, fee_bps: int = 30) -> int:
    """UniswapV2Library.getAmountIn: the input needed to buy `amount_out` (rounded up, +1 as upstream).

    Raises ValueError where the library reverts (non-positive output, empty reserves, or
    amount_out >= reserve_out, which underflows or divides by zero in Solidity).
    """
    if amount_out <= 0:
        raise ValueError("INSUFFICIENT_OUTPUT_AMOUNT")
    if reserve_in <= 0 or reserve_out <= 0:
        raise ValueError("INSUFFICIENT_LIQUIDITY")
    if amount_out >= reserve_out:
        raise ValueError("INSUFFICIENT_LIQUIDITY: amount_out >= reserve_out")
    numerator = reserve_in * amount_out * _BPS
    denominator = (reserve_out - amount_out) * (_BPS - fee_bps)
    return numerator // denominator + 1


def _reserves(pool: V2Pool, token_in: str) -> tuple[bool, int, int]:
    if token_in == pool.token0:
        return True, pool.reserve0, pool.reserve1
    if token_in == pool.token1:
        return False, pool.reserve1, pool.reserve0
    raise ValueError(f"token {token_in} is not in pair {pool.address}")


def _after(pool: V2Pool, zero_for_one: bool, amount_in: int, amount_out: int) -> V2Pool:
    if zero_for_one:
        r0, r1 = pool.reserve0 + amount_in, pool.reserve1 - amount_out
    else:
        r0, r1 = pool.reserve0 - amount_out, pool.reserve1 + amount_in
    return V2Pool(pool.address, pool.token0, pool.token1, r0, r1, pool.fee_bps, pool.dex)


def swap_v2_exact_in(pool: V2Pool, token_in: str, amount_in: int) -> SwapResult:
    """Sell exactly `amount_in` of `token_in` into the pair."""
    zero_for_one, reserve_in, reserve_out = _reserves(pool, token_in)
    if amount_in < 0:
        raise ValueError("amount_in can't be negative")
    if amount_in == 0:
        return SwapResult(0, 0, True, 0, pool)
    if reserve_in <= 0 or reserve_out <= 0:
        return SwapResult(0, 0, False, 0, pool)
    amount_in_with_fee = amount_in * (_BPS - pool.fee_bps)
    amount_out = amount_in_with_fee * reserve_out // (reserve_in * _BPS + amount_in_with_fee)
    if amount_out == 0:
        return SwapResult(0, 0, False, 0, pool)
    return SwapResult(amount_in, amount_out, True, 0, _after(pool, zero_for_one, amount_in, amount_out))


def swap_v2_exact_out(pool: V2Pool, token_in: str, amount_out: int) -> SwapResult:
    """Buy exactly `amount_out` of the other token, paying `token_in`."""
    zero_for_one, reserve_in, reserve_out = _reserves(pool, token_in)
    if amount_out < 0:
        raise ValueError("amount_out can't be negative")
    if amount_out == 0:
        return SwapResult(0, 0, True, 0, pool)
    if reserve_in <= 0 or amount_out >= reserve_out:
        return SwapResult(0, 0, False, 0, pool)
    amount_in = reserve_in * amount_out * _BPS // ((reserve_out - amount_out) * (_BPS - pool.fee_bps)) + 1
    return SwapResult(amount_in, amount_out, True, 0, _after(pool, zero_for_one, amount_in, amount_out))
