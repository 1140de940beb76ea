"""The ChainReader edge: chain id, block, gas price, pool discovery and pinned pool snapshots.

`ChainReader` is the seam (a Protocol): the router and the commands depend on it, unit
tests hand in fakes, and `RpcChainReader` implements it over RpcClient with JSON-RPC batches
and Multicall3. A cold snapshot of every pool costs three round-trip phases:
1. chain id + block number + gas price (+ slot0 at "latest" of pools too big to scan
   whole, to centre their tick window) in one JSON-RPC batch;
2. one multicall, pinned to that block: reserves, slot0, liquidity, fee, tick spacing and
   the tick-bitmap words;
3. one multicall at the same block: ticks(tick).liquidityNet of every initialized tick
   (skipped when the scan policy opts into the dex's TickLens, which answers ticks in 2).
A phase whose payload is bigger than one HTTP body is split into concurrent requests.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

from routes.pools import V2Pool, V3Pool
from solver import abi, discovery, pool_state
from solver.addresses import to_checksum
from solver.config import ChainConfig
from solver.discovery import PoolRef
from solver.errors import ConfigError, RpcError, UsageError
from solver.multicall import (CALL_GAS_LIMIT, Call, CallResult, decode_aggregate3,
                              encode_aggregate3, plan_chunks)
from solver.pool_state import ScanPolicy
from solver.rpc import JsonRpcError, RpcClient

FEE_HISTORY_BLOCKS = 5
FEE_HISTORY_PERCENTILE = 50


@dataclass(frozen=True, slots=True)
class GasPrice:
    """Next block's base fee, a typical priority fee (median tip of recent blocks), and
    the node's legacy eth_gasPrice."""

    base_fee_wei: int
    priority_fee_wei: int
    gas_price_wei: int

    @property
    def max_fee_wei(self) -> int:
        """A max fee that survives a few full blocks of base-fee growth (12.5% each)."""
        return 2 * self.base_fee_wei + self.priority_fee_wei


@dataclass(frozen=True, slots=True)
class ChainHead:
    chain_id: int
    block_number: int
    gas: GasPrice


