"""Unit tests for routes.v2_math and the V2 branch of routes.swap."""

import pytest

from routes.pools import V2Pool
from routes.swap import swap_exact_in, swap_exact_out
from routes.v2_math import get_amount_in, get_amount_out

E18 = 10**18

# v2-core test/UniswapV2Pair.spec.ts "getInputPrice": [swapAmount, reserve0, reserve1, expectedOut]
# (all x 1e18 except expectedOut, which is already in wei).
PAIR_SPEC_CASES = [
    (1, 5, 10, 1662497915624478906),
    (1, 10, 5, 453305446940074565),
    (2, 5, 10, 2851015155847869602),
    (2, 10, 5, 831248957812239453),
    (1, 10, 10, 906610893880149131),
    (1, 100, 100, 987158034397061298),
    (1, 1000, 1000, 996006981039903216),
]


@pytest.mark.parametrize(("swap", "r_in", "r_out", "expected"), PAIR_SPEC_CASES)
def test_get_amount_out_matches_pair_spec(swap, r_in, r_out, expected):
    assert get_amount_out(swap * E18, r_in * E18, r_out * E18) == expected


def test_router_spec_vectors():
    # v2-periphery test/UniswapV2Router01.spec.ts
    assert get_amount_out(2, 100, 100) == 1
    assert get_amount_in(1, 100, 100) == 2


@pytest.mark.parametrize(
    ("call", "args"),
    [
        (get_amount_out, (0, 100, 100)),
        (get_amount_out, (1, 0, 100)),
        (get_amount_out, (1, 100, 0)),
        (get_amount_in, (0, 100, 100)),
        (get_amount_in, (1, 0, 100)),
        (get_amount_in, (100, 100, 100)),
        (get_amount_in, (101, 100, 100)),
    ],
)
def test_reverting_inputs_raise(call, args):
    with pytest.raises(ValueError):
        call(*args)


def test_fee_bps_30_is_997_over_1000_exactly():
    for a, r_in, r_out in [(12345, 10**9, 7 * 10**12), (10**24, 3 * 10**20, 10**18), (7, 11, 13)]:
        legacy = a * 997 * r_out // (r_in * 1000 + a * 997)
        assert get_amount_out(a, r_in, r_out, 30) == legacy
    for y, r_in, r_out in [(12345, 10**9, 7 * 10**12), (10**17, 3 * 10**20, 10**18)]:
        legacy = r_in * y * 1000 // ((r_out - y) * 997) + 1
        assert get_amount_in(y, r_in, r_out, 30) == legacy


def test_fork_fee_25_bps():
    # PancakeSwap-style 9975/10000
    assert get_amount_out(10**18, 10**20, 10**20, 25) == 10**18 * 9975 * 10**20 // (10**20 * 10_000 + 10**18 * 9975)


POOL = V2Pool("0xpair", "A", "B", 1_000 * E18, 2_000_000 * 10**6)


def test_swap_exact_in_both_directions_updates_reserves():
    r = swap_exact_in(POOL, "A", E18)
    assert r.complete and r.ticks_crossed == 0
    assert r.amount_out == get_amount_out(E18, POOL.reserve0, POOL.reserve1)
    assert (r.pool_after.reserve0, r.pool_after.reserve1) == (POOL.reserve0 + E18, POOL.reserve1 - r.amount_out)
    r = swap_exact_in(POOL, "B", 10**9)
    assert r.amount_out == get_amount_out(10**9, POOL.reserve1, POOL.reserve0)
    assert (r.pool_after.reserve0, r.pool_after.reserve1) == (POOL.reserve0 - r.amount_out, POOL.reserve1 + 10**9)


def test_swap_exact_out_both_directions():
    r = swap_exact_out(POOL, "A", 10**9)
    assert r.complete and r.amount_out == 10**9
    assert r.amount_in == get_amount_in(10**9, POOL.reserve0, POOL.reserve1)
    assert r.pool_after.reserve0 == POOL.reserve0 + r.amount_in
    r = swap_exact_out(POOL, "B", E18)
    assert r.amount_in == get_amount_in(E18, POOL.reserve1, POOL.reserve0)
    assert r.pool_after.reserve0 == POOL.reserve0 - E18


def test_swap_exact_out_beyond_reserve_is_incomplete_and_empty():
    r = swap_exact_out(POOL, "A", POOL.reserve1)
    assert (r.complete, r.amount_in, r.amount_out, r.pool_after) == (False, 0, 0, POOL)


def test_swap_exact_in_dust_that_buys_nothing_is_incomplete():
    r = swap_exact_in(POOL, "A", 1)  # 1 wei of A buys < 1 unit of B: the pair would revert
    assert (r.complete, r.amount_in, r.amount_out) == (False, 0, 0)


def test_swap_zero_amount_is_a_no_op():
    assert swap_exact_in(POOL, "A", 0).pool_after is POOL
    assert swap_exact_out(POOL, "A", 0).complete


def test_empty_pair_is_incomplete():
    empty = V2Pool("0xe", "A", "B", 0, 0)
    assert not swap_exact_in(empty, "A", 10).complete
    assert not swap_exact_out(empty, "A", 10).complete


def test_unknown_token_raises():
    with pytest.raises(ValueError):
        swap_exact_in(POOL, "C", 1)
