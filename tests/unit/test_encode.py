"""solver.encode: decode the calldata back and check its structure."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from eth_abi import decode
from eth_utils import keccak

from routes.pools import V2Pool, V3Pool
from solver import encode as enc
from solver.encode import (ADDRESS_THIS, CONTRACT_BALANCE, EXACT_IN, EXACT_OUT, RouterFactories,
                           SwapSpec, encode_swap, encode_v3_path, pool_address_for, share_limits,
                           split_segments)
from solver.errors import InternalError, NoRouteError

WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"
WBTC = "0x2260fac5e5542a773aa44fbcfedf7c193bc2c599"
DAI = "0x6b175474e89094c44da98b954eedeac495271d0f"
ROUTER = "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45"
USER = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"
DEADLINE = 1_900_000_000


@dataclass(frozen=True)
class FakeHop:
    pool: object
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int


@dataclass(frozen=True)
class FakeLeg:
    hops: tuple
    share_bps: int = 10_000

    @property
    def amount_in(self):
        return self.hops[0].amount_in

    @property
    def amount_out(self):
        return self.hops[-1].amount_out


@dataclass(frozen=True)
class FakeRoute:
    legs: tuple


def v2(a, b, address="0x" + "11" * 20):
    t0, t1 = sorted((a, b))
    return V2Pool(address=address, token0=t0, token1=t1, reserve0=10**24, reserve1=10**24)


def v3(a, b, fee=500, address="0x" + "22" * 20):
    t0, t1 = sorted((a, b))
    return V3Pool(address=address, token0=t0, token1=t1, fee=fee, tick_spacing=10,
                  sqrt_price_x96=2**96, tick=0, liquidity=10**20)


def leg(*steps):
    """steps: (pool, token_in, token_out, amount_in, amount_out)"""
    return FakeLeg(tuple(FakeHop(*s) for s in steps))


def spec(kind=EXACT_IN, sell=WETH, buy=USDC, limit=1, **kw):
    return SwapSpec(kind=kind, sell_token=sell, buy_token=buy, recipient=USER, deadline=DEADLINE,
                    limit=limit, **kw)


def unpack(encoded):
    """multicall(deadline, bytes[]) -> (deadline, [(name, args)])"""
    assert encoded.data[:4] == bytes.fromhex("5ae401dc")
    deadline, inner = decode(["uint256", "bytes[]"], encoded.data[4:])
    calls = []
    for data in inner:
        name, types = DECODERS[data[:4]]
        calls.append((name, decode(types, data[4:]) if types else ()))
    return deadline, calls


DECODERS = {
    enc.SEL_EXACT_INPUT: ("exactInput", [enc.EXACT_PATH_TYPE]),
    enc.SEL_EXACT_INPUT_SINGLE: ("exactInputSingle", [enc.EXACT_SINGLE_TYPE]),
    enc.SEL_EXACT_OUTPUT: ("exactOutput", [enc.EXACT_PATH_TYPE]),
    enc.SEL_EXACT_OUTPUT_SINGLE: ("exactOutputSingle", [enc.EXACT_SINGLE_TYPE]),
    enc.SEL_V2_EXACT_IN: ("swapExactTokensForTokens", enc.V2_SWAP_TYPES),
    enc.SEL_V2_EXACT_OUT: ("swapTokensForExactTokens", enc.V2_SWAP_TYPES),
    enc.SEL_SWEEP_TOKEN: ("sweepToken", ["address", "uint256", "address"]),
    enc.SEL_UNWRAP_WETH9: ("unwrapWETH9", ["uint256", "address"]),
    enc.SEL_REFUND_ETH: ("refundETH", []),
}


@pytest.mark.parametrize(("selector", "signature"), [
    (enc.SEL_MULTICALL, "multicall(uint256,bytes[])"),
    (enc.SEL_EXACT_INPUT, "exactInput((bytes,address,uint256,uint256))"),
    (enc.SEL_EXACT_INPUT_SINGLE, "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))"),
    (enc.SEL_EXACT_OUTPUT, "exactOutput((bytes,address,uint256,uint256))"),
    (enc.SEL_EXACT_OUTPUT_SINGLE, "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))"),
    (enc.SEL_V2_EXACT_IN, "swapExactTokensForTokens(uint256,uint256,address[],address)"),
    (enc.SEL_V2_EXACT_OUT, "swapTokensForExactTokens(uint256,uint256,address[],address)"),
    (enc.SEL_SWEEP_TOKEN, "sweepToken(address,uint256,address)"),
    (enc.SEL_UNWRAP_WETH9, "unwrapWETH9(uint256,address)"),
    (enc.SEL_REFUND_ETH, "refundETH()"),
    (enc.SEL_FACTORY_V2, "factoryV2()"),
    (enc.SEL_FACTORY_V3, "factory()"),
    (enc.SEL_APPROVE, "approve(address,uint256)"),
    (enc.SEL_ALLOWANCE, "allowance(address,address)"),
    (enc.SEL_BALANCE_OF, "balanceOf(address)"),
])
def test_selectors_match_signatures(selector, signature):
    assert selector == keccak(text=signature)[:4]


def test_single_v3_hop_pays_recipient_with_minimum():
    route = FakeRoute((leg((v3(WETH, USDC), WETH, USDC, 10**18, 2_700_000_000)),))
    encoded = encode_swap(route, spec(limit=2_690_000_000), router=ROUTER)
    deadline, calls = unpack(encoded)
    assert deadline == DEADLINE and encoded.value == 0 and encoded.to == ROUTER
    assert [name for name, _ in calls] == ["exactInputSingle"]
    (token_in, token_out, fee, recipient, amount_in, minimum, limit), = calls[0][1]
    assert (token_in, token_out, fee, recipient) == (WETH, USDC, 500, USER)
    assert (amount_in, minimum, limit) == (10**18, 2_690_000_000, 0)
    assert encoded.approve_token == WETH and encoded.approve_amount == 10**18


def test_multi_hop_v3_is_one_exact_input_with_packed_path():
    route = FakeRoute((leg((v3(USDC, WETH, 500), USDC, WETH, 5000, 2),
                           (v3(WETH, WBTC, 3000), WETH, WBTC, 2, 1)),))
    _, calls = unpack(encode_swap(route, spec(sell=USDC, buy=WBTC), router=ROUTER))
    (path, recipient, amount_in, minimum), = calls[0][1]
    assert [name for name, _ in calls] == ["exactInput"]
    assert path == (bytes.fromhex(USDC[2:]) + (500).to_bytes(3, "big") + bytes.fromhex(WETH[2:])
                    + (3000).to_bytes(3, "big") + bytes.fromhex(WBTC[2:]))
    assert (recipient, amount_in, minimum) == (USER, 5000, 1)


def test_v2_path_has_no_deadline_param():
    route = FakeRoute((leg((v2(USDC, WETH), USDC, WETH, 5000, 2), (v2(WETH, WBTC), WETH, WBTC, 2, 1)),))
    _, calls = unpack(encode_swap(route, spec(sell=USDC, buy=WBTC), router=ROUTER))
    assert calls == [("swapExactTokensForTokens", (5000, 1, (USDC, WETH, WBTC), USER))]


def test_mixed_leg_chains_through_router_with_contract_balance():
    route = FakeRoute((leg((v2(USDC, WETH), USDC, WETH, 5000, 2),
                           (v3(WETH, WBTC), WETH, WBTC, 2, 7),
                           (v2(WBTC, DAI), WBTC, DAI, 7, 9)),))
    _, calls = unpack(encode_swap(route, spec(sell=USDC, buy=DAI, limit=8), router=ROUTER))
    assert [name for name, _ in calls] == ["swapExactTokensForTokens", "exactInputSingle",
                                          "swapExactTokensForTokens"]
    assert calls[0][1] == (5000, 0, (USDC, WETH), ADDRESS_THIS)
    assert calls[1][1][0][3:6] == (ADDRESS_THIS, CONTRACT_BALANCE, 0)
    assert calls[2][1] == (CONTRACT_BALANCE, 8, (WBTC, DAI), USER)


def test_split_pays_router_and_sweeps_aggregate_minimum():
    shared = v3(WETH, USDC)
    route = FakeRoute((leg((shared, WETH, USDC, 6, 600)),
                       leg((v2(WETH, DAI), WETH, DAI, 4, 40), (v2(DAI, USDC), DAI, USDC, 40, 39)),
                       leg((v2(WETH, WBTC), WETH, WBTC, 1, 1), (v3(WBTC, USDC, 3000), WBTC, USDC, 1, 99))))
    encoded = encode_swap(route, spec(limit=700), router=ROUTER)
    _, calls = unpack(encoded)
    assert [name for name, _ in calls] == ["exactInputSingle", "swapExactTokensForTokens",
                                          "swapExactTokensForTokens", "exactInputSingle", "sweepToken"]
    assert calls[0][1][0][3:6] == (ADDRESS_THIS, 6, 0)
    assert calls[1][1] == (4, 0, (WETH, DAI, USDC), ADDRESS_THIS)
    assert calls[2][1] == (1, 0, (WETH, WBTC), ADDRESS_THIS)
    assert calls[3][1][0][3:6] == (ADDRESS_THIS, CONTRACT_BALANCE, 0)
    assert calls[4][1] == (USDC, 700, USER)
    assert encoded.approve_amount == 11
    assert [c.leg for c in encoded.calls] == [0, 1, 2, 2, None]


def test_native_in_sends_value_without_wrap():
    route = FakeRoute((leg((v3(WETH, USDC), WETH, USDC, 3, 300)), leg((v2(WETH, USDC), WETH, USDC, 2, 199))))
    encoded = encode_swap(route, spec(limit=400, native_in=True), router=ROUTER)
    _, calls = unpack(encoded)
    assert encoded.value == 5 and encoded.approve_token is None and encoded.approve_amount == 0
    assert [name for name, _ in calls] == ["exactInputSingle", "swapExactTokensForTokens", "sweepToken"]


def test_native_out_unwraps_with_minimum():
    route = FakeRoute((leg((v3(USDC, WETH), USDC, WETH, 3000, 10**18)),))
    _, calls = unpack(encode_swap(route, spec(sell=USDC, buy=WETH, limit=99, native_out=True), router=ROUTER))
    assert [name for name, _ in calls] == ["exactInputSingle", "unwrapWETH9"]
    assert calls[0][1][0][3:6] == (ADDRESS_THIS, 3000, 0)
    assert calls[1][1] == (99, USER)


def test_exact_out_single_leg_enforces_max_in():
    route = FakeRoute((leg((v3(USDC, WETH), USDC, WETH, 5000, 2), (v3(WETH, WBTC, 3000), WETH, WBTC, 2, 1)),))
    encoded = encode_swap(route, spec(kind=EXACT_OUT, sell=USDC, buy=WBTC, limit=5100), router=ROUTER)
    _, calls = unpack(encoded)
    assert [name for name, _ in calls] == ["exactOutput"]
    (path, recipient, amount_out, maximum), = calls[0][1]
    assert path == encode_v3_path(route.legs[0].hops, reverse=True)
    assert path[:20] == bytes.fromhex(WBTC[2:]) and path[-20:] == bytes.fromhex(USDC[2:])
    assert (recipient, amount_out, maximum) == (USER, 1, 5100)
    assert encoded.approve_amount == 5100


def test_exact_out_split_shares_the_maximum():
    route = FakeRoute((leg((v2(USDC, WETH), USDC, WETH, 300, 3)), leg((v3(USDC, WETH), USDC, WETH, 100, 1))))
    _, calls = unpack(encode_swap(route, spec(kind=EXACT_OUT, sell=USDC, buy=WETH, limit=410), router=ROUTER))
    assert calls[0] == ("swapTokensForExactTokens", (3, 307, (USDC, WETH), USER))
    assert calls[1][0] == "exactOutputSingle" and calls[1][1][0][3:6] == (USER, 1, 103)


def test_exact_out_mixed_leg_buys_first_segment_then_sweeps_target():
    route = FakeRoute((leg((v2(USDC, WETH), USDC, WETH, 5000, 2), (v3(WETH, WBTC), WETH, WBTC, 2, 1)),))
    _, calls = unpack(encode_swap(route, spec(kind=EXACT_OUT, sell=USDC, buy=WBTC, limit=5050,
                                              native_in=False), router=ROUTER))
    assert [name for name, _ in calls] == ["swapTokensForExactTokens", "exactInputSingle", "sweepToken"]
    assert calls[0][1] == (2, 5050, (USDC, WETH), ADDRESS_THIS)
    assert calls[1][1][0][3:6] == (ADDRESS_THIS, CONTRACT_BALANCE, 0)
    assert calls[2][1] == (WBTC, 1, USER)


def test_exact_out_native_in_refunds_and_native_out_unwraps():
    route = FakeRoute((leg((v3(WETH, USDC), WETH, USDC, 5, 500)),))
    encoded = encode_swap(route, spec(kind=EXACT_OUT, limit=6, native_in=True), router=ROUTER)
    assert encoded.value == 6
    assert [name for name, _ in unpack(encoded)[1]] == ["exactOutputSingle", "refundETH"]
    route = FakeRoute((leg((v3(USDC, WETH), USDC, WETH, 500, 5)),))
    _, calls = unpack(encode_swap(route, spec(kind=EXACT_OUT, sell=USDC, buy=WETH, limit=600,
                                              native_out=True), router=ROUTER))
    assert [name for name, _ in calls] == ["exactOutputSingle", "unwrapWETH9"]
    assert calls[1][1] == (5, USER)


def test_share_limits_sum_exactly():
    assert share_limits([1, 1, 1], 10) == [3, 3, 4]
    assert sum(share_limits([7, 13, 100], 127)) == 127
    with pytest.raises(InternalError):
        share_limits([5], 4)


def test_segments_group_by_protocol():
    hops = leg((v2(USDC, WETH), USDC, WETH, 1, 1), (v2(WETH, DAI), WETH, DAI, 1, 1),
               (v3(DAI, WBTC), DAI, WBTC, 1, 1)).hops
    assert [len(s) for s in split_segments(hops)] == [2, 1]


@pytest.mark.parametrize("bad", [
    leg((v3(WETH, USDC), WETH, USDC, 0, 1)),                               # 0 = CONTRACT_BALANCE
    leg((v3(WETH, DAI), WETH, DAI, 1, 2), (v3(DAI, USDC), DAI, USDC, 3, 1)),  # amounts don't chain
    leg((v3(WETH, DAI), WETH, DAI, 1, 2)),                                  # wrong buy token
])
def test_inconsistent_legs_are_rejected(bad):
    with pytest.raises(InternalError):
        encode_swap(FakeRoute((bad,)), spec(), router=ROUTER)


def test_exact_in_requires_a_positive_minimum():
    with pytest.raises(InternalError):
        encode_swap(FakeRoute((leg((v3(WETH, USDC), WETH, USDC, 1, 1)),)), spec(limit=0), router=ROUTER)


def test_pool_addresses_match_mainnet_create2():
    factories = RouterFactories(v2="0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
                                v3="0x1F98431c8aD98523631AE4a59f267346ea31F984")
    hop_v3 = FakeHop(v3(USDC, WETH, 500), USDC, WETH, 1, 1)
    hop_v2 = FakeHop(v2(USDC, WETH), USDC, WETH, 1, 1)
    # USDC/WETH 0.05% V3 pool and the USDC/WETH V2 pair on mainnet.
    assert pool_address_for(hop_v3, factories) == "0x88e6a0c2ddd26feeb64f039a2c41296fcb3f5640"
    assert pool_address_for(hop_v2, factories) == "0xb4e16d0168e52d35cacd2c6185b44281ec28c9dc"
    with pytest.raises(NoRouteError):
        encode_swap(FakeRoute((leg(tuple(hop_v3.__dict__.values())),)), spec(sell=USDC, buy=WETH),
                    router=ROUTER, factories=factories)
