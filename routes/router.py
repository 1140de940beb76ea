"""The router: the best executable route for one request, plus the alternatives it beat.

find_best_route runs, in order:
1. the beam search for candidate paths (routes.paths), sized by the trade itself and net of gas;
2. the best single path, chosen on float net quotes and settled with the exact math;
3. if splitting is allowed, the water-filling optimum over the candidates (routes.split), with
   column generation: after each pour, the paths that pay best for one more slice at the
   current pool states (routes.paths.residual_quotes over the first search's paths, and a new
   graph search from those states once a dozen legs are in use) join the candidates, until
   none beats the water level or none of the new legs earns its gas. A trade too small for any
   split to pay for its extra gas stops after the first round;
4. the gas-aware choice of legs (routes.legs), at most `max_legs` of them: forward growth from
   the best single path, backward elimination from the gross optimum, and a local search
   (add, drop or swap a leg) from the better of the two, over every path tried on the way,
   seeded with swaps of its weakest leg and, for small splits, the best two-leg 5%-grid pair.
   When the gross optimum has more legs than the cap, which to keep is chosen the same ways
   on finer pours (_under_the_cap); a split at the cap also tries each leg swapped for the
   paths of the whole graph that pay best in its place (_capped_swaps). A split whose gross
   optimum ends with WIDEN_FROM legs or more, or whose gas-aware split has WIDEN_SMALL_FROM, is
   also widened (_widen: the paths of the whole graph priced at the margin from its pool
   states, finer pours) and settled again from there, and so is a trade that few paths can
   carry whole (its candidates include paths searched for slivers of it: _sliver_paths); the
   better of the two is kept. The winner then tries dropping its smallest legs, each re-poured
   and run exactly (_exact_drops);
5. the winner by exact net amount, every candidate re-executed with the exact math in encoding
   order (routes.route). A split only wins when its exact net beats the best single path.

Expected outcomes are values: a request that can't be routed gives route=None and a reason.
Partial fills are never returned as routes; when liquidity runs out the reason says how much the
candidates could fill, and `max_fill` carries it as an integer.

Known limit: when legs share a pool and then part ways, executing them one after another makes
the output a non-concave function of the leg amounts, and the split found is a local optimum
(the property tests measure how far it can be off).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import inf

from routes.gas import IDENTITY, GasModel, NativePrice, gas_cost
from routes.graph import PoolGraph, build_graph
from routes.grid import grid_route
from routes.paths import (FRACTION, PathConstraints, PathQuote, curve_quote, find_paths, fresh_paths, improving_paths,
                          path_key, residual_quote, residual_quotes, select_candidates)
from routes.pools import UNISWAP_V2, UNISWAP_V3
from routes.route import EXACT_IN, EXACT_OUT, Leg, Route, execute, execute_folding, share_bps
from routes.legs import float_net, grow_net, optimise_net, swap_net
from routes.split import WaterFill, allocate, to_integers

CHUNKS = 32  # slices of the first water-filling pass
FEW_PATHS = 4  # fewer first-search paths: search for slivers too; fewer that carry it whole: widen
SLIVER = 1024  # a sliver of the trade (_sliver_paths)
LEVELS = 8  # polish passes, each at half the slice of the one before: ends at 1/256 of a slice
ROUGH = 3  # polish passes while the candidate set or the legs are still being decided
SINGLE_EXACT = 4  # single paths settled with the exact math, the best by float net
SINGLE_EXACT_MAX = 10  # ... or more when their float nets are too close to call
COLUMN_ROUNDS = 8  # rounds of column generation (new paths priced at the water level)
COLUMN_BATCH = 8  # paths added in the first round at most, doubling each round
COLUMN_CAP = 8  # ... up to this many candidates per leg allowed (max_legs)
COLUMN_MIN_GAIN = 1e-4  # a new path must beat the level by 1 bp; a round must gain 0.1 bp
CAP_CHUNKS, CAP_LEVELS = 64, 3  # pours that choose the legs of a split over the leg cap
CAREFUL_ABOVE_CAP = 8  # legs above the cap from which drops are tried one by one, re-poured
GRAPH_COLUMNS_PER_TOKEN = 6  # prefixes kept per token by that search: a split funnels many into one deep pool
SWAP_ROUNDS, SWAP_TRIES = 2, 3  # local search of the gas-aware legs: rounds, moves re-poured per round
PRICED_PATHS = 600  # first-search paths column generation re-prices each round (half by fraction, half by full)
PAIR_BY_FULL, PAIR_BY_PART, PAIR_STEPS = 6, 10, 20  # the two-leg grid: seed paths, steps
PAIR_UP_TO = 3  # ... tried for splits of at most this many legs
REPLACE_EVERY_UP_TO = 4  # splits of at most this many legs try replacing each leg, not only the weakest
REPLACEMENTS = 3  # paths tried in place of the weakest leg, the best net of gas for its amount
GRAPH_COLUMNS_FROM = 12  # legs in use before column generation also searches the graph again
GRAPH_COLUMNS_DRY = 4  # ... or before it does so when the first search's paths have run dry
GRAPH_COLUMNS_GAIN = 5e-4  # ... and only after a round that gained at least this much (5 bp)
GRAPH_SEARCHES = 2  # ... at most this many times per route (a trade the candidates can't fill: no limit)
EXACT_DROPS_FROM, EXACT_DROPS = 3, 3  # splits of this many legs try dropping each of their smallest few, exactly
WIDEN_FROM = 10  # legs of the settled gross split from which a split is widened (_widen) ...
WIDEN_SMALL_FROM = 4  # ... or of the settled split net of gas (then only that one is settled again)
WIDEN_PATHS = 1500  # ... unless the first search found more paths than this (a big graph: too dear)
WIDEN_ROUNDS = 3  # ... rounds of marginal pricing, each re-poured
WIDEN_CHUNKS, WIDEN_LEVELS = 256, 4  # ... on pours this fine
CAPPED_SWAPS = 2  # paths of the whole graph tried in place of each leg of a split at the leg cap ...
DENSE_SWAPS_FROM_BP = 20.0  # ... on a big graph (WIDEN_PATHS) only when the cap costs this much (bp) of the uncapped optimum


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """One trade to route. `amount` is sold (exact_in) or bought (exact_out), in base units.

    Gas is scored in the buy token for exact-in and in the sell token for exact-out; with
    `native_price` None and a gas price set, the router prices the native token itself from
    `wrapped_native` through the best path on the same graph. `max_legs` caps a split so that
    it fits in one transaction (the Uniswap router caps at 7).
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
    max_legs: int = 12


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
        self._leg_costs: dict = {}

    def hop_costs(self) -> dict[str, float]:
        """Gas of one hop by protocol in the scored token (ticks aside), for the path search."""
        model = self.request.gas_model
        return {p: self.rate * model.hop_units(p) for p in (UNISWAP_V2, UNISWAP_V3)} if self.rate > 0 else {}

    def leg_cost(self, edges) -> float:
        """Gas of one leg over these edges, in the scored token, without tick crossings."""
        cost = self._leg_costs.get(edges)
        if cost is None:  # priced again and again by the split search: remember it
            model = self.request.gas_model
            cost = self._leg_costs[edges] = self.rate * sum(model.hop_units(e.protocol) for e in edges)
        return cost

    def hop_net(self, quote: float, edges) -> float:
        """A float quote of a leg over `edges` (its output for exact-in, its input for exact-out)
        as a score net of the leg's hop gas, higher is better: how paths are ranked for a slice."""
        return (quote if self.exact_in else -quote) - self.leg_cost(edges)

    def path_cost(self, edges, amount: float) -> float:
        """Gas of the whole amount on one path, tick crossings estimated on the float curves."""
        model, units = self.request.gas_model, 0
        for e in edges if self.exact_in else reversed(edges):
            c = e.curve
            if self.exact_in:
                units += model.hop_units(e.protocol, c.ticks(amount))
                amount = c.out(amount)
            else:
                amount = c.inp(amount)
                units += model.hop_units(e.protocol, c.ticks(amount))
        return self.rate * units

    def route(self, paths, amounts: list[int]) -> Route | None:
        """The exact route for these legs run in this order (see execute_folding), or None."""
        run, _ = execute_folding(list(paths), list(amounts), exact_in=self.exact_in)
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
    scorer = Scorer(request, native_price_for(graph, request))
    paths = find_paths(graph, request.sell, request.buy, amount=request.amount, exact_in=exact_in,
                       constraints=constraints, hop_cost=scorer.hop_costs(),
                       tick_cost=scorer.rate * request.gas_model.v3_tick)
    single = _best_single(paths, scorer) if paths else None
    if request.split and len(paths) < FEW_PATHS:
        paths = _union(paths, _sliver_paths(graph, request, constraints, scorer), key=lambda q: path_key(q.edges))
    if not paths:
        # nothing carries even a sliver of the amount: is it the graph, or the liquidity?
        paths = find_paths(graph, request.sell, request.buy, amount=1, exact_in=exact_in, constraints=constraints)
        if not paths:
            return RouteResult(request, None, _no_path_reason(request))
        fill = _fill_of(paths, request)
        return RouteResult(request, None, _liquidity_reason(request, fill), max_fill=fill,
                           paths_considered=len(paths))
    gross = net = None
    max_fill = None
    candidates: list[PathQuote] = []
    if request.split and len(paths) > 1:
        candidates = select_candidates(paths, exact_in=exact_in,
                                       extra=[p for p in paths if single and p.edges == single[1]])
        gross, net, max_fill = _best_split(graph, constraints, paths, candidates, scorer, single)
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


