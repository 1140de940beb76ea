"""The reader on the devnet: discovery, snapshots equal to direct per-call reads, block
pinning, tick windows, TickLens, token metadata, chain-id check, and `solver pools`."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import pytest

from routes.pools import MAX_TICK, MIN_TICK, V2Pool, V3Pool
from solver import abi
from solver.addresses import to_checksum
from solver.errors import RpcError, UsageError
from solver.pool_state import FULL_SCAN, ScanPolicy, word_bounds
from solver.reader import RpcChainReader
from solver.rpc import RpcClient
from reader_support import devnet_chain, make_reader
from tests.cli.helpers import run_solver

pytestmark = pytest.mark.integration
CHECKSUMMED = re.compile(r"^0x[0-9a-fA-F]{40}$")


def without_tick_lens(chain):
    return dataclasses.replace(chain, dexes=tuple(dataclasses.replace(d, tick_lens=None)
                                                  for d in chain.dexes))


def bitmap_reader(devnet, tmp_path, scan=FULL_SCAN) -> RpcChainReader:
    return RpcChainReader(RpcClient(devnet.url, timeout_s=120), without_tick_lens(devnet_chain(devnet)),
                          scan=scan, cache_dir=tmp_path / "pools")


async def cold_read(reader: RpcChainReader):
    async with reader.rpc:
        refs = await reader.discover_pools()
        found = reader.rpc.round_trips
        snap = await reader.snapshot(refs)
        return refs, snap, found, reader.rpc.round_trips - found


async def direct_reads(devnet, snap) -> list[str]:
    """Every value of the snapshot read again with one plain eth_call each (no Multicall3),
    at the snapshot's block. Returns the differences."""
    tag = hex(snap.block_number)
    requests, checks = [], []

    def ask(to: str, data: bytes, check) -> None:
        requests.append(("eth_call", [{"to": to, "data": "0x" + data.hex()}, tag]))
        checks.append(check)

    for pool in snap.pools:
        if isinstance(pool, V2Pool):
            ask(pool.address, abi.GET_RESERVES,
                lambda d, p=pool: (abi.uint_at(d, 0), abi.uint_at(d, 1)) == (p.reserve0, p.reserve1))
            continue
        ask(pool.address, abi.SLOT0, lambda d, p=pool: (abi.uint_at(d, 0), abi.int_at(d, 1))
            == (p.sqrt_price_x96, p.tick))
        ask(pool.address, abi.LIQUIDITY, lambda d, p=pool: abi.uint_at(d, 0) == p.liquidity)
        ask(pool.address, abi.FEE, lambda d, p=pool: abi.uint_at(d, 0) == p.fee)
        ask(pool.address, abi.TICK_SPACING, lambda d, p=pool: abi.int_at(d, 0) == p.tick_spacing)
        for tick, net in pool.ticks:
            ask(pool.address, abi.encode_call(abi.TICKS, tick),
                lambda d, n=net: abi.int_at(d, 1) == n and abi.uint_at(d, 7) == 1)
        # The bitmap words around the price, one by one: no initialized tick is missing.
        known = {t for t, _ in pool.ticks}
        lo, hi = word_bounds(pool.tick_spacing)
        centre = (pool.tick // pool.tick_spacing) >> 8
        for word in range(max(lo, centre - 40), min(hi, centre + 40) + 1):
            def check(d, w=word, p=pool, k=known):
                bits = abi.uint_at(d, 0)
                ticks = {(w * 256 + b) * p.tick_spacing for b in range(256) if bits >> b & 1}
                return ticks == {t for t in k if (t // p.tick_spacing) >> 8 == w}
            ask(pool.address, abi.encode_call(abi.TICK_BITMAP, word), check)
    async with RpcClient(devnet.url, timeout_s=120) as rpc:
        answers = await rpc.batch(requests)
    return [f"{req[1][0]['to']} {req[1][0]['data'][:10]}" for req, ans, check
            in zip(requests, answers, checks) if not check(bytes.fromhex(ans[2:]))]


def test_snapshot_equals_direct_per_call_reads(devnet, tmp_path):
    refs, snap, discovery_trips, snapshot_trips = asyncio.run(cold_read(bitmap_reader(devnet, tmp_path)))
    deployed = {p["address"].lower(): p for p in devnet.deployment["pools"]}
    assert {r.address.lower() for r in refs} == set(deployed)
    assert discovery_trips == 1
    print(f"\ncold full-scan snapshot of {len(snap.pools)} pools: {snapshot_trips} HTTP requests")
    for pool in snap.pools:
        record = deployed[pool.address.lower()]
        if isinstance(pool, V3Pool):
            assert len(pool.ticks) == record["ticks"], pool.address
            assert (pool.scan_lo, pool.scan_hi) == (MIN_TICK, MAX_TICK)
            # The active liquidity is the running sum of liquidityNet up to the current tick.
            assert sum(n for t, n in pool.ticks if t <= pool.tick) == pool.liquidity
            assert sum(n for _, n in pool.ticks) == 0
        else:
            assert (str(pool.reserve0), str(pool.reserve1)) == (record["reserve0"], record["reserve1"])
    assert asyncio.run(direct_reads(devnet, snap)) == []


def test_tick_lens_and_bitmap_reads_agree_in_fewer_round_trips(devnet, tmp_path):
    scan = ScanPolicy()
    _, by_bitmap, _, bitmap_trips = asyncio.run(cold_read(bitmap_reader(devnet, tmp_path, scan)))
    lens_reader = make_reader(devnet, tmp_path, dataclasses.replace(scan, use_tick_lens=True))
    assert all(d.tick_lens for d in lens_reader.chain.dexes if d.kind == "uniswap_v3")
    _, by_lens, _, lens_trips = asyncio.run(cold_read(lens_reader))
    assert by_lens.pools == by_bitmap.pools
    print(f"\ndefault-window snapshot: bitmap {bitmap_trips} HTTP requests, TickLens {lens_trips}")


def test_big_bitmaps_are_windowed_honestly(devnet, tmp_path):
    _, full, _, _ = asyncio.run(cold_read(bitmap_reader(devnet, tmp_path)))
    _, windowed, _, _ = asyncio.run(cold_read(bitmap_reader(devnet, tmp_path, ScanPolicy(window_words=4))))
    narrowed = 0
    for a, b in zip(full.pools, windowed.pools):
        assert a.address == b.address
        if isinstance(a, V2Pool):
            assert a == b
            continue
        assert b.scan_lo <= b.tick <= b.scan_hi
        assert b.ticks == tuple(t for t in a.ticks if b.scan_lo <= t[0] <= b.scan_hi)
        if a.tick_spacing == 1:
            narrowed += 1
            assert (b.scan_lo, b.scan_hi) != (MIN_TICK, MAX_TICK)
        else:
            assert b == a
    assert narrowed >= 1


def test_reads_are_pinned_to_one_block(devnet, anvil_snapshot, tmp_path):
    async def scenario():
        reader = bitmap_reader(devnet, tmp_path, ScanPolicy())
        async with reader.rpc:
            refs = await reader.discover_pools()
            before = await reader.snapshot(refs)
            pair = next(p for p in before.pools if isinstance(p, V2Pool))
            await reader.rpc.call("evm_mine", [])
            packed = 123 | 456 << 112 | 1 << 224
            await reader.rpc.call("anvil_setStorageAt", [pair.address, hex(8), "0x" + packed.to_bytes(32, "big").hex()])
            pinned = await reader.snapshot(refs, block=before.block_number)
            latest = await reader.snapshot(refs)
            return before, pinned, latest, pair
    before, pinned, latest, pair = asyncio.run(scenario())
    assert pinned.pools == before.pools and pinned.block_number == before.block_number
    assert latest.block_number == before.block_number + 1
    assert (latest.pool(pair.address).reserve0, latest.pool(pair.address).reserve1) == (123, 456)


def test_token_metadata_and_a_token_without_decimals(devnet, tmp_path):
    async def scenario():
        reader = make_reader(devnet, tmp_path)
        async with reader.rpc:
            tokens = devnet.deployment["tokens"]
            metas = await reader.token_metadata([t["address"] for t in tokens.values()])
            with pytest.raises(UsageError) as info:
                await reader.token_metadata(["0x000000000000000000000000000000000000bEEF"])
            with pytest.raises(UsageError):  # a contract without decimals(): the pool manager
                await reader.token_metadata([devnet.deployment["contracts"]["v3_factory"]])
            return tokens, metas, info.value
    tokens, metas, err = asyncio.run(scenario())
    assert [(m.symbol, m.decimals) for m in metas] == [(s, t["decimals"]) for s, t in tokens.items()]
    assert err.exit_code == 2 and "decimals()" in err.message


def test_gas_price_and_head(devnet, tmp_path):
    async def scenario():
        reader = make_reader(devnet, tmp_path)
        async with reader.rpc:
            head = await reader.head()
            return head, reader.rpc.round_trips
    head, trips = asyncio.run(scenario())
    assert trips == 1 and head.chain_id == 31337 and head.block_number > 0
    assert head.gas.base_fee_wei >= 0 and head.gas.gas_price_wei > 0


def test_wrong_chain_id_is_exit_4(devnet, tmp_path):
    chain = dataclasses.replace(devnet_chain(devnet), chain_id=1)

    async def scenario():
        async with RpcClient(devnet.url) as rpc:
            await RpcChainReader(rpc, chain, cache_dir=tmp_path).snapshot([])
    with pytest.raises(RpcError) as info:
        asyncio.run(scenario())
    assert info.value.exit_code == 4 and info.value.code == "wrong_chain_id"


def test_pools_sync_and_list_commands(devnet, tmp_path):
    env = {"SOLVER_HOME": str(devnet.home)}
    config = str(devnet.profile_path)
    synced = run_solver("pools", "sync", "--config", config, "--json", env=env)
    assert synced.code == 0, synced.stderr
    body = synced.json()
    assert body["ok"] and body["pools"] == len(devnet.deployment["pools"])
    listed = run_solver("pools", "list", "--config", config, "--json", env=env)
    assert listed.code == 0, listed.stderr
    pools = listed.json()["pools"]
    assert len(pools) == len(devnet.deployment["pools"])
    for row in pools:
        assert CHECKSUMMED.match(row["address"]) and row["address"] == to_checksum(row["address"])
        assert row["token0"]["address"] == to_checksum(row["token0"]["address"])
        for key in ("reserve0", "reserve1", "liquidity", "sqrt_price_x96"):
            if key in row:
                assert isinstance(row[key], str) and row[key].isdigit()
    human = run_solver("pools", "list", "--config", config, env=env)
    assert human.code == 0 and "USDC/WETH" in human.stdout and "0.05%" in human.stdout
