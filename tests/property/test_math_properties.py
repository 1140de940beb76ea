"""Hypothesis properties of the pool math: full_math, tick_math, sqrt_price_math, swap_math, V2, V3."""

from __future__ import annotations

from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from routes.full_math import MAX_UINT128, MAX_UINT256, mul_div, mul_div_rounding_up
from routes.pools import V2Pool, V3Pool
from routes.sqrt_price_math import (
    get_amount0_delta,
    get_amount1_delta,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from routes.swap import swap_exact_in, swap_exact_out
from routes.swap_math import compute_swap_step, compute_swap_step_checked
from routes.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)
from routes.v2_math import get_amount_in, get_amount_out
from routes.v3_swap import swap_v3

FAST = settings(max_examples=200, deadline=None)
SLOW = settings(max_examples=60, deadline=None)

uint256 = st.integers(0, MAX_UINT256)
ticks = st.integers(MIN_TICK, MAX_TICK)
sqrt_prices = st.one_of(
    st.integers(MIN_SQRT_RATIO, MAX_SQRT_RATIO - 1),
    st.sampled_from([MIN_SQRT_RATIO, MIN_SQRT_RATIO + 1, MAX_SQRT_RATIO - 1, 1 << 96]),
    ticks.map(get_sqrt_ratio_at_tick).filter(lambda p: p < MAX_SQRT_RATIO),
)
liquidities = st.one_of(st.integers(1, MAX_UINT128), st.integers(1, 10**24))
# amounts spread over every magnitude, not just the huge ones a uniform draw favours
magnitudes = st.integers(0, 254).flatmap(lambda bits: st.integers(1 << bits, (1 << (bits + 1)) - 1))
fees = st.one_of(st.sampled_from([100, 500, 3000, 10000]), st.integers(0, 999_999))


# ---------------------------------------------------------------- full_math
@FAST
@given(uint256, uint256, st.integers(1, MAX_UINT256))
def test_mul_div_is_exact_floor_and_ceil(a, b, d):
    exact, rem = divmod(a * b, d)
    if exact > MAX_UINT256:
        return
    assert mul_div(a, b, d) == exact
    if exact + (rem > 0) <= MAX_UINT256:
        assert mul_div_rounding_up(a, b, d) == exact + (rem > 0)


# ---------------------------------------------------------------- tick_math
@FAST
@given(st.integers(MIN_TICK, MAX_TICK - 1))
def test_tick_round_trip(tick):
    assert get_tick_at_sqrt_ratio(get_sqrt_ratio_at_tick(tick)) == tick


@FAST
@given(ticks, ticks)
def test_sqrt_ratio_is_strictly_monotonic(a, b):
    assume(a != b)
    lo, hi = min(a, b), max(a, b)
    assert MIN_SQRT_RATIO <= get_sqrt_ratio_at_tick(lo) < get_sqrt_ratio_at_tick(hi) <= MAX_SQRT_RATIO


@FAST
@given(sqrt_prices)
def test_tick_at_sqrt_ratio_brackets_the_price(price):
    tick = get_tick_at_sqrt_ratio(price)
    assert MIN_TICK <= tick < MAX_TICK
    assert get_sqrt_ratio_at_tick(tick) <= price < get_sqrt_ratio_at_tick(tick + 1)


# ---------------------------------------------------------------- sqrt_price_math
@FAST
@given(sqrt_prices, liquidities, magnitudes, st.booleans())
def test_next_price_from_input_never_needs_more_than_the_input(price, liquidity, amount, zero_for_one):
    try:
        nxt = get_next_sqrt_price_from_input(price, liquidity, amount, zero_for_one)
    except ValueError:
        return  # the price would leave uint160, as in Solidity
    if zero_for_one:
        assert nxt <= price
        if nxt > 0:
            assert get_amount0_delta(nxt, price, liquidity, True) <= amount
    else:
        assert nxt >= price
        assert get_amount1_delta(price, nxt, liquidity, True) <= amount


@FAST
@given(sqrt_prices, liquidities, magnitudes, st.booleans())
def test_next_price_from_output_always_delivers_the_output(price, liquidity, amount, zero_for_one):
    try:
        nxt = get_next_sqrt_price_from_output(price, liquidity, amount, zero_for_one)
    except ValueError:
        return  # more than the virtual reserves, as in Solidity
    if zero_for_one:
        assert nxt < price
        assert get_amount1_delta(nxt, price, liquidity, False) >= amount
    else:
        assert nxt > price
        assert get_amount0_delta(price, nxt, liquidity, False) >= amount


