"""Baselines the bench measures the router against: best single path, 5% grid, reference optimum.

None of these is used for routing. They are deliberately built on a different, wider footing
than the router, so that a pruning or optimizer mistake of the router shows up as a gap:
- every simple path up to max_hops is enumerated (no beam, no bounds);
- the best single path is settled with the exact math over the ten best float candidates;
- the 5% grid quotes its candidates with the exact math at every 5% step;
- the reference optimum water-fills 1,000 slices (the router uses 128) over the 40 best paths at
  each of four trade fractions, then runs column generation over *every* path (adds any path
  whose marginal rate at the current pool states beats the water level, re-pours, repeats until
  none does: the optimality condition of the path formulation), polishes to 1/64 of a slice, and
  searches leg removals wider (the four likeliest legs are tried at each round). It obeys the
  same `max_legs` as the router: a route must fit in one transaction.
All of them are scored by the router's own exact execution and gas accounting.
"""

from __future__ import annotations

from math import inf

from routes.graph import PoolGraph
from routes.grid import grid_route
from routes.paths import (PathConstraints, PathQuote, curve_quote, enumerate_paths, marginal_columns, path_key,
                          select_candidates)
from routes.route import EXACT_IN, Route, execute
from routes.router import RouteRequest, Scorer, native_price_for, route_of
from routes.split import WaterFill


def all_paths(graph: PoolGraph, request: RouteRequest) -> list[tuple]:
    constraints = PathConstraints(request.max_hops, request.allow_protocols, request.deny_protocols,
                                  request.avoid_tokens)
    return enumerate_paths(graph, request.sell, request.buy, constraints=constraints)


def scorer_for(graph: PoolGraph, request: RouteRequest) -> Scorer:
    return Scorer(request, native_price_for(graph, request))


def best_single_path(graph: PoolGraph, request: RouteRequest, paths=None) -> Route | None:
    """The best single path by exact net, over all paths (the ten best by float net, exactly)."""
    scorer = scorer_for(graph, request)
    paths = all_paths(graph, request) if paths is None else paths
    sign = 1.0 if scorer.exact_in else -1.0
    ranked = sorted(paths, key=lambda p: -(sign * curve_quote(p, request.amount, scorer.exact_in)
                                           - scorer.path_cost(p, float(request.amount))))
    best = None
    for p in ranked[:10]:
        r = scorer.route([p], [request.amount])
        if r is not None and r.better_than(best):
            best = r
    return best


def _wide_candidates(paths, request: RouteRequest, fractions, top: int) -> list[PathQuote]:
    exact_in = request.kind == EXACT_IN
    chosen: list[PathQuote] = []
    for f in fractions:
        quotes = [PathQuote(p, curve_quote(p, request.amount * f, exact_in), 0.0) for p in paths]
        quotes = [q for q in quotes if (q.full > 0 if exact_in else q.full < inf)]
        chosen += select_candidates(quotes, exact_in=exact_in, by_full=top, by_part=0)
    unique: dict[tuple, PathQuote] = {}
    for q in chosen:
        unique.setdefault(path_key(q.edges), q)
    # one more pass so that no pool is used in both directions by two candidates
    return select_candidates(list(unique.values()), exact_in=exact_in, by_full=len(unique), by_part=0)


def grid_split(graph: PoolGraph, request: RouteRequest, paths=None, *, top: int = 20) -> Route | None:
    """Uniswap-SOR-style: 5% chunks, at most 7 splits, exact quotes, legs sharing no pool."""
    scorer = scorer_for(graph, request)
    paths = all_paths(graph, request) if paths is None else paths
    cands = [q.edges for q in _wide_candidates(paths, request, (1.0, 0.05), top)]

    def quote(i: int, pct: int) -> float | None:
        amount = request.amount * pct // 100
        run = execute([cands[i]], [amount], exact_in=scorer.exact_in)
        if not run.complete:
            return None
        return float(run.amount_out if scorer.exact_in else run.amount_in)

    return grid_route(scorer, cands, quote)


def reference_optimum(graph: PoolGraph, request: RouteRequest, paths=None, *, chunks: int = 1000,
                      top: int = 40) -> Route | None:
    """A fine water-filling optimum over a wide candidate set, with exhaustive leg removal."""
    scorer = scorer_for(graph, request)
    paths = all_paths(graph, request) if paths is None else paths
    cands = [q.edges for q in _wide_candidates(paths, request, (1.0, 0.25, 1 / 16, 1 / 64), top)]
    total = float(request.amount)
    wf, left = _fine_pour(cands, total, scorer.exact_in, chunks)
    for _ in range(12):  # column generation over every path: stop when none beats the level
        new = _improving(cands, wf, scorer.exact_in, total / chunks / 64, left > 0, paths)
        if not new:
            break
        cands += new
        wf, left = _fine_pour(cands, total, scorer.exact_in, chunks)
    if left > total * 1e-9:
        return None
    costs = [scorer.leg_cost(c) for c in cands] if scorer.rate > 0 else [0.0] * len(cands)
    _drop_legs_exhaustively(wf, costs, total, chunks, max_legs=request.max_legs)
    options = [route_of(scorer, cands, wf), best_single_path(graph, request, paths)]
    best = None
    for r in options:
        if r is not None and len(r.legs) <= request.max_legs and r.better_than(best):
            best = r
    return best


def _fine_pour(cands, total: float, exact_in: bool, chunks: int) -> tuple[WaterFill, float]:
    wf = WaterFill(cands, exact_in=exact_in)
    left = wf.pour(total, chunks)
    wf.refine(total / chunks, levels=6)
    return wf, left


def _improving(cands, wf: WaterFill, exact_in: bool, eps: float, starved: bool, paths) -> list:
    """Every path (of all of them) whose marginal rate at the current states beats the level."""
    level = wf.level(eps)
    rate = 0.0 if starved else (level if exact_in else (1.0 / level if level > 0 else 0.0))
    return marginal_columns(paths, cands, wf.model.state, rate)


def _drop_legs_exhaustively(wf: WaterFill, costs: list[float], total: float, chunks: int,
                            tries: int = 4, max_legs: int = 12) -> None:
    """Backward elimination: each round tries the `tries` legs whose surplus over the water level
    falls furthest short of their gas (the router tries one), keeps the best drop, repeats; while
    there are more than `max_legs` legs, the best drop is taken even when it costs."""
    sign = 1.0 if wf.exact_in else -1.0
    eps = total / chunks / 64
    for i in range(len(wf.amounts)):  # empty candidates only slow the polish down
        if not wf.carries(i):
            wf.drain(i)

    def net() -> float:
        return sign * wf.value - sum(costs[i] for i in range(len(wf.amounts)) if wf.carries(i))

    while True:
        base, best, best_snap = wf.snapshot(), None, None
        level = wf.level(eps)
        active = [i for i in range(len(wf.amounts)) if wf.carries(i)]
        forced = len(active) > max_legs
        if len(active) <= 1:
            return
        short = sorted(active, key=lambda i: wf.rent(i, level) - costs[i])
        for n, i in enumerate(short):
            if n >= tries and (best_snap is not None or not forced):
                break  # past the likeliest few, keep looking only for a drop that must happen
            wf.restore(base)
            freed = wf.drain(i)
            if wf.pour(freed, max(16, round(chunks * freed / total))) > 0:
                continue
            wf.refine(total / chunks, levels=3)
            if best is None or net() > best:
                best, best_snap = net(), wf.snapshot()
        wf.restore(base)
        if best_snap is None or (not forced and best <= net()):
            return
        wf.restore(best_snap)
