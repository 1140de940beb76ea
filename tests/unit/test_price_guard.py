"""routes.price_guard: which pools the manipulation guard flags and excludes, and why."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routes.pools import V2Pool, V3Pool
from routes.price_guard import GuardPolicy, assess_pools, weighted_median
from routes.tick_math import get_tick_at_sqrt_ratio
from solver.engine import build_market
from solver.reader import Snapshot

A, B, C = "0x" + "0a" * 20, "0x" + "0b" * 20, "0x" + "0c" * 20


def v2(name: str, price: float, depth0: int, t0: str = A, t1: str = B) -> V2Pool:
    """A pair holding depth0 of t0 at `price` t1 per t0."""
    return V2Pool(name, t0, t1, depth0, int(depth0 * price))


def v3(name: str, price: float, liquidity: int, t0: str = A, t1: str = B) -> V3Pool:
    sqrt_price = int(math.sqrt(price) * (1 << 96))
    return V3Pool(name, t0, t1, 3000, 60, sqrt_price, get_tick_at_sqrt_ratio(sqrt_price), liquidity)


def flags(pools, policy=GuardPolicy()):
    return {d.pool: d for d in assess_pools(pools, policy)}


def test_an_honest_market_raises_no_flag():
    pools = [v2("p1", 2.0, 10**21), v2("p2", 2.01, 10**20), v3("p3", 1.995, 10**21)]
    assert flags(pools) == {}


def test_a_thin_pool_far_off_is_flagged_and_excluded():
    pools = [v2("deep", 2.0, 10**21), v3("deep3", 2.0, 10**21), v2("thin", 3.0, 10**18)]
    out = flags(pools)
    assert set(out) == {"thin"}
    thin = out["thin"]
    assert thin.excluded and thin.deviation_bps == pytest.approx(5_000, abs=2)
    assert thin.sources == 2 and thin.reference == pytest.approx(2.0, rel=1e-9)


def test_between_the_thresholds_a_pool_is_flagged_but_kept():
    out = flags([v2("deep", 2.0, 10**21), v3("deep3", 2.0, 10**21), v2("thin", 2.2, 10**18)])
    assert set(out) == {"thin"} and not out["thin"].excluded
    assert out["thin"].deviation_bps == pytest.approx(1_000, abs=2)


def test_a_deep_pool_that_disagrees_with_a_thin_one_is_flagged_not_excluded():
    out = flags([v2("deep", 2.0, 10**21), v2("thin", 3.0, 10**18)])
    # Two pools, two stories: both are flagged (a trader should know), the thin one goes.
    assert out["deep"].deviation_bps == out["thin"].deviation_bps
    assert not out["deep"].excluded and out["thin"].excluded


def test_a_pool_with_no_liquidity_is_no_evidence_and_is_excluded_when_off():
    empty = v3("empty", 50.0, 0)
    out = flags([v2("deep", 2.0, 10**21), empty])
    assert set(out) == {"empty"} and out["empty"].excluded
    # It moves no reference: a second honest pool stays unflagged.
    assert flags([v2("deep", 2.0, 10**21), v2("other", 2.0, 10**20), empty]).keys() == {"empty"}


def test_two_hop_paths_price_a_pair_with_a_single_pool():
    pools = [v2("ab", 2.0, 10**21), v2("bc", 5.0, 10**21, B, C), v2("ac", 14.0, 10**19, A, C)]
    out = flags(pools)
    # In a triangle one bad edge makes every edge disagree with some path; only the one the
    # deeper evidence contradicts is excluded.
    assert {p for p, d in out.items() if d.excluded} == {"ac"}
    assert out["ac"].reference == pytest.approx(10.0, rel=1e-9) and out["ac"].sources == 1


def test_two_hop_evidence_is_only_as_deep_as_its_shallower_leg():
    # The A/C pool is deeper than the thin A/B leg: the path may flag it, not exclude it.
    pools = [v2("ab", 2.0, 10**17), v2("bc", 5.0, 10**21, B, C), v2("ac", 14.0, 10**19, A, C)]
    out = flags(pools)
    assert not out["ac"].excluded


def test_a_pair_with_no_other_evidence_is_not_assessed():
    assert flags([v2("alone", 123.0, 10**18)]) == {}


def test_thresholds_come_from_the_policy():
    pools = [v2("deep", 2.0, 10**21), v3("deep3", 2.0, 10**21), v2("thin", 2.2, 10**18)]
    assert flags(pools, GuardPolicy(warn_bps=1_500, exclude_bps=3_000)) == {}
    assert flags(pools, GuardPolicy(warn_bps=100, exclude_bps=500))["thin"].excluded
    with pytest.raises(ValueError):
        GuardPolicy(warn_bps=600, exclude_bps=500)


def test_weighted_median():
    assert weighted_median([(1.0, 1), (2.0, 1), (10.0, 5)]) == 10.0
    assert weighted_median([(1.0, 3), (2.0, 1), (10.0, 1)]) == 1.0
    assert weighted_median([(1.0, 0)]) is None and weighted_median([]) is None


def test_the_engine_routes_around_excluded_pools():
    pools = (v2("0x" + "01" * 20, 2.0, 10**21), v3("0x" + "02" * 20, 2.0, 10**21),
             v2("0x" + "03" * 20, 3.0, 10**18))
    market = build_market(Snapshot(1, 1, pools))
    assert [d.pool for d in market.deviations] == ["0x" + "03" * 20]
    assert set(market.graph.pools) == {"0x" + "01" * 20, "0x" + "02" * 20}


# Reserves stay >= 10**12 base units whatever the unit change, so integer rounding of the
# pools' state can't move a price by more than a hair.
prices = st.floats(1e-3, 1e3)
depths = st.integers(10**18, 10**26)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(prices, depths, st.sampled_from([(A, B), (B, C), (A, C)]), st.booleans()),
                max_size=8), st.integers(-6, 6))
def test_flags_do_not_depend_on_the_unit_of_a_token(specs, exponent):
    """Counting token B in another unit (B amounts times 10**exponent: other decimals) moves
    every B price and B depth with it, so the same pools are flagged and excluded."""
    factor = 10.0 ** exponent

    def build(f: float) -> list:
        out = []
        for k, (price, depth, (t0, t1), is_v2) in enumerate(specs):
            name = f"p{k}"
            if is_v2:
                r0 = depth * (f if t0 == B else 1.0)
                r1 = depth * price * (f if t1 == B else 1.0)
                out.append(V2Pool(name, t0, t1, max(1, int(r0)), max(1, int(r1))))
            else:
                p = price * (f if t1 == B else 1.0) / (f if t0 == B else 1.0)
                liquidity = int(depth * math.sqrt(f)) if B in (t0, t1) else depth
                out.append(v3(name, p, liquidity, t0, t1))
        return out
    base = assess_pools(build(1.0))
    scaled = assess_pools(build(factor))
    assert len(base) <= len(specs)
    near = any(min(abs(d.deviation_bps - 500), abs(d.deviation_bps - 2000)) < 10 for d in base + scaled)
    if not near:
        assert {(d.pool, d.excluded) for d in base} == {(d.pool, d.excluded) for d in scaled}
