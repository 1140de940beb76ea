"""routes.bound: the dual bound is never beaten, and is the optimum where that is known."""

from __future__ import annotations

import random
from dataclasses import replace
from math import isinf, sqrt

import pytest

from routes.bound import gross_upper_bound
from routes.graph import build_graph
from routes.pool_arb import build_sides
from routes.pools import V2Pool, V3Pool
from routes.reference import all_paths, reference_optimum
from routes.route import EXACT_IN
from routes.router import RouteRequest, find_best_route
from routes.swap import swap_exact_in
from routes.synthetic import build_market
from routes.v2_math import get_amount_in, get_amount_out
from solver.bench import make_cases

A, B, M = "0x" + "a" * 40, "0x" + "b" * 40, "0x" + "c" * 40
E18 = 10 ** 18


def v2(address: str, t0: str, t1: str, r0: int, r1: int, fee_bps: int = 30) -> V2Pool:
    return V2Pool("0x" + address * 40, t0, t1, r0, r1, fee_bps)


def v2_out(x: float, r_in: float, r_out: float, fee_bps: int = 30) -> float:
    g = (10_000 - fee_bps) / 10_000
    return r_out * g * x / (r_in + g * x)


def v2_slope(x: float, r_in: float, r_out: float, fee_bps: int = 30) -> float:
    g = (10_000 - fee_bps) / 10_000
    return r_out * g * r_in / (r_in + g * x) ** 2


def bisect(f, lo: float, hi: float) -> float:
    """The root of a decreasing f on [lo, hi]."""
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if f(mid) > 0 else (lo, mid)
    return (lo + hi) / 2


def best_split(amount: float, pools) -> float:
    """Most output from `amount` split over parallel V2 pools (r_in, r_out, fee): the split that
    equalises marginal rates, found by bisection on the common rate."""
    def total_in(rate: float) -> float:  # input each pool takes until its marginal falls to rate
        g_in = 0.0
        for r_in, r_out, fee in pools:
            g = (10_000 - fee) / 10_000
            g_in += max(0.0, sqrt(g * r_in * r_out / rate) - r_in) / g
        return g_in

    top = max(v2_slope(0, r_in, r_out, fee) for r_in, r_out, fee in pools)
    rate = bisect(lambda r: total_in(r) - amount, top * 1e-9, top)
    out = 0.0
    for r_in, r_out, fee in pools:
        g = (10_000 - fee) / 10_000
        out += v2_out(max(0.0, sqrt(g * r_in * r_out / rate) - r_in) / g, r_in, r_out, fee)
    return out


def test_one_v2_pool_exact_in_is_the_pool_output():
    pool = v2("1", A, B, 1_000 * E18, 2_000_000 * E18)
    amount = 37 * E18
    bound = gross_upper_bound(build_graph([pool]), A, B, amount)
    exact = get_amount_out(amount, pool.reserve0, pool.reserve1)
    assert bound.value >= exact
    assert bound.value == pytest.approx(v2_out(amount, pool.reserve0, pool.reserve1), rel=1e-6)
    assert bound.converged and bound.pools == 1


def test_one_v2_pool_exact_out_is_the_pool_input():
    pool = v2("1", A, B, 1_000 * E18, 2_000_000 * E18)
    amount = 150_000 * E18
    bound = gross_upper_bound(build_graph([pool]), A, B, amount, exact_in=False)
    exact = get_amount_in(amount, pool.reserve0, pool.reserve1)
    assert bound.value <= exact
    assert bound.value == pytest.approx(exact, rel=1e-6)


@pytest.mark.parametrize("exact_in", [True, False])
def test_two_parallel_v2_pools_bound_is_the_best_split(exact_in):
    # different depths, prices and fees, so the optimum really splits
    p1 = v2("1", A, B, 1_000 * E18, 2_000_000 * E18, 30)
    p2 = v2("2", A, B, 300 * E18, 603_000 * E18, 5)
    legs = [(float(p.reserve0), float(p.reserve1), p.fee_bps) for p in (p1, p2)]
    graph = build_graph([p1, p2])
    if exact_in:
        amount = 120 * E18
        optimum = best_split(float(amount), legs)
    else:  # the least input that buys `amount`: invert the best split by bisection
        amount = 200_000 * E18
        optimum = bisect(lambda x: amount - best_split(x, legs), 1.0, 1e30)
    bound = gross_upper_bound(graph, A, B, amount, exact_in=exact_in)
    assert bound.value == pytest.approx(optimum, rel=1e-6)
    # the best split beats either pool alone, so the bound is really a split here
    alone = max(v2_out(amount, r_in, r_out, fee) for r_in, r_out, fee in legs)
    if exact_in:
        assert bound.value > alone * 1.001


def test_one_v3_pool_across_ticks_is_the_exact_output():
    market = build_market(40, seed=3)
    pool = max((p for p in market.pools if isinstance(p, V3Pool)), key=lambda p: len(p.ticks))
    side = build_sides(pool)[0]
    k = min(3, len(side.C) - 3)  # inside a segment past a few initialized ticks, not the last
    amount = int((side.C[k] + side.C[k + 1]) / 2)
    exact = swap_exact_in(pool, pool.token0, amount)
    assert exact.complete and exact.ticks_crossed >= 1
    bound = gross_upper_bound(build_graph([pool]), pool.token0, pool.token1, amount)
    assert bound.value >= exact.amount_out
    assert bound.value == pytest.approx(exact.amount_out, rel=1e-6)