# ---------------------------------------------------------------- swap_math
@settings(max_examples=600, deadline=None)
@given(sqrt_prices, sqrt_prices, st.one_of(st.just(0), liquidities), magnitudes, st.booleans(), fees)
def test_fast_compute_swap_step_equals_checked_port(price, target, liquidity, magnitude, exact_in, fee):
    remaining = magnitude if exact_in else -magnitude
    fast = compute_swap_step(price, target, liquidity, remaining, fee)
    assert fast == compute_swap_step_checked(price, target, liquidity, remaining, fee)
    nxt, amount_in, amount_out, fee_amount = fast
    assert min(price, target) <= nxt <= max(price, target)
    if exact_in:
        assert amount_in + fee_amount <= remaining
    else:
        assert amount_out <= -remaining


# ---------------------------------------------------------------- V2
reserves = st.integers(1, 10**30)
v2_fees = st.sampled_from([0, 25, 30, 100, 9999])


@FAST
@given(st.integers(1, 10**30), st.integers(1, 10**30), reserves, reserves, v2_fees)
def test_v2_output_grows_with_input_and_stays_below_reserve(a, b, r_in, r_out, fee):
    small, large = min(a, b), max(a, b)
    out_small = get_amount_out(small, r_in, r_out, fee)
    out_large = get_amount_out(large, r_in, r_out, fee)
    assert out_small <= out_large < r_out


@FAST
@given(reserves, reserves, v2_fees, st.data())
def test_v2_amount_in_buys_at_least_the_amount_out(r_in, r_out, fee, data):
    assume(r_out > 1)
    y = data.draw(st.integers(1, r_out - 1))
    x = get_amount_in(y, r_in, r_out, fee)
    assert get_amount_out(x, r_in, r_out, fee) >= y
    if x > 1:
        assert get_amount_out(x - 1, r_in, r_out, fee) <= y  # and it is (nearly) the least such input


@FAST
@given(reserves, reserves, st.integers(1, 10**30), st.booleans())
def test_v2_swap_keeps_the_product_from_falling(r0, r1, amount, zero_for_one):
    pool = V2Pool("0xp", "A", "B", r0, r1)
    r = swap_exact_in(pool, "A" if zero_for_one else "B", amount)
    after = r.pool_after
    assert after.reserve0 * after.reserve1 >= r0 * r1
    assert after.reserve0 > 0 and after.reserve1 > 0


