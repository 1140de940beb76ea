"""The executor on the devnet, send side: exact balances, a front-runner stopped by the on-chain
minimum (exit 5), no key anywhere in any output, and a process killed mid-send that never sends
twice on retry."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from executor_support import (ALICE, BOB, CAROL, StallingRelay, config_with_private_rpc,
                              erc20_balance, eth_balance, nonce_of, racer_swap_tx, run_cli,
                              start_cli)

pytestmark = pytest.mark.integration

SEND = ("--send", "--yes", "--private-key-env", "TRADER_KEY", "--json")


def key_env(account) -> dict:
    return {"TRADER_KEY": account[1]}


def fee_of(devnet, tx_hash: str) -> int:
    receipt = devnet.call("eth_getTransactionReceipt", [tx_hash])
    return int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)


def tokens(devnet, *symbols: str) -> list[str]:
    return [devnet.deployment["tokens"][s]["address"] for s in symbols]


def balances(devnet, holder: str, token_list: list[str]) -> dict[str, int]:
    out = {"ETH": eth_balance(devnet, holder)}
    out.update({t: erc20_balance(devnet, t, holder) for t in token_list})
    return out


@pytest.mark.parametrize("text", ["swap 2 ETH for USDC", "swap 1500 USDC for WBTC", "buy 1 ETH with USDC"])
def test_send_changes_balances_by_exactly_the_simulated_amounts(devnet, tmp_path, anvil_snapshot, text):
    weth, usdc, wbtc = tokens(devnet, "WETH", "USDC", "WBTC")
    if "ETH" not in text.split()[1]:  # the seller needs USDC first: buy it with a plain send
        prep = run_cli("swap", "swap 3 ETH for USDC", *SEND, home=tmp_path / "prep",
                       config=devnet.profile_path, env=key_env(ALICE))
        assert prep.code == 0, prep.stderr
    before = balances(devnet, ALICE[0], [weth, usdc, wbtc])
    run = run_cli("swap", text, *SEND, home=tmp_path, config=devnet.profile_path, env=key_env(ALICE))
    assert run.code == 0, run.stdout + run.stderr
    body = run.json()
    after = balances(devnet, ALICE[0], [weth, usdc, wbtc])
    simulated = {k: int(v) for k, v in body["simulation"]["balance_changes"][ALICE[0]].items()}
    fees = fee_of(devnet, body["tx_hash"]) + sum(fee_of(devnet, a["tx_hash"]) for a in body["approvals"])
    for token, delta in simulated.items():
        expected = delta - fees if token == "ETH" else delta
        assert after[token] - before[token] == expected, token
    realized = body["realized"]
    assert realized["balance_changes_excluding_gas"] == body["simulation"]["balance_changes"]
    assert (realized["amount_in"], realized["amount_out"]) == (body["amount_in"], body["amount_out"])
    # The router's gas estimate against the real swap (figures go to the closing note).
    assert body["receipt"]["gas_used"] == body["simulation"]["gas_used"]
    print(f"\n{text}: gas estimate {body['gas']['units']} used {body['receipt']['gas_used']} "
          f"({(body['receipt']['gas_used'] - body['gas']['units']) * 100 / body['gas']['units']:+.1f}%)")
    if body["approvals"]:
        assert [a["amount"] for a in body["approvals"]] == [body.get("max_amount_in", body["amount_in"])]


def test_front_runner_is_stopped_by_the_on_chain_minimum(devnet, tmp_path, anvil_snapshot):
    """Between quote and inclusion another trader dumps ETH into the same pool: the swap
    reverts on 'Too little received', the user keeps their funds, and solver exits 5."""
    weth, usdc = tokens(devnet, "WETH", "USDC")
    text = "swap 5 ETH for USDC via uniswap-v3 only, at most 1 hop, no split, max slippage 0.1%"
    usdc_before = erc20_balance(devnet, usdc, ALICE[0])
    nonce_before = nonce_of(devnet, ALICE[0])
    devnet.call("evm_setAutomine", [False])
    try:
        proc = start_cli("swap", text, *SEND, home=tmp_path, config=devnet.profile_path, env=key_env(ALICE))
        deadline = time.monotonic() + 60
        while nonce_of(devnet, ALICE[0], "pending") == nonce_before:  # our swap waits in the mempool
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the swap never reached the mempool"
            time.sleep(0.02)
        pool = next(p for p in devnet.deployment["pools"] if p["protocol"] == "uniswap_v3"
                    and {p["symbol0"], p["symbol1"]} == {"USDC", "WETH"} and p["fee"] == 500)
        devnet.call("eth_sendTransaction", [racer_swap_tx(
            devnet.deployment["contracts"]["swap_router02"], sender=BOB[0], token_in=weth, token_out=usdc,
            fee=pool["fee"], amount_in_wei=500 * 10**18, tip_wei=500 * 10**9)])
        devnet.call("evm_mine")
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        devnet.call("evm_setAutomine", [True])
    assert proc.returncode == 5, stdout + stderr
    error = json.loads(stdout)["error"]
    assert error["code"] == "reverted_onchain"
    assert error["revert"]["reason"] == "Too little received"
    assert error["receipt"]["status"] == 0
    assert erc20_balance(devnet, usdc, ALICE[0]) == usdc_before
    assert nonce_of(devnet, ALICE[0]) == nonce_before + 1  # one tx, reverted, nothing retried


def test_no_private_key_in_any_output_log_or_journal(devnet, tmp_path, anvil_snapshot):
    key = CAROL[1]
    env = key_env(CAROL)
    home = tmp_path / "home"
    forks_before = set(Path("/tmp").glob("solver-fork-*"))
    runs = [
        run_cli("swap", "swap 1 ETH for USDC", *SEND, home=home, config=devnet.profile_path, env=env),
        run_cli("swap", "swap 1 ETH for USDC", "--send", "--yes", "--private-key-env", "TRADER_KEY",
                "--debug", home=home, config=devnet.profile_path, env=env),
        # a failing send under --debug: traceback path, no locals
        run_cli("swap", "swap 1 WBTC for DAI", *SEND, "--debug", home=home, config=devnet.profile_path,
                env=env),
        # a damaged key and a key passed where the variable name belongs
        run_cli("swap", "swap 1 ETH for USDC", *SEND, home=home, config=devnet.profile_path,
                env={"TRADER_KEY": key[:-1] + "x"}),
        run_cli("swap", "swap 1 ETH for USDC", "--send", "--yes", "--private-key-env", key,
                home=home, config=devnet.profile_path),
        run_cli("swap", "swap 1 ETH for USDC", "--simulate", "--private-key-env", "TRADER_KEY",
                "--keep-fork", "--json", home=home, config=devnet.profile_path, env=env),
    ]
    kept = runs[5].json()["simulation"]
    try:
        fork_env = Path(f"/proc/{kept['fork_pid']}/environ").read_bytes()  # the child's environment
    finally:
        os.kill(kept["fork_pid"], signal.SIGTERM)
    assert runs[0].code == 0, runs[0].stderr
    assert runs[2].code != 0 and runs[3].code == 2 and runs[4].code == 2
    needles = [key.lower()[2:], key.lower()[2:-1]]
    texts = {f"run {i} {name}": getattr(run, name) for i, run in enumerate(runs) for name in ("stdout", "stderr")}
    texts["fork environ"] = fork_env.decode(errors="replace")
    for path in home.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode(errors="replace")
    for path in set(Path("/tmp").glob("solver-fork-*")) - forks_before:
        for file in path.rglob("*"):
            texts[str(file)] = file.read_bytes().decode(errors="replace")
    assert any("journal.json" in name for name in texts)
    leaks = [name for name, text in texts.items() if any(n in text.lower() for n in needles)]
    assert leaks == []


@pytest.mark.parametrize("mode", ["drop", "forward"])
def test_killed_mid_send_then_retried_never_sends_twice(devnet, tmp_path, anvil_snapshot, mode):
    """The send goes through a private endpoint that stalls. "drop": killed after journaling,
    before the tx reached the chain. "forward": killed after the chain got it. A retry settles
    the journaled tx (re-sending its very bytes at most) and signs nothing new."""
    usdc, = tokens(devnet, "USDC")
    nonce_before = nonce_of(devnet, ALICE[0])
    usdc_before = erc20_balance(devnet, usdc, ALICE[0])
    home = tmp_path / "home"
    with StallingRelay(devnet.url, mode) as relay:
        config = config_with_private_rpc(Path(devnet.profile_path), relay.url, tmp_path / "private.toml")
        proc = start_cli("swap", "swap 1 ETH for USDC", *SEND, home=home, config=config, env=key_env(ALICE))
        try:
            assert relay.received.wait(60), proc.communicate(timeout=5)
            if mode == "forward":
                assert relay.forwarded.wait(30)
            journal = json.loads((home / "journal" / "journal.json").read_text())
            [entry] = journal["entries"]
            assert entry["status"] == "signed"
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=30)
    on_chain = nonce_of(devnet, ALICE[0])
    assert on_chain == nonce_before + (1 if mode == "forward" else 0)
    retry = run_cli("swap", "swap 1 ETH for USDC", *SEND, home=home, config=devnet.profile_path,
                    env=key_env(ALICE))
    assert retry.code == 0, retry.stdout + retry.stderr
    body = retry.json()
    assert body["schema"] == "solver.swap_resume/1"
    [resumed] = body["resumed"]
    assert resumed["tx_hash"] == entry["tx_hash"] and resumed["status"] == "mined"
    assert nonce_of(devnet, ALICE[0]) == nonce_before + 1
    assert devnet.call("eth_getTransactionReceipt", [entry["tx_hash"]])["status"] == "0x1"
    usdc_once = erc20_balance(devnet, usdc, ALICE[0])
    assert usdc_once > usdc_before
    # A third run finds nothing unfinished; it would trade anew, which is the user's call.
    again = json.loads((home / "journal" / "journal.json").read_text())["entries"]
    assert [e["status"] for e in again] == ["mined"]


def test_second_send_while_one_is_in_flight_is_refused(devnet, tmp_path, anvil_snapshot):
    home = tmp_path / "home"
    with StallingRelay(devnet.url, "drop") as relay:
        config = config_with_private_rpc(Path(devnet.profile_path), relay.url, tmp_path / "private.toml")
        first = start_cli("swap", "swap 1 ETH for USDC", *SEND, home=home, config=config, env=key_env(ALICE))
        try:
            assert relay.received.wait(60)
            second = run_cli("swap", "swap 1 ETH for USDC", *SEND, home=home, config=devnet.profile_path,
                             env=key_env(ALICE))
        finally:
            first.send_signal(signal.SIGKILL)
            first.communicate(timeout=30)
    assert second.code == 7
    assert second.json()["error"]["code"] == "send_in_flight"


def test_declined_confirmation_sends_nothing(devnet, tmp_path, anvil_snapshot):
    nonce_before = nonce_of(devnet, ALICE[0])
    run = run_cli("swap", "swap 1 ETH for USDC", "--send", "--private-key-env", "TRADER_KEY",
                  home=tmp_path, config=devnet.profile_path, env=key_env(ALICE), stdin="n\n")
    assert run.code == 7, run.stderr
    assert "send this transaction? [y/N]" in run.stderr
    assert "declined" in run.stderr
    assert nonce_of(devnet, ALICE[0]) == nonce_before


def test_price_impact_over_the_limit_is_refused(devnet, tmp_path, anvil_snapshot):
    nonce_before = nonce_of(devnet, ALICE[0])
    run = run_cli("swap", "swap 20000 ETH for USDC", *SEND, home=tmp_path, config=devnet.profile_path,
                  env=key_env(ALICE))
    assert run.code == 7, run.stdout + run.stderr
    assert run.json()["error"]["code"] == "price_impact_over_limit"
    assert nonce_of(devnet, ALICE[0]) == nonce_before