def test_pool_tables_pay_at_least_the_exact_math():
    """The certificate rests on this: the real-valued curves the dual maximises over never pay
    less than the contracts' integer math (up to float rounding), including at tick boundaries."""
    market = build_market(200, seed=11)
    rng = random.Random(5)
    checked = 0
    for pool in rng.sample(market.pools, 60):
        for token_in, side in zip((pool.token0, pool.token1), build_sides(pool)):
            top = side.C[-1] if isinstance(pool, V3Pool) else side.r_in * 10
            xs = [top * 10 ** rng.uniform(-9, 0) for _ in range(4)]
            if isinstance(pool, V3Pool):
                xs += [c * f for c in side.C[1:6] for f in (0.999999, 1.000001)]
            for x in map(int, xs):
                result = swap_exact_in(pool, token_in, x) if x > 0 else None
                if result is None or not result.complete:
                    continue
                assert result.amount_out <= side.out(float(x)) * (1 + 1e-12) + 1
                checked += 1
    assert checked > 200


def test_layers_keep_arbitrage_out_of_the_bound():
    """Two M-B pools priced 5% apart: the token network counts the arbitrage between them as
    output, the hop-layered one only what a route A -> M -> B can do (the best split of the M
    over the two pools, computed here by bisection)."""
    am = v2("1", A, M, 1_000 * E18, 1_000 * E18)
    mb1 = v2("2", M, B, 5_000 * E18, 5_000 * E18)
    mb2 = v2("3", M, B, 5_000 * E18, 5_250 * E18)
    graph = build_graph([am, mb1, mb2])
    amount = 10 * E18
    m_got = v2_out(amount, am.reserve0, am.reserve1)
    optimum = best_split(m_got, [(float(p.reserve0), float(p.reserve1), 30) for p in (mb1, mb2)])
    layered = gross_upper_bound(graph, A, B, amount)
    plain = gross_upper_bound(graph, A, B, amount, layered=False)
    assert layered.layered and not plain.layered
    assert layered.value == pytest.approx(optimum, rel=1e-6)
    assert plain.value > optimum * 1.05  # the arbitrage, ~10% of the trade here


def test_nothing_joins_the_tokens():
    graph = build_graph([v2("1", A, M, E18, E18)])
    assert gross_upper_bound(graph, A, B, E18).value == 0.0
    assert isinf(gross_upper_bound(graph, A, B, E18, exact_in=False).value)


def test_exact_out_beyond_every_pool_is_infinite():
    pool = v2("1", A, B, 1_000 * E18, 2_000 * E18)
    assert isinf(gross_upper_bound(build_graph([pool]), A, B, 2_000 * E18, exact_in=False).value)


def _gross(route, exact_in: bool) -> int:
    return route.amount_out if exact_in else route.amount_in


@pytest.fixture(scope="module")
def market_100():
    market = build_market(100, seed=107)
    return build_graph(market.pools), make_cases(market, 8, random.Random(7 * 1_000_003 + 100))


def test_no_route_beats_the_bound_on_a_synthetic_market(market_100):
    graph, cases = market_100
    assert {c.kind for c in cases} == {"exact_in", "exact_out"}
    for req in cases:
        exact_in = req.kind == EXACT_IN
        paths = all_paths(graph, req)
        bound = gross_upper_bound(graph, req.sell, req.buy, req.amount, exact_in=exact_in, paths=paths)
        routes = [find_best_route(graph, req).route, reference_optimum(graph, req, paths)]
        for route in filter(None, routes):
            gross = _gross(route, exact_in)
            if exact_in:  # guaranteed: nothing delivers more, nothing pays less
                assert gross <= bound.value
                assert gross >= 0.7 * bound.value  # a loose sanity check: gas and the leg cap aside
            else:
                assert gross >= bound.value
                assert gross <= 1.3 * bound.value
        # the same pools without the hop layers: a valid bound too, never tighter
        plain = gross_upper_bound(graph, req.sell, req.buy, req.amount, exact_in=exact_in, paths=paths,
                                  layered=False)
        if exact_in:
            assert plain.value >= bound.value * (1 - 1e-7)
        else:
            assert plain.value <= bound.value * (1 + 1e-7)


def test_the_gas_free_split_is_close_to_the_bound(market_100):
    """With gas out of the way, the router's best split is the thing the bound measures."""
    graph, cases = market_100
    for req in cases:
        req = replace(req, gas_price_wei=0)
        route = find_best_route(graph, req).route
        exact_in = req.kind == EXACT_IN
        bound = gross_upper_bound(graph, req.sell, req.buy, req.amount, exact_in=exact_in)
        gross = _gross(route, exact_in)
        assert gross <= bound.value if exact_in else gross >= bound.value
        assert abs(gross - bound.value) <= 0.1 * bound.value



def test_bench_reports_how_far_below_the_bound_the_gross_is():
    from solver.bench import bound_gap_bps

    pool = v2("1", A, B, 1_000 * E18, 2_000_000 * E18)
    graph = build_graph([pool])
    for kind, amount in (("exact_in", 37 * E18), ("exact_out", 150_000 * E18)):
        req = RouteRequest(A, B, amount, kind=kind)
        route = find_best_route(graph, req).route
        bound = gross_upper_bound(graph, A, B, amount, exact_in=kind == EXACT_IN)
        gap = bound_gap_bps(route, bound)
        assert 0 <= gap < 1e-4  # one pool: the route is the optimum, up to integer rounding
    assert bound_gap_bps(None, bound) is None
