"""Properties of the router on random small markets (V2 and V3 mixed), checked with the exact math."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from routes.graph import build_graph
from routes.paths import PathConstraints, enumerate_paths
from routes.pools import V2Pool, V3Pool
from routes.route import EXACT_IN, EXACT_OUT, execute
from routes.router import RouteRequest, Scorer, find_best_route, native_price_for
from routes.synthetic import build_market

TOLERANCE = 1e-5  # 0.1 bp
SHARED_POOL_TOLERANCE = 1e-2
CAPPED_TOLERANCE = 5e-2
SETTINGS = settings(max_examples=int(__import__("os").environ.get("ROUTER_EXAMPLES", "40")), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def trades(draw, *, gas: bool = True, kinds=(EXACT_IN, EXACT_OUT)):
    market = build_market(draw(st.integers(6, 24)), seed=draw(st.integers(0, 10 ** 6)),
                          n_tokens=draw(st.integers(6, 8)), v3_share=draw(st.sampled_from([0.0, 0.5, 1.0])))
    tokens = [t for t in market.tokens if market.depth_usd[t.address] > 0]
    sell = draw(st.sampled_from(tokens))
    buy = draw(st.sampled_from([t for t in tokens if t.address != sell.address]))
    kind = draw(st.sampled_from(kinds))
    usd = 10 ** draw(st.floats(0.5, 6.5))
    amount = (sell if kind == EXACT_IN else buy).amount_for_usd(usd)
    request = RouteRequest(sell.address, buy.address, amount, kind=kind,
                           gas_price_wei=draw(st.sampled_from([0, 10 ** 9, 10 ** 11])) if gas else 0,
                           wrapped_native=market.token("WETH").address)
    return market, request


def exhaustive_best_single(graph, request):
    """Every path, each executed exactly and scored like the router scores its own routes."""
    scorer = Scorer(request, native_price_for(graph, request))
    constraints = PathConstraints(request.max_hops, request.allow_protocols, request.deny_protocols,
                                  request.avoid_tokens)
    best = None
    for path in enumerate_paths(graph, request.sell, request.buy, constraints=constraints):
        route = scorer.route([path], [request.amount])
        if route is not None and route.better_than(best):
            best = route
    return best


def edges_of(graph, leg):
    return [next(e for e in graph.edges_between(h.token_in, h.token_out) if e.pool.address == h.pool.address)
            for h in leg.hops]


@SETTINGS
@given(trades())
def test_a_split_is_never_worse_than_the_best_single_path(case):
    market, request = case
    graph = build_graph(market.pools)
    single = exhaustive_best_single(graph, request)
    route = find_best_route(graph, request).route
    if single is None:
        return
    assert route is not None
    assert not single.better_than(route)


def unit_value(route) -> float:
    """What one base unit of an intermediate token is worth on the route's side being scored."""
    worth = 0.0
    for leg in route.legs:
        for hop in leg.hops[:-1]:
            if route.kind == EXACT_IN:
                worth = max(worth, leg.amount_out / hop.amount_out)
            else:
                worth = max(worth, leg.amount_in / hop.amount_out)
    return worth


def thicker(pool, factor: int):
    """The pool with `factor` times the liquidity at the same price (None if a V3 pool would
    then exceed the contract's uint128 liquidity)."""
    if isinstance(pool, V2Pool):
        return replace(pool, reserve0=pool.reserve0 * factor, reserve1=pool.reserve1 * factor)
    assert isinstance(pool, V3Pool)
    gross = sum(n for _, n in pool.ticks if n > 0)
    if gross * factor >= 1 << 127:
        return None
    return replace(pool, liquidity=pool.liquidity * factor, ticks=tuple((t, n * factor) for t, n in pool.ticks))


def thicken_a_used_pool(market, request, pick: int, factor: int):
    """(route before, pools after, route after) with one pool of the route `factor` times deeper.

    Skipped (assume) when the old route can't even run on the new pools: a deeper pool early in
    a path pushes more into the next one, and a V3 pool whose known ticks run out can then no
    longer take it; that quote really does get worse, it is not what the property is about.
    """
    before = find_best_route(market.pools, request).route
    assume(before is not None)
    used = sorted({h.pool.address for leg in before.legs for h in leg.hops})
    target = used[pick % len(used)]
    pools = [thicker(p, factor) if p.address == target else p for p in market.pools]
    assume(None not in pools)
    graph = build_graph(pools)
    legs = [edges_of(graph, leg) for leg in before.legs]
    fixed = [leg.amount_in if request.kind == EXACT_IN else leg.amount_out for leg in before.legs]
    assume(execute(legs, fixed, exact_in=request.kind == EXACT_IN).complete)
    return before, find_best_route(graph, request).route


