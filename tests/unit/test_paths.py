"""Graph, float curves and candidate paths (routes.graph, routes.curves, routes.paths)."""

from __future__ import annotations

import pytest

from routes.curves import build_curve
from routes.graph import build_graph, edge_allowed
from routes.paths import (PathConstraints, enumerate_paths, find_paths, improving_paths, marginal_columns, path_key,
                          residual_quote, residual_quotes)
from routes.pools import V2Pool, V3Pool
from routes.route import execute
from routes.swap import swap_exact_in, swap_exact_out
from routes.synthetic import build_market

A, B, C, D, E = (f"0x{c * 40}" for c in "abcde")
E18 = 10 ** 18


def pair(name: str, t0: str, t1: str, r0: int, r1: int, *, fee_bps: int = 30, dex: str = "uniswap-v2") -> V2Pool:
    return V2Pool(f"0x{name:0>40}", t0, t1, r0, r1, fee_bps, dex)


def graph_abcd():
    """A-B direct (thin), A-C-B (deep), A-C-D-B (deep), D-B via a second dex."""
    return build_graph([
        pair("1", A, B, 10 * E18, 10 * E18),
        pair("2", A, C, 1000 * E18, 1000 * E18),
        pair("3", C, B, 1000 * E18, 1000 * E18),
        pair("4", C, D, 1000 * E18, 1000 * E18),
        pair("5", D, B, 1000 * E18, 1000 * E18, dex="sushiswap"),
    ])


def hops(paths):
    return sorted(tuple(e.token_in for e in p.edges) + (p.edges[-1].token_out,) for p in paths)


def test_graph_has_both_directions_and_later_snapshot_wins():
    g = build_graph([pair("1", A, B, 1, 2), pair("1", A, B, 5, 7)])
    (ab,) = g.edges_between(A, B)
    (ba,) = g.edges_between(B, A)
    assert ab.pool.reserve0 == 5 and ba.token_out == A
    assert g.neighbours(C) == {}


def test_find_paths_up_to_max_hops():
    g = graph_abcd()
    found = find_paths(g, A, B, amount=E18)
    assert hops(found) == [(A, B), (A, C, B), (A, C, D, B)]
    assert hops(find_paths(g, A, B, amount=E18, constraints=PathConstraints(max_hops=2))) == [(A, B), (A, C, B)]
    assert hops(find_paths(g, A, B, amount=E18, constraints=PathConstraints(max_hops=1))) == [(A, B)]


def test_find_paths_honours_avoid_and_protocols():
    g = graph_abcd()
    assert hops(find_paths(g, A, B, amount=E18, constraints=PathConstraints(avoid_tokens=frozenset({C})))) == [(A, B)]
    no_sushi = PathConstraints(deny_protocols=frozenset({"sushiswap"}))
    assert hops(find_paths(g, A, B, amount=E18, constraints=no_sushi)) == [(A, B), (A, C, B)]
    only_sushi = PathConstraints(allow_protocols=frozenset({"sushiswap"}))
    assert find_paths(g, A, B, amount=E18, constraints=only_sushi) == []
    assert find_paths(g, A, E, amount=E18) == []


def test_edge_allowed_matches_protocol_or_dex():
    (e,) = graph_abcd().edges_between(D, B)
    assert not edge_allowed(e, None, frozenset({"uniswap_v2"}))
    assert not edge_allowed(e, None, frozenset({"sushiswap"}))
    assert edge_allowed(e, frozenset({"sushiswap"}), frozenset())
    assert not edge_allowed(e, frozenset({"uniswap_v3"}), frozenset())


