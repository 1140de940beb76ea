"""Float curves of pools: fast, close approximations of what a pool pays, for ranking and steering.

The exact integer math (routes.swap) is what the router reports, but it is far too slow to call
thousands of times per route. A curve answers "what does this pool pay for a cumulative input x
in one direction" in O(log ticks) with plain floats, and its inverse, its marginal rate and the
number of initialized ticks crossed. Path pruning and the split optimizer run on curves; every
candidate the router keeps is then re-executed with the exact math. Floats never leave this
module as amounts.

Both curve kinds share one shape: a piecewise description of cumulative gross input `C[i]` and
cumulative output `O[i]` at each segment start, so that a pool used by several legs is modelled
by its cumulative input (the legs trade one after another along the same curve).
"""

from __future__ import annotations

from bisect import bisect_right
from math import inf

from routes.pools import V2Pool, V3Pool

Q96 = float(1 << 96)
# Stay a hair inside a V3 snapshot's known range, so that an allocation the curve accepts is
# never reported incomplete by the exact math because of float rounding at the last tick.
_CAP_MARGIN = 1.0 - 1e-6


class V2Curve:
    """x*y=k with the fee on the input: out(x) = r_out * g*x / (r_in + g*x)."""

    __slots__ = ("r_in", "r_out", "g", "cap_in", "cap_out", "spot")

    def __init__(self, reserve_in: int, reserve_out: int, fee_bps: int) -> None:
        self.r_in = float(reserve_in)
        self.r_out = float(reserve_out)
        self.g = (10_000 - fee_bps) / 10_000
        self.cap_in = inf if reserve_in > 0 and reserve_out > 0 else 0.0
        self.cap_out = self.r_out * _CAP_MARGIN if self.cap_in else 0.0
        # mid price (no fee): output per unit of input at zero size
        self.spot = self.r_out / self.r_in if self.cap_in else 0.0

    def out(self, x: float) -> float:
        if x <= 0.0 or not self.cap_in:
            return 0.0
        gx = self.g * x
        return self.r_out * gx / (self.r_in + gx)

    def inp(self, y: float) -> float:
        if y <= 0.0:
            return 0.0
        if y > self.cap_out:
            return inf
        return self.r_in * y / (self.g * (self.r_out - y))

    def marginal(self, x: float) -> float:
        if not self.cap_in:
            return 0.0
        d = self.r_in + self.g * max(x, 0.0)
        return self.r_out * self.g * self.r_in / (d * d)

    def ticks(self, x: float) -> int:
        return 0


class V3Curve:
    """Concentrated liquidity: one constant-L segment between consecutive initialized ticks."""

    __slots__ = ("zero_for_one", "g", "C", "O", "S", "L", "cap_in", "cap_out", "spot")

    def __init__(self, pool: V3Pool, zero_for_one: bool) -> None:
        self.zero_for_one = zero_for_one
        self.g = 1.0 - pool.fee / 1_000_000
        s = pool.sqrt_price_x96 / Q96
        self.spot = s * s if zero_for_one else 1.0 / (s * s)
        self.C, self.O, self.S, self.L = _segments(pool, zero_for_one, self.g)
        self.cap_in = self.C[-1] * _CAP_MARGIN
        self.cap_out = self.O[-1] * _CAP_MARGIN

    def _seg(self, x: float) -> tuple[int, float]:
        i = bisect_right(self.C, x) - 1
        return i, (x - self.C[i]) * self.g

    def out(self, x: float) -> float:
        # the hottest function of the router: kept flat on purpose
        if x <= 0.0:
            return 0.0
        if x >= self.cap_in:
            x = self.cap_in
        C = self.C
        i = bisect_right(C, x) - 1
        L = self.L
        if i >= len(L):
            return self.O[-1]
        r = (x - C[i]) * self.g
        s, liq = self.S[i], L[i]
        if self.zero_for_one:
            return self.O[i] + r * s * s * liq / (liq + r * s)
        return self.O[i] + r * liq / (s * (s * liq + r))

    def inp(self, y: float) -> float:
        if y <= 0.0:
            return 0.0
        if y > self.cap_out:
            return inf
        i = bisect_right(self.O, y) - 1
        rem, s, liq = y - self.O[i], self.S[i], self.L[i]
        if self.zero_for_one:
            r = rem * liq / (s * (s * liq - rem))
        else:
            r = rem * s * s * liq / (liq - rem * s)
        return self.C[i] + r / self.g

    def marginal(self, x: float) -> float:
        if x >= self.cap_in:
            return 0.0
        i, r = self._seg(max(x, 0.0))
        if i >= len(self.L):
            return 0.0
        s, liq = self.S[i], self.L[i]
        if self.zero_for_one:
            s_new = s * liq / (liq + r * s)
            return self.g * s_new * s_new
        s_new = s + r / liq
        return self.g / (s_new * s_new)

    def ticks(self, x: float) -> int:
        """Initialized ticks crossed by a cumulative input x (the gas model charges for them)."""
        if x <= 0.0:
            return 0
        i = bisect_right(self.C, min(x, self.cap_in)) - 1
        return max(0, min(i, len(self.L) - 1))


