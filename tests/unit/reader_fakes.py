"""Test doubles for the reader: a FakeRpc that serves a FakeChain of Uniswap-like contracts.

The fake decodes aggregate3 calldata with eth_abi (not with our hand-rolled code), so it
also cross-checks solver.multicall's encoding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_abi import decode as abi_decode, encode as abi_encode

from solver import abi
from solver.rpc import JsonRpcError

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
GENESIS = "0x" + "ab" * 32


class Revert(Exception):
    def __init__(self, data: bytes = b"") -> None:
        super().__init__("revert")
        self.data = data


@dataclass
class FakeV2Pair:
    reserve0: int
    reserve1: int

    def handle(self, sel: bytes, args: bytes) -> bytes:
        if sel == abi.GET_RESERVES:
            return abi_encode(["uint112", "uint112", "uint32"], [self.reserve0, self.reserve1, 1])
        raise Revert()


@dataclass
class FakeV3Pool:
    sqrt_price_x96: int
    tick: int
    liquidity: int
    fee: int
    tick_spacing: int
    ticks: dict[int, int] = field(default_factory=dict)  # tick -> liquidityNet

    def bitmap_word(self, word: int) -> int:
        out = 0
        for t in self.ticks:
            compressed = t // self.tick_spacing
            if compressed >> 8 == word:
                out |= 1 << (compressed % 256)
        return out

    def handle(self, sel: bytes, args: bytes) -> bytes:
        if sel == abi.SLOT0:
            return abi_encode(["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"],
                              [self.sqrt_price_x96, self.tick, 0, 1, 1, 0, True])
        if sel == abi.LIQUIDITY:
            return abi_encode(["uint128"], [self.liquidity])
        if sel == abi.FEE:
            return abi_encode(["uint24"], [self.fee])
        if sel == abi.TICK_SPACING:
            return abi_encode(["int24"], [self.tick_spacing])
        if sel == abi.TICK_BITMAP:
            (word,) = abi_decode(["int16"], args)
            return abi_encode(["uint256"], [self.bitmap_word(word)])
        if sel == abi.TICKS:
            (tick,) = abi_decode(["int24"], args)
            net = self.ticks.get(tick, 0)
            return abi_encode(["uint128", "int128", "uint256", "uint256", "int56", "uint160",
                               "uint32", "bool"], [abs(net), net, 0, 0, 0, 0, 0, tick in self.ticks])
        raise Revert()


@dataclass
class FakeTickLens:
    chain: "FakeChain"

    def handle(self, sel: bytes, args: bytes) -> bytes:
        if sel != abi.GET_POPULATED_TICKS_IN_WORD:
            raise Revert()
        pool_addr, word = abi_decode(["address", "int16"], args)
        pool = self.chain.contracts[pool_addr.lower()]
        ticks = sorted((t, n) for t, n in pool.ticks.items()
                       if (t // pool.tick_spacing) >> 8 == word)
        return abi_encode(["(int24,int128,uint128)[]"], [[(t, n, abs(n)) for t, n in ticks]])


@dataclass
class FakeFactory:
    kind: str
    pools: dict[tuple, str] = field(default_factory=dict)  # (a, b[, fee]) lower -> address
    spacings: dict[int, int] = field(default_factory=lambda: {100: 1, 500: 10, 3000: 60, 10000: 200})
    queries: int = 0

    def handle(self, sel: bytes, args: bytes) -> bytes:
        self.queries += 1
        zero = "0x" + "00" * 20
        if sel == abi.GET_PAIR:
            a, b = abi_decode(["address", "address"], args)
            key = tuple(sorted((a.lower(), b.lower())))
            return abi_encode(["address"], [self.pools.get(key, zero)])
        if sel == abi.GET_POOL:
            a, b, fee = abi_decode(["address", "address", "uint24"], args)
            key = tuple(sorted((a.lower(), b.lower()))) + (fee,)
            return abi_encode(["address"], [self.pools.get(key, zero)])
        if sel == abi.FEE_AMOUNT_TICK_SPACING:
            (fee,) = abi_decode(["uint24"], args)
            return abi_encode(["int24"], [self.spacings.get(fee, 0)])
        raise Revert()


@dataclass
class FakeToken:
    decimals: int | None
    symbol: str = "TKN"
    bytes32_symbol: bool = False

    def handle(self, sel: bytes, args: bytes) -> bytes:
        if sel == abi.DECIMALS:
            if self.decimals is None:
                raise Revert()
            return abi_encode(["uint8"], [self.decimals])
        if sel in (abi.SYMBOL, abi.NAME):
            if self.bytes32_symbol:
                return self.symbol.encode().ljust(32, b"\x00")
            return abi_encode(["string"], [self.symbol])
        raise Revert()


class FakeChain:
    def __init__(self, chain_id: int = 31337, block: int = 100) -> None:
        self.chain_id = chain_id
        self.block = block
        self.genesis = GENESIS
        self.contracts: dict[str, object] = {}
        self.calls_seen: list[tuple[str, str]] = []  # (method, block tag)
        self.exec_block = block  # the block an eth_call runs at (Multicall3.getBlockNumber)

    def add(self, address: str, contract: object) -> str:
        self.contracts[address.lower()] = contract
        return address

    def exec(self, to: str, data: bytes) -> bytes:
        if to.lower() == MULTICALL3.lower() and data[:4] == abi.GET_BLOCK_NUMBER:
            return abi_encode(["uint256"], [self.exec_block])
        contract = self.contracts.get(to.lower())
        if contract is None:
            return b""  # a call to an address without code succeeds with no data
        return contract.handle(data[:4], data[4:])

    def aggregate3(self, data: bytes) -> bytes:
        assert data[:4] == abi.AGGREGATE3
        (calls,) = abi_decode(["(address,bool,bytes)[]"], data[4:])
        out = []
        for target, allow_failure, calldata in calls:
            try:
                out.append((True, self.exec(target, calldata)))
            except Revert as exc:
                if not allow_failure:
                    raise
                out.append((False, exc.data))
        return abi_encode(["(bool,bytes)[]"], [out])


class FakeRpc:
    """RpcClient's interface over a FakeChain. Each batch is one round trip."""

    def __init__(self, chain: FakeChain, url: str = "http://fake") -> None:
        self.chain = chain
        self.url = url
        self.round_trips = 0
        self.batches: list[list[str]] = []

    async def close(self) -> None:
        pass

    async def call(self, method: str, params: list | None = None):
        [result] = await self.batch([(method, params or [])])
        return result

    async def batch(self, calls, *, return_errors: bool = False):
        self.round_trips += 1
        self.batches.append([m for m, _ in calls])
        results = []
        for method, params in calls:
            try:
                results.append(self._one(method, params))
            except JsonRpcError as err:
                if not return_errors:
                    raise
                results.append(err)
        return results

    def _one(self, method: str, params: list):
        c = self.chain
        if method == "eth_chainId":
            return hex(c.chain_id)
        if method == "eth_blockNumber":
            return hex(c.block)
        if method == "eth_gasPrice":
            return hex(2_000_000_000)
        if method == "eth_feeHistory":
            return {"baseFeePerGas": [hex(10**9), hex(1_100_000_000)],
                    "reward": [[hex(10**8)], [hex(3 * 10**8)], [hex(2 * 10**8)]]}
        if method == "eth_getCode":
            known = params[0].lower() == MULTICALL3.lower() or params[0].lower() in c.contracts
            return "0x60" if known else "0x"
        if method == "eth_getBlockByNumber":
            return {"hash": c.genesis, "number": "0x0"}
        if method == "eth_call":
            tx, tag = params
            c.calls_seen.append((tx["to"], tag))
            c.exec_block = int(tag, 16) if tag.startswith("0x") else c.block
            data = bytes.fromhex(tx["data"][2:])
            try:
                if tx["to"].lower() == MULTICALL3.lower():
                    return "0x" + c.aggregate3(data).hex()
                return "0x" + c.exec(tx["to"], data).hex()
            except Revert as exc:
                raise JsonRpcError("eth_call", {"code": 3, "message": "execution reverted",
                                                "data": "0x" + exc.data.hex()}) from None
        raise JsonRpcError(method, {"code": -32601, "message": "method not found"})
