"""One pool's best trade against fixed token prices: the per-pool term of the routing dual.

At prices where one unit of the input token is worth `p` units of the output token, the most
valuable trade with a pool sells input until the pool's marginal rate falls to `p` (concave
curve: past that point every extra unit returns less than it is worth). `trade(p)` gives that
trade (gross input x, output y) and how fast x moves with the price, w = -p * dx/dp (the
curvature the dual optimizer uses as a preconditioner).

Accuracy is what makes the routing bound (routes.bound) certified, so these tables are built
here rather than taken from routes.curves:
- V3 segment amounts come from TickMath's exact sqrt ratios, with the price difference taken in
  integers and rounded once (Python's int / int). The float curves use 1.0001 ** (tick / 2),
  whose ~4e-13 relative error is amplified by the cancellation in L * (1/sb - 1/s) on a segment
  that starts next to a tick: measured 2e-8 on one such segment, and up to 8e-10 more output
  from the exact math than from the float curve on a whole trade.
- Inside a segment, x and y are both derived from one ratio rho = s_new / s, so the (x, y)
  returned lies on the real-valued curve to a few ulps even where rho is within rounding of 1
  (only how close it is to the optimum suffers, and that error is second order in the value).
The real-valued curves pay at least what the contracts' integer math pays: V2 floors its output,
and every V3 rounding (fee, amounts, next price) is in the pool's favour.
"""

from __future__ import annotations

from bisect import bisect_right
from math import sqrt

from routes.pools import V2Pool, V3Pool
from routes.tick_math import get_sqrt_ratio_at_tick

Q96 = 1 << 96
NO_TRADE = (0.0, 0.0, 0.0)


class V2Side:
    """x*y=k with the fee on the input: out(x) = r_out * g*x / (r_in + g*x)."""

    __slots__ = ("r_in", "r_out", "g", "m0", "capacity", "w0")

    def __init__(self, reserve_in: int, reserve_out: int, fee_bps: int) -> None:
        self.r_in, self.r_out = float(reserve_in), float(reserve_out)
        self.g = (10_000 - fee_bps) / 10_000
        self.m0 = self.g * self.r_out / self.r_in  # marginal rate at zero size
        self.capacity = self.r_out  # output it can never reach
        self.w0 = self.r_in / (2.0 * self.g)  # w as the first trade starts

    def out(self, x: float) -> float:
        gx = self.g * x
        return self.r_out * gx / (self.r_in + gx) if x > 0.0 else 0.0

    def trade(self, p: float) -> tuple[float, float, float]:
        if p >= self.m0:
            return NO_TRADE
        r_in, g = self.r_in, self.g
        # out'(x) = g r_in r_out / (r_in + g x)^2 = p  <=>  r_in + g x = d
        d = sqrt(g * self.r_out) * sqrt(r_in / p)  # in two roots: no overflow at extreme prices
        t = d - r_in  # g * x; y is taken from the same t, so (x, y) stays on the curve
        if t <= 0.0:
            return NO_TRADE
        return t / g, self.r_out * t / (r_in + t), d / (2.0 * g)


