"""The split optimizer: how much of the trade each candidate path carries, for exact-in and exact-out.

Method: water-filling by greedy slices on the float curves (routes.curves). The trade is cut into
`chunks` equal slices and each slice goes to the path whose next slice pays best *given every
slice already placed*. Pools are modelled by their cumulative input per direction, so paths that
share a pool are evaluated jointly (a slice sees the pool as the slices before it left it), and a
slice that would overrun a V3 pool's known liquidity is clipped to what the path can still take.
For concave pool curves this is marginal-price equalisation: every used path ends within one
slice of the common water level and no unused path beats it. A polish pass then moves slices of
halving size from the path that loses least by giving one up to the path that gains most, while
that pays, so the final error is a small fraction of a slice (1/256 with the router's settings).

The figures here are floats; WaterFill.realize turns the pool-level flows into per-leg amounts
for sequential execution, and the router re-executes them with the exact integer math before
anything is reported. Which legs to keep once gas counts is routes.legs.
"""

from __future__ import annotations

from dataclasses import dataclass
from heapq import heapify, heapreplace
from math import inf


@dataclass(slots=True)
class Allocation:
    """Per-path amounts (inputs for exact-in, outputs for exact-out) and the float model's view.

    `value` is the total output (exact-in) or total input (exact-out); `earned[i]` is path i's
    share of it; `level` is the marginal rate at the end (output per input for exact-in, input
    per output for exact-out); `filled` is < total when the candidates ran out of liquidity.
    """

    amounts: list[float]
    value: float
    earned: list[float]
    level: float
    filled: float


class _Model:
    """Cumulative pool states shared by all paths, and slices pushed through one path.

    A slice that would run a V3 pool past its known liquidity is clipped to what the path can
    still take (the hops before the clip are re-solved backward), so thin pools still get the
    part of the trade they can carry instead of being skipped for being smaller than a slice.
    """

    __slots__ = ("curves", "keys", "state", "ys", "flows", "exact_in")

    def __init__(self, paths, exact_in: bool) -> None:
        self.exact_in = exact_in
        self.curves = [tuple(e.curve for e in p) for p in paths]
        self.keys = [tuple(e.key for e in p) for p in paths]
        self.state: dict = {}  # Edge.key -> cumulative input u
        self.ys: dict = {}  # Edge.key -> curve.out(u), kept so each step costs one curve call
        self.flows = [[0.0] * len(k) for k in self.keys]  # path -> input it sends into each hop

    def add(self, i: int, amount: float, commit: bool = False) -> tuple[float, float]:
        """Push up to `amount` of the fixed side through path i.

        Returns (amount taken, value): for exact-in the input taken and the output it buys, for
        exact-out the output delivered and the input it costs. (0, 0) when the path is full.
        """
        state, ys, keys, curves = self.state, self.ys, self.keys[i], self.curves[i]
        if not commit:  # a quote only (most calls): no bookkeeping lists, unless a pool clips it
            a = amount
            if self.exact_in:
                for k, c in zip(keys, curves):
                    u = state.get(k, 0.0)
                    if a > c.cap_in - u:
                        break
                    a = c.out(u + a) - ys.get(k, 0.0)
                else:
                    return amount, a
            else:
                for j in range(len(keys) - 1, -1, -1):
                    k, c = keys[j], curves[j]
                    y0 = ys.get(k, 0.0)
                    if a > c.cap_out - y0:
                        break
                    u2 = c.inp(y0 + a)
                    if u2 == inf:
                        return 0.0, 0.0
                    a = u2 - state.get(k, 0.0)
                else:
                    return amount, a
        n = len(keys)
        us = [state.get(k, 0.0) for k in keys]
        y0s = [ys.get(k, 0.0) for k in keys]
        ins = [0.0] * n
        y1s = [0.0] * n
        clip = -1
        if self.exact_in:
            a = amount
            for j in range(n):
                c, u = curves[j], us[j]
                room = c.cap_in - u
                if a > room:
                    if room <= 0.0:
                        return 0.0, 0.0
                    a, clip = room, j
                ins[j] = a
                y1s[j] = c.out(u + a)
                a = y1s[j] - y0s[j]
            for j in range(clip - 1, -1, -1):  # re-solve the hops before the clip backward
                c, u = curves[j], us[j]
                ins[j] = min(c.inp(y0s[j] + ins[j + 1]) - u, ins[j])
                y1s[j] = c.out(u + ins[j])
            taken, value = ins[0], a
        else:
            outs = [0.0] * n
            a = amount
            for j in range(n - 1, -1, -1):
                c, u, y0 = curves[j], us[j], y0s[j]
                room = c.cap_out - y0
                if a > room:
                    if room <= 0.0:
                        return 0.0, 0.0
                    a, clip = room, j
                outs[j] = a
                y1s[j] = y0 + a
                u2 = c.inp(y1s[j])
                if u2 == inf:
                    return 0.0, 0.0
                ins[j] = a = u2 - u
            if clip >= 0:  # the hops after the clip get less in: re-solve them forward
                for j in range(clip + 1, n):
                    c, u = curves[j], us[j]
                    ins[j] = outs[j - 1]
                    y1s[j] = c.out(u + ins[j])
                    outs[j] = y1s[j] - y0s[j]
            taken, value = outs[n - 1], ins[0]
        if commit:
            flow = self.flows[i]
            for j in range(n):
                state[keys[j]] = us[j] + ins[j]
                ys[keys[j]] = y1s[j]
                flow[j] += ins[j]
        return taken, value

    def remove(self, i: int, amount: float, commit: bool = False) -> float:
        """Take the last `amount` of the fixed side back from path i: what that slice earned (or cost)."""
        state, ys, keys, curves, flow = self.state, self.ys, self.keys[i], self.curves[i], self.flows[i]
        a = amount
        if self.exact_in:
            for j, (k, c) in enumerate(zip(keys, curves)):
                u = state.get(k, 0.0)
                u2 = max(u - a, 0.0)
                y2 = c.out(u2)
                a = ys.get(k, 0.0) - y2
                if commit:
                    state[k], ys[k] = u2, y2
                    flow[j] = max(flow[j] - (u - u2), 0.0)
            return a
        for j in range(len(keys) - 1, -1, -1):
            k, c = keys[j], curves[j]
            u = state.get(k, 0.0)
            y2 = max(ys.get(k, 0.0) - a, 0.0)
            u2 = min(c.inp(y2), u)
            if commit:
                state[k], ys[k] = u2, y2
                flow[j] = max(flow[j] - (u - u2), 0.0)
            a = u - u2
        return a

    def rate(self, i: int, amount: float) -> float:
        """Value per unit of the next slice of path i, higher is better; -inf when it is full."""
        taken, value = self.add(i, amount)
        if taken <= amount * 1e-12:
            return -inf
        return value / taken if self.exact_in else -value / taken


