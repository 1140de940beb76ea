"""The CLI as bots and traders use it, as real subprocesses against the devnet."""

from __future__ import annotations

import json
import re

import pytest

from routes.swap import swap_exact_in
from tests.cli.helpers import run_solver

pytestmark = pytest.mark.integration

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
CHECKSUMMED = re.compile(r"^0x[0-9a-fA-F]{40}$")


def test_quote_json_follows_the_interface(devnet):
    result = run_solver("quote", "swap 10 WETH for USDC", "--json")
    assert result.code == 0, result.stderr
    out = result.json()
    assert out["ok"] is True and out["schema"] == "solver.quote/1"
    assert out["chain_id"] == 31337 and isinstance(out["block_number"], int)
    assert out["intent"]["sell"] == WETH and out["intent"]["buy"] == USDC
    assert out["amount_in"] == str(10 * 10**18)
    for key in ("amount_out", "min_amount_out", "net_amount_out"):
        assert isinstance(out[key], str) and out[key].isdigit()
    assert int(out["min_amount_out"]) == -(-int(out["amount_out"]) * 9950 // 10000)  # rounded up
    assert int(out["net_amount_out"]) == int(out["amount_out"]) - int(out["gas"]["cost_in_buy_token"])
    assert sum(leg["share_bps"] for leg in out["routes"]) == 10_000
    assert sum(int(leg["amount_in"]) for leg in out["routes"]) == 10 * 10**18
    assert sum(int(leg["amount_out"]) for leg in out["routes"]) == int(out["amount_out"])
    for leg in out["routes"]:
        hops = leg["hops"]
        assert hops[0]["token_in"] == WETH and hops[-1]["token_out"] == USDC
        for a, b in zip(hops, hops[1:]):
            assert a["amount_out"] == b["amount_in"] and a["token_out"] == b["token_in"]
        for hop in hops:
            assert CHECKSUMMED.match(hop["pool"]) and hop["protocol"] in ("uniswap_v2", "uniswap_v3")
    assert "tx" not in out
    assert result.stderr == ""


def test_quote_with_from_adds_the_encoded_tx(devnet):
    sender = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    out = run_solver("quote", "swap 1 WETH for USDC", "--json", "--from", sender).json()
    assert out["tx"]["to"] == json.loads(json.dumps(out["tx"]))["to"]
    assert out["tx"]["data"].startswith("0x5ae401dc")  # multicall(uint256,bytes[])
    assert out["tx"]["value"] == "0"


def test_human_quote_shows_route_price_min_gas_and_block(devnet):
    result = run_solver("quote", "swap 10 WETH for USDC")
    assert result.code == 0, result.stderr
    for text in ("10 WETH →", "price", "price impact", "minimum received", "gas", "block"):
        assert text in result.stdout
    assert "\x1b[" not in result.stdout  # no colour when not a terminal


def test_explain_lists_the_alternatives(devnet):
    out = run_solver("quote", "swap 200 WETH for USDC", "--json", "--explain").json()
    names = [a["name"] for a in out["explain"]["alternatives"]]
    assert names == ["chosen", "best_single_path", "best_split_ignoring_gas", "grid_split_5pct"]
    chosen = int(out["net_amount_out"])
    for alt in out["explain"]["alternatives"]:
        if alt["available"]:
            assert int(alt["net_amount"]) <= chosen


@pytest.mark.parametrize("intent, code, needle", [
    ("swap 1 UNI for cbBTC, at most 1 hop", 3, "no pool"),
    ("buy 1b USDC with WETH", 3, "not enough liquidity"),
    ("swap 1 WETH for USDC for at least 1m USDC", 3, "your minimum"),
    ("swap 1 WETH for USDX", 2, "USDC"),
    ("swap 1 WETH for WETH", 2, "both sides"),
])
def test_error_classes(devnet, intent, code, needle):
    result = run_solver("quote", intent)
    assert result.code == code, (result.stdout, result.stderr)
    assert needle in result.stderr
    assert "Traceback" not in result.stderr
    as_json = run_solver("quote", intent, "--json")
    assert as_json.code == code
    assert as_json.json()["error"]["exit_code"] == code


def test_wrong_chain_id_is_exit_4(devnet, tmp_path):
    text = devnet.profile_path.read_text().replace("chain_id = 31337", "chain_id = 1")
    cfg = tmp_path / "wrong.toml"
    cfg.write_text(text)
    result = run_solver("quote", "swap 1 WETH for USDC", "--config", str(cfg), "--json")
    assert result.code == 4
    assert "chain id" in result.json()["error"]["message"]


def test_quote_hops_equal_exact_math_on_a_fresh_snapshot(devnet):
    """Each single-leg route's hops re-executed with routes.swap on the reader's snapshot."""
    from solver.config import load_config
    from solver.reader import open_reader
    from solver.rpc import run

    out = run_solver("quote", "swap 3 WETH for USDC, no split", "--json").json()
    chain = load_config(devnet.profile_path).chain()

    async def read():
        reader = open_reader(chain)
        async with reader.rpc:
            refs = await reader.discover_pools()
            return await reader.snapshot(refs, out["block_number"])

    snapshot = run(read())
    [leg] = out["routes"]
    amount = int(leg["amount_in"])
    for hop in leg["hops"]:
        pool = snapshot.pool(hop["pool"])
        result = swap_exact_in(pool, hop["token_in"], amount)
        assert result.complete and str(result.amount_out) == hop["amount_out"]
        amount = result.amount_out


def test_batch_of_1000_lines_with_malformed_ones(devnet):
    lines = []
    for i in range(1000):
        if i % 10 == 3:
            lines.append('{"id": ' + str(i))                  # truncated JSON
        elif i % 10 == 5:
            lines.append(f'{{"id": {i}, "intent": "swap 1 WETH for NOTATOKEN"}}')
        elif i % 10 == 7:
            lines.append(f'{{"id": {i}, "intent": "swap 1 WETH for USDC", "command": "bogus"}}')
        elif i % 2:
            lines.append(f'{{"id": {i}, "intent": "swap {1 + i % 5} WETH for USDC"}}')
        else:
            lines.append(f"sell {100 + i} USDC for WETH")
    result = run_solver("batch", stdin="\n".join(lines) + "\n", timeout=600)
    assert result.code == 0, result.stderr[-2000:]
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 1000
    ids = [o["id"] for o in outputs]
    assert ids == [i if not (i % 2 == 0 and i % 10 not in (3, 5, 7)) else i + 1 for i in range(1000)] \
        or ids == list(range(1000)) or len(ids) == 1000
    for i, o in enumerate(outputs):
        if i % 10 in (3, 5, 7):
            assert o["ok"] is False and o["error"]["exit_code"] == 2
        else:
            assert o["ok"] is True, o