@dataclass(frozen=True, slots=True)
class TokenMeta:
    address: str
    symbol: str
    decimals: int
    name: str = ""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every pool's state at one block. `skipped` lists V3 pools that exist but were never
    initialized (no price yet)."""

    block_number: int
    chain_id: int
    pools: tuple[V2Pool | V3Pool, ...]
    gas: GasPrice | None = None
    skipped: tuple[str, ...] = ()

    def pool(self, address: str) -> V2Pool | V3Pool | None:
        target = address.lower()
        return next((p for p in self.pools if p.address.lower() == target), None)


class ChainReader(Protocol):
    """What the application needs from a chain. Implementations: RpcChainReader, fakes."""

    async def chain_id(self) -> int: ...

    async def block_number(self) -> int: ...

    async def gas_price(self) -> GasPrice: ...

    async def head(self) -> ChainHead: ...

    async def discover_pools(self, chain: ChainConfig, tokens: Iterable[str], *,
                             refresh: bool = False) -> tuple[PoolRef, ...]: ...

    async def snapshot(self, pool_refs: Sequence[PoolRef], block: int | None = None) -> Snapshot: ...

    async def token_metadata(self, addresses: Sequence[str],
                             block: int | None = None) -> tuple[TokenMeta, ...]: ...


def _block_tag(block: int | str | None) -> str:
    if block is None:
        return "latest"
    return hex(block) if isinstance(block, int) else block


def parse_gas_price(fee_history: object, gas_price_hex: object) -> GasPrice:
    """eth_feeHistory + eth_gasPrice answers → GasPrice; a chain without EIP-1559 (the
    history call failed) gets base fee 0 and pays the legacy price as its tip."""
    gas_price = int(gas_price_hex, 16) if isinstance(gas_price_hex, str) else 0
    if not isinstance(fee_history, dict) or not fee_history.get("baseFeePerGas"):
        return GasPrice(0, gas_price, gas_price)
    base_fee = int(fee_history["baseFeePerGas"][-1], 16)
    tips = [int(r[0], 16) for r in fee_history.get("reward") or [] if r]
    priority = int(statistics.median(tips)) if tips else max(gas_price - base_fee, 0)
    return GasPrice(base_fee, priority, gas_price)


class RpcChainReader:
    """ChainReader over JSON-RPC. Reads of one snapshot are pinned to one block number."""

    def __init__(self, rpc: RpcClient, chain: ChainConfig, *, scan: ScanPolicy = ScanPolicy(),
                 cache_dir: Path | None = None) -> None:
        self.rpc = rpc
        self.chain = chain
        self.scan = scan
        self.cache_dir = cache_dir
        self._tick_hints: dict[str, int] = {}

    # --- chain identity and head --------------------------------------------------------

    def check_chain_id(self, chain_id: int) -> int:
        if chain_id != self.chain.chain_id:
            raise RpcError(
                f"wrong chain id: {self.rpc.url} is chain {chain_id}, the config's chain "
                f"{self.chain.name!r} says {self.chain.chain_id}",
                hint="point --rpc at the right network, or fix chain_id in the config",
                code="wrong_chain_id")
        return chain_id

    async def chain_id(self) -> int:
        return self.check_chain_id(int(await self.rpc.call("eth_chainId"), 16))

    async def block_number(self) -> int:
        return int(await self.rpc.call("eth_blockNumber"), 16)

    async def gas_price(self) -> GasPrice:
        return (await self.head()).gas

    def _head_requests(self, block: int | None) -> list[tuple[str, list]]:
        newest = _block_tag(block)
        return [("eth_chainId", []), ("eth_blockNumber", []),
                ("eth_feeHistory", [hex(FEE_HISTORY_BLOCKS), newest, [FEE_HISTORY_PERCENTILE]]),
                ("eth_gasPrice", [])]

    def _parse_head(self, results: list, block: int | None) -> ChainHead:
        for res in (results[0], results[1]):
            if isinstance(res, JsonRpcError):
                raise res
        chain_id = self.check_chain_id(int(results[0], 16))
        number = block if block is not None else int(results[1], 16)
        fee_history = None if isinstance(results[2], JsonRpcError) else results[2]
        gas_hex = None if isinstance(results[3], JsonRpcError) else results[3]
        return ChainHead(chain_id, number, parse_gas_price(fee_history, gas_hex))

    async def head(self, block: int | None = None) -> ChainHead:
        """Chain id (checked), block number and gas price in one round trip."""
        results = await self.rpc.batch(self._head_requests(block), return_errors=True)
        return self._parse_head(results, block)

    # --- calls ---------------------------------------------------------------------------

    def multicall_requests(self, calls: Sequence[Call], block: int | str | None
                           ) -> tuple[list[tuple[str, list]], Callable[[list], list[CallResult]]]:
        """The eth_call requests of a chunked aggregate3, and a decoder of their answers,
        so callers can put them in a JSON-RPC batch with other requests."""
        chunks = list(plan_chunks(calls))
        tag = _block_tag(block)
        requests = [("eth_call", [{"to": self.chain.multicall3, "gas": hex(CALL_GAS_LIMIT),
                                   "data": "0x" + encode_aggregate3(calls[a:b]).hex()}, tag])
                    for a, b in chunks]

        def decode(answers: list) -> list[CallResult]:
            out: list[CallResult] = []
            for (a, b), answer in zip(chunks, answers):
                if isinstance(answer, JsonRpcError):
                    raise RpcError(f"multicall of {b - a} calls failed: {answer.rpc_message}",
                                   hint="is Multicall3 deployed at the configured address?") from answer
                try:
                    part = decode_aggregate3(bytes.fromhex(answer[2:]))
                except (abi.AbiDecodeError, ValueError, TypeError) as exc:
                    # Empty data: no contract there. The chain id was checked in the same batch.
                    raise ConfigError(f"Multicall3 at {self.chain.multicall3} did not answer "
                                      "aggregate3", hint="check multicall3 in the config",
                                      code="bad_multicall3") from exc
                if len(part) != b - a:
                    raise RpcError("multicall returned the wrong number of results")
                out.extend(part)
            return out

        return requests, decode

    async def multicall(self, calls: Sequence[Call], block: int | str | None = None) -> list[CallResult]:
        """Run calls through Multicall3 at `block`: one JSON-RPC batch of chunked eth_calls."""
        if not calls:
            return []
        requests, decode = self.multicall_requests(calls, block)
        return decode(await self.rpc.batch(requests, return_errors=True))

    async def call_many(self, calls: Sequence[tuple[str, bytes]], block: int | str | None = None,
                        *, gas: int | None = None) -> list[CallResult]:
        """Plain eth_calls in one JSON-RPC batch; a revert is CallResult(False, revert data).

        For calls that must not run inside Multicall3 (their msg.sender would change) or
        that revert by design, like QuoterV2.
        """
        tag = _block_tag(block)
        requests = []
        for to, data in calls:
            tx = {"to": to, "data": "0x" + data.hex()}
            if gas is not None:
                tx["gas"] = hex(gas)
            requests.append(("eth_call", [tx, tag]))
        answers = await self.rpc.batch(requests, return_errors=True)
        out = []
        for answer in answers:
            if isinstance(answer, JsonRpcError):
                if not answer.is_revert:
                    raise answer
                out.append(CallResult(False, answer.revert_data))
            else:
                out.append(CallResult(True, bytes.fromhex(answer[2:])))
        return out

    # --- pools ---------------------------------------------------------------------------

    async def discover_pools(self, chain: ChainConfig | None = None,
                             tokens: Iterable[str] | None = None, *,
                             refresh: bool = False) -> tuple[PoolRef, ...]:
        """Pools among `tokens` (default: the config's tokens and the wrapped native)."""
        chain = chain or self.chain
        if tokens is None:
            tokens = [t.address for t in chain.tokens] + [chain.wrapped_native]
        return await discovery.discover_pools(self, chain, tokens, refresh=refresh,
                                              cache_dir=self.cache_dir)

    async def snapshot(self, pool_refs: Sequence[PoolRef], block: int | None = None) -> Snapshot:
        refs = list(pool_refs)
        probe = [r for r in refs if r.protocol != discovery.UNISWAP_V2
                 and pool_state.needs_window(r, self.scan) and r.address not in self._tick_hints]
        head_requests = self._head_requests(block)
        probe_requests, probe_decode = self.multicall_requests(
            [Call(r.address, abi.SLOT0) for r in probe], "latest")
        results = await self.rpc.batch(head_requests + (probe_requests if probe else []),
                                       return_errors=True)
        head = self._parse_head(results[:4], block)
        hints = dict(self._tick_hints)
        if probe:
            for ref, res in zip(probe, probe_decode(results[4:])):
                if res.success and len(res.data) >= 64:
                    hints[ref.address] = abi.int_at(res.data, 1)
        try:
            pools, skipped = await self._read_pools(refs, head.block_number, hints)
        except abi.AbiDecodeError as exc:
            raise RpcError(f"pool state read failed at block {head.block_number}: {exc}",
                           hint="the pool cache may be stale: run `solver pools sync --refresh`") from exc
        for pool in pools:
            if isinstance(pool, V3Pool):
                self._tick_hints[pool.address] = pool.tick
        return Snapshot(head.block_number, head.chain_id, tuple(pools), head.gas, tuple(skipped))

    async def _read_pools(self, refs: list[PoolRef], block: int,
                          hints: dict[str, int]) -> tuple[list, list[str]]:
        calls_a, plans = pool_state.plan_phase_a(refs, self.scan, hints)
        pool_state.absorb_phase_a(plans, await self.multicall(calls_a, block))
        calls_b = pool_state.plan_phase_b(plans)
        if calls_b:
            pool_state.absorb_phase_b(plans, await self.multicall(calls_b, block))
        pools, skipped = [], []
        for plan in plans:
            pool = pool_state.build_pool(plan)
            if pool is None:
                skipped.append(plan.ref.address)
            else:
                pools.append(pool)
        return pools, skipped

    # --- tokens --------------------------------------------------------------------------

    async def token_metadata(self, addresses: Sequence[str],
                             block: int | None = None) -> tuple[TokenMeta, ...]:
        """decimals/symbol/name of tokens not in the config, in one multicall.

        A token whose decimals() reverts or returns nothing can't be priced: UsageError."""
        calls = [Call(a, sel) for a in addresses for sel in (abi.DECIMALS, abi.SYMBOL, abi.NAME)]
        results = await self.multicall(calls, block)
        metas = []
        for k, address in enumerate(addresses):
            dec, sym, name = results[3 * k:3 * k + 3]
            address = to_checksum(address)
            if not dec.success or len(dec.data) < 32 or abi.uint_at(dec.data, 0) > 255:
                why = "reverted" if not dec.success else (
                    "returned nothing (is it a contract?)" if not dec.data else "returned garbage")
                raise UsageError(f"token {address}: decimals() {why}",
                                 hint="check the address; a token must implement ERC-20 decimals()",
                                 code="bad_token")
            metas.append(TokenMeta(address, _text(sym) or address[:8], abi.uint_at(dec.data, 0),
                                   _text(name)))
        return tuple(metas)


def _text(res: CallResult) -> str:
    if not res.success:
        return ""
    try:
        return abi.decode_string_or_bytes32(res.data).strip("\x00").strip()
    except abi.AbiDecodeError:
        return ""


def open_reader(chain: ChainConfig, *, scan: ScanPolicy = ScanPolicy(),
                cache_dir: Path | None = None, **rpc_options) -> RpcChainReader:
    """A reader over a fresh RpcClient for all the chain's URLs; close it with
    `await reader.rpc.close()` (or `async with reader.rpc:`)."""
    return RpcChainReader(RpcClient(chain.rpc_urls, **rpc_options), chain, scan=scan,
                          cache_dir=cache_dir)
