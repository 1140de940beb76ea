"""What the devnet's pools hold: real mainnet V3 pools rebuilt tick by tick, plus derived V2/V3 pools.

Pure planning, no I/O beyond reading the packaged data files. The seeder (seed.py) turns a
plan into transactions and checks the result on chain.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from importlib import resources

from solver.devnet.deploy import TOKENS

Q192 = 2**192
MAX_TICK = 887272
DATA_FILES = ("mainnet_v3_pools.json", "mainnet_v3_pools_at_blocks.json")
TICK_SPACINGS = {100: 1, 500: 10, 3000: 60, 10000: 200}
USD = 10**6  # prices are in USDC base units, so one dollar is 10**6


@dataclass(frozen=True, slots=True)
class V3PoolPlan:
    token0: str
    token1: str
    fee: int
    tick_spacing: int
    sqrt_price_x96: int
    ranges: tuple[tuple[int, int, int], ...]  # (tick_lower, tick_upper, liquidity)
    source: str
    # For pools rebuilt from data: the state the chain must end up in.
    expected_tick: int | None = None
    expected_liquidity: int | None = None
    expected_ticks: tuple[tuple[int, int], ...] = ()  # (tick, liquidityNet)


@dataclass(frozen=True, slots=True)
class V2PairPlan:
    token0: str
    token1: str
    reserve0: int
    reserve1: int
    source: str


@dataclass(frozen=True, slots=True)
class SeedPlan:
    v3: tuple[V3PoolPlan, ...]
    v2: tuple[V2PairPlan, ...]
    skipped: tuple[str, ...]  # data pools left out, with the reason


# Pools the data lacks, so that routes compete: V2 against V3, one tier against another, and
# multi-hop through WETH. Depth is dollars per side, smaller than the real pools'.
# V3 positions: (dollars per side, half-width in ticks or None for the full range).
EXTRA_V3 = (
    ("LINK", "WETH", 500, ((300_000, None), (1_000_000, 600))),
    ("WBTC", "WETH", 500, ((1_000_000, None), (4_000_000, 400))),
    ("WETH", "DAI", 3000, ((1_000_000, None), (2_000_000, 1200))),
    ("DAI", "USDC", 100, ((200_000, None), (3_000_000, 20))),
    ("USDC", "USDT", 100, ((200_000, None), (5_000_000, 20))),
    ("UNI", "WETH", 3000, ((300_000, None), (500_000, 1800))),
)
EXTRA_V2 = (
    ("WETH", "USDC", 8_000_000),
    ("WETH", "USDT", 6_000_000),
    ("WETH", "DAI", 4_000_000),
    ("USDC", "USDT", 2_000_000),
    ("DAI", "USDC", 3_000_000),
    ("WBTC", "WETH", 5_000_000),
    ("WBTC", "USDC", 1_000_000),
    ("LINK", "WETH", 1_500_000),
    ("cbBTC", "WBTC", 500_000),
    ("UNI", "WETH", 2_000_000),
)
# Which data pool sets each token's price (in USDC base units per base unit of the token).
# Order matters: each pool's other token must already be priced. DAI has no V3 pool in the
# data and is pinned at one dollar.
PRICE_REFERENCES = (
    ("WETH", "USDC", "WETH", 500),
    ("USDT", "WETH", "USDT", 3000),
    ("WBTC", "WBTC", "WETH", 3000),
    ("LINK", "LINK", "WETH", 3000),
    ("cbBTC", "WBTC", "cbBTC", 100),
    ("UNI", "UNI", "WETH", 500),
)


def _address(symbol: str) -> str:
    for token in TOKENS:
        if token.symbol == symbol:
            return token.address
    raise KeyError(symbol)


def _sorted_pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if int(a, 16) < int(b, 16) else (b, a)


def load_data_pools() -> list[tuple[str, dict]]:
    """(file name, pool) for every pool of the packaged data files."""
    pools = []
    for name in DATA_FILES:
        text = resources.files("solver.data").joinpath(name).read_text()
        pools += [(name, pool) for pool in json.loads(text)["pools"]]
    return pools


def ranges_from_ticks(ticks: list[tuple[int, int]]) -> tuple[tuple[int, int, int], ...]:
    """One range per interval between consecutive initialized ticks, carrying the interval's
    active liquidity (the running sum of liquidityNet); empty intervals are skipped.

    Minting exactly these makes every tick's liquidityNet equal the data's.
    """
    ranges, active = [], 0
    for (tick, net), (next_tick, _) in zip(ticks, ticks[1:]):
        active += net
        if active < 0:
            raise ValueError(f"active liquidity goes negative at tick {tick}")
        if active > 0:
            ranges.append((tick, next_tick, active))
    if active + ticks[-1][1] != 0:
        raise ValueError("liquidityNet does not sum to zero")
    return tuple(ranges)


def _data_pool_plan(file_name: str, pool: dict) -> V3PoolPlan:
    ticks = [(int(t[0]), int(t[1])) for t in pool["ticks"]]
    return V3PoolPlan(
        token0=_checksum(pool["token0"]["address"]), token1=_checksum(pool["token1"]["address"]),
        fee=int(pool["fee"]), tick_spacing=int(pool["tick_spacing"]),
        sqrt_price_x96=int(pool["sqrtPriceX96"]), ranges=ranges_from_ticks(ticks),
        source=f"{file_name}: {pool['source']}", expected_tick=int(pool["tick"]),
        expected_liquidity=int(pool["liquidity"]), expected_ticks=tuple(ticks))


def _checksum(address: str) -> str:
    for token in TOKENS:
        if token.address.lower() == address.lower():
            return token.address
    raise ValueError(f"data pool token {address} is not one of the devnet's tokens")


def price_table(data_pools: list[V3PoolPlan]) -> dict[str, Fraction]:
    """Each token's price in USDC base units per base unit, from the seeded pools' mid prices."""
    prices = {"USDC": Fraction(1), "DAI": Fraction(1, 10**12)}
    by_key = {(p.token0, p.token1, p.fee): p for p in data_pools}
    for symbol, sym0, sym1, fee in PRICE_REFERENCES:
        pool = by_key[(_address(sym0), _address(sym1), fee)]
        # token1 per token0, in base units
        ratio = Fraction(pool.sqrt_price_x96**2, Q192)
        prices[symbol] = prices[sym1] * ratio if symbol == sym0 else prices[sym0] / ratio
    return prices


def sqrt_price_x96_for(prices: dict[str, Fraction], sym0: str, sym1: str) -> int:
    ratio = prices[sym0] / prices[sym1]  # token1 base units per token0 base unit
    return math.isqrt(ratio.numerator * Q192 // ratio.denominator)


def approx_tick(sqrt_price_x96: int) -> int:
    """The tick at a price, to within one: good enough to place ranges around it."""
    return math.floor(2 * math.log(sqrt_price_x96 / 2**96) / math.log(1.0001))


def _synthetic_v3(prices: dict[str, Fraction], sym_a: str, sym_b: str, fee: int,
                  positions: tuple) -> V3PoolPlan:
    token0, token1 = _sorted_pair(_address(sym_a), _address(sym_b))
    sym0, sym1 = (sym_a, sym_b) if token0 == _address(sym_a) else (sym_b, sym_a)
    spacing = TICK_SPACINGS[fee]
    sqrt_price = sqrt_price_x96_for(prices, sym0, sym1)
    tick = approx_tick(sqrt_price)
    ranges = []
    for dollars, half_width in positions:
        amount0 = int(dollars * USD / prices[sym0])
        amount1 = int(dollars * USD / prices[sym1])
        full_range = math.isqrt(amount0 * amount1)  # L = sqrt(x*y) for reserves x and y
        if half_width is None:
            edge = MAX_TICK // spacing * spacing
            ranges.append((-edge, edge, full_range))
        else:
            # A range of +-w ticks holds about w/20000 of the full-range amounts per unit of L,
            # so scaling L by 20000/w puts roughly `dollars` on each side inside it.
            lower = (tick - half_width) // spacing * spacing
            upper = -((-(tick + half_width)) // spacing) * spacing
            ranges.append((lower, upper, full_range * 20_000 // half_width))
    return V3PoolPlan(token0=token0, token1=token1, fee=fee, tick_spacing=spacing,
                      sqrt_price_x96=sqrt_price, ranges=tuple(ranges),
                      source="synthetic: priced from the seeded V3 mid prices")


def _synthetic_v2(prices: dict[str, Fraction], sym_a: str, sym_b: str, dollars: int) -> V2PairPlan:
    token0, token1 = _sorted_pair(_address(sym_a), _address(sym_b))
    sym0, sym1 = (sym_a, sym_b) if token0 == _address(sym_a) else (sym_b, sym_a)
    return V2PairPlan(token0=token0, token1=token1,
                      reserve0=int(dollars * USD / prices[sym0]), reserve1=int(dollars * USD / prices[sym1]),
                      source="synthetic: priced from the seeded V3 mid prices")


def build_plan() -> SeedPlan:
    """Every pool the devnet gets.

    All Uniswap V3 pools of the data are rebuilt, except a pool whose token pair and fee is
    already taken by an earlier one (one factory holds one pool per pair and fee) and pools of
    other protocols (the PancakeSwap V3 pool: a different factory and deployer).
    """
    v3: list[V3PoolPlan] = []
    skipped: list[str] = []
    taken: set[tuple[str, str, int]] = set()
    for file_name, pool in load_data_pools():
        label = f"{pool['token0']['symbol']}/{pool['token1']['symbol']} {pool['fee']} from {file_name}"
        if pool["protocol"] != "uniswap_v3":
            skipped.append(f"{label}: protocol {pool['protocol']} is not Uniswap V3")
            continue
        plan = _data_pool_plan(file_name, pool)
        key = (plan.token0, plan.token1, plan.fee)
        if key in taken:
            skipped.append(f"{label}: this pair and fee is already seeded from another snapshot")
            continue
        taken.add(key)
        v3.append(plan)
    prices = price_table(v3)
    for sym_a, sym_b, fee, positions in EXTRA_V3:
        plan = _synthetic_v3(prices, sym_a, sym_b, fee, positions)
        if (plan.token0, plan.token1, plan.fee) in taken:
            raise ValueError(f"extra V3 pool {sym_a}/{sym_b} {fee} collides with a data pool")
        v3.append(plan)
    v2 = tuple(_synthetic_v2(prices, a, b, dollars) for a, b, dollars in EXTRA_V2)
    return SeedPlan(v3=tuple(v3), v2=v2, skipped=tuple(skipped))
