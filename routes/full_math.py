"""512-bit multiply-then-divide with uint256 semantics.

Ported from v3-core/contracts/libraries/FullMath.sol (mulDiv, mulDivRoundingUp) and
UnsafeMath.sol (divRoundingUp). Solidity needs a 512-bit product and a modular inverse to
get floor(a*b/d) exactly; Python integers are exact, so only the reverts remain to port:
a zero denominator, and a result that does not fit in 256 bits.
"""

from __future__ import annotations

MAX_UINT256 = (1 << 256) - 1
MAX_UINT160 = (1 << 160) - 1
MAX_UINT128 = (1 << 128) - 1
MAX_INT256 = (1 << 255) - 1


class MathRevert(ValueError):
    """Raised where the Solidity code would revert (overflow, division by zero, a failed require)."""


def _check_uint256(*values: int) -> None:
    for value in values:
        if not 0 <= value <= MAX_UINT256:
            raise MathRevert(f"{value} is not a uint256")


def mul_div(a: int, b: int, denominator: int) -> int:
    """floor(a * b / denominator); reverts if denominator == 0 or the result overflows uint256."""
    _check_uint256(a, b, denominator)
    if denominator == 0:
        raise MathRevert("mul_div: division by zero")
    result = a * b // denominator
    if result > MAX_UINT256:
        raise MathRevert("mul_div: result overflows uint256")
    return result


def mul_div_rounding_up(a: int, b: int, denominator: int) -> int:
    """ceil(a * b / denominator); reverts like mul_div, and also if rounding up overflows."""
    result = mul_div(a, b, denominator)
    if a * b % denominator:
        if result >= MAX_UINT256:
            raise MathRevert("mul_div_rounding_up: result overflows uint256")
        result += 1
    return result


def div_rounding_up(x: int, y: int) -> int:
    """UnsafeMath.divRoundingUp: ceil(x / y), and 0 when y == 0 (EVM `div` by zero is 0)."""
    if y == 0:
        return 0
    return -(-x // y)
