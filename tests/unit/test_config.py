"""The config loader: the example file loads, and every kind of bad config is exit 6 naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from solver.config import load_config
from solver.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
ENV = {"ETH_RPC_URL": "http://127.0.0.1:8545"}

MINIMAL = """
[chains.local]
chain_id = 31337
rpc_url = "http://127.0.0.1:8545"
multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
wrapped_native = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"
router = "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_example_config_loads_with_every_documented_key():
    config = load_config(ROOT / "config.example.toml", env=ENV)
    chain = config.chain()
    assert chain.chain_id == 1
    assert chain.rpc_url == "http://127.0.0.1:8545"
    assert [d.kind for d in chain.dexes] == ["uniswap_v2", "uniswap_v3"]
    assert chain.dexes[1].fee_tiers == (100, 500, 3000, 10000)
    assert {t.symbol for t in chain.tokens} >= {"WETH", "USDC", "USDT", "WBTC", "DAI"}
    assert config.defaults.deadline_s == 300


def test_addresses_are_checksummed(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), env={})
    assert config.chain("local").wrapped_native == "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"


@pytest.mark.parametrize("extra, key", [
    ("[defaults]\nslipage_bps = 5\n", "defaults.slipage_bps"),
    ("[chains.local.tokens]\nX = { address = \"0xcA11bde05977b3631167028862bE2a173976CA11\", decimals = 6, colour = 1 }\n",
     "colour"),
    ("[[chains.local.dexes]]\nname='a'\nkind='uniswap_v2'\nfactory='0xcA11bde05977b3631167028862bE2a173976CA11'\nfees=1\n",
     "fees"),
])
def test_unknown_key_names_file_and_key(tmp_path, extra, key):
    path = write(tmp_path, MINIMAL + extra)
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert info.value.exit_code == 6
    assert str(path) in info.value.message
    assert key in info.value.message


def test_missing_file_is_exit_6(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "nope.toml")
    assert info.value.code == "config_not_found"


def test_missing_env_var_names_file_and_key(tmp_path):
    path = write(tmp_path, MINIMAL.replace('"http://127.0.0.1:8545"', '"${NOPE_URL}"'))
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert "NOPE_URL" in info.value.message and str(path) in info.value.message


def test_env_var_is_expanded(tmp_path):
    path = write(tmp_path, MINIMAL.replace('"http://127.0.0.1:8545"', '"${MY_URL}"'))
    config = load_config(path, env={"MY_URL": "https://rpc.example/key"})
    assert config.chain("local").rpc_url == "https://rpc.example/key"


@pytest.mark.parametrize("bad", [
    'multicall3 = "0x1234"', 'chain_id = "one"', 'chain_id = true', 'rpc_url = "ftp://x"',
])
def test_bad_values_are_exit_6(tmp_path, bad):
    key = bad.split(" = ")[0]
    lines = [line for line in MINIMAL.splitlines() if not line.startswith(key + " ")]
    with pytest.raises(ConfigError):
        load_config(write(tmp_path, "\n".join(lines) + "\n" + bad + "\n"), env={})


def test_unknown_chain_lists_the_configured_ones(tmp_path):
    config = load_config(write(tmp_path, MINIMAL), env={})
    with pytest.raises(ConfigError) as info:
        config.chain("base")
    assert "local" in (info.value.hint or "")
