"""Hostile tokens on the devnet: deployed here, paired with WETH in V2 pairs (and one V3 pool),
quoted by the real CLI, and found out by `solver quote --check-tokens` through simulation.

Tokens (tests/integration/contracts/HostileTokens.sol): FOT takes 1% of every transfer, REB
rebases down 1% a day, BLK refuses one address, NRT returns nothing from transfer (USDT-style:
fine for Uniswap), FLS returns false, DRV's decimals() reverts, NDC has no decimals().
The module runs on an evm_snapshot of the devnet and reverts it at the end.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path

import pytest
from eth_abi import encode as abi_encode

from solver import abi
from solver.config import load_config
from solver.devnet.compile import compile_sources
from solver.errors import UsageError
from solver.reader import open_reader
from tests.cli.helpers import run_solver

pytestmark = pytest.mark.integration

SOURCE = Path(__file__).parent / "contracts" / "HostileTokens.sol"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
BLACKLISTED = "0x000000000000000000000000000000000000bEEF"
CLEAN_SENDER = "0x000000000000000000000000000000000000Cafe"
TOKEN_SUPPLY = 1_000_000 * 10**18   # per pair: 10,000 tokens per WETH
WETH_SUPPLY = 100 * 10**18
CONTRACTS = {"FOT": ("FeeOnTransferToken", ["uint256"], [100]),
             "REB": ("RebasingToken", ["uint256"], [100]),
             "BLK": ("BlacklistToken", [], []),
             "NRT": ("NoReturnToken", [], []),
             "FLS": ("FalseReturnToken", [], []),
             "DRV": ("DecimalsRevertToken", [], []),
             "NDC": ("NoDecimalsToken", [], [])}


class Deployer:
    def __init__(self, devnet) -> None:
        self.devnet = devnet
        self.sender = devnet.deployment["deployer"]

    def send(self, to: str | None, data: bytes, value: int = 0) -> dict:
        tx = {"from": self.sender, "data": "0x" + data.hex(), "gas": hex(8_000_000),
              "value": hex(value)}
        if to is not None:
            tx["to"] = to
        receipt = self.devnet.transact(tx)
        assert receipt["status"] == "0x1", receipt
        return receipt

    def call(self, to: str, data: bytes) -> bytes:
        return bytes.fromhex(self.devnet.call("eth_call", [{"to": to, "data": "0x" + data.hex()},
                                                           "latest"])[2:])

    def fn(self, to: str, signature: str, types: list[str], values: list, value: int = 0) -> dict:
        return self.send(to, abi.selector(signature) + abi_encode(types, values), value)


def seed_v2(d: Deployer, factory: str, token: str) -> str:
    """A WETH pair holding TOKEN_SUPPLY of the token, minted straight into it (so even a
    token whose transfer is broken gets a pool)."""
    d.fn(factory, "createPair(address,address)", ["address", "address"], [token, WETH])
    pair = "0x" + d.call(factory, abi.encode_call(abi.GET_PAIR, token, WETH))[-20:].hex()
    d.fn(token, "mint(address,uint256)", ["address", "uint256"], [pair, TOKEN_SUPPLY])
    d.fn(WETH, "transfer(address,uint256)", ["address", "uint256"], [pair, WETH_SUPPLY])
    d.fn(pair, "mint(address)", ["address"], [d.sender])
    return pair


def seed_v3(d: Deployer, factory: str, seeder: str, token: str) -> None:
    """A full-range 0.3% pool at the same price as the V2 pair, through the devnet seeder."""
    d.fn(token, "mint(address,uint256)", ["address", "uint256"], [seeder, 2 * TOKEN_SUPPLY])
    d.fn(WETH, "transfer(address,uint256)", ["address", "uint256"], [seeder, 2 * WETH_SUPPLY])
    token_is_0 = int(token, 16) < int(WETH, 16)
    price = WETH_SUPPLY / TOKEN_SUPPLY if token_is_0 else TOKEN_SUPPLY / WETH_SUPPLY
    sqrt_price = int(math.sqrt(price) * (1 << 96))
    d.fn(seeder, "createV3Pool(address,address,address,uint24,uint160)",
         ["address", "address", "address", "uint24", "uint160"],
         [factory, token, WETH, 3000, sqrt_price])
    pool = "0x" + d.call(factory, abi.encode_call(abi.GET_POOL, token, WETH, 3000))[-20:].hex()
    liquidity = math.isqrt(TOKEN_SUPPLY * WETH_SUPPLY)
    d.fn(seeder, "mintV3(address,address,(int24,int24,uint128)[])",
         ["address", "address", "(int24,int24,uint128)[]"],
         [pool, d.sender, [(-887220, 887220, liquidity)]])


@pytest.fixture(scope="module")
def hostile(devnet, tmp_path_factory):
    snapshot = devnet.call("evm_snapshot")
    try:
        artifacts = compile_sources({SOURCE.name: SOURCE.read_text()})
        d = Deployer(devnet)
        contracts = devnet.deployment["contracts"]
        d.send(WETH, bytes.fromhex("d0e30db0"), value=20 * WETH_SUPPLY)  # WETH.deposit()
        tokens = {}
        for symbol, (name, types, args) in CONTRACTS.items():
            code = bytes.fromhex(artifacts[name].bytecode[2:]) + abi_encode(types, args)
            tokens[symbol] = d.send(None, code)["contractAddress"]
        from solver.addresses import to_checksum

        tokens = {s: to_checksum(a) for s, a in tokens.items()}
        for symbol in ("FOT", "REB", "BLK", "NRT", "FLS", "DRV"):
            seed_v2(d, contracts["v2_factory"], tokens[symbol])
        seed_v3(d, contracts["v3_factory"], contracts["seeder"], tokens["NRT"])
        d.fn(tokens["BLK"], "setBlacklisted(address,bool)", ["address", "bool"], [BLACKLISTED, True])
        config = write_config(devnet.profile_path, tmp_path_factory.mktemp("hostile"), tokens)
        yield {"tokens": tokens, "config": config}
    finally:
        devnet.call("evm_revert", [snapshot])


def write_config(profile: Path, where: Path, tokens: dict[str, str]) -> Path:
    """The devnet profile plus the hostile tokens (DRV with decimals from the config, since
    its own decimals() reverts; NDC is left out: it is only ever named by address)."""
    lines = profile.read_text().splitlines()
    at = lines.index("[chains.devnet.tokens]") + 1
    extra = [f'{s} = {{ address = "{a}", decimals = 18 }}' for s, a in tokens.items() if s != "NDC"]
    path = where / "config.toml"
    path.write_text("\n".join(lines[:at] + extra + lines[at:]) + "\n")
    return path


def quote(hostile, intent: str, *extra: str):
    return run_solver("quote", intent, "--json", "--config", str(hostile["config"]), *extra)


def checked(hostile, intent: str, *extra: str):
    result = quote(hostile, intent, "--check-tokens", *extra)
    assert "Traceback" not in result.stdout + result.stderr, result.stdout + result.stderr
    return result, json.loads(result.stdout)


def test_every_hostile_token_gets_a_pool_and_a_plain_quote(hostile):
    """Without --check-tokens the pool math quotes them like any token: that number is the
    lie the checks below catch."""
    for symbol in ("FOT", "REB", "BLK", "NRT", "FLS", "DRV"):
        result = quote(hostile, f"swap 1 WETH for {symbol}")
        assert result.code == 0, result.stdout + result.stderr
        out = result.json()
        assert int(out["amount_out"]) > 9_000 * 10**18
        assert out["buy_token"]["address"] == hostile["tokens"][symbol]


def finding_kinds(error: dict) -> dict[str, str]:
    return {f["kind"]: f["symbol"] for f in error["token_checks"]["findings"] if f["severity"] == "hostile"}


def test_fee_on_transfer_is_found_by_simulation_with_its_shortfall(hostile):
    result, out = checked(hostile, "swap 1 WETH for FOT")
    assert result.code == 5, result.stdout
    error = out["error"]
    assert error["code"] == "hostile_token" and "FOT" in error["message"]
    assert hostile["tokens"]["FOT"] in error["message"] and "1.00%" in error["message"]
    checks = error["token_checks"]
    assert finding_kinds(error) == {"fee_on_transfer": "FOT"}
    fee = next(f for f in checks["findings"] if f["kind"] == "fee_on_transfer")
    assert fee["bps"] == 100
    # The swap itself, run with no minimum, delivers 1% less than the quote said.
    quoted, realized = int(checks["quoted_amount_out"]), int(checks["realized_amount_out"])
    assert realized == quoted - quoted // 100 or abs(realized - quoted * 99 // 100) <= 1
    assert checks["shortfall_bps"] == 100
    assert "bps short" in error["message"]


def test_rebasing_is_found_by_letting_a_day_pass_on_the_fork(hostile):
    result, out = checked(hostile, "swap 1 WETH for REB")
    assert result.code == 5, result.stdout
    error = out["error"]
    assert finding_kinds(error) == {"rebasing": "REB"} and "REB" in error["message"]
    rebase = next(f for f in error["token_checks"]["findings"] if f["kind"] == "rebasing")
    assert -101 <= rebase["bps"] <= -99  # 1% a day, down


def test_a_blacklisted_recipient_is_refused_and_named(hostile):
    result, out = checked(hostile, "swap 1 WETH for BLK", "--from", BLACKLISTED)
    assert result.code == 5, result.stdout
    error = out["error"]
    assert finding_kinds(error) == {"transfer_reverts": "BLK"}
    assert "Blacklisted" in error["message"] and BLACKLISTED in error["message"]
    assert error["token_checks"]["realized_amount_out"] is None
    assert "reverted" in error["token_checks"]["swap_note"]


def test_the_same_blacklisting_token_is_clean_for_anyone_else(hostile):
    result, out = checked(hostile, "swap 1 WETH for BLK", "--from", CLEAN_SENDER)
    assert result.code == 0, result.stdout
    checks = out["token_checks"]
    assert checks["findings"] == [] and checks["shortfall_bps"] == 0
    assert checks["realized_amount_out"] == out["amount_out"]


def test_a_token_without_a_return_value_is_a_warning_and_trades_exactly(hostile):
    result, out = checked(hostile, "swap 1 WETH for NRT")
    assert result.code == 0, result.stdout
    checks = out["token_checks"]
    assert [f["kind"] for f in checks["findings"]] == ["no_return_value"]
    assert checks["realized_amount_out"] == out["amount_out"]
    assert any(w["code"] == "no_return_value" for w in out["warnings"])


def test_a_transfer_that_returns_false_is_hostile_and_the_swap_reverts(hostile):
    result, out = checked(hostile, "swap 1 WETH for FLS")
    assert result.code == 5, result.stdout
    error = out["error"]
    assert finding_kinds(error) == {"transfer_returns_false": "FLS"}
    assert error["token_checks"]["realized_amount_out"] is None


def test_decimals_that_revert_is_a_warning_when_the_config_gives_them(hostile):
    result, out = checked(hostile, "swap 1 WETH for DRV")
    assert result.code == 0, result.stdout
    assert [f["kind"] for f in out["token_checks"]["findings"]] == ["decimals_unreadable"]
    assert "no decimals here" in out["token_checks"]["findings"][0]["detail"]


def test_a_clean_route_checks_clean_and_realizes_the_quote_to_the_wei(hostile):
    result, out = checked(hostile, "swap 2 WETH for USDC")
    assert result.code == 0, result.stdout
    checks = out["token_checks"]
    assert checks["findings"] == [] and checks["realized_amount_out"] == out["amount_out"]


def test_unreadable_decimals_of_an_unknown_token_is_a_clear_usage_error(hostile, devnet):
    chain = load_config(hostile["config"]).chain()

    async def read(address):
        reader = open_reader(chain)
        async with reader.rpc:
            return await reader.token_metadata([address])
    for symbol, why in (("DRV", "reverted"), ("NDC", "returned nothing")):
        with pytest.raises(UsageError) as info:
            asyncio.run(read(hostile["tokens"][symbol]))
        assert info.value.exit_code == 2 and why in info.value.message
        assert hostile["tokens"][symbol] in info.value.message


def test_swap_simulate_of_a_broken_token_is_a_clear_exit_5(hostile):
    """The executor's own dry-run, on a token whose transfer returns false: a revert reason,
    never a traceback."""
    result = run_solver("swap", "swap 1 WETH for FLS", "--simulate", "--fund", "--json",
                        "--config", str(hostile["config"]))
    assert result.code == 5, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert json.loads(result.stdout)["error"]["code"] == "simulation_failed"


def test_human_output_names_the_hostile_token(hostile):
    result = run_solver("quote", "swap 1 WETH for FOT", "--check-tokens", "--config",
                        str(hostile["config"]))
    assert result.code == 5
    assert result.stderr.startswith("error: hostile token: FOT") and "Traceback" not in result.stderr


def test_swap_check_tokens_names_the_hostile_token_before_simulating(hostile):
    """`swap --check-tokens` screens the route's tokens first: a fee-on-transfer token stops it
    as `hostile_token`, named with its fee. Without the flag the dry-run still fails, but only
    as a revert of the on-chain minimum, which says nothing about why."""
    args = ("swap", "swap 1 WETH for FOT", "--simulate", "--fund", "--json", "--config",
            str(hostile["config"]))
    checked_run = run_solver(*args, "--check-tokens")
    assert checked_run.code == 5, checked_run.stdout + checked_run.stderr
    error = json.loads(checked_run.stdout)["error"]
    assert error["code"] == "hostile_token" and "FOT" in error["message"] and "1.00%" in error["message"]
    plain = run_solver(*args)
    assert plain.code == 5 and json.loads(plain.stdout)["error"]["code"] == "simulation_failed"


def test_swap_check_tokens_passes_a_clean_route_and_reports_the_checks(hostile):
    result = run_solver("swap", "swap 1 WETH for USDC", "--simulate", "--fund", "--check-tokens",
                        "--json", "--config", str(hostile["config"]))
    assert result.code == 0, result.stdout + result.stderr
    out = json.loads(result.stdout)
    checks = out["token_checks"]
    assert checks["findings"] == [] and checks["shortfall_bps"] == 0
    assert checks["realized_amount_out"] == out["amount_out"] == out["simulation"]["amount_out"]


def test_swap_send_with_check_tokens_sends_nothing_for_a_hostile_token(hostile, devnet):
    """Money safety: a hostile token found by the screen ends `--send` before any transaction
    (the account's nonce does not move), and the key appears nowhere in the output."""
    from executor_support import ALICE, nonce_of

    before = nonce_of(devnet, ALICE[0])
    result = run_solver("swap", "swap 1 ETH for REB", "--send", "--yes", "--private-key-env",
                        "TRADER_KEY", "--check-tokens", "--json", "--config", str(hostile["config"]),
                        env={"TRADER_KEY": ALICE[1]})
    assert result.code == 5, result.stdout + result.stderr
    error = json.loads(result.stdout)["error"]
    assert error["code"] == "hostile_token" and "REB" in error["message"]
    assert nonce_of(devnet, ALICE[0]) == before
    assert ALICE[1][2:] not in result.stdout + result.stderr
