"""Seeded synthetic markets for the bench and tests: many tokens, V2 pairs and V3 pools.

What makes them realistic enough to bench a router on:
- token popularity is Zipf-like, so a few hubs (WETH, USDC, USDT, DAI, WBTC) touch most pools and
  the long tail touches one or two;
- pool TVL is heavy-tailed (Pareto, alpha ~1.1), hub-to-hub pools are deeper still;
- each pool's price is the token's "true" price with a small independent error (a few bps), so
  different paths really do pay differently;
- V3 pools carry 1 to 12 positions around the price (narrow to full-range), turned into an
  initialized-tick list with liquidity_net, exactly as the pool contract stores them;
- fee tiers follow the pair: stable pairs at 1-5 bps, majors at 5-30, the tail at 30-100.
Everything derives from `random.Random(seed)`: same seed, same market, byte for byte.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from routes.pools import MAX_TICK, MIN_TICK, V2Pool, V3Pool
from routes.tick_math import get_sqrt_ratio_at_tick

_HUBS = (("WETH", 18, 3000.0), ("USDC", 6, 1.0), ("USDT", 6, 1.0), ("DAI", 18, 1.0), ("WBTC", 8, 60000.0))
_SPACING = {100: 1, 500: 10, 3000: 60, 10000: 200}
_LOG_TICK = math.log(1.0001)


@dataclass(frozen=True, slots=True)
class Token:
    address: str
    symbol: str
    decimals: int
    price_usd: float

    def amount_for_usd(self, usd: float) -> int:
        """Base units worth `usd` (for building bench trades)."""
        return max(1, int(usd / self.price_usd * 10 ** self.decimals))


@dataclass(frozen=True, slots=True)
class Market:
    """The pools and tokens; `depth_usd[address]` is the TVL of all pools holding the token."""

    pools: tuple[V2Pool | V3Pool, ...]
    tokens: tuple[Token, ...]
    depth_usd: dict[str, float]

    @property
    def hubs(self) -> tuple[Token, ...]:
        return self.tokens[:len(_HUBS)]

    def token(self, symbol: str) -> Token:
        return next(t for t in self.tokens if t.symbol == symbol)


def build_market(n_pools: int, *, seed: int = 0, v3_share: float = 0.5,
                 n_tokens: int | None = None) -> Market:
    """A market of `n_pools` pools over about n_pools/4 tokens (at least 12)."""
    rng = random.Random(seed)
    tokens = _make_tokens(rng, n_tokens or max(12, n_pools // 4))
    weights = [1.0 / (k + 1) ** 1.1 for k in range(len(tokens))]
    pools: list[V2Pool | V3Pool] = []
    seen: set = set()
    depth: dict[str, float] = {t.address: 0.0 for t in tokens}
    while len(pools) < n_pools:
        a, b = rng.choices(tokens, weights, k=2)
        if a.address == b.address:
            continue
        t0, t1 = (a, b) if a.address < b.address else (b, a)
        if rng.random() < v3_share:
            fee = _fee_tier(rng, t0, t1)
            kind = ("v3", fee)
        else:
            fee = 25 if rng.random() < 0.15 else 30
            kind = ("v2", "pancake" if fee == 25 else rng.choice(("uniswap-v2", "sushiswap")))
        if (t0.address, t1.address, kind) in seen:
            continue
        seen.add((t0.address, t1.address, kind))
        tvl = _tvl(rng, t0, t1)
        depth[t0.address] += tvl
        depth[t1.address] += tvl
        address = _address(rng)
        if kind[0] == "v3":
            pools.append(_v3_pool(rng, address, t0, t1, fee, tvl))
        else:
            pools.append(_v2_pool(rng, address, t0, t1, kind[1], fee, tvl))
    return Market(tuple(pools), tuple(tokens), depth)


def _address(rng: random.Random) -> str:
    return "0x" + "".join(rng.choice("0123456789abcdef") for _ in range(40))


def _make_tokens(rng: random.Random, count: int) -> list[Token]:
    tokens = [Token(_address(rng), sym, dec, price) for sym, dec, price in _HUBS]
    for k in range(len(tokens), count):
        price = 10 ** rng.uniform(-4, 3)
        tokens.append(Token(_address(rng), f"T{k}", rng.choice((18, 18, 18, 6, 8)), price))
    return tokens


def _is_stable(t: Token) -> bool:
    return t.symbol in ("USDC", "USDT", "DAI")


def _fee_tier(rng: random.Random, t0: Token, t1: Token) -> int:
    if _is_stable(t0) and _is_stable(t1):
        return rng.choice((100, 100, 500))
    hubs = {h[0] for h in _HUBS}
    if t0.symbol in hubs and t1.symbol in hubs:
        return rng.choice((500, 500, 3000, 100))
    return rng.choice((3000, 3000, 10000, 500))


def _tvl(rng: random.Random, t0: Token, t1: Token) -> float:
    tvl = 5_000.0 * (1.0 / (1.0 - rng.random())) ** (1 / 1.1)
    hubs = {h[0] for h in _HUBS}
    if t0.symbol in hubs and t1.symbol in hubs:
        tvl *= 100
    return min(tvl, 5e8)


def _raw_price(rng: random.Random, t0: Token, t1: Token) -> float:
    """token1 base units per token0 base unit, with a small pool-specific error."""
    true = (t0.price_usd / 10 ** t0.decimals) / (t1.price_usd / 10 ** t1.decimals)
    return true * (1.0 + rng.gauss(0.0, 0.002))


def _v2_pool(rng, address, t0, t1, dex, fee_bps, tvl) -> V2Pool:
    price = _raw_price(rng, t0, t1)
    r0 = max(10_000, int(tvl / 2 / t0.price_usd * 10 ** t0.decimals))
    r1 = max(10_000, int(r0 * price))
    return V2Pool(address, t0.address, t1.address, r0, r1, fee_bps, dex)


def _v3_pool(rng, address, t0, t1, fee, tvl) -> V3Pool:
    spacing = _SPACING[fee]
    price = _raw_price(rng, t0, t1)
    tick = max(MIN_TICK + 1, min(MAX_TICK - 2, math.floor(math.log(price) / _LOG_TICK)))
    lo_sqrt, hi_sqrt = get_sqrt_ratio_at_tick(tick), get_sqrt_ratio_at_tick(tick + 1)
    sqrt_price_x96 = lo_sqrt + int((hi_sqrt - lo_sqrt) * rng.uniform(0.05, 0.95))
    s = sqrt_price_x96 / 2 ** 96
    value1 = tvl / t1.price_usd * 10 ** t1.decimals  # the pool's value in token1 base units
    net: dict[int, int] = {}
    active = 0
    n_pos = rng.randint(1, 12)
    shares = [rng.expovariate(1.0) for _ in range(n_pos)]
    usable_lo = -(-MIN_TICK // spacing) * spacing
    usable_hi = (MAX_TICK // spacing) * spacing
    for share in shares:
        if rng.random() < 0.15:
            lower, upper = usable_lo, usable_hi
        else:
            width = math.exp(rng.uniform(math.log(2 * spacing), math.log(8000)))
            centre = tick + rng.gauss(0.0, width / 3)
            lower = max(usable_lo, math.floor((centre - width / 2) / spacing) * spacing)
            upper = min(usable_hi, max(lower + spacing, math.ceil((centre + width / 2) / spacing) * spacing))
        liquidity = _liquidity_for_value(s, lower, upper, value1 * share / sum(shares))
        if liquidity <= 0:
            continue
        net[lower] = net.get(lower, 0) + liquidity
        net[upper] = net.get(upper, 0) - liquidity
        if lower <= tick < upper:
            active += liquidity
    ticks = tuple(sorted((t, n) for t, n in net.items() if n != 0))
    return V3Pool(address, t0.address, t1.address, fee, spacing, sqrt_price_x96, tick, active, ticks)


def _liquidity_for_value(s: float, lower: int, upper: int, value1: float) -> int:
    sa, sb = 1.0001 ** (lower / 2), 1.0001 ** (upper / 2)
    if s <= sa:  # all token0
        per_l = s * s * (1.0 / sa - 1.0 / sb)
    elif s >= sb:  # all token1
        per_l = sb - sa
    else:
        per_l = (s - sa) + s * s * (1.0 / s - 1.0 / sb)
    return int(value1 / per_l) if per_l > 0 else 0
