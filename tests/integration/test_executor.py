"""The executor on the devnet, simulation side: routes from the real router, encoded into one
SwapRouter02 transaction and executed on a fork, realize the quoted amounts hop by hop, to the
wei; the parent chain is untouched; gas and latency are measured."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from executor_support import ALICE, hop_deltas, pool_fingerprint, run_cli, swap_events
from solver.config import load_config
from solver.rpc import RpcClient

pytestmark = pytest.mark.integration

# Split, multi-hop, mixed V2/V3 and native routes; the big ones split over legs that share pools.
EXACT_IN_INTENTS = [
    "swap 10 WETH for USDC",
    "swap 1000 ETH for USDC",
    "swap 3 WBTC for DAI",
    "swap 250000 USDC for ETH",
    "swap 100 LINK for cbBTC",
    "swap 20000 DAI for WBTC",
]
EXACT_OUT_INTENTS = [
    "buy 2 WBTC with USDC",
    "buy 50 ETH with USDT",
    "buy 1000 UNI with ETH",
]


def _chain(devnet):
    return load_config(Path(devnet.profile_path)).chain()


async def _plan_and_simulate(devnet, text: str, *, sender: str, keep_fork: bool):
    from solver.commands.swap import make_plan
    from solver.engine import QuoteEngine
    from solver.intent import parse_intent
    from solver.simulate import simulate_trade
    from solver.tokens import TokenBook

    config = load_config(Path(devnet.profile_path))
    chain = config.chain()
    intent = parse_intent(text, tokens=TokenBook.from_chain(chain), defaults=config.defaults,
                          chains=tuple(config.chains))
    engine = QuoteEngine(chain, config.defaults)
    try:
        plan, quote = await make_plan(engine, chain, intent, sender=sender)
    finally:
        await engine.close()
    started = time.perf_counter()
    sim = await simulate_trade(plan, parent_url=chain.rpc_url, sender=sender, fund=True,
                               keep_fork=keep_fork)
    return quote, plan, sim, time.perf_counter() - started


def simulate_on_kept_fork(devnet, text: str):
    """(quote, plan, sim, fork receipt): the fork stays up just long enough to read the logs."""
    async def go():
        quote, plan, sim, _ = await _plan_and_simulate(devnet, text, sender=ALICE[0], keep_fork=True)
        try:
            async with RpcClient(sim.fork_url) as rpc:
                receipt = await rpc.call("eth_getTransactionReceipt", [sim.tx_hash])
        finally:
            os.kill(sim.fork_pid, signal.SIGTERM)
        return quote, plan, sim, receipt
    return asyncio.run(go())


def _check_hops(route, receipt) -> list[str]:
    """Every hop's quoted pool deltas against the pool's own Swap event, in execution order."""
    events = swap_events(receipt)
    problems = []
    if len(events) != route.hop_count:
        return [f"{len(events)} Swap events for {route.hop_count} hops"]
    cursor = 0
    for index, leg in enumerate(route.legs):
        chunk = {pool: (a0, a1) for pool, a0, a1 in events[cursor:cursor + len(leg.hops)]}
        cursor += len(leg.hops)
        for position, hop in enumerate(leg.hops):
            realized = chunk.get(hop.pool.address.lower())
            if realized != hop_deltas(hop):
                problems.append(f"leg {index} hop {position} pool {hop.pool.address}: "
                                f"quoted {hop_deltas(hop)} realized {realized}")
    return problems


@pytest.mark.parametrize("text", EXACT_IN_INTENTS + EXACT_OUT_INTENTS)
def test_quoted_hops_are_realized_to_the_wei(devnet, text):
    quote, plan, sim, receipt = simulate_on_kept_fork(devnet, text)
    route = quote.route
    assert sim.ok, sim.revert
    assert sim.meets_limit
    problems = _check_hops(route, receipt)
    assert problems == []
    assert (sim.amount_in, sim.amount_out) == (route.amount_in, route.amount_out)


def test_routes_cover_split_multihop_mixed_and_shared_pools(devnet):
    """Guard the shape coverage of the test above: the devnet router must still produce them."""
    quote, *_ = simulate_on_kept_fork(devnet, "swap 1000 ETH for USDC")
    legs = quote.route.legs
    pools = [h.pool.address for leg in legs for h in leg.hops]
    assert len(legs) > 1
    assert any(len(leg.hops) > 1 for leg in legs)
    assert len(set(pools)) < len(pools), "no two legs share a pool"
    assert any(len({h.pool.protocol for h in leg.hops}) > 1 for leg in legs), "no mixed V2/V3 leg"


def test_simulate_leaves_the_parent_chain_untouched(devnet, tmp_path):
    before = pool_fingerprint(devnet)
    run = run_cli("swap", "swap 1000 ETH for USDC", "--simulate", "--fund", "--json",
                  home=tmp_path, config=devnet.profile_path)
    assert run.code == 0, run.stderr
    body = run.json()
    assert body["simulation"]["ok"] is True
    assert body["simulation"]["amount_out"] == body["amount_out"]
    assert pool_fingerprint(devnet) == before


def test_simulate_as_a_real_holder_with_from(devnet, tmp_path, anvil_snapshot):
    """--from impersonates: the sender's real ETH pays, the approval is exact."""
    run = run_cli("swap", "swap 3 ETH for DAI", "--simulate", "--from", ALICE[0], "--json",
                  home=tmp_path, config=devnet.profile_path)
    assert run.code == 0, run.stderr
    sim = run.json()["simulation"]
    changes = sim["balance_changes"][ALICE[0]]
    assert changes["ETH"] == "-3000000000000000000"
    assert sim["approvals"] == []