def _sliver_paths(graph: PoolGraph, request: RouteRequest, constraints: PathConstraints,
                  scorer: Scorer) -> list[PathQuote]:
    """The paths that pay best for a sliver of the trade (1/SLIVER), quoted for the whole trade
    and for the search's fraction of it (0, or inf for exact-out, where they can't carry it).

    The first search keeps the paths that carry an eighth of the trade; one that dwarfs all but
    a path or two leaves the split nothing to spread over, while paths that each take a sliver
    at a far better price still pay for their gas (measured: a 5-leg split, 4 of its legs at
    0.1% each, 13.7 bp better net than the one path the first search found)."""
    exact_in = request.kind == EXACT_IN
    amount = float(request.amount)
    found = find_paths(graph, request.sell, request.buy, amount=max(1, request.amount // SLIVER), exact_in=exact_in,
                       constraints=constraints, hop_cost=scorer.hop_costs(),
                       tick_cost=scorer.rate * request.gas_model.v3_tick)
    return [PathQuote(q.edges, residual_quote(q.edges, {}, amount, exact_in),
                      residual_quote(q.edges, {}, amount * FRACTION, exact_in)) for q in found]


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
    """Exact-evaluate the best paths by float net and keep the best by exact net.

    The float net can't know QuoterV2's tick count exactly (it counts a tick the price merely
    sits on; routes.pool_ticks_counter), so every path whose float net is within that
    uncertainty of the leader is settled exactly too, up to SINGLE_EXACT_MAX of them.
    """
    sign = 1.0 if scorer.exact_in else -1.0
    amount = float(scorer.request.amount)
    ranked = sorted(paths, key=lambda p: -scorer.hop_net(p.full, p.edges))[:12]
    nets = [(sign * p.full - scorer.path_cost(p.edges, amount), p) for p in ranked]
    nets.sort(key=lambda np: -np[0])
    tick = scorer.rate * scorer.request.gas_model.v3_tick
    if nets:
        lead = nets[0][0]
        close = [p for net, p in nets if net >= lead - tick * (_v3_hops(p) + _v3_hops(nets[0][1])) - abs(lead) * 1e-9]
    else:
        close = []
    best: tuple[Route, tuple] | None = None
    for p in (close if len(close) > SINGLE_EXACT else [p for _, p in nets[:SINGLE_EXACT]])[:SINGLE_EXACT_MAX]:
        r = scorer.route([p.edges], [scorer.request.amount])
        if r is not None and (best is None or r.better_than(best[0])):
            best = (r, p.edges)
    return best


def _v3_hops(p: PathQuote) -> int:
    return sum(e.protocol != "uniswap_v2" for e in p.edges)


def _best_split(graph: PoolGraph, constraints: PathConstraints, paths: list[PathQuote],
                candidates: list[PathQuote], scorer: Scorer, best_single: tuple[Route, tuple] | None = None):
    """(gross-optimal route, gas-aware route, max fill if the candidates can't fill the amount)."""
    req = scorer.request
    edges = [c.edges for c in candidates]
    total = float(req.amount)
    wf, left = _pour(edges, total, scorer.exact_in)
    single = best_single[1] if best_single else None

    def hopeless() -> bool:  # no split can pay for its extra gas (after the first round of columns)
        return bool(best_single) and left == 0 and not req.explain and not _split_can_pay(
            scorer, wf, best_single[0], edges)

    tried = list(edges)
    # the paths column generation prices at every round: on a big graph the first search returns
    # thousands, and the best for a slice of the trade are among its best for a slice of it fresh
    sign = 1.0 if scorer.exact_in else -1.0
    dense = len(paths) > WIDEN_PATHS  # a big graph: widening a big split would cost too much there
    if len(paths) > PRICED_PATHS and left == 0:  # (a trade the candidates can't fill needs them all)
        half = PRICED_PATHS // 2
        by_part = sorted(paths, key=lambda p: -sign * p.part)[:half]
        by_full = sorted(paths, key=lambda p: -scorer.hop_net(p.full, p.edges))[:half]
        paths = _union(by_part, by_full, key=id)
    # column generation: add the paths that pay best for one more slice at the current pool
    # states and beat the water level, and pour again, until none does or a round stops paying
    checked = False
    gained = inf  # the last round's gain, relative
    searches = 0  # graph searches made so far
    pooled_all = False  # whether every path of the first search has been poured (when short)
    for round_ in range(COLUMN_ROUNDS):
        rate = _as_rate(wf.level(total / CHUNKS / 2 ** ROUGH), scorer.exact_in)
        if left > 0:
            rate = 0.0  # out of liquidity: any path that still has some is welcome
        # paths the water-filling left empty are priced below the level: keep the pour small
        live = [p for i, p in enumerate(edges) if wf.carries(i)]
        room = COLUMN_CAP * req.max_legs - len(live)
        if room <= 0:
            break
        # the graph search is dear on a big graph: only while rounds still gain a lot
        searching = left > 0 or gained >= GRAPH_COLUMNS_GAIN and searches < GRAPH_SEARCHES
        new, searched = _new_columns(paths, scorer, edges, wf, rate * (1 + COLUMN_MIN_GAIN),
                                     limit=min(COLUMN_BATCH << round_, room), graph=graph if searching else None,
                                     constraints=constraints, starved=left > 0)
        searches += searched
        if not new and left > 0 and not pooled_all and len(paths) <= PRICED_PATHS:
            # still short, and no path carries a slice on top of these states: the pour filled
            # pools that other paths needed; pour again over all of the first search's paths
            # (hypothesis found an exact-out trade refused once one of its pools got deeper)
            pooled_all = True
            new = fresh_paths(_union([p.edges for p in paths]), edges, len(paths))
            live = list(edges)
        if not new:
            break
        tried += new
        edges = live + new
        before, before_left = wf.value, left
        wf, left = _pour(edges, total, scorer.exact_in)
        if not checked:
            checked = True
            if hopeless():
                return None, None, None
        gain = sign * (wf.value - before)
        gained = gain / abs(before) if before else inf
        if left == 0 and before_left == 0 and (
                gain <= abs(before) * COLUMN_MIN_GAIN / 10
                or not _any_pays(wf, scorer, range(len(edges) - len(new), len(edges)), edges, total)):
            break  # the round gained next to nothing, or none of the legs it added earns its gas
    if left > total * 1e-9:
        return None, None, int(wf.filled)
    if sum(wf.carries(i) for i in range(len(edges))) > req.max_legs:
        short = _over_the_cap(tried, total, scorer.exact_in, req.max_legs)
        if short is not None:
            return None, None, short
    if not checked and hopeless():
        return None, None, None
    _finish(wf, total)
    start = wf.snapshot()  # the leg searches edit wf in place
    def paths_for(state: dict, amount: float) -> list:
        # for _capped_swaps: the paths that pay best for `amount` on top of `state`, net of their
        # hops' gas; without the ticks' gas, which costs a third of the search and changed no
        # route on the bench's capped splits (the local search scores the ticks anyway)
        found = find_paths(graph, req.sell, req.buy, amount=amount, exact_in=scorer.exact_in, constraints=constraints,
                           hop_cost=scorer.hop_costs(), state=state)
        return [q.edges for q in sorted(found, key=lambda q: -scorer.hop_net(q.full, q.edges))]

    # a graph search per leg of a capped split costs 15-35 ms on the 10,000-pool graph, where the
    # first search finds thousands of paths: there only when the cap costs a lot (_settle)
    gross, net = _settle(scorer, paths, edges, wf, tried, total, single, paths_for, dense=dense)
    gross_big = gross is not None and len(gross.legs) >= WIDEN_FROM
    # a trade few paths can carry whole is split into slivers, which the slice-priced rounds miss
    thin = sum(1 for p in paths if (p.full > 0 if scorer.exact_in else p.full < inf)) < FEW_PATHS
    if not dense and (thin or gross_big or net is not None and len(net.legs) >= WIDEN_SMALL_FROM):
        wf.restore(start)
        more, wide_edges, wide = _widen(graph, constraints, scorer, edges, wf, total)
        # worth settling when its float beats the first pour's, or what the first settle really
        # got: with legs sharing pools the exact run can fall well short of its float plan
        got = [r.amount_out if scorer.exact_in else r.amount_in for r in (gross, net) if r is not None]
        reached = (max(got) if scorer.exact_in else min(got)) if got else wf.value
        if wide is not wf and sign * wide.value > sign * min(wf.value, reached, key=lambda v: sign * v):
            # settled as well, not instead: which legs to keep under the cap is a combinatorial
            # choice, and a better uncapped optimum can still lead the leg searches elsewhere
            _finish(wide, total)
            g, n = _settle(scorer, paths, wide_edges, wide, _union(tried, more), total, single, paths_for, gross_big)
            gross = g if g is not None and g.better_than(gross) else gross
            net = n if n is not None and n.better_than(net) else net
    return gross, net, None


def _settle(scorer: Scorer, paths: list[PathQuote], edges: list, wf: WaterFill, tried: list, total: float,
            single: tuple | None, paths_for, gross: bool = True, dense: bool = False) -> tuple[Route | None, Route | None]:
    """(best gross route, best gas-aware route) from the gross optimum `wf` over `edges`;
    without `gross`, the gross route is not settled (None) unless it is the gas-aware one.
    `paths_for(state, amount)` searches the graph for a leg's amount at a capped split's states
    (None: no such search, see _capped_swaps)."""
    req = scorer.request
    # every path tried on the way, for the leg searches: a path the gross optimum left empty
    # can still be the best second leg once gas counts (a cheaper two-hop path, say)
    pool = _union(edges, tried)
    index = {path_key(p): i for i, p in enumerate(pool)}
    if dense and not _cap_binds(scorer, edges, wf, total):
        # on a big graph the search for each leg costs 15-35 ms: a second or so for a capped
        # split, worth it only where the cap costs a lot (measured on 80 trades of 10,000-pool
        # bench markets: +3.7 to +622 bp on the 20 it lets through; the others route the same)
        paths_for = None
    if scorer.rate > 0 and not gross:
        return None, _gas_aware(scorer, paths, edges, wf, pool, index, total, single, paths_for)
    gross_options = [(edges, wf)]
    if sum(wf.carries(i) for i in range(len(edges))) > req.max_legs:
        gross_options = _under_the_cap(scorer, edges, wf, pool, index, total, paths_for)
    gross = _best_of(scorer, gross_options, total)
    if scorer.rate <= 0:
        return gross, gross
    return gross, _gas_aware(scorer, paths, edges, wf, pool, index, total, single, paths_for)


def _widen(graph: PoolGraph, constraints: PathConstraints, scorer: Scorer, edges: list, wf: WaterFill,
           total: float) -> tuple[list, list, WaterFill]:
    """(paths tried, candidates, gross optimum over them) after widening a big split.

    The column rounds price a slice of the trade, which finds the deep paths fast, but their
    stop rule (an eighth of a slice must beat the water level) leaves out paths that are worth a
    few percent each only once the split's pools are loaded, which is where a split of ten or
    twelve legs ends (measured: up to 30 bp of the reference optimum lost on the bench), and
    smaller splits as well (5 bp on a 5-leg one). So once a split is settled with that many
    legs (WIDEN_FROM, WIDEN_SMALL_FROM), a few rounds add the paths of the whole graph whose
    *marginal* rate at its pool states beats the water level (routes.paths.improving_paths, the
    optimality condition itself, found exactly by a best-first search), on finer pours. Any
    beam misses some: a wide one (12 prefixes per token) left out the one path that cost two
    capped splits 15 and 33 bp against the reference optimum. The caller settles the result as
    well, and keeps whichever pays more.
    """
    req, exact_in = scorer.request, scorer.exact_in
    cands = [p for i, p in enumerate(edges) if wf.carries(i)]
    wide, left = _pour(cands, total, exact_in, WIDEN_LEVELS, WIDEN_CHUNKS)
    tried = []
    for _ in range(WIDEN_ROUNDS):
        rate = 0.0 if left > 0 else _as_rate(wide.level(total / WIDEN_CHUNKS / 2 ** WIDEN_LEVELS), exact_in)
        new = improving_paths(graph, req.sell, req.buy, wide.model.state, rate, cands, constraints=constraints)
        if not new:
            break
        tried += new
        cands = [p for i, p in enumerate(cands) if wide.carries(i)] + new
        wide, left = _pour(cands, total, exact_in, WIDEN_LEVELS, WIDEN_CHUNKS)
    if left > 0:
        return tried, edges, wf
    return tried, cands, wide


def _under_the_cap(scorer: Scorer, edges: list, wf: WaterFill, pool: list, index: dict, total: float,
                   paths_for) -> list:
    """Options for the best gross split that fits in a transaction, when the uncapped optimum
    `wf` (over `edges`) has more legs than the cap: backward elimination, forward growth from its
    biggest legs, and a local search from the better of its biggest legs and that growth, seeded
    with swaps of each leg for the paths of the whole graph that pay best in its place
    (_capped_swaps).

    Which legs to keep is decided on finer pours: with a dozen legs, 32 slices leave two or
    three per leg, too coarse to tell two subsets apart."""
    exact_in, cap = scorer.exact_in, scorer.request.max_legs
    sign = 1.0 if exact_in else -1.0
    zero = [0.0] * len(pool)
    fine = dict(exact_in=exact_in, chunks=CAP_CHUNKS, levels=CAP_LEVELS, max_legs=cap)
    backward = optimise_net(pool, total, leg_costs=zero, careful_below=cap + CAREFUL_ABOVE_CAP, **fine)
    biggest = sorted(range(len(edges)), key=wf.amounts.__getitem__)
    by_size = _indices(edges, biggest[::-1], index)
    grown = grow_net(pool, total, leg_costs=zero, first=by_size[0], then=by_size[1:], **fine)
    start = _indices(edges, biggest[-cap:], index)
    probe = WaterFill(pool, exact_in=exact_in)
    probe.enabled = [i in start for i in range(len(pool))]
    if probe.pour(total, CAP_CHUNKS) > 0 or sign * grown.value > sign * probe.value:
        start, source = [i for i in range(len(pool)) if grown.carries(i)], grown
    else:
        probe.refine(total / CAP_CHUNKS, CAP_LEVELS)
        source = probe
    hints = _capped_swaps(paths_for, source, pool, pool, index, total)
    zero = [0.0] * len(pool)  # the swaps' paths joined the pool
    swapped = swap_net(pool, total, leg_costs=zero, chosen=start, rounds=8, tries=4, hints=hints, **fine)
    return [(pool, backward), (pool, grown), (pool, swapped)]


def _gas_aware(scorer: Scorer, paths: list[PathQuote], edges: list, wf: WaterFill, pool: list, index: dict,
               total: float, single: tuple | None, paths_for) -> Route | None:
    """The best split once gas counts (routes.legs): forward growth from the best single path
    over every path tried, backward elimination from the gross optimum `wf` (over `edges`), and
    a local search from the better of the two, seeded with swaps of its weakest leg (and, for a
    split at the leg cap, of each leg: _capped_swaps)."""
    req, exact_in = scorer.request, scorer.exact_in
    cap, ticks = req.max_legs, scorer.rate * req.gas_model.v3_tick
    sign = 1.0 if exact_in else -1.0
    costs = [scorer.leg_cost(p) for p in pool]
    edge_costs = [scorer.leg_cost(p) for p in edges]
    first = index.get(path_key(single), None) if single is not None else None
    if first is None:
        first = index[path_key(edges[max(range(len(edges)), key=wf.amounts.__getitem__)])]
    forward = grow_net(pool, total, exact_in=exact_in, leg_costs=costs, first=first, chunks=CHUNKS,
                       levels=ROUGH, max_legs=min(6, cap), tick_cost=ticks)
    backward = optimise_net(edges, total, exact_in=exact_in, leg_costs=edge_costs, chunks=CHUNKS, levels=ROUGH,
                            start=wf, max_legs=cap, tick_cost=ticks)
    back_legs = _indices(edges, [i for i in range(len(edges)) if backward.carries(i)], index)
    fwd_legs = [i for i in range(len(pool)) if forward.carries(i)]
    back_net = sign * float_net(backward, edge_costs, ticks)
    fwd_net = sign * float_net(forward, costs, ticks)
    if fwd_net >= back_net or len(back_legs) > cap:
        start, source, legs_of = fwd_legs, forward, pool
    else:
        start, source, legs_of = back_legs, backward, edges
    # swapping the only leg of a single path for another path is the single-path search's job
    hints = _replacements(paths, scorer, legs_of, source, pool, index, total,
                          every=len(start) <= REPLACE_EVERY_UP_TO) if len(start) > 1 else []
    # a split of a few legs may be beaten by a different pair altogether (big splits have room
    # to move one leg at a time, and pairing is dear on them)
    pair = _best_pair(paths, scorer, pool, index, total) if len(start) <= PAIR_UP_TO else set()
    if pair:
        hints.append(pair)
    if len(start) >= cap:
        hints += _capped_swaps(paths_for, source, legs_of, pool, index, total)
    costs += [scorer.leg_cost(p) for p in pool[len(costs):]]  # the replacements joined the pool
    swapped = swap_net(pool, total, exact_in=exact_in, leg_costs=costs, chosen=start, chunks=CHUNKS,
                       levels=ROUGH, max_legs=cap, tick_cost=ticks, hints=hints, rounds=SWAP_ROUNDS,
                       tries=SWAP_TRIES)
    best, winner = _best_of(scorer, [(pool, forward), (edges, backward), (pool, swapped)], total, winner=True)
    return _exact_drops(scorer, best, winner, total)


def _cap_binds(scorer: Scorer, edges: list, wf: WaterFill, total: float) -> bool:
    """Whether the uncapped optimum `wf` (over `edges`) has more legs than the cap and its
    biggest legs alone, re-poured, pay at least DENSE_SWAPS_FROM_BP less: then the legs of
    the capped split are worth a graph search each (_capped_swaps)."""
    cap = scorer.request.max_legs
    live = [i for i in range(len(edges)) if wf.carries(i)]
    if len(live) <= cap:
        return False
    biggest = sorted(live, key=wf.amounts.__getitem__)[-cap:]
    capped, left = _pour([edges[i] for i in biggest], total, scorer.exact_in, CAP_LEVELS, CAP_CHUNKS)
    if left > 0:
        return True  # (the biggest legs can't carry it alone: the cap binds all the way)
    sign = 1.0 if scorer.exact_in else -1.0
    return sign * (wf.value - capped.value) >= abs(wf.value) * DENSE_SWAPS_FROM_BP / 1e4


def _capped_swaps(paths_for, wf: WaterFill, legs_of: list, pool: list, index: dict, total: float) -> list[set[int]]:
    """Leg sets (indices into `pool`) that swap one leg of a split at the leg cap (`wf` over
    `legs_of`) for a path of the whole graph; the paths join `pool` (and `index`).

    At the cap the split is far from the uncapped optimum the columns were priced at: its pools
    are loaded harder, so a path that was never worth a column can replace a leg with a big gain,
    most of all one that shares a pool with the leg it replaces and so only pays once that leg
    is gone (measured: +265 bp on a 12-leg split of a trade far bigger than its pools, from a
    path no search had kept). So each leg in turn is drained and the graph searched for the
    paths that pay best for its amount without it (`paths_for(state, amount)`, best first)."""
    if paths_for is None or not CAPPED_SWAPS or wf.filled < total * (1 - 1e-9):
        return []  # (a capped split that can't carry the trade: a swap of one leg won't rescue it)
    live = [i for i in range(len(wf.amounts)) if wf.carries(i)]
    return _swaps(wf, legs_of, live, pool, index, paths_for, CAPPED_SWAPS)


def _swaps(wf: WaterFill, legs_of: list, targets: list[int], pool: list, index: dict, ranked,
           count: int) -> list[set[int]]:
    """Leg sets (indices into `pool`) that swap each leg of `targets` (of `wf`, over `legs_of`)
    for each of the first `count` paths of `ranked(state, amount)`, the best paths for that
    leg's amount at the pool states without it, that are not legs already and run no pool
    against the direction a remaining leg uses it in. New paths join `pool` (and `index`)."""
    live = [i for i in range(len(wf.amounts)) if wf.carries(i)]
    slots = dict(zip(live, _indices(legs_of, live, index)))
    taken = set(slots.values())
    hints = []
    for target in targets:
        probe = wf.copy()
        amount = probe.drain(target)
        others = taken - {slots[target]}
        used = {e.key for k in others for e in pool[k]}
        found = 0
        for path in ranked(probe.model.state, amount):
            if found >= count:
                break
            if index.get(path_key(path)) in taken or any(e.reverse_key in used for e in path):
                continue
            hints.append(others | {_pool_slot(pool, index, path)})
            found += 1
    return hints


def _exact_drops(scorer: Scorer, best: Route | None, winner: tuple | None, total: float) -> Route | None:
    """Try the winner without each of its smallest legs, re-poured and executed exactly.

    The leg searches decide on float nets, whose tick gas is an estimate: when a leg's gain and
    its gas are within that error, the float can keep a leg the exact run says to drop
    (measured: a 5-leg exact-out split 0.9 bp behind the 3-leg grid split made of three of its
    legs). Only the exact run is trusted here; a drop is kept when it pays more."""
    if best is None or winner is None or len(best.legs) < EXACT_DROPS_FROM:
        return best
    paths, wf = winner
    while True:
        live = sorted((i for i in range(len(wf.amounts)) if wf.carries(i)), key=wf.amounts.__getitem__)
        if len(live) < EXACT_DROPS_FROM:
            return best
        found = None
        for i in live[:EXACT_DROPS]:
            keep = [paths[j] for j in live if j != i]
            trial, left = _pour(keep, total, scorer.exact_in)
            if left > 0:
                continue
            _finish(trial, total)
            r = route_of(scorer, keep, trial)
            if r is not None and r.better_than(best):
                best, found = r, (keep, trial)
        if found is None:
            return best
        paths, wf = found


def _over_the_cap(paths: list, total: float, exact_in: bool, cap: int) -> int | None:
    """When no `cap` of `paths` can carry `total`, the fill of a pour over the `cap` biggest;
    else None. "Can't" is proven: even the `cap` biggest capacities, each counted as if its
    pools were its own, sum to less than `total`.

    A trade that many paths carry only together can't go in one transaction: this says so
    before the leg searches under the cap, the widening and the capped swaps all try to fit it
    (measured: a refused exact-output trade on the 10,000-pool graph, 200-250 ms -> 90 ms)."""
    sizes = sorted(((_capacity(p, exact_in), k) for k, p in enumerate(paths)), reverse=True)[:cap]
    if sum(size for size, _ in sizes) >= total * (1 - 1e-9):
        return None
    wf, _ = _pour([paths[k] for _, k in sizes], total, exact_in)
    return int(wf.filled)


def _capacity(path, exact_in: bool) -> float:
    """The most `path` carries on its own from untouched pools: input for exact-in, output for
    exact-out (each hop limited by its own pool and by what the hops around it take or give)."""
    if exact_in:
        x = inf
        for e in reversed(path):
            c = e.curve
            x = min(c.cap_in, c.inp(x) if x < inf else inf)
        return x
    y = inf
    for e in path:
        c = e.curve
        y = c.cap_out if y == inf else min(c.cap_out, c.out(min(y, c.cap_in)))
    return y


def _any_pays(wf: WaterFill, scorer: Scorer, legs, edges: list, total: float) -> bool:
    """Whether any of these legs earns more above the water level than its gas: the legs that
    don't would be dropped again once gas counts, and so would more paths of their kind."""
    level = wf.level(total / CHUNKS / 2 ** ROUGH)
    return any(wf.rent(i, level) > scorer.leg_cost(edges[i]) for i in legs if wf.carries(i))


def _split_can_pay(scorer: Scorer, wf: WaterFill, single: Route, edges: list) -> bool:
    """False when no split of these candidates can beat the best single path after gas.

    Any split has at least one more leg than a single path, and it saves at most the gas of the
    ticks the single path crosses; its gross gain is at most the gross optimum's. When that is
    below the cheapest extra leg, the split search (and its column generation, the costliest
    part of routing a small trade on a big graph) can only lose: the trade is small next to
    the pools, and the candidates already hold the best paths for a slice of it."""
    if scorer.rate <= 0:
        return True
    sign = 1.0 if scorer.exact_in else -1.0
    value = single.amount_out if scorer.exact_in else single.amount_in
    gain = sign * (wf.value - value)
    ticks = sum(h.ticks_crossed for leg in single.legs for h in leg.hops)
    saved = scorer.rate * scorer.request.gas_model.v3_tick * ticks
    return gain + saved >= min(scorer.leg_cost(p) for p in edges)


def _replacements(paths: list[PathQuote], scorer: Scorer, legs_of: list, wf: WaterFill, pool: list,
                  index: dict, total: float, count: int = REPLACEMENTS, every: bool = False) -> list[set[int]]:
    """Leg sets (indices into `pool`) that swap the split's weakest leg (with `every`, each of its
    legs in turn) for one of the `count` paths of the first search that pay best, net of gas,
    for that leg's amount once it is gone.

    This is the move that finds a cheaper leg: the weakest leg is often there for its depth,
    while a path with fewer or cheaper hops (a V2 pair's hop instead of a V3 one, two hops
    instead of three) carries the same slice for less gas. In a split of a few legs the leg to
    trade can be a big one, which a swap of the weakest never reaches (measured: a 4-leg split
    1.9 bp under the reference kept a 3-hop leg, its second biggest).
    New paths join `pool` (and `index`).
    """
    active = [i for i in range(len(wf.amounts)) if wf.carries(i)]
    if not active:
        return []
    level = wf.level(total / CHUNKS / 2 ** ROUGH)
    targets = active if every else [min(active, key=lambda i: wf.rent(i, level) - scorer.leg_cost(legs_of[i]))]

    def ranked(state: dict, amount: float) -> list:
        quoted = residual_quotes(paths, state, amount, exact_in=scorer.exact_in)
        quoted.sort(key=lambda q: -scorer.hop_net(*q))
        return [path for _, path in quoted]

    return _swaps(wf, legs_of, targets, pool, index, ranked, count)


def _best_pair(paths: list[PathQuote], scorer: Scorer, pool: list, index: dict, total: float) -> set[int]:
    """Pool indices of the best two-leg split on a 5% grid, net of gas, over the first search's
    best paths at full size and at the fraction (pairs that share no pool); empty when no pair
    beats the best of them alone. It is the move a 5% grid makes and single swaps can miss: both
    legs differ from the current split at once (a cheap two-hop leg next to another big leg).
    The local search then re-pours the pair continuously. New paths join `pool` (and `index`)."""
    exact_in = scorer.exact_in
    sign = 1.0 if exact_in else -1.0
    cost = scorer.leg_cost
    seeds = _union(sorted(paths, key=lambda p: -scorer.hop_net(p.full, p.edges))[:PAIR_BY_FULL],
                   sorted(paths, key=lambda p: -sign * p.part)[:PAIR_BY_PART], key=id)
    step = total / PAIR_STEPS

    def quote(edges, x: float) -> float:
        x = curve_quote(edges, x, exact_in)
        return sign * x if 0.0 < x < inf else -inf

    table = [[0.0] + [quote(p.edges, step * k) for k in range(1, PAIR_STEPS + 1)] for p in seeds]
    alone = max(row[PAIR_STEPS] - cost(p.edges) for row, p in zip(table, seeds))
    pools = [{e.pool.address for e in p.edges} for p in seeds]
    best, pair = alone, None
    for a in range(len(seeds)):
        for b in range(a + 1, len(seeds)):
            if pools[a] & pools[b]:
                continue
            gas = cost(seeds[a].edges) + cost(seeds[b].edges)
            ta, tb = table[a], table[b]
            v = max(ta[k] + tb[PAIR_STEPS - k] for k in range(1, PAIR_STEPS)) - gas
            if v > best:
                best, pair = v, (seeds[a].edges, seeds[b].edges)
    if pair is None:
        return set()
    return {_pool_slot(pool, index, edges) for edges in pair}


def _union(*lists, key=path_key) -> list:
    """The items of all lists, each once by `key` (a path's pool directions by default; `id`
    for PathQuotes), in first-seen order."""
    seen, out = set(), []
    for items in lists:
        for item in items:
            k = key(item)
            if k not in seen:
                seen.add(k)
                out.append(item)
    return out


def _pool_slot(pool: list, index: dict, edges) -> int:
    """The index of path `edges` in `pool`, appending it (and recording it in `index`) if new."""
    keys = path_key(edges)
    if keys not in index:
        index[keys] = len(pool)
        pool.append(edges)
    return index[keys]


def _indices(edges: list, picks, index: dict) -> list[int]:
    return [index[path_key(edges[i])] for i in picks]


def _best_of(scorer: Scorer, options, total: float, winner: bool = False):
    """The best exact route among (paths, allocation) options that fits in a transaction.

    Every option is settled exactly: ranking them on float nets first was tried and lost good
    routes, because with shared pools the exact run can beat its float plan (route_of).
    With `winner`, returns (route, the option it came from)."""
    best, best_option, seen = None, None, set()
    for paths, wf in options:
        # forward growth and the local search often end on the same allocation: settle it once
        plan = frozenset((path_key(paths[i]), wf.amounts[i]) for i in range(len(wf.amounts))
                         if wf.carries(i))
        if plan in seen:
            continue
        seen.add(plan)
        _finish(wf, total)
        r = route_of(scorer, paths, wf)
        if r is not None and len(r.legs) <= scorer.request.max_legs and r.better_than(best):
            best, best_option = r, (paths, wf)
    return (best, best_option) if winner else best


def _finish(wf: WaterFill, total: float) -> None:
    """The last, finest polish passes, over the legs in use only: paths left empty at a coarser
    resolution are below the water level, and pricing them at every pass is most of the cost."""
    for i in range(len(wf.amounts)):
        if not wf.carries(i):
            wf.enabled[i] = False
    wf.refine(total / CHUNKS / 2 ** ROUGH, LEVELS - ROUGH)


def _as_rate(level: float, exact_in: bool) -> float:
    """The water level as output per unit of input (WaterFill.level is input per output for
    exact-out), the unit find_improving_paths prices paths in."""
    return level if exact_in else (1.0 / level if level > 0 else 0.0)


def route_of(scorer: Scorer, edges: list, wf: WaterFill) -> Route | None:
    """The exact route of an allocation, legs in the order and with the amounts that realize
    the optimizer's pool flows (WaterFill.realize).

    When legs share a pool, the float plan and the sequential exact run can part ways (a leg
    that shares a middle pool with legs that end elsewhere can find that pool spent when its
    turn comes, and its amount folds into another leg at a worse price). Then the per-path
    bookkeeping is executed too (when the realized run is off the plan), smallest leg first,
    largest first and (exact-out) fullest first pool first, and the exact math picks the best:
    every candidate is a real execution, so this only ever helps.
    """
    total = float(scorer.request.amount)
    best = None
    order, amounts = wf.realize()
    if order and abs(sum(amounts) - total) <= total * 1e-3:
        best = _route_of_plan(scorer, edges, order, amounts, total)
    if best is not None and _faithful(best, wf):
        return best
    plans = []
    live = [i for i in range(len(wf.amounts)) if wf.enabled[i] and wf.amounts[i] > 0]
    if best is None or _shares_a_pool([edges[i] for i in live]):
        book = sorted(live, key=wf.amounts.__getitem__)
        plans += [(book, [wf.amounts[i] for i in book]), (book[::-1], [wf.amounts[i] for i in book[::-1]])]
        if not wf.exact_in:
            # a leg that runs after others through a shared middle pool pays that pool's upper
            # slope, so it asks its first pool for more than planned: run first the legs whose
            # first pool the plan has nearly used up, so they don't run past its liquidity
            state = wf.model.state
            def used_up(i: int) -> float:
                head = edges[i][0]
                return state.get(head.key, 0.0) / max(head.curve.cap_in, 1e-300)

            full = sorted(live, key=lambda i: -used_up(i))
            plans.append((full, [wf.amounts[i] for i in full]))
    for order, amounts in plans:
        r = _route_of_plan(scorer, edges, order, amounts, total)
        if r is not None and r.better_than(best):
            best = r
    return best


def _faithful(route: Route, wf: WaterFill) -> bool:
    """Whether the exact run paid what the float plan expected (to 1e-5): nothing to repair."""
    got = route.amount_out if wf.exact_in else route.amount_in
    return abs(got - wf.value) <= abs(wf.value) * 1e-5


def _route_of_plan(scorer: Scorer, edges: list, order: list[int], amounts: list[float],
                   total: float) -> Route | None:
    limit = scorer.request.max_legs
    if len(order) > limit:  # slivers a drained leg left in a shared pool: let the others take them
        keep = sorted(sorted(range(len(order)), key=amounts.__getitem__)[-limit:])
        order, amounts = [order[k] for k in keep], [amounts[k] for k in keep]
    if not order or abs(sum(amounts) - total) > total * 1e-3:
        return None  # rounding is rescaled away; a partial allocation is never scaled up
    return scorer.route([edges[i] for i in order], to_integers(amounts, scorer.request.amount))


def _shares_a_pool(paths: list) -> bool:
    seen = set()
    for p in paths:
        for e in p:
            if e.pool.address in seen:
                return True
        seen.update(e.pool.address for e in p)
    return False


def _pour(edges, total: float, exact_in: bool, levels: int = ROUGH, chunks: int = CHUNKS) -> tuple[WaterFill, float]:
    wf = WaterFill(edges, exact_in=exact_in)
    left = wf.pour(total, chunks)
    wf.refine(total / chunks, levels)
    return wf, left


def _new_columns(paths: list[PathQuote], scorer: Scorer, edges: list, wf: WaterFill, rate: float,
                 limit: int, graph: PoolGraph | None = None, constraints: PathConstraints | None = None,
                 starved: bool = False) -> tuple[list, bool]:
    """Paths of the first search that pay best, net of gas, for a further slice at the current
    pool states (routes.paths.residual_quotes), and whether the graph was searched again for more.

    The slice is what one more leg would carry (the trade over the legs in use plus one, the
    legs counted up to the cap); a path qualifies when an eighth of that slice still beats the
    water level `rate` (output per input)."""
    live = sum(1 for i in range(len(edges)) if wf.carries(i))
    # once the split is at the leg cap, a new path will replace a leg, not add one: price it for
    # what a leg of a capped split carries, so that deep paths win over ones good for a sliver
    piece = float(scorer.request.amount) / (min(live, scorer.request.max_legs) + 1)
    state = wf.model.state
    quoted = residual_quotes(paths, state, piece, exact_in=scorer.exact_in, bar=rate)
    new = _pick_columns(quoted, scorer, edges, state, piece, rate, limit)
    searched = graph is not None and len(new) < limit and (starved or live >= GRAPH_COLUMNS_FROM
                                                           or not new and live >= GRAPH_COLUMNS_DRY)
    if searched:
        # the first search's paths are running out: search the graph again, from the current
        # states (the first search kept the best paths for the whole trade, not for a slice
        # of what is left after the split has taken the best pools)
        req = scorer.request
        quoted = find_paths(graph, req.sell, req.buy, amount=piece, exact_in=scorer.exact_in,
                            constraints=constraints, hop_cost=scorer.hop_costs(),
                            tick_cost=scorer.rate * req.gas_model.v3_tick, state=state,
                            per_token=GRAPH_COLUMNS_PER_TOKEN)
        new += _pick_columns([(q.full, q.edges) for q in quoted], scorer, edges + new, state, piece, rate,
                             limit - len(new))
    return new, searched


def _pick_columns(quoted: list[tuple[float, tuple]], scorer: Scorer, edges: list, state: dict, piece: float,
                  rate: float, limit: int) -> list:
    """The best `limit` quoted paths, net of gas, that are new, don't run a pool against the
    direction the split already uses it in, and whose eighth of a slice beats `rate`."""
    # the whole ranking, not its head: paths far down it for the whole slice still beat the
    # level with an eighth of it, and the big splits need them (measured on the bench)
    quoted = sorted(quoted, key=lambda q: -scorer.hop_net(*q))
    part = piece * 0.125

    def beats(path) -> bool:
        q = residual_quote(path, state, part, scorer.exact_in)
        return q > part * rate if scorer.exact_in else q < inf and part > q * rate

    return fresh_paths([path for _, path in quoted], edges, limit, accept=beats)


def _grid_route(candidates: list[PathQuote], scorer: Scorer) -> Route | None:
    """The 5%-grid split over the same candidates, chosen on float quotes and executed exactly."""
    req = scorer.request
    edges = [c.edges for c in candidates]

    def quote(i: int, pct: int) -> float | None:
        a = curve_quote(edges[i], req.amount * pct / 100, scorer.exact_in)
        return None if a <= 0 or a == inf else a

    return grid_route(scorer, edges, quote)


def _fill_of(paths: list[PathQuote], request: RouteRequest) -> int:
    """The most the paths can fill together (or the best one alone, when splitting is off)."""
    if not request.split:
        return max(int(allocate([p.edges], float(request.amount), exact_in=request.kind == EXACT_IN).filled)
                   for p in paths[:20])
    edges = [p.edges for p in paths]
    alloc = allocate(edges, float(request.amount), exact_in=request.kind == EXACT_IN)
    return int(alloc.filled)
