"""A certified bound on what any routing of one trade through a set of pools can achieve.

The bench's reference optimum (routes.reference) is a heuristic: it can be beaten. This module
gives a number that can't be: an upper bound on the gross output of an exact-in trade (a lower
bound on the gross input of an exact-out one), ignoring gas and the leg cap, by Lagrangian
duality (Angeris, Diamandis et al., "Optimal routing for constant function market makers", 2022;
the dual CFMMRouter.jl solves).

Why it holds (exact-in). Give each node of a flow network a price nu >= 0, nu[buy] = 1. A route
makes pool i take dx_i at its input node and pay dy_i at its output node; let Psi be the net
amount each node receives. A route sells `amount` and leaves no debt: Psi[sell] >= -amount,
Psi[n] >= 0 at the other nodes, and its output is Psi[buy]. Then
    Psi[buy] = nu . Psi - sum_{n != buy} nu[n] Psi[n] <= nu . Psi + nu[sell] * amount,
    nu . Psi = sum_i (nu[out_i] dy_i - nu[in_i] dx_i) <= sum_i arb_i(nu),
where arb_i(nu) >= 0 is the most one trade with pool i is worth at those prices. So
    output <= g(nu) = nu[sell] * amount + sum_i arb_i(nu)   for EVERY nu >= 0,
and we minimise g; strong duality (convex pool trade sets) makes the minimum the optimum of the
relaxation. For exact-out (nu[sell] = 1) the same steps give input >= nu[buy] * amount - sum arb_i.
Several swaps through one pool (legs sharing it, in either direction) are no better than one
trade of their net amounts: V3 fees leave the curve and every price in between is crossed at
least once, and V2, fee kept in the reserves, is "path deficient" (Angeris et al., "Constant
function market makers: multi-asset trades via convex optimization"). The contracts' integer
math pays at most the real-valued curves (routes.pool_arb), so every exact route is covered.

Two networks:
- tokens ("plain", the paper's): one node per token, any flows among the pools, cycles
  included. Valid for any route, but every arbitrage the pools offer counts as output, and on a
  market whose pools disagree by more than their fees that swamps the trade (on the bench's
  1,000-pool market, the pure arbitrage among the pools of one trade's 3-hop paths is worth up
  to 16 times the trade).
- hop layers (default for max_hops <= 3): the node of token m is (m, 1) when a pool joins it to
  sell (one hop in) and (m, 2) when a pool joins it to buy (one hop out). A path of <= 3 hops is
  sell -> (a, 1) -> (b, 2) -> buy, or sell -> (m, 1) -> (m, 2) -> buy (a free transfer, which
  forces nu(m, 2) <= nu(m, 1)), or sell -> buy. Every pool then has one role, no cycle exists,
  and the optimum is the best split over paths of <= 3 hops with any number of legs. A middle
  pool (a, b) may serve (a, 1) -> (b, 2) and (b, 1) -> (a, 2) at once; with one net trade per
  pool and nu(t, 2) <= nu(t, 1), its term is the better of the two directions (buying and
  selling back through it is worth <= 0 at such prices), so legs crossing it both ways are
  covered too.

Every price vector evaluated gives a valid bound; the optimizer (routes.lbfgs) only decides how
tight it is, and `converged`/`gap` are its own estimates. Float rounding: each pool term is
accurate to a few ulps of the amounts it trades, so MARGIN times the value traded is added
(exact-in) or taken off (exact-out).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp, inf, log

from routes.curves import spot_rate
from routes.graph import PoolGraph
from routes.lbfgs import minimise
from routes.paths import PathConstraints, enumerate_paths
from routes.pool_arb import build_sides

MARGIN = 1e-9  # relative to the value traded: the pool terms' float error, with room to spare
TOL = 1e-9  # optimizer stop: predicted and recent decrease below this, relative to nu[k] * amount
LOG_LIMIT = 150.0  # |log mid price| cap: price ratios stay within 1e130, where no term overflows
U_FLOOR = 1e-12  # no price falls below this fraction of its mid price (any price > 0 is valid)
_START_SPREAD = 1e-3  # start nu(m, 1) this much above nu(m, 2), relative
_STEP_SCALE = 1e-3  # a price near 0 (or a spread) still moves by at least this much per step


@dataclass(frozen=True, slots=True)
class Bound:
    """The bound and how it was reached.

    `value`: exact-in, an upper bound on the buy-token output (base units) of any routing of
    `amount`; exact-out, a lower bound on the sell-token input (inf when the pools can't pay
    `amount` at all). `prices[(token, layer)]`: the dual prices, in numeraire base units (the buy
    token for exact-in, the sell token for exact-out) per base unit; layer is None for the plain
    network, else 0 sell, 1 one hop in, 2 one hop out, 3 buy. `gap`: the optimizer's estimate of
    how much lower the bound could still go, relative (a diagnostic, not part of the guarantee).
    """

    value: float
    exact_in: bool
    layered: bool
    prices: dict[tuple[str, int | None], float]
    pools: int
    nodes: int
    iterations: int
    evaluations: int
    converged: bool
    gap: float


def gross_upper_bound(graph: PoolGraph, sell: str, buy: str, amount: int, *, exact_in: bool = True,
                      max_hops: int | None = 3, paths=None, layered: bool = True,
                      max_iter: int = 2000, tol: float = TOL) -> Bound:
    """The dual bound for trading `amount` (sold for exact-in, bought for exact-out).

    The pools are those on paths of at most `max_hops` (all of sell's connected component for
    None); `paths` (tuples of Edges of at most max_hops hops, e.g. routes.reference.all_paths)
    replaces the enumeration.
    The hop-layered network is used when `layered` and max_hops <= 3, else the plain one.
    """
    pools = pools_for(graph, sell, buy, max_hops, paths)
    layered = layered and max_hops is not None and max_hops <= 3
    net = _Network(pools, sell, buy, layered=layered)
    if not net.entries or net.k < 0 or net.numeraire < 0:  # nothing joins the two tokens
        return Bound(0.0 if exact_in else inf, exact_in, layered, {}, len(pools), 0, 0, 0, True, 0.0)
    if not exact_in and net.capacity_of(buy) <= amount:  # more than all its pools hold
        return Bound(inf, exact_in, layered, {}, len(net.entries), len(net.nodes), 0, 0, True, 0.0)
    dual = _Dual(net, float(amount), exact_in)
    best = minimise(dual.evaluate, dual.start(), frozenset((dual.numeraire,)), max_iter=max_iter, tol=tol,
                    lower=dual.lower)
    scale, nu = best.extra
    value = best.value + MARGIN * scale if exact_in else max(0.0, -best.value - MARGIN * scale)
    prices = {node: p for node, p in zip(net.nodes, nu)}
    return Bound(value, exact_in, layered, prices, len(net.entries), len(net.nodes), best.iterations,
                 best.evaluations, best.converged, best.gap)


def pools_for(graph: PoolGraph, sell: str, buy: str, max_hops: int | None, paths=None) -> list:
    """The pools on some path of at most `max_hops` (or on the paths given), or in sell's component."""
    if paths is None and max_hops is not None:
        paths = enumerate_paths(graph, sell, buy, constraints=PathConstraints(max_hops=max_hops))
    if paths is not None:
        return list({e.pool.address: e.pool for p in paths for e in p}.values())
    seen, todo, found = {sell}, [sell], {}
    while todo:
        for other, edges in graph.neighbours(todo.pop()).items():
            for e in edges:
                found[e.pool.address] = e.pool
            if other not in seen:
                seen.add(other)
                todo.append(other)
    return list(found.values())


