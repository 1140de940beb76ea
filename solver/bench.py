"""`solver bench`: routing speed and quality on seeded synthetic markets, against baselines.

For each market size, a seeded set of trades (hub and long-tail pairs, $1k to $10M, exact-in and
exact-out) is routed on a graph built once (state in memory). Latency is the wall time of
find_best_route, computed from scratch each time; the first call of a case also builds the pool
curves it touches, so it is reported apart ("first") from the warm repeats (p50/p95).
Quality compares the router's exact net output with baselines computed in the same run
(routes.reference): best single path, Uniswap-style 5% grid, and a fine reference optimum on
the smaller markets. Gaps are in basis points, positive when the router is better.
On those smaller markets the router's GROSS output is also measured against a certified bound
(routes.bound: nothing routed over paths of up to max_hops can do better, gas and the leg cap
aside): "vs_bound_bps" is how far below it the router is, in bp (>= 0 up to float rounding).
"""

from __future__ import annotations

import random
import statistics
import time

from routes.bound import Bound, gross_upper_bound
from routes.graph import build_graph
from routes.reference import all_paths, best_single_path, grid_split, reference_optimum
from routes.route import EXACT_IN, EXACT_OUT, Route
from routes.router import RouteRequest, find_best_route
from routes.synthetic import Market, build_market

GAS_PRICE_WEI = 20 * 10 ** 9
_DEPTH_FRACTIONS = (0.0005, 0.005, 0.02, 0.1)


