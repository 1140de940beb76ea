"""Route types, and the exact sequential execution that fills in every hop's amounts.

A route is a list of legs executed one after another, in tuple order; each leg is a path. The
amounts in here come only from routes.swap (the exact port of the contracts), and the pool state
moves from one swap to the next (SwapResult.pool_after), so two legs that share a pool see the
pool as the first one left it. That is what the encoded transaction does on-chain, to the wei.

Execution order, which the encoder must follow:
- exact-in: legs in order; within a leg, hops from first to last.
- exact-out: legs in order; within a leg, hops from last to first (each hop is asked for the
  amount the next one needs), which is the order V3's exactOutput mutates pools in. A leg's
  hops use distinct pools, so only the order across legs changes any amount.
"""

from __future__ import annotations

from dataclasses import dataclass

from routes.curves import spot_rate
from routes.pools import UNISWAP_V3, Pool, V2Pool
from routes.swap import swap_exact_in, swap_exact_out

EXACT_IN = "exact_in"
EXACT_OUT = "exact_out"


@dataclass(frozen=True, slots=True)
class Hop:
    """One swap in one pool, with the amounts the pool contract produces in execution order."""

    pool: Pool
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    ticks_crossed: int = 0

    @property
    def protocol(self) -> str:
        return self.pool.protocol

    @property
    def fee_pips(self) -> int:
        """Fee in pips for both kinds (a V2 fee of 30 bps is 3000 pips), as the JSON shows it."""
        return self.pool.fee_bps * 100 if self.pool.__class__ is V2Pool else self.pool.fee


@dataclass(frozen=True, slots=True)
class Leg:
    """One path of a split. `share_bps` is its share of the fixed side (in for exact-in)."""

    hops: tuple[Hop, ...]
    share_bps: int

    @property
    def amount_in(self) -> int:
        return self.hops[0].amount_in

    @property
    def amount_out(self) -> int:
        return self.hops[-1].amount_out


@dataclass(frozen=True, slots=True)
class Route:
    """A complete, executable quote.

    `gas_cost` is in the buy token for exact-in and in the sell token for exact-out (None when no
    price route for the native token exists); `net_amount` is amount_out - gas_cost for exact-in
    and amount_in + gas_cost for exact-out.
    """

    kind: str
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int
    legs: tuple[Leg, ...]
    gas_units: int
    gas_cost: int | None
    net_amount: int

    @property
    def hop_count(self) -> int:
        return sum(len(leg.hops) for leg in self.legs)

    def better_than(self, other: Route | None) -> bool:
        if other is None:
            return True
        if self.kind == EXACT_IN:
            return self.net_amount > other.net_amount
        return self.net_amount < other.net_amount


@dataclass(frozen=True, slots=True)
class Execution:
    """Legs executed exactly; `complete` is False if any swap could not fill what it was asked."""

    legs: tuple[tuple[Hop, ...], ...]
    amount_in: int
    amount_out: int
    complete: bool


def execute(paths, amounts: list[int], *, exact_in: bool) -> Execution:
    """Run each leg (a sequence of graph edges) with its amount, sequentially, on moving state.

    `amounts` are inputs for exact-in and outputs for exact-out. Legs with a zero amount are
    skipped. The pool snapshots themselves are never modified.
    """
    state: dict[str, Pool] = {}
    legs: list[tuple[Hop, ...]] = []
    total_in = total_out = 0
    for edges, amount in zip(paths, amounts):
        if amount <= 0:
            continue
        hops = _run_leg(edges, amount, state, exact_in)
        if hops is None:
            return Execution(tuple(legs), total_in, total_out, False)
        legs.append(hops)
        total_in += hops[0].amount_in
        total_out += hops[-1].amount_out
    return Execution(tuple(legs), total_in, total_out, True)


_PARTIAL = (999, 990, 900, 500)  # per mille of a refused leg's amount tried before giving it all up
_TAKERS = 4  # the biggest legs tried, each in turn, as the one that takes all that was carried


def execute_folding(paths, amounts: list[int], *, exact_in: bool) -> tuple[Execution, list]:
    """Like `execute`, but a leg the pools refuse is folded into the legs after it instead of failing.

    Whatever a refused leg carried (a sliver whose output rounds to zero, a float-model edge
    case at a pool's last tick) rides along with the next leg that can take it on top of its
    own amount (a leg that can't runs with its own amount alone, and the carry moves on), so
    callers put their largest leg last. A refused leg first tries a little less (a pool the
    plan filled to the brim may have a little less left when its turn comes), and only the
    rest is carried. When anything was carried, moving all of it to each of the biggest legs in
    turn is tried too, and the cheapest complete run wins: the next leg in line can be one
    whose pools are nearly spent, where a carry costs many times what it would elsewhere.
    Fails only when no way leaves no carry over at the end.
    Returns the execution and the legs' paths in run order.
    """
    run, used, own = _fold(paths, amounts, exact_in)
    if own == amounts:
        return run, used
    best = (run, used) if run.complete else None
    carried = sum(amounts) - sum(own)
    biggest = sorted((j for j, a in enumerate(own) if a > 0), key=own.__getitem__)[-_TAKERS:]
    for j in biggest:
        moved = own[:]
        moved[j] += carried
        trial, trial_used, _ = _fold(paths, moved, exact_in)
        if trial.complete and (best is None or _cheaper(trial, best[0], exact_in)):
            best = trial, trial_used
    return best if best is not None else (run, used)


def _cheaper(a: Execution, b: Execution, exact_in: bool) -> bool:
    return a.amount_out > b.amount_out if exact_in else a.amount_in < b.amount_in


