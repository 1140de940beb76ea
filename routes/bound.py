"""A certified bound on what any routing of one trade through a set of pools can achieve.

The bench's reference optimum (routes.reference) is a heuristic: it can be beaten. This module
gives a number that can't be: an upper bound on the gross output of an exact-in trade (or a
lower bound on the gross input of an exact-out one) over every combination of trades through
the pools, by Lagrangian duality (Angeris, Diamandis et al., "Optimal routing for constant
function market makers", 2022; the same dual as CFMMRouter.jl).

Why the bound holds (exact-in; prices nu >= 0 per token, nu[buy] = 1). Let a route make pool i
take dx_i of token a_i and pay dy_i of token b_i, and let Psi be the user's net receipt per
token. A route sells `amount` and keeps no debt: Psi[sell] >= -amount, Psi[t] >= 0 for the
other tokens, and its output is Psi[buy]. Then
    Psi[buy] = nu . Psi - sum_{t != buy} nu[t] Psi[t] <= nu . Psi + nu[sell] * amount,
    nu . Psi = sum_i (nu[b_i] dy_i - nu[a_i] dx_i) <= sum_i arb_i(nu),
where arb_i(nu) is the most a single trade with pool i is worth at prices nu (>= 0: no trade).
So output <= g(nu) = nu[sell] * amount + sum_i arb_i(nu) for EVERY nu >= 0; we minimise g,
and strong duality (convex pool trade sets) makes the minimum the true optimum. For exact-out
(nu[sell] = 1) the same steps give input >= nu[buy] * amount - sum_i arb_i(nu).
Several swaps through one pool (legs sharing it, either way) are no better than one trade of
their net amounts: V3 fees leave the curve and every price in between is crossed at least once
(so at least the single trade's fee is paid), and V2 with the fee kept in the reserves is "path
deficient" (Angeris et al., "Constant function market makers: multi-asset trades via convex
optimization"). The integer math of the contracts pays at most the real-valued curves
(routes.pool_arb), so the bound covers every exact route.

Float rounding: each pool term is accurate to a few ulps of the amounts it trades, so a margin
of MARGIN times the traded value is added to the bound (certified up to that).

The problem covers the pools on paths of at most `max_hops` between the two tokens, with any
flows among them (cycles included: an arbitrage those pools offer counts as output), so it bounds
every route of at most `max_hops` hops; `max_hops=None` takes the whole connected component.
Gas and the leg cap are ignored: this bounds GROSS output.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import exp, inf, log

from routes.curves import spot_rate
from routes.graph import PoolGraph
from routes.paths import PathConstraints, enumerate_paths
from routes.pool_arb import build_sides

MARGIN = 1e-9  # relative to the value traded: float error of the pool terms, with room to spare
TOL = 1e-8  # stop when the predicted further decrease is below this, relative to the main term
MEMORY = 8  # L-BFGS curvature pairs
STEP_CAP = 2.0  # at most a factor e^2 on any price per step: keeps exp() and the search sane
Z_LIMIT = 700.0  # |log price| stays where exp() can't overflow


@dataclass(frozen=True, slots=True)
class Bound:
    """The bound and how it was reached.

    `value`: exact-in, an upper bound on the buy-token output (base units) of any routing of
    `amount`; exact-out, a lower bound on the sell-token input (inf when the pools can't deliver
    `amount` at all). `prices` are the dual prices (numeraire: buy for exact-in, sell for
    exact-out; base units of it per base unit of the token). `gap` is the optimizer's estimate of
    how much tighter the bound could still get, relative: a diagnostic, not part of the guarantee.
    """

    value: float
    exact_in: bool
    prices: dict[str, float]
    pools: int
    tokens: int
    iterations: int
    evaluations: int
    converged: bool
    gap: float


def gross_upper_bound(graph: PoolGraph, sell: str, buy: str, amount: int, *, exact_in: bool = True,
                      max_hops: int | None = 3, paths=None, max_iter: int = 400, tol: float = TOL) -> Bound:
    """The dual bound for trading `amount` (sold for exact-in, bought for exact-out).

    `paths` (tuples of Edges, e.g. from routes.reference.all_paths) saves the path enumeration
    when the caller already has it; they define the pool set in place of `max_hops`.
    """
    pools = pools_for(graph, sell, buy, max_hops, paths)
    dual = _Dual(pools, sell, buy, float(amount), exact_in)
    if dual.k < 0 or dual.numeraire < 0:  # the pools don't connect the two tokens
        return Bound(0.0 if exact_in else inf, exact_in, {}, len(pools), 0, 0, 0, True, 0.0)
    if not exact_in and dual.capacity(buy) <= amount:  # more than every pool holding it can pay
        return Bound(inf, exact_in, {}, len(dual.entries), len(dual.tokens), 0, 0, True, 0.0)
    z, value, scale, iters, evals, converged, gap = _minimise(dual, dual.start(), max_iter, tol)
    if exact_in:
        bound = value + MARGIN * scale
    else:
        bound = max(0.0, -value - MARGIN * scale)
    prices = {t: exp(z[i]) for i, t in enumerate(dual.tokens)}
    return Bound(bound, exact_in, prices, len(dual.entries), len(dual.tokens), iters, evals, converged, gap)


def pools_for(graph: PoolGraph, sell: str, buy: str, max_hops: int | None, paths=None) -> list:
    """The pools on some path of at most `max_hops` (every path given), or of sell's component."""
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


