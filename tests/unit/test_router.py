"""The router end to end on small hand-made and synthetic markets (routes.router)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routes.gas import GasModel, NativePrice, gas_cost
from routes.graph import build_graph
from routes.pools import V2Pool
from routes.route import EXACT_IN, EXACT_OUT, execute, execute_folding, price_impact_bps, share_bps
from routes.router import RouteRequest, find_best_route
from routes.swap import swap_exact_in, swap_exact_out
from routes.synthetic import build_market

A, B, C, D, W = (f"0x{c * 40}" for c in "abcdf")
E18 = 10 ** 18


def pair(name: str, t0: str, t1: str, r0: int, r1: int, *, fee_bps: int = 30, dex: str = "uniswap-v2") -> V2Pool:
    return V2Pool(f"0x{name:0>40}", t0, t1, r0, r1, fee_bps, dex)


def twin_pools():
    return [pair("1", A, B, 100 * E18, 100 * E18), pair("2", A, B, 100 * E18, 100 * E18, dex="sushiswap")]


def test_single_pool_route_is_the_pool_itself():
    pool = pair("1", A, B, 100 * E18, 200 * E18)
    result = find_best_route([pool], RouteRequest(A, B, E18))
    route = result.route
    assert result.reason is None and len(route.legs) == 1
    (hop,) = route.legs[0].hops
    assert hop.amount_in == E18 and hop.amount_out == swap_exact_in(pool, A, E18).amount_out
    assert route.amount_out == hop.amount_out and route.net_amount == route.amount_out
    assert route.legs[0].share_bps == 10_000 and route.gas_cost == 0


def test_identical_pools_split_evenly_and_beat_one():
    result = find_best_route(twin_pools(), RouteRequest(A, B, 20 * E18))
    route = result.route
    assert len(route.legs) == 2
    shares = sorted(leg.share_bps for leg in route.legs)
    assert shares[0] >= 4_990 and sum(shares) == 10_000
    assert route.amount_out > result.best_single.amount_out


def test_gas_decides_whether_a_second_leg_pays():
    costly = RouteRequest(A, B, E18 // 100, gas_price_wei=10 ** 12, wrapped_native=B)
    cheap = replace(costly, gas_price_wei=0)
    assert len(find_best_route(twin_pools(), costly).route.legs) == 1
    assert len(find_best_route(twin_pools(), cheap).route.legs) == 2
    heavy = find_best_route(twin_pools(), costly).route
    assert heavy.gas_units == GasModel().base + GasModel().v2_hop
    assert heavy.gas_cost == gas_cost(heavy.gas_units, 10 ** 12, NativePrice(1, 1))
    assert heavy.net_amount == heavy.amount_out - heavy.gas_cost


def test_no_split_means_one_leg():
    result = find_best_route(twin_pools(), RouteRequest(A, B, 20 * E18, split=False))
    assert len(result.route.legs) == 1 and result.best_split_gross is None


def test_no_path_is_a_reason_not_an_exception():
    pools = [pair("1", A, B, E18, E18), pair("2", C, D, E18, E18)]
    result = find_best_route(pools, RouteRequest(A, D, E18))
    assert result.route is None and result.reason.startswith("no pool connects")
    result = find_best_route(pools, RouteRequest(A, W, E18))
    assert result.route is None and "no pool holds" in result.reason
    result = find_best_route([pair("1", A, C, E18, E18), pair("2", C, D, E18, E18), pair("3", D, B, E18, E18)],
                             RouteRequest(A, B, E18, max_hops=2))
    assert result.route is None and "within 2 hops" in result.reason


def test_bad_requests_are_reasons():
    pools = twin_pools()
    assert find_best_route(pools, RouteRequest(A, A, E18)).reason == "sell and buy are the same token"
    assert find_best_route(pools, RouteRequest(A, B, 0)).reason == "the amount must be positive"
    assert "unknown trade kind" in find_best_route(pools, RouteRequest(A, B, 1, kind="limit")).reason


def test_not_enough_liquidity_for_exact_out():
    pools = twin_pools()
    result = find_best_route(pools, RouteRequest(A, B, 250 * E18, kind=EXACT_OUT))
    assert result.route is None
    assert result.reason.startswith("not enough liquidity: best fills")
    assert 199 * E18 < result.max_fill < 200 * E18


def test_a_trade_no_path_can_carry_an_eighth_of_is_split_into_slivers():
    """Ten equal pairs of 100 B each, 900 B bought: no path can deliver an eighth of it, so the
    first search finds nothing; the sliver search finds the ten pools, and the split fills it
    (it used to answer "not enough liquidity: best fills 899.99 of 900")."""
    pools = [pair(str(i), A, B, 100 * E18, 100 * E18) for i in range(1, 11)]
    res = find_best_route(pools, RouteRequest(A, B, 900 * E18, kind=EXACT_OUT))
    assert res.route is not None and len(res.route.legs) == 10
    assert res.route.amount_out == 900 * E18
    assert find_best_route(pools, RouteRequest(A, B, 900 * E18, kind=EXACT_OUT, split=False)).route is None


def test_a_trade_only_more_legs_than_the_cap_can_carry_is_refused_with_what_the_cap_fills(monkeypatch):
    """Twenty equal pairs of 100 B each, 1,500 B bought: all twenty together could deliver it,
    twelve (the leg cap) can't. Refused before any leg search under the cap (the capacities
    say so), and the fill reported is what twelve of them carry."""
    import routes.router as router

    def no_leg_search(*_args, **_kwargs):
        raise AssertionError("a leg search ran for a trade the cap can't carry")

    pools = [pair(str(i), A, B, 100 * E18, 100 * E18) for i in range(1, 21)]
    with monkeypatch.context() as patch:
        patch.setattr(router, "_under_the_cap", no_leg_search)
        patch.setattr(router, "_gas_aware", no_leg_search)
        res = find_best_route(pools, RouteRequest(A, B, 1500 * E18, kind=EXACT_OUT))
    assert res.route is None and res.reason.startswith("not enough liquidity: best fills")
    assert 1190 * E18 < res.max_fill < 1200 * E18
    fits = find_best_route(pools, RouteRequest(A, B, 1100 * E18, kind=EXACT_OUT))
    assert fits.route is not None and fits.route.amount_out == 1100 * E18 and len(fits.route.legs) <= 12


def test_a_trade_that_dwarfs_all_but_one_path_still_splits_off_slivers():
    """100-pool bench market, seed 19, case 19: an exact-out trade only one pool can fill. The
    first search keeps that path alone; paths searched for slivers of the trade take 0.1% each
    at a far better price and pay for their gas (13.7 bp under the reference before)."""
    import random

    from routes.reference import reference_optimum
    from solver.bench import gap_bps, make_cases

    market = build_market(100, seed=119)
    graph = build_graph(market.pools)
    req = make_cases(market, 24, random.Random(19 * 1_000_003 + 100))[19]
    res = find_best_route(graph, req)
    assert req.kind == EXACT_OUT and len(res.route.legs) > 1
    assert res.route.net_amount < res.best_single.net_amount  # exact-out: less in, gas included
    assert gap_bps(res.route, reference_optimum(graph, req)) >= -1.0


def test_exact_out_buys_the_amount_for_the_least_input():
    pools = twin_pools()
    result = find_best_route(pools, RouteRequest(A, B, 30 * E18, kind=EXACT_OUT))
    route = result.route
    assert route.kind == EXACT_OUT and route.amount_out >= 30 * E18
    single = swap_exact_out(pools[0], A, 30 * E18).amount_in
    assert route.amount_in < single and route.net_amount == route.amount_in
    for leg in route.legs:
        assert leg.hops[-1].amount_out == leg.amount_out


def test_avoid_and_deny_are_honoured():
    pools = [pair("1", A, C, 1000 * E18, 1000 * E18), pair("2", C, B, 1000 * E18, 1000 * E18),
             pair("3", A, B, 10 * E18, 10 * E18, dex="sushiswap")]
    base = RouteRequest(A, B, E18)
    main = max(find_best_route(pools, base).route.legs, key=lambda leg: leg.share_bps)
    assert len(main.hops) == 2  # the deep path carries most of it
    avoid = find_best_route(pools, replace(base, avoid_tokens=frozenset({C}))).route
    assert {h.token_out for leg in avoid.legs for h in leg.hops} == {B}
    deny = find_best_route(pools, replace(base, deny_protocols=frozenset({"uniswap-v2"}))).route
    assert {h.pool.dex for leg in deny.legs for h in leg.hops} == {"sushiswap"}
    none = find_best_route(pools, replace(base, allow_protocols=frozenset({"uniswap_v3"})))
    assert none.route is None and "only on uniswap_v3" in none.reason


def test_gas_is_priced_through_the_wrapped_native_token():
    pools = twin_pools() + [pair("3", W, B, 10 * E18, 30_000 * E18)]
    req = RouteRequest(A, B, 20 * E18, gas_price_wei=10 ** 10, wrapped_native=W)
    route = find_best_route(pools, req).route
    per_wei = 30_000 * 997 / (10 * 1000)  # B per W at the pair's mid, after its fee
    assert route.gas_cost == pytest.approx(route.gas_units * 10 ** 10 * per_wei, rel=1e-3)
    given = find_best_route(pools, replace(req, native_price=NativePrice(1, 2))).route
    assert given.gas_cost == given.gas_units * 10 ** 10 * 2
    unpriced = find_best_route(twin_pools(), replace(req, wrapped_native=None)).route
    assert unpriced.gas_cost is None and unpriced.net_amount == unpriced.amount_out


def test_shared_pool_legs_match_a_fresh_sequential_execution():
    """A->C is shared by both legs; the second leg must see the pool the first one moved."""
    pools = [pair("1", A, C, 100 * E18, 100 * E18), pair("2", C, B, 50 * E18, 50 * E18),
             pair("3", C, B, 50 * E18, 50 * E18, dex="sushiswap"), pair("4", A, B, 5 * E18, 5 * E18)]
    graph = build_graph(pools)
    route = find_best_route(graph, RouteRequest(A, B, 20 * E18)).route
    shared = [leg for leg in route.legs if leg.hops[0].pool.address == pools[0].address]
    assert len(shared) == 2
    first, second = shared
    assert second.hops[0].pool.reserve0 == first.hops[0].pool.reserve0 + first.hops[0].amount_in
    edges = [[graph.edges_between(h.token_in, h.token_out)[[e.pool.address for e in graph.edges_between(
        h.token_in, h.token_out)].index(h.pool.address)] for h in leg.hops] for leg in route.legs]
    run = execute(edges, [leg.amount_in for leg in route.legs], exact_in=True)
    assert run.legs == tuple(leg.hops for leg in route.legs)
    assert sum(leg.amount_out for leg in route.legs) == route.amount_out


def test_explain_carries_the_alternatives():
    market = build_market(60, seed=11)
    weth, usdc = market.token("WETH"), market.token("USDC")
    req = RouteRequest(weth.address, usdc.address, weth.amount_for_usd(2_000_000), gas_price_wei=2 * 10 ** 10,
                       wrapped_native=weth.address, explain=True)
    result = find_best_route(market.pools, req)
    assert result.route is not None and result.grid_split is not None
    for alt in (result.best_single, result.best_split_gross, result.grid_split):
        assert not alt.better_than(result.route)
    assert result.paths_considered >= result.candidates > 0
    assert 0 <= price_impact_bps(result.route) < 10_000


def test_share_bps_sums_to_ten_thousand():
    assert share_bps([1, 1, 1]) == [3334, 3333, 3333]
    assert sum(share_bps([7, 11, 13, 17])) == 10_000


def test_native_price_rounds_the_cost_up():
    assert NativePrice(3, 1).convert(10) == 4
    assert gas_cost(100, 0, None) == 0 and gas_cost(100, 1, None) is None
    with pytest.raises(ValueError):
        NativePrice(0, 1)


def test_gas_model_units():
    model = GasModel(base=1, v2_hop=10, v3_hop=100, v3_tick=1000)
    assert model.hop_units("uniswap_v2", 5) == 10
    assert model.hop_units("uniswap_v3", 2) == 2100


@pytest.mark.parametrize("kind", [EXACT_IN, EXACT_OUT])
def test_synthetic_market_routes_are_complete_and_chained(kind):
    market = build_market(300, seed=4)
    graph = build_graph(market.pools)
    sell, buy = market.tokens[6], market.token("USDC")
    amount = sell.amount_for_usd(200_000) if kind == EXACT_IN else buy.amount_for_usd(200_000)
    req = RouteRequest(sell.address, buy.address, amount, kind=kind, gas_price_wei=10 ** 10,
                       wrapped_native=market.token("WETH").address)
    route = find_best_route(graph, req).route
    assert route is not None
    for leg in route.legs:
        for a, b in zip(leg.hops, leg.hops[1:]):
            assert a.amount_out == b.amount_in and a.token_out == b.token_in
    if kind == EXACT_IN:
        assert route.amount_in == amount
    else:
        assert route.amount_out >= amount


def test_a_refused_leg_rides_with_the_next_leg_that_can_take_it():
    """Exact-out: the first leg asks a thin pair for more than it holds, the last leg is thin
    too; the deep middle leg carries the refused amount on top of its own. (Folding into the
    last leg only, as before, failed the whole route: hypothesis found an 11-leg split that
    came back "not enough liquidity" once one of its pools was made deeper.)"""
    g = build_graph([pair("1", A, B, 10 * E18, 5 * E18), pair("2", A, B, 1000 * E18, 1000 * E18, dex="sushiswap"),
                     pair("3", A, B, 10 * E18, 6 * E18, dex="pancake")])
    thin, deep, last = (next(e for e in g.edges_between(A, B) if e.pool.address.endswith(n)) for n in "123")
    wanted = [12 * E18, 10 * E18, 3 * E18]  # the thin pair holds 5: not even half of 12 goes through
    run, used = execute_folding([(thin,), (deep,), (last,)], wanted, exact_in=False)
    assert run.complete and [p[0] for p in used] == [deep, last]
    assert [leg[-1].amount_out for leg in run.legs] == [22 * E18, 3 * E18]
    assert not execute_folding([(thin,), (last,)], [12 * E18, 3 * E18], exact_in=False)[0].complete


def test_a_leg_that_finds_its_pool_shorter_than_planned_runs_for_what_it_can():
    """Exact-out through a thin pair that holds 5: a leg asking for 5.001 is refused whole, but
    99.9% of it goes through, and only the rest rides with the next leg."""
    g = build_graph([pair("1", A, B, 10 * E18, 5 * E18 + E18 // 100), pair("2", A, B, 1000 * E18, 1000 * E18,
                                                                         dex="sushiswap")])
    thin, deep = (next(e for e in g.edges_between(A, B) if e.pool.address.endswith(n)) for n in "12")
    asked = 5 * E18 + E18 // 100  # all the thin pair holds: it can never pay out its last wei
    run, used = execute_folding([(thin,), (deep,)], [asked, 10 * E18], exact_in=False)
    assert run.complete and [p[0] for p in used] == [thin, deep]
    thin_out, deep_out = (leg[-1].amount_out for leg in run.legs)
    assert thin_out == asked * 999 // 1000 and thin_out + deep_out == asked + 10 * E18


def test_a_carry_goes_to_the_leg_where_it_costs_least_not_the_next_in_line():
    """Exact-out: the thin pair holds 5 of the 8 asked, so half of it runs and 4 are carried.
    The next leg in line could take them, but its pair holds 10 and would pay 9 out of it at
    a ruinous price; the deep last leg takes them for about what they are worth."""
    g = build_graph([pair("1", A, B, 10 * E18, 5 * E18), pair("2", A, B, 10 * E18, 10 * E18, dex="sushiswap"),
                     pair("3", A, B, 1000 * E18, 1000 * E18, dex="pancake")])
    thin, spent, deep = (next(e for e in g.edges_between(A, B) if e.pool.address.endswith(n)) for n in "123")
    run, used = execute_folding([(thin,), (spent,), (deep,)], [8 * E18, 5 * E18, 10 * E18], exact_in=False)
    assert run.complete and [leg[-1].amount_out for leg in run.legs] == [4 * E18, 5 * E18, 14 * E18]
    greedy_in = sum(swap_exact_out(p.pool, A, y).amount_in for p, y in ((thin, 4 * E18), (spent, 9 * E18)))
    greedy_in += swap_exact_out(deep.pool, A, 10 * E18).amount_in
    assert run.amount_in < greedy_in / 2
