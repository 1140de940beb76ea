"""The router: the best executable route for one request, plus the alternatives it beat.

find_best_route runs, in order:
1. the beam search for candidate paths (routes.paths), sized by the trade itself;
2. the best single path, chosen on float net quotes and settled with the exact math;
3. if splitting is allowed, the water-filling optimum over the candidates (routes.split), gross
   and then gas-aware, each re-executed exactly in encoding order (routes.route.execute);
4. the winner by exact net amount. A split only wins when its exact net beats the best single
   path, so it is never worse than the best single path the search found.

Expected outcomes are values: a request that can't be routed gives route=None and a reason.
Partial fills are never returned as routes; when liquidity runs out the reason says how much the
candidates could fill, and `max_fill` carries it as an integer.
"""

from __future__ import annotations

from dataclasses import dataclass

from routes.gas import IDENTITY, GasModel, NativePrice, gas_cost
from routes.graph import PoolGraph, build_graph
from routes.grid import best_grid_split
from routes.paths import PathConstraints, PathQuote, find_improving_paths, find_paths, select_candidates
from routes.route import EXACT_IN, EXACT_OUT, Execution, Leg, Route, execute, share_bps
from routes.split import WaterFill, allocate, optimise_net, to_integers

CHUNKS = 128  # slices of the water-filling; the polish pass refines well below one slice
COLUMN_ROUNDS = 3  # rounds of column generation (new paths priced at the water level)
COLUMN_MIN_GAIN = 1e-4  # a new path must beat the level by this much (1 bp) to be worth a re-pour


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """One trade to route. `amount` is sold (exact_in) or bought (exact_out), in base units.

    Gas is scored in the buy token for exact-in and in the sell token for exact-out; with
    `native_price` None and a gas price set, the router prices the native token itself from
    `wrapped_native` through the best path on the same graph.
    """

    sell: str
    buy: str
    amount: int
    kind: str = EXACT_IN
    max_hops: int = 3
    allow_protocols: frozenset[str] | None = None
    deny_protocols: frozenset[str] = frozenset()
    avoid_tokens: frozenset[str] = frozenset()
    split: bool = True
    gas_price_wei: int = 0
    wrapped_native: str | None = None
    native_price: NativePrice | None = None
    gas_model: GasModel = GasModel()
    explain: bool = False


@dataclass(frozen=True, slots=True)
class RouteResult:
    """The chosen route (None when there is none, with `reason`) and the alternatives considered.

    `best_single`, `best_split_gross` (the split that ignores gas) and `grid_split` (the
    5%-grid, only with request.explain) are full exact routes scored the same way, for --explain.
    """

    request: RouteRequest
    route: Route | None
    reason: str | None = None
    best_single: Route | None = None
    best_split_gross: Route | None = None
    grid_split: Route | None = None
    max_fill: int | None = None
    paths_considered: int = 0
    candidates: int = 0


class Scorer:
    """Turns exact executions into Routes with gas units, gas cost and net amount."""

    def __init__(self, request: RouteRequest, price: NativePrice | None) -> None:
        self.request = request
        self.price = price
        self.exact_in = request.kind == EXACT_IN
        priced = price.rate() if price is not None else 0.0
        self.rate = priced * request.gas_price_wei  # scored token per gas unit, floats only

    def leg_cost(self, edges) -> float:
        model = self.request.gas_model
        return self.rate * sum(model.hop_units(e.protocol) for e in edges)

    def route(self, paths, amounts: list[int]) -> Route | None:
        """The exact route for these legs, or None. A leg the pool refuses (a sliver whose output
        rounds to zero, a float-model edge case at a pool's last tick) is dropped and its amount
        given to the largest leg, a few times at most."""
        paths, amounts = list(paths), list(amounts)
        for _ in range(4):
            run: Execution = execute(paths, amounts, exact_in=self.exact_in)
            if run.complete or len(run.legs) + 1 >= sum(1 for a in amounts if a > 0):
                break
            live = [j for j, a in enumerate(amounts) if a > 0]
            bad = live[len(run.legs)]
            biggest = max((j for j in live if j != bad), key=amounts.__getitem__)
            amounts[biggest] += amounts[bad]
            amounts[bad] = 0
        if not run.complete or not run.legs:
            return None
        req = self.request
        units = req.gas_model.route_units(run.legs)
        cost = gas_cost(units, req.gas_price_wei, self.price)
        fixed = [leg[0].amount_in if self.exact_in else leg[-1].amount_out for leg in run.legs]
        legs = tuple(Leg(hops, bps) for hops, bps in zip(run.legs, share_bps(fixed)))
        net = run.amount_out - (cost or 0) if self.exact_in else run.amount_in + (cost or 0)
        return Route(req.kind, req.sell, req.buy, run.amount_in, run.amount_out, legs, units, cost, net)


