"""A small L-BFGS minimiser for the routing dual (routes.bound): pure Python, no numpy.

`evaluate(v)` returns (F, gradient, curvature, ref, *extra): `curvature` is a positive
per-variable estimate of the Hessian diagonal, used as the initial inverse Hessian of the two-loop
recursion (the dual's variables differ in scale by many orders of magnitude, so a scalar one is
useless); `ref` is the size F is measured against (the stopping rule is relative to it).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import mul

MEMORY = 8  # curvature pairs kept
STEP_CAP = 2.0  # largest move of any variable per step, relative to its size (at least 1)
ARMIJO = 1e-4


@dataclass(frozen=True, slots=True)
class Minimum:
    v: list[float]
    value: float
    extra: object  # whatever evaluate returned after the first four items, at v
    iterations: int
    evaluations: int
    converged: bool
    gap: float  # the last predicted further decrease, relative to ref: an estimate only


def minimise(evaluate, v: list[float], fixed: frozenset[int], *, max_iter: int, tol: float,
             lower: dict[int, float] | None = None, stall: int = 4) -> Minimum:
    """Minimise from v, never moving the variables in `fixed`, nor `lower[i]` below its bound
    (a variable at its bound that the direction would push lower is held there for the step).

    Stops when the quadratic model predicts less than tol * ref to gain AND the last `stall`
    steps together gained less than tol * ref (the model alone can be optimistic when a price
    sits at a pool's fee band, where the curvature jumps), at max_iter, or when no step along the
    direction lowers F any more (float noise). Every step lowers F (Armijo), so F at the end is
    the least value seen.
    """
    lower = lower or {}
    v = [max(x, lower.get(i, x)) for i, x in enumerate(v)]
    F, grad, curv, ref, *extra = evaluate(v)
    evals, it, gap = 1, 0, float("inf")
    history = [F]
    pairs: list[tuple[list[float], list[float], float]] = []
    while it < max_iter:
        it += 1
        h = [max(c, 1e-12 * ref) for c in curv]
        held = fixed | {i for i, b in lower.items() if v[i] <= b and grad[i] > 0.0}
        d = _direction(grad, h, pairs)
        for i in held:
            d[i] = 0.0
        slope = _dot(grad, d)
        if slope >= 0.0:  # the memory went stale: restart from the preconditioned gradient
            pairs.clear()
            d = [0.0 if i in held else -g / c for i, (g, c) in enumerate(zip(grad, h))]
            slope = _dot(grad, d)
        # two estimates of what is left: the L-BFGS model's, and the diagonal model's (the
        # first alone can be fooled by stale pairs after the active pools change)
        gap = -0.5 * slope / ref
        diag = 0.5 * sum(g * g / c for i, (g, c) in enumerate(zip(grad, h)) if i not in held) / ref
        recent = history[-1 - stall] - F if len(history) > stall else float("inf")
        if max(gap, diag) <= tol and recent <= tol * ref:
            return Minimum(v, F, extra, it, evals, True, max(gap, diag))
        big = max(abs(x) / max(abs(a), 1.0) for x, a in zip(d, v))
        if big == 0.0:
            return Minimum(v, F, extra, it, evals, True, 0.0)
        t = 1.0 if big <= STEP_CAP else STEP_CAP / big
        while True:
            trial = [a + t * x for a, x in zip(v, d)]
            for i, b in lower.items():
                trial[i] = max(trial[i], b)
            F2, grad2, curv2, ref2, *extra2 = evaluate(trial)
            evals += 1
            if F2 <= F + ARMIJO * t * slope:
                break
            t *= 0.5
            if t * big < 1e-13:
                break
        if F2 > F + ARMIJO * t * slope:  # no decrease along d that floats can see
            if not pairs:
                return Minimum(v, F, extra, it, evals, max(gap, diag) <= tol, max(gap, diag))
            pairs.clear()  # the model misled: try the preconditioned gradient
            continue
        s = [a - b for a, b in zip(trial, v)]
        y = [a - b for a, b in zip(grad2, grad)]
        sy = _dot(s, y)
        if sy > 1e-12 * ref * _dot(s, s) ** 0.5:
            pairs.append((s, y, 1.0 / sy))
            if len(pairs) > MEMORY:
                pairs.pop(0)
        v, F, grad, curv, ref, extra = trial, F2, grad2, curv2, ref2, extra2
        history.append(F)
    return Minimum(v, F, extra, it, evals, False, gap)


def _direction(grad: list[float], h: list[float], pairs) -> list[float]:
    """The two-loop recursion with diag(1/h) as the initial inverse Hessian."""
    q = list(grad)
    alphas = []
    for s, y, rho in reversed(pairs):
        a = rho * _dot(s, q)
        alphas.append(a)
        q = [u - a * w for u, w in zip(q, y)]
    r = [u / c for u, c in zip(q, h)]
    for (s, y, rho), a in zip(pairs, reversed(alphas)):
        b = rho * _dot(y, r)
        r = [u + (a - b) * w for u, w in zip(r, s)]
    return [-u for u in r]


def _dot(a: list[float], b: list[float]) -> float:
    return sum(map(mul, a, b))
