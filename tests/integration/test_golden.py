"""Golden --json outputs: what bots parse must not change by accident.

The devnet starts from the same saved state (block 3) every time, but other tests may mine
blocks on the shared session devnet; so the goldens run against an anvil fork of it pinned
at block 3. A fork takes its next base fee from the parent's newest block, and the router
weighs gas, so the fork then mines one empty block at a fixed base fee: the gas price, and so
the routes, are the same whatever ran before (they were not: the 10-WETH quote split in three
after the rest of the suite and in two alone). The JSON is then deterministic except
`block_age_s`. After an intended change, regenerate with SOLVER_UPDATE_GOLDEN=1 and review the
diff like code.
"""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from tests.cli.helpers import run_solver

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "quote_weth_usdc": (["quote", "swap 10 WETH for USDC", "--json"], 0),
    "quote_exact_out": (["quote", "buy 0.5 WBTC with USDT, max slippage 30 bps", "--json"], 0),
    "quote_two_hops": (["quote", "sell 5,000 LINK for WBTC, at most 2 hops, no split", "--json"], 0),
    "parse_full": (["parse", "buy 0.1 WBTC using USDT paying at most 9,000 USDT, avoid uniswap-v2, "
                    "within 90 seconds, max gas 30 gwei", "--json"], 0),
    "error_unknown_token": (["quote", "swap 1 WETH for USDX", "--json"], 2),
    "error_no_route": (["quote", "swap 1 UNI for cbBTC, at most 1 hop", "--json"], 3),
    "error_liquidity": (["quote", "buy 1b USDC with WETH", "--json"], 3),
}


SEED_BLOCK = 3  # the block every devnet starts at (deployment.json's block_number)
BASE_FEE_WEI = 765_625_001  # block 3's base fee on a fresh devnet; the quotes read block 4


@pytest.fixture(scope="module")
def fork_at_seed(devnet):
    from solver.fork import start_fork
    from solver.rpc import run

    assert devnet.deployment["block_number"] == SEED_BLOCK
    fork = run(start_fork(devnet.url, SEED_BLOCK))
    try:
        on_fork = replace(devnet, url=fork.url)  # the devnet fixture's RPC helpers, on the fork
        on_fork.call("anvil_setNextBlockBaseFeePerGas", [hex(BASE_FEE_WEI)])
        on_fork.call("evm_mine")
        yield fork.url
    finally:
        fork.stop()


def stable(out: dict) -> dict:
    """Drop what depends on the moment, not on the code: the read's age, and the gas price
    (an anvil fork takes its next base fee from the parent's newest block, which other tests
    move). Gas units, amounts, routes and the arithmetic tying them together stay checked."""
    out.pop("block_age_s", None)
    gas = out.get("gas")
    if gas:
        price, cost = int(gas.pop("price_wei")), gas.pop("cost_in_buy_token")
        sell_cost = gas.pop("cost_in_sell_token", None)
        assert price > 0
        if "net_amount_out" in out:
            assert int(out.pop("net_amount_out")) == int(out["amount_out"]) - int(cost)
        if "net_amount_in" in out:
            assert int(out.pop("net_amount_in")) == int(out["amount_in"]) + int(sell_cost)
    return out


@pytest.mark.parametrize("name", list(CASES))
def test_golden_json(fork_at_seed, name):
    args, code = CASES[name]
    result = run_solver(*args, "--rpc", fork_at_seed)
    assert result.code == code, result.stderr
    got = stable(result.json())
    path = GOLDEN / f"{name}.json"
    if os.environ.get("SOLVER_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(got, indent=1, sort_keys=True) + "\n")
    assert got == json.loads(path.read_text()), f"{name}: JSON changed; see {path}"