# ---------------------------------------------------------------- V3
@st.composite
def v3_pools(draw):
    spacing = draw(st.sampled_from([1, 10, 60, 200]))
    fee = {1: 100, 10: 500, 60: 3000, 200: 10000}[spacing]
    lo_c, hi_c = MIN_TICK // spacing + 1, MAX_TICK // spacing
    positions = []
    for _ in range(draw(st.integers(1, 5))):
        width = draw(st.integers(1, 3000))
        lower = draw(st.integers(max(lo_c, -20000 // spacing - width), 20000 // spacing))
        upper = min(lower + width, hi_c)
        positions.append((lower * spacing, upper * spacing, draw(st.integers(1, 10**24))))
    if draw(st.booleans()):
        positions.append((lo_c * spacing, hi_c * spacing, draw(st.integers(1, 10**20))))
    nets: dict[int, int] = {}
    for lower, upper, liq in positions:
        nets[lower] = nets.get(lower, 0) + liq
        nets[upper] = nets.get(upper, 0) - liq
    price = draw(st.integers(get_sqrt_ratio_at_tick(-25000), get_sqrt_ratio_at_tick(25000)))
    tick = get_tick_at_sqrt_ratio(price)
    active = sum(liq for lower, upper, liq in positions if lower <= tick < upper)
    ticks_ = tuple(sorted((t, n) for t, n in nets.items() if n != 0))
    return V3Pool("0xpool", "T0", "T1", fee, spacing, price, tick, active, ticks_)


v3_amounts = st.integers(1, 10**30)


def _found_pool(sqrt_price_x96: int, tick: int, liquidity: int) -> V3Pool:
    """The shapes hypothesis found (see the comment in the test below)."""
    return V3Pool(address="0xpool", token0="T0", token1="T1", fee=100, tick_spacing=1,
                  sqrt_price_x96=sqrt_price_x96, tick=tick, liquidity=liquidity,
                  ticks=((-887271, liquidity), (0, 5), (1, -5), (887272, -liquidity)))


@SLOW
@given(v3_pools(), v3_amounts, st.booleans())
@example(_found_pool(100_278_314_753_688_978_557_529_320_123, 4712, 314), 126, False)
@example(_found_pool(22_700_667_259_549_727_605_385_594_708, -25000, 2447702), 4_893_837_733, True)
def test_v3_exact_out_of_an_exact_in_costs_no_more(pool, amount, zero_for_one):
    token_in = pool.token0 if zero_for_one else pool.token1
    r = swap_exact_in(pool, token_in, amount)
    assert r.amount_in <= amount and r.complete == (r.amount_in == amount)
    if r.amount_out:
        back = swap_exact_out(pool, token_in, r.amount_out)
        assert back.complete and back.amount_out == r.amount_out
        # Not strictly <=. The pool rounds each step's output down for exact input and each
        # step's input and fee up for exact output, and a swap is cut into steps at every
        # initialized tick and every bitmap word boundary. Hypothesis found both a tiny pool
        # (126 in -> 39 out; 39 out costs 128) and a long walk over ~300 words where the
        # rounding adds up. Allow per step: 2 wei of input plus one output unit priced at the
        # final price; nothing more.
        lo, hi = sorted((pool.tick, r.pool_after.tick))
        words = hi // (256 * pool.tick_spacing) - lo // (256 * pool.tick_spacing)
        steps = 1 + words + sum(1 for t, _ in pool.ticks if lo <= t <= hi)
        p_end = r.pool_after.sqrt_price_x96 ** 2
        in_per_out = -(-(1 << 192) // p_end) if zero_for_one else -(-p_end // (1 << 192))
        assert back.amount_in <= r.amount_in + steps * (2 + in_per_out)


@SLOW
@given(v3_pools(), v3_amounts, st.booleans())
def test_v3_exact_in_of_an_exact_out_delivers_it(pool, amount, zero_for_one):
    token_in = pool.token0 if zero_for_one else pool.token1
    r = swap_exact_out(pool, token_in, amount)
    assert r.amount_out <= amount and r.complete == (r.amount_out == amount)
    if r.amount_in:
        forward = swap_exact_in(pool, token_in, r.amount_in)
        assert forward.amount_out >= r.amount_out


@SLOW
@given(v3_pools(), v3_amounts, v3_amounts, st.booleans())
def test_v3_output_grows_with_input(pool, a, b, zero_for_one):
    small, large = min(a, b), max(a, b)
    token_in = pool.token0 if zero_for_one else pool.token1
    assert swap_exact_in(pool, token_in, small).amount_out <= swap_exact_in(pool, token_in, large).amount_out


@SLOW
@given(v3_pools(), st.booleans())
def test_v3_running_out_of_liquidity_is_incomplete(pool, zero_for_one):
    full_range = any(t == (MIN_TICK // pool.tick_spacing + 1) * pool.tick_spacing for t, _ in pool.ticks)
    assume(not full_range)
    r = swap_v3(pool, zero_for_one, 10**40)
    assert not r.complete
    assert r.pool_after.liquidity == 0
    limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    assert r.pool_after.sqrt_price_x96 == limit


@settings(max_examples=30, deadline=None)
@given(st.sampled_from([1, 60]), st.booleans(), v3_amounts)
def test_v3_swaps_at_the_extreme_ticks(spacing, at_min, amount):
    lo, hi = (MIN_TICK // spacing + 1) * spacing, (MAX_TICK // spacing) * spacing
    tick = lo + 1 if at_min else hi - 1
    pool = V3Pool("0xp", "T0", "T1", 3000, spacing, get_sqrt_ratio_at_tick(tick), tick, 10**18,
                  ((lo, 10**18), (hi, -(10**18))))
    toward_edge = swap_v3(pool, at_min, amount)
    away = swap_v3(pool, not at_min, amount)
    for r in (toward_edge, away):
        price = r.pool_after.sqrt_price_x96
        assert MIN_SQRT_RATIO < price < MAX_SQRT_RATIO
        assert get_sqrt_ratio_at_tick(r.pool_after.tick) <= price
