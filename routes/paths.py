"""Candidate paths from the sell token to the buy token, pruned by depth at the trade's own size.

Pruning by TVL misses pools that are deep exactly where the trade needs them (a V3 pool with
little TVL but all of it around the price) and keeps pools that are wide but shallow. So the
search quotes the trade itself: a beam over hops where every prefix carries the amount it would
really deliver (float curves, see routes.curves) for the whole trade and for a fraction of it,
and each intermediate token keeps only its best few prefixes by either measure.

Why this is safe for the best single path: every pool pays more for more input, so the best
path through token B at a given depth extends the prefix that delivers the most B. Keeping the
top `per_token` prefixes by full-size amount therefore never drops the best full-size path
(up to float ties, which the router settles with the exact math). The fractional measure keeps
the pools that only shine for a slice of the trade, which is what a split needs.

Cost is bounded by the edges it touches, not by the number of paths: each level expands at most
`per_token * 2` prefixes per token, and the level before the last only walks to tokens that have
a pool with the buy token. On the 10,000-pool bench graph a hub-to-hub search touches a few
thousand edges. A networkx MultiDiGraph was measured for the adjacency: a two-hop neighbour walk
from WETH on the 10,000-pool bench market takes 4.2 ms with it and 0.95 ms with plain dicts
(building it is faster, 27 vs 55 ms, but that is paid once per state), so routes.graph keeps dicts.
"""

from __future__ import annotations

from dataclasses import dataclass
from heapq import heappop, heappush, heapreplace
from math import inf

from routes.graph import Edge, PoolGraph, edge_allowed


FRACTION = 0.125  # the slice of the trade the search quotes besides the whole (PathQuote.part)


@dataclass(frozen=True, slots=True)
class PathConstraints:
    """What the intent allows a path to touch. Protocol names match protocol or dex name."""

    max_hops: int = 3
    allow_protocols: frozenset[str] | None = None
    deny_protocols: frozenset[str] = frozenset()
    avoid_tokens: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class PathQuote:
    """A candidate path and its float quotes.

    For exact-in `full`/`part` are the outputs for the whole amount and for `fraction` of it;
    for exact-out they are the inputs needed (inf when the path can't deliver that much).
    """

    edges: tuple[Edge, ...]
    full: float
    part: float

    @property
    def tokens(self) -> tuple[str, ...]:
        return (self.edges[0].token_in,) + tuple(e.token_out for e in self.edges)


def find_paths(graph: PoolGraph, sell: str, buy: str, *, amount: int, exact_in: bool = True,
               constraints: PathConstraints = PathConstraints(), per_token: int = 3,
               fraction: float = FRACTION, keep: int = 8, hop_cost: dict[str, float] | None = None,
               tick_cost: float = 0.0, state: dict | None = None) -> list[PathQuote]:
    """Paths the beam completes, with their quotes; empty when nothing connects the tokens.

    For exact-in the beam walks forward from `sell` carrying amounts out; for exact-out it walks
    backward from `buy` carrying the amounts in that each suffix needs. A prefix is not extended
    when even its best case (every later hop at its mid price, see Edge.rate) can't enter the
    top `keep` complete paths by either measure: a branch-and-bound that never drops a path
    that would have made that top. `hop_cost[protocol]` is the gas of one hop in the scored token
    (the buy token for exact-in, the sell token for exact-out): with it the full-size measure is
    net of gas, so a cheaper hop (V2 vs V3) is kept when it wins after gas; `tick_cost` is the
    gas of one initialized tick crossed, in the same unit.

    With `state` (cumulative input per Edge.key, as routes.split keeps it) every pool is quoted
    from where a split has already taken it, so the search finds the paths that pay best for a
    *further* `amount` (see residual_quotes for why a slice and not the marginal rate).
    """
    if sell == buy or not graph.has_token(sell) or not graph.has_token(buy):
        return []
    search = _Search(graph, sell, buy, exact_in, constraints, keep, hop_cost or {}, tick_cost, state or {})
    x = float(amount)
    frontier = {search.start: [((), (search.start,), x, x * fraction, 0.0)]}
    for depth in range(1, constraints.max_hops + 1):
        search.complete(frontier)
        if depth == constraints.max_hops:
            break
        grown = search.grow(frontier, last_but_one=depth == constraints.max_hops - 1)
        frontier = {tok: _keep_best(lst, per_token, search.sign) for tok, lst in grown.items()}
        if not frontier:
            break
    return search.done


