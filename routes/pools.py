"""Pool snapshots: immutable, validated state of one V2 pair or V3 pool at one block.

These are domain types. The edge (solver.reader) turns RPC answers into them, and their
constructors reject impossible values, so the math never sees a pool that can't exist.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MIN_TICK = -887272
MAX_TICK = 887272

UNISWAP_V2 = "uniswap_v2"
UNISWAP_V3 = "uniswap_v3"


@dataclass(frozen=True, slots=True)
class V2Pool:
    """A constant-product pair. `fee_bps` is 30 for Uniswap V2 (997/1000); forks differ."""

    address: str
    token0: str
    token1: str
    reserve0: int
    reserve1: int
    fee_bps: int = 30
    dex: str = "uniswap-v2"
    protocol: str = field(default=UNISWAP_V2, init=False)

    def __post_init__(self) -> None:
        if self.token0 == self.token1:
            raise ValueError("a pair needs two different tokens")
        if self.reserve0 < 0 or self.reserve1 < 0:
            raise ValueError("reserves can't be negative")
        if not 0 <= self.fee_bps < 10_000:
            raise ValueError("fee_bps must be in [0, 10000)")

    def other(self, token: str) -> str:
        return self.token1 if token == self.token0 else self.token0


@dataclass(frozen=True, slots=True)
class V3Pool:
    """A concentrated-liquidity pool.

    `ticks` holds the initialized ticks known to the snapshot as (tick, liquidity_net),
    sorted by tick. The snapshot only knows the ticks inside [`scan_lo`, `scan_hi`]:
    a swap that would have to go past that range is reported as incomplete rather than
    guessed. `fee` is in pips (500 = 0.05%).
    """

    address: str
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    sqrt_price_x96: int
    tick: int
    liquidity: int
    ticks: tuple[tuple[int, int], ...] = ()
    scan_lo: int = MIN_TICK
    scan_hi: int = MAX_TICK
    dex: str = "uniswap-v3"
    protocol: str = field(default=UNISWAP_V3, init=False)

    def __post_init__(self) -> None:
        if self.token0 == self.token1:
            raise ValueError("a pool needs two different tokens")
        if self.liquidity < 0:
            raise ValueError("liquidity can't be negative")
        if not 0 < self.fee < 1_000_000:
            raise ValueError("fee must be in (0, 1e6) pips")
        if self.tick_spacing <= 0:
            raise ValueError("tick_spacing must be positive")
        if not MIN_TICK <= self.tick <= MAX_TICK:
            raise ValueError("tick out of range")

    def other(self, token: str) -> str:
        return self.token1 if token == self.token0 else self.token0

    def crossings(self, zero_for_one: bool) -> list[tuple[int, int]]:
        """The known initialized ticks a swap in this direction crosses, in order, as (tick,
        liquidity change when crossed), ending with the end of the known range (change 0).
        The float curves and the bound's tables are both built by walking this list."""
        if zero_for_one:
            limit = max(self.scan_lo, MIN_TICK)
            crossing = [(t, -net) for t, net in reversed(self.ticks) if limit <= t <= self.tick]
        else:
            limit = min(self.scan_hi, MAX_TICK)
            crossing = [(t, net) for t, net in self.ticks if self.tick < t <= limit]
        crossing.append((limit, 0))
        return crossing


Pool = V2Pool | V3Pool


@dataclass(frozen=True, slots=True)
class SwapResult:
    """What one pool does with one swap.

    `complete` is False when the pool (or the known part of its ticks) ran out before the
    requested amount was filled: `amount_in`/`amount_out` are then what was really filled,
    never an extrapolation. `pool_after` is the pool state after the swap, so that paths
    sharing a pool can be evaluated in execution order.
    """

    amount_in: int
    amount_out: int
    complete: bool
    ticks_crossed: int
    pool_after: Pool
