"""Planning and decoding the multicalls of a pool-state snapshot (pure: no I/O).

A snapshot reads, at one block:
- phase A: V2 getReserves; V3 slot0, liquidity, fee, tickSpacing and the tick-bitmap words
  (or, when the dex has a TickLens, its populated ticks per word, which ends the read);
- phase B: ticks(tick).liquidityNet for every initialized tick the bitmap words showed.
Which words to read is a ScanPolicy decision; the resulting V3Pool says which tick range it
knows (scan_lo/scan_hi), so the math can report a swap past it as incomplete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from routes.pools import MAX_TICK, MIN_TICK, V2Pool, V3Pool
from routes.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick
from solver import abi
from solver.discovery import UNISWAP_V2, PoolRef
from solver.multicall import Call, CallResult

GAS_SIMPLE_VIEW = 10_000
GAS_BITMAP_WORD = 6_000
GAS_TICK = 14_000
GAS_TICK_LENS_WORD = 120_000


@dataclass(frozen=True, slots=True)
class ScanPolicy:
    """How much of a V3 pool's tick bitmap a snapshot reads.

    A pool whose whole bitmap has at most `full_scan_max_words` words is read entirely
    (every pool with tick spacing >= 4: spacing 10 has 694 words). Larger bitmaps (spacing
    1: 6,933 words) are read `window_words` words either side of the current tick's word:
    32 words at spacing 1 is +/-8,192 ticks, a price move of about 2.3x either way.

    `use_tick_lens`: read ticks through the dex's TickLens (when the config names one) in
    the bitmap phase, which saves the ticks() phase. Off by default: on the devnet it made
    the cold read slower (~850 ms against ~360 ms for 27 pools), because TickLens loops over
    all 256 bits of every word, empty or not, and that costs more than the phase it saves.
    """

    full_scan_max_words: int = 1_024
    window_words: int = 32
    use_tick_lens: bool = False


FULL_SCAN = ScanPolicy(full_scan_max_words=1 << 30)


def word_bounds(tick_spacing: int) -> tuple[int, int]:
    """The first and last bitmap word any initialized tick of this spacing can be in."""
    return (MIN_TICK // tick_spacing) >> 8, (MAX_TICK // tick_spacing) >> 8


def needs_window(ref: PoolRef, policy: ScanPolicy) -> bool:
    lo, hi = word_bounds(ref.tick_spacing)
    return hi - lo + 1 > policy.full_scan_max_words


def word_range(ref: PoolRef, policy: ScanPolicy, tick_hint: int | None) -> tuple[int, int]:
    """Inclusive [first, last] word to read for this pool."""
    lo, hi = word_bounds(ref.tick_spacing)
    if hi - lo + 1 <= policy.full_scan_max_words:
        return lo, hi
    # Without a hint we don't know where the price is: centre on price 1.
    centre = ((tick_hint or 0) // ref.tick_spacing) >> 8
    return max(lo, centre - policy.window_words), min(hi, centre + policy.window_words)


def scan_ticks(ref: PoolRef, words: tuple[int, int]) -> tuple[int, int]:
    """The tick range a read of these words knows everything about."""
    lo, hi = word_bounds(ref.tick_spacing)
    scan_lo = MIN_TICK if words[0] <= lo else words[0] * 256 * ref.tick_spacing
    scan_hi = MAX_TICK if words[1] >= hi else (words[1] * 256 + 255) * ref.tick_spacing
    return scan_lo, scan_hi


@dataclass
class PoolPlan:
    """The calls of one pool in phase A and where its answers are."""

    ref: PoolRef
    start: int
    words: tuple[int, int] | None = None
    lens: str | None = None
    ticks: list[tuple[int, int]] = field(default_factory=list)
    state: dict = field(default_factory=dict)
    tick_starts: int = 0
    initialized: list[int] = field(default_factory=list)


def plan_phase_a(refs: list[PoolRef], policy: ScanPolicy,
                 tick_hints: dict[str, int]) -> tuple[list[Call], list[PoolPlan]]:
    calls: list[Call] = []
    plans: list[PoolPlan] = []
    for ref in refs:
        plan = PoolPlan(ref, len(calls))
        if ref.protocol == UNISWAP_V2:
            calls.append(Call(ref.address, abi.GET_RESERVES, gas=GAS_SIMPLE_VIEW))
        else:
            for sel in (abi.SLOT0, abi.LIQUIDITY, abi.FEE, abi.TICK_SPACING):
                calls.append(Call(ref.address, sel, gas=GAS_SIMPLE_VIEW))
            plan.words = word_range(ref, policy, tick_hints.get(ref.address))
            plan.lens = ref.tick_lens if policy.use_tick_lens else None
            for word in range(plan.words[0], plan.words[1] + 1):
                if plan.lens:
                    calls.append(Call(plan.lens, abi.encode_call(
                        abi.GET_POPULATED_TICKS_IN_WORD, ref.address, word), gas=GAS_TICK_LENS_WORD))
                else:
                    calls.append(Call(ref.address, abi.encode_call(abi.TICK_BITMAP, word),
                                      gas=GAS_BITMAP_WORD))
        plans.append(plan)
    return calls, plans


def _ok(res: CallResult, what: str, ref: PoolRef) -> bytes:
    if not res.success or len(res.data) < 32:
        raise abi.AbiDecodeError(f"{what} of pool {ref.address} failed")
    return res.data


def absorb_phase_a(plans: list[PoolPlan], results: list[CallResult]) -> None:
    """Decode phase A into each plan's state; collect initialized ticks (or TickLens ticks)."""
    for plan in plans:
        ref, i = plan.ref, plan.start
        if ref.protocol == UNISWAP_V2:
            data = _ok(results[i], "getReserves", ref)
            plan.state = {"reserve0": abi.uint_at(data, 0), "reserve1": abi.uint_at(data, 1)}
            continue
        slot0 = _ok(results[i], "slot0", ref)
        plan.state = {
            "sqrt_price_x96": abi.uint_at(slot0, 0), "tick": abi.int_at(slot0, 1),
            "liquidity": abi.uint_at(_ok(results[i + 1], "liquidity", ref), 0),
            "fee": abi.uint_at(_ok(results[i + 2], "fee", ref), 0),
            "tick_spacing": abi.int_at(_ok(results[i + 3], "tickSpacing", ref), 0),
        }
        if plan.state["tick_spacing"] != ref.tick_spacing:
            raise abi.AbiDecodeError(f"pool {ref.address} has tick spacing "
                                     f"{plan.state['tick_spacing']}, the pool cache says "
                                     f"{ref.tick_spacing}")
        assert plan.words is not None
        for k, word in enumerate(range(plan.words[0], plan.words[1] + 1)):
            res = results[i + 4 + k]
            if plan.lens:
                plan.ticks.extend(_decode_populated_ticks(_ok(res, "getPopulatedTicksInWord", ref)))
            else:
                plan.initialized.extend(_bitmap_ticks(abi.uint_at(_ok(res, "tickBitmap", ref), 0),
                                                      word, ref.tick_spacing))


