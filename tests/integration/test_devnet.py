"""The devnet against its promises: pools equal the mainnet data exactly, the real routers work
on it, and up/down/status behave (a second up reuses the saved state)."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from solver import devnet as devnet_api
from solver.config import load_config
from solver.devnet.chain import calldata, decode_hex
from solver.devnet.node import free_port

pytestmark = pytest.mark.integration

DATA_FILES = ("mainnet_v3_pools.json", "mainnet_v3_pools_at_blocks.json")
DEADLINE = 2**40


def data_pools() -> list[tuple[str, dict]]:
    pools = []
    for name in DATA_FILES:
        text = resources.files("solver.data").joinpath(name).read_text()
        pools += [(name, pool) for pool in json.loads(text)["pools"]]
    return pools


def find_pool(devnet, token0: str, token1: str, fee: int) -> dict | None:
    for record in devnet.deployment["pools"]:
        if (record["protocol"] == "uniswap_v3" and record["token0"].lower() == token0.lower()
                and record["token1"].lower() == token1.lower() and record["fee"] == fee):
            return record
    return None


def eth_call(devnet, to: str, data: str) -> str:
    return devnet.call("eth_call", [{"to": to, "data": data}, "latest"])


def send(devnet, to: str, data: str, *, value: int = 0) -> dict:
    tx = {"from": devnet.deployment["deployer"], "to": to, "data": data, "value": hex(value),
          "gas": hex(3_000_000)}
    receipt = devnet.transact(tx)
    assert int(receipt["status"], 16) == 1, f"tx to {to} reverted"
    return receipt


def balance_of(devnet, token: str, owner: str) -> int:
    return decode_hex("uint256", eth_call(devnet, token, calldata("balanceOf(address)", owner)))[0]


def token(devnet, symbol: str) -> str:
    return devnet.deployment["tokens"][symbol]["address"]


def test_first_up_deployed_and_seeded_from_scratch(devnet):
    assert devnet.info.reused_state is False
    assert devnet.info.chain_id == 31337
    assert devnet.info.seconds < 60


def test_every_uniswap_data_pool_is_reproduced_exactly(devnet):
    checked = 0
    for file_name, pool in data_pools():
        record = find_pool(devnet, pool["token0"]["address"], pool["token1"]["address"], pool["fee"])
        if pool["protocol"] != "uniswap_v3" or not record["source"].startswith(file_name):
            continue  # the PancakeSwap pool, and the WBTC/WETH 0.3% of the second snapshot
        address = record["address"]
        ticks = [(int(t[0]), int(t[1])) for t in pool["ticks"]]
        calls = [("eth_call", [{"to": address, "data": calldata("slot0()")}, "latest"]),
                 ("eth_call", [{"to": address, "data": calldata("liquidity()")}, "latest"])]
        calls += [("eth_call", [{"to": address, "data": calldata("ticks(int24)", t)}, "latest"])
                  for t, _ in ticks]
        slot0, liquidity, *tick_answers = devnet.batch(calls)
        sqrt_price, tick = decode_hex("uint160,int24", slot0[:2 + 128])
        assert sqrt_price == int(pool["sqrtPriceX96"])
        assert tick == pool["tick"]
        assert decode_hex("uint128", liquidity)[0] == int(pool["liquidity"])
        for (t, net), answer in zip(ticks, tick_answers):
            gross, onchain_net = decode_hex("uint128,int128", answer[:2 + 128])
            assert (t, onchain_net) == (t, net)
            assert gross > 0
        checked += 1
    assert checked == 11


def test_skipped_data_pools_are_recorded_with_a_reason(devnet):
    skipped = " ".join(devnet.deployment["skipped_data_pools"])
    assert "pancakeswap_v3" in skipped
    assert "WBTC/WETH 3000" in skipped


def test_tokens_live_at_their_mainnet_addresses(devnet):
    expected = {"WETH": ("0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", 18),
                "USDC": ("0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", 6),
                "USDT": ("0xdAC17F958D2ee523a2206206994597C13D831ec7", 6),
                "WBTC": ("0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599", 8),
                "DAI": ("0x6B175474E89094C44Da98b954EedeAC495271d0F", 18),
                "LINK": ("0x514910771AF9Ca656af840dff83E8264EcF986CA", 18),
                "cbBTC": ("0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf", 8),
                "UNI": ("0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984", 18)}
    for symbol, (address, decimals) in expected.items():
        assert token(devnet, symbol) == address
        assert decode_hex("string", eth_call(devnet, address, calldata("symbol()")))[0] == symbol
        assert decode_hex("uint8", eth_call(devnet, address, calldata("decimals()")))[0] == decimals


def test_multicall3_answers(devnet):
    multicall = devnet.deployment["contracts"]["multicall3"]
    assert multicall == "0xcA11bde05977b3631167028862bE2a173976CA11"
    block = decode_hex("uint256", eth_call(devnet, multicall, calldata("getBlockNumber()")))[0]
    assert block == int(devnet.call("eth_blockNumber"), 16)


def test_profile_loads_as_the_projects_config(devnet):
    raw = tomllib.loads(Path(devnet.profile_path).read_text())
    assert raw["defaults"]["chain"] == "devnet"
    chain = load_config(Path(devnet.profile_path)).chain()
    contracts = devnet.deployment["contracts"]
    assert chain.chain_id == 31337
    assert chain.router == contracts["swap_router02"]
    assert chain.multicall3 == contracts["multicall3"]
    kinds = {dex.kind: dex for dex in chain.dexes}
    assert kinds["uniswap_v2"].factory == contracts["v2_factory"]
    assert kinds["uniswap_v2"].v2_router == contracts["v2_router02"]
    assert kinds["uniswap_v3"].quoter == contracts["quoter_v2"]
    assert kinds["uniswap_v3"].tick_lens == contracts["tick_lens"]
    assert raw["chains"]["devnet"]["rpc_url"] == devnet.url


def test_v2_swap_through_router02_receives_get_amounts_out(devnet, anvil_snapshot):
    me = devnet.deployment["deployer"]
    router = devnet.deployment["contracts"]["v2_router02"]
    path = [token(devnet, "USDC"), token(devnet, "WETH"), token(devnet, "WBTC")]
    amount_in = 25_000 * 10**6
    send(devnet, path[0], calldata("mint(address,uint256)", me, amount_in))
    send(devnet, path[0], calldata("approve(address,uint256)", router, amount_in))
    amounts = decode_hex("uint256[]", eth_call(
        devnet, router, calldata("getAmountsOut(uint256,address[])", amount_in, path)))[0]
    before = balance_of(devnet, path[-1], me)
    send(devnet, router, calldata("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
                                  amount_in, amounts[-1], path, me, DEADLINE))
    assert balance_of(devnet, path[-1], me) - before == amounts[-1] > 0


def test_v3_swap_through_swap_router02_receives_the_quote(devnet, anvil_snapshot):
    me = devnet.deployment["deployer"]
    contracts = devnet.deployment["contracts"]
    usdc, weth, wbtc = token(devnet, "USDC"), token(devnet, "WETH"), token(devnet, "WBTC")
    path = (bytes.fromhex(usdc[2:]) + (500).to_bytes(3, "big") + bytes.fromhex(weth[2:])
            + (3000).to_bytes(3, "big") + bytes.fromhex(wbtc[2:]))
    amount_in = 50_000 * 10**6
    send(devnet, usdc, calldata("mint(address,uint256)", me, amount_in))
    send(devnet, usdc, calldata("approve(address,uint256)", contracts["swap_router02"], amount_in))
    quoted = decode_hex("uint256,uint160[],uint32[],uint256", eth_call(
        devnet, contracts["quoter_v2"], calldata("quoteExactInput(bytes,uint256)", path, amount_in)))[0]
    before = balance_of(devnet, wbtc, me)
    send(devnet, contracts["swap_router02"],
         calldata("exactInput((bytes,address,uint256,uint256))", (path, me, amount_in, quoted)))
    assert balance_of(devnet, wbtc, me) - before == quoted > 0


def test_v2_pairs_are_priced_like_the_v3_pools(devnet):
    weth_usdc_v3 = find_pool(devnet, token(devnet, "USDC"), token(devnet, "WETH"), 500)
    v2 = next(p for p in devnet.deployment["pools"]
              if p["protocol"] == "uniswap_v2" and {p["symbol0"], p["symbol1"]} == {"USDC", "WETH"})
    reserve0, reserve1, _ = decode_hex("uint112,uint112,uint32",
                                       eth_call(devnet, v2["address"], calldata("getReserves()")))
    sqrt_price = int(weth_usdc_v3["sqrt_price_x96"])
    # reserve1/reserve0 == (sqrtP / 2**96)**2, to within the rounding of the reserves
    assert abs(reserve1 * 2**192 - reserve0 * sqrt_price**2) <= reserve0 * sqrt_price**2 // 10**9


def test_status_reports_the_running_devnet(devnet):
    state = devnet_api.status()
    assert state["running"] is True
    assert state["url"] == devnet.url
    assert state["chain_id"] == 31337
    assert state["block_number"] >= 3
    assert state["pool_count"] == len(devnet.deployment["pools"]) == 27
    assert (state["v3_pools"], state["v2_pairs"]) == (17, 10)


def test_up_while_running_returns_the_running_devnet(devnet):
    pid = devnet_api.status()["pid"]
    info = devnet_api.up(devnet.port)
    assert (info.pid, info.url, info.reused_state) == (pid, devnet.url, True)
    assert info.seconds < 0.5


def test_down_then_up_reloads_the_saved_state(devnet):
    """Reused, not redeployed: same pools, same block. (How fast is a benchmark figure, in the
    README, not an assertion here: a loaded CI machine would make it flaky.)"""
    pool = find_pool(devnet, token(devnet, "USDC"), token(devnet, "WETH"), 500)["address"]
    slot0_before = eth_call(devnet, pool, calldata("slot0()"))
    block_before = int(devnet.call("eth_blockNumber"), 16)

    assert devnet_api.down() is True
    state = devnet_api.status()
    assert state["running"] is False and state["state_saved"] is True
    assert devnet_api.down() is False

    info = devnet_api.up(devnet.port)
    assert info.reused_state is True
    assert info.url == devnet.url
    assert eth_call(devnet, pool, calldata("slot0()")) == slot0_before
    assert int(devnet.call("eth_blockNumber"), 16) == block_before
    # the chain still mines after a reload
    send(devnet, token(devnet, "DAI"), calldata("mint(address,uint256)", devnet.deployment["deployer"], 1))
    assert int(devnet.call("eth_blockNumber"), 16) == block_before + 1


def test_a_corrupt_saved_state_is_redeployed_not_fatal(devnet, tmp_path, monkeypatch):
    """In a second home, so the session's devnet is left alone."""
    monkeypatch.setenv("SOLVER_HOME", str(tmp_path / "home"))
    port = free_port()
    first = devnet_api.up(port)
    try:
        assert first.reused_state is False
    finally:
        assert devnet_api.down() is True
    state = tmp_path / "home" / "devnet" / "state.json"
    state.write_text('{"not": "an anvil dump"')
    second = devnet_api.up(port)
    try:
        assert second.reused_state is False
        assert devnet_api.status()["pool_count"] == 27
    finally:
        devnet_api.down()
