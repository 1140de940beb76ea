"""Seeding the devnet's pools from a plan, then proving on chain that they hold what was planned.

The seeder is funded, every V3 pool created, initialized and filled range by range (by the
DevnetSeeder), and every V2 pair seeded, all in one block. The check afterwards reads every pool through Multicall3 and
fails loudly on any difference from the data: sqrtPriceX96, tick, liquidity, and every tick's
liquidityNet.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Callable

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from solver.devnet.chain import DevChain, Tx, calldata, decode_hex
from solver.devnet.deploy import MULTICALL3, fund_seeder_txs
from solver.devnet.plan import SeedPlan, V2PairPlan, V3PoolPlan
from solver.errors import InternalError

Progress = Callable[[str, int, int], None]
# Gas of one mint through the seeder is 100k-250k; give each range room, plus a base.
GAS_PER_RANGE = 400_000
VERIFY_GAS = 2_000_000_000


def v3_pool_address(factory: str, token0: str, token1: str, fee: int, init_code_hash: str) -> str:
    salt = keccak(encode(["address", "address", "uint24"], [token0, token1, fee]))
    return _create2(factory, salt, init_code_hash)


def v2_pair_address(factory: str, token0: str, token1: str, init_code_hash: str) -> str:
    salt = keccak(bytes.fromhex(token0[2:]) + bytes.fromhex(token1[2:]))
    return _create2(factory, salt, init_code_hash)


def _create2(deployer: str, salt: bytes, init_code_hash: str) -> str:
    digest = keccak(b"\xff" + bytes.fromhex(deployer[2:]) + salt + bytes.fromhex(init_code_hash[2:]))
    return to_checksum_address(digest[12:])


def _symbol(deployment: dict, address: str) -> str:
    for symbol, token in deployment["tokens"].items():
        if token["address"] == address:
            return symbol
    return address


async def seed_pools(chain: DevChain, deployment: dict, plan: SeedPlan,
                     progress: Progress | None = None) -> None:
    """Create, fill and check every pool of the plan; record them in deployment['pools']."""
    contracts = deployment["contracts"]
    seeder = contracts["seeder"]
    hashes = deployment["init_code_hashes"]
    setup = fund_seeder_txs(deployment)
    pools: list[str] = []
    for pool in plan.v3:
        setup.append(Tx(to=seeder, gas=6_000_000,
                        label=f"create V3 {_symbol(deployment, pool.token0)}/{_symbol(deployment, pool.token1)} {pool.fee}",
                        data=calldata("createV3Pool(address,address,address,uint24,uint160)",
                                      contracts["v3_factory"], pool.token0, pool.token1, pool.fee,
                                      pool.sqrt_price_x96)))
        pools.append(v3_pool_address(contracts["v3_factory"], pool.token0, pool.token1, pool.fee,
                                     hashes["v3_pool"]))
    for pair in plan.v2:
        setup.append(Tx(to=seeder, gas=4_000_000,
                        label=f"seed V2 {_symbol(deployment, pair.token0)}/{_symbol(deployment, pair.token1)}",
                        data=calldata("seedV2(address,address,address,uint256,uint256,address)",
                                      contracts["v2_factory"], pair.token0, pair.token1,
                                      pair.reserve0, pair.reserve1, deployment["deployer"])))
    for pool, address in zip(plan.v3, pools):
        setup.append(Tx(
            to=seeder, gas=1_000_000 + GAS_PER_RANGE * len(pool.ranges),
            label=f"mint {len(pool.ranges)} ranges into {address}",
            data=calldata("mintV3(address,address,(int24,int24,uint128)[])", address,
                          deployment["deployer"], list(pool.ranges))))
    # One block for all of it: anvil spends ~70 ms sealing each block of this much state, as
    # much as the EVM needs for a thousand mints.
    if progress:
        progress("seed pools", 0, 1)
    await chain.send_block(setup)
    if progress:
        progress("seed pools", 1, 1)

    deployment["pools"] = [_v3_record(deployment, p, a) for p, a in zip(plan.v3, pools)]
    deployment["pools"] += [_v2_record(deployment, p) for p in plan.v2]
    deployment["skipped_data_pools"] = list(plan.skipped)


def _v3_record(deployment: dict, pool: V3PoolPlan, address: str) -> dict:
    return {"protocol": "uniswap_v3", "address": address,
            "token0": pool.token0, "token1": pool.token1,
            "symbol0": _symbol(deployment, pool.token0), "symbol1": _symbol(deployment, pool.token1),
            "fee": pool.fee, "tick_spacing": pool.tick_spacing,
            "sqrt_price_x96": str(pool.sqrt_price_x96), "ticks": len(_expected_nets(pool)),
            "mints": len(pool.ranges), "source": pool.source}


def _v2_record(deployment: dict, pair: V2PairPlan) -> dict:
    contracts, hashes = deployment["contracts"], deployment["init_code_hashes"]
    return {"protocol": "uniswap_v2",
            "address": v2_pair_address(contracts["v2_factory"], pair.token0, pair.token1, hashes["v2_pair"]),
            "token0": pair.token0, "token1": pair.token1,
            "symbol0": _symbol(deployment, pair.token0), "symbol1": _symbol(deployment, pair.token1),
            "fee_bps": 30, "reserve0": str(pair.reserve0), "reserve1": str(pair.reserve1),
            "source": pair.source}


def _expected_nets(pool: V3PoolPlan) -> dict[int, int]:
    """liquidityNet per initialized tick: the data's, or what the planned ranges produce."""
    if pool.expected_ticks:
        return dict(pool.expected_ticks)
    nets: dict[int, int] = defaultdict(int)
    for lower, upper, liquidity in pool.ranges:
        nets[lower] += liquidity
        nets[upper] -= liquidity
    return dict(nets)


