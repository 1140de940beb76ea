"""v3-core test/UniswapV3Pool.swaps.spec.ts: pool-level swap vectors from its jest snapshot.

Each case is (pool, swap, expected pool balance deltas of token0 and token1, tick after), or
None where the pool reverts with 'SPL' (price limit on the wrong side): we return an empty,
incomplete result there instead.
"""

from __future__ import annotations

import pytest

from routes.pools import V3Pool
from routes.sqrt_price_math import get_amount0_delta, get_amount1_delta
from routes.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO, get_sqrt_ratio_at_tick, get_tick_at_sqrt_ratio
from routes.v3_swap import swap_v3
from test_math_vectors import encode_price_sqrt

E18 = 10**18
MAX_INT256 = (1 << 255) - 1
LOW, MEDIUM, HIGH = (500, 10), (3000, 60), (10000, 200)


def min_tick(spacing: int) -> int:
    return -(887272 // spacing) * spacing


def max_tick(spacing: int) -> int:
    return (887272 // spacing) * spacing


def make(fee_spacing, price, positions) -> V3Pool:
    fee, spacing = fee_spacing
    tick = get_tick_at_sqrt_ratio(price)
    nets: dict[int, int] = {}
    for lower, upper, liquidity in positions:
        nets[lower] = nets.get(lower, 0) + liquidity
        nets[upper] = nets.get(upper, 0) - liquidity
    active = sum(liq for lower, upper, liq in positions if lower <= tick < upper)
    return V3Pool("0xspec", "T0", "T1", fee, spacing, price, tick, active, tuple(sorted(nets.items())))


def full(spacing: int, liquidity: int = 2 * E18) -> tuple[int, int, int]:
    return (min_tick(spacing), max_tick(spacing), liquidity)


ONE = encode_price_sqrt(1, 1)
POOLS = {
    "low fee, 1:1": make(LOW, ONE, [full(10)]),
    "medium fee, 1:1": make(MEDIUM, ONE, [full(60)]),
    "high fee, 1:1": make(HIGH, ONE, [full(200)]),
    "0 liquidity around price": make(MEDIUM, ONE, [(min_tick(60), -60, 2 * E18), (60, max_tick(60), 2 * E18)]),
    "additional liquidity around price": make(
        MEDIUM, ONE, [full(60), (min_tick(60), -60, 2 * E18), (60, max_tick(60), 2 * E18)]),
    "close to max price": make(MEDIUM, encode_price_sqrt(2**127, 1), [full(60)]),
    "close to min price": make(MEDIUM, encode_price_sqrt(1, 2**127), [full(60)]),
    "initialized at the max ratio": make(MEDIUM, MAX_SQRT_RATIO - 1, [full(60)]),
    "initialized at the min ratio": make(MEDIUM, MIN_SQRT_RATIO, [full(60)]),
}
TO_0_4, TO_2_5 = encode_price_sqrt(2, 5), encode_price_sqrt(5, 2)


def exact_0_for_1(a):
    return True, a, None


def exact_1_for_0(a):
    return False, a, None


def zero_for_exact_1(a):
    return True, -a, None


def one_for_exact_0(a):
    return False, -a, None


def to_lower(price):
    return True, MAX_INT256, price


def to_higher(price):
    return False, MAX_INT256, price


CASES = [
    ("low fee, 1:1", exact_0_for_1(1000), (1000, -998, -1)),
    ("low fee, 1:1", exact_1_for_0(1000), (-998, 1000, 0)),
    ("low fee, 1:1", exact_0_for_1(E18), (E18, -666444407401233536, -8107)),
    ("medium fee, 1:1", exact_0_for_1(1000), (1000, -996, -1)),
    ("medium fee, 1:1", exact_1_for_0(1000), (-996, 1000, 0)),
    ("medium fee, 1:1", exact_0_for_1(E18), (E18, -665331998665331998, -8090)),
    ("medium fee, 1:1", exact_1_for_0(E18), (-665331998665331998, E18, 8089)),
    ("medium fee, 1:1", zero_for_exact_1(1000), (1005, -1000, -1)),
    ("medium fee, 1:1", zero_for_exact_1(E18), (2006018054162487463, -E18, -13864)),
    ("medium fee, 1:1", one_for_exact_0(1000), (-1000, 1005, 0)),
    ("medium fee, 1:1", one_for_exact_0(E18), (-E18, 2006018054162487463, 13863)),
    ("medium fee, 1:1", to_lower(TO_0_4), (1165774985123750584, -735088935932648267, -9164)),
    ("medium fee, 1:1", to_higher(TO_2_5), (-735088935932648267, 1165774985123750584, 9163)),
    ("medium fee, 1:1", to_lower(TO_2_5), None),
    ("medium fee, 1:1", to_higher(TO_0_4), None),
    ("high fee, 1:1", exact_0_for_1(1000), (1000, -989, -1)),
    ("high fee, 1:1", exact_1_for_0(1000), (-989, 1000, 0)),
    ("high fee, 1:1", exact_0_for_1(E18), (E18, -662207357859531772, -8043)),
    ("high fee, 1:1", exact_1_for_0(E18), (-662207357859531772, E18, 8042)),
    ("high fee, 1:1", zero_for_exact_1(1000), (1012, -1000, -1)),
    ("high fee, 1:1", zero_for_exact_1(E18), (2020202020202020203, -E18, -13864)),
    ("high fee, 1:1", one_for_exact_0(1000), (-1000, 1012, 0)),
    ("high fee, 1:1", one_for_exact_0(E18), (-E18, 2020202020202020203, 13863)),
    ("high fee, 1:1", to_lower(TO_0_4), (1174017838553918518, -735088935932648267, -9164)),
    ("high fee, 1:1", to_higher(TO_2_5), (-735088935932648267, 1174017838553918518, 9163)),
    ("0 liquidity around price", exact_0_for_1(1000), (1000, -991, -61)),
    ("0 liquidity around price", exact_1_for_0(1000), (-991, 1000, 60)),
    ("0 liquidity around price", exact_0_for_1(E18), (E18, -662011820624678025, -8130)),
    ("0 liquidity around price", exact_1_for_0(E18), (-662011820624678025, E18, 8129)),
    ("0 liquidity around price", zero_for_exact_1(1000), (1011, -1000, -61)),
    ("0 liquidity around price", zero_for_exact_1(E18), (2024171064311638316, -E18, -13984)),
    ("0 liquidity around price", one_for_exact_0(1000), (-1000, 1011, 60)),
    ("0 liquidity around price", one_for_exact_0(E18), (-E18, 2024171064311638316, 13983)),
    ("0 liquidity around price", to_lower(TO_0_4), (1159748196632793863, -729098226020826705, -9164)),
    ("0 liquidity around price", to_higher(TO_2_5), (-729098226020826705, 1159748196632793863, 9163)),
    ("additional liquidity around price", exact_0_for_1(1000), (1000, -996, -1)),
    ("additional liquidity around price", exact_1_for_0(1000), (-996, 1000, 0)),
    ("additional liquidity around price", exact_0_for_1(E18), (E18, -795933705287758544, -4476)),
    ("additional liquidity around price", exact_1_for_0(E18), (-795933705287758544, E18, 4475)),
    ("additional liquidity around price", zero_for_exact_1(1000), (1005, -1000, -1)),
    ("close to max price", exact_0_for_1(1000), (1000, -26083549850867114346332688477747755628, 705098)),
    ("close to max price", exact_1_for_0(1000), (0, 1000, 880340)),
    ("close to max price", exact_0_for_1(E18), (E18, -26087635650665564420687107504180041533, 13923)),
    ("close to max price", exact_1_for_0(E18), (0, E18, 880340)),
    ("close to max price", zero_for_exact_1(1000), (2, -1000, 880340)),
    ("close to max price", zero_for_exact_1(E18), (2, -E18, 880340)),
    ("close to max price", one_for_exact_0(1000), (0, 10740898373457544742072477595619363803, 887271)),
    ("close to max price", one_for_exact_0(E18), (0, 10740898373457544742072477595619363803, 887271)),
    ("close to max price", to_lower(TO_0_4),
     (3171793039286238109, -26087635650665564423434232548437664977, -9164)),
    ("close to max price", to_lower(TO_2_5),
     (1268717215714495281, -26087635650665564421536865952336637378, 9163)),
    ("close to max price", to_higher(TO_0_4), None),
    ("close to max price", to_higher(TO_2_5), None),
    ("close to min price", exact_0_for_1(1000), (1000, 0, -880303)),
    ("close to min price", exact_1_for_0(1000), (-26033697540846965126433148994127431276, 1000, -705093)),
    ("close to min price", exact_0_for_1(E18), (E18, 0, -880303)),
    ("close to min price", exact_1_for_0(E18), (-26037782196502120271413746514214063808, E18, -13924)),
    ("close to min price", zero_for_exact_1(1000), (10790901831095468191587263901270792610, 0, -887272)),
    ("close to min price", zero_for_exact_1(E18), (10790901831095468191587263901270792610, 0, -887272)),
    ("close to min price", one_for_exact_0(1000), (-1000, 2, -880303)),
    ("close to min price", one_for_exact_0(E18), (-E18, 2, -880303)),
    ("close to min price", to_higher(TO_0_4),
     (-26037782196502120272263504962370659661, 1268717215714495283, -9164)),
    ("close to min price", to_higher(TO_2_5),
     (-26037782196502120274160871558471687260, 3171793039286238112, 9163)),
    ("close to min price", to_lower(TO_0_4), None),
    ("initialized at the max ratio", exact_0_for_1(1000), (1000, -36792225529204286454178948640580261338, 705098)),
    ("initialized at the max ratio", exact_0_for_1(E18), (E18, -36796311329002736528533367667012547243, 13923)),
    ("initialized at the max ratio", zero_for_exact_1(1000), (2, -1000, 887219)),
    ("initialized at the max ratio", zero_for_exact_1(E18), (2, -E18, 887219)),
    ("initialized at the max ratio", to_lower(TO_0_4),
     (3171793039286238109, -36796311329002736531280492711270170687, -9164)),
    ("initialized at the max ratio", to_lower(TO_2_5),
     (1268717215714495281, -36796311329002736529383126115169143088, 9163)),
    ("initialized at the max ratio", exact_1_for_0(1000), None),
    ("initialized at the max ratio", one_for_exact_0(E18), None),
    ("initialized at the min ratio", exact_1_for_0(1000), (-36792226666449146913445651103694411508, 1000, -705093)),
    ("initialized at the min ratio", exact_1_for_0(E18), (-36796311322104302058426248623781044040, E18, -13924)),
    ("initialized at the min ratio", one_for_exact_0(1000), (-1000, 2, -887220)),
    ("initialized at the min ratio", one_for_exact_0(E18), (-E18, 2, -887220)),
    ("initialized at the min ratio", to_higher(TO_0_4),
     (-36796311322104302059276007071937639893, 1268717215714495283, -9164)),
    ("initialized at the min ratio", to_higher(TO_2_5),
     (-36796311322104302061173373668038667492, 3171793039286238112, 9163)),
    ("initialized at the min ratio", exact_0_for_1(1000), None),
    ("initialized at the min ratio", zero_for_exact_1(E18), None),
]


def test_pool_fixtures_hold_the_snapshot_balances():
    # the snapshot's amount0Before/amount1Before pin down the positions we rebuild
    def balances(pool, positions):
        price = pool.sqrt_price_x96
        b0 = b1 = 0
        for lower, upper, liq in positions:
            pa, pb = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper)
            b0 += get_amount0_delta(max(price, pa), pb, liq, True) if price < pb else 0
            b1 += get_amount1_delta(pa, min(price, pb), liq, True) if price > pa else 0
        return b0, b1

    around = [(min_tick(60), -60, 2 * E18), (60, max_tick(60), 2 * E18)]
    assert balances(POOLS["0 liquidity around price"], around) == (1994009290088178439, 1994009290088178439)
    assert balances(POOLS["close to max price"], [full(60)]) == (1, 26087635650665564424699143612505016738)
    assert balances(POOLS["close to min price"], [full(60)]) == (26037782196502120275425782622539039026, 1)
    assert POOLS["close to max price"].tick == 880340 and POOLS["close to min price"].tick == -880303


@pytest.mark.parametrize(("pool_name", "swap", "expected"), CASES)
def test_pool_swap_snapshot(pool_name, swap, expected):
    pool = POOLS[pool_name]
    zero_for_one, amount_specified, limit = swap
    r = swap_v3(pool, zero_for_one, amount_specified, limit)
    if expected is None:
        assert (r.amount_in, r.amount_out, r.complete, r.pool_after) == (0, 0, False, pool)
        return
    amount0, amount1 = (r.amount_in, -r.amount_out) if zero_for_one else (-r.amount_out, r.amount_in)
    assert (amount0, amount1, r.pool_after.tick) == expected
    if limit is not None:
        assert r.pool_after.sqrt_price_x96 == limit and not r.complete
