"""Gas-aware leg selection: which of the water-filled legs are worth their gas.

A leg costs its hops' gas whatever it carries, so the net optimum is a fixed-charge problem: the
gross water-filling optimum (routes.split) may use dozens of thin legs that don't pay. Three
searches, all re-pouring for real at every step, and the router keeps the best by exact net:
- `optimise_net` walks backward from the gross optimum, dropping legs down to one;
- `grow_net` walks forward from the best leg, adding the one whose surplus pays most;
- `swap_net` searches locally from either: add, drop or swap one leg.
An extra leg or hop is therefore used only when it pays for its gas.
"""

from __future__ import annotations

from routes.split import WaterFill

SURPLUS_PRICED = 12  # outside paths whose surplus is priced per step, the best by next-slice rate


def optimise_net(paths, total: float, *, exact_in: bool, leg_costs: list[float], chunks: int = 32,
                 levels: int = 6, start: WaterFill | None = None, careful_below: int = 6,
                 tries: int = 3, max_legs: int = 12, tick_cost: float = 0.0) -> WaterFill:
    """The gas-aware allocation, walking backward: drop legs that don't pay for their gas.

    Legs are dropped one at a time, re-pouring what each carried, all the way down to one leg,
    and the best net seen on that way is kept; walking the whole way gets past pairs of small
    legs where dropping either alone doesn't pay. Which leg goes: while many legs are left, the
    quarter whose surplus over the water level falls furthest short of their gas
    (a first-order estimate) go at once; below `careful_below` legs, where the answer is decided,
    the `tries` likeliest single drops are each re-poured and the best real net wins.
    Only states with at most `max_legs` legs are kept (a route must fit in a transaction); if
    none is reached, the walk's last state is returned and has more. Without any gas (all
    `leg_costs` and `tick_cost` zero) the walk stops at the first state that fits.
    `leg_costs[i]` is the gas of path i as a leg, in the scored token (output token for
    exact-in, input token for exact-out). `start` is a poured WaterFill to continue from.
    """
    wf = start or WaterFill(paths, exact_in=exact_in)
    if start is None:
        wf.pour(total, chunks)
        wf.refine(total / chunks, levels)
    for i in range(len(wf.amounts)):  # not worth it gross, so not net either
        if wf.enabled[i] and not wf.carries(i):
            wf.drain(i)
    eps = total / chunks / 2 ** levels
    sign = 1.0 if exact_in else -1.0
    fits = _legs(wf) <= max_legs
    best, best_net = (wf.snapshot(), float_net(wf, leg_costs, tick_cost)) if fits else (None, 0.0)
    # with no gas at all a leg never costs more than it earns, so fewer legs never pay more than
    # the first state that fits: the walk stops there (the gross split under the leg cap; the
    # rest of the walk down to one leg was a third of its time, and changed no route of 472)
    gross = not tick_cost and not any(leg_costs)
    while not (gross and fits):
        active = [i for i in range(len(wf.amounts)) if wf.carries(i)]
        if len(active) <= 1:
            break
        level = wf.level(eps)
        # gas minus what leg i earns beyond what the water level would pay for its amount
        order = sorted(active, key=lambda i: wf.rent(i, level) - leg_costs[i])
        here, step_net, step_snap = wf.snapshot(), None, None
        if len(active) > careful_below:  # far from the answer: drop a quarter of them at once
            trials = [order[:max(1, (len(active) - careful_below) // 4)]]
        else:
            trials = [[i] for i in order[:tries]]
        for drops in trials:
            wf.restore(here)
            freed = sum(wf.drain(i) for i in drops)
            if wf.pour(freed, max(8, round(chunks * freed / total))) > 0:
                continue  # the others can't carry it
            wf.refine(total / chunks, levels)
            net = float_net(wf, leg_costs, tick_cost)
            if step_net is None or sign * net > sign * step_net:
                step_net, step_snap = net, wf.snapshot()
        if step_snap is None:
            break
        wf.restore(step_snap)
        fits = _legs(wf) <= max_legs
        if fits and (best is None or sign * step_net > sign * best_net):
            best, best_net = step_snap, step_net
    if best is not None:
        wf.restore(best)
    return wf


def grow_net(paths, total: float, *, exact_in: bool, leg_costs: list[float], first: int,
             chunks: int = 32, levels: int = 6, max_legs: int = 6, tick_cost: float = 0.0,
             then=()) -> WaterFill:
    """The gas-aware allocation built forward: from path `first` alone, add the leg whose
    surplus at the current water level pays most beyond its gas, re-pour, keep it if the net
    improved, and repeat. It finds the few-leg splits that dropping legs from the gross optimum
    can walk past (the gross optimum of a gas-heavy trade can have dozens of thin legs).
    Only paths whose next slice beats the water level are priced. When `first` alone can't
    carry the trade, the paths of `then` join it in that order until they can (a trade bigger
    than any one path)."""
    n = len(paths)
    wf = WaterFill(paths, exact_in=exact_in)
    wf.enabled = [i == first for i in range(n)]
    queue = [i for i in then if i != first]
    while wf.pour(total, chunks) > 0:
        if not queue or sum(wf.enabled) >= max_legs:
            return wf
        wf.empty()
        wf.enabled[queue.pop(0)] = True
    best, best_net = wf.snapshot(), float_net(wf, leg_costs, tick_cost)
    sign = 1.0 if exact_in else -1.0
    eps = total / chunks / 2 ** levels
    while sum(wf.enabled) < max_legs:
        level = wf.level(eps)
        bar = level if exact_in else -level  # a path is worth a look when its next slice beats it
        gain, pick = max(((_surplus(wf, i, level, total) - leg_costs[i], i)
                          for i in _likeliest(wf, n, eps, bar, SURPLUS_PRICED)), default=(0.0, -1))
        if gain <= 0:
            break
        wf.enabled[pick] = True
        wf.empty()  # re-pour everything over the larger set
        if wf.pour(total, chunks) > 0:
            break
        wf.refine(total / chunks, levels)
        net = float_net(wf, leg_costs, tick_cost)
        if sign * net <= sign * best_net:
            break
        best, best_net = wf.snapshot(), net
    wf.restore(best)
    return wf


def swap_net(paths, total: float, *, exact_in: bool, leg_costs: list[float], chosen, chunks: int = 32,
             levels: int = 3, max_legs: int = 12, tick_cost: float = 0.0, rounds: int = 4,
             tries: int = 4, hints=()) -> WaterFill:
    """Local search from the legs `chosen` (indices into `paths`): add, drop or swap one leg.

    Forward growth and backward elimination each commit to a path once and never revisit it;
    the best few-leg split often keeps the big leg and trades a small one for another path
    (or, under the leg cap, trades a thin leg for a deeper one). Each round prices every path
    outside the split by its surplus over the water level (first order), builds the likeliest
    moves (add the best outsiders; swap them for the leg whose surplus covers its gas least; drop
    that leg), re-pours the `tries` most promising for real and keeps the best if it beats the
    current net. `hints` are more leg sets to try in the first round (the caller's own guesses,
    e.g. the weakest leg swapped for the path that pays best net of gas for its amount).
    Returns the best state found (a WaterFill over all of `paths`).
    """
    n = len(paths)
    sign = 1.0 if exact_in else -1.0
    eps = total / chunks / 2 ** levels
    wf = WaterFill(paths, exact_in=exact_in)

    def pour(legs) -> float | None:
        wf.empty()
        wf.enabled = [i in legs for i in range(n)]
        if wf.pour(total, chunks) > 0:
            return None
        wf.refine(total / chunks, levels)
        return sign * float_net(wf, leg_costs, tick_cost)

    current = set(chosen)
    best = pour(current)
    if best is None:
        return wf
    best_snap = wf.snapshot()
    for round_ in range(rounds):
        level = wf.level(eps)
        active = [i for i in range(n) if wf.carries(i)]
        rent = {i: wf.rent(i, level) - leg_costs[i] for i in active}
        bar = level if exact_in else -level
        wf.enabled = [i in current for i in range(n)]
        outside = _likeliest(wf, n, eps, bar, SURPLUS_PRICED)
        gains = sorted(((_surplus(wf, j, level, total) - leg_costs[j], j) for j in outside), reverse=True)[:tries]
        moves: list[tuple[float, frozenset]] = []
        weakest = min(active, key=rent.__getitem__) if active else None
        for g, j in gains:
            if len(active) < max_legs and g > 0:
                moves.append((g, frozenset(active + [j])))
            if weakest is not None:
                moves.append((g - rent[weakest], frozenset(active + [j]) - {weakest}))
        if weakest is not None and len(active) > 1:
            moves.append((-rent[weakest], frozenset(active) - {weakest}))
        moves.sort(key=lambda m: -m[0])
        step, step_set, step_snap = None, None, None
        for legs in [m[1] for m in moves[:tries]] + [frozenset(h) for h in hints if round_ == 0]:
            net = pour(legs)
            if net is not None and (step is None or net > step):
                step, step_set, step_snap = net, legs, wf.snapshot()
        if step is None or step <= best + abs(best) * 1e-12:
            break
        best, best_snap, current = step, step_snap, set(step_set)
        wf.restore(best_snap)
    wf.restore(best_snap)
    return wf


def _likeliest(wf: WaterFill, n: int, eps: float, bar: float, count: int) -> list[int]:
    """The paths outside the split (not enabled) whose next slice beats `bar` by the most, at
    most `count` of them: the surplus is a 34-quote search, too dear to run on every path."""
    rates = [(r, i) for i in range(n) if not wf.enabled[i] for r in (wf.model.rate(i, eps),) if r > bar]
    rates.sort(reverse=True)
    return [i for _, i in rates[:count]]


def _surplus(wf: WaterFill, i: int, level: float, total: float) -> float:
    """The most path i could earn above the water level on its own (golden-section search on
    the amount it would take): a first-order value of adding it as a leg, before its gas."""
    model, sign = wf.model, 1.0 if wf.exact_in else -1.0

    def gain(x: float) -> float:
        taken, value = model.add(i, x)
        return sign * (value - level * taken)

    lo, hi = 0.0, total
    ratio = 0.6180339887498949
    a, b = hi - ratio * (hi - lo), lo + ratio * (hi - lo)
    ga, gb = gain(a), gain(b)
    for _ in range(16):
        if ga < gb:
            lo, a, ga = a, b, gb
            b = lo + ratio * (hi - lo)
            gb = gain(b)
        else:
            hi, b, gb = b, a, ga
            a = hi - ratio * (hi - lo)
            ga = gain(a)
    return max(ga, gb, 0.0)


def _legs(wf: WaterFill) -> int:
    return sum(1 for i in range(len(wf.amounts)) if wf.carries(i))


def float_net(wf: WaterFill, leg_costs: list[float], tick_cost: float = 0.0) -> float:
    """The float net: value less the legs' gas and the gas of the ticks the pools cross."""
    gas = sum(leg_costs[i] for i in range(len(wf.amounts)) if wf.carries(i))
    if tick_cost:
        gas += tick_cost * wf.ticks()
    return wf.value - gas if wf.exact_in else wf.value + gas
