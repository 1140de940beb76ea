"""The split optimizer: how much of the trade each candidate path carries, for exact-in and exact-out.

Method: water-filling by greedy chunks on the float curves, i.e. the trade is cut into `chunks`
equal slices and each slice goes to the path whose next slice pays best *given every slice
already placed*. Pools are modelled by their cumulative input per direction, so paths that share
a pool are evaluated jointly (the second path's slice sees the pool the first one moved). For
concave pool curves this is marginal-price equalisation: at the end every used path's marginal
rate is within one slice of the common level `marginal`, and no unused path beats it. A polish
pass then moves slices of halving size between the worst and the best path while that pays, so
the final error is far below one slice. The optimizer's figures are floats; the router re-executes
its allocation with the exact integer math before anything is reported.

Gas: `optimise_net` starts from the gross optimum and drops the leg whose surplus over the water
level (what it earns beyond what the other paths would earn on its amount) pays least for its
gas, re-optimizes, and keeps the drop only if the net improved; so an extra leg stays only when
it pays for itself.
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

    __slots__ = ("curves", "keys", "state", "exact_in")

    def __init__(self, paths, exact_in: bool) -> None:
        self.exact_in = exact_in
        self.curves = [tuple(e.curve for e in p) for p in paths]
        self.keys = [tuple(e.key for e in p) for p in paths]
        self.state: dict = {}

    def add(self, i: int, amount: float, commit: bool = False) -> tuple[float, float]:
        """Push up to `amount` of the fixed side through path i.

        Returns (amount taken, value): for exact-in the input taken and the output it buys, for
        exact-out the output delivered and the input it costs. (0, 0) when the path is full.
        """
        state, keys, curves = self.state, self.keys[i], self.curves[i]
        n = len(keys)
        us = [state.get(k, 0.0) for k in keys]
        ins = [0.0] * n
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
                a = c.out(u + a) - c.out(u)
            for j in range(clip - 1, -1, -1):  # re-solve the hops before the clip backward
                c, u = curves[j], us[j]
                ins[j] = min(c.inp(c.out(u) + ins[j + 1]) - u, ins[j])
            taken, value = ins[0], a
        else:
            outs = [0.0] * n
            a = amount
            for j in range(n - 1, -1, -1):
                c, u = curves[j], us[j]
                y0 = c.out(u)
                room = c.cap_out - y0
                if a > room:
                    if room <= 0.0:
                        return 0.0, 0.0
                    a, clip = room, j
                outs[j] = a
                u2 = c.inp(y0 + a)
                if u2 == inf:
                    return 0.0, 0.0
                ins[j] = a = u2 - u
            if clip >= 0:  # the hops after the clip get less in: re-solve them forward
                for j in range(clip + 1, n):
                    c, u = curves[j], us[j]
                    ins[j] = outs[j - 1]
                    outs[j] = c.out(u + ins[j]) - c.out(u)
            taken, value = outs[n - 1], ins[0]
        if commit:
            for j in range(n):
                state[keys[j]] = us[j] + ins[j]
        return taken, value

    def remove(self, i: int, amount: float, commit: bool = False) -> float:
        """Take the last `amount` of the fixed side back from path i: what that slice earned (or cost)."""
        state, keys, curves = self.state, self.keys[i], self.curves[i]
        a = amount
        if self.exact_in:
            for k, c in zip(keys, curves):
                u = state.get(k, 0.0)
                u2 = max(u - a, 0.0)
                a = c.out(u) - c.out(u2)
                if commit:
                    state[k] = u2
            return a
        for k, c in zip(reversed(keys), reversed(curves)):
            u = state.get(k, 0.0)
            u2 = min(c.inp(max(c.out(u) - a, 0.0)), u)
            if commit:
                state[k] = u2
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
        """Disable path i and take its whole amount back; returns the amount freed."""
        self.enabled[i] = False
        amount = self.amounts[i]
        if amount > 0:
            self.model.remove(i, amount, commit=True)
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
        by_key: dict = {}
        for i, keys in enumerate(self.model.keys):
            for k in keys:
                by_key.setdefault(k, set()).add(i)
        return [set().union(*(by_key[k] for k in keys)) for keys in self.model.keys]

    def refine(self, delta: float, levels: int = 3) -> None:
        live = sum(self.enabled)
        for k in range(1, levels + 1):
            self.polish(delta / 2 ** k, rounds=4 * live)

    def level(self, eps: float) -> float:
        """The water level: the rate a further slice would get (output per input for exact-in,
        input per output for exact-out)."""
        best = max((self.model.rate(i, eps) for i in self._live()), default=-inf)
        return 0.0 if best == -inf else abs(best)

    def snapshot(self) -> tuple:
        return dict(self.model.state), self.amounts[:], self.earned[:], self.enabled[:]

    def restore(self, snap: tuple) -> None:
        state, amounts, earned, enabled = snap
        self.model.state = dict(state)
        self.amounts, self.earned, self.enabled = amounts[:], earned[:], enabled[:]

    def allocation(self, eps: float) -> Allocation:
        return Allocation(self.amounts[:], self.value, self.earned[:], self.level(eps), self.filled)


def allocate(paths, total: float, *, exact_in: bool, chunks: int = 128, levels: int = 3) -> Allocation:
    """Water-fill `total` over `paths` (sequences of graph edges). See the module docstring."""
    wf = WaterFill(paths, exact_in=exact_in)
    if not paths or total <= 0:
        return wf.allocation(1.0)
    wf.pour(total, chunks)
    wf.refine(total / chunks, levels)
    return wf.allocation(total / chunks / 2 ** levels)


def optimise_net(paths, total: float, *, exact_in: bool, leg_costs: list[float], chunks: int = 128,
                 levels: int = 3, start: WaterFill | None = None) -> WaterFill:
    """The gas-aware allocation: drop legs that don't pay for their gas (see module docstring).

    `leg_costs[i]` is the gas of path i as a leg, in the scored token (output token for
    exact-in, input token for exact-out). `start` is a poured WaterFill to continue from.
    """
    wf = start or WaterFill(paths, exact_in=exact_in)
    if start is None:
        wf.pour(total, chunks)
        wf.refine(total / chunks, levels)
    eps = total / chunks / 2 ** levels
    sign = 1.0 if exact_in else -1.0
    best, best_net = wf.snapshot(), _net(wf, leg_costs)
    while True:
        active = [i for i, a in enumerate(wf.amounts) if a > 0]
        if len(active) <= 1:
            break
        level = wf.level(eps)
        # what leg i earns beyond what the water level would pay for its amount
        excess = {i: leg_costs[i] - sign * (wf.earned[i] - level * wf.amounts[i]) for i in active}
        drop = max(active, key=excess.__getitem__)
        if excess[drop] <= 0:
            break
        freed = wf.drain(drop)
        left = wf.pour(freed, max(8, round(chunks * freed / total)))
        wf.refine(total / chunks, levels)
        net = _net(wf, leg_costs)
        if left > 0 or sign * net <= sign * best_net:
            wf.restore(best)
            break
        best, best_net = wf.snapshot(), net
    return wf


def _net(wf: WaterFill, leg_costs: list[float]) -> float:
    gas = sum(leg_costs[i] for i, a in enumerate(wf.amounts) if a > 0)
    return wf.value - gas if wf.exact_in else wf.value + gas


def to_integers(amounts: list[float], total: int) -> list[int]:
    """Integer amounts in proportion to `amounts`, summing to exactly `total`."""
    s = sum(amounts)
    if s <= 0 or total <= 0:
        return [0] * len(amounts)
    ints = [int(a / s * total) for a in amounts]
    big = max(range(len(amounts)), key=amounts.__getitem__)
    ints[big] += total - sum(ints)
    return ints
