"""Amounts that depend on the chain: a share of the sender's balance, or a notional value
converted at the mid price. Both are read at the quote's own block."""

from __future__ import annotations

from fractions import Fraction

from routes.pools import V2Pool, V3Pool
from routes.route import EXACT_IN
from routes.router import RouteRequest, find_best_route
from solver import abi
from solver.engine import Market, QuoteEngine
from solver.errors import NoRouteError, UsageError
from solver.units import format_units

Q192 = 1 << 192


async def read_balance(engine: QuoteEngine, *, owner: str, token: str, native: bool,
                       block: int) -> int:
    if native:
        from solver.reader import quantity

        return quantity(await engine.reader.rpc.call("eth_getBalance", [owner, hex(block)]),
                        "eth_getBalance")
    [res] = await engine.reader.call_many([(token, abi.encode_call(abi.BALANCE_OF, owner))], block)
    if not res.success or len(res.data) < 32:
        raise NoRouteError(f"can't read the balance of {owner} in {token}", code="balance_unreadable")
    return int.from_bytes(res.data[:32], "big")


def mid_rate(pool: V2Pool | V3Pool, token_in: str) -> Fraction:
    """Exact mid price of one pool: units of the other token per unit of token_in, no fee."""
    if isinstance(pool, V2Pool):
        if pool.reserve0 == 0 or pool.reserve1 == 0:
            return Fraction(0)
        r = Fraction(pool.reserve1, pool.reserve0)
    else:
        r = Fraction(pool.sqrt_price_x96 * pool.sqrt_price_x96, Q192)
    return r if token_in == pool.token0 else (1 / r if r else Fraction(0))


def convert_at_mid(market: Market, *, amount: int, token_from: str, token_to: str,
                   wrapped_native: str) -> int:
    """`amount` of token_from in token_to at the mid price of the best path (rounded down)."""
    if token_from == token_to:
        return amount
    result = find_best_route(market.graph, RouteRequest(sell=token_from, buy=token_to,
                                                        amount=amount, split=False,
                                                        wrapped_native=wrapped_native))
    if result.route is None:
        raise NoRouteError(f"no price for {token_from} in {token_to}: {result.reason}",
                           code="no_price")
    rate = Fraction(1)
    for hop in result.route.legs[0].hops:
        rate *= mid_rate(hop.pool, hop.token_in)
    return int(amount * rate)


async def resolve_amount(engine: QuoteEngine, market: Market, intent, *,
                         sender: str | None) -> int:
    """The intent's amount in base units of its fixed side."""
    if intent.amount is not None:
        return intent.amount
    spec = intent.amount_spec
    side = intent.sell_token if intent.kind == EXACT_IN else intent.buy_token
    if spec is None:
        raise UsageError("the intent has no amount", code="bad_intent")
    if hasattr(spec, "fraction_bps"):
        if sender is None:
            raise UsageError("a balance amount (all, half, N%) needs --from ADDRESS",
                             hint="add --from 0xYourAddress", code="needs_sender")
        balance = await read_balance(engine, owner=sender, token=intent.sell,
                                     native=intent.native_in, block=market.block_number)
        amount = balance * spec.fraction_bps // 10_000
        if amount <= 0:
            raise NoRouteError(f"{sender} holds {format_units(balance, intent.sell_token.decimals)} "
                               f"{intent.sell_token.symbol}: nothing to sell", code="zero_balance")
        return amount
    amount = convert_at_mid(market, amount=spec.amount, token_from=spec.quote_token.address,
                            token_to=side.address, wrapped_native=engine.chain.wrapped_native)
    if amount <= 0:
        raise NoRouteError("the notional amount is worth less than one base unit",
                           code="amount_too_small")
    return amount
