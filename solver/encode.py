"""Encode any route into one atomic SwapRouter02 transaction: `multicall(deadline, calls)`.

The design, in the words of the SwapRouter02 source (swap-router-contracts 1.3.1):

- A leg is split into segments of consecutive hops on one protocol. A V3 segment is one
  `exactInput`/`exactInputSingle` (or `exactOutput…`), a V2 segment one
  `swapExactTokensForTokens` (or `swapTokensForExactTokens`).
- The first segment of a leg pays from the sender with the leg's exact quoted amount. A later
  segment receives the previous one's output on the router (recipient `ADDRESS_THIS`) and spends
  it with `amountIn == CONTRACT_BALANCE` (0), which the router reads as "my whole balance". Legs
  run one after the other and every leg empties the router of its intermediate tokens, so that
  balance is exactly the previous segment's output (plus any dust someone left on the router,
  which can only add to the output).
- Split legs pay the router, and one final `sweepToken(buy, aggregateMin, recipient)` (or
  `unwrapWETH9(aggregateMin, recipient)` for native ETH out) enforces the aggregate minimum
  on-chain. A single leg pays the recipient directly, with the minimum on its last segment.
- Native ETH in: the tx carries the value and no `wrapETH`. The router's `pay()` wraps exactly
  what each leg spends when it holds ETH (PeripheryPayments.pay), which keeps split amounts
  exact; `wrapETH` would turn the ETH into router-held WETH that only CONTRACT_BALANCE steps can
  spend.
- Exact output: each leg's exact-output call carries its share of the aggregate maximum input
  (`amountInMaximum`/`amountInMax`; the shares sum to the maximum). A mixed V2/V3 leg buys its
  first segment's output exactly, then sells it on with CONTRACT_BALANCE steps, and a sweep
  with the exact target as minimum enforces the output. Native ETH in adds `refundETH()`.

Execution order is leg order, then hop order: the order in which the router evaluated legs
that share a pool.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from eth_abi import encode as abi_encode
from eth_hash.auto import keccak

from solver.errors import InternalError, NoRouteError

EXACT_IN = "exact_in"
EXACT_OUT = "exact_out"
UNISWAP_V2 = "uniswap_v2"
UNISWAP_V3 = "uniswap_v3"

# SwapRouter02 constants (contracts/libraries/Constants.sol).
CONTRACT_BALANCE = 0
MSG_SENDER = "0x0000000000000000000000000000000000000001"
ADDRESS_THIS = "0x0000000000000000000000000000000000000002"
MAX_UINT256 = 2**256 - 1

# Selectors: the first 4 bytes of keccak(signature). tests/unit/test_encode.py recomputes them.
SEL_MULTICALL = bytes.fromhex("5ae401dc")            # multicall(uint256,bytes[])
SEL_EXACT_INPUT = bytes.fromhex("b858183f")          # exactInput((bytes,address,uint256,uint256))
SEL_EXACT_INPUT_SINGLE = bytes.fromhex("04e45aaf")   # exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))
SEL_EXACT_OUTPUT = bytes.fromhex("09b81346")         # exactOutput((bytes,address,uint256,uint256))
SEL_EXACT_OUTPUT_SINGLE = bytes.fromhex("5023b4df")  # exactOutputSingle((address,address,uint24,address,uint256,uint256,uint160))
SEL_V2_EXACT_IN = bytes.fromhex("472b43f3")          # swapExactTokensForTokens(uint256,uint256,address[],address)
SEL_V2_EXACT_OUT = bytes.fromhex("42712a67")         # swapTokensForExactTokens(uint256,uint256,address[],address)
SEL_SWEEP_TOKEN = bytes.fromhex("df2ab5bb")          # sweepToken(address,uint256,address)
SEL_UNWRAP_WETH9 = bytes.fromhex("49404b7c")         # unwrapWETH9(uint256,address)
SEL_REFUND_ETH = bytes.fromhex("12210e8a")           # refundETH()
SEL_FACTORY_V2 = bytes.fromhex("68e0d4e1")           # factoryV2()
SEL_FACTORY_V3 = bytes.fromhex("c45a0155")           # factory()
SEL_APPROVE = bytes.fromhex("095ea7b3")              # approve(address,uint256)
SEL_ALLOWANCE = bytes.fromhex("dd62ed3e")            # allowance(address,address)
SEL_BALANCE_OF = bytes.fromhex("70a08231")           # balanceOf(address)

EXACT_SINGLE_TYPE = "(address,address,uint24,address,uint256,uint256,uint160)"
EXACT_PATH_TYPE = "(bytes,address,uint256,uint256)"
V2_SWAP_TYPES = ["uint256", "uint256", "address[]", "address"]

# Pool init-code hashes hard-coded in SwapRouter02 (UniswapV2Library.pairFor and
# v3-periphery PoolAddress.POOL_INIT_CODE_HASH): the router only reaches pools of these.
V2_PAIR_INIT_CODE_HASH = bytes.fromhex("96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f")
V3_POOL_INIT_CODE_HASH = bytes.fromhex("e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54")


@dataclass(frozen=True, slots=True)
class SwapSpec:
    """What the route must achieve on-chain, beyond its hops.

    `limit` is the aggregate minimum output for exact input, the aggregate maximum input for
    exact output. With native ETH, `sell_token`/`buy_token` are the wrapped-native address.
    """

    kind: str
    sell_token: str
    buy_token: str
    recipient: str
    deadline: int
    limit: int
    native_in: bool = False
    native_out: bool = False


@dataclass(frozen=True, slots=True)
class RouterFactories:
    """The factories SwapRouter02 was deployed with; pools of other factories are unreachable."""

    v2: str | None
    v3: str | None


@dataclass(frozen=True, slots=True)
class Call:
    """One inner call of the multicall, kept for reports and tests."""

    name: str
    data: bytes
    leg: int | None = None


@dataclass(frozen=True, slots=True)
class EncodedSwap:
    """The transaction, and what the sender must approve before it can run."""

    to: str
    data: bytes
    value: int
    calls: tuple[Call, ...]
    approve_token: str | None
    approve_amount: int
    deadline: int

    def tx_json(self) -> dict[str, str]:
        return {"to": self.to, "data": "0x" + self.data.hex(), "value": str(self.value)}


# --- public entry points ----------------------------------------------------------------

def encode_swap(route: Any, spec: SwapSpec, *, router: str,
                factories: RouterFactories | None = None) -> EncodedSwap:
    """Encode `route` (legs of hops, as routes.route.Route) for SwapRouter02 at `router`."""
    legs = [leg for leg in route.legs]
    if not legs:
        raise InternalError("can't encode a route without legs")
    for index, leg in enumerate(legs):
        _check_leg(leg, index, spec)
        if factories is not None:
            _check_reachable(leg, factories)
    if spec.kind == EXACT_IN:
        calls, value, approve = _encode_exact_in(legs, spec)
    elif spec.kind == EXACT_OUT:
        calls, value, approve = _encode_exact_out(legs, spec)
    else:
        raise InternalError(f"unknown trade kind {spec.kind!r}")
    data = SEL_MULTICALL + abi_encode(["uint256", "bytes[]"], [spec.deadline, [c.data for c in calls]])
    return EncodedSwap(to=router, data=data, value=value, calls=tuple(calls),
                       approve_token=None if spec.native_in else spec.sell_token,
                       approve_amount=0 if spec.native_in else approve, deadline=spec.deadline)


def encode_approve(spender: str, amount: int) -> bytes:
    """ERC-20 approve(spender, amount) calldata."""
    return SEL_APPROVE + abi_encode(["address", "uint256"], [spender.lower(), amount])


def encode_allowance(owner: str, spender: str) -> bytes:
    return SEL_ALLOWANCE + abi_encode(["address", "address"], [owner.lower(), spender.lower()])


def encode_balance_of(owner: str) -> bytes:
    return SEL_BALANCE_OF + abi_encode(["address"], [owner.lower()])


def split_segments(hops: Sequence[Any]) -> list[list[Any]]:
    """Consecutive hops on one protocol: each run becomes one router call."""
    segments: list[list[Any]] = []
    for hop in hops:
        if segments and segments[-1][0].pool.protocol == hop.pool.protocol:
            segments[-1].append(hop)
        else:
            segments.append([hop])
    return segments


def share_limits(amounts: Sequence[int], total_limit: int) -> list[int]:
    """Split an aggregate maximum over legs in proportion to their quoted inputs; sums exactly."""
    total = sum(amounts)
    slack = total_limit - total
    if slack < 0:
        raise InternalError(f"maximum input {total_limit} is below the quoted input {total}")
    shares = [amount + slack * amount // total for amount in amounts]
    shares[-1] += total_limit - sum(shares)
    return shares


# --- exact input -------------------------------------------------------------------------

def _encode_exact_in(legs: list[Any], spec: SwapSpec) -> tuple[list[Call], int, int]:
    if spec.limit <= 0:
        raise InternalError("an exact-input swap needs a positive on-chain minimum")
    direct = len(legs) == 1 and not spec.native_out
    calls: list[Call] = []
    for index, leg in enumerate(legs):
        segments = split_segments(leg.hops)
        for position, segment in enumerate(segments):
            last = position == len(segments) - 1
            amount_in = segment[0].amount_in if position == 0 else CONTRACT_BALANCE
            to = spec.recipient if (last and direct) else ADDRESS_THIS
            minimum = spec.limit if (last and direct) else 0
            calls.append(_exact_in_call(segment, amount_in=amount_in, recipient=to,
                                        minimum=minimum, leg=index))
    calls.extend(_tail_calls(spec, direct=direct, minimum=spec.limit))
    total_in = sum(leg.hops[0].amount_in for leg in legs)
    return calls, (total_in if spec.native_in else 0), total_in


def _exact_in_call(segment: list[Any], *, amount_in: int, recipient: str, minimum: int,
                   leg: int) -> Call:
    first, protocol = segment[0], segment[0].pool.protocol
    if protocol == UNISWAP_V2:
        path = [first.token_in.lower()] + [hop.token_out.lower() for hop in segment]
        data = SEL_V2_EXACT_IN + abi_encode(V2_SWAP_TYPES, [amount_in, minimum, path, recipient.lower()])
        return Call("swapExactTokensForTokens", data, leg)
    if len(segment) == 1:
        params = (first.token_in.lower(), first.token_out.lower(), first.pool.fee,
                  recipient.lower(), amount_in, minimum, 0)
        return Call("exactInputSingle", SEL_EXACT_INPUT_SINGLE + abi_encode([EXACT_SINGLE_TYPE], [params]), leg)
    params = (encode_v3_path(segment), recipient.lower(), amount_in, minimum)
    return Call("exactInput", SEL_EXACT_INPUT + abi_encode([EXACT_PATH_TYPE], [params]), leg)


# --- exact output ------------------------------------------------------------------------

def _encode_exact_out(legs: list[Any], spec: SwapSpec) -> tuple[list[Call], int, int]:
    leg_segments = [split_segments(leg.hops) for leg in legs]
    mixed = any(len(segments) > 1 for segments in leg_segments)
    direct = not spec.native_out and not mixed
    maxima = share_limits([leg.hops[0].amount_in for leg in legs], spec.limit)
    calls: list[Call] = []
    for index, (segments, maximum) in enumerate(zip(leg_segments, maxima)):
        to = spec.recipient if direct else ADDRESS_THIS
        calls.append(_exact_out_call(segments[0], recipient=to if len(segments) == 1 else ADDRESS_THIS,
                                     maximum=maximum, leg=index))
        for segment in segments[1:]:
            calls.append(_exact_in_call(segment, amount_in=CONTRACT_BALANCE,
                                        recipient=ADDRESS_THIS, minimum=0, leg=index))
    target = sum(leg.hops[-1].amount_out for leg in legs)
    calls.extend(_tail_calls(spec, direct=direct, minimum=target))
    if spec.native_in:
        calls.append(Call("refundETH", SEL_REFUND_ETH))
    return calls, (spec.limit if spec.native_in else 0), spec.limit


def _exact_out_call(segment: list[Any], *, recipient: str, maximum: int, leg: int) -> Call:
    first, last = segment[0], segment[-1]
    amount_out = last.amount_out
    if first.pool.protocol == UNISWAP_V2:
        path = [first.token_in.lower()] + [hop.token_out.lower() for hop in segment]
        data = SEL_V2_EXACT_OUT + abi_encode(V2_SWAP_TYPES, [amount_out, maximum, path, recipient.lower()])
        return Call("swapTokensForExactTokens", data, leg)
    if len(segment) == 1:
        params = (first.token_in.lower(), first.token_out.lower(), first.pool.fee,
                  recipient.lower(), amount_out, maximum, 0)
        return Call("exactOutputSingle", SEL_EXACT_OUTPUT_SINGLE + abi_encode([EXACT_SINGLE_TYPE], [params]), leg)
    # exactOutput walks the path from the output backwards, so the path is reversed.
    params = (encode_v3_path(segment, reverse=True), recipient.lower(), amount_out, maximum)
    return Call("exactOutput", SEL_EXACT_OUTPUT + abi_encode([EXACT_PATH_TYPE], [params]), leg)


# --- shared pieces -----------------------------------------------------------------------

def _tail_calls(spec: SwapSpec, *, direct: bool, minimum: int) -> list[Call]:
    """The aggregate check: unwrap for native ETH out, else sweep when legs paid the router."""
    if spec.native_out:
        data = SEL_UNWRAP_WETH9 + abi_encode(["uint256", "address"], [minimum, spec.recipient.lower()])
        return [Call("unwrapWETH9", data)]
    if not direct:
        data = SEL_SWEEP_TOKEN + abi_encode(["address", "uint256", "address"],
                                            [spec.buy_token.lower(), minimum, spec.recipient.lower()])
        return [Call("sweepToken", data)]
    return []


def encode_v3_path(hops: Iterable[Any], *, reverse: bool = False) -> bytes:
    """token(20) fee(3) token(20) …, as V3's Path library reads it."""
    hops = list(hops)
    if reverse:
        out = _addr(hops[-1].token_out)
        for hop in reversed(hops):
            out += hop.pool.fee.to_bytes(3, "big") + _addr(hop.token_in)
        return out
    out = _addr(hops[0].token_in)
    for hop in hops:
        out += hop.pool.fee.to_bytes(3, "big") + _addr(hop.token_out)
    return out


