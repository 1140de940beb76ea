"""Pool discovery for the configured token universe, cached on disk per chain and factory.

We ask each factory only about the pairs we care about (V2 getPair for every token pair,
V3 getPool for every pair and fee tier), all in one multicall. A factory's full pair list
is never enumerated: mainnet has hundreds of thousands. Answers, "no pool" included, are
cached in cache_home()/pools/<chain id>/<kind>-<factory>.json together with the chain's
genesis hash, so a later run asks only about pairs it has never asked about, and a
restarted local chain with the same chain id doesn't reuse another chain's answers.
"""

from __future__ import annotations

import itertools
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from solver import abi
from solver.addresses import to_checksum
from solver.config import ChainConfig, DexConfig
from solver.errors import ConfigError, RpcError
from solver.multicall import Call
from solver.paths import cache_home

if TYPE_CHECKING:
    from solver.reader import RpcChainReader

CACHE_VERSION = 1
ZERO_ADDRESS = "0x" + "0" * 40
UNISWAP_V2 = "uniswap_v2"
UNISWAP_V3 = "uniswap_v3"


@dataclass(frozen=True, slots=True)
class PoolRef:
    """Where a pool is and what it is, without its state. `fee_pips`: 3000 = 0.3%."""

    address: str
    protocol: str
    dex: str
    token0: str
    token1: str
    fee_pips: int
    tick_spacing: int = 0
    tick_lens: str | None = None

    @property
    def fee_bps(self) -> int:
        return self.fee_pips // 100


def sort_tokens(a: str, b: str) -> tuple[str, str]:
    """Uniswap orders a pair's tokens by numeric address."""
    return (a, b) if int(a, 16) < int(b, 16) else (b, a)


def token_pairs(tokens: Iterable[str]) -> list[tuple[str, str]]:
    unique = sorted({to_checksum(t) for t in tokens}, key=lambda t: int(t, 16))
    return list(itertools.combinations(unique, 2))


def cache_path(chain_id: int, dex: DexConfig, cache_dir: Path | None = None) -> Path:
    root = cache_dir if cache_dir is not None else cache_home() / "pools"
    return root / str(chain_id) / f"{dex.kind}-{dex.factory.lower()}.json"


def _key(token0: str, token1: str, fee: int | None) -> str:
    base = f"{token0.lower()}:{token1.lower()}"
    return base if fee is None else f"{base}:{fee}"


def _empty_cache() -> dict:
    return {"version": CACHE_VERSION, "genesis": None, "pools": {}, "tick_spacing": {}}


def _load_cache(path: Path) -> dict:
    empty = _empty_cache()
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return empty
    if (not isinstance(data, dict) or data.get("version") != CACHE_VERSION
            or not isinstance(data.get("pools"), dict)):
        return empty
    return data