class _Search:
    """State of one beam search: the constraints, the best complete quotes so far, the results."""

    def __init__(self, graph: PoolGraph, sell: str, buy: str, exact_in: bool,
                 constraints: PathConstraints, keep: int, hop_cost: dict[str, float], tick_cost: float,
                 state: dict) -> None:
        self.out = graph.out
        self.exact_in = exact_in
        self.sign = 1.0 if exact_in else -1.0
        self.start, self.goal = (sell, buy) if exact_in else (buy, sell)
        self.avoid = constraints.avoid_tokens
        self.allow, self.deny = constraints.allow_protocols, constraints.deny_protocols
        self.filtered = bool(self.deny) or self.allow is not None
        self.keep = keep
        self.hop_cost = hop_cost
        self.tick_cost = tick_cost
        self.state = state
        self.cheapest_hop = min(hop_cost.values(), default=0.0)
        self.top_full: list[float] = []  # min-heaps of sign * quote (net of gas for full) of the best
        self.top_part: list[float] = []
        self.done: list[PathQuote] = []
        self.tail = self._tail_rates()

    def _edges(self, tok: str, other: str) -> list[Edge]:
        """Edges of the step tok -> other in search order (reversed pools for exact-out)."""
        if self.exact_in:
            return self.out[tok].get(other, ())
        return self.out[other].get(tok, ())

    def _ok(self, e: Edge) -> bool:
        return not self.filtered or edge_allowed(e, self.allow, self.deny)

    def _tail_rates(self) -> dict[str, float]:
        """For each token next to the goal, the best mid rate of a last hop into the goal."""
        tail = {}
        for other in self.out[self.goal]:
            tail[other] = max((e.rate for e in self._edges(other, self.goal) if self._ok(e)), default=0.0)
        return tail

    def _bar(self, heap: list[float]) -> float:
        return heap[0] if len(heap) >= self.keep else -inf

    def _record(self, heap: list[float], value: float) -> None:
        if len(heap) < self.keep:
            heappush(heap, value)
        elif value > heap[0]:
            heapreplace(heap, value)

    def complete(self, frontier: dict) -> None:
        """Every prefix one hop from the goal, finished."""
        sign, goal = self.sign, self.goal
        for tok, prefixes in frontier.items():
            for e in self._edges(tok, goal):
                if not self._ok(e):
                    continue
                step = _stepper(e.curve, self.exact_in, self.state.get(e.key, 0.0))
                cost = self.hop_cost.get(e.protocol, 0.0)
                for pe, _pt, full, part, gas in prefixes:
                    f, q = step(full), step(part)
                    if self.exact_in and q <= 0.0 or not self.exact_in and q == inf:
                        continue
                    self.done.append(PathQuote(pe + (e,) if self.exact_in else (e,) + pe, f, q))
                    ticks = self._ticks(e, full if self.exact_in else f) if self.tick_cost else 0.0
                    self._record(self.top_full, sign * f - gas - cost - ticks)
                    self._record(self.top_part, sign * q)

    def grow(self, frontier: dict, *, last_but_one: bool) -> dict[str, list]:
        """Every prefix one hop longer, except into the goal (done by `complete`) or pruned."""
        exact_in, tail, out = self.exact_in, self.tail, self.out
        bar_full, bar_part = self._bar(self.top_full), self._bar(self.top_part)
        skip = set(self.avoid) | {self.goal, self.start}
        grown: dict[str, list] = {}
        for tok, prefixes in frontier.items():
            nbrs = out[tok]
            if last_but_one:  # only tokens with a pool into the goal
                # in the adjacency's own order, not a set's: set order follows string hashes,
                # which change per process, and ties must break the same way every run
                others = [o for o in nbrs if o in tail]
                if not others or self._hopeless(tok, others, prefixes, bar_full, bar_part):
                    continue
            else:
                others = nbrs
            for other in others:
                if other in skip:
                    continue
                rest = tail[other] if last_but_one else 1.0
                for e in nbrs[other] if exact_in else out[other][tok]:
                    if self.filtered and not edge_allowed(e, self.allow, self.deny):
                        continue
                    k = e.rate * rest
                    if k <= 0.0:
                        continue
                    step = _stepper(e.curve, exact_in, self.state.get(e.key, 0.0))
                    cost = self.hop_cost.get(e.protocol, 0.0)
                    for pe, pt, full, part, gas in prefixes:
                        if other in pt:
                            continue
                        if last_but_one:  # best case of the whole path, against the bars
                            spent = gas + cost + self.cheapest_hop
                            if exact_in:
                                if full * k - spent <= bar_full and part * k <= bar_part:
                                    continue
                            elif -full / k - spent <= bar_full and -part / k <= bar_part:
                                continue
                        f, q = step(full), step(part)
                        if exact_in and q <= 0.0 or not exact_in and q == inf:
                            continue
                        edges = pe + (e,) if exact_in else (e,) + pe
                        spent = gas + cost
                        if self.tick_cost:  # the ticks this hop crosses at full size
                            spent += self._ticks(e, full if exact_in else f)
                        lst = grown.get(other)
                        if lst is None:
                            grown[other] = [(edges, pt + (other,), f, q, spent)]
                        else:
                            lst.append((edges, pt + (other,), f, q, spent))
        return grown


    def _ticks(self, e: Edge, x: float) -> float:
        """Gas of the initialized ticks a further input x crosses in e's pool, scored."""
        u = self.state.get(e.key, 0.0) if self.state else 0.0
        return self.tick_cost * (e.curve.ticks(u + x) - e.curve.ticks(u) if u else e.curve.ticks(x))

    def _hopeless(self, tok: str, others, prefixes: list, bar_full: float, bar_part: float) -> bool:
        """True when no prefix at `tok` can make the top even at mid prices for both last hops."""
        if bar_full == -inf and bar_part == -inf:
            return False
        tail, out, two_hops = self.tail, self.out, 2 * self.cheapest_hop
        if self.exact_in:
            nbrs = out[tok]
            k = max(e.rate * tail[o] for o in others for e in nbrs[o])
            return all(full * k - gas - two_hops <= bar_full and part * k <= bar_part
                       for _, _, full, part, gas in prefixes)
        k = max(e.rate * tail[o] for o in others for e in out[o][tok])
        if k <= 0.0:
            return True
        return all(-full / k - gas - two_hops <= bar_full and -part / k <= bar_part
                   for _, _, full, part, gas in prefixes)


