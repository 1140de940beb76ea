"""Phrases -> a Plan: which words say what, before any token or number is looked up.

Word order is free, so this is where "to 0x…" becomes either the token bought or the
recipient, where "DAI" after "avoid USDT," joins the avoid list, and where a trade with a
missing side borrows the token of its minimum or maximum.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from solver.errors import IntentError
from solver.intent.phrases import Phrase, Side, Word

LIST_PHRASES = ("avoid", "route", "chain")
SINGLE = {"slippage": "slippage", "deadline": "deadline", "hops": "the hop limit",
          "gas": "the gas cap", "recipient": "the recipient"}


@dataclass(frozen=True, slots=True)
class Bound:
    """'at least 2700 USDC', 'paying at most 3000 USDC', or a price ('… per WETH')."""

    anchor: Word               # the keyword, for error columns
    amount: Word
    token: Word | None = None
    base: Word | None = None   # set for a price: amount token per base
    bound: str | None = None   # "min" / "max", None when the words don't say ("limit 2700")

    @property
    def is_price(self) -> bool:
        return self.base is not None


@dataclass
class Plan:
    text: str
    verb: Word | None = None
    sells: bool = True                 # the verb names what is sold (swap) or bought (buy)
    sell: Side | None = None
    buy: Side | None = None
    minimums: list[Bound] = field(default_factory=list)
    maximums: list[Bound] = field(default_factory=list)
    prices: list[Bound] = field(default_factory=list)
    single: dict[str, Phrase] = field(default_factory=dict)
    splits: list[tuple[bool, Word]] = field(default_factory=list)
    allow: list[Word] = field(default_factory=list)
    deny: list[Word] = field(default_factory=list)
    avoid: list[Word] = field(default_factory=list)
    chains: list[Word] = field(default_factory=list)
    origin: Word | None = None
    destinations: list[Word] = field(default_factory=list)   # "to X" that may name a chain

    def fail(self, word: Word, message: str, *, hint: str | None = None,
             code: str = "bad_intent", length: int | None = None) -> IntentError:
        return IntentError(message, text=self.text, column=word.column,
                           length=length or word.length, hint=hint, code=code)


def assemble(text: str, phrases: list[Phrase]) -> Plan:
    plan = Plan(text=text)
    refused = next((p for p in phrases if p.kind == "cross_chain"), None)
    if refused is not None:
        raise plan.fail(refused.first, "cross-chain swaps are not supported",
                        code="cross_chain_unsupported",
                        hint="solver trades on one chain at a time; pick it with 'on <chain>'")
    trades = [p for p in phrases if p.kind in ("sell", "buy")]
    if not trades:
        where = phrases[0].first if phrases else Word("SYMBOL", text.strip(), 1)
        raise plan.fail(where, "no trade in the intent", code="no_trade",
                        hint='start with a trade, e.g. "swap 1 WETH for USDC" or '
                             '"buy 0.1 WBTC with USDT"')
    if len(trades) > 1:
        raise plan.fail(trades[1].first, "one trade per intent",
                        hint="put each trade in its own intent (solver batch takes many)")
    trade = trades[0]
    plan.verb, plan.sells = trade.first, trade.kind == "sell"
    if plan.sells:
        plan.sell = trade.side
    else:
        plan.buy = trade.side
    seen_trade = False
    last_list: Phrase | None = None
    for phrase in phrases:
        if phrase is trade:
            seen_trade = True
        elif phrase.kind == "item":
            _continue_list(plan, phrase, last_list)
            continue
        else:
            _take(plan, phrase, seen_trade)
        last_list = phrase if phrase.kind in LIST_PHRASES else None
    _fill_missing_side(plan)
    _counter_amount_as_bound(plan)
    return plan


def _take(plan: Plan, phrase: Phrase, seen_trade: bool) -> None:
    kind = phrase.kind
    if kind == "counter":
        _counter(plan, phrase, seen_trade)
    elif kind in ("at_least", "at_most", "limit"):
        _bound(plan, phrase)
    elif kind in SINGLE:
        if kind in plan.single:
            raise plan.fail(phrase.first, f"{SINGLE[kind]} is given twice",
                            hint="keep one of them")
        plan.single[kind] = phrase
    elif kind == "split":
        plan.splits.append((phrase.first.kind == "SPLIT", phrase.first))
    elif kind == "route":
        _route(plan, phrase)
    elif kind == "avoid":
        _avoid(plan, phrase.words[1])
    elif kind == "chain":
        plan.chains.append(phrase.words[1])
    elif kind == "origin":
        plan.origin = phrase.words[1]
    else:  # pragma: no cover - the grammar has no other phrase
        raise plan.fail(phrase.first, f"unexpected phrase {kind}", hint="a bug: please report")


def _counter(plan: Plan, phrase: Phrase, seen_trade: bool) -> None:
    conn, side = phrase.first, phrase.side
    assert side is not None
    is_to = conn.kind == "TO"
    if not seen_trade:
        if is_to and side.is_plain:
            _recipient_or_destination(plan, side.token)
            return
        raise plan.fail(conn, f"{conn.text!r} comes after the trade",
                        hint='say the trade first, e.g. "swap 1 WETH for USDC"')
    pays = conn.kind in ("WITH", "USING")
    if plan.sells:
        if pays:
            raise plan.fail(conn, f"{conn.text!r} names what you pay with, but the trade "
                                  f"already says what you sell",
                            hint=f"say what you receive with 'for', e.g. 'for {side.token.text}'")
        if plan.buy is None:
            plan.buy = side
            return
    else:
        if pays or conn.kind == "FOR":
            if plan.sell is None:
                plan.sell = side
                return
        elif not is_to:
            raise plan.fail(conn, f"{conn.text!r} doesn't fit a purchase",
                            hint=f"say what you pay with 'with', e.g. 'with {side.token.text}'")
    if is_to and side.is_plain:
        _recipient_or_destination(plan, side.token)
        return
    raise plan.fail(conn, "the other side of the trade is given twice",
                    hint="name each token once: 'swap 1 WETH for USDC'")


def _recipient_or_destination(plan: Plan, word: Word) -> None:
    """'to 0x…' sets the recipient; 'to arbitrum' may be a chain (resolve decides)."""
    plan.destinations.append(word)
    if "recipient" in plan.single:
        raise plan.fail(word, "the recipient is given twice", hint="keep one of them")
    plan.single["recipient"] = Phrase(kind="recipient", words=(word, word))


def _bound(plan: Plan, phrase: Phrase) -> None:
    words = phrase.words
    amount = phrase.word("AMOUNT")
    assert amount is not None
    direction = {"AT_LEAST": "min", "AT_MOST": "max"}
    stated = next((direction[w.kind] for w in words if w.kind in direction), None)
    tokens = phrase.tokens()
    has_per = phrase.word("PER") is not None
    token = tokens[0] if tokens and not (has_per and len(tokens) == 1) else None
    base = tokens[-1] if has_per else None
    bound = Bound(anchor=phrase.first, amount=amount, token=token, base=base, bound=stated)
    if phrase.kind == "limit" or base is not None:
        plan.prices.append(bound)
    elif stated == "min":
        plan.minimums.append(bound)
    else:
        plan.maximums.append(bound)


def _route(plan: Plan, phrase: Phrase) -> None:
    target = phrase.words[1]
    if target.kind != "PROTOCOL":
        raise plan.fail(target, f"routing through a chosen token ({target.text}) is not supported",
                        code="unsupported",
                        hint="the router picks intermediate tokens itself; "
                             f"'avoid {target.text}' excludes one")
    plan.allow.append(target)


def _avoid(plan: Plan, target: Word) -> None:
    (plan.deny if target.kind == "PROTOCOL" else plan.avoid).append(target)


def _continue_list(plan: Plan, item: Phrase, last_list: Phrase | None) -> None:
    sep, target = item.words
    if last_list is None:
        hint = "start a phrase with a keyword, e.g. 'for', 'avoid', 'via'"
        if plan.sell is not None and plan.buy is None or plan.buy is not None and plan.sell is None:
            hint = f"did you mean 'for {target.text}'?" if plan.sells else \
                f"did you mean 'with {target.text}'?"
        raise plan.fail(target, f"unexpected {target.text!r}", hint=hint, code="syntax_error")
    if last_list.kind == "avoid":
        _avoid(plan, target)
    elif last_list.kind == "route":
        _route(plan, Phrase(kind="route", words=(sep, target)))
    else:
        plan.chains.append(target)


def _fill_missing_side(plan: Plan) -> None:
    """'sell 1 WETH for at least 2700 USDC', 'buy 1 WBTC paying at most 90k USDT':
    the minimum or maximum names the token the trade left out."""
    if plan.sells and plan.buy is None:
        token = _first_token(plan.minimums) or _price_token(plan, plan.sell)
        if token is None:
            raise plan.fail(plan.verb, "the intent doesn't say what to receive",
                            code="missing_token",
                            length=_span(plan.verb, plan.sell),
                            hint="add the token you want, e.g. 'for USDC'")
        plan.buy = Side(token=token)
    elif not plan.sells and plan.sell is None:
        token = _first_token(plan.maximums) or _price_token(plan, plan.buy)
        if token is None:
            raise plan.fail(plan.verb, "the intent doesn't say what to pay with",
                            code="missing_token", length=_span(plan.verb, plan.buy),
                            hint="add the token you pay with, e.g. 'with USDC'")
        plan.sell = Side(token=token)


def _counter_amount_as_bound(plan: Plan) -> None:
    """'sell 1 WETH for 2700 USDC' and 'buy 1 WETH for 3000 USDC' name an amount on both
    sides: the verb's side is the trade, the other amount is its limit (a minimum out, or
    a maximum in). 'exactly', a balance or a notional amount on the other side stays a
    contradiction, which amounts.py reports."""
    own, other = (plan.sell, plan.buy) if plan.sells else (plan.buy, plan.sell)
    if own is None or other is None or own.quantity is None or other.quantity is None:
        return
    qty = other.quantity
    if qty.kind != "AMOUNT" or other.exactly or other.quote is not None:
        return
    bound = Bound(anchor=qty, amount=qty, token=other.token, bound="min" if plan.sells else "max")
    (plan.minimums if plan.sells else plan.maximums).append(bound)
    if plan.sells:
        plan.buy = Side(token=other.token)
    else:
        plan.sell = Side(token=other.token)


def _first_token(bounds: list[Bound]) -> Word | None:
    return next((b.token for b in bounds if b.token is not None), None)


def _price_token(plan: Plan, known: Side | None) -> Word | None:
    """The token of a price that is not the known side's ('… USDC per WETH' selling WETH)."""
    if known is None:
        return None
    for price in plan.prices:
        for word in (price.token, price.base):
            if word is not None and word.text.lower() != known.token.text.lower():
                return word
    return None


def _span(first: Word, side: Side | None) -> int:
    last = side.token if side is not None else first
    return max(1, last.end - first.column)