def _write_cache(path: Path, data: dict) -> None:
    """Atomically: a concurrent reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True, indent=1))
    os.replace(tmp, path)


@dataclass
class _DexPlan:
    dex: DexConfig
    path: Path
    cache: dict
    missing: list[tuple[str, str, int | None]]
    spacing_fees: list[int]


def _plan(dex: DexConfig, pairs: list[tuple[str, str]], cache: dict, path: Path) -> _DexPlan:
    if dex.kind == UNISWAP_V2:
        wanted = [(a, b, None) for a, b in pairs]
    else:
        wanted = [(a, b, fee) for a, b in pairs for fee in dex.fee_tiers]
    missing = [w for w in wanted if _key(*w) not in cache["pools"]]
    spacing_fees = [f for f in dex.fee_tiers if str(f) not in cache.get("tick_spacing", {})]
    return _DexPlan(dex, path, cache, missing, spacing_fees if dex.kind == UNISWAP_V3 else [])


def _calls(plan: _DexPlan) -> list[Call]:
    factory = plan.dex.factory
    if plan.dex.kind == UNISWAP_V2:
        calls = [Call(factory, abi.encode_call(abi.GET_PAIR, a, b), gas=8_000)
                 for a, b, _ in plan.missing]
    else:
        calls = [Call(factory, abi.encode_call(abi.GET_POOL, a, b, fee), gas=8_000)
                 for a, b, fee in plan.missing]
    calls += [Call(factory, abi.encode_call(abi.FEE_AMOUNT_TICK_SPACING, fee), gas=8_000)
              for fee in plan.spacing_fees]
    return calls


def _absorb(plan: _DexPlan, results: list) -> None:
    pools = plan.cache["pools"]
    n = len(plan.missing)
    for (a, b, fee), res in zip(plan.missing, results[:n]):
        if not res.success or len(res.data) < 32:
            raise ConfigError(f"factory {plan.dex.factory} ({plan.dex.name}) did not answer "
                              f"{'getPair' if fee is None else 'getPool'}",
                              hint="check the dex's factory address and kind in the config",
                              code="bad_factory")
        try:
            address = abi.address_at(res.data, 0)
        except abi.AbiDecodeError as exc:
            raise RpcError(f"factory {plan.dex.factory} answered a non-address",
                           code="bad_rpc_answer") from exc
        pools[_key(a, b, fee)] = None if address == ZERO_ADDRESS else to_checksum(address)
    spacings = plan.cache.setdefault("tick_spacing", {})
    for fee, res in zip(plan.spacing_fees, results[n:]):
        if res.success and len(res.data) >= 32:
            spacings[str(fee)] = abi.int_at(res.data, 0)


def _refs(plan: _DexPlan, pairs: list[tuple[str, str]]) -> list[PoolRef]:
    dex, pools = plan.dex, plan.cache["pools"]
    refs = []
    for a, b in pairs:
        t0, t1 = sort_tokens(a, b)
        if dex.kind == UNISWAP_V2:
            address = pools.get(_key(a, b, None))
            if address:
                refs.append(PoolRef(address, UNISWAP_V2, dex.name, t0, t1, dex.fee_bps * 100))
            continue
        for fee in dex.fee_tiers:
            address = pools.get(_key(a, b, fee))
            spacing = plan.cache.get("tick_spacing", {}).get(str(fee), 0)
            if address and spacing > 0:
                refs.append(PoolRef(address, UNISWAP_V3, dex.name, t0, t1, fee, spacing,
                                    dex.tick_lens))
    return refs


async def discover_pools(reader: "RpcChainReader", chain: ChainConfig, tokens: Iterable[str], *,
                         refresh: bool = False, cache_dir: Path | None = None) -> tuple[PoolRef, ...]:
    """Every pool among `tokens` on the chain's configured dexes: one round trip when cached,
    one more if the chain turned out not to be the one the cache was written for."""
    pairs = token_pairs(tokens)
    plans = []
    for dex in chain.dexes:
        path = cache_path(chain.chain_id, dex, cache_dir)
        cache = _empty_cache() if refresh else _load_cache(path)
        plans.append(_plan(dex, pairs, cache, path))
    genesis = await _query(reader, plans)
    stale = [i for i, p in enumerate(plans) if p.cache.get("genesis") not in (None, genesis)]
    if stale:
        for i in stale:
            plans[i] = _plan(plans[i].dex, pairs, _empty_cache(), plans[i].path)
        await _query(reader, [plans[i] for i in stale])
    refs: list[PoolRef] = []
    for plan in plans:
        changed = plan.cache.get("genesis") != genesis or plan.missing or plan.spacing_fees
        plan.cache["genesis"] = genesis
        plan.cache["chain_id"] = chain.chain_id
        plan.cache["factory"] = plan.dex.factory
        plan.cache["kind"] = plan.dex.kind
        if changed:
            _write_cache(plan.path, plan.cache)
        refs.extend(_refs(plan, pairs))
    return tuple(refs)


async def _query(reader: "RpcChainReader", plans: list[_DexPlan]) -> str:
    """One JSON-RPC batch: chain id, genesis hash, and one multicall for all missing pairs."""
    calls_by_plan = [_calls(p) for p in plans]
    flat = [c for calls in calls_by_plan for c in calls]
    requests = [("eth_chainId", []), ("eth_getBlockByNumber", ["0x0", False])]
    mc_requests, decode = reader.multicall_requests(flat, "latest")
    results = await reader.rpc.batch(requests + mc_requests)
    from solver.reader import malformed, quantity

    reader.check_chain_id(quantity(results[0], "eth_chainId"))
    if not isinstance(results[1], dict) or not isinstance(results[1].get("hash"), str):
        raise malformed("eth_getBlockByNumber(0)", results[1])
    genesis = results[1]["hash"]
    decoded = await reader.decode_multicall(decode, results[2:], "latest")
    start = 0
    for plan, calls in zip(plans, calls_by_plan):
        _absorb(plan, decoded[start:start + len(calls)])
        start += len(calls)
    return genesis
