"""parse(render(intent)) == intent, for generated constraint sets (hypothesis)."""

from __future__ import annotations

import os
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.addresses import to_checksum
from solver.config import Defaults
from solver.intent import (BalanceAmount, Intent, LimitPrice, NotionalAmount, limit_max_in,
                           limit_min_out, parse_intent, render_intent)
from solver.tokens import MAINNET_TOKENS, TokenBook

BOOK = TokenBook.builtin_mainnet(chain_name="devnet")
WETH = MAINNET_TOKENS[0]
USDC = MAINNET_TOKENS[1]
EXAMPLES = int(os.environ.get("SOLVER_ROUNDTRIP_EXAMPLES", "600"))


@st.composite
def amounts(draw, kind: str, fixed, other):
    """(amount, amount_spec) for the fixed side of the trade."""
    form = draw(st.sampled_from(["exact", "exact", "balance", "notional"]))
    if form == "balance" and kind == "exact_in":
        return None, BalanceAmount(draw(st.integers(1, 10_000)))
    if form == "notional":
        quote = draw(st.sampled_from([t for t in MAINNET_TOKENS if t != fixed]))
        currency = "USD" if quote == USDC and draw(st.booleans()) else None
        return None, NotionalAmount(quote, draw(st.integers(1, 10**24)), currency)
    return draw(st.integers(1, 10**30)), None


@st.composite
def limit_prices(draw, sell, buy):
    quote, base = draw(st.sampled_from([(buy, sell), (sell, buy)]))
    price = draw(st.decimals(min_value=Decimal("0.000001"), max_value=Decimal(10**9), places=6,
                             allow_nan=False, allow_infinity=False))
    if price <= 0:
        price = Decimal("0.5")
    return LimitPrice(quote=quote, base=base, price=price,
                      bound="min" if quote == buy else "max")


@st.composite
def intents(draw) -> Intent:
    sell, buy = draw(st.lists(st.sampled_from(MAINNET_TOKENS), min_size=2, max_size=2,
                              unique=True))
    kind = draw(st.sampled_from(["exact_in", "exact_out"]))
    fixed, other = (sell, buy) if kind == "exact_in" else (buy, sell)
    amount, spec = draw(amounts(kind, fixed, other))
    bound = draw(st.none() | st.integers(1, 10**30))
    limit = draw(st.none() | limit_prices(sell, buy))
    min_out = max_in = None
    if kind == "exact_in":
        min_out = bound
        if limit is not None and amount is not None:
            derived = limit_min_out(limit, amount_in=amount, sell_address=sell.address)
            min_out = derived if min_out is None else max(min_out, derived)
    else:
        max_in = bound
        if limit is not None and amount is not None:
            derived = limit_max_in(limit, amount_out=amount, sell_address=sell.address)
            if derived <= 0:
                limit = None
            else:
                max_in = derived if max_in is None else min(max_in, derived)
    protocols = ["uniswap_v2", "uniswap_v3"]
    allow = draw(st.none() | st.lists(st.sampled_from(protocols), min_size=1, unique=True))
    free = [p for p in protocols if p not in (allow or [])]
    deny = draw(st.lists(st.sampled_from(free), unique=True, max_size=1 if allow else 2)) \
        if free else []
    others = [t for t in MAINNET_TOKENS if t not in (sell, buy)]
    avoid = draw(st.lists(st.sampled_from(others), unique=True, max_size=3))
    recipient = draw(st.none() | st.binary(min_size=20, max_size=20).filter(any).map(
        lambda b: to_checksum("0x" + b.hex())))
    return Intent(
        kind=kind, sell_token=sell, buy_token=buy, amount=amount, amount_spec=spec,
        slippage_bps=draw(st.integers(0, 9_999)), deadline_s=draw(st.integers(1, 86_400)),
        max_hops=draw(st.integers(1, 4)), min_amount_out=min_out, max_amount_in=max_in,
        limit_price=limit, allow_protocols=None if allow is None else tuple(sorted(allow)),
        deny_protocols=tuple(sorted(deny)),
        avoid_tokens=tuple(sorted(avoid, key=lambda t: t.address.lower())),
        recipient=recipient, max_gas_price_wei=draw(st.none() | st.integers(1, 10**15)),
        split=draw(st.booleans()),
        native_in=sell == WETH and draw(st.booleans()),
        native_out=buy == WETH and draw(st.booleans()),
        chain="devnet",
    )


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(intents())
def test_render_then_parse_gives_the_same_intent(intent):
    text = render_intent(intent, book=BOOK)
    assert parse_intent(text, tokens=BOOK, defaults=Defaults()) == intent, text


@settings(max_examples=max(100, EXAMPLES // 3), deadline=None)
@given(intents(), st.sampled_from([Defaults(), Defaults(slippage_bps=1, deadline_s=30,
                                                         max_hops=1)]))
def test_canonical_text_does_not_depend_on_defaults(intent, defaults):
    """render writes every constraint out, so the config's defaults can't change its meaning."""
    text = render_intent(intent, book=BOOK)
    assert parse_intent(text, tokens=BOOK, defaults=defaults) == intent


@settings(max_examples=max(100, EXAMPLES // 3), deadline=None)
@given(intents())
def test_canonical_text_is_case_insensitive(intent):
    text = render_intent(intent, book=BOOK)
    assert parse_intent(text.upper(), tokens=BOOK) == intent
    assert parse_intent(text.lower(), tokens=BOOK) == intent
