"""Manipulation guard: pools whose mid price strays from the rest of the market for their pair.

A pool pushed off-market (a sandwich in progress, a flash-loan manipulation, a stale pool
nobody arbitrages) quotes a price the trade will not really get, or one that only an
attacker profits from. For each pool with a price, the reference is the depth-weighted
median of the other evidence for the same pair:
- every other pool of the pair, weighted by its depth (virtual reserve of token0);
- every 2-hop path token0 -> X -> token1, priced by the weighted median of each leg's pools
  and weighted by the shallower leg's depth (converted to token0).

deviation_bps = (max(p/ref, ref/p) - 1) * 10_000. Rule:
- flagged (a warning) when deviation_bps > warn_bps;
- excluded from routing when deviation_bps > exclude_bps AND the evidence against the pool
  is at least as deep as the pool itself. A deep pool that disagrees with a thin one is only
  flagged: the thin one is the likelier liar, and it is assessed (and excluded) on its own.
A pool with no active liquidity (weight 0) is never evidence for others, so an attacker
can't move the reference by emptying a pool.

Prices and depths are floats: they rank and compare, they never become amounts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable, Sequence

from routes.pools import V2Pool, V3Pool

Q96 = float(1 << 96)
DEFAULT_WARN_BPS = 500
DEFAULT_EXCLUDE_BPS = 2_000


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    warn_bps: int = DEFAULT_WARN_BPS
    exclude_bps: int = DEFAULT_EXCLUDE_BPS

    def __post_init__(self) -> None:
        if not 0 < self.warn_bps <= self.exclude_bps:
            raise ValueError("need 0 < warn_bps <= exclude_bps")


@dataclass(frozen=True, slots=True)
class PriceDeviation:
    """One flagged pool. Prices are token1 per token0 in base units (mid, before fees)."""

    pool: str
    token0: str
    token1: str
    price: float
    reference: float
    deviation_bps: int
    sources: int
    excluded: bool


@dataclass(frozen=True, slots=True)
class _Quote:
    log_price: float  # log(token1 per token0), base units
    depth0: float     # virtual reserve of token0
    depth1: float     # virtual reserve of token1


def _quote(pool: V2Pool | V3Pool) -> _Quote | None:
    if isinstance(pool, V2Pool):
        if pool.reserve0 <= 0 or pool.reserve1 <= 0:
            return None
        return _Quote(math.log(pool.reserve1) - math.log(pool.reserve0),
                      float(pool.reserve0), float(pool.reserve1))
    if pool.sqrt_price_x96 <= 0:
        return None
    sqrt_price = pool.sqrt_price_x96 / Q96
    return _Quote(2.0 * math.log(sqrt_price), pool.liquidity / sqrt_price,
                  pool.liquidity * sqrt_price)


def weighted_median(values: Iterable[tuple[float, float]]) -> float | None:
    """The value at half the total weight; None when nothing carries weight."""
    items = sorted((v, w) for v, w in values if w > 0)
    total = sum(w for _, w in items)
    if total <= 0:
        return None
    running = 0.0
    for value, weight in items:
        running += weight
        if running >= total / 2:
            return value
    return items[-1][0]  # pragma: no cover - float rounding only


class _Market:
    """Per ordered pair (a, b): each pool's log price of b per a and its depth in a."""

    def __init__(self, pools: Sequence[V2Pool | V3Pool]) -> None:
        self.quotes: dict[str, _Quote] = {}
        self.by_pair: dict[tuple[str, str], list[tuple[str, float, float]]] = {}
        self.neighbours: dict[str, set[str]] = {}
        for pool in pools:
            q = _quote(pool)
            if q is None:
                continue
            self.quotes[pool.address] = q
            t0, t1 = pool.token0, pool.token1
            self.by_pair.setdefault((t0, t1), []).append((pool.address, q.log_price, q.depth0))
            self.by_pair.setdefault((t1, t0), []).append((pool.address, -q.log_price, q.depth1))
            self.neighbours.setdefault(t0, set()).add(t1)
            self.neighbours.setdefault(t1, set()).add(t0)
        self._legs: dict[tuple[str, str], tuple[float, float] | None] = {}

    def leg(self, a: str, b: str) -> tuple[float, float] | None:
        """(median log price of b per a, total depth in a) over the pools of a/b."""
        if (a, b) not in self._legs:
            entries = self.by_pair.get((a, b), [])
            median = weighted_median((lp, d) for _, lp, d in entries)
            depth = sum(d for _, _, d in entries)
            self._legs[(a, b)] = None if median is None else (median, depth)
        return self._legs[(a, b)]

    def evidence(self, address: str, t0: str, t1: str) -> list[tuple[float, float]]:
        """(log price of t1 per t0, weight in t0) from everything but the pool itself."""
        out = [(lp, d) for other, lp, d in self.by_pair.get((t0, t1), []) if other != address]
        for x in sorted(self.neighbours.get(t0, set()) & self.neighbours.get(t1, set())):  # same order every run
            if x in (t0, t1):
                continue
            first, second = self.leg(t0, x), self.leg(x, t1)
            if first is None or second is None:
                continue
            # the second leg's depth is in x: x / (x per t0) is t0
            depth = min(first[1], second[1] / math.exp(first[0]))
            out.append((first[0] + second[0], depth))
        return [(lp, w) for lp, w in out if w > 0 and math.isfinite(lp) and math.isfinite(w)]


def assess_pools(pools: Sequence[V2Pool | V3Pool],
                 policy: GuardPolicy = GuardPolicy()) -> tuple[PriceDeviation, ...]:
    """Every pool whose mid price deviates more than policy.warn_bps from its reference."""
    market = _Market(pools)
    flagged = []
    for pool in pools:
        q = market.quotes.get(pool.address)
        if q is None:
            continue
        evidence = market.evidence(pool.address, pool.token0, pool.token1)
        reference = weighted_median(evidence)
        if reference is None:
            continue
        gap = abs(q.log_price - reference)
        deviation_bps = 10**9 if gap > 20 else int((math.exp(gap) - 1.0) * 10_000)
        if deviation_bps <= policy.warn_bps:
            continue
        outweighed = sum(w for _, w in evidence) >= q.depth0
        flagged.append(PriceDeviation(
            pool=pool.address, token0=pool.token0, token1=pool.token1,
            price=math.exp(q.log_price), reference=math.exp(reference),
            deviation_bps=deviation_bps, sources=len(evidence),
            excluded=deviation_bps > policy.exclude_bps and outweighed))
    return tuple(flagged)
