"""routes.v3_swap against a slow, literal port of UniswapV3Pool.swap, on real mainnet pool states.

The reference keeps a real tick bitmap (dict of 256-bit words) and reads bits as TickBitmap.sol
does, walks every empty word one by one, uses the checked compute_swap_step, and counts crossed
ticks with a word-by-word port of PoolTicksCounter. The fast code must agree to the wei.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routes.pools import SwapResult, V3Pool
from routes.swap import swap_exact_in, swap_exact_out
from routes.swap_math import compute_swap_step_checked
from routes.tick_bitmap import next_initialized_tick_within_one_word
from routes.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from routes.v3_swap import swap_v3

DATA = Path(__file__).resolve().parents[2] / "solver" / "data" / "mainnet_v3_pools.json"


def load_pools() -> list[V3Pool]:
    pools = []
    for p in json.loads(DATA.read_text())["pools"]:
        pools.append(V3Pool(
            address=p["pool_address"], token0=p["token0"]["address"], token1=p["token1"]["address"],
            fee=p["fee"], tick_spacing=p["tick_spacing"], sqrt_price_x96=int(p["sqrtPriceX96"]),
            tick=p["tick"], liquidity=int(p["liquidity"]),
            ticks=tuple((t[0], int(t[1])) for t in p["ticks"]),
        ))
    return pools


POOLS = load_pools()


# ---------------------------------------------------------------- the reference
def build_bitmap(pool: V3Pool) -> dict[int, int]:
    bitmap: dict[int, int] = {}
    for tick, _ in pool.ticks:
        compressed = tick // pool.tick_spacing
        bitmap[compressed >> 8] = bitmap.get(compressed >> 8, 0) | (1 << (compressed & 255))
    return bitmap


def ref_next_in_word(bitmap, tick, spacing, lte):
    compressed = int(tick / spacing)  # Solidity truncation...
    if tick < 0 and tick % spacing != 0:
        compressed -= 1  # ...then round towards negative infinity
    if lte:
        word, bit = compressed >> 8, compressed % 256
        masked = bitmap.get(word, 0) & ((1 << bit) - 1 + (1 << bit))
        if masked:
            return (compressed - (bit - (masked.bit_length() - 1))) * spacing, True
        return (compressed - bit) * spacing, False
    word, bit = (compressed + 1) >> 8, (compressed + 1) % 256
    masked = bitmap.get(word, 0) & ~((1 << bit) - 1) & ((1 << 256) - 1)
    if masked:
        lsb = (masked & -masked).bit_length() - 1
        return (compressed + 1 + (lsb - bit)) * spacing, True
    return (compressed + 1 + (255 - bit)) * spacing, False


def ref_count_crossed(bitmap, spacing, before, after):
    def quot(a):  # Solidity int24 division truncates
        return int(a / spacing)

    word_b, bit_b = quot(before) >> 8, quot(before) % 256
    word_a, bit_a = quot(after) >> 8, quot(after) % 256
    after_init = bool(bitmap.get(word_a, 0) & (1 << bit_a)) and after % spacing == 0 and before > after
    before_init = bool(bitmap.get(word_b, 0) & (1 << bit_b)) and before % spacing == 0 and before < after
    if word_b < word_a or (word_b == word_a and bit_b <= bit_a):
        lo_w, lo_b, hi_w, hi_b = word_b, bit_b, word_a, bit_a
    else:
        lo_w, lo_b, hi_w, hi_b = word_a, bit_a, word_b, bit_b
    mask = ((1 << 256) - 1) << lo_b
    count = 0
    while lo_w <= hi_w:
        if lo_w == hi_w:
            mask &= ((1 << 256) - 1) >> (255 - hi_b)
        count += bin(bitmap.get(lo_w, 0) & mask).count("1")
        lo_w += 1
        mask = (1 << 256) - 1
    return count - after_init - before_init


def ref_swap(pool: V3Pool, zero_for_one: bool, amount_specified: int, limit: int | None = None) -> SwapResult:
    if limit is None:
        limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    scan_bound = False
    if zero_for_one and get_sqrt_ratio_at_tick(pool.scan_lo) > limit:
        limit, scan_bound = get_sqrt_ratio_at_tick(pool.scan_lo), True
    if not zero_for_one and get_sqrt_ratio_at_tick(pool.scan_hi) < limit:
        limit, scan_bound = get_sqrt_ratio_at_tick(pool.scan_hi), True
    assert (limit < pool.sqrt_price_x96) if zero_for_one else (limit > pool.sqrt_price_x96)
    bitmap = build_bitmap(pool)
    nets = dict(pool.ticks)
    exact_input = amount_specified > 0
    remaining, calculated = amount_specified, 0
    price, tick, liquidity = pool.sqrt_price_x96, pool.tick, pool.liquidity
    while remaining != 0 and price != limit:
        start = price
        tick_next, initialized = ref_next_in_word(bitmap, tick, pool.tick_spacing, zero_for_one)
        tick_next = min(max(tick_next, MIN_TICK), MAX_TICK)
        price_next = get_sqrt_ratio_at_tick(tick_next)
        clipped = price_next < limit if zero_for_one else price_next > limit
        price, step_in, step_out, step_fee = compute_swap_step_checked(
            price, limit if clipped else price_next, liquidity, remaining, pool.fee)
        if exact_input:
            remaining -= step_in + step_fee
            calculated -= step_out
        else:
            remaining += step_out
            calculated += step_in + step_fee
        if price == price_next:
            if initialized:
                net = nets[tick_next]
                liquidity += -net if zero_for_one else net
                assert liquidity >= 0
            tick = tick_next - 1 if zero_for_one else tick_next
        elif price != start:
            tick = get_tick_at_sqrt_ratio(price)
    if exact_input:
        amount_in, amount_out = amount_specified - remaining, -calculated
    else:
        amount_in, amount_out = calculated, remaining - amount_specified
    after = V3Pool(pool.address, pool.token0, pool.token1, pool.fee, pool.tick_spacing, price, tick,
                   liquidity, pool.ticks, pool.scan_lo, pool.scan_hi, pool.dex)
    complete = remaining == 0 and not (scan_bound and price == limit)
    crossed = ref_count_crossed(bitmap, pool.tick_spacing, pool.tick, tick)
    return SwapResult(amount_in, amount_out, complete, crossed, after)


def state(result: SwapResult) -> tuple:
    p = result.pool_after
    return (result.amount_in, result.amount_out, result.complete, result.ticks_crossed,
            p.sqrt_price_x96, p.tick, p.liquidity)


# ---------------------------------------------------------------- TickBitmap.spec.ts
SPEC_TICKS = tuple((t, 1) for t in sorted([-200, -55, -4, 70, 78, 84, 139, 240, 535]))


@pytest.mark.parametrize(
    ("extra", "tick", "lte", "expected"),
    [
        ((), 78, False, (84, True)),
        ((), -55, False, (-4, True)),
        ((), 77, False, (78, True)),
        ((), -56, False, (-55, True)),
        ((), 255, False, (511, False)),
        ((), -257, False, (-200, True)),
        ((340,), 328, False, (340, True)),
        ((), 508, False, (511, False)),
        ((), 383, False, (511, False)),
        ((), 78, True, (78, True)),
        ((), 79, True, (78, True)),
        ((), 258, True, (256, False)),
        ((), 256, True, (256, False)),
        ((), 72, True, (70, True)),
        ((), -257, True, (-512, False)),
        ((), 1023, True, (768, False)),
        ((), 900, True, (768, False)),
        ((329,), 456, True, (329, True)),
    ],
)
def test_next_initialized_tick_within_one_word_spec(extra, tick, lte, expected):
    ticks = tuple(sorted(SPEC_TICKS + tuple((t, 1) for t in extra)))
    assert next_initialized_tick_within_one_word(ticks, tick, 1, lte) == expected


@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.address[:10])
def test_bitmap_walk_matches_bit_reading_reference(pool):
    bitmap = build_bitmap(pool)
    s = pool.tick_spacing
    probes = {pool.tick, -1, 0, 1, -s, s, -256 * s, 256 * s - 1, -256 * s - 1}
    for t, _ in pool.ticks[:: max(1, len(pool.ticks) // 40)]:
        probes |= {t - 1, t, t + 1, t - s, t + s}
    for t in probes:
        for lte in (True, False):
            expected = ref_next_in_word(bitmap, t, s, lte)
            assert next_initialized_tick_within_one_word(pool.ticks, t, s, lte) == expected, (t, lte)


# ---------------------------------------------------------------- the swap loop
AMOUNTS = [1, 10**4, 10**7, 10**10, 10**13, 10**16, 10**19, 10**22, 10**27]


@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.address[:10])
def test_swap_matches_reference_on_mainnet_pools(pool):
    for zero_for_one in (True, False):
        for amount in AMOUNTS:
            if pool.tick_spacing == 1 and amount >= 10**19:
                continue  # drains the pool; the reference then walks ~3500 words (covered below)
            for signed in (amount, -amount):
                got = swap_v3(pool, zero_for_one, signed)
                assert state(got) == state(ref_swap(pool, zero_for_one, signed)), (zero_for_one, signed)


def test_swap_draining_spacing_one_pool_matches_reference():
    pool = next(p for p in POOLS if p.tick_spacing == 1)
    for zero_for_one in (True, False):
        got = swap_v3(pool, zero_for_one, 10**30)
        assert state(got) == state(ref_swap(pool, zero_for_one, 10**30))


@pytest.mark.parametrize("pool", POOLS, ids=lambda p: p.address[:10])
def test_swap_invariants_on_mainnet_pools(pool):
    for token_in in (pool.token0, pool.token1):
        zero_for_one = token_in == pool.token0
        for amount in AMOUNTS:
            r = swap_exact_in(pool, token_in, amount)
            after = r.pool_after
            assert 0 <= r.amount_in <= amount
            assert r.complete == (r.amount_in == amount)
            if zero_for_one:
                assert after.sqrt_price_x96 <= pool.sqrt_price_x96 and after.tick <= pool.tick
            else:
                assert after.sqrt_price_x96 >= pool.sqrt_price_x96 and after.tick >= pool.tick
            # the tick is consistent with the price, and the active liquidity with the tick
            assert get_sqrt_ratio_at_tick(after.tick) <= after.sqrt_price_x96 <= get_sqrt_ratio_at_tick(after.tick + 1)
            assert after.liquidity == sum(net for t, net in pool.ticks if t <= after.tick)
            assert after.ticks is pool.ticks
            if r.amount_out:
                # buying back the same output never costs more than what was paid
                back = swap_exact_out(pool, token_in, r.amount_out)
                assert back.complete and back.amount_out == r.amount_out
                assert back.amount_in <= r.amount_in


@pytest.mark.parametrize("pool", POOLS[:3], ids=lambda p: p.address[:10])
def test_sequential_swaps_use_pool_after(pool):
    first = swap_exact_in(pool, pool.token1, 10**18)
    second = swap_exact_in(first.pool_after, pool.token1, 10**18)
    assert second.amount_out <= first.amount_out  # the price moved against us
    assert state(second) == state(ref_swap(first.pool_after, False, 10**18))


# ---------------------------------------------------------------- synthetic pools
E18 = 10**18


def make_pool(positions, tick, *, spacing=60, fee=3000, scan_lo=MIN_TICK, scan_hi=MAX_TICK) -> V3Pool:
    nets: dict[int, int] = {}
    for lower, upper, liquidity in positions:
        nets[lower] = nets.get(lower, 0) + liquidity
        nets[upper] = nets.get(upper, 0) - liquidity
    active = sum(liq for lower, upper, liq in positions if lower <= tick < upper)
    return V3Pool("0xpool", "T0", "T1", fee, spacing, get_sqrt_ratio_at_tick(tick), tick, active,
                  tuple(sorted(nets.items())), scan_lo, scan_hi)


def test_liquidity_running_out_is_incomplete_and_honest():
    pool = make_pool([(-600, 600, 10 * E18)], 0)
    r = swap_v3(pool, True, 10**30)
    assert not r.complete
    assert r.pool_after.liquidity == 0
    assert r.pool_after.sqrt_price_x96 == MIN_SQRT_RATIO + 1
    assert r.ticks_crossed == 1
    # what was filled is exactly what it takes to empty the range
    refill = swap_v3(pool, True, r.amount_in)
    assert refill.amount_out == r.amount_out
    assert state(r) == state(ref_swap(pool, True, 10**30))
    out = swap_v3(pool, False, -(10**30))
    assert not out.complete and out.pool_after.sqrt_price_x96 == MAX_SQRT_RATIO - 1
    assert state(out) == state(ref_swap(pool, False, -(10**30)))


def test_gap_without_liquidity_is_jumped_exactly():
    # two positions far apart with an empty stretch of many bitmap words in between
    pool = make_pool([(-120, 120, E18), (-300000, -200000, 5 * E18), (200000, 300000, 5 * E18)], 0, spacing=10)
    for zero_for_one in (True, False):
        for amount in (10**17, 10**19, 10**21, -(10**17), -(10**19)):
            got = swap_v3(pool, zero_for_one, amount)
            assert state(got) == state(ref_swap(pool, zero_for_one, amount)), (zero_for_one, amount)


@pytest.mark.parametrize("limit_tick", [-2560, -2561, -2559, -2500, -25600, -25601, -90000])
def test_price_limit_inside_an_empty_gap(limit_tick):
    # the limit lands on / next to a bitmap-word boundary while liquidity is zero: tick must match
    pool = make_pool([(-120, 120, E18), (-200000, -100000, E18)], 0, spacing=10)
    limit = get_sqrt_ratio_at_tick(limit_tick)
    got = swap_v3(pool, True, 10**30, limit)
    assert state(got) == state(ref_swap(pool, True, 10**30, limit))
    assert not got.complete and got.pool_after.sqrt_price_x96 == limit
    mirror = make_pool([(-120, 120, E18), (100000, 200000, E18)], 0, spacing=10)
    limit = get_sqrt_ratio_at_tick(-limit_tick)
    got = swap_v3(mirror, False, 10**30, limit)
    assert state(got) == state(ref_swap(mirror, False, 10**30, limit))


def test_price_limit_stops_the_swap():
    pool = make_pool([(-6000, 6000, 100 * E18)], 0)
    limit = get_sqrt_ratio_at_tick(-30)
    r = swap_v3(pool, True, 10**24, limit)
    assert not r.complete and r.pool_after.sqrt_price_x96 == limit and r.pool_after.tick == -30
    small = swap_v3(pool, True, 10**6, limit)
    assert small.complete and small.amount_in == 10**6


def test_known_tick_range_stops_the_swap():
    full = make_pool([(-6000, 6000, 100 * E18), (-600, 600, 50 * E18)], 0)
    partial = make_pool([(-6000, 6000, 100 * E18), (-600, 600, 50 * E18)], 0, scan_lo=-1200, scan_hi=1200)
    big = swap_v3(partial, True, 10**24)
    assert not big.complete
    assert big.pool_after.sqrt_price_x96 == get_sqrt_ratio_at_tick(-1200)
    # what was filled is exactly a swap on the full pool with the price limit at the boundary
    limited = swap_v3(full, True, 10**24, get_sqrt_ratio_at_tick(-1200))
    assert state(big)[:2] == state(limited)[:2]
    small = swap_v3(partial, True, 10**18)
    assert small.complete and state(small) == state(swap_v3(full, True, 10**18))
    up = swap_v3(partial, False, -(10**24))
    assert not up.complete and up.pool_after.sqrt_price_x96 == get_sqrt_ratio_at_tick(1200)


def test_degenerate_requests_are_values():
    pool = make_pool([(-600, 600, E18)], 0)
    zero = swap_v3(pool, True, 0)
    assert zero.complete and zero.pool_after is pool and zero.amount_in == 0
    wrong_side = swap_v3(pool, True, 10**6, get_sqrt_ratio_at_tick(60))
    assert (wrong_side.complete, wrong_side.amount_in, wrong_side.amount_out) == (False, 0, 0)
    with pytest.raises(ValueError):
        swap_exact_in(pool, "T9", 1)
    with pytest.raises(ValueError):
        swap_exact_in(pool, "T0", -1)


def test_ticks_crossed_counts_like_quoter_v2():
    pool = make_pool([(-600, 600, E18), (-120, 120, E18), (-60, 60, E18)], 0)
    # a small swap in [0, 60) counts tick 0's compressed slot, not initialized here -> 0
    assert swap_v3(pool, True, 10**6).ticks_crossed == 0
    # crossing -60 and -120 downward
    r = swap_v3(pool, True, -(10**30), get_sqrt_ratio_at_tick(-150))
    assert r.ticks_crossed == 2 == ref_swap(pool, True, -(10**30), get_sqrt_ratio_at_tick(-150)).ticks_crossed
    # the quirk: sitting just above an initialized tick, a tiny swap counts it
    above = make_pool([(-600, 600, E18), (60, 600, E18)], 90)
    assert swap_v3(above, True, 10).ticks_crossed == 1
    assert swap_v3(above, False, 10).ticks_crossed == 1


# ---------------------------------------------------------------- random pools vs the reference
@st.composite
def random_pools(draw):
    spacing = draw(st.sampled_from([1, 10, 60]))
    positions = []
    for _ in range(draw(st.integers(1, 4))):
        lower = draw(st.integers(-3000, 3000)) * spacing
        lower = max(lower, (MIN_TICK // spacing + 1) * spacing)
        width = draw(st.integers(1, 600)) * spacing
        positions.append((lower, min(lower + width, (MAX_TICK // spacing) * spacing), draw(st.integers(1, 10**22))))
    lower, upper, _ = positions[0]
    tick = draw(st.integers(lower - 50 * spacing, upper + 50 * spacing))
    scan = draw(st.sampled_from([None, 256, 1000]))
    kwargs = {}
    if scan:
        kwargs = {"scan_lo": tick - scan * spacing, "scan_hi": tick + scan * spacing}
    return make_pool(positions, tick, spacing=spacing, fee=draw(st.sampled_from([100, 500, 3000])), **kwargs)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_pools(), st.integers(0, 40).map(lambda e: 10**e // 7 + 1), st.booleans(), st.booleans())
def test_swap_matches_reference_on_random_pools(pool, amount, zero_for_one, exact_in):
    signed = amount if exact_in else -amount
    assert state(swap_v3(pool, zero_for_one, signed)) == state(ref_swap(pool, zero_for_one, signed))