def find_best_route(pools, request: RouteRequest) -> RouteResult:
    """Route `request` over `pools` (an iterable of snapshots, or a prebuilt PoolGraph)."""
    graph = pools if isinstance(pools, PoolGraph) else build_graph(pools)
    problem = _check(graph, request)
    if problem:
        return RouteResult(request, None, problem)
    exact_in = request.kind == EXACT_IN
    constraints = PathConstraints(request.max_hops, request.allow_protocols, request.deny_protocols,
                                  request.avoid_tokens)
    paths = find_paths(graph, request.sell, request.buy, amount=request.amount, exact_in=exact_in,
                       constraints=constraints)
    if not paths:
        # nothing carries the full amount: is it the graph, or the liquidity?
        paths = find_paths(graph, request.sell, request.buy, amount=1, exact_in=exact_in, constraints=constraints)
        if not paths:
            return RouteResult(request, None, _no_path_reason(request))
        fill = _fill_of(paths, request)
        return RouteResult(request, None, _liquidity_reason(request, fill), max_fill=fill,
                           paths_considered=len(paths))
    scorer = Scorer(request, native_price_for(graph, request))
    single = _best_single(paths, scorer)
    gross = net = None
    max_fill = None
    candidates: list[PathQuote] = []
    if request.split and len(paths) > 1:
        candidates = select_candidates(paths, exact_in=exact_in,
                                       extra=[p for p in paths if single and p.edges == single[1]])
        gross, net, max_fill = _best_split(graph, candidates, scorer, constraints)
    best_single_route = single[0] if single else None
    best = best_single_route
    for r in (gross, net):
        if r is not None and r.better_than(best):
            best = r
    grid = _grid_route(candidates or paths[:1], scorer) if request.explain else None
    if best is None:
        if max_fill is None:
            max_fill = _fill_of(candidates or paths, request)
        return RouteResult(request, None, _liquidity_reason(request, max_fill), None, None, grid,
                           max_fill, len(paths), len(candidates))
    return RouteResult(request, best, None, best_single_route, gross, grid, None, len(paths), len(candidates))


def _check(graph: PoolGraph, request: RouteRequest) -> str | None:
    if request.kind not in (EXACT_IN, EXACT_OUT):
        return f"unknown trade kind {request.kind!r}"
    if request.amount <= 0:
        return "the amount must be positive"
    if request.sell == request.buy:
        return "sell and buy are the same token"
    if request.max_hops < 1:
        return "max_hops must be at least 1"
    for token in (request.sell, request.buy):
        if not graph.has_token(token):
            return f"no pool connects {request.sell} to {request.buy}: no pool holds {token}"
    return None


def _no_path_reason(request: RouteRequest) -> str:
    limits = [f"within {request.max_hops} hop{'s' if request.max_hops > 1 else ''}"]
    if request.avoid_tokens:
        limits.append("avoiding " + ", ".join(sorted(request.avoid_tokens)))
    if request.allow_protocols is not None:
        limits.append("only on " + ", ".join(sorted(request.allow_protocols)))
    if request.deny_protocols:
        limits.append("not on " + ", ".join(sorted(request.deny_protocols)))
    return f"no pool connects {request.sell} to {request.buy} " + " ".join(limits)


def _liquidity_reason(request: RouteRequest, max_fill: int) -> str:
    side = request.sell if request.kind == EXACT_IN else request.buy
    return f"not enough liquidity: best fills {max_fill} of {request.amount} {side}"


def native_price_for(graph: PoolGraph, request: RouteRequest) -> NativePrice | None:
    """Scored-token units per native wei: given, trivial, or quoted on the best path."""
    if request.native_price is not None or request.gas_price_wei <= 0:
        return request.native_price
    scored = request.buy if request.kind == EXACT_IN else request.sell
    native = request.wrapped_native
    if native is None:
        return None
    if native == scored:
        return IDENTITY
    model = request.gas_model
    amount = max(request.gas_price_wei * (model.base + 2 * model.v3_hop), 10 ** 15)
    for hops in (2, 3):
        paths = find_paths(graph, native, scored, amount=amount, per_token=1, fraction=1.0,
                           constraints=PathConstraints(max_hops=hops))
        for p in sorted(paths, key=lambda p: -p.full)[:2]:
            run = execute([p.edges], [amount], exact_in=True)
            if run.complete and run.amount_out > 0:
                return NativePrice(amount, run.amount_out)
    return None


