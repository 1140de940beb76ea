"""The fault matrix: `solver quote --json` as a real subprocess, through a fault-injecting proxy
in front of anvil, once per fault of tests/faults/catalog.py.

Every case must give exactly the fault-free answer (same amounts, routes, block and gas) or
exit 4 with one clear line. Never exit 0 with another number, never exit 1, never a
traceback. The cases run concurrently (each has its own proxy, and the chain-moving ones
their own anvil fork), so the whole matrix takes well under a minute.
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

from solver import abi
from solver.fork import start_fork
from tests.cli.helpers import run_solver
from tests.faults.catalog import TIMEOUT_S, Case, all_cases, result_of
from tests.faults.proxy import Fault, FaultProxy

pytestmark = pytest.mark.integration

INTENT = "swap 10 WETH for USDC"
WORKERS = 4
FORK_TIMEOUT_S = 30.0
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
MOVER = "0x000000000000000000000000000000000000dEaD"  # any sender: forks auto-impersonate
MOVE_BPS = 400


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str
    injected: int
    requests: int

    def answer(self) -> dict:
        out = json.loads(self.stdout)
        out.pop("block_age_s", None)  # wall-clock age: the one field allowed to differ
        return out


def quote_through(upstream: str, fault: Fault | None, *, human: bool = False,
                  timeout_s: float = TIMEOUT_S) -> Outcome:
    with FaultProxy(upstream, fault, lifetime_s=90) as proxy:
        args = ["quote", INTENT, "--rpc", proxy.url] + ([] if human else ["--json"])
        result = run_solver(*args, env={"SOLVER_RPC_TIMEOUT_S": str(timeout_s)}, timeout=80)
        return Outcome(result.code, result.stdout, result.stderr, proxy.injected, len(proxy.seen))


def v2_pair(deployment: dict, a: str, b: str) -> str:
    return next(p["address"] for p in deployment["pools"] if p["protocol"] == "uniswap_v2"
                and {p["symbol0"], p["symbol1"]} == {a, b})


def make_chain_mover(pair: str, usdc: str):
    """A `before` hook that moves the chain for real, once: two transactions in two new blocks
    mint USDC into the V2 USDC/WETH pair and sync() it, so it pays 4% more USDC per WETH
    than the rest of the market (under the manipulation guard's 5%: the router takes it). A
    quote that read any state after this would come out different."""
    async def transact(proxy: FaultProxy, to: str, data: bytes) -> None:
        tx_hash = await proxy.upstream_call("eth_sendTransaction", [{
            "from": MOVER, "to": to, "data": "0x" + data.hex(), "gas": hex(300_000),
            "maxFeePerGas": "0x0", "maxPriorityFeePerGas": "0x0"}])
        for _ in range(500):  # anvil answers before it has mined the block
            receipt = await proxy.upstream_call("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                assert receipt["status"] == "0x1", receipt
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"no receipt for {tx_hash}")

    async def move(proxy: FaultProxy) -> None:
        if getattr(proxy, "moved", False):
            return
        proxy.moved = True
        reserves = await proxy.upstream_call("eth_call", [
            {"to": pair, "data": "0x" + abi.GET_RESERVES.hex()}, "latest"])
        usdc_reserve = abi.uint_at(bytes.fromhex(reserves[2:]), 0 if int(usdc, 16) < int(WETH, 16) else 1)
        await transact(proxy, usdc, abi.encode_call(abi.selector("mint(address,uint256)"), pair,
                                                    usdc_reserve * MOVE_BPS // 10_000))
        await transact(proxy, pair, abi.selector("sync()"))
    return move


def run_case(case: Case, *, devnet_url: str, head_block: int) -> Outcome:
    if not case.chain_moves:
        return quote_through(devnet_url, case.fault)
    fork = asyncio.run(start_fork(devnet_url, head_block))
    try:
        # A fork serves the pinned block's state from its parent, slot by slot: slow, and
        # these cases are about consistency, not timeouts.
        return quote_through(fork.url, case.fault, timeout_s=FORK_TIMEOUT_S)
    finally:
        fork.stop()


@pytest.fixture(scope="module")
def matrix(devnet):
    head_block = int(devnet.call("eth_blockNumber"), 16)
    baseline = quote_through(devnet.url, None)
    assert baseline.code == 0, baseline.stdout + baseline.stderr
    direct = run_solver("quote", INTENT, "--json", "--rpc", devnet.url)
    assert json.loads(direct.stdout) | {"block_age_s": 0} == json.loads(baseline.stdout) | {"block_age_s": 0}
    fork_baseline = run_case(Case(Fault("none", times=0), "same", chain_moves=True),
                             devnet_url=devnet.url, head_block=head_block)
    assert fork_baseline.code == 0, fork_baseline.stdout + fork_baseline.stderr
    mover = make_chain_mover(v2_pair(devnet.deployment, "USDC", "WETH"),
                             devnet.deployment["tokens"]["USDC"]["address"])
    cases = all_cases(head_block=head_block, move_chain=mover)
    with ThreadPoolExecutor(WORKERS) as pool:
        outcomes = list(pool.map(lambda c: run_case(c, devnet_url=devnet.url, head_block=head_block),
                                 cases))
    assert int(devnet.call("eth_blockNumber"), 16) == head_block  # the devnet itself never moved
    return {"baseline": baseline.answer(), "fork_baseline": fork_baseline.answer(),
            "results": {case.name: (case, outcome) for case, outcome in zip(cases, outcomes)},
            "mover": mover, "head_block": head_block}


CASE_NAMES = [c.name for c in all_cases(head_block=0, move_chain=None)]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_fault(matrix, name):
    case, outcome = matrix["results"][name]
    detail = f"{name}: exit {outcome.code}\nstdout: {outcome.stdout[:800]}\nstderr: {outcome.stderr[:800]}"
    assert outcome.injected >= 1, f"{name}: the fault never fired"
    assert "Traceback" not in outcome.stdout + outcome.stderr, detail
    assert outcome.code in (0, 4), detail
    if outcome.code == 0:
        expected = matrix["fork_baseline"] if case.chain_moves else matrix["baseline"]
        assert outcome.answer() == expected, "exit 0 with a different answer!\n" + detail
    else:
        error = json.loads(outcome.stdout)["error"]
        assert error["exit_code"] == 4 and "\n" not in error["message"], detail
        assert len(error["message"]) < 300, detail
        if case.error_code:
            assert error["code"] == case.error_code, detail
    assert outcome.code == (0 if case.expect == "same" else 4), detail


def test_the_chain_move_changes_the_answer(matrix, devnet):
    """The chain-moving cases prove something only if the move matters: after it, a fresh
    quote differs from the one at the pinned block."""
    fork = asyncio.run(start_fork(devnet.url, matrix["head_block"]))
    try:  # the move runs before the quote's first request, so the quote sees the new block
        moved = quote_through(fork.url, Fault("move first", before=matrix["mover"]),
                              timeout_s=FORK_TIMEOUT_S)
    finally:
        fork.stop()
    assert moved.code == 0, moved.stdout + moved.stderr
    after = moved.answer()
    assert after["block_number"] == matrix["head_block"] + 2
    assert after["amount_out"] != matrix["fork_baseline"]["amount_out"]


@pytest.mark.parametrize("fault", [
    Fault("drop always", "drop", times=None),
    Fault("wrong chain id", rewrite_response=result_of("eth_chainId", lambda _r: "0x1"), times=None),
], ids=["drop", "wrong-chain-id"])
def test_human_output_is_one_clear_line_and_a_hint(devnet, fault):
    outcome = quote_through(devnet.url, fault, human=True)
    assert outcome.code == 4 and outcome.stdout == ""
    lines = outcome.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and len(lines) <= 2, outcome.stderr
    assert all(line.startswith(("error: ", "hint: ")) for line in lines), outcome.stderr


def test_failover_to_the_next_url_gives_the_same_answer(matrix, devnet, tmp_path):
    """Two URLs in the config, the first one always failing (500, then dropped): the quote
    comes from the second, identical to the fault-free one."""
    for bad in (Fault("500 always", "status", status=500, times=None),
                Fault("drop always", "drop", times=None)):
        with FaultProxy(devnet.url, bad) as broken, FaultProxy(devnet.url, None) as healthy:
            lines = devnet.profile_path.read_text().splitlines()
            at = next(i for i, line in enumerate(lines) if line.startswith("rpc_url = "))
            lines[at] = f'rpc_urls = ["{broken.url}", "{healthy.url}"]'
            config = tmp_path / "failover.toml"
            config.write_text("\n".join(lines) + "\n")
            result = run_solver("quote", INTENT, "--json", "--config", str(config),
                                env={"SOLVER_RPC_TIMEOUT_S": str(TIMEOUT_S)})
        assert result.code == 0, result.stdout + result.stderr
        answer = json.loads(result.stdout)
        answer.pop("block_age_s")
        assert answer == matrix["baseline"] and broken.injected >= 1 and healthy.seen


def header_of_the_quote_block(payload) -> bool:
    items = payload if isinstance(payload, list) else [payload]
    return any(i.get("method") == "eth_getBlockByNumber" and i["params"][0] != "0x0" for i in items)


def test_quote_from_with_a_malformed_block_header_exits_4(devnet):
    fault = Fault("block header is a string", times=None, match=header_of_the_quote_block,
                  rewrite_response=result_of("eth_getBlockByNumber", lambda _r: "0x1"))
    with FaultProxy(devnet.url, fault) as proxy:
        result = run_solver("quote", INTENT, "--json", "--rpc", proxy.url,
                            "--from", "0x000000000000000000000000000000000000dEaD")
    assert proxy.injected >= 1
    assert result.code == 4, result.stdout + result.stderr