_CAP_SLACK = 1 + 1e-9  # float slack on a pool's input cap: the curves clamp to the cap itself


def _stepper(curve, exact_in: bool, u: float = 0.0):
    """One hop of a quote: output for an input (0 when the pool can't take that much input, so
    a saturated pool never looks like it carried the whole trade), or input for an output (inf
    when it can't deliver it). With `u` > 0 the pool has already taken u: the quote is for
    what comes on top of it."""
    out, inp, cap = curve.out, curve.inp, curve.cap_in * _CAP_SLACK
    if not u:
        return (lambda x: out(x) if x <= cap else 0.0) if exact_in else inp
    y0 = out(u)
    if exact_in:
        return lambda x: out(u + x) - y0 if u + x <= cap else 0.0
    return lambda y: inp(y0 + y) - u


def _keep_best(prefixes: list, per_token: int, sign: float) -> list:
    """The best `per_token` prefixes at full size and at the fraction, plus the best two at full
    size for each gas cost (so a cheaper V2 hop survives next to three better-paying V3 ones)."""
    if len(prefixes) <= per_token:
        return prefixes
    kept = sorted(prefixes, key=lambda p: sign * p[2], reverse=True)
    by_part = sorted(prefixes, key=lambda p: sign * p[3], reverse=True)[:per_token]
    chosen = kept[:per_token]
    per_gas: dict[float, int] = {}
    for p in chosen:
        per_gas[p[4]] = per_gas.get(p[4], 0) + 1
    for p in kept[per_token:]:
        # two per gas cost: QuoterV2 may count a tick the float curve doesn't, so the runner-up
        # of a class can win after the exact gas (routes.pool_ticks_counter)
        if per_gas.get(p[4], 0) < 2:
            per_gas[p[4]] = per_gas.get(p[4], 0) + 1
            chosen.append(p)
    return chosen + [p for p in by_part if p not in chosen]