def _bitmap_ticks(bitmap: int, word: int, spacing: int) -> list[int]:
    ticks = []
    while bitmap:
        low = bitmap & -bitmap
        ticks.append((word * 256 + low.bit_length() - 1) * spacing)
        bitmap ^= low
    return ticks


def _decode_populated_ticks(data: bytes) -> list[tuple[int, int]]:
    """TickLens.PopulatedTick[] = (int24 tick, int128 liquidityNet, uint128 liquidityGross)[]."""
    offset = abi.uint_at(data, 0) // 32
    n = abi.uint_at(data, offset)
    return [(abi.int_at(data, offset + 1 + 3 * k), abi.int_at(data, offset + 2 + 3 * k))
            for k in range(n)]


def plan_phase_b(plans: list[PoolPlan]) -> list[Call]:
    calls: list[Call] = []
    for plan in plans:
        plan.tick_starts = len(calls)
        calls.extend(Call(plan.ref.address, abi.encode_call(abi.TICKS, t), gas=GAS_TICK)
                     for t in plan.initialized)
    return calls


def absorb_phase_b(plans: list[PoolPlan], results: list[CallResult]) -> None:
    for plan in plans:
        for k, tick in enumerate(plan.initialized):
            data = _ok(results[plan.tick_starts + k], "ticks", plan.ref)
            plan.ticks.append((tick, abi.int_at(data, 1)))


def build_pool(plan: PoolPlan) -> V2Pool | V3Pool | None:
    """The snapshot value; None for a V3 pool that was created but never initialized.

    Values no real pool can hold (reserves past uint112, a price that disagrees with its
    own tick, a fee other than the pool's tier) raise AbiDecodeError: they come from a broken
    or hostile answer, and a quote must not be computed from them.
    """
    ref, s = plan.ref, plan.state
    if ref.protocol == UNISWAP_V2:
        if s["reserve0"] >> 112 or s["reserve1"] >> 112:
            raise abi.AbiDecodeError(f"pair {ref.address} reports reserves past uint112")
        return V2Pool(ref.address, ref.token0, ref.token1, s["reserve0"], s["reserve1"],
                      ref.fee_bps, ref.dex)
    if s["sqrt_price_x96"] == 0:
        return None
    check_v3_state(ref, s, plan.ticks)
    assert plan.words is not None
    scan_lo, scan_hi = scan_ticks(ref, plan.words)
    ticks = tuple(sorted(plan.ticks))
    return V3Pool(ref.address, ref.token0, ref.token1, s["fee"], s["tick_spacing"],
                  s["sqrt_price_x96"], s["tick"], s["liquidity"], ticks, scan_lo, scan_hi,
                  ref.dex)


def check_v3_state(ref: PoolRef, state: dict, ticks: list[tuple[int, int]]) -> None:
    """Reject V3 state that can't be a real pool's (see build_pool)."""
    sqrt_price, tick = state["sqrt_price_x96"], state["tick"]
    if not MIN_SQRT_RATIO <= sqrt_price < MAX_SQRT_RATIO or not MIN_TICK <= tick <= MAX_TICK:
        raise abi.AbiDecodeError(f"pool {ref.address} reports a price out of range")
    # slot0.tick may sit one below the tick of its price after a swap that ended on a boundary.
    upper = get_sqrt_ratio_at_tick(tick + 1) if tick < MAX_TICK else MAX_SQRT_RATIO
    if not get_sqrt_ratio_at_tick(tick) <= sqrt_price <= upper:
        raise abi.AbiDecodeError(f"pool {ref.address} reports tick {tick}, which its price "
                                 "contradicts")
    if state["liquidity"] >> 128 or state["fee"] != ref.fee_pips:
        raise abi.AbiDecodeError(f"pool {ref.address} reports impossible liquidity or fee")
    for _, net in ticks:
        if not -(1 << 127) <= net < 1 << 127:
            raise abi.AbiDecodeError(f"pool {ref.address} reports liquidityNet past int128")
