"""Upstream v3-core test vectors (FullMath, TickMath, SqrtPriceMath, SwapMath .spec.ts) as plain integers."""

from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

import pytest

from routes.full_math import MAX_UINT256, MathRevert, mul_div, mul_div_rounding_up
from routes.sqrt_price_math import (
    get_amount0_delta,
    get_amount0_delta_signed,
    get_amount1_delta,
    get_amount1_delta_signed,
    get_next_sqrt_price_from_input,
    get_next_sqrt_price_from_output,
)
from routes.swap_math import compute_swap_step, compute_swap_step_checked
from routes.tick_math import (
    MAX_SQRT_RATIO,
    MAX_TICK,
    MIN_SQRT_RATIO,
    MIN_TICK,
    get_sqrt_ratio_at_tick,
    get_tick_at_sqrt_ratio,
)

Q128 = 1 << 128
E18 = 10**18


def encode_price_sqrt(reserve1: int, reserve0: int) -> int:
    """v3-core test/shared/utilities.ts encodePriceSqrt (bignumber.js, 40 decimal places, floored)."""
    with localcontext() as ctx:
        ctx.prec = 150
        quantum = Decimal(10) ** -40
        ratio = (Decimal(reserve1) / Decimal(reserve0)).quantize(quantum, ROUND_HALF_UP)
        root = ratio.sqrt().quantize(quantum, ROUND_HALF_UP)
        return int((root * (1 << 96)).to_integral_value(ROUND_FLOOR))


# ---- FullMath.spec.ts ----

@pytest.mark.parametrize(
    "args",
    [(Q128, 5, 0), (Q128, Q128, 0), (Q128, Q128, 1), (MAX_UINT256, MAX_UINT256, MAX_UINT256 - 1)],
)
def test_mul_div_reverts(args):
    with pytest.raises(MathRevert):
        mul_div(*args)
    with pytest.raises(MathRevert):
        mul_div_rounding_up(*args)