def test_depth_at_size_beats_spot_price():
    """The thin direct pair has the better mid price but the deep 2-hop path wins at size."""
    g = graph_abcd()
    best = max(find_paths(g, A, B, amount=50 * E18), key=lambda p: p.full)
    assert [e.token_out for e in best.edges] == [C, B]
    small = max(find_paths(g, A, B, amount=E18 // 1000), key=lambda p: p.full)
    assert [e.token_out for e in small.edges] == [B]


def test_exact_out_search_walks_backward():
    g = graph_abcd()
    found = find_paths(g, A, B, amount=50 * E18, exact_in=False)
    assert hops(found) == [(A, B), (A, C, B), (A, C, D, B)]
    best = min(found, key=lambda p: p.full)
    assert [e.token_out for e in best.edges] == [C, B]
    # the thin pair can't deliver 10 B at all, only the fraction the beam also quotes
    (direct,) = [p for p in find_paths(g, A, B, amount=10 * E18, exact_in=False) if len(p.edges) == 1]
    assert direct.full == float("inf") and direct.part < float("inf")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_beam_never_drops_the_best_single_path(seed):
    """Against an unpruned enumeration on a synthetic market, settled with the exact math."""
    market = build_market(150, seed=seed)
    g = build_graph(market.pools)
    tokens = market.tokens
    for sell, buy in ((tokens[0], tokens[1]), (tokens[7], tokens[2]), (tokens[9], tokens[11])):
        amount = sell.amount_for_usd(50_000)
        every = enumerate_paths(g, sell.address, buy.address)
        if not every:
            continue
        exact = {}
        for p in every:
            run = execute([p], [amount], exact_in=True)
            if run.complete:
                exact[tuple(e.key for e in p)] = run.amount_out
        beam = {tuple(e.key for e in p.edges) for p in find_paths(g, sell.address, buy.address, amount=amount)}
        best = max(exact, key=exact.__getitem__)
        assert best in beam or any(exact.get(k) == exact[best] for k in beam)


def test_enumerate_paths_is_simple_and_bounded():
    g = graph_abcd()
    for p in enumerate_paths(g, A, B):
        tokens = [p[0].token_in] + [e.token_out for e in p]
        assert len(set(tokens)) == len(tokens) and len(p) <= 3


def test_residual_quotes_price_a_further_slice_from_the_pool_states():
    g = graph_abcd()
    (ac,) = g.edges_between(A, C)
    paths = find_paths(g, A, B, amount=E18)
    slice_ = 10 * E18
    fresh = residual_quotes(paths, {}, slice_, exact_in=True)
    state = {ac.key: 500 * E18}  # A->C already carries a lot
    after = {edges: q for q, edges in residual_quotes(paths, state, slice_, exact_in=True)}
    assert fresh
    for q, edges in fresh:
        if edges[0] is ac:  # the slice pays what A->C pays between 500 and 510, then the rest
            first = ac.curve.out(500 * E18 + slice_) - ac.curve.out(500 * E18)
            rest = residual_quote(edges[1:], {}, first, True) if len(edges) > 1 else first
            assert after[edges] == rest < q
        else:
            assert after[edges] == q


def test_find_paths_from_states_prefers_the_untapped_pool():
    g = graph_abcd()
    (ab,) = g.edges_between(A, B)
    (ac,) = g.edges_between(A, C)
    state = {ac.key: 500 * E18}
    best_fresh = max(find_paths(g, A, B, amount=10 * E18), key=lambda q: q.full)
    best_after = max(find_paths(g, A, B, amount=10 * E18, state=state), key=lambda q: q.full)
    assert ac in best_fresh.edges  # untouched, the route through C pays best ...
    assert best_after.edges == (ab,)  # ... but once A->C carries 500, the direct pair does


def test_a_slice_that_fills_a_pool_to_its_cap_is_quoted():
    """A leg the water-filling pours to the brim asks for the pool's cap give or take an ulp;
    quoting it 0 as "more than the pool can take" hid the leg from the swap search (measured:
    8.7 bp lost on a 2-leg split)."""
    pool = v3_pool()
    g = build_graph([pool])
    (edge,) = g.edges_between(pool.token0, pool.token1)
    cap = edge.curve.cap_in
    assert residual_quote((edge,), {}, cap * (1 + 1e-12), True) == pytest.approx(edge.curve.out(cap))
    assert residual_quote((edge,), {}, cap * 1.01, True) == 0.0
    assert residual_quote((edge,), {edge.key: cap / 2}, cap / 2 * (1 + 1e-12), True) > 0.0


def test_marginal_columns_are_the_paths_that_beat_the_level_at_the_pool_states():
    g = graph_abcd()
    (ac,) = g.edges_between(A, C)
    paths = [q.edges for q in find_paths(g, A, B, amount=E18)]
    state = {ac.key: 500 * E18}  # A->C carries a lot: the paths through C pay less at the margin

    def marginal(p):
        m = 1.0
        for e in p:
            m *= e.curve.marginal(state.get(e.key, 0.0))
        return m

    rate = sorted(marginal(p) for p in paths)[1]  # the level sits between the worst path and the rest
    picked = marginal_columns(paths, [], state, rate)
    assert picked and all(marginal(p) > rate for p in picked)
    assert [marginal(p) for p in picked] == sorted((marginal(p) for p in picked), reverse=True)
    assert len(picked) == sum(marginal(p) > rate * (1 + 1e-6) for p in paths)
    assert marginal_columns(paths, [], state, rate, limit=1) == picked[:1]
    assert not marginal_columns(paths, paths, state, rate)  # every path is already a column
    (ca,) = g.edges_between(C, A)  # a chosen path that runs A-C the other way rules out the paths through it
    assert all(ac not in p for p in marginal_columns(paths, [(ca,)], state, 0.0))


@pytest.mark.parametrize("constraints", [
    PathConstraints(),
    PathConstraints(max_hops=2),
    PathConstraints(max_hops=4),  # past three hops it enumerates
    PathConstraints(deny_protocols=frozenset({"uniswap_v2"})),
    PathConstraints(allow_protocols=frozenset({"uniswap_v2"})),
])
def test_improving_paths_are_marginal_columns_over_every_path(constraints):
    """The best-first search returns what pricing every enumerated path would, in the same
    order, at loaded pool states: it prunes only what can't beat the level."""
    import random

    market = build_market(300, seed=41)
    g = build_graph(market.pools)
    rng = random.Random(3)
    tokens = sorted(g.out)
    checked = 0
    while checked < 6:
        sell, buy = rng.sample(tokens, 2)
        paths = enumerate_paths(g, sell, buy, constraints=constraints)
        if len(paths) < 8:
            continue
        checked += 1
        # load the pools of a few paths, as a split would, and set the level among the rest
        have = paths[:3]
        state = {e.key: e.curve.cap_in * rng.uniform(0.05, 0.6) for p in have for e in p}

        def marginal(p):
            m = 1.0
            for e in p:
                m *= e.curve.marginal(state.get(e.key, 0.0))
            return m

        rates = sorted(marginal(p) for p in paths)
        for rate in (0.0, rates[len(rates) // 2], rates[-1] * 2):
            want = marginal_columns(paths, have, state, rate, limit=15)
            got = improving_paths(g, sell, buy, state, rate, have, constraints=constraints, limit=15)
            assert [path_key(p) for p in got] == [path_key(p) for p in want]
        assert improving_paths(g, sell, buy, state, rates[-1] * 2, have, constraints=constraints) == []


def test_improving_paths_honour_the_constraints_and_the_directions_in_use():
    g = graph_abcd()
    (ca,) = g.edges_between(C, A)
    every = improving_paths(g, A, B, {}, 0.0, [])
    assert {tuple(e.token_in for e in p) for p in every} == {(A,), (A, C), (A, C, D)}
    assert improving_paths(g, A, B, {}, 0.0, [], constraints=PathConstraints(avoid_tokens=frozenset({D}))) == [
        p for p in every if len(p) < 3]
    assert [len(p) for p in improving_paths(g, A, B, {}, 0.0, [(ca,)])] == [1]  # A-C runs the other way
    assert improving_paths(g, A, A, {}, 0.0, []) == [] and improving_paths(g, A, "0xnone", {}, 0.0, []) == []


def v3_pool() -> V3Pool:
    market = build_market(40, seed=5, v3_share=1.0)
    return max((p for p in market.pools if len(p.ticks) >= 6), key=lambda p: len(p.ticks))


def test_v2_curve_matches_the_pair_formula():
    p = pair("9", A, B, 123 * E18, 456 * E18, fee_bps=25)
    c = build_curve(p, A)
    for x in (10 ** 6, E18, 50 * E18):
        exact = swap_exact_in(p, A, x).amount_out
        assert abs(c.out(x) - exact) <= max(2.0, exact * 1e-12)
        assert abs(c.inp(exact) - x) <= x * 1e-9 + 1  # the pair rounds its output down


@pytest.mark.parametrize("zero_for_one", [True, False])
def test_v3_curve_tracks_the_exact_swap(zero_for_one):
    pool = v3_pool()
    token_in = pool.token0 if zero_for_one else pool.token1
    c = build_curve(pool, token_in)
    assert len(c.L) >= 2
    for i in range(len(c.C) - 2):  # inside each segment but the last (open-ended) one
        for frac in (0.25, 0.75):
            x = int(c.C[i] + (c.C[i + 1] - c.C[i]) * frac)
            if x < 10 ** 6:
                continue
            r = swap_exact_in(pool, token_in, x)
            assert r.complete
            assert abs(c.out(x) - r.amount_out) <= r.amount_out * 1e-6 + 2
            back = swap_exact_out(pool, token_in, r.amount_out)
            assert abs(c.inp(r.amount_out) - back.amount_in) <= back.amount_in * 1e-6 + 2
            assert c.marginal(x) > c.marginal(x * 1.01) or c.marginal(x) == 0


def test_v3_curve_knows_its_capacity():
    pool = v3_pool()
    c = build_curve(pool, pool.token0)
    assert c.out(c.cap_in * 10) == c.out(c.cap_in)
    assert c.inp(c.cap_out * 1.01) == float("inf")
    r = swap_exact_in(pool, pool.token0, int(c.cap_in * 0.999))
    assert r.complete
