"""How much is traded, and the bounds on the other side: amounts, minimums, maximums, limit prices."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from solver.intent.bounds import limit_max_in, limit_min_out
from solver.intent.model import BalanceAmount, LimitPrice, NotionalAmount
from solver.intent.numbers import parse_number, parse_rate_bps, to_base_units_exact
from solver.intent.phrases import Side, Word
from solver.tokens import TokenInfo

if TYPE_CHECKING:
    from solver.intent.assemble import Bound
    from solver.intent.resolve import Scope

MAX_UINT256 = 2**256 - 1
BALANCE_BPS = {"ALL": 10_000, "HALF": 5_000, "QUARTER": 2_500}
USD_WORDS = ("usd", "dollar", "dollars", "usd$")


@dataclass(frozen=True, slots=True)
class Sized:
    kind: str
    amount: int | None
    spec: BalanceAmount | NotionalAmount | None
    min_amount_out: int | None
    max_amount_in: int | None
    limit_price: LimitPrice | None


def size_trade(scope: Scope, sell: TokenInfo, buy: TokenInfo) -> Sized:
    plan = scope.plan
    sell_qty, buy_qty = plan.sell.quantity, plan.buy.quantity
    if sell_qty is not None and buy_qty is not None:
        raise scope.fail(buy_qty if plan.sells else sell_qty,
                         "the amount is given on both sides", code="contradiction",
                         hint="say how much you sell ('swap 1 WETH for USDC') or how much you "
                              "buy ('buy 1 WETH with USDC'), not both")
    if sell_qty is None and buy_qty is None:
        word = plan.sell.token if plan.sells else plan.buy.token
        raise scope.fail(word, f"how much {word.text}? the intent has no amount",
                         code="missing_amount",
                         hint=f"e.g. '1.5 {word.text}', 'all my {word.text}' or '$500 worth of "
                              f"{word.text}'")
    if sell_qty is not None:
        kind = "exact_in"
        amount, spec = _quantity(scope, plan.sell, sell, selling=True)
    else:
        kind = "exact_out"
        amount, spec = _quantity(scope, plan.buy, buy, selling=False)
    limit = _limit(scope, sell, buy)
    min_out = _bound_total(scope, scope.plan.minimums, kind, buy, want="exact_in")
    max_in = _bound_total(scope, scope.plan.maximums, kind, sell, want="exact_out")
    if limit is not None and amount is not None:
        if kind == "exact_in":
            derived = limit_min_out(limit, amount_in=amount, sell_address=sell.address)
            min_out = derived if min_out is None else max(min_out, derived)
        else:
            derived = limit_max_in(limit, amount_out=amount, sell_address=sell.address)
            if derived <= 0:
                raise scope.fail(plan.prices[0].amount, "at this price you could pay nothing: "
                                 "the most you'd pay rounds to 0", code="contradiction",
                                 hint="check the price and the tokens it is quoted in")
            max_in = derived if max_in is None else min(max_in, derived)
    return Sized(kind, amount, spec, min_out, max_in, limit)


def _quantity(scope: Scope, side: Side, token: TokenInfo, *, selling: bool):
    """(amount in base units, None) or (None, amount spec)."""
    word = side.quantity
    if side.is_balance:
        if not selling:
            raise scope.fail(word, "a share of your balance only applies to what you sell",
                             code="bad_amount",
                             hint=f"e.g. 'sell half my {scope.plan.sell.token.text} for "
                                  f"{side.token.text}'")
        return None, BalanceAmount(_balance_bps(scope, word))
    value = _positive(scope, word)
    if word.kind == "DOLLAR" or side.quote is not None:
        quote, currency = _notional_quote(scope, side)
        if quote.address != token.address:
            return None, NotionalAmount(quote, _units(scope, word, value, quote), currency)
    return _units(scope, word, value, token), None


def _balance_bps(scope: Scope, word: Word) -> int:
    if word.kind in BALANCE_BPS:
        return BALANCE_BPS[word.kind]
    try:
        bps = parse_rate_bps(word.text)
    except ValueError as exc:
        raise scope.fail(word, str(exc), code="bad_amount", hint="e.g. 25%") from None
    if not 0 < bps <= 10_000:
        raise scope.fail(word, f"{word.text} of a balance is not between 0% and 100%",
                         code="bad_amount", hint="e.g. 'sell 25% of my WETH'")
    return bps


def _notional_quote(scope: Scope, side: Side) -> tuple[TokenInfo, str | None]:
    """The token a "$500 worth" or "500 USDC worth" amount is counted in."""
    named = side.quote
    if named is None or (named.text.lower() in USD_WORDS and named.text not in scope.book):
        usd = scope.book.usd_token()
        if usd is None:
            where = named or side.quantity
            raise scope.fail(where, "no dollar stablecoin (USDC, USDT, DAI) is known on this "
                                    "chain", code="unknown_token",
                             hint="count the amount in a token, e.g. '500 USDC worth of WETH'")
        return usd, "USD"
    return scope.token(named)[0], None


def _positive(scope: Scope, word: Word) -> Decimal:
    try:
        value = parse_number(word.text)
    except ValueError as exc:
        raise scope.fail(word, str(exc), code="bad_amount", hint="e.g. 1.5, 1,500 or 10k") from None
    if value <= 0:
        what = "zero" if value == 0 else "negative"
        raise scope.fail(word, f"the amount {word.text} is {what}", code="bad_amount",
                         hint="amounts must be greater than zero")
    return value


def _units(scope: Scope, word: Word, value: Decimal, token: TokenInfo) -> int:
    try:
        units = to_base_units_exact(value, token.decimals, symbol=token.symbol)
    except ValueError as exc:
        raise scope.fail(word, str(exc), code="too_many_decimals",
                         hint=f"{token.symbol} has {token.decimals} decimals; solver never "
                              f"rounds an amount") from None
    if units > MAX_UINT256:
        raise scope.fail(word, f"{word.text} {token.symbol} is more than any balance can hold",
                         code="bad_amount", hint="check the number")
    return units


def _bound_total(scope: Scope, bounds: list[Bound], kind: str, token: TokenInfo, *,
                 want: str) -> int | None:
    """The strictest of several 'at least' (or 'at most') amounts, in base units."""
    best: int | None = None
    for bound in bounds:
        if kind != want:
            message, hint = _wrong_bound(want)
            raise scope.fail(bound.anchor, message, hint=hint, code="contradiction")
        if bound.token is not None:
            named, _native = scope.token(bound.token)
            if named.address != token.address:
                side = "receive" if want == "exact_in" else "pay"
                raise scope.fail(bound.token, f"this bound is in {bound.token.text}, but you "
                                 f"{side} {token.symbol}", code="contradiction",
                                 hint=f"give it in {token.symbol}")
        units = _units(scope, bound.amount, _positive(scope, bound.amount), token)
        pick = max if want == "exact_in" else min
        best = units if best is None else pick(best, units)
    return best


def _wrong_bound(want: str) -> tuple[str, str]:
    if want == "exact_in":
        return ("'at least' bounds what you receive, but this trade fixes the amount bought",
                "bound what you pay instead, e.g. 'paying at most 3,000 USDC'")
    return ("'at most' bounds what you pay, but this trade fixes the amount sold",
            "bound what you receive instead, e.g. 'for at least 2,700 USDC'")


def _limit(scope: Scope, sell: TokenInfo, buy: TokenInfo) -> LimitPrice | None:
    prices = scope.plan.prices
    if not prices:
        return None
    if len(prices) > 1:
        raise scope.fail(prices[1].anchor, "the limit price is given twice",
                         code="contradiction", hint="keep one of them")
    spec = prices[0]
    price = _positive(scope, spec.amount)
    quote = _price_token(scope, spec.token, sell, buy)
    base = _price_token(scope, spec.base, sell, buy)
    if quote is not None and base is not None and quote.address == base.address:
        raise scope.fail(spec.base, "a price needs two different tokens", code="contradiction",
                         hint=f"e.g. '{buy.symbol} per {sell.symbol}'")
    if quote is None and base is None:
        quote = buy if _quote_rank(buy) >= _quote_rank(sell) else sell
    if quote is None:
        quote = sell if base.address == buy.address else buy
    base = base or (sell if quote.address == buy.address else buy)
    favorable = "min" if quote.address == buy.address else "max"
    if spec.bound is not None and spec.bound != favorable:
        message, hint = _wrong_direction(spec, quote, base, favorable)
        raise scope.fail(spec.anchor, message, hint=hint, code="contradiction")
    return LimitPrice(quote=quote, base=base, price=price, bound=favorable)


def _price_token(scope: Scope, word: Word | None, sell: TokenInfo,
                 buy: TokenInfo) -> TokenInfo | None:
    if word is None:
        return None
    token, _native = scope.token(word)
    if token.address not in (sell.address, buy.address):
        raise scope.fail(word, f"the price is in {word.text}, which this trade doesn't use",
                         code="contradiction",
                         hint=f"quote it in {buy.symbol} per {sell.symbol}")
    return token


def _wrong_direction(spec: Bound, quote: TokenInfo, base: TokenInfo,
                     favorable: str) -> tuple[str, str]:
    price = f"{spec.amount.text} {quote.symbol} per {base.symbol}"
    if favorable == "min":
        return (f"a price of at most {price} would cap what you receive",
                "a limit on what you receive is a minimum: did you mean 'at least'?")
    return (f"a price of at least {price} would set a floor on what you pay",
            "a limit on what you pay is a maximum: did you mean 'at most'?")


def _quote_rank(token: TokenInfo) -> int:
    """Which token a bare "limit 2700" is counted in: dollars, then ETH, then BTC."""
    symbol = token.symbol.upper()
    if "USD" in symbol or symbol == "DAI":
        return 3
    if symbol in ("WETH", "ETH"):
        return 2
    if "BTC" in symbol:
        return 1
    return 0