def make_cases(market: Market, count: int, rng: random.Random) -> list[RouteRequest]:
    """`count` trades over hub and long-tail pairs, 1 in 4 exact-out.

    Sizes are fractions of the thinner token's total pool TVL (0.05% to 10%), so every size
    class means the same thing on every market: from "barely moves the price" to "eats a tenth
    of all the liquidity there is".
    """
    hubs, tail = list(market.hubs), list(market.tokens[len(market.hubs):len(market.hubs) + 40])
    weth = market.token("WETH").address
    cases = []
    for k in range(count):
        side = k % 4
        pools = (hubs, hubs) if side == 0 else (hubs, tail) if side == 1 else (tail, hubs) if side == 2 else (tail, tail)
        a = rng.choice([t for t in pools[0] if market.depth_usd[t.address] > 0])
        b = rng.choice([t for t in pools[1] if t.address != a.address and market.depth_usd[t.address] > 0])
        usd = min(market.depth_usd[a.address], market.depth_usd[b.address]) * _DEPTH_FRACTIONS[(k // 4 + k) % 4]
        usd *= rng.uniform(0.7, 1.4)
        kind = EXACT_OUT if k % 4 == 3 else EXACT_IN
        amount = a.amount_for_usd(usd) if kind == EXACT_IN else b.amount_for_usd(usd)
        cases.append(RouteRequest(a.address, b.address, amount, kind=kind, gas_price_wei=GAS_PRICE_WEI,
                                  wrapped_native=weth))
    return cases


def gap_bps(router: Route | None, baseline: Route | None) -> float | None:
    """How much better the router's net is than the baseline's, in bp (None if either is missing)."""
    if router is None or baseline is None or baseline.net_amount <= 0:
        return None
    diff = router.net_amount - baseline.net_amount
    if router.kind == EXACT_OUT:
        diff = -diff
    return diff / baseline.net_amount * 10_000


def bound_gap_bps(router: Route | None, bound: Bound | None) -> float | None:
    """How far the router's gross output is below the bound (exact-in) or its gross input above
    it (exact-out), in bp of the bound (None if either is missing or the bound is degenerate)."""
    if router is None or bound is None or not 0 < bound.value < float("inf"):
        return None
    if router.kind == EXACT_OUT:
        return (router.amount_in - bound.value) / bound.value * 10_000
    return (bound.value - router.amount_out) / bound.value * 10_000


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def bench_size(size: int, *, cases: int, seed: int, repeats: int, reference: bool) -> dict:
    rng = random.Random(seed * 1_000_003 + size)
    market = build_market(size, seed=seed + size)
    t0 = time.perf_counter()
    graph = build_graph(market.pools)
    build_ms = (time.perf_counter() - t0) * 1e3
    warm, first, rows = [], [], []
    for req in make_cases(market, cases, rng):
        t0 = time.perf_counter()
        result = find_best_route(graph, req)
        first.append((time.perf_counter() - t0) * 1e3)
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            find_best_route(graph, req)
            samples.append((time.perf_counter() - t0) * 1e3)
        warm += samples
        paths = all_paths(graph, req)
        single = best_single_path(graph, req, paths)
        grid = grid_split(graph, req, paths)
        ref = reference_optimum(graph, req, paths) if reference else None
        t0 = time.perf_counter()
        bound = gross_upper_bound(graph, req.sell, req.buy, req.amount, exact_in=req.kind == EXACT_IN,
                                  max_hops=req.max_hops, paths=paths) if reference else None
        bound_ms = (time.perf_counter() - t0) * 1e3 if reference else None
        route = result.route
        rows.append({
            "kind": req.kind, "sell": req.sell, "buy": req.buy, "amount": str(req.amount),
            "ok": route is not None, "reason": result.reason,
            "legs": len(route.legs) if route else 0, "hops": route.hop_count if route else 0,
            "net": str(route.net_amount) if route else None,
            "ms_p50": statistics.median(samples), "ms_first": first[-1],
            "vs_single_bps": gap_bps(route, single), "vs_grid_bps": gap_bps(route, grid),
            "vs_reference_bps": gap_bps(route, ref),
            "paths": result.paths_considered, "all_paths": len(paths),
            "vs_bound_bps": bound_gap_bps(route, bound), "bound_ms": bound_ms,
        })
    return {
        "pools": size, "tokens": len(market.tokens), "graph_build_ms": build_ms, "cases": len(rows),
        "latency_ms": {"p50": _percentile(warm, 0.5), "p95": _percentile(warm, 0.95),
                       "first_p50": _percentile(first, 0.5), "first_max": max(first, default=float("nan"))},
        "quality_bps": {name: _summary([r[key] for r in rows])
                        for name, key in (("vs_single", "vs_single_bps"), ("vs_grid", "vs_grid_bps"),
                                          ("vs_reference", "vs_reference_bps"),
                                          ("gross_vs_bound", "vs_bound_bps"))},
        "rows": rows,
    }


def _summary(gaps: list[float | None]) -> dict:
    present = [g for g in gaps if g is not None]
    if not present:
        return {"n": 0, "min": None, "median": None, "max": None}
    return {"n": len(present), "min": min(present), "median": statistics.median(present), "max": max(present)}


def run_bench(sizes=(100, 1000, 10000), cases: int = 12, seed: int = 7, repeats: int = 5,
              reference_max_pools: int = 1000) -> dict:
    """The bench as a dict (for `solver bench --json`): one entry per market size."""
    return {
        "schema": "solver.bench/1", "seed": seed, "cases_per_size": cases, "repeats": repeats,
        "gas_price_wei": str(GAS_PRICE_WEI),
        "sizes": [bench_size(size, cases=cases, seed=seed, repeats=repeats,
                             reference=size <= reference_max_pools) for size in sizes],
    }


def render_rows(report: dict) -> list[list[str]]:
    """The summary as plain rows (a header first) for whoever draws the table."""
    rows = [["pools", "cases", "p50 ms", "p95 ms", "first ms", "vs single bp (min/med)",
             "vs 5% grid bp (min/med)", "vs reference bp (min/med)", "gross below bound bp (med/max)"]]

    def pair(s: dict) -> str:
        return "-" if not s["n"] else f"{s['min']:+.2f} / {s['median']:+.2f}"

    def below(s: dict) -> str:
        return "-" if not s["n"] else f"{s['median']:.2f} / {s['max']:.2f}"

    for size in report["sizes"]:
        lat, q = size["latency_ms"], size["quality_bps"]
        rows.append([f"{size['pools']:,}", str(size["cases"]), f"{lat['p50']:.1f}", f"{lat['p95']:.1f}",
                     f"{lat['first_p50']:.1f}", pair(q["vs_single"]), pair(q["vs_grid"]),
                     pair(q["vs_reference"]), below(q["gross_vs_bound"])])
    return rows


def render_table(report: dict) -> str:
    """A plain-text table of render_rows."""
    rows = render_rows(report)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(r, widths)) for r in rows)


if __name__ == "__main__":  # python -m solver.bench: a quick look without the CLI
    print(render_table(run_bench()))
