"""Reader benchmarks on the devnet, side by side in one run:

(a) one off-chain V3 quote (routes.swap) crossing N initialized ticks, against one QuoterV2
    quoteExactInputSingle eth_call for the same swap, as a ratio;
(b) a cold state read of every devnet pool: wall time and HTTP round trips.

Run it as a script to print the figures (it starts its own devnet in a throwaway home
unless given --profile of a running one):
    python tests/bench/reader_bench.py [--profile PATH]
tests/bench/test_reader_bench.py runs the same measurements under pytest-benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from routes.pools import V3Pool
from routes.swap import swap_exact_in
from solver import abi
from solver.config import ChainConfig, load_config
from solver.pool_state import FULL_SCAN, ScanPolicy
from solver.reader import RpcChainReader
from solver.rpc import RpcClient

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
TICK_TARGETS = (0, 10, 50, 200)


def amount_crossing(pool: V3Pool, token_in: str, ticks: int) -> int:
    """The smallest power-of-1.1 amount whose swap crosses at least `ticks` initialized ticks."""
    amount = 10 ** 6
    while swap_exact_in(pool, token_in, amount).ticks_crossed < ticks:
        amount = amount * 11 // 10 + 1
    return amount


def time_off_chain(pool: V3Pool, token_in: str, amount: int, *, repeats: int = 7) -> float:
    """Seconds per quote: best of `repeats` loops of enough calls to last ~50 ms."""
    n = 1
    while True:
        start = time.perf_counter()
        for _ in range(n):
            swap_exact_in(pool, token_in, amount)
        if time.perf_counter() - start > 0.05:
            break
        n *= 2
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(n):
            swap_exact_in(pool, token_in, amount)
        best = min(best, (time.perf_counter() - start) / n)
    return best


async def time_quoter(rpc: RpcClient, quoter: str, pool: V3Pool, token_in: str, amount: int,
                      block: int, *, rounds: int = 40) -> tuple[float, int]:
    """Median seconds of one QuoterV2 eth_call (one HTTP request each), and its ticks crossed."""
    token_out = pool.other(token_in)
    data = abi.encode_call(abi.QUOTE_EXACT_INPUT_SINGLE, (token_in, token_out, amount, pool.fee, 0))
    params = [{"to": quoter, "data": "0x" + data.hex()}, hex(block)]
    answer = await rpc.call("eth_call", params)  # warm-up, and the answer to check
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        await rpc.call("eth_call", params)
        times.append(time.perf_counter() - start)
    return statistics.median(times), abi.uint_at(bytes.fromhex(answer[2:]), 2)


async def quote_ratios(chain: ChainConfig, quoter: str) -> list[dict]:
    async with RpcClient(chain.rpc_urls[0]) as rpc:
        reader = RpcChainReader(rpc, chain, scan=FULL_SCAN, cache_dir=Path(tempfile.mkdtemp()))
        snap = await reader.snapshot(await reader.discover_pools())
        pool = max((p for p in snap.pools if isinstance(p, V3Pool) and {p.token0, p.token1} == {USDC, WETH}),
                   key=lambda p: len(p.ticks))
        rows = []
        for target in TICK_TARGETS:
            amount = amount_crossing(pool, USDC, target)
            off_s = time_off_chain(pool, USDC, amount)
            on_s, on_ticks = await time_quoter(rpc, quoter, pool, USDC, amount, snap.block_number)
            result = swap_exact_in(pool, USDC, amount)
            rows.append({"pool": pool.address, "fee": pool.fee, "amount_in": str(amount),
                         "ticks_crossed": result.ticks_crossed, "quoter_ticks_crossed": on_ticks,
                         "off_chain_us": round(off_s * 1e6, 1), "quoter_us": round(on_s * 1e6, 1),
                         "ratio": round(on_s / off_s, 1)})
        return rows


async def cold_read(chain: ChainConfig, scan: ScanPolicy, *, lens: bool) -> dict:
    """A fresh client and an empty pool cache: discovery, then one snapshot of every pool."""
    if not lens:
        chain = dataclasses.replace(chain, dexes=tuple(dataclasses.replace(d, tick_lens=None)
                                                       for d in chain.dexes))
    cache = Path(tempfile.mkdtemp())
    start = time.perf_counter()
    async with RpcClient(chain.rpc_urls[0], timeout_s=120) as rpc:
        reader = RpcChainReader(rpc, chain, scan=scan, cache_dir=cache)
        refs = await reader.discover_pools()
        found_s, found_trips = time.perf_counter() - start, rpc.round_trips
        snap = await reader.snapshot(refs)
        total_s = time.perf_counter() - start
    return {"pools": len(snap.pools), "ticks": sum(len(p.ticks) for p in snap.pools if isinstance(p, V3Pool)),
            "discovery_ms": round(found_s * 1e3, 1), "discovery_round_trips": found_trips,
            "snapshot_ms": round((total_s - found_s) * 1e3, 1),
            "snapshot_round_trips": rpc.round_trips - found_trips, "total_ms": round(total_s * 1e3, 1)}


async def cold_reads(chain: ChainConfig) -> dict:
    out = {}
    for name, scan, lens in (("default: windowed, bitmap + ticks()", ScanPolicy(), False),
                             ("windowed, TickLens", ScanPolicy(use_tick_lens=True), True),
                             ("full bitmap, bitmap + ticks()", FULL_SCAN, False)):
        await cold_read(chain, scan, lens=lens)  # warm the node's caches the same way for all
        out[name] = await cold_read(chain, scan, lens=lens)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=Path, help="profile.toml of a running devnet")
    args = parser.parse_args()
    stop = None
    if args.profile is None:
        os.environ["SOLVER_HOME"] = tempfile.mkdtemp(prefix="reader-bench-")
        from solver import devnet
        from solver.devnet.node import free_port

        info = devnet.up(free_port())
        args.profile, stop = info.profile_path, devnet.down
    try:
        chain = load_config(args.profile).chain()
        deployment = json.loads((args.profile.parent / "deployment.json").read_text())
        quoter = deployment["contracts"]["quoter_v2"]
        report = {"quote": asyncio.run(quote_ratios(chain, quoter)),
                  "cold_read": asyncio.run(cold_reads(chain))}
    finally:
        if stop:
            stop()
    json.dump(report, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
