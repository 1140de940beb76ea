"""`solver parse` as a real subprocess: exit codes, exact JSON, the caret on stderr, imports."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SOLVER = shutil.which("solver")
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


@pytest.fixture
def env(tmp_path) -> dict:
    """No user config and no devnet profile: parse must fall back to the built-in tokens."""
    home = tmp_path / "home"
    home.mkdir()
    clean = {k: v for k, v in os.environ.items() if k != "SOLVER_CONFIG"}
    return {**clean, "HOME": str(home), "SOLVER_HOME": str(tmp_path / "solver"),
            "SOLVER_CACHE": str(tmp_path / "cache"), "NO_COLOR": "1"}


def solver(env: dict, *args: str) -> subprocess.CompletedProcess:
    argv = [SOLVER] if SOLVER else [sys.executable, "-m", "solver.cli"]
    return subprocess.run([*argv, *args], capture_output=True, text=True, env=env, timeout=60)


def test_json_success_is_exactly_the_schema(env):
    done = solver(env, "parse", "swap 2.5 WETH for USDC, max slippage 0.3%", "--json")
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    body = json.loads(done.stdout)
    assert list(body) == ["ok", "schema", "intent"]
    assert body["ok"] is True and body["schema"] == "solver.intent/1"
    intent = body["intent"]
    assert (intent["kind"], intent["sell"], intent["buy"]) == ("exact_in", WETH, USDC)
    assert intent["amount"] == "2500000000000000000" and intent["slippage_bps"] == 30
    assert intent["chain"] == "devnet"


def test_global_json_flag_before_the_command(env):
    done = solver(env, "--json", "parse", "buy 0.1 WBTC with USDT")
    assert done.returncode == 0 and json.loads(done.stdout)["intent"]["kind"] == "exact_out"


def test_human_output_is_a_table(env):
    done = solver(env, "parse", "swap 1 ETH for USDC, at least 2,700 USDC, no split")
    assert done.returncode == 0, done.stderr
    assert "constraint set" in done.stdout and "minimum out" in done.stdout
    assert "2700 USDC" in done.stdout and "native ETH in" in done.stdout
    assert "stricter" in done.stdout
    assert "canonical: swap 1 ETH for USDC, at least 2700 USDC" in done.stdout


def test_bad_intent_human_mode_has_a_caret_under_the_word(env):
    text = "swap 1 WETH for USDC slipage 0.5%"
    done = solver(env, "parse", text)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == "error: unexpected 'slipage'"
    assert lines[1] == "  " + text
    assert lines[2] == "  " + " " * text.index("slipage") + "^" * len("slipage")
    assert lines[3] == "hint: did you mean 'slippage'?"


def test_bad_intent_json_mode_is_the_error_object(env):
    done = solver(env, "parse", "swap 1 WETH for WETH", "--json")
    assert done.returncode == 2
    assert done.stderr == ""
    assert json.loads(done.stdout) == {"ok": False, "error": {
        "code": "same_token", "message": "nothing to trade: WETH is on both sides",
        "hint": "name two different tokens", "exit_code": 2, "column": 17}}


@pytest.mark.parametrize(("text", "code"), [
    ("swap 1 WETH for USDC on any chain", "cross_chain_unsupported"),
    ("swap 1 WETH for USDC from base to arbitrum", "cross_chain_unsupported"),
    ("swap 1 WETH for USDC on base", "unknown_chain"),
    ("swap 1.0000001 USDC for WETH", "too_many_decimals"),
    ("swap 1 WETH for USDCC", "unknown_token"),
    ("swap 1 WETH for USDC to bob", "bad_recipient"),
    ("swap 1 WETH for USDC slippage 100%", "bad_slippage"),
    ("swap 0 WETH for USDC", "bad_amount"),
    ("swap 1 WETH for USDC no split, split across routes", "contradiction"),
])
def test_refusals_exit_2(env, text, code):
    done = solver(env, "parse", text, "--json")
    assert done.returncode == 2, done.stdout
    error = json.loads(done.stdout)["error"]
    assert error["code"] == code and error["exit_code"] == 2 and error["column"] >= 1
    if code == "cross_chain_unsupported":
        assert "not supported" in error["message"]


def test_human_cross_chain_message(env):
    done = solver(env, "parse", "swap 1 WETH for USDC on any chain")
    assert done.returncode == 2
    assert "cross-chain swaps are not supported" in done.stderr and "^" in done.stderr


def test_a_broken_config_is_exit_6(env, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[defaults]\nslipage_bps = 5\n")
    done = solver({**env, "SOLVER_CONFIG": str(bad)}, "parse", "swap 1 WETH for USDC", "--json")
    assert done.returncode == 6
    assert json.loads(done.stdout)["error"]["exit_code"] == 6


def test_config_tokens_lists_and_defaults_are_used(env, tmp_path):
    token_list = tmp_path / "tokens.json"
    token_list.write_text(json.dumps({"name": "t", "tokens": [
        {"chainId": 8453, "address": "0x" + "ab" * 20, "symbol": "FOO", "decimals": 4}]}))
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(f"""
        [defaults]
        chain = "base"
        slippage_bps = 25
        deadline = "90s"
        max_hops = 2

        [chains.base]
        chain_id = 8453
        rpc_url = "http://127.0.0.1:1"
        multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
        wrapped_native = "0x4200000000000000000000000000000000000006"
        router = "0x2626664c2603336E57B271c5C0b26F421741e481"
        token_lists = ["{token_list.name}"]

        [chains.base.tokens]
        WETH = {{ address = "0x4200000000000000000000000000000000000006", decimals = 18 }}
    """))
    done = solver({**env, "SOLVER_CONFIG": str(config)}, "parse", "swap 1.5 FOO for ETH",
                  "--json")
    assert done.returncode == 0, done.stdout + done.stderr
    intent = json.loads(done.stdout)["intent"]
    assert intent["sell"] == "0x" + "Ab" * 20 or intent["sell"].lower() == "0x" + "ab" * 20
    assert intent["amount"] == "15000" and intent["native_out"] is True
    assert intent["buy"] == "0x4200000000000000000000000000000000000006"
    assert (intent["slippage_bps"], intent["deadline_s"], intent["max_hops"]) == (25, 90, 2)
    assert intent["chain"] == "base"


IMPORT_PROBE = """
import sys
sys.argv = ["solver", "parse", "swap 1 WETH for USDC, max slippage 0.3%"] + sys.argv[1:]
from solver.cli import main
try:
    main()
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
heavy = [m for m in ("web3", "aiohttp", "rich", "rich.table", "eth_account")
         if m in sys.modules]
sys.stderr.write("LOADED " + ",".join(heavy) + "\\n")
"""


def loaded_modules(env: dict, *flags: str) -> list[str]:
    done = subprocess.run([sys.executable, "-c", IMPORT_PROBE, *flags], capture_output=True,
                          text=True, env=env, timeout=60)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("LOADED")][0]
    return [m for m in line.removeprefix("LOADED ").split(",") if m]


def test_json_parse_imports_no_web3_aiohttp_or_rich(env):
    assert loaded_modules(env, "--json") == []


def test_human_parse_imports_rich_but_not_web3_or_aiohttp(env):
    assert loaded_modules(env) == ["rich", "rich.table"]


def test_repo_layout_has_the_grammar_doc():
    root = Path(__file__).resolve().parents[2]
    assert (root / "docs" / "intent-language.md").exists()