def _fold(paths, amounts: list[int], exact_in: bool) -> tuple[Execution, list, list[int]]:
    """One folding pass (see execute_folding); also returns how much of its own amount each
    leg ran with (a carry it took on top is not counted)."""
    order = [i for i, a in enumerate(amounts) if a > 0]
    state: dict[str, Pool] = {}
    legs: list[tuple[Hop, ...]] = []
    used = []
    own = [0] * len(amounts)
    carry = total_in = total_out = 0
    for i in order:
        hops = None
        # with the carry on top; alone; or, when a pool the plan filled to the brim has less
        # left than planned (the legs before took a little more), as much of it as goes through
        tries = [amounts[i] + carry] if carry else []
        tries += [amounts[i]] + [amounts[i] * k // 1000 for k in _PARTIAL]
        for amount in tries:
            if amount <= 0:
                continue
            trial = dict(state)  # (a refused leg must leave the pools as they were)
            hops = _run_leg(paths[i], amount, trial, exact_in)
            if hops is not None:
                state = trial
                own[i] = min(amount, amounts[i])
                carry += amounts[i] - amount
                break
        if hops is None:
            carry += amounts[i]
            continue
        legs.append(hops)
        used.append(paths[i])
        total_in += hops[0].amount_in
        total_out += hops[-1].amount_out
    return Execution(tuple(legs), total_in, total_out, carry == 0), used, own


def _run_leg(edges, amount: int, state: dict[str, Pool], exact_in: bool) -> tuple[Hop, ...] | None:
    """Run one leg and commit its pool states to `state`; None if a swap can't fill.

    Exact-out legs are planned backward (what input buys `amount`), then realized the way
    SwapRouter02 executes them (solver/encode.py): V3 `exactOutput` is exact hop by hop, but
    V2 `swapTokensForExactTokens` pays getAmountsIn(y) and then swaps forward on balances, so
    its pairs send getAmountOut(amountIn) >= y; and hops after the leg's first protocol run
    spend the router's whole balance, i.e. run forward. So a leg's output can exceed `amount`
    by a few wei, and every hop here is what the pools really do.
    """
    if exact_in:
        return _run(edges, amount, state, exact_in=True)
    plan = _run(edges, amount, dict(state), exact_in=False)
    if plan is None:
        return None
    exact = _exact_prefix(edges)
    if exact == len(edges):
        return _run(edges, amount, state, exact_in=False)
    head: tuple[Hop, ...] = ()
    start = plan[0].amount_in
    if exact:
        head = _run(edges[:exact], plan[exact - 1].amount_out, state, exact_in=False)
        if head is None:
            return None
        start = head[-1].amount_out
    tail = _run(edges[exact:], start, state, exact_in=True)
    if tail is None or tail[-1].amount_out < amount:
        return None
    return head + tail


def _exact_prefix(edges) -> int:
    """How many leading hops SwapRouter02 fills exactly for exact output: the first run of V3
    hops (one exactOutput call); none when the leg starts on V2."""
    count = 0
    for e in edges:
        if e.pool.protocol != UNISWAP_V3:
            break
        count += 1
    return count


def _run(edges, amount: int, state: dict[str, Pool], *, exact_in: bool) -> tuple[Hop, ...] | None:
    """Swap `amount` through `edges` (forward for exact-in, last hop first for exact-out),
    commit the pools' new states to `state`, and return the hops in path order."""
    hops: list[Hop] = []
    pending: dict[str, Pool] = {}
    for e in edges if exact_in else reversed(edges):
        pool = pending.get(e.pool.address) or state.get(e.pool.address) or e.pool
        if exact_in:
            r = swap_exact_in(pool, e.token_in, amount)
            fixed, other = r.amount_in, r.amount_out
        else:
            r = swap_exact_out(pool, e.token_in, amount)
            fixed, other = r.amount_out, r.amount_in
        if not r.complete or other <= 0 or fixed != amount:
            return None
        pending[e.pool.address] = r.pool_after
        hops.append(Hop(pool, e.token_in, e.token_out, r.amount_in, r.amount_out, r.ticks_crossed))
        amount = other
    state.update(pending)
    if not exact_in:
        hops.reverse()
    return tuple(hops)


def share_bps(amounts: list[int]) -> list[int]:
    """Shares in basis points that sum to exactly 10,000 (the remainder goes to the largest)."""
    total = sum(amounts)
    if total <= 0:
        return [0] * len(amounts)
    shares = [a * 10_000 // total for a in amounts]
    shares[max(range(len(amounts)), key=amounts.__getitem__)] += 10_000 - sum(shares)
    return shares


def spot_amount_out(route: Route) -> float:
    """What the route's input would buy at the pools' mid prices before the trade (no fee, no impact).

    For `price_impact_bps`: impact = 1 - amount_out / spot_amount_out. Floats are fine here:
    this is a ratio shown to humans, never an amount that is paid.
    """
    before: dict[str, Pool] = {}
    total = 0.0
    for leg in route.legs:
        rate = 1.0
        for hop in leg.hops:
            pool = before.setdefault(hop.pool.address, hop.pool)
            rate *= spot_rate(pool, hop.token_in)
        total += leg.amount_in * rate
    return total


def price_impact_bps(route: Route) -> int:
    """Loss against the mid price, fees included, in basis points (0 when no mid price exists)."""
    spot = spot_amount_out(route)
    if spot <= 0.0:
        return 0
    return max(0, round((1.0 - route.amount_out / spot) * 10_000))