class _Dual:
    """g(nu) as a function of log prices z, with its gradient and a diagonal curvature estimate.

    Minimised: exact-in  F = nu[sell] * amount + sum arb_i   (numeraire buy),
               exact-out F = sum arb_i - nu[buy] * amount    (numeraire sell; the bound is -F).
    """

    def __init__(self, pools: list, sell: str, buy: str, amount: float, exact_in: bool) -> None:
        self.tokens: list[str] = []
        self.index: dict[str, int] = {}
        self.entries: list[tuple] = []
        self.pools = []
        for pool in pools:
            sides = build_sides(pool)
            if sides is None:
                continue
            i0, i1 = self._token(pool.token0), self._token(pool.token1)
            self.entries.append((i0, i1, sides[0], sides[1]))
            self.pools.append(pool)
        self.amount = amount
        self.sign = 1.0 if exact_in else -1.0
        self.k = self.index.get(sell if exact_in else buy, -1)  # the token priced against the amount
        self.numeraire = self.index.get(buy if exact_in else sell, -1)

    def _token(self, token: str) -> int:
        i = self.index.get(token)
        if i is None:
            i = self.index[token] = len(self.tokens)
            self.tokens.append(token)
        return i

    def capacity(self, token: str) -> float:
        """All the `token` the pools hold (can pay out), by the real-valued curves."""
        i = self.index[token]
        return sum(s10.capacity if i0 == i else s01.capacity
                   for i0, i1, s01, s10 in self.entries if i in (i0, i1))

    def start(self) -> list[float]:
        """Log mid prices against the numeraire: each token, level by level out from it, at the
        median of what its pools to already-priced tokens say."""
        by_token: dict[int, list] = {}
        for pool, (i0, i1, _, _) in zip(self.pools, self.entries):
            by_token.setdefault(i0, []).append((pool, i1))
            by_token.setdefault(i1, []).append((pool, i0))
        z: dict[int, float] = {self.numeraire: 0.0}
        level = [self.numeraire]
        while level:
            fresh: dict[int, list[float]] = {}
            for i in level:
                for pool, j in by_token.get(i, ()):
                    if j in z:
                        continue
                    rate = spot_rate(pool, self.tokens[j])  # units of token i per unit of token j
                    if rate > 0.0:
                        fresh.setdefault(j, []).append(log(rate) + z[i])
            for j, cands in fresh.items():
                cands.sort()
                z[j] = cands[len(cands) // 2]
            level = list(fresh)
        return [min(Z_LIMIT, max(-Z_LIMIT, z.get(i, 0.0))) for i in range(len(self.tokens))]

    def evaluate(self, z: list[float]) -> tuple[float, list[float], list[float], float]:
        """(F, dF/dz, curvature per token, value traded): dF/dz[t] is the value of the net flow
        of token t (out of the pools, minus in), in numeraire units."""
        nu = [exp(v) for v in z]
        n = len(nu)
        grad, curv = [0.0] * n, [0.0] * n
        k = self.k
        main = self.amount * nu[k]
        value, scale = self.sign * main, main
        grad[k] += self.sign * main
        curv[k] += main
        for i0, i1, s01, s10 in self.entries:
            n0, n1 = nu[i0], nu[i1]
            if n0 < s01.m0 * n1:  # token0 sells for more here than it is worth
                x, y, w = s01.trade(n0 / n1)
                a, b, na, nb = i0, i1, n0, n1
            elif n1 < s10.m0 * n0:
                x, y, w = s10.trade(n1 / n0)
                a, b, na, nb = i1, i0, n1, n0
            else:  # no trade; the curvature it will have once it trades steadies the steps
                cw = n0 * s01.w0
                curv[i0] += cw
                curv[i1] += cw
                continue
            paid, got = na * x, nb * y
            value += got - paid
            scale += got + paid
            grad[a] -= paid
            grad[b] += got
            cw = na * w
            curv[a] += cw
            curv[b] += cw
        grad[self.numeraire] = 0.0
        return value, grad, curv, scale


def _minimise(dual: _Dual, z: list[float], max_iter: int, tol: float):
    """L-BFGS on log prices (which keeps every price positive), preconditioned by the diagonal
    curvature, with an Armijo backtracking search. g is convex in nu, so any stationary point in
    z (nu > 0) is its global minimum. Every iterate is a valid bound; the search only decreases F.

    Returns (z, F, scale, iterations, evaluations, converged, gap estimate)."""
    fixed = dual.numeraire
    F, grad, curv, scale = dual.evaluate(z)
    evals, converged, gap = 1, False, inf
    pairs: list[tuple[list[float], list[float], float]] = []
    it = 0
    while it < max_iter:
        it += 1
        ref = dual.amount * exp(z[dual.k])
        floor = 1e-12 * ref
        # z-space curvature is nu^2 H + diag(grad): |grad| keeps the estimate positive and
        # bounds the step of a token whose pools are all at a kink or fully used (no nu^2 H)
        h = [max(c + abs(g), floor) for c, g in zip(curv, grad)]
        d = _direction(grad, h, pairs)
        d[fixed] = 0.0
        slope = sum(g * v for g, v in zip(grad, d))
        if slope >= 0.0:  # the memory went stale: restart from the preconditioned gradient
            pairs.clear()
            d = [-g / c for g, c in zip(grad, h)]
            slope = sum(g * v for g, v in zip(grad, d))
        gap = -0.5 * slope / ref  # the quadratic model's predicted further decrease
        if gap <= tol:
            converged = True
            break
        big = max(abs(v) for v in d)
        t = 1.0 if big <= STEP_CAP else STEP_CAP / big
        while True:
            trial = [min(Z_LIMIT, max(-Z_LIMIT, a + t * v)) for a, v in zip(z, d)]
            F2, grad2, curv2, scale2 = dual.evaluate(trial)
            evals += 1
            if F2 <= F + 1e-4 * t * slope:
                break
            t *= 0.5
            if t < 1e-12:  # no decrease left that floats can see
                return z, F, scale, it, evals, gap <= 100 * tol, gap
        s = [a - b for a, b in zip(trial, z)]
        y = [a - b for a, b in zip(grad2, grad)]
        sy = sum(a * b for a, b in zip(s, y))
        if sy > 1e-12 * ref * sum(a * a for a in s) ** 0.5:  # z-space is not convex: keep good pairs
            pairs.append((s, y, 1.0 / sy))
            if len(pairs) > MEMORY:
                pairs.pop(0)
        z, F, grad, curv, scale = trial, F2, grad2, curv2, scale2
    return z, F, scale, it, evals, converged, gap


def _direction(grad: list[float], h: list[float], pairs) -> list[float]:
    """The L-BFGS two-loop recursion, with diag(1/h) as the initial inverse Hessian."""
    q = list(grad)
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * sum(u * v for u, v in zip(s, q))
        alphas.append(a)
        q = [u - a * v for u, v in zip(q, y)]
    r = [u / c for u, c in zip(q, h)]
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        b = rho * sum(u * v for u, v in zip(y, r))
        r = [u + (a - b) * v for u, v in zip(r, s)]
    return [-u for u in r]