def test_keep_fork_leaves_it_running(devnet, tmp_path):
    run = run_cli("swap", "swap 100 USDC for WETH", "--simulate", "--fund", "--keep-fork", "--json",
                  home=tmp_path, config=devnet.profile_path)
    assert run.code == 0, run.stderr
    sim = run.json()["simulation"]
    try:
        async def probe():
            async with RpcClient(sim["fork_url"]) as rpc:
                return await rpc.call("eth_getTransactionReceipt", [sim["tx_hash"]])
        receipt = asyncio.run(probe())
        assert int(receipt["status"], 16) == 1
        assert sim["approvals"][0]["amount"] == "100000000"  # exact, not max
    finally:
        os.kill(sim["fork_pid"], signal.SIGTERM)


def test_approve_max_is_opt_in(devnet, tmp_path):
    run = run_cli("swap", "swap 100 USDC for WETH", "--simulate", "--fund", "--approve-max", "--json",
                  home=tmp_path, config=devnet.profile_path)
    assert run.code == 0, run.stderr
    assert run.json()["simulation"]["approvals"][0]["amount"] == str(2**256 - 1)


def test_simulation_that_breaks_the_limit_exits_5(devnet, tmp_path, anvil_snapshot):
    """--from an account without the sell token: the router can't pull it (STF), exit 5."""
    run = run_cli("swap", "swap 100 USDC for WETH", "--simulate", "--from", ALICE[0], "--json",
                  home=tmp_path, config=devnet.profile_path)
    assert run.code == 5, run.stdout + run.stderr
    error = run.json()["error"]
    assert error["simulation"]["revert"]["reason"] == "STF"
    assert "pull the sell token" in error["hint"]


def test_gas_estimate_error_and_latency(devnet, capsys):
    """Report the router's gas estimate against gas used, and simulation latency with fork start."""
    rows = []
    for text in EXACT_IN_INTENTS + EXACT_OUT_INTENTS:
        quote, plan, sim, seconds = asyncio.run(_plan_and_simulate(devnet, text, sender=ALICE[0],
                                                                   keep_fork=False))
        rows.append((text, len(quote.route.legs), quote.route.hop_count, sim.gas_estimate, sim.gas_used,
                     sim.gas_error_pct, sim.timings_ms["fork_start"], sim.timings_ms["total"], seconds))
    with capsys.disabled():
        print("\nintent | legs | hops | estimate | used | error % | fork start ms | simulate ms | wall s")
        for row in rows:
            print(" | ".join(str(value) for value in row))
    errors = [abs(row[5]) for row in rows]
    assert max(errors) < 300, rows  # a report, not a gate: the gas model is routes/ (issue 4)
    assert max(row[7] for row in rows) < 5_000  # the goal is 1 s; a loaded CI box gets slack
