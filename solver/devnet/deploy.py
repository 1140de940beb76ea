"""Deploying the real Uniswap V2/V3 contracts, our tokens and Multicall3 onto a fresh anvil.

Every token lives at its real mainnet address: it is deployed normally, then its runtime code is
copied there with anvil_setCode and the storage its constructor wrote with anvil_setStorageAt.
That keeps token0/token1 ordering, and so every pool's price orientation, identical to mainnet.
"""

from __future__ import annotations

from dataclasses import dataclass

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from solver.devnet.chain import DevChain, Tx, calldata, decode_hex
from solver.devnet.compile import compile_contracts
from solver.devnet.tools import Artifact, load_artifact, multicall3_runtime
from solver.errors import InternalError

MULTICALL3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
# Any address will do: the position manager only calls its descriptor to render a token URI.
POSITION_DESCRIPTOR = "0x000000000000000000000000000000000000dEaD"
# The routers and quoters hard-code these; the npm builds match them (checked at deploy).
V2_PAIR_INIT_CODE_HASH = "0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f"
V3_POOL_INIT_CODE_HASH = "0xe34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"
DEPLOYER_BALANCE_WEI = 10**34
WETH_FOR_SEEDING_WEI = 10**32
TOKEN_FOR_SEEDING = 10**40  # base units of each TestToken given to the seeder
TEST_TOKEN_BALANCE_SLOT = 4  # balanceOf mapping of TestToken.sol
WETH9_BALANCE_SLOT = 3


@dataclass(frozen=True, slots=True)
class TokenSpec:
    symbol: str
    name: str
    decimals: int
    address: str  # the real mainnet address


TOKENS = (
    TokenSpec("WETH", "Wrapped Ether", 18, WETH),
    TokenSpec("USDC", "USD Coin", 6, "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"),
    TokenSpec("USDT", "Tether USD", 6, "0xdAC17F958D2ee523a2206206994597C13D831ec7"),
    TokenSpec("WBTC", "Wrapped BTC", 8, "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"),
    TokenSpec("DAI", "Dai Stablecoin", 18, "0x6B175474E89094C44Da98b954EedeAC495271d0F"),
    TokenSpec("LINK", "ChainLink Token", 18, "0x514910771AF9Ca656af840dff83E8264EcF986CA"),
    TokenSpec("cbBTC", "Coinbase Wrapped BTC", 8, "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf"),
    TokenSpec("UNI", "Uniswap", 18, "0x1f9840a85d5aF5bf1D1762F925BDADdC4201F984"),
)


def _deploy_data(artifact: Artifact, types: list[str] | None = None, args: list | None = None) -> str:
    tail = encode(types, args).hex() if types else ""
    return artifact.bytecode + tail


def init_code_hash(artifact: Artifact) -> str:
    return "0x" + keccak(hexstr=artifact.bytecode).hex()


def _check_init_code_hashes() -> dict[str, str]:
    hashes = {"v2_pair": init_code_hash(load_artifact("UniswapV2Pair")),
              "v3_pool": init_code_hash(load_artifact("UniswapV3Pool"))}
    expected = {"v2_pair": V2_PAIR_INIT_CODE_HASH, "v3_pool": V3_POOL_INIT_CODE_HASH}
    if hashes != expected:
        raise InternalError(f"npm pool bytecode hashes {hashes} differ from the ones the routers "
                            f"hard-code {expected}; the routers would compute wrong pool addresses")
    return hashes


def _plan_core(chain: DevChain, compiled: dict[str, Artifact]) -> tuple[list[Tx], dict[str, str]]:
    """All deploy txs of the first block, with each contract's predicted address."""
    txs: list[Tx] = []
    where: dict[str, str] = {}

    def deploy(key: str, data: str) -> str:
        where[key] = chain.next_create_address(len(txs))
        txs.append(Tx(to=None, data=data, label=f"deploy {key}"))
        return where[key]

    deploy("token:WETH", _deploy_data(load_artifact("WETH9")))
    for token in TOKENS[1:]:
        deploy(f"token:{token.symbol}", _deploy_data(
            compiled["TestToken"], ["string", "string", "uint8"], [token.name, token.symbol, token.decimals]))
    deploy("seeder", compiled["DevnetSeeder"].bytecode)
    v2_factory = deploy("v2_factory", _deploy_data(load_artifact("UniswapV2Factory"), ["address"],
                                                   [chain.sender]))
    v3_factory = deploy("v3_factory", load_artifact("UniswapV3Factory").bytecode)
    deploy("v2_router02", _deploy_data(load_artifact("UniswapV2Router02"), ["address", "address"],
                                       [v2_factory, WETH]))
    npm = deploy("nonfungible_position_manager", _deploy_data(
        load_artifact("NonfungiblePositionManager"), ["address", "address", "address"],
        [v3_factory, WETH, POSITION_DESCRIPTOR]))
    deploy("quoter_v2", _deploy_data(load_artifact("QuoterV2"), ["address", "address"], [v3_factory, WETH]))
    deploy("tick_lens", load_artifact("TickLens").bytecode)
    deploy("swap_router02", _deploy_data(load_artifact("SwapRouter02"),
                                         ["address", "address", "address", "address"],
                                         [v2_factory, v3_factory, npm, WETH]))
    txs.append(Tx(to=v3_factory, data=calldata("enableFeeAmount(uint24,int24)", 100, 1),
                  label="enable the 100 fee tier", gas=200_000))
    return txs, where