def residual_quotes(paths: list[PathQuote], state: dict, amount: float, *, exact_in: bool,
                    bar: float = 0.0) -> list[tuple[float, tuple[Edge, ...]]]:
    """(quote, edges) of each path for a further `amount` on top of what the pools already carry
    (`state`: cumulative input per Edge.key, as routes.split keeps it): the output for that
    input (exact-in) or the input for that output (exact-out, inf when out of reach).

    This is the pricing step of the router's column generation: which path pays best for one
    more slice of the split. It prices a real slice, not the marginal rate at the current state,
    on purpose: by the marginal rate alone, thin pools that pay well for the first wei and can't
    carry a slice keep crowding out the deep ones. A simple path never holds one pool twice, so
    the hops are independent given the state. Paths whose mid rates multiply to no more than
    `bar` (output per input) can't pay more than it for any slice (pool curves are concave), so
    they are not quoted.
    """
    base: dict = {}  # Edge.key -> what the pool has paid out so far, each computed once
    quoted = []
    for p in paths:
        edges = p.edges
        if bar > 0.0:
            best = 1.0
            for e in edges:
                best *= e.rate
            if best <= bar:
                continue
        a = residual_quote(edges, state, amount, exact_in, base)
        if a > 0.0 if exact_in else a < inf:
            quoted.append((a, edges))
    return quoted


def marginal_columns(paths, have: list, state: dict, rate: float, limit: int = 20) -> list:
    """Up to `limit` of `paths` whose marginal rate at `state` (output per input, the product of
    the pools' marginal rates where the split has taken them) beats `rate`, best first: the
    paths that violate the optimality condition of the path formulation. Paths already in
    `have`, or that would run a pool against the direction a chosen path uses it in, are left out.

    This is the textbook pricing step. The router's own rounds price a real slice instead
    (residual_quotes, because by the marginal rate alone thin pools crowd out deep ones); this
    one finishes a big split off, once the slice-priced rounds have found the deep paths.
    """
    priced = []
    for p in paths:
        m = 1.0
        for e in p:
            m *= e.curve.marginal(state.get(e.key, 0.0))
        if m > rate * (1 + 1e-6):
            priced.append((m, p))
    priced.sort(key=lambda mp: -mp[0])
    return fresh_paths([p for _, p in priced], have, limit)