class WaterFill:
    """A water-filling state over fixed candidate paths: pour amounts in, drain paths out.

    Keeping the state lets the gas-aware search drop a leg and re-pour only what it carried,
    instead of re-optimizing from scratch.
    """

    def __init__(self, paths, *, exact_in: bool) -> None:
        self.model = _Model(paths, exact_in)
        self.exact_in = exact_in
        n = len(paths)
        self.amounts = [0.0] * n
        self.earned = [0.0] * n
        self.enabled = [True] * n
        self._shared: list[set[int]] | None = None

    @property
    def value(self) -> float:
        return sum(self.earned)

    @property
    def filled(self) -> float:
        return sum(self.amounts)

    def _live(self) -> list[int]:
        return [i for i, on in enumerate(self.enabled) if on]

    def pour(self, total: float, chunks: int) -> float:
        """Greedily place `total` in slices of total/chunks; returns what could not be placed."""
        model, amounts, earned = self.model, self.amounts, self.earned
        live = self._live()
        if not live or total <= 0:
            return max(total, 0.0)
        delta, left, floor = total / chunks, total, total * 1e-12
        heap = [(-model.rate(i, delta), i, 0) for i in live]
        heapify(heap)
        touched: dict = {}
        step = 0
        while left > floor:
            neg, i, stamp = heap[0]
            if neg == inf:  # every path is full
                break
            size = min(delta, left)
            if any(touched.get(k, -1) > stamp for k in model.keys[i]):
                heapreplace(heap, (-model.rate(i, size), i, step))
                continue
            taken, value = model.add(i, size, commit=True)
            step += 1
            for k in model.keys[i]:
                touched[k] = step
            amounts[i] += taken
            earned[i] += value
            left -= taken
            heapreplace(heap, (-model.rate(i, min(delta, max(left, floor))), i, step))
        return left if left > floor else 0.0

    def drain(self, i: int) -> float:
        """Disable path i and take back every flow it has in its pools; returns its amount.

        The flows are taken back hop by hop, not as one slice through the path, so that a path
        credited with less than it carries downstream (see `realize`) leaves nothing behind.
        """
        self.enabled[i] = False
        amount = self.amounts[i]
        model = self.model
        for k, c, f in zip(model.keys[i], model.curves[i], model.flows[i]):
            if f > 0:
                u = max(model.state.get(k, 0.0) - f, 0.0)
                model.state[k], model.ys[k] = u, c.out(u)
        model.flows[i] = [0.0] * len(model.flows[i])
        self.amounts[i] = self.earned[i] = 0.0
        return amount

    def polish(self, eps: float, rounds: int) -> int:
        """Move slices of `eps` from the path that loses least by giving one up to the path that
        gains most, while that pays. Rates are cached and only recomputed for paths that share a
        pool with a path that just moved. Returns the number of moves."""
        model, amounts, earned = self.model, self.amounts, self.earned
        live = self._live()
        if len(live) < 2:
            return 0
        sharing = self._sharing()
        gain = {i: model.rate(i, eps) for i in live}
        loss = {i: self._loss_rate(i, eps) for i in live}
        moves = 0
        for _ in range(rounds):
            best = max(live, key=gain.__getitem__)
            worst = min((i for i in live if i != best), key=loss.__getitem__)
            if gain[best] == -inf or loss[worst] == inf or gain[best] <= loss[worst] + abs(loss[worst]) * 1e-12:
                break
            size, _ = model.add(best, eps)
            size = min(size, amounts[worst])
            earned[worst] -= model.remove(worst, size, commit=True)
            amounts[worst] -= size
            taken, value = model.add(best, size, commit=True)
            amounts[best] += taken
            earned[best] += value
            if taken < size:  # shared pools moved under it: give the rest back to where it was
                back, value = model.add(worst, size - taken, commit=True)
                amounts[worst] += back
                earned[worst] += value
            if amounts[worst] < eps * 1e-6:
                amounts[worst] = 0.0
            moves += 1
            for i in sharing[best] | sharing[worst]:
                if self.enabled[i]:
                    gain[i] = model.rate(i, eps)
                    loss[i] = self._loss_rate(i, eps)
        return moves

    def _loss_rate(self, i: int, eps: float) -> float:
        """Value per unit lost by taking the last slice back from path i (+inf if it has none)."""
        size = min(eps, self.amounts[i])
        if size <= eps * 1e-9:
            return inf
        back = self.model.remove(i, size)
        return back / size if self.exact_in else -back / size

    def _sharing(self) -> list[set[int]]:
        """For each path, the paths (itself included) that share a pool direction with it."""
        if self._shared is None:
            by_key: dict = {}
            for i, keys in enumerate(self.model.keys):
                for k in keys:
                    by_key.setdefault(k, set()).add(i)
            self._shared = [set().union(*(by_key[k] for k in keys)) for keys in self.model.keys]
        return self._shared

    def refine(self, delta: float, levels: int = 3) -> None:
        live = sum(self.enabled)
        for k in range(1, levels + 1):
            self.polish(delta / 2 ** k, rounds=4 * live)

    def level(self, eps: float) -> float:
        """The water level: the rate a further slice would get (output per input for exact-in,
        input per output for exact-out)."""
        best = max((self.model.rate(i, eps) for i in self._live()), default=-inf)
        return 0.0 if best == -inf else abs(best)

    def empty(self) -> None:
        """Take everything back (the enabled paths stay enabled)."""
        self.model.state, self.model.ys = {}, {}
        self.model.flows = [[0.0] * len(k) for k in self.model.keys]
        self.amounts = [0.0] * len(self.amounts)
        self.earned = [0.0] * len(self.earned)

    def copy(self) -> WaterFill:
        twin = WaterFill.__new__(WaterFill)
        twin.model = _Model.__new__(_Model)
        twin.model.curves, twin.model.keys, twin.model.exact_in = self.model.curves, self.model.keys, self.exact_in
        twin.model.flows = []
        twin.exact_in, twin._shared = self.exact_in, self._shared
        twin.restore(self.snapshot())
        return twin

    def snapshot(self) -> tuple:
        return (dict(self.model.state), dict(self.model.ys), [f[:] for f in self.model.flows],
                self.amounts[:], self.earned[:], self.enabled[:])

    def restore(self, snap: tuple) -> None:
        state, ys, flows, amounts, earned, enabled = snap
        self.model.state, self.model.ys, self.model.flows = dict(state), dict(ys), [f[:] for f in flows]
        self.amounts, self.earned, self.enabled = amounts[:], earned[:], enabled[:]

    def rent(self, i: int, level: float) -> float:
        """What path i earns beyond what the water `level` would pay for its amount, in the
        scored direction (higher is better): the first-order value of keeping it as a leg."""
        surplus = self.earned[i] - level * self.amounts[i]
        return surplus if self.exact_in else -surplus

    def ticks(self) -> int:
        """Initialized ticks the pools in use cross, on the float curves. Legs that run through
        one pool one after another cross each of its ticks once between them, so this counts
        per pool, from each pool's cumulative input."""
        model, seen, n = self.model, set(), 0
        for keys, curves in zip(model.keys, model.curves):
            for k, c in zip(keys, curves):
                if k not in seen:
                    seen.add(k)
                    u = model.state.get(k, 0.0)
                    if u > 0.0:
                        n += c.ticks(u)
        return n

    def carries(self, i: int) -> bool:
        """Whether path i carries any flow, in the bookkeeping or in its pools."""
        flow = self.model.flows[i]
        return self.amounts[i] > 0 or flow[0] > 0 or flow[-1] > 0

    def realize(self) -> tuple[list[int], list[float]]:
        """The legs to execute, in order, and the amount of each (same order).

        The model is exact at the pool level: each pool's cumulative input, and how the input
        of each pool after a shared one divides between the paths (`flows`). Per-path amounts
        are only bookkeeping (taking a slice back returns the shared pool's marginal output, not
        what that path was credited with). So the amounts are derived again from the flows: for
        a pool that several paths enter first (exact-in) or leave last (exact-out), executed one
        after another, each path's amount is the one that makes the shared pool pass on exactly
        the flow planned for that path. Legs run from the smallest planned amount up, so a
        sliver the pools refuse folds into a later or a bigger leg (routes.route.execute_folding).
        """
        model, exact_in = self.model, self.exact_in
        live = [i for i in range(len(self.amounts)) if self.enabled[i] and self.carries(i)]
        order = sorted(live, key=self.amounts.__getitem__)
        amounts = [0.0] * len(self.amounts)
        end = 0 if exact_in else -1
        groups: dict = {}
        for i in order:
            groups.setdefault(model.keys[i][end], []).append(i)
        for key, members in groups.items():
            if len(members) == 1:  # a pool of its own: the bookkeeping is exact
                amounts[members[0]] = self.amounts[members[0]]
                continue
            c = model.curves[members[0]][end]
            total = model.ys.get(key, 0.0) if exact_in else model.state.get(key, 0.0)
            planned = {i: _planned(model.flows[i], exact_in) for i in members}
            for i in members:  # a one-hop path gets what the pool passes on beyond the others
                if planned[i] is None:
                    planned[i] = total - sum(v for v in planned.values() if v is not None)
            u = y = 0.0
            for i in members:
                if exact_in:  # the input that makes the pool pay out exactly the planned flow
                    x = c.inp(y + planned[i]) - u
                    u, y = u + x, y + planned[i]
                    amounts[i] = x
                else:  # the output the pool gives for exactly the planned flow in
                    out = c.out(u + planned[i]) - y
                    u, y = u + planned[i], y + out
                    amounts[i] = out
            if not all(0.0 < amounts[i] < inf for i in members):  # at the very end of a curve
                for i in members:
                    amounts[i] = self.amounts[i]
        order = [i for i in order if 0.0 < amounts[i] < inf]
        return order, [amounts[i] for i in order]

    def allocation(self, eps: float) -> Allocation:
        return Allocation(self.amounts[:], self.value, self.earned[:], self.level(eps), self.filled)


def _planned(flow: list[float], exact_in: bool) -> float | None:
    """What a path plans to take out of its first pool (exact-in) or put into its last one
    (exact-out); None for a one-hop path, which gets the remainder."""
    if len(flow) == 1:
        return None
    return flow[1] if exact_in else flow[-1]


def allocate(paths, total: float, *, exact_in: bool, chunks: int = 128, levels: int = 3) -> Allocation:
    """Water-fill `total` over `paths` (sequences of graph edges). See the module docstring."""
    wf = WaterFill(paths, exact_in=exact_in)
    if not paths or total <= 0:
        return wf.allocation(1.0)
    wf.pour(total, chunks)
    wf.refine(total / chunks, levels)
    return wf.allocation(total / chunks / 2 ** levels)


def to_integers(amounts: list[float], total: int) -> list[int]:
    """Integer amounts in proportion to `amounts`, summing to exactly `total`."""
    s = sum(amounts)
    if s <= 0 or total <= 0:
        return [0] * len(amounts)
    ints = [int(a / s * total) for a in amounts]
    big = max(range(len(amounts)), key=amounts.__getitem__)
    ints[big] += total - sum(ints)
    return ints