class V3Side:
    """Concentrated liquidity: constant-L segments between initialized ticks, in trade order.

    Segment i starts at sqrt price S[i] with liquidity L[i] (0.0 in a gap); C[i] and O[i] are the
    cumulative gross input and output at its start (one more entry: the end of the last).
    """

    __slots__ = ("zero_for_one", "g", "S", "E", "L", "C", "O", "neg_m", "m0", "capacity", "w0")

    def __init__(self, pool: V3Pool, zero_for_one: bool) -> None:
        self.zero_for_one = zero_for_one
        self.g = 1.0 - pool.fee / 1_000_000
        self.S, self.E, self.L, self.C, self.O = _segments(pool, zero_for_one, self.g)
        g = self.g
        # marginal rate (output per gross input) at each segment start: decreasing along the trade
        m = [g * s * s for s in self.S] if zero_for_one else [g / (s * s) for s in self.S]
        self.neg_m = [-v for v in m]
        self.m0 = m[0] if self.O[-1] > 0.0 else 0.0
        self.capacity = self.O[-1]
        # w as the first trade starts (in the first segment that has liquidity)
        s0, liq0 = next(((s, v) for s, v in zip(self.S, self.L) if v > 0.0), (1.0, 0.0))
        self.w0 = liq0 / (2.0 * g * s0) if zero_for_one else liq0 * s0 / (2.0 * g)

    def out(self, x: float) -> float:
        """What a gross input x pays (for tests and checks; the dual only needs trade)."""
        if x <= 0.0:
            return 0.0
        i = bisect_right(self.C, x) - 1
        if i >= len(self.L):
            return self.O[-1]
        r, liq, s = (x - self.C[i]) * self.g, self.L[i], self.S[i]
        if liq == 0.0:
            return self.O[i]
        y = r * s * s * liq / (liq + r * s) if self.zero_for_one else r * liq / (s * (s * liq + r))
        return min(self.O[i] + y, self.O[i + 1])

    def trade(self, p: float) -> tuple[float, float, float]:
        if p >= self.m0:
            return NO_TRADE
        i = bisect_right(self.neg_m, -p) - 1  # the last segment whose start still pays more than p
        liq = self.L[i]
        if liq == 0.0:  # a gap: no price inside it can be traded at
            return self.C[i], self.O[i], 0.0
        s, g, end = self.S[i], self.g, self.E[i]
        if self.zero_for_one:  # price falls; marginal g * s_new^2 = p
            rho = sqrt(p / g) / s
            if rho <= end / s:
                return self.C[i + 1], self.O[i + 1], 0.0
            r = liq / s * (1.0 / rho - 1.0)
            y = liq * s * (1.0 - rho)
            w = liq / (2.0 * g * s * rho)
        else:  # price rises; marginal g / s_new^2 = p
            rho = sqrt(g / p) / s
            if rho >= end / s:
                return self.C[i + 1], self.O[i + 1], 0.0
            r = liq * s * (rho - 1.0)
            y = liq / s * (1.0 - 1.0 / rho)
            w = liq * s * rho / (2.0 * g)
        return self.C[i] + r / g, self.O[i] + y, w


def _segments(pool: V3Pool, zero_for_one: bool, g: float):
    """The segment tables, from exact sqrt ratios (see the module docstring for why)."""
    s_x96, liq = pool.sqrt_price_x96, pool.liquidity
    crossing = pool.crossings(zero_for_one)
    S, E, L, C, O = [], [], [], [0.0], [0.0]
    c = o = 0.0
    for tick, delta in crossing:
        b_x96 = get_sqrt_ratio_at_tick(tick)
        b_x96 = min(b_x96, s_x96) if zero_for_one else max(b_x96, s_x96)
        diff = abs(s_x96 - b_x96)
        # token0 moved = L * (1/sb - 1/s) = L * diff * Q96 / (s * sb); token1 moved = L * diff / Q96
        amount0 = liq * diff * Q96 / (s_x96 * b_x96) if liq > 0 else 0.0
        amount1 = liq * diff / Q96 if liq > 0 else 0.0
        dx, dy = (amount0, amount1) if zero_for_one else (amount1, amount0)
        S.append(s_x96 / Q96)
        E.append(b_x96 / Q96)
        L.append(float(liq) if liq > 0 else 0.0)
        c += dx / g
        o += dy
        C.append(c)
        O.append(o)
        s_x96, liq = b_x96, max(liq + delta, 0)
    return S, E, L, C, O


def build_sides(pool: V2Pool | V3Pool) -> tuple | None:
    """(token0 -> token1 side, token1 -> token0 side), or None for a pool that can't trade."""
    if pool.__class__ is V2Pool:
        if pool.reserve0 <= 0 or pool.reserve1 <= 0:
            return None
        return (V2Side(pool.reserve0, pool.reserve1, pool.fee_bps),
                V2Side(pool.reserve1, pool.reserve0, pool.fee_bps))
    sides = (V3Side(pool, True), V3Side(pool, False))
    if sides[0].capacity <= 0.0 and sides[1].capacity <= 0.0:
        return None
    return sides
