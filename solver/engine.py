"""QuoteEngine: live state in, a quote out. One engine per process keeps the state warm.

It owns the ChainReader, the discovered pools and the latest snapshot, and refreshes that
snapshot only when the chain has a new block, so `batch` pays one read per block, not per
line. Every quote is computed from one snapshot, pinned to one block.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from routes.graph import PoolGraph, build_graph
from routes.price_guard import GuardPolicy, PriceDeviation, assess_pools
from routes.router import RouteRequest, RouteResult, find_best_route
from solver.config import ChainConfig, Defaults
from solver.errors import NoRouteError, RpcError
from solver.reader import RpcChainReader, Snapshot, open_reader

# How long a batch process trusts its head before asking for the block number again.
HEAD_TTL_S = 0.25


@dataclass(frozen=True, slots=True)
class Market:
    """One pinned view of the chain: the snapshot, its graph and when it was read.

    `deviations`: pools the manipulation guard flagged; those marked excluded are not in
    the graph."""

    snapshot: Snapshot
    graph: PoolGraph
    read_at: float
    deviations: tuple[PriceDeviation, ...] = ()

    @property
    def block_number(self) -> int:
        return self.snapshot.block_number


class QuoteEngine:
    def __init__(self, chain: ChainConfig, defaults: Defaults, *,
                 reader: RpcChainReader | None = None) -> None:
        self.chain = chain
        self.defaults = defaults
        self.reader = reader or open_reader(chain)
        self._refs = None
        self._market: Market | None = None
        self._head_checked = 0.0

    async def close(self) -> None:
        await self.reader.rpc.close()

    async def market(self, *, max_age_s: float = 0.0) -> Market:
        """The current market; re-read only when a new block appeared (checked at most every
        `max_age_s`; 0 checks every time)."""
        now = time.monotonic()
        if self._market is not None and now - self._head_checked < max_age_s:
            return self._market
        if self._refs is None:
            self._refs = await self.reader.discover_pools()
            if not self._refs:
                raise NoRouteError(f"no pools found on chain {self.chain.name} for the "
                                   "configured tokens", hint="check the dexes and tokens in the config")
        if self._market is not None:
            block = await self.reader.block_number()
            self._head_checked = time.monotonic()
            if block == self._market.block_number:
                return self._market
        snapshot = await self.reader.snapshot(self._refs)
        if snapshot.chain_id != self.chain.chain_id:
            raise RpcError(f"wrong chain id {snapshot.chain_id}, expected {self.chain.chain_id}",
                           code="wrong_chain_id")
        self._head_checked = time.monotonic()
        self._market = build_market(snapshot, GuardPolicy(
            warn_bps=self.defaults.price_deviation_warn_bps,
            exclude_bps=self.defaults.price_deviation_exclude_bps))
        return self._market

    def route(self, market: Market, request: RouteRequest) -> RouteResult:
        return find_best_route(market.graph, request)


def build_market(snapshot: Snapshot, policy: GuardPolicy = GuardPolicy()) -> Market:
    """The snapshot's graph without the pools the manipulation guard excludes."""
    deviations = assess_pools(snapshot.pools, policy)
    excluded = {d.pool for d in deviations if d.excluded}
    graph = build_graph([p for p in snapshot.pools if p.address not in excluded])
    return Market(snapshot, graph, time.time(), deviations)


def gas_price_for_scoring(snapshot: Snapshot) -> int:
    """What a swap sent now would pay per gas: next base fee plus the typical tip."""
    gas = snapshot.gas
    if gas is None:
        return 0
    if gas.base_fee_wei:
        return gas.base_fee_wei + gas.priority_fee_wei
    return gas.gas_price_wei