class _Network:
    """Nodes, and each pool as (in, out) node pairs for its two directions (-1: not a use).

    `parent[n] >= 0` marks (m, 1) when (m, 2) exists: its price is nu(m, 2) plus a spread >= 0
    (see _Dual), which keeps the transfer constraint nu(m, 2) <= nu(m, 1). The optimum often
    sits on that constraint (a log-scale spread was tried first: it crawled towards -inf).
    """

    def __init__(self, pools: list, sell: str, buy: str, *, layered: bool) -> None:
        self.nodes: list[tuple[str, int | None]] = []
        self.index: dict[tuple[str, int | None], int] = {}
        self.parent: list[int] = []
        self.entries: list[tuple] = []
        self.pools: list = []
        usable = [(pool, sides) for pool in pools if (sides := build_sides(pool)) is not None]
        if layered:
            self._layered(usable, sell, buy)
        else:
            for pool, (s01, s10) in usable:
                a, b = self._node((pool.token0, None)), self._node((pool.token1, None))
                self._add(pool, (a, b, b, a, s01, s10))
        self.k = self.index.get((sell, 0 if layered else None), -1)
        self.numeraire = self.index.get((buy, 3 if layered else None), -1)

    def _node(self, key: tuple[str, int | None], parent: int = -1) -> int:
        i = self.index.get(key)
        if i is None:
            i = self.index[key] = len(self.nodes)
            self.nodes.append(key)
            self.parent.append(parent)
        return i

    def _add(self, pool, entry: tuple) -> None:
        self.entries.append(entry)
        self.pools.append(pool)

    def _layered(self, usable: list, sell: str, buy: str) -> None:
        one_in = {p.other(sell) for p, _ in usable if sell in (p.token0, p.token1)} - {buy}
        one_out = {p.other(buy) for p, _ in usable if buy in (p.token0, p.token1)} - {sell}
        out_node = {m: self._node((m, 2)) for m in sorted(one_out)}
        in_node = {m: self._node((m, 1), out_node.get(m, -1)) for m in sorted(one_in)}
        s, t = self._node((sell, 0)), self._node((buy, 3))
        none = (-1, -1)
        for pool, (s01, s10) in usable:
            t0, t1 = pool.token0, pool.token1
            if {t0, t1} == {sell, buy}:
                uses = ((s, t), none) if t0 == sell else (none, (s, t))
            elif sell in (t0, t1):
                uses = ((s, in_node[t1]), none) if t0 == sell else (none, (s, in_node[t0]))
            elif buy in (t0, t1):
                uses = ((out_node[t0], t), none) if t1 == buy else (none, (out_node[t1], t))
            else:  # a middle pool: (a, 1) -> (b, 2), either way round where both nodes exist
                uses = tuple(u if -1 not in u else none
                             for u in ((in_node.get(t0, -1), out_node.get(t1, -1)),
                                       (in_node.get(t1, -1), out_node.get(t0, -1))))
            if uses[0][0] >= 0 or uses[1][0] >= 0:
                self._add(pool, (*uses[0], *uses[1], s01, s10))

    def capacity_of(self, token: str) -> float:
        """All of `token` the pools can pay out, by the real-valued curves."""
        return sum(s10.capacity if p.token0 == token else s01.capacity
                   for p, (*_, s01, s10) in zip(self.pools, self.entries) if token in (p.token0, p.token1))


