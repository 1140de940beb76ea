"""Square-root price moves and token deltas between two prices.

Ported from v3-core/contracts/libraries/SqrtPriceMath.sol. Where the Solidity code takes a
different path when a uint256 product overflows (getNextSqrtPriceFromAmount0RoundingUp),
the same test is made here, because the two paths round differently.
"""

from __future__ import annotations

from routes.full_math import (
    MAX_INT256,
    MAX_UINT160,
    MAX_UINT256,
    MathRevert,
    div_rounding_up,
    mul_div,
    mul_div_rounding_up,
)

Q96 = 1 << 96
RESOLUTION = 96


def get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96: int, liquidity: int, amount: int, add: bool) -> int:
    """The price after adding (removing) `amount` of token0, rounded up."""
    if amount == 0:
        return sqrt_px96
    numerator1 = liquidity << RESOLUTION
    product = amount * sqrt_px96
    if add:
        if product <= MAX_UINT256:
            denominator = numerator1 + product
            if denominator <= MAX_UINT256:
                return mul_div_rounding_up(numerator1, sqrt_px96, denominator)
        # the uint256 product or sum overflowed: Solidity falls back to a formula that rounds differently
        if sqrt_px96 == 0:
            raise MathRevert("division by zero")
        divisor = numerator1 // sqrt_px96 + amount
        if divisor > MAX_UINT256:
            raise MathRevert("add overflow")
        return div_rounding_up(numerator1, divisor)
    if product > MAX_UINT256 or numerator1 <= product:
        raise MathRevert("amount0 out exceeds the virtual reserve")
    result = mul_div_rounding_up(numerator1, sqrt_px96, numerator1 - product)
    if result > MAX_UINT160:
        raise MathRevert("toUint160")
    return result


def get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96: int, liquidity: int, amount: int, add: bool) -> int:
    """The price after adding (removing) `amount` of token1, rounded down."""
    if add:
        if amount <= MAX_UINT160:
            if liquidity == 0:
                raise MathRevert("division by zero")
            quotient = (amount << RESOLUTION) // liquidity
        else:
            quotient = mul_div(amount, Q96, liquidity)
        result = sqrt_px96 + quotient
        if result > MAX_UINT160:
            raise MathRevert("toUint160")
        return result
    if amount <= MAX_UINT160:
        quotient = div_rounding_up(amount << RESOLUTION, liquidity)
    else:
        quotient = mul_div_rounding_up(amount, Q96, liquidity)
    if sqrt_px96 <= quotient:
        raise MathRevert("amount1 out exceeds the virtual reserve")
    return sqrt_px96 - quotient


def get_next_sqrt_price_from_input(sqrt_px96: int, liquidity: int, amount_in: int, zero_for_one: bool) -> int:
    """The price after swapping `amount_in` in; rounds so as not to pass the target price."""
    if sqrt_px96 <= 0:
        raise MathRevert("sqrt price must be positive")
    if liquidity <= 0:
        raise MathRevert("liquidity must be positive")
    if zero_for_one:
        return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_in, True)
    return get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96, liquidity, amount_in, True)


def get_next_sqrt_price_from_output(sqrt_px96: int, liquidity: int, amount_out: int, zero_for_one: bool) -> int:
    """The price after taking `amount_out` out; rounds so as to pass the target price."""
    if sqrt_px96 <= 0:
        raise MathRevert("sqrt price must be positive")
    if liquidity <= 0:
        raise MathRevert("liquidity must be positive")
    if zero_for_one:
        return get_next_sqrt_price_from_amount1_rounding_down(sqrt_px96, liquidity, amount_out, False)
    return get_next_sqrt_price_from_amount0_rounding_up(sqrt_px96, liquidity, amount_out, False)


def get_amount0_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """Token0 between two prices: liquidity * (sqrtB - sqrtA) / (sqrtA * sqrtB)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if sqrt_ratio_a_x96 <= 0:
        raise MathRevert("sqrt price must be positive")
    numerator1 = liquidity << RESOLUTION
    numerator2 = sqrt_ratio_b_x96 - sqrt_ratio_a_x96
    if round_up:
        return div_rounding_up(mul_div_rounding_up(numerator1, numerator2, sqrt_ratio_b_x96), sqrt_ratio_a_x96)
    return mul_div(numerator1, numerator2, sqrt_ratio_b_x96) // sqrt_ratio_a_x96


def get_amount1_delta(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int, round_up: bool) -> int:
    """Token1 between two prices: liquidity * (sqrtB - sqrtA)."""
    if sqrt_ratio_a_x96 > sqrt_ratio_b_x96:
        sqrt_ratio_a_x96, sqrt_ratio_b_x96 = sqrt_ratio_b_x96, sqrt_ratio_a_x96
    if round_up:
        return mul_div_rounding_up(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)
    return mul_div(liquidity, sqrt_ratio_b_x96 - sqrt_ratio_a_x96, Q96)


def _to_int256(value: int) -> int:
    if value > MAX_INT256:
        raise MathRevert("toInt256")
    return value


def get_amount0_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Signed token0 delta for a signed liquidity change (rounded up when adding, down when removing)."""
    if liquidity < 0:
        return -_to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return _to_int256(get_amount0_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))


def get_amount1_delta_signed(sqrt_ratio_a_x96: int, sqrt_ratio_b_x96: int, liquidity: int) -> int:
    """Signed token1 delta for a signed liquidity change (rounded up when adding, down when removing)."""
    if liquidity < 0:
        return -_to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, -liquidity, False))
    return _to_int256(get_amount1_delta(sqrt_ratio_a_x96, sqrt_ratio_b_x96, liquidity, True))