def _sqrt_at_tick(tick: int) -> float:
    return 1.0001 ** (tick / 2)


def _segments(pool: V3Pool, zero_for_one: bool, g: float):
    """Cumulative (gross input, output) at each initialized tick in the swap's direction.

    Segment i runs from S[i] with liquidity L[i]; C and O have one more entry (the end). A
    zero-liquidity gap costs no input, so it shows as a repeated C/O value that bisect skips.
    """
    s, liq_int = pool.sqrt_price_x96 / Q96, pool.liquidity  # liquidity stays an exact int
    C, O, S, L = [0.0], [0.0], [], []
    crossing = pool.crossings(zero_for_one)
    c = o = 0.0
    for tick, delta in crossing:
        sb = _sqrt_at_tick(tick)
        liq = float(liq_int)
        if zero_for_one:
            sb = min(sb, s)
            dx, dy = (liq * (1.0 / sb - 1.0 / s), liq * (s - sb)) if liq > 0 else (0.0, 0.0)
        else:
            sb = max(sb, s)
            dx, dy = (liq * (sb - s), liq * (1.0 / s - 1.0 / sb)) if liq > 0 else (0.0, 0.0)
        S.append(s)
        L.append(liq if liq > 0 else 1.0)  # L is only read inside non-empty segments
        c += dx / g
        o += dy
        C.append(c)
        O.append(o)
        s, liq_int = sb, max(liq_int + delta, 0)
    return C, O, S, L


def build_curve(pool: V2Pool | V3Pool, token_in: str):
    """The curve of `pool` when selling `token_in`."""
    zero_for_one = token_in == pool.token0
    if pool.__class__ is V2Pool:
        if zero_for_one:
            return V2Curve(pool.reserve0, pool.reserve1, pool.fee_bps)
        return V2Curve(pool.reserve1, pool.reserve0, pool.fee_bps)
    return V3Curve(pool, zero_for_one)


def spot_rate(pool: V2Pool | V3Pool, token_in: str) -> float:
    """Mid price: output per unit of input at zero size, before fees."""
    zero_for_one = token_in == pool.token0
    if pool.__class__ is V2Pool:
        r_in, r_out = (pool.reserve0, pool.reserve1) if zero_for_one else (pool.reserve1, pool.reserve0)
        return r_out / r_in if r_in > 0 else 0.0
    s = pool.sqrt_price_x96 / Q96
    return s * s if zero_for_one else 1.0 / (s * s)


def fee_fraction(pool: V2Pool | V3Pool) -> float:
    return pool.fee_bps / 10_000 if pool.__class__ is V2Pool else pool.fee / 1_000_000
