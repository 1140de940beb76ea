"""RpcChainReader over a FakeRpc: discovery and its cache, pinned snapshots, round trips,
chain-id checks, token metadata and gas price."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from routes.pools import MAX_TICK, MIN_TICK, V2Pool, V3Pool
from solver.addresses import to_checksum
from solver.config import ChainConfig, DexConfig, TokenConfig
from solver.discovery import PoolRef, cache_path
from solver.errors import ConfigError, RpcError, UsageError
from routes.tick_math import get_sqrt_ratio_at_tick
from solver.pool_state import FULL_SCAN, ScanPolicy, scan_ticks, word_bounds
from solver.reader import GasPrice, RpcChainReader, parse_gas_price
from reader_fakes import (MULTICALL3, FakeChain, FakeFactory, FakeRpc, FakeTickLens, FakeToken,
                          FakeV2Pair, FakeV3Pool)

A = to_checksum("0x" + "0a" * 20)
B = to_checksum("0x" + "0b" * 20)
C = to_checksum("0x" + "0c" * 20)
V2F = to_checksum("0x" + "f2" * 20)
V3F = to_checksum("0x" + "f3" * 20)
LENS = to_checksum("0x" + "1e" * 20)
PAIR_AB = to_checksum("0x" + "a1" * 20)
POOL_AB_3000 = to_checksum("0x" + "a3" * 20)
POOL_AB_100 = to_checksum("0x" + "a4" * 20)
POOL_BC_500 = to_checksum("0x" + "b5" * 20)  # created, never initialized


def run(coro):
    return asyncio.run(coro)


def make_chain(*, tick_lens: str | None = None) -> tuple[FakeChain, ChainConfig]:
    chain = FakeChain()
    for t, d in ((A, 18), (B, 6), (C, 8)):
        chain.add(t, FakeToken(d, symbol=f"T{d}"))
    v2 = FakeFactory("uniswap_v2", {tuple(sorted((A.lower(), B.lower()))): PAIR_AB})
    v3 = FakeFactory("uniswap_v3", {
        tuple(sorted((A.lower(), B.lower()))) + (3000,): POOL_AB_3000,
        tuple(sorted((A.lower(), B.lower()))) + (100,): POOL_AB_100,
        tuple(sorted((B.lower(), C.lower()))) + (500,): POOL_BC_500,
    })
    chain.add(V2F, v2)
    chain.add(V3F, v3)
    chain.add(PAIR_AB, FakeV2Pair(10**21, 2 * 10**12))
    chain.add(POOL_AB_3000, FakeV3Pool(2**96, 0, 10**18, 3000, 60,
                                       {-887220: 5, -600: 10**18, 600: -10**18, 887220: -5}))
    chain.add(POOL_AB_100, FakeV3Pool(get_sqrt_ratio_at_tick(3) + 5, 3, 7 * 10**15, 100, 1,
                                      {-5: 7 * 10**15, 8: -7 * 10**15, -30000: 1, 30000: -1}))
    chain.add(POOL_BC_500, FakeV3Pool(0, 0, 0, 500, 10))
    chain.add(LENS, FakeTickLens(chain))
    config = ChainConfig(
        name="fake", chain_id=31337, rpc_urls=("http://fake",), multicall3=MULTICALL3,
        wrapped_native=A, router=V2F,
        tokens=(TokenConfig("A", A, 18), TokenConfig("B", B, 6), TokenConfig("C", C, 8)),
        dexes=(DexConfig("uniswap-v2", "uniswap_v2", V2F, fee_bps=30),
               DexConfig("uniswap-v3", "uniswap_v3", V3F, fee_tiers=(100, 500, 3000, 10000),
                         tick_lens=tick_lens)))
    return chain, config


def reader_for(chain, config, tmp_path, scan=ScanPolicy()):
    return RpcChainReader(FakeRpc(chain), config, scan=scan, cache_dir=tmp_path)


def test_discovery_finds_pools_in_one_round_trip_and_caches_them(tmp_path):
    chain, config = make_chain()
    reader = reader_for(chain, config, tmp_path)
    refs = run(reader.discover_pools())
    assert reader.rpc.round_trips == 1
    by_addr = {r.address: r for r in refs}
    assert set(by_addr) == {PAIR_AB, POOL_AB_3000, POOL_AB_100, POOL_BC_500}
    assert by_addr[PAIR_AB] == PoolRef(PAIR_AB, "uniswap_v2", "uniswap-v2", A, B, 3000)
    assert by_addr[POOL_AB_100].tick_spacing == 1 and by_addr[POOL_AB_100].fee_pips == 100
    assert cache_path(31337, config.dexes[0], tmp_path).is_file()
    queries = chain.contracts[V3F.lower()].queries
    # A later run asks the factories nothing, and gets the same answer.
    again = RpcChainReader(FakeRpc(chain), config, cache_dir=tmp_path)
    assert run(again.discover_pools()) == refs
    assert chain.contracts[V3F.lower()].queries == queries
    assert again.rpc.batches == [["eth_chainId", "eth_getBlockByNumber"]]


def test_discovery_asks_only_about_new_tokens_and_refresh_asks_again(tmp_path):
    chain, config = make_chain()
    run(reader_for(chain, config, tmp_path).discover_pools(tokens=[A, B]))
    v3 = chain.contracts[V3F.lower()]
    before = v3.queries
    run(reader_for(chain, config, tmp_path).discover_pools(tokens=[A, B, C]))
    assert v3.queries - before == 2 * 4  # (A,C) and (B,C) at four tiers; spacings cached
    before = v3.queries
    run(reader_for(chain, config, tmp_path).discover_pools(tokens=[A, B, C], refresh=True))
    assert v3.queries - before == 3 * 4 + 4


def test_discovery_cache_is_dropped_for_another_chain_with_the_same_id(tmp_path):
    chain, config = make_chain()
    run(reader_for(chain, config, tmp_path).discover_pools())
    chain.genesis = "0x" + "cd" * 32
    chain.contracts[V2F.lower()].pools.clear()
    refs = run(reader_for(chain, config, tmp_path).discover_pools())
    assert PAIR_AB not in {r.address for r in refs}


def test_snapshot_reads_every_pool_at_one_block_in_three_round_trips(tmp_path):
    chain, config = make_chain()
    reader = reader_for(chain, config, tmp_path, scan=FULL_SCAN)
    refs = run(reader.discover_pools())
    reader.rpc.round_trips = 0
    snap = run(reader.snapshot(refs))
    assert reader.rpc.round_trips == 3
    assert (snap.block_number, snap.chain_id) == (100, 31337)
    assert snap.skipped == (POOL_BC_500,)
    assert all(tag == hex(100) for to, tag in chain.calls_seen[-2:])
    pair = snap.pool(PAIR_AB)
    assert pair == V2Pool(PAIR_AB, A, B, 10**21, 2 * 10**12, 30, "uniswap-v2")
    pool = snap.pool(POOL_AB_3000)
    assert isinstance(pool, V3Pool)
    assert (pool.sqrt_price_x96, pool.tick, pool.liquidity, pool.fee, pool.tick_spacing) == \
        (2**96, 0, 10**18, 3000, 60)
    assert pool.ticks == ((-887220, 5), (-600, 10**18), (600, -10**18), (887220, -5))
    assert (pool.scan_lo, pool.scan_hi) == (MIN_TICK, MAX_TICK)
    assert snap.pool(POOL_AB_100).ticks == ((-30000, 1), (-5, 7 * 10**15), (8, -7 * 10**15), (30000, -1))
    assert snap.gas == GasPrice(1_100_000_000, 2 * 10**8, 2 * 10**9)


def test_big_bitmaps_are_windowed_around_the_current_tick_and_say_so(tmp_path):
    chain, config = make_chain()
    reader = reader_for(chain, config, tmp_path, scan=ScanPolicy(full_scan_max_words=1024, window_words=2))
    refs = run(reader.discover_pools())
    snap = run(reader.snapshot(refs))
    pool = snap.pool(POOL_AB_100)
    assert (pool.scan_lo, pool.scan_hi) == (-2 * 256, 3 * 256 - 1)
    assert pool.ticks == ((-5, 7 * 10**15), (8, -7 * 10**15))  # +-30000 are outside the window
    assert snap.pool(POOL_AB_3000).scan_lo == MIN_TICK  # spacing 60 is read whole
    # The first read probed slot0 at "latest" inside round trip 1; the next one uses the
    # tick it learned and does not probe again.
    assert "eth_call" in reader.rpc.batches[1]
    reader.rpc.batches.clear()
    run(reader.snapshot(refs))
    assert "eth_call" not in reader.rpc.batches[0]


def test_tick_lens_is_used_only_when_the_policy_asks(tmp_path):
    chain, config = make_chain(tick_lens=LENS)
    reader = reader_for(chain, config, tmp_path, scan=FULL_SCAN)
    run(reader.snapshot(run(reader.discover_pools())))
    assert LENS.lower() not in {to.lower() for to, _ in chain.calls_seen}
    assert reader.rpc.round_trips == 1 + 3


def test_tick_lens_answers_ticks_in_two_round_trips(tmp_path):
    chain, config = make_chain(tick_lens=LENS)
    reader = reader_for(chain, config, tmp_path, scan=dataclasses.replace(FULL_SCAN, use_tick_lens=True))
    refs = [r for r in run(reader.discover_pools()) if r.address != POOL_AB_100]
    reader.rpc.round_trips = 0
    snap = run(reader.snapshot(refs))
    assert reader.rpc.round_trips == 2
    assert snap.pool(POOL_AB_3000).ticks == ((-887220, 5), (-600, 10**18), (600, -10**18), (887220, -5))


def test_snapshot_at_an_explicit_block_pins_every_call(tmp_path):
    chain, config = make_chain()
    reader = reader_for(chain, config, tmp_path, scan=FULL_SCAN)
    refs = run(reader.discover_pools())
    chain.calls_seen.clear()
    snap = run(reader.snapshot(refs, block=42))
    assert snap.block_number == 42
    assert {tag for _, tag in chain.calls_seen} == {hex(42)}


def test_wrong_chain_id_is_an_rpc_error_with_exit_4(tmp_path):
    chain, config = make_chain()
    chain.chain_id = 1
    reader = reader_for(chain, config, tmp_path)
    for coro in (reader.chain_id(), reader.head(), reader.discover_pools(), reader.snapshot([])):
        with pytest.raises(RpcError) as info:
            run(coro)
        assert info.value.exit_code == 4 and info.value.code == "wrong_chain_id"
        assert "wrong chain id" in info.value.message


def test_token_metadata_and_tokens_without_decimals(tmp_path):
    chain, config = make_chain()
    odd = to_checksum("0x" + "0d" * 20)
    chain.add(odd, FakeToken(18, symbol="MKR", bytes32_symbol=True))
    reader = reader_for(chain, config, tmp_path)
    metas = run(reader.token_metadata([B, odd]))
    assert [(m.symbol, m.decimals) for m in metas] == [("T6", 6), ("MKR", 18)]
    reverting = to_checksum("0x" + "0e" * 20)
    chain.add(reverting, FakeToken(None))
    no_code = to_checksum("0x" + "0f" * 20)
    for bad, why in ((reverting, "reverted"), (no_code, "returned nothing")):
        with pytest.raises(UsageError) as info:
            run(reader.token_metadata([A, bad]))
        assert info.value.exit_code == 2 and why in info.value.message and bad in info.value.message


def test_gas_price_parsing_with_and_without_eip1559():
    history = {"baseFeePerGas": ["0x10", "0x20"], "reward": [["0x1"], ["0x3"], ["0x2"]]}
    assert parse_gas_price(history, "0x30") == GasPrice(0x20, 2, 0x30)
    assert parse_gas_price(None, "0x30") == GasPrice(0, 0x30, 0x30)
    assert parse_gas_price({"baseFeePerGas": ["0x10"], "reward": []}, "0x30") == GasPrice(0x10, 0x20, 0x30)
    assert GasPrice(10, 1, 5).max_fee_wei == 21


def test_gas_price_and_block_number(tmp_path):
    chain, config = make_chain()
    reader = reader_for(chain, config, tmp_path)
    assert run(reader.block_number()) == 100
    assert run(reader.gas_price()).gas_price_wei == 2 * 10**9
    assert run(reader.chain_id()) == 31337


def test_word_bounds_and_scan_ranges():
    ref = PoolRef("0x" + "00" * 20, "uniswap_v3", "x", A, B, 100, 1)
    assert word_bounds(1) == (-3466, 3465)
    assert word_bounds(60) == (-58, 57)
    assert scan_ticks(ref, (-3466, 3465)) == (MIN_TICK, MAX_TICK)
    assert scan_ticks(ref, (-1, 0)) == (-256, 255)


def test_a_wrong_factory_or_multicall_address_is_a_config_error(tmp_path):
    chain, config = make_chain()
    bad_factory = dataclasses.replace(config, dexes=(dataclasses.replace(
        config.dexes[0], factory=to_checksum("0x" + "99" * 20)),))
    with pytest.raises(ConfigError) as info:
        run(reader_for(chain, bad_factory, tmp_path).discover_pools())
    assert info.value.exit_code == 6 and "factory" in info.value.message
    no_multicall = dataclasses.replace(config, multicall3=to_checksum("0x" + "98" * 20))
    with pytest.raises(ConfigError) as info:
        run(reader_for(chain, no_multicall, tmp_path / "other").discover_pools())
    assert info.value.exit_code == 6 and "Multicall3" in info.value.message
