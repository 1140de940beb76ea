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

import asyncio
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
from solver.tokens import TokenInfo  # one token value type for config, lists and chain reads

FEE_HISTORY_BLOCKS = 5
FEE_HISTORY_PERCENTILE = 50
# A pinned multicall whose block stamp is wrong is read once more, after a short pause (a node
# mid-block settles in milliseconds), before the quote fails.
INCONSISTENT_REREADS = 1
REREAD_PAUSE_S = 0.05


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
                             block: int | None = None) -> tuple[TokenInfo, ...]: ...


def malformed(what: str, value: object) -> RpcError:
    """The node's answer has the wrong shape: rejected, never guessed at."""
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return RpcError(f"malformed answer to {what}: {shown}",
                    hint="the RPC endpoint (or a proxy before it) is broken; try another --rpc",
                    code="bad_rpc_answer")


def quantity(value: object, what: str) -> int:
    """A JSON-RPC QUANTITY ("0x1a") as an int; anything else is a malformed answer."""
    if isinstance(value, str) and value[:2] in ("0x", "0X") and 2 < len(value) <= 66:
        try:
            return int(value[2:], 16)
        except ValueError:
            pass
    raise malformed(what, value)


def data_bytes(value: object, what: str) -> bytes:
    """JSON-RPC DATA ("0x..." of whole bytes) as bytes."""
    if isinstance(value, str) and value[:2] in ("0x", "0X") and len(value) % 2 == 0:
        try:
            return bytes.fromhex(value[2:])
        except ValueError:
            pass
    raise malformed(what, value)


# JSON-RPC errors that mean "this node has no such method", the one failure of an optional
# head call (eth_feeHistory on a pre-London chain) that may be answered by a fallback.
_UNSUPPORTED = ("not found", "not supported", "unsupported", "does not exist", "not available")


def _optional(result: object) -> object:
    if isinstance(result, JsonRpcError):
        if result.rpc_code == -32601 or any(m in result.rpc_message.lower() for m in _UNSUPPORTED):
            return None
        raise result
    return result


def _block_tag(block: int | str | None) -> str:
    if block is None:
        return "latest"
    return hex(block) if isinstance(block, int) else block


