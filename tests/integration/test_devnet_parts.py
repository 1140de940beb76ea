"""The devnet's parts that need no chain: tool discovery, the seeding plan, the state dump, the
profile. (They sit beside the devnet tests they support; none of them starts anvil.)"""

from __future__ import annotations

import gzip
import json
import os
import stat
import tomllib
from fractions import Fraction

import pytest

from solver.devnet import tools
from solver.devnet.chain import create_address, split_types
from solver.devnet.plan import build_plan, load_data_pools, price_table, ranges_from_ticks
from solver.devnet.profile import render_profile
from solver.devnet.state import slim_dump
from solver.errors import ConfigError


def test_no_anvil_and_no_npm_is_a_config_error_that_says_what_to_install(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setenv("SOLVER_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ConfigError) as caught:
        tools.require_anvil()
    assert caught.value.exit_code == 6
    assert "npm" in caught.value.hint and "anvil" in caught.value.hint


def test_anvil_on_path_wins_over_the_npm_cache(tmp_path, monkeypatch):
    fake = tmp_path / "anvil"
    fake.write_text("#!/bin/sh\necho 'anvil Version: 9.9.9'\necho 'Commit SHA: abc'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    assert tools.find_anvil() == fake
    assert tools.anvil_version(fake) == "anvil Version: 9.9.9 Commit SHA: abc"


def test_ranges_carry_the_running_sum_of_liquidity_net_and_skip_empty_intervals():
    ticks = [(-120, 5), (-60, 10), (0, -15), (60, 7), (120, -7)]
    assert ranges_from_ticks(ticks) == ((-120, -60, 5), (-60, 0, 15), (60, 120, 7))


def test_ranges_refuse_data_that_does_not_sum_to_zero():
    with pytest.raises(ValueError):
        ranges_from_ticks([(0, 5), (60, -4)])


def test_the_plan_seeds_every_uniswap_data_pool_once():
    plan = build_plan()
    data = [p for _, p in load_data_pools()]
    assert len(data) == 13
    from_data = [p for p in plan.v3 if p.expected_ticks]
    assert len(from_data) == 11  # 13 less the PancakeSwap pool and one duplicate pair/fee
    assert len(plan.skipped) == 2
    keys = [(p.token0, p.token1, p.fee) for p in plan.v3]
    assert len(keys) == len(set(keys))
    assert len(plan.v3) == 17 and len(plan.v2) == 10
    for pool in plan.v3:
        for lower, upper, liquidity in pool.ranges:
            assert lower < upper and liquidity > 0
            assert lower % pool.tick_spacing == 0 and upper % pool.tick_spacing == 0


def test_an_extra_fee_tier_sits_exactly_at_the_data_pools_mid_price():
    plan = build_plan()
    link_weth = {p.fee: p for p in plan.v3 if p.token0.startswith("0x5149") and p.token1.startswith("0xC02a")}
    assert link_weth[500].sqrt_price_x96 == link_weth[3000].sqrt_price_x96


def test_prices_come_out_in_usdc_base_units():
    prices = price_table([p for p in build_plan().v3 if p.expected_ticks])
    eth_usd = prices["WETH"] * 10**18 / 10**6
    assert Fraction(1000) < eth_usd < Fraction(10000)
    assert prices["DAI"] * 10**18 == 10**6


def test_create_addresses_match_anvils_first_deployments():
    deployer = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    assert create_address(deployer, 0) == "0x5FbDB2315678afecb367f032d93F642f64180aa3"
    assert create_address(deployer, 1) == "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"


def test_split_types_keeps_tuples_whole():
    assert split_types("address,(int24,int24,uint128)[],bytes") == [
        "address", "(int24,int24,uint128)[]", "bytes"]


def test_slim_dump_keeps_only_the_newest_block_and_no_transactions():
    state = {"block": {"number": "0x3"}, "accounts": {"0x01": {"nonce": 0}},
             "best_block_number": 3,
             "blocks": [{"header": {"number": "0x3"}, "transactions": [1, 2]},
                        {"header": {"number": "0x1"}, "transactions": [3]}],
             "transactions": [{"info": "big"}], "historical_states": None}
    raw = "0x" + gzip.compress(json.dumps(state).encode()).hex()
    slim = json.loads(slim_dump(raw))
    assert slim["blocks"] == [{"header": {"number": "0x3"}, "transactions": []}]
    assert slim["transactions"] == [] and slim["accounts"] == state["accounts"]


def test_profile_renders_as_toml_in_the_config_format():
    address = "0x" + "11" * 20
    deployment = {
        "contracts": {key: address for key in ("multicall3", "weth9", "swap_router02", "v2_factory",
                                               "v2_router02", "v3_factory", "quoter_v2", "tick_lens")},
        "init_code_hashes": {"v2_pair": "0x" + "22" * 32},
        "tokens": {"cbBTC": {"address": address, "decimals": 8}},
    }
    profile = tomllib.loads(render_profile(deployment, "http://127.0.0.1:1"))
    chain = profile["chains"]["devnet"]
    assert chain["chain_id"] == 31337 and chain["rpc_url"] == "http://127.0.0.1:1"
    assert chain["tokens"]["cbBTC"] == {"address": address, "decimals": 8}
    assert [d["kind"] for d in chain["dexes"]] == ["uniswap_v2", "uniswap_v3"]
    assert chain["dexes"][1]["fee_tiers"] == [100, 500, 3000, 10000]


def test_a_saved_state_is_reused_only_by_the_same_anvil_and_recipe(tmp_path, monkeypatch):
    from solver.devnet import state

    monkeypatch.setenv("SOLVER_HOME", str(tmp_path))
    folder = tmp_path / "devnet"
    folder.mkdir()
    (folder / "state.json").write_text("{}")
    (folder / "deployment.json").write_text("{}")
    state.write_json(state.meta_path(), {"anvil_version": "anvil 1", "recipe": state.recipe_hash()})
    assert state.reusable_state("anvil 1")
    assert not state.reusable_state("anvil 2")
    state.write_json(state.meta_path(), {"anvil_version": "anvil 1", "recipe": "built-by-older-code"})
    assert not state.reusable_state("anvil 1")
    assert state.saved_recipe() == "built-by-older-code"