def _best_single(paths: list[PathQuote], scorer: Scorer) -> tuple[Route, tuple] | None:
    """Exact-evaluate the few best paths by float net and keep the best by exact net."""
    sign = 1.0 if scorer.exact_in else -1.0
    ranked = sorted(paths, key=lambda p: -(sign * p.full - scorer.leg_cost(p.edges)))
    best: tuple[Route, tuple] | None = None
    for p in ranked[:3]:
        r = scorer.route([p.edges], [scorer.request.amount])
        if r is not None and (best is None or r.better_than(best[0])):
            best = (r, p.edges)
    return best


def _best_split(graph: PoolGraph, candidates: list[PathQuote], scorer: Scorer, constraints: PathConstraints):
    """(gross-optimal route, gas-aware route, max fill if the candidates can't fill the amount)."""
    req = scorer.request
    edges = [c.edges for c in candidates]
    total = float(req.amount)
    wf, left = _pour(edges, total, scorer.exact_in)
    # column generation: add the paths whose marginal rate at the current pool states beats
    # the water level, and pour again, until none does
    for _ in range(COLUMN_ROUNDS):
        level = wf.level(total / CHUNKS / 8)
        rate = level if scorer.exact_in else (1.0 / level if level > 0 else 0.0)
        if left > 0:
            rate = 0.0  # out of liquidity: any path that still has some is welcome
        new = _new_columns(graph, req, edges, wf, rate * (1 + COLUMN_MIN_GAIN), constraints)
        if not new:
            break
        edges += new
        wf, left = _pour(edges, total, scorer.exact_in)
    if left > total * 1e-9:
        return None, None, int(wf.filled)
    gross = scorer.route(edges, to_integers(wf.amounts, req.amount))
    if scorer.rate <= 0:
        return gross, gross, None
    costs = [scorer.leg_cost(e) for e in edges]
    wf = optimise_net(edges, total, exact_in=scorer.exact_in, leg_costs=costs, chunks=CHUNKS, start=wf)
    net = scorer.route(edges, to_integers(wf.amounts, req.amount))
    return gross, net, None


def _pour(edges, total: float, exact_in: bool) -> tuple[WaterFill, float]:
    wf = WaterFill(edges, exact_in=exact_in)
    left = wf.pour(total, CHUNKS)
    wf.refine(total / CHUNKS)
    return wf, left


def _new_columns(graph: PoolGraph, req: RouteRequest, edges: list, wf: WaterFill, level: float,
                 constraints: PathConstraints) -> list:
    used = {e.key for p in edges for e in p}
    exclude = {tuple(e.key for e in p) for p in edges}
    found = find_improving_paths(graph, req.sell, req.buy, state=wf.model.state, level=level,
                                 constraints=constraints, exclude=exclude)
    new = []
    for p in found:
        if not any(e.reverse_key in used for e in p):
            new.append(p)
            used.update(e.key for e in p)
    return new


def _grid_route(candidates: list[PathQuote], scorer: Scorer) -> Route | None:
    """The 5%-grid split over the same candidates, chosen on float quotes and executed exactly."""
    req = scorer.request
    edges = [c.edges for c in candidates]

    def quote(i: int, pct: int) -> float | None:
        a = req.amount * pct / 100
        for e in edges[i] if scorer.exact_in else reversed(edges[i]):
            a = e.curve.out(a) if scorer.exact_in else e.curve.inp(a)
        return None if a <= 0 or a == float("inf") else a

    picks = best_grid_split(edges, quote, exact_in=scorer.exact_in,
                            leg_costs=[scorer.leg_cost(e) for e in edges])
    if not picks:
        return None
    amounts = [req.amount * pct // 100 for _, pct in picks]
    amounts[0] += req.amount - sum(amounts)
    return scorer.route([edges[i] for i, _ in picks], amounts)


def _fill_of(paths: list[PathQuote], request: RouteRequest) -> int:
    """The most the paths can fill together (or the best one alone, when splitting is off)."""
    if not request.split:
        return max(int(allocate([p.edges], float(request.amount), exact_in=request.kind == EXACT_IN).filled)
                   for p in paths[:20])
    edges = [p.edges for p in paths]
    alloc = allocate(edges, float(request.amount), exact_in=request.kind == EXACT_IN)
    return int(alloc.filled)
