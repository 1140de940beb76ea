"""The 5%-grid split of the Uniswap smart-order-router, as a baseline and for `quote --explain`.

The trade is cut in 5% chunks; every candidate path is quoted at every multiple of 5%; then a
beam search combines up to `max_splits` (path, percent) pairs summing to 100% whose paths share
no pool (the grid quotes paths independently, so it can't price a shared pool), scoring each pair
by its quote net of that leg's gas. This is what we must beat, so it is implemented faithfully,
not weakened: the beam is wider than the SOR's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from heapq import nlargest


def best_grid_split(paths: Sequence, quote: Callable[[int, int], float | None], *, exact_in: bool,
                    leg_costs: Sequence[float], step_pct: int = 5, max_splits: int = 7,
                    beam: int = 64) -> list[tuple[int, int]]:
    """The best [(path index, percent), ...] found; empty when no combination fills 100%.

    `quote(i, pct)` returns path i's output (exact-in) or input (exact-out) for pct% of the trade,
    or None when the path can't carry it. Scores are in the scored token, like `leg_costs`.
    """
    sign = 1.0 if exact_in else -1.0
    steps = 100 // step_pct
    table: dict[tuple[int, int], float] = {}
    for i in range(len(paths)):
        for k in range(1, steps + 1):
            q = quote(i, k * step_pct)
            if q is None:
                break
            table[(i, k)] = sign * q - leg_costs[i]
    pools = [frozenset(e.pool.address for e in p) for p in paths]
    # state: (score, chunks used, pools used, choices)
    # the best single quote for k chunks: a rough value of what is left, so that partial states
    # with different amounts left are ranked on one scale
    rest = {k: max((v for (i, kk), v in table.items() if kk == k), default=-1e300) for k in range(steps + 1)}
    rest[0] = 0.0
    layer = [(0.0, 0, frozenset(), ())]
    best: tuple[float, tuple] | None = None
    for _ in range(max_splits):
        grown = []
        for score, used, used_pools, choices in layer:
            last = choices[-1][0] if choices else -1
            for (i, k), v in table.items():
                # paths in increasing index order: each combination is generated once
                if i <= last or used + k > steps or pools[i] & used_pools:
                    continue
                state = (score + v, used + k, used_pools | pools[i], choices + ((i, k),))
                if used + k == steps:
                    if best is None or state[0] > best[0]:
                        best = (state[0], state[3])
                else:
                    grown.append(state)
        if not grown:
            break
        layer = nlargest(beam, grown, key=lambda s: s[0] + rest[steps - s[1]])
    if best is None:
        return []
    return [(i, k * step_pct) for i, k in best[1]]


def grid_route(scorer, paths: Sequence, quote: Callable[[int, int], float | None]):
    """The grid's best split executed exactly by `scorer` (a Route), or None.

    The percentages become integer amounts; rounding dust goes to the first pick so the legs
    add up to the trade exactly."""
    picks = best_grid_split(paths, quote, exact_in=scorer.exact_in,
                            leg_costs=[scorer.leg_cost(p) for p in paths])
    if not picks:
        return None
    total = scorer.request.amount
    amounts = [total * pct // 100 for _, pct in picks]
    amounts[0] += total - sum(amounts)
    return scorer.route([paths[i] for i, _ in picks], amounts)
