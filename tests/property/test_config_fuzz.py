"""Fuzz the config loader: any TOML text either loads or fails with ConfigError, nothing else."""

from __future__ import annotations

import tomllib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.config import build_config, load_config
from solver.errors import ConfigError

KEYS = ["chain_id", "rpc_url", "rpc_urls", "multicall3", "wrapped_native", "router", "tokens",
        "dexes", "token_lists", "native_symbol", "private_rpc_url", "bogus", "fee_tiers", "kind",
        "factory", "name", "decimals", "address", "chain", "slippage_bps", "deadline", "max_hops"]
scalars = st.one_of(st.integers(-2**70, 2**70), st.booleans(), st.text(max_size=50),
                    st.sampled_from(["0xcA11bde05977b3631167028862bE2a173976CA11",
                                     "http://127.0.0.1:1", "${HOME}", "${NOPE}", "uniswap_v3",
                                     "5m", "-1s"]),
                    st.floats(allow_nan=False))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)),
    max_leaves=20)
documents = st.fixed_dictionaries({}, optional={
    "defaults": st.dictionaries(st.sampled_from(KEYS), values, max_size=4),
    "chains": st.dictionaries(st.sampled_from(["a", "devnet"]),
                              st.dictionaries(st.sampled_from(KEYS), values, max_size=8),
                              max_size=2),
    "extra": values,
})


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_any_structure_loads_or_is_config_error(doc):
    try:
        config = build_config(doc, path=None, env={"HOME": "/root"})
    except ConfigError as err:
        assert err.exit_code == 6 and err.message
        return
    for chain in config.chains.values():
        assert chain.rpc_urls and chain.chain_id >= 1


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_loads_or_is_config_error(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("cfg") / "c.toml"
    try:
        path.write_bytes(text.encode("utf-8", "surrogatepass"))
    except UnicodeEncodeError:
        return
    try:
        load_config(path, env={})
    except ConfigError as err:
        assert err.exit_code == 6
    except tomllib.TOMLDecodeError:  # pragma: no cover - must never escape
        raise AssertionError("TOML error escaped unmapped")
