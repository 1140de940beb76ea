"""The stricter-bound rule, limit-price bounds, and the Intent value object's own checks."""

from __future__ import annotations

from decimal import Decimal

import pytest

from solver.intent import (Intent, LimitPrice, effective_max_in, effective_min_out,
                           limit_max_in, limit_min_out)
from solver.intent.bounds import slippage_max_in, slippage_min_out
from solver.tokens import MAINNET_TOKENS

WETH, USDC = MAINNET_TOKENS[0], MAINNET_TOKENS[1]


def test_interface_example_min_out():
    """INTERFACE.md: amount_out 2723451234 at 50 bps -> min_amount_out 2709833978."""
    assert slippage_min_out(2723451234, 50) == 2709833978


def test_slippage_bounds_round_in_the_traders_favour():
    assert slippage_min_out(999, 1) == 999          # 998.9001 rounds up
    assert slippage_max_in(1001, 1) == 1001         # 1001.1001 rounds down
    assert slippage_min_out(10**18, 0) == 10**18


def test_the_stricter_of_slippage_and_explicit_minimum_wins():
    assert effective_min_out(1_000_000, slippage_bps=50) == 995_000
    assert effective_min_out(1_000_000, slippage_bps=50, min_amount_out=999_000) == 999_000
    assert effective_min_out(1_000_000, slippage_bps=50, min_amount_out=900_000) == 995_000


def test_the_stricter_of_slippage_and_explicit_maximum_wins():
    assert effective_max_in(1_000_000, slippage_bps=50) == 1_005_000
    assert effective_max_in(1_000_000, slippage_bps=50, max_amount_in=1_001_000) == 1_001_000
    assert effective_max_in(1_000_000, slippage_bps=50, max_amount_in=2_000_000) == 1_005_000


@pytest.mark.parametrize("bps", [-1, 10_000])
def test_slippage_out_of_range_is_a_bug(bps):
    with pytest.raises(ValueError):
        slippage_min_out(1, bps)


def test_limit_price_either_way_round():
    sell_weth = LimitPrice(quote=USDC, base=WETH, price=Decimal("2700"), bound="min")
    assert limit_min_out(sell_weth, amount_in=10**18, sell_address=WETH.address) == 2700 * 10**6
    assert limit_min_out(sell_weth, amount_in=1, sell_address=WETH.address) == 1  # ceil(2.7e-9)
    buy_weth = LimitPrice(quote=USDC, base=WETH, price=Decimal("2800"), bound="max")
    assert limit_max_in(buy_weth, amount_out=10**18, sell_address=USDC.address) == 2800 * 10**6
    assert limit_min_out(buy_weth, amount_in=2800 * 10**6, sell_address=USDC.address) == 10**18
    assert buy_weth.ratio * 10**18 == 2800 * 10**6


def test_limit_price_rejects_nonsense():
    with pytest.raises(ValueError):
        LimitPrice(quote=USDC, base=USDC, price=Decimal(1), bound="min")
    with pytest.raises(ValueError):
        LimitPrice(quote=USDC, base=WETH, price=Decimal(0), bound="min")


def intent(**kw) -> Intent:
    base = dict(kind="exact_in", sell_token=WETH, buy_token=USDC, amount=10**18,
                slippage_bps=50, deadline_s=300, max_hops=3)
    return Intent(**{**base, **kw})


@pytest.mark.parametrize("bad", [
    dict(kind="limit"), dict(buy_token=WETH), dict(amount=0), dict(amount=None),
    dict(slippage_bps=10_000), dict(deadline_s=0), dict(max_hops=5),
    dict(min_amount_out=0), dict(max_amount_in=5), dict(allow_protocols=("sushi",)),
    dict(allow_protocols=("uniswap_v3", "uniswap_v2")),
    dict(allow_protocols=("uniswap_v3",), deny_protocols=("uniswap_v3",)),
    dict(avoid_tokens=(WETH,)), dict(avoid_tokens=(MAINNET_TOKENS[2], MAINNET_TOKENS[4])),
    dict(max_gas_price_wei=0),
])
def test_intent_rejects_impossible_values(bad):
    with pytest.raises(ValueError):
        intent(**bad)


def test_intent_json_keeps_the_interface_keys_first():
    keys = list(intent().to_json())
    assert keys[:15] == ["kind", "sell", "buy", "amount", "slippage_bps", "deadline_s",
                         "min_amount_out", "max_hops", "allow_protocols", "deny_protocols",
                         "avoid_tokens", "recipient", "max_gas_price_wei", "split",
                         "max_amount_in"]