def parse_gas_price(fee_history: object, gas_price_hex: object) -> GasPrice:
    """eth_feeHistory + eth_gasPrice answers → GasPrice; a chain without EIP-1559 (the
    history call failed) gets base fee 0 and pays the legacy price as its tip."""
    gas_price = 0 if gas_price_hex is None else quantity(gas_price_hex, "eth_gasPrice")
    if fee_history is None:
        return GasPrice(0, gas_price, gas_price)
    if not isinstance(fee_history, dict):
        raise malformed("eth_feeHistory", fee_history)
    base_fees = fee_history.get("baseFeePerGas")
    if not base_fees:  # a chain without EIP-1559 answers with no base fees
        return GasPrice(0, gas_price, gas_price)
    if not isinstance(base_fees, list):
        raise malformed("eth_feeHistory", base_fees)
    base_fee = quantity(base_fees[-1], "eth_feeHistory")
    rewards = fee_history.get("reward") or []
    if not isinstance(rewards, list) or not all(isinstance(r, list) for r in rewards):
        raise malformed("eth_feeHistory", rewards)
    tips = [quantity(r[0], "eth_feeHistory") for r in rewards if r]
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
        return self.check_chain_id(quantity(await self.rpc.call("eth_chainId"), "eth_chainId"))

    async def block_number(self) -> int:
        return quantity(await self.rpc.call("eth_blockNumber"), "eth_blockNumber")

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
        chain_id = self.check_chain_id(quantity(results[0], "eth_chainId"))
        number = block if block is not None else quantity(results[1], "eth_blockNumber")
        # Gas is optional only where the node lacks the method; any other failure fails the
        # read, so a quote's gas (and so its route) never silently differs.
        gas = parse_gas_price(_optional(results[2]), _optional(results[3]))
        return ChainHead(chain_id, number, gas)

    async def head(self, block: int | None = None) -> ChainHead:
        """Chain id (checked), block number and gas price in one round trip."""
        results = await self.rpc.batch(self._head_requests(block), return_errors=True)
        return self._parse_head(results, block)

    # --- calls ---------------------------------------------------------------------------

    def multicall_requests(self, calls: Sequence[Call], block: int | str | None
                           ) -> tuple[list[tuple[str, list]], Callable[[list], list[CallResult]]]:
        """The eth_call requests of a chunked aggregate3, and a decoder of their answers,
        so callers can put them in a JSON-RPC batch with other requests.

        At a pinned block every chunk also asks Multicall3.getBlockNumber(), and the decoder
        rejects a chunk that ran at any other block: a node (or a cache in front of it) that
        ignores the block parameter would otherwise mix two states into one snapshot.
        """
        chunks = list(plan_chunks(calls))
        tag = _block_tag(block)
        pinned = isinstance(block, int)
        stamp = [Call(self.chain.multicall3, abi.GET_BLOCK_NUMBER, gas=1_000)] if pinned else []
        requests = [("eth_call", [{"to": self.chain.multicall3, "gas": hex(CALL_GAS_LIMIT),
                                   "data": "0x" + encode_aggregate3(
                                       list(calls[a:b]) + stamp).hex()}, tag])
                    for a, b in chunks]

        def decode(answers: list) -> list[CallResult]:
            if len(answers) != len(chunks):
                raise RpcError(f"expected {len(chunks)} multicall answers, got {len(answers)}")
            out: list[CallResult] = []
            for (a, b), answer in zip(chunks, answers):
                if isinstance(answer, JsonRpcError):
                    raise RpcError(f"multicall of {b - a} calls failed: {answer.rpc_message}",
                                   hint="is Multicall3 deployed at the configured address?") from answer
                raw = data_bytes(answer, "eth_call (Multicall3.aggregate3)")
                if not raw:
                    # No code there. The chain id was checked in the same batch.
                    raise ConfigError(f"Multicall3 at {self.chain.multicall3} did not answer "
                                      "aggregate3", hint="check multicall3 in the config",
                                      code="bad_multicall3")
                try:
                    part = decode_aggregate3(raw)
                except abi.AbiDecodeError as exc:
                    raise malformed("eth_call (Multicall3.aggregate3)", answer) from exc
                if len(part) != b - a + len(stamp):
                    raise RpcError(f"multicall returned {len(part)} results for "
                                   f"{b - a + len(stamp)} calls", code="bad_rpc_answer")
                if pinned:
                    self._check_stamp(part.pop(), block)
                out.extend(part)
            return out

        return requests, decode

    def _check_stamp(self, stamp: CallResult, block: int) -> None:
        ran_at = abi.uint_at(stamp.data, 0) if stamp.success and len(stamp.data) >= 32 else None
        if ran_at != block:
            raise RpcError(f"the node answered a read pinned to block {block} from block "
                           f"{ran_at}: refusing to mix states",
                           hint="the RPC endpoint ignores the block parameter (a caching proxy?); "
                                "try another --rpc", code="inconsistent_block")

    async def multicall(self, calls: Sequence[Call], block: int | str | None = None) -> list[CallResult]:
        """Run calls through Multicall3 at `block`: one JSON-RPC batch of chunked eth_calls."""
        if not calls:
            return []
        requests, decode = self.multicall_requests(calls, block)
        for attempt in range(1 + INCONSISTENT_REREADS):
            answers = await self.rpc.batch(requests, return_errors=True)
            try:
                return await self.decode_multicall(decode, answers, block)
            except RpcError as exc:
                # A pinned read that ran at another block is read again, still pinned and
                # still checked: a node can answer from the wrong block for a moment (anvil
                # while it mines, one bad backend behind a load balancer). One that keeps
                # ignoring the pin fails as before; states are never mixed either way.
                if exc.code != "inconsistent_block" or attempt == INCONSISTENT_REREADS:
                    raise
            await asyncio.sleep(REREAD_PAUSE_S)
        raise AssertionError("unreachable")

    async def decode_multicall(self, decode: Callable[[list], list[CallResult]], answers: list,
                               block: int | str | None) -> list[CallResult]:
        """decode(answers), telling a missing Multicall3 (exit 6) from an empty answer by a
        node that has it (exit 4): only the failure path pays the extra eth_getCode."""
        try:
            return decode(answers)
        except ConfigError as exc:
            if exc.code != "bad_multicall3":
                raise
            code = await self.rpc.call("eth_getCode", [self.chain.multicall3, _block_tag(block)])
            if isinstance(code, str) and len(code) > 2:
                raise malformed("eth_call (Multicall3.aggregate3)", "0x") from exc
            raise

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
                out.append(CallResult(True, data_bytes(answer, "eth_call")))
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
            for ref, res in zip(probe, await self.decode_multicall(probe_decode, results[4:],
                                                                   "latest")):
                if res.success and len(res.data) >= 64:
                    hints[ref.address] = abi.int_at(res.data, 1)
        try:
            pools, skipped = await self._read_pools(refs, head.block_number, hints)
        except ValueError as exc:  # AbiDecodeError, or a pool constructor refusing the values
            raise RpcError(f"pool state read failed at block {head.block_number}: {exc}",
                           hint="the pool cache may be stale (run `solver pools sync --refresh`), "
                                "or the RPC endpoint answered garbage") from exc
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
                             block: int | None = None) -> tuple[TokenInfo, ...]:
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
            metas.append(TokenInfo(address, _text(sym) or address[:8], abi.uint_at(dec.data, 0),
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