def _aggregate3(target: str, datas: list[str]) -> str:
    return calldata("aggregate3((address,bool,bytes)[])",
                    [(target, False, bytes.fromhex(d[2:])) for d in datas])


async def verify_pools(chain: DevChain, deployment: dict, plan: SeedPlan) -> None:
    """Read every pool back and raise InternalError on the first difference from the plan."""
    v3_records = [p for p in deployment["pools"] if p["protocol"] == "uniswap_v3"]
    v2_records = [p for p in deployment["pools"] if p["protocol"] == "uniswap_v2"]
    calls = []
    for pool, record in zip(plan.v3, v3_records):
        ticks = sorted(_expected_nets(pool))
        datas = [calldata("slot0()"), calldata("liquidity()")]
        datas += [calldata("ticks(int24)", t) for t in ticks]
        calls.append((MULTICALL3, _aggregate3(record["address"], datas)))
    for record in v2_records:
        calls.append((MULTICALL3, _aggregate3(record["address"], [calldata("getReserves()")])))
    answers = await chain.call_many(calls, gas=VERIFY_GAS)
    for pool, record, answer in zip(plan.v3, v3_records, answers):
        _check_v3(pool, record, [data for _, data in decode_hex("(bool,bytes)[]", answer)[0]])
    for pair, record, answer in zip(plan.v2, v2_records, answers[len(v3_records):]):
        [(_, data)] = decode_hex("(bool,bytes)[]", answer)[0]
        reserves = decode_hex("uint112,uint112,uint32", "0x" + data.hex())[:2]
        if reserves != (pair.reserve0, pair.reserve1):
            raise InternalError(f"devnet seed check: V2 pair {record['address']} has reserves "
                                f"{reserves}, planned {(pair.reserve0, pair.reserve1)}")
    await _check_factory_addresses(chain, deployment)


def _check_v3(pool: V3PoolPlan, record: dict, results: list[bytes]) -> None:
    where = f"devnet seed check: {record['symbol0']}/{record['symbol1']} {pool.fee} at {record['address']}"
    sqrt_price = int.from_bytes(results[0][0:32], "big")
    tick = int.from_bytes(results[0][32:64], "big", signed=True)
    liquidity = int.from_bytes(results[1][0:32], "big")
    if sqrt_price != pool.sqrt_price_x96:
        raise InternalError(f"{where}: sqrtPriceX96 {sqrt_price} != {pool.sqrt_price_x96}")
    if pool.expected_tick is not None and tick != pool.expected_tick:
        raise InternalError(f"{where}: tick {tick} != {pool.expected_tick}")
    expected_liquidity = pool.expected_liquidity
    if expected_liquidity is None:
        expected_liquidity = sum(liq for lower, upper, liq in pool.ranges if lower <= tick < upper)
    if liquidity != expected_liquidity:
        raise InternalError(f"{where}: liquidity {liquidity} != {expected_liquidity}")
    nets = _expected_nets(pool)
    for t, data in zip(sorted(nets), results[2:]):
        net = int.from_bytes(data[32:64], "big", signed=True)
        initialized = data[7 * 32 + 31] == 1
        if net != nets[t] or not initialized:
            raise InternalError(f"{where}: tick {t} has liquidityNet {net} "
                                f"(initialized={initialized}), expected {nets[t]}")
    record["tick"] = tick
    record["liquidity"] = str(liquidity)


async def _check_factory_addresses(chain: DevChain, deployment: dict) -> None:
    """The factories must know each pool at the address we computed (as the routers compute it)."""
    contracts = deployment["contracts"]
    calls = []
    for record in deployment["pools"]:
        if record["protocol"] == "uniswap_v3":
            calls.append((contracts["v3_factory"], calldata("getPool(address,address,uint24)",
                                                            record["token0"], record["token1"], record["fee"])))
        else:
            calls.append((contracts["v2_factory"], calldata("getPair(address,address)",
                                                            record["token0"], record["token1"])))
    for record, answer in zip(deployment["pools"], await chain.call_many(calls)):
        actual = to_checksum_address(decode_hex("address", answer)[0])
        if actual != record["address"]:
            raise InternalError(f"devnet seed check: the factory has {actual} for the pool we put at "
                                f"{record['address']}")