async def _clone_to(chain: DevChain, *, source: str, target: str) -> None:
    """Copy runtime code and the constructor-written slots 0..2 (and any long-string tails)."""
    rpc = chain.rpc
    code, *slots = await rpc.batch([("eth_getCode", [source, "latest"])]
                                   + [("eth_getStorageAt", [source, hex(i), "latest"]) for i in range(3)])
    writes = {i: value for i, value in enumerate(slots)}
    for i, value in enumerate(slots):
        word = int(value, 16)
        if word & 1:  # a string of 32 bytes or more keeps its data at keccak(slot)
            base = int.from_bytes(keccak(i.to_bytes(32, "big")), "big")
            for j in range((word // 2 + 31) // 32):
                writes[base + j] = await rpc.call("eth_getStorageAt", [source, hex(base + j), "latest"])
    calls = [("anvil_setCode", [target, code])]
    calls += [("anvil_setStorageAt", [target, "0x" + slot.to_bytes(32, "big").hex(),
                                      "0x" + int(value, 16).to_bytes(32, "big").hex()])
              for slot, value in writes.items()]
    calls.append(("anvil_setCode", [source, "0x"]))  # no stray second copy of the token
    await rpc.batch(calls)


async def deploy_core(chain: DevChain) -> dict:
    """Deploy everything but the pools. Returns the deployment record (addresses and facts)."""
    hashes = _check_init_code_hashes()
    compiled = compile_contracts()
    await chain.rpc.call("anvil_setBalance", [chain.sender, hex(DEPLOYER_BALANCE_WEI)])
    txs, where = _plan_core(chain, compiled)
    receipts = await chain.send_block(txs)
    for tx, receipt in zip(txs, receipts):
        if tx.to is None:
            key = tx.label.removeprefix("deploy ")
            if to_checksum_address(receipt["contractAddress"]) != where[key]:
                raise InternalError(f"devnet setup: {key} landed at {receipt['contractAddress']}, "
                                    f"not at the predicted {where[key]}")
    for token in TOKENS:
        await _clone_to(chain, source=where[f"token:{token.symbol}"], target=token.address)
    await chain.rpc.call("anvil_setCode", [MULTICALL3, multicall3_runtime()])
    await _check_tokens(chain)
    contracts = {key: addr for key, addr in where.items() if not key.startswith("token:")}
    contracts["weth9"] = WETH
    contracts["multicall3"] = MULTICALL3
    tokens = {t.symbol: {"address": t.address, "name": t.name, "decimals": t.decimals,
                         "balance_slot": WETH9_BALANCE_SLOT if t.symbol == "WETH" else TEST_TOKEN_BALANCE_SLOT}
              for t in TOKENS}
    return {"chain_id": 31337, "deployer": chain.sender, "contracts": contracts,
            "init_code_hashes": hashes, "tokens": tokens, "pools": []}


async def _check_tokens(chain: DevChain) -> None:
    calls = []
    for token in TOKENS:
        calls += [(token.address, calldata("symbol()")), (token.address, calldata("decimals()"))]
    results = await chain.call_many(calls)
    for i, token in enumerate(TOKENS):
        symbol = decode_hex("string", results[2 * i])[0]
        decimals = decode_hex("uint8", results[2 * i + 1])[0]
        if (symbol, decimals) != (token.symbol, token.decimals):
            raise InternalError(f"devnet setup: the clone at {token.address} reads as "
                                f"{symbol}/{decimals}, not {token.symbol}/{token.decimals}")


def fund_seeder_txs(deployment: dict) -> list[Tx]:
    """Give the seeder enough of every token to pay for all the liquidity it will add."""
    seeder = deployment["contracts"]["seeder"]
    txs = [Tx(to=WETH, data=calldata("deposit()"), value=WETH_FOR_SEEDING_WEI, label="wrap ETH",
              gas=100_000),
           Tx(to=WETH, data=calldata("transfer(address,uint256)", seeder, WETH_FOR_SEEDING_WEI),
              label="WETH to the seeder", gas=100_000)]
    for token in TOKENS[1:]:
        txs.append(Tx(to=token.address, data=calldata("mint(address,uint256)", seeder, TOKEN_FOR_SEEDING),
                      label=f"mint {token.symbol} to the seeder", gas=100_000))
    return txs