def test_mul_div_vectors():
    assert mul_div(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256
    assert mul_div(Q128, 50 * Q128 // 100, 150 * Q128 // 100) == Q128 // 3
    assert mul_div(Q128, 35 * Q128, 8 * Q128) == 4375 * Q128 // 1000
    assert mul_div(Q128, 1000 * Q128, 3000 * Q128) == Q128 // 3


def test_mul_div_rounding_up_vectors():
    assert mul_div_rounding_up(MAX_UINT256, MAX_UINT256, MAX_UINT256) == MAX_UINT256
    assert mul_div_rounding_up(Q128, 50 * Q128 // 100, 150 * Q128 // 100) == Q128 // 3 + 1
    assert mul_div_rounding_up(Q128, 35 * Q128, 8 * Q128) == 4375 * Q128 // 1000
    assert mul_div_rounding_up(Q128, 1000 * Q128, 3000 * Q128) == Q128 // 3 + 1


@pytest.mark.parametrize(
    "args",
    [
        (535006138814359, 432862656469423142931042426214547535783388063929571229938474969, 2),
        (
            115792089237316195423570985008687907853269984659341747863450311749907997002549,
            115792089237316195423570985008687907853269984659341747863450311749907997002550,
            115792089237316195423570985008687907853269984653042931687443039491902864365164,
        ),
    ],
)
def test_mul_div_rounding_up_overflow_after_rounding(args):
    mul_div(*args)  # fits when rounded down...
    with pytest.raises(MathRevert):
        mul_div_rounding_up(*args)  # ...but not when rounded up


def test_mul_div_rejects_non_uint256():
    with pytest.raises(MathRevert):
        mul_div(-1, 1, 1)
    with pytest.raises(MathRevert):
        mul_div(MAX_UINT256 + 1, 1, 1)


# ---- TickMath.spec.ts ----

def test_get_sqrt_ratio_at_tick_bounds():
    with pytest.raises(MathRevert):
        get_sqrt_ratio_at_tick(MIN_TICK - 1)
    with pytest.raises(MathRevert):
        get_sqrt_ratio_at_tick(MAX_TICK + 1)
    assert get_sqrt_ratio_at_tick(MIN_TICK) == 4295128739 == MIN_SQRT_RATIO
    assert get_sqrt_ratio_at_tick(MIN_TICK + 1) == 4295343490
    assert get_sqrt_ratio_at_tick(MAX_TICK - 1) == 1461373636630004318706518188784493106690254656249
    assert get_sqrt_ratio_at_tick(MAX_TICK) == 1461446703485210103287273052203988822378723970342 == MAX_SQRT_RATIO
    assert get_sqrt_ratio_at_tick(MIN_TICK) < encode_price_sqrt(1, 2**127)
    assert get_sqrt_ratio_at_tick(MAX_TICK) > encode_price_sqrt(2**127, 1)
    assert get_sqrt_ratio_at_tick(0) == 1 << 96


@pytest.mark.parametrize(
    "abs_tick", [50, 100, 250, 500, 1_000, 2_500, 3_000, 4_000, 5_000, 50_000, 150_000, 250_000, 500_000, 738_203]
)
def test_get_sqrt_ratio_at_tick_within_a_hundredth_of_a_bip(abs_tick):
    with localcontext() as ctx:
        ctx.prec = 80
        for tick in (-abs_tick, abs_tick):
            exact = Decimal("1.0001") ** tick
            exact = exact.sqrt() * (1 << 96)
            assert abs(Decimal(get_sqrt_ratio_at_tick(tick)) - exact) / exact < Decimal("0.000001")


def test_get_tick_at_sqrt_ratio_bounds():
    with pytest.raises(MathRevert):
        get_tick_at_sqrt_ratio(MIN_SQRT_RATIO - 1)
    with pytest.raises(MathRevert):
        get_tick_at_sqrt_ratio(MAX_SQRT_RATIO)
    assert get_tick_at_sqrt_ratio(MIN_SQRT_RATIO) == MIN_TICK
    assert get_tick_at_sqrt_ratio(4295343490) == MIN_TICK + 1
    assert get_tick_at_sqrt_ratio(1461373636630004318706518188784493106690254656249) == MAX_TICK - 1
    assert get_tick_at_sqrt_ratio(MAX_SQRT_RATIO - 1) == MAX_TICK - 1


@pytest.mark.parametrize(
    "ratio",
    [
        MIN_SQRT_RATIO,
        encode_price_sqrt(10**12, 1),
        encode_price_sqrt(10**6, 1),
        encode_price_sqrt(1, 64),
        encode_price_sqrt(1, 8),
        encode_price_sqrt(1, 2),
        encode_price_sqrt(1, 1),
        encode_price_sqrt(2, 1),
        encode_price_sqrt(8, 1),
        encode_price_sqrt(64, 1),
        encode_price_sqrt(1, 10**6),
        encode_price_sqrt(1, 10**12),
        MAX_SQRT_RATIO - 1,
    ],
)
def test_get_tick_at_sqrt_ratio_brackets_the_ratio(ratio):
    tick = get_tick_at_sqrt_ratio(ratio)
    assert get_sqrt_ratio_at_tick(tick) <= ratio < get_sqrt_ratio_at_tick(tick + 1)
    with localcontext() as ctx:
        ctx.prec = 80
        price = (Decimal(ratio) / (1 << 96)) ** 2
        js_tick = (price.ln() / Decimal("1.0001").ln()).to_integral_value(ROUND_FLOOR)
        assert abs(tick - int(js_tick)) <= 1


# ---- SqrtPriceMath.spec.ts ----

ONE = encode_price_sqrt(1, 1)


def test_get_next_sqrt_price_from_input_vectors():
    with pytest.raises(MathRevert):
        get_next_sqrt_price_from_input(0, 0, E18 // 10, False)
    with pytest.raises(MathRevert):
        get_next_sqrt_price_from_input(1, 0, E18 // 10, True)
    with pytest.raises(MathRevert):
        get_next_sqrt_price_from_input(2**160 - 1, 1024, 1024, False)
    assert get_next_sqrt_price_from_input(1, 1, 2**255, True) == 1
    assert get_next_sqrt_price_from_input(ONE, E18 // 10, 0, True) == ONE
    assert get_next_sqrt_price_from_input(ONE, E18 // 10, 0, False) == ONE
    assert get_next_sqrt_price_from_input(ONE, E18, E18 // 10, False) == 87150978765690771352898345369
    assert get_next_sqrt_price_from_input(ONE, E18, E18 // 10, True) == 72025602285694852357767227579
    assert get_next_sqrt_price_from_input(ONE, 10 * E18, 2**100, True) == 624999999995069620
    assert get_next_sqrt_price_from_input(ONE, 1, MAX_UINT256 // 2, True) == 1


def test_get_next_sqrt_price_from_output_vectors():
    price = 20282409603651670423947251286016
    with pytest.raises(MathRevert):
        get_next_sqrt_price_from_output(0, 0, E18 // 10, False)
    with pytest.raises(MathRevert):
        get_next_sqrt_price_from_output(1, 0, E18 // 10, True)
    for amount_out, zero_for_one in [(4, False), (5, False), (262144, True), (262145, True)]:
        # 4 / 262144 are exactly the virtual reserves; v3-core 1.0.1 requires sqrtP > quotient
        with pytest.raises(MathRevert):
            get_next_sqrt_price_from_output(price, 1024, amount_out, zero_for_one)
    assert get_next_sqrt_price_from_output(ONE, E18 // 10, 0, True) == ONE
    assert get_next_sqrt_price_from_output(ONE, E18 // 10, 0, False) == ONE
    assert get_next_sqrt_price_from_output(ONE, E18, E18 // 10, False) == 88031291682515930659493278152
    assert get_next_sqrt_price_from_output(ONE, E18, E18 // 10, True) == 71305346262837903834189555302
    with pytest.raises(MathRevert):
        get_next_sqrt_price_from_output(ONE, 1, MAX_UINT256, True)
    with pytest.raises(MathRevert):
        get_next_sqrt_price_from_output(ONE, 1, MAX_UINT256, False)


def test_get_amount_deltas_vectors():
    assert get_amount0_delta(encode_price_sqrt(2, 1), ONE, 0, True) == 0
    assert get_amount0_delta(ONE, ONE, 0, True) == 0
    up = get_amount0_delta(encode_price_sqrt(121, 100), ONE, E18, True)
    assert up == 90909090909090910
    assert get_amount0_delta(encode_price_sqrt(121, 100), ONE, E18, False) == up - 1
    a, b = encode_price_sqrt(2**96, 1), encode_price_sqrt(2**90, 1)
    assert get_amount0_delta(a, b, E18, True) == get_amount0_delta(a, b, E18, False) + 1

    assert get_amount1_delta(ONE, encode_price_sqrt(2, 1), 0, True) == 0
    up = get_amount1_delta(ONE, encode_price_sqrt(121, 100), E18, True)
    assert up == 100000000000000000
    assert get_amount1_delta(ONE, encode_price_sqrt(121, 100), E18, False) == up - 1


def test_signed_deltas_round_by_sign():
    a, b = ONE, encode_price_sqrt(121, 100)
    assert get_amount0_delta_signed(a, b, E18) == 90909090909090910
    assert get_amount0_delta_signed(a, b, -E18) == -90909090909090909
    assert get_amount1_delta_signed(a, b, E18) == 100000000000000000
    assert get_amount1_delta_signed(a, b, -E18) == -99999999999999999


def test_sqrt_p_times_sqrt_q_overflows():
    sqrt_p = 1025574284609383690408304870162715216695788925244
    liquidity = 50015962439936049619261659728067971248
    sqrt_q = get_next_sqrt_price_from_input(sqrt_p, liquidity, 406, True)
    assert sqrt_q == 1025574284609383582644711336373707553698163132913
    assert get_amount0_delta(sqrt_p, sqrt_q, liquidity, True) == 406


# ---- SwapMath.spec.ts: (price, target, liquidity, amount_remaining, fee) -> (in, out, fee) ----

SWAP_STEP_CASES = [
    # exact in capped at price target, one for zero
    (ONE, encode_price_sqrt(101, 100), 2 * E18, E18, 600, 9975124224178055, 9925619580021728, 5988667735148),
    # exact out capped at price target, one for zero
    (ONE, encode_price_sqrt(101, 100), 2 * E18, -E18, 600, 9975124224178055, 9925619580021728, 5988667735148),
    # exact in fully spent, one for zero
    (ONE, encode_price_sqrt(1000, 100), 2 * E18, E18, 600, 999400000000000000, 666399946655997866, 600000000000000),
    # exact out fully received, one for zero
    (ONE, encode_price_sqrt(10000, 100), 2 * E18, -E18, 600, 2000000000000000000, E18, 1200720432259356),
    # amount out is capped at the desired amount out
    (417332158212080721273783715441582, 1452870262520218020823638996, 159344665391607089467575320103, -1, 1, 1, 1, 1),
    # target price of 1 uses partial input amount
    (2, 1, 1, 3915081100057732413702495386755767, 1, 39614081257132168796771975168, 0, 39614120871253040049813),
    # entire input amount taken as fee
    (2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872, 0, 0, 10),
    # intermediate insufficient liquidity, zero for one exact output
    (
        20282409603651670423947251286016, 20282409603651670423947251286016 * 11 // 10, 1024, -4, 3000, 26215, 0, 79,
    ),
    # intermediate insufficient liquidity, one for zero exact output
    (
        20282409603651670423947251286016, 20282409603651670423947251286016 * 9 // 10, 1024, -263000, 3000, 1, 26214, 1,
    ),
]


@pytest.mark.parametrize("step", [compute_swap_step, compute_swap_step_checked])
@pytest.mark.parametrize(("price", "target", "liquidity", "amount", "fee", "a_in", "a_out", "fee_amount"), SWAP_STEP_CASES)
def test_compute_swap_step_vectors(step, price, target, liquidity, amount, fee, a_in, a_out, fee_amount):
    _, amount_in, amount_out, fee_paid = step(price, target, liquidity, amount, fee)
    assert (amount_in, amount_out, fee_paid) == (a_in, a_out, fee_amount)


def test_compute_swap_step_prices():
    target = encode_price_sqrt(101, 100)
    nxt, *_ = compute_swap_step(ONE, target, 2 * E18, E18, 600)
    assert nxt == target < get_next_sqrt_price_from_input(ONE, 2 * E18, E18, False)
    nxt, _, _, fee_amount = compute_swap_step(ONE, encode_price_sqrt(1000, 100), 2 * E18, E18, 600)
    assert nxt == get_next_sqrt_price_from_input(ONE, 2 * E18, E18 - fee_amount, False)
    nxt, *_ = compute_swap_step(ONE, encode_price_sqrt(10000, 100), 2 * E18, -E18, 600)
    assert nxt == get_next_sqrt_price_from_output(ONE, 2 * E18, E18, False)
    assert compute_swap_step(417332158212080721273783715441582, 1452870262520218020823638996,
                             159344665391607089467575320103, -1, 1)[0] == 417332158212080721273783715441581
    assert compute_swap_step(2, 1, 1, 3915081100057732413702495386755767, 1)[0] == 1
    assert compute_swap_step(2413, 79887613182836312, 1985041575832132834610021537970, 10, 1872)[0] == 2413
