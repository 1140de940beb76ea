"""The devnet's config profile: a TOML file in the format of INTERFACE.md, pointing at the local chain."""

from __future__ import annotations

import os
from pathlib import Path

from solver.devnet.node import CHAIN_ID
from solver.paths import devnet_profile_path

V3_FEE_TIERS = (100, 500, 3000, 10000)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else _quote(name)


def render_profile(deployment: dict, url: str) -> str:
    contracts = deployment["contracts"]
    lines = [
        "# Written by `solver devnet up`; rewritten on every start. Edits are lost.",
        "[defaults]",
        'chain = "devnet"',
        "slippage_bps = 50",
        'deadline = "5m"',
        "max_hops = 3",
        "",
        "[chains.devnet]",
        f"chain_id = {CHAIN_ID}",
        f"rpc_url = {_quote(url)}",
        f"multicall3 = {_quote(contracts['multicall3'])}",
        f"wrapped_native = {_quote(contracts['weth9'])}",
        f"router = {_quote(contracts['swap_router02'])}  # SwapRouter02",
        "",
        "[chains.devnet.tokens]",
    ]
    for symbol, token in deployment["tokens"].items():
        lines.append(f"{_key(symbol)} = {{ address = {_quote(token['address'])}, "
                     f"decimals = {token['decimals']} }}")
    lines += [
        "",
        "[[chains.devnet.dexes]]",
        'name = "uniswap-v2"',
        'kind = "uniswap_v2"',
        f"factory = {_quote(contracts['v2_factory'])}",
        f"init_code_hash = {_quote(deployment['init_code_hashes']['v2_pair'])}",
        "fee_bps = 30",
        f"v2_router = {_quote(contracts['v2_router02'])}",
        "",
        "[[chains.devnet.dexes]]",
        'name = "uniswap-v3"',
        'kind = "uniswap_v3"',
        f"factory = {_quote(contracts['v3_factory'])}",
        f"quoter = {_quote(contracts['quoter_v2'])}  # QuoterV2",
        f"fee_tiers = [{', '.join(str(fee) for fee in V3_FEE_TIERS)}]",
        f"tick_lens = {_quote(contracts['tick_lens'])}",
        "",
    ]
    return "\n".join(lines)


def write_profile(deployment: dict, url: str) -> Path:
    path = devnet_profile_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(render_profile(deployment, url))
    os.replace(tmp, path)
    return path
