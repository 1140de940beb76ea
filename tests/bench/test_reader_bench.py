"""Reader benchmarks under pytest-benchmark, on a devnet of their own.

Run: python -m pytest tests/bench/test_reader_bench.py --benchmark-enable -s
(or `python tests/bench/reader_bench.py` for the same figures as JSON). With the project's
default --benchmark-disable each benchmark runs once, as a smoke test: nothing here asserts
a time, only that the measured things still work and agree.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from pathlib import Path

import pytest

from routes.pools import V3Pool
from routes.swap import swap_exact_in
from solver import abi
from solver.config import load_config
from solver.pool_state import FULL_SCAN, ScanPolicy
from solver.reader import RpcChainReader
from solver.rpc import RpcClient
from reader_bench import USDC, WETH, amount_crossing, cold_read, quote_ratios

pytestmark = pytest.mark.integration
TICKS = (0, 10, 50, 200)


@pytest.fixture(scope="module")
def bench_devnet():
    """(chain config, QuoterV2 address) of a devnet started in a throwaway home."""
    from solver import devnet
    from solver.devnet.node import free_port

    saved = os.environ.get("SOLVER_HOME")
    os.environ["SOLVER_HOME"] = tempfile.mkdtemp(prefix="reader-bench-")
    try:
        info = devnet.up(free_port())
        try:
            deployment = json.loads(info.deployment_path.read_text())
            yield load_config(info.profile_path).chain(), deployment["contracts"]["quoter_v2"]
        finally:
            devnet.down()
    finally:
        if saved is None:
            os.environ.pop("SOLVER_HOME", None)
        else:
            os.environ["SOLVER_HOME"] = saved


@pytest.fixture(scope="module")
def usdc_weth(bench_devnet):
    """The deepest USDC/WETH V3 pool, read whole, with a running event loop and client."""
    chain, quoter = bench_devnet
    loop = asyncio.new_event_loop()
    rpc = RpcClient(chain.rpc_urls[0])
    reader = RpcChainReader(rpc, chain, scan=FULL_SCAN, cache_dir=Path(tempfile.mkdtemp()))
    snap = loop.run_until_complete(reader.snapshot(loop.run_until_complete(reader.discover_pools())))
    pool = max((p for p in snap.pools if isinstance(p, V3Pool) and {p.token0, p.token1} == {USDC, WETH}),
               key=lambda p: len(p.ticks))
    yield loop, rpc, quoter, pool, snap.block_number
    loop.run_until_complete(rpc.close())
    loop.close()


@pytest.mark.parametrize("ticks", TICKS)
def test_off_chain_v3_quote(benchmark, usdc_weth, ticks):
    _, _, _, pool, _ = usdc_weth
    amount = amount_crossing(pool, USDC, ticks)
    result = benchmark(swap_exact_in, pool, USDC, amount)
    benchmark.extra_info["ticks_crossed"] = result.ticks_crossed
    assert result.complete and result.ticks_crossed >= ticks


@pytest.mark.parametrize("ticks", TICKS)
def test_quoter_v2_eth_call(benchmark, usdc_weth, ticks):
    loop, rpc, quoter, pool, block = usdc_weth
    amount = amount_crossing(pool, USDC, ticks)
    data = abi.encode_call(abi.QUOTE_EXACT_INPUT_SINGLE, (USDC, WETH, amount, pool.fee, 0))
    params = [{"to": quoter, "data": "0x" + data.hex()}, hex(block)]
    answer = benchmark(lambda: loop.run_until_complete(rpc.call("eth_call", params)))
    out = bytes.fromhex(answer[2:])
    expected = swap_exact_in(pool, USDC, amount)
    assert (abi.uint_at(out, 0), abi.uint_at(out, 2)) == (expected.amount_out, expected.ticks_crossed)


@pytest.mark.parametrize("name,scan,lens", [
    ("windowed bitmap", ScanPolicy(), False),
    ("windowed TickLens", ScanPolicy(use_tick_lens=True), True),
    ("full bitmap", FULL_SCAN, False),
])
def test_cold_state_read_of_all_devnet_pools(benchmark, bench_devnet, name, scan, lens):
    chain, _ = bench_devnet
    result = benchmark.pedantic(lambda: asyncio.run(cold_read(chain, scan, lens=lens)),
                                rounds=3, iterations=1)
    benchmark.extra_info.update(result)
    print(f"\ncold read ({name}): {result}")
    assert result["discovery_round_trips"] == 1
    assert result["snapshot_round_trips"] <= (3 if lens else 6 if scan is not FULL_SCAN else 20)


def test_ratio_report(bench_devnet):
    """The figure for the closing note: QuoterV2 time / off-chain time, per tick count."""
    chain, quoter = bench_devnet
    rows = asyncio.run(quote_ratios(chain, quoter))
    for row in rows:
        print(f"\n{row['ticks_crossed']:>4} ticks: off-chain {row['off_chain_us']} us, "
              f"QuoterV2 {row['quoter_us']} us, ratio {row['ratio']}x")
        assert row["ticks_crossed"] == row["quoter_ticks_crossed"]