@SETTINGS
@given(trades(gas=False), st.integers(0, 10 ** 6), st.integers(2, 5))
def test_adding_liquidity_never_lowers_the_quote(case, pick, factor):
    market, request = case
    before, after = thicken_a_used_pool(market, request, pick, factor)
    assert after is not None
    # The split is the optimum only up to the water-filling's resolution (1/8192 of the trade
    # per slice) and to integer rounding: a deeper pool can move the allocation by a slice, or
    # an intermediate amount by one base unit (which can be 1e-4 of a leg when the token is
    # coarse). So the property holds to 0.1 bp plus one intermediate unit...
    slack = TOLERANCE
    if shares_a_pool(before) or shares_a_pool(after):
        # ...except when legs share a pool and then part ways: executed one after another, the
        # route's output is not a concave function of the leg amounts, and the optimizer (like
        # any path-based one, the reference included) finds a local optimum. Hypothesis finds
        # such cases at about 1 in 400 draws, losing up to 1%: a known limit, see the router
        # module docstring.
        slack = SHARED_POOL_TOLERANCE
    if max(len(before.legs), len(after.legs)) >= request.max_legs:
        # ...and at the leg cap, which legs to keep is a combinatorial choice the router makes by
        # local search: hypothesis finds huge trades on tiny markets where a deeper pool sends
        # that search to a worse subset, losing up to 4.3% (a known limit, see the closing note
        # of the router issue; an earlier router lost 12.8% on a draw this one passes).
        slack = CAPPED_TOLERANCE
    if request.kind == EXACT_IN:
        assert after.amount_out >= before.amount_out * (1 - slack) - unit_value(before)
    else:
        assert after.amount_in <= before.amount_in * (1 + slack) + unit_value(before)


@SETTINGS
@given(trades(gas=False), st.integers(0, 10 ** 6), st.integers(2, 5))
def test_adding_liquidity_never_lowers_the_best_single_path(case, pick, factor):
    market, request = case
    before, after = thicken_a_used_pool(market, replace(request, split=False), pick, factor)
    assert after is not None
    if request.kind == EXACT_IN:
        assert after.amount_out >= before.amount_out
    else:
        assert after.amount_in <= before.amount_in


def shares_a_pool(route) -> bool:
    pools = [h.pool.address for leg in route.legs for h in leg.hops]
    return len(pools) != len(set(pools))


@SETTINGS
@given(trades())
def test_hops_chain_and_replay_exactly(case):
    market, request = case
    graph = build_graph(market.pools)
    route = find_best_route(graph, request).route
    if route is None:
        return
    for leg in route.legs:
        for a, b in zip(leg.hops, leg.hops[1:]):
            assert a.amount_out == b.amount_in and a.token_out == b.token_in
        assert leg.hops[0].token_in == request.sell and leg.hops[-1].token_out == request.buy
    assert sum(leg.share_bps for leg in route.legs) == 10_000
    assert route.amount_in == sum(leg.amount_in for leg in route.legs)
    assert route.amount_out == sum(leg.amount_out for leg in route.legs)
    if request.kind == EXACT_IN:
        assert route.amount_in == request.amount
        replay = execute([edges_of(graph, leg) for leg in route.legs], [leg.amount_in for leg in route.legs],
                         exact_in=True)
        assert replay.complete and replay.legs == tuple(leg.hops for leg in route.legs)
    else:
        assert route.amount_out >= request.amount


@st.composite
def constrained(draw):
    market, request = draw(trades())
    tokens = [t.address for t in market.tokens if t.address not in (request.sell, request.buy)]
    avoid = frozenset(draw(st.lists(st.sampled_from(tokens), max_size=2)))
    deny = frozenset(draw(st.lists(st.sampled_from(["uniswap_v2", "uniswap_v3", "sushiswap", "pancake"]),
                                   max_size=2)))
    return market, replace(request, max_hops=draw(st.integers(1, 3)), avoid_tokens=avoid,
                           deny_protocols=deny, split=draw(st.booleans()))


@SETTINGS
@given(constrained())
def test_constraints_are_honoured(case):
    market, request = case
    result = find_best_route(market.pools, request)
    route = result.route
    if route is None:
        assert result.reason
        return
    if not request.split:
        assert len(route.legs) == 1
    for leg in route.legs:
        assert len(leg.hops) <= request.max_hops
        for hop in leg.hops[1:]:
            assert hop.token_in not in request.avoid_tokens
        for hop in leg.hops:
            assert hop.pool.protocol not in request.deny_protocols
            assert hop.pool.dex not in request.deny_protocols