def improving_paths(graph: PoolGraph, sell: str, buy: str, state: dict, rate: float, have: list, *,
                    constraints: PathConstraints = PathConstraints(), limit: int = 20) -> list:
    """marginal_columns over *every* path of the graph, without enumerating them all: the
    `limit` best paths by marginal rate at `state` that beat `rate`, new to `have` and running
    no pool against the direction `have` or an earlier pick uses it in (see fresh_paths).

    The beam searches keep a few prefixes per token, ranked by what they deliver for a slice;
    a split of a dozen legs needs paths that are only worth something at the margin, e.g. a
    third prefix into a deep last pool the split already shares (measured: one such path, missed
    by every search, cost 15 and 33 bp against the reference optimum). A path's marginal rate is
    the product of its pools' marginal rates, so a best-first search finds the best ones
    exactly: a prefix is ranked by its rate so far times the best rate from its token to `buy`
    (per token, over one or two hops, ignoring that a path must be simple: never too low), and
    complete paths come off the heap best first. Unloaded pools are ranked by their mid rate
    (Edge.rate, never below the real marginal) so that no curve is built that isn't needed; a
    complete path goes back on the heap priced with the real marginals before it can be picked.
    Past three hops it enumerates.
    """
    if sell == buy or not graph.has_token(sell) or not graph.has_token(buy):
        return []
    c = constraints
    if c.max_hops > 3:  # the bounds below cover two hops to go; longer paths are rare: enumerate
        return marginal_columns(enumerate_paths(graph, sell, buy, constraints=c), have, state, rate, limit)
    return fresh_paths(_by_marginal(graph, sell, buy, state, rate, have, c), have, limit)


def _by_marginal(graph: PoolGraph, sell: str, buy: str, state: dict, rate: float, have: list,
                 c: PathConstraints):
    """The paths from sell to buy (up to three hops) whose marginal rate at `state` beats `rate`,
    best first, lazily (see improving_paths). Edges that run a pool of `have` the other way are
    pruned here; which paths are fresh is for the caller (fresh_paths) to decide."""
    out = graph.out
    filtered = bool(c.deny_protocols) or c.allow_protocols is not None
    against = {e.reverse_key for p in have for e in p}

    def bound(e: Edge) -> float:  # never below e's marginal rate at the state; 0 when unusable
        if e.key in against or filtered and not edge_allowed(e, c.allow_protocols, c.deny_protocols):
            return 0.0
        u = state.get(e.key)
        return e.curve.marginal(u) if u else e.rate

    into = {t: max(map(bound, out[t][buy]), default=0.0) for t in out[buy]}
    two: dict[str, float] = {}  # the best bound over one or two hops from a token to buy

    def best_two(t: str) -> float:
        v = two.get(t)
        if v is None:
            v = into.get(t, 0.0)
            for o, edges in out[t].items():
                k = into.get(o, 0.0)
                if k > 0.0 and o != sell and o not in c.avoid_tokens:
                    v = max(v, k * max(map(bound, edges), default=0.0))
            two[t] = v
        return v

    bar = rate * (1 + 1e-6)
    heap = [(-inf, 0, sell, (), (sell,), 1.0, False)]
    count = 1  # ties break by insertion order: the same answer every run
    while heap:
        top, _, tok, prefix, seen, prod, priced = heappop(heap)
        if -top <= bar:
            return
        if tok == buy:  # a complete path, the best left by its bounds
            if priced:
                yield prefix
                continue
            m = 1.0  # rank it again by its real marginal rate before it can come out
            for e in prefix:
                m *= e.curve.marginal(state.get(e.key, 0.0))
            heappush(heap, (-m, count, tok, prefix, seen, m, True))
            count += 1
            continue
        left = c.max_hops - len(prefix)
        for other, edges in out[tok].items():
            if other == buy:
                rest = 1.0
            elif left <= 1 or other in seen or other in c.avoid_tokens:
                continue
            else:
                rest = into.get(other, 0.0) if left == 2 else best_two(other)
            if rest <= 0.0:
                continue
            for e in edges:
                p = prod * bound(e)
                if p * rest > bar:
                    heappush(heap, (-p * rest, count, other, prefix + (e,), seen + (other,), p, False))
                    count += 1


def fresh_paths(ranked, have: list, limit: int, accept=None) -> list:
    """Up to `limit` of the `ranked` paths, in order, that are not in `have` and run no pool
    against the direction `have` or an earlier pick uses it in (a split can't use a pool both
    ways: the water-filling would count the two directions as two pools); with `accept`, only
    the paths it accepts."""
    keys = {path_key(p) for p in have}
    used = {e.key for p in have for e in p}
    new = []
    for p in ranked:
        if len(new) >= limit:
            break
        k = path_key(p)
        if k in keys or any(e.reverse_key in used for e in p) or accept is not None and not accept(p):
            continue
        new.append(p)
        keys.add(k)
        used.update(k)
    return new