def _addr(address: str) -> bytes:
    raw = bytes.fromhex(address.lower().removeprefix("0x"))
    if len(raw) != 20:
        raise InternalError(f"{address!r} is not an address")
    return raw


def _check_leg(leg: Any, index: int, spec: SwapSpec) -> None:
    """Reject a leg the router would execute differently from how it was quoted."""
    hops = list(leg.hops)
    if not hops:
        raise InternalError(f"leg {index} has no hops")
    if _low(hops[0].token_in) != _low(spec.sell_token) or _low(hops[-1].token_out) != _low(spec.buy_token):
        raise InternalError(f"leg {index} does not go from the sell token to the buy token")
    seen = {_low(hops[0].token_in)}
    for position, hop in enumerate(hops):
        if hop.amount_in <= 0 or hop.amount_out <= 0:
            # amountIn 0 would read as CONTRACT_BALANCE on-chain.
            raise InternalError(f"leg {index} hop {position} has a zero amount")
        if hop.pool.protocol not in (UNISWAP_V2, UNISWAP_V3):
            raise NoRouteError(f"SwapRouter02 can't execute a {hop.pool.protocol} pool",
                               code="unencodable_route")
        if hop.pool.protocol == UNISWAP_V3 and not 0 < hop.pool.fee < 2**24:
            raise InternalError(f"leg {index} hop {position}: fee {hop.pool.fee} is not a uint24")
        if position and (_low(hops[position - 1].token_out) != _low(hop.token_in)
                         or hops[position - 1].amount_out != hop.amount_in):
            raise InternalError(f"leg {index}: hop {position} does not continue hop {position - 1}")
        if _low(hop.token_out) in seen:
            raise InternalError(f"leg {index} visits {hop.token_out} twice")
        seen.add(_low(hop.token_out))


