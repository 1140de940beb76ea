"""The manipulation guard on the devnet: push the V2 USDC/WETH pair's price with real
transactions (USDC minted into the pair, then sync()) and watch the quote."""

from __future__ import annotations

import pytest

from solver import abi
from tests.cli.helpers import run_solver

pytestmark = pytest.mark.integration

INTENT = "swap 10 WETH for USDC"


def v2_pair(deployment: dict) -> str:
    return next(p["address"] for p in deployment["pools"] if p["protocol"] == "uniswap_v2"
                and {p["symbol0"], p["symbol1"]} == {"USDC", "WETH"})


def push_price(devnet, *, extra_usdc_bps: int) -> str:
    """Make the pair pay extra_usdc_bps more USDC per WETH: mint USDC into it and sync()."""
    pair = v2_pair(devnet.deployment)
    usdc = devnet.deployment["tokens"]["USDC"]["address"]
    sender = devnet.deployment["deployer"]
    reserves = bytes.fromhex(devnet.call("eth_call", [
        {"to": pair, "data": "0x" + abi.GET_RESERVES.hex()}, "latest"])[2:])
    usdc_reserve = abi.uint_at(reserves, 0 if int(usdc, 16) < int(devnet.deployment["tokens"]["WETH"]["address"], 16) else 1)
    mint = abi.encode_call(abi.selector("mint(address,uint256)"), pair, usdc_reserve * extra_usdc_bps // 10_000)
    for to, data in ((usdc, mint), (pair, abi.selector("sync()"))):
        receipt = devnet.transact({"from": sender, "to": to, "data": "0x" + data.hex()})
        assert receipt["status"] == "0x1"
    return pair


def quote() -> dict:
    result = run_solver("quote", INTENT, "--json")
    assert result.code == 0, result.stdout + result.stderr
    return result.json()


def pools_used(out: dict) -> set[str]:
    return {hop["pool"] for leg in out["routes"] for hop in leg["hops"]}


def warning_for(out: dict, pool: str) -> dict | None:
    return next((w for w in out["warnings"] if w["pool"] == pool), None)


def test_a_pool_pushed_far_off_is_excluded_and_reported(devnet, anvil_snapshot):
    pair = push_price(devnet, extra_usdc_bps=20_000)  # 3x the USDC: WETH looks 3x dearer there
    out = quote()
    warning = warning_for(out, pair)
    assert warning is not None and warning["excluded"] and not warning["in_route"]
    assert warning["deviation_bps"] > 15_000
    assert pair not in pools_used(out)
    # The quote is what the honest market pays, not the bait: about 2,700 USDC per WETH.
    assert 2_500 * 10 * 10**6 < int(out["amount_out"]) < 2_900 * 10 * 10**6


def test_a_pool_somewhat_off_is_reported_but_still_routable(devnet, anvil_snapshot):
    pair = push_price(devnet, extra_usdc_bps=1_000)  # 10% off: a warning, not an exclusion
    out = quote()
    warning = warning_for(out, pair)
    assert warning is not None and not warning["excluded"]
    assert 900 <= warning["deviation_bps"] <= 1_100
    assert warning["in_route"] == (pair in pools_used(out))


def test_the_untouched_devnet_only_flags_its_two_stale_0_01_pct_pools(devnet):
    """The devnet's 0.01% USDC/WETH and WETH/USDT pools were rebuilt from another mainnet block
    and sit 30-42% off the rest: the guard excludes them, and nothing else."""
    out = quote()
    flagged = [w for w in out["warnings"]]
    assert len(flagged) == 1 and flagged[0]["excluded"] and flagged[0]["deviation_bps"] > 3_000
    human = run_solver("quote", INTENT)
    assert human.code == 0 and human.stderr.count("warning: USDC/WETH pool") == 1
