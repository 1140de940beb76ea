"""Intent -> canonical text that parses back to the same Intent.

Every constraint is written out, defaults included, so the text means the same thing
under any config. Tokens are written by symbol when the book maps that symbol back to the
same address, else by address.
"""

from __future__ import annotations

import re

from solver.intent.model import (BalanceAmount, Intent, LimitPrice, NotionalAmount,
                                 format_base_units, format_decimal)
from solver.tokens import TokenBook, TokenInfo, TokenLookupError

PROTOCOL_NAMES = {"uniswap_v2": "uniswap-v2", "uniswap_v3": "uniswap-v3"}
# A symbol the grammar reads as one SYMBOL word (grammar.lark) and not as a keyword.
_SPEAKABLE = re.compile(r"[^\W_](?:\w|[.+-](?=\w))*\+?")


def render_intent(intent: Intent, *, book: TokenBook | None = None) -> str:
    def name(token: TokenInfo, native: bool = False) -> str:
        return _token_name(token, book, native)

    sell = name(intent.sell_token, intent.native_in)
    buy = name(intent.buy_token, intent.native_out)
    if intent.kind == "exact_in":
        parts = [f"swap {_quantity(intent, intent.sell_token, name)} {sell} for {buy}"]
    else:
        parts = [f"buy {_quantity(intent, intent.buy_token, name)} {buy} with {sell}"]
    if intent.min_amount_out is not None:
        parts.append(f"at least {format_base_units(intent.min_amount_out, intent.buy_token.decimals)} {buy}")
    if intent.max_amount_in is not None:
        parts.append(f"paying at most {format_base_units(intent.max_amount_in, intent.sell_token.decimals)} {sell}")
    if intent.limit_price is not None:
        parts.append(_limit(intent.limit_price, intent, name))
    parts.append(f"slippage {intent.slippage_bps} bps")
    parts.append(f"deadline {intent.deadline_s}s")
    parts.append(f"at most {intent.max_hops} hops")
    if intent.allow_protocols is not None:
        parts.append("via " + " or ".join(PROTOCOL_NAMES[p] for p in intent.allow_protocols))
    avoided = [PROTOCOL_NAMES[p] for p in intent.deny_protocols]
    avoided += [name(t) for t in intent.avoid_tokens]
    if avoided:
        parts.append("avoid " + ", ".join(avoided))
    if intent.recipient is not None:
        parts.append(f"send to {intent.recipient}")
    if intent.max_gas_price_wei is not None:
        parts.append(f"max gas {format_base_units(intent.max_gas_price_wei, 9)} gwei")
    if not intent.split:
        parts.append("no split")
    if intent.chain is not None:
        parts.append(f"on {intent.chain}")
    return ", ".join(parts)


def _quantity(intent: Intent, token: TokenInfo, name) -> str:
    spec = intent.amount_spec
    if isinstance(spec, BalanceAmount):
        return f"{format_base_units(spec.fraction_bps, 2)}% of my"
    if isinstance(spec, NotionalAmount):
        value = format_base_units(spec.amount, spec.quote_token.decimals)
        if spec.currency == "USD":
            return f"${value} worth of"
        return f"{value} {name(spec.quote_token)} worth of"
    assert intent.amount is not None
    prefix = "exactly " if intent.kind == "exact_out" else ""
    return prefix + format_base_units(intent.amount, token.decimals)


def _limit(limit: LimitPrice, intent: Intent, name) -> str:
    word = "at least" if limit.bound == "min" else "at most"
    quote_native = intent.native_out if limit.quote == intent.buy_token else intent.native_in
    base_native = intent.native_out if limit.base == intent.buy_token else intent.native_in
    return (f"at a price of {word} {format_decimal(limit.price)} "
            f"{name(limit.quote, quote_native)} per {name(limit.base, base_native)}")


def _token_name(token: TokenInfo, book: TokenBook | None, native: bool) -> str:
    if native:
        return book.native_symbol if book is not None else "ETH"
    if book is None:
        return token.symbol
    if not _speakable(token.symbol):
        return token.address
    try:
        if book.find(token.symbol).address == token.address and not book.is_native(token.symbol):
            return token.symbol
    except TokenLookupError:
        pass
    return token.address


def _speakable(symbol: str) -> bool:
    from solver.intent.parser import is_keyword

    return bool(_SPEAKABLE.fullmatch(symbol)) and not is_keyword(symbol)