def path_key(edges) -> tuple:
    """A path's identity: its pools and the direction it runs each one in."""
    return tuple(e.key for e in edges)


def curve_quote(edges, amount: float, exact_in: bool) -> float:
    """One path's float quote from the pools' snapshot states: the output for `amount` in
    (exact-in), or the input for `amount` out (exact-out, inf when out of reach)."""
    for e in edges if exact_in else reversed(edges):
        amount = e.curve.out(amount) if exact_in else e.curve.inp(amount)
    return amount


def residual_quote(edges, state: dict, amount: float, exact_in: bool, base: dict | None = None) -> float:
    """One path's quote for a further `amount` at `state` (see residual_quotes); 0 (exact-in)
    or inf (exact-out) when a pool can't take it."""
    base = {} if base is None else base
    a = amount
    for e in edges if exact_in else reversed(edges):
        c, u = e.curve, state.get(e.key, 0.0)
        y0 = 0.0
        if u:
            y0 = base.get(e.key)
            if y0 is None:
                y0 = base[e.key] = c.out(u)
        if exact_in:
            if u + a > c.cap_in * _CAP_SLACK:
                return 0.0  # (a leg the water-filling poured to the brim asks for the cap itself, give or take an ulp)
            a = c.out(u + a) - y0
        else:
            a = c.inp(y0 + a) - u
            if a == inf:
                return inf
    return a


def select_candidates(paths: list[PathQuote], *, exact_in: bool, by_full: int = 6, by_part: int = 6,
                      extra: list[PathQuote] = ()) -> list[PathQuote]:
    """The split optimizer's candidates: the best paths at full size and at the fraction.

    A pool is never used in both directions by two candidates: such flows cancel out, and the
    curve model (one cumulative state per direction) would misprice them.
    """
    sign = 1.0 if exact_in else -1.0
    ranked_full = sorted(paths, key=lambda p: -sign * p.full)
    ranked_part = sorted(paths, key=lambda p: -sign * p.part)
    chosen: list[PathQuote] = []
    used: set = set()
    seen: set[int] = set()

    def take(p: PathQuote) -> None:
        if id(p) in seen or any(e.reverse_key in used for e in p.edges):
            return
        seen.add(id(p))
        chosen.append(p)
        used.update(e.key for e in p.edges)

    for p in extra:
        take(p)
    for ranked, count in ((ranked_full, by_full), (ranked_part, by_part)):
        taken = 0
        for p in ranked:
            if taken >= count:
                break
            if id(p) not in seen:
                before = len(chosen)
                take(p)
                taken += len(chosen) > before
    return chosen


def enumerate_paths(graph: PoolGraph, sell: str, buy: str, *,
                    constraints: PathConstraints = PathConstraints()) -> list[tuple[Edge, ...]]:
    """All simple paths up to max_hops, unpruned. For baselines and tests, not for routing."""
    if sell == buy or not graph.has_token(sell) or not graph.has_token(buy):
        return []
    found: list[tuple[Edge, ...]] = []
    buy_nbrs = graph.out[buy]
    c = constraints

    def walk(tok: str, prefix: tuple[Edge, ...], seen: tuple[str, ...]) -> None:
        left = c.max_hops - len(prefix)
        for other, edges in graph.out[tok].items():
            if other != buy and (other in seen or other in c.avoid_tokens or left <= 1
                                 or (left == 2 and other not in buy_nbrs)):
                continue
            for e in edges:
                if not edge_allowed(e, c.allow_protocols, c.deny_protocols):
                    continue
                if other == buy:
                    found.append(prefix + (e,))
                else:
                    walk(other, prefix + (e,), seen + (other,))

    walk(sell, (), (sell,))
    return found