class _Dual:
    """F over scaled prices, minimised: nu = nu0 * u for a free node (u >= U_FLOOR), and
    nu(m, 1) = nu(m, 2) + nu0(m, 2) * u for a tied one (u >= 0: the transfer constraint).
    exact-in F = nu[sell] * amount + sum arb_i; exact-out F = sum arb_i - nu[buy] * amount.
    F is convex in nu, and the map from u is linear, so F is convex in u too (log prices were
    measured first: not convex, and the optimizer stalled more often)."""

    def __init__(self, net: _Network, amount: float, exact_in: bool) -> None:
        self.net = net
        self.amount = amount
        self.sign = 1.0 if exact_in else -1.0
        # k: the node priced against the amount; numeraire: the unit (held at 1)
        self.k, self.numeraire = (net.k, net.numeraire) if exact_in else (net.numeraire, net.k)
        self.derived = [i for i, p in enumerate(net.parent) if p >= 0]
        self.nu0 = self._mid_prices()
        self.lower = {i: (0.0 if p >= 0 else U_FLOOR) for i, p in enumerate(net.parent)}
        # the entries flattened for the hot loop: a missing direction gets node 0 and a marginal
        # rate of 0, which no price (> 0) passes; an idle pool's curvature goes on one direction
        self.flat = []
        for a01, b01, a10, b10, s01, s10 in net.entries:
            idle = (a01, b01, s01.w0) if a01 >= 0 else (a10, b10, s10.w0)
            self.flat.append((max(a01, 0), max(b01, 0), s01.m0 if a01 >= 0 else 0.0, s01.trade,
                              max(a10, 0), max(b10, 0), s10.m0 if a10 >= 0 else 0.0, s10.trade, *idle))

    def _mid_prices(self) -> list[float]:
        """Mid prices against the numeraire token: level by level out from it, each token at the
        median of what its pools to tokens already priced say (tied nodes: their parent's)."""
        net = self.net
        unit = net.nodes[self.numeraire][0]
        links: dict[str, list] = {}
        for pool in net.pools:
            links.setdefault(pool.token0, []).append(pool)
            links.setdefault(pool.token1, []).append(pool)
        z, level = {unit: 0.0}, [unit]
        while level:
            fresh: dict[str, list[float]] = {}
            for token in level:
                for pool in links.get(token, ()):
                    other = pool.other(token)
                    rate = spot_rate(pool, other)  # units of `token` per unit of `other`
                    if other not in z and rate > 0.0:
                        fresh.setdefault(other, []).append(log(rate) + z[token])
            for token, cands in fresh.items():
                z[token] = sorted(cands)[len(cands) // 2]
            level = list(fresh)
        return [exp(max(-LOG_LIMIT, min(LOG_LIMIT, z.get(token, 0.0)))) for token, _ in net.nodes]

    def start(self) -> list[float]:
        u = [1.0] * len(self.nu0)
        for i in self.derived:
            u[i] = _START_SPREAD
        return u

    def prices(self, u: list[float]) -> list[float]:
        nu = [a * b for a, b in zip(self.nu0, u)]
        for i in self.derived:
            p = self.net.parent[i]
            nu[i] = nu[p] + self.nu0[p] * u[i]
        return nu

    def evaluate(self, u: list[float]):
        """(F, dF/du, curvature estimate, nu[k] * amount, value traded, nu)."""
        net, k, nu0 = self.net, self.k, self.nu0
        nu = self.prices(u)
        n = len(nu)
        flow, curv = [0.0] * n, [0.0] * n  # dF/dnu, and nu^2 d2F/dnu2 estimates
        main = self.amount * nu[k]
        value, scale = self.sign * main, main
        flow[k] = self.sign * self.amount
        for a, b, m0, trade, a2, b2, m02, trade2, idle_a, idle_b, w0 in self.flat:
            na, nb = nu[a], nu[b]
            if na >= m0 * nb:  # token0 doesn't sell for more than it is worth: the other way?
                a, b, trade = a2, b2, trade2
                na, nb = nu[a], nu[b]
                if na >= m02 * nb:  # no trade: the curvature it will have once it trades steadies the steps
                    cw = nu[idle_a] * w0
                    curv[idle_a] += cw
                    curv[idle_b] += cw
                    continue
            x, y, w = trade(na / nb)
            paid, got = na * x, nb * y
            value += got - paid
            scale += got + paid
            flow[a] -= x
            flow[b] += y
            cw = na * w  # w = -p dx/dp, so nu_a^2 d2F/dnu_a^2 = nu_b^2 d2F/dnu_b^2 = nu_a w
            curv[a] += cw
            curv[b] += cw
        grad = [a * f for a, f in zip(nu0, flow)]
        h = [c * (a / p) ** 2 if p > 0.0 else 0.0 for c, a, p in zip(curv, nu0, nu)]
        for i in self.derived:  # chain rule through nu(m, 1) = nu(m, 2) + nu0(m, 2) * u
            p = net.parent[i]
            grad[i] = nu0[p] * flow[i]
            grad[p] += nu0[p] * flow[i]
            h[i] = curv[i] * (nu0[p] / nu[i]) ** 2
            h[p] += h[i]
        # a variable whose pools are all idle or used up has no curvature: let it move by about
        # its own size per step (a price halves or doubles), not without limit
        h = [c + abs(g) / max(x, _STEP_SCALE) for c, g, x in zip(h, grad, u)]
        grad[self.numeraire] = 0.0
        return value, grad, h, main, scale, nu