def _check_reachable(leg: Any, factories: RouterFactories) -> None:
    for hop in leg.hops:
        expected = pool_address_for(hop, factories)
        if expected is None or expected != _low(hop.pool.address):
            raise NoRouteError(
                f"pool {hop.pool.address} is not one SwapRouter02 can reach "
                f"(it only swaps through the pools of its own V2 and V3 factories)",
                hint="restrict the intent to the router's protocols, e.g. `via uniswap-v3 only`",
                code="unencodable_route")


def pool_address_for(hop: Any, factories: RouterFactories) -> str | None:
    """The CREATE2 address of the pool the router will call for this hop."""
    token0, token1 = sorted((_addr(hop.token_in), _addr(hop.token_out)))
    if hop.pool.protocol == UNISWAP_V2:
        if factories.v2 is None:
            return None
        salt = keccak(token0 + token1)
        digest = keccak(b"\xff" + _addr(factories.v2) + salt + V2_PAIR_INIT_CODE_HASH)
    else:
        if factories.v3 is None:
            return None
        salt = keccak(abi_encode(["address", "address", "uint24"], [token0, token1, hop.pool.fee]))
        digest = keccak(b"\xff" + _addr(factories.v3) + salt + V3_POOL_INIT_CODE_HASH)
    return "0x" + digest[12:].hex()


def _low(address: str) -> str:
    return address.lower()
