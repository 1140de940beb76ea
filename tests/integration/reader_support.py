"""Helpers for the reader's integration tests and benchmarks on the devnet: a reader on the
devnet profile, QuoterV2 / Router02 calls, and a direct pool.swap probe.

The probe answers "what does the pool really do with this swap", partial fills included:
an eth_call from an address whose code (a state override) is `revert(calldata[4:68])`, so the
pool's swap callback reverts with (amount0Delta, amount1Delta) and nothing is paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from routes.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from solver import abi
from solver.config import ChainConfig, load_config
from solver.pool_state import FULL_SCAN, ScanPolicy
from solver.reader import RpcChainReader
from solver.rpc import JsonRpcError, RpcClient

PROBE = "0x000000000000000000000000000000000000bEEF"
PROBE_CODE = "0x6040600460003760406000fd"  # CALLDATACOPY(0, 4, 64); REVERT(0, 64)
# Walking a tick-spacing-1 pool to its price limit steps through ~7,000 bitmap words: more than
# the usual 30M eth_call cap. The devnet runs without a block gas limit, so ask for more.
QUOTE_GAS = 1_000_000_000


def devnet_chain(devnet) -> ChainConfig:
    config = load_config(Path(devnet.profile_path))
    return config.chain()


def make_reader(devnet, tmp_path: Path, scan: ScanPolicy = FULL_SCAN, *,
                timeout_s: float = 120.0) -> RpcChainReader:
    chain = devnet_chain(devnet)
    return RpcChainReader(RpcClient(devnet.url, timeout_s=timeout_s, retries=0), chain, scan=scan,
                          cache_dir=tmp_path / "pools")


def contract(devnet, key: str) -> str:
    return devnet.deployment["contracts"][key]


@dataclass(frozen=True, slots=True)
class Onchain:
    """One on-chain answer: ok=False when the call reverted (`reason` says why)."""

    ok: bool
    amount_in: int = 0
    amount_out: int = 0
    sqrt_price_after: int | None = None
    ticks_crossed: int | None = None
    reason: str = ""


def quoter_call(quoter: str, *, exact_in: bool, token_in: str, token_out: str, amount: int,
                fee: int) -> tuple[str, list]:
    sel = abi.QUOTE_EXACT_INPUT_SINGLE if exact_in else abi.QUOTE_EXACT_OUTPUT_SINGLE
    data = abi.encode_call(sel, (token_in, token_out, amount, fee, 0))
    return ("eth_call", [{"to": quoter, "data": "0x" + data.hex(), "gas": hex(QUOTE_GAS)}])


def router_call(router: str, *, exact_in: bool, token_in: str, token_out: str,
                amount: int) -> tuple[str, list]:
    sel = abi.GET_AMOUNTS_OUT if exact_in else abi.GET_AMOUNTS_IN
    data = sel + abi.encode(["uint256", "address[]"], [amount, [token_in, token_out]])
    return ("eth_call", [{"to": router, "data": "0x" + data.hex()}])


def probe_call(pool: str, *, zero_for_one: bool, exact_in: bool, amount: int) -> tuple[str, list]:
    limit = MIN_SQRT_RATIO + 1 if zero_for_one else MAX_SQRT_RATIO - 1
    specified = amount if exact_in else -amount
    # swap(recipient, zeroForOne, amountSpecified, sqrtPriceLimitX96, bytes data = "")
    data = abi.encode_call(abi.POOL_SWAP, PROBE, zero_for_one, specified, limit, 160, 0)
    return ("eth_call", [{"from": PROBE, "to": pool, "data": "0x" + data.hex(),
                          "gas": hex(QUOTE_GAS)}])


def at_block(request: tuple[str, list], block: int, *, probe: bool = False) -> tuple[str, list]:
    method, params = request
    params = params + [hex(block)]
    if probe:
        params.append({PROBE: {"code": PROBE_CODE}})
    return method, params


def parse_quoter(answer, *, exact_in: bool, amount: int) -> Onchain:
    if isinstance(answer, JsonRpcError):
        return Onchain(False, reason=abi.decode_revert(answer.revert_data) or answer.rpc_message)
    data = bytes.fromhex(answer[2:])
    first, sqrt_after, crossed = abi.uint_at(data, 0), abi.uint_at(data, 1), abi.uint_at(data, 2)
    if exact_in:
        return Onchain(True, amount, first, sqrt_after, crossed)
    return Onchain(True, first, amount, sqrt_after, crossed)


def parse_router(answer) -> Onchain:
    if isinstance(answer, JsonRpcError):
        return Onchain(False, reason=abi.decode_revert(answer.revert_data) or answer.rpc_message)
    data = bytes.fromhex(answer[2:])
    (amounts,) = abi.decode(["uint256[]"], data)
    return Onchain(True, amounts[0], amounts[1])


def parse_probe(answer, *, zero_for_one: bool) -> Onchain:
    """The pool's own deltas: positive is paid in, negative paid out."""
    if not isinstance(answer, JsonRpcError):
        return Onchain(False, reason="the probe did not revert")
    data = answer.revert_data
    if len(data) != 64:
        return Onchain(False, reason=abi.decode_revert(data) or answer.rpc_message)
    amount0, amount1 = abi.int_at(data, 0), abi.int_at(data, 1)
    if zero_for_one:
        return Onchain(True, amount0, -amount1)
    return Onchain(True, amount1, -amount0)
