"""A Plan + a token book + the config defaults -> an Intent, with every check of meaning.

Each error points at the word it is about. Pure: the books are handed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from solver.addresses import is_address
from solver.config import Defaults
from solver.errors import ConfigError, IntentError
from solver.intent import amounts
from solver.intent.assemble import Plan
from solver.intent.chains import hint_chains, is_chain_word, match_chain
from solver.intent.model import MAX_DEADLINE_S, MAX_HOPS_LIMIT, Intent
from solver.intent.numbers import (parse_count, parse_deadline_s, parse_gas_price_wei,
                                   parse_rate_bps)
from solver.intent.phrases import Phrase, Word
from solver.tokens import TokenBook, TokenInfo, TokenLookupError

ZERO_ADDRESS = "0x" + "0" * 40


@dataclass(frozen=True, slots=True)
class Scope:
    """What a plan is resolved against: one chain's book, its name, the known chain names."""

    plan: Plan
    book: TokenBook
    chain: str | None
    chains: tuple[str, ...]

    def fail(self, word: Word, message: str, **kw) -> IntentError:
        return self.plan.fail(word, message, **kw)

    def token(self, word: Word, *, sides: bool = True) -> tuple[TokenInfo, bool]:
        """(token, is_native) for a symbol or address word. On a side of the trade
        (`sides`), an unknown word that names a chain is a cross-chain request."""
        if self.book.is_native(word.text):
            try:
                return self.book.native_wrapped(), True
            except TokenLookupError as exc:
                raise self.fail(word, exc.message, hint=exc.hint, code=exc.code) from None
        try:
            return self.book.find(word.text), False
        except TokenLookupError as exc:
            if sides and exc.code == "unknown_token" and is_chain_word(word.text, self.chains):
                raise refuse_cross_chain(self.plan, word) from None
            raise self.fail(word, exc.message, hint=exc.hint, code=exc.code) from None


def resolve_plan(plan: Plan, *, tokens: TokenBook | Mapping[str, TokenBook],
                 defaults: Defaults, chain: str | None = None,
                 chains: Collection[str] | None = None) -> Intent:
    """`tokens` is one book, or books by configured chain name (a lazy Mapping is fine).
    `chain` is a chain chosen outside the intent (--chain); the intent may not contradict it.
    `chains` lists the configured chain names when `tokens` is a single book."""
    scope = _scope(plan, tokens, defaults, chain, chains)
    sell, native_in = scope.token(plan.sell.token)
    buy, native_out = scope.token(plan.buy.token)
    if sell.address == buy.address:
        same = "ETH and WETH are the same token to the router" if native_in != native_out \
            else f"{plan.buy.token.text} is on both sides"
        raise scope.fail(plan.buy.token, f"nothing to trade: {same}", code="same_token",
                         hint="name two different tokens"
                         + ("; wrapping ETH is not a swap" if native_in != native_out else ""))
    sized = amounts.size_trade(scope, sell, buy)
    split = _split(plan)
    allow, deny = _protocols(plan)
    return Intent(
        kind=sized.kind, sell_token=sell, buy_token=buy, amount=sized.amount,
        amount_spec=sized.spec, min_amount_out=sized.min_amount_out,
        max_amount_in=sized.max_amount_in, limit_price=sized.limit_price,
        slippage_bps=_slippage(plan, defaults), deadline_s=_deadline(plan, defaults),
        max_hops=_hops(plan, defaults), allow_protocols=allow, deny_protocols=deny,
        avoid_tokens=_avoid_tokens(scope, sell, buy), recipient=_recipient(scope),
        max_gas_price_wei=_gas(plan), split=split, native_in=native_in,
        native_out=native_out, chain=scope.chain,
    )


# --- chain -----------------------------------------------------------------------------

def refuse_cross_chain(plan: Plan, word: Word) -> IntentError:
    return plan.fail(word, "cross-chain swaps are not supported", code="cross_chain_unsupported",
                     hint="solver trades on one chain at a time; pick it with 'on <chain>'")


def _scope(plan: Plan, tokens, defaults: Defaults, chain: str | None,
           chains: Collection[str] | None) -> Scope:
    if isinstance(tokens, TokenBook):
        own = (tokens.chain_name,) if tokens.chain_name else ()
        known = tuple(dict.fromkeys(own + tuple(chains or ())))
    else:
        known = tuple(tokens.keys())
    picked, word = _named_chain(plan, known)
    if picked is not None and chain is not None and match_chain(chain, known) not in (picked, None):
        raise plan.fail(word, f"the intent says {word.text!r} but --chain is {chain!r}",
                        code="chain_conflict", hint="drop one of them")
    name = picked or (match_chain(chain, known) or chain if chain else None)
    if isinstance(tokens, TokenBook):
        return Scope(plan, tokens, name or tokens.chain_name, known)
    name = name or defaults.chain
    if name not in tokens:
        raise ConfigError(f"chain {name!r} is not configured",
                          hint=hint_chains(name, known), code="unknown_chain")
    return Scope(plan, tokens[name], name, known)


def _named_chain(plan: Plan, known: tuple[str, ...]) -> tuple[str | None, Word | None]:
    """The configured chain the intent names ("on mainnet", "from mainnet"), if any.
    Two different chains, or "to <chain>", is a cross-chain request and is refused."""
    if plan.origin is not None and is_address(plan.origin.text):
        raise plan.fail(plan.origin, "the sender is not part of the intent",
                        hint="give it with --from ADDRESS")
    for word in plan.destinations:
        if is_chain_word(word.text, known) and not is_address(word.text):
            raise refuse_cross_chain(plan, word)
    named = sorted(plan.chains + ([plan.origin] if plan.origin is not None else []),
                   key=lambda w: w.column)
    if not named:
        return None, None
    names = [match_chain(w.text, known) or w.text.lower() for w in named]
    for word, name in zip(named[1:], names[1:]):
        if name != names[0]:
            raise refuse_cross_chain(plan, word)
    if match_chain(named[0].text, known) is None:
        raise plan.fail(named[0], f"chain {named[0].text!r} is not configured",
                        code="unknown_chain", hint=hint_chains(named[0].text, known))
    return names[0], named[0]


# --- single-valued constraints -------------------------------------------------------------

def _number(plan: Plan, word: Word, parse, what: str):
    try:
        return parse(word.text)
    except ValueError as exc:
        raise plan.fail(word, str(exc), code="bad_amount", hint=f"write {what}") from None


def _slippage(plan: Plan, defaults: Defaults) -> int:
    phrase = plan.single.get("slippage")
    if phrase is None:
        return defaults.slippage_bps
    word = phrase.word("PERCENT", "BPS")
    bps = _number(plan, word, parse_rate_bps, "e.g. 0.5% or 30 bps")
    if bps < 0:
        raise plan.fail(word, "slippage can't be negative", code="bad_slippage",
                        hint="write e.g. 0.5%")
    if bps >= 10_000:
        raise plan.fail(word, "slippage of 100% or more accepts any price", code="bad_slippage",
                        hint="a tolerance is usually well under 1%, e.g. 0.5%")
    return bps


def _deadline(plan: Plan, defaults: Defaults) -> int:
    phrase = plan.single.get("deadline")
    if phrase is None:
        return defaults.deadline_s
    word = phrase.word("DURATION")
    seconds = _number(plan, word, parse_deadline_s, "a positive duration, e.g. 90s or 2 minutes")
    if seconds > MAX_DEADLINE_S:
        raise plan.fail(word, "a deadline over a day is almost certainly a mistake",
                        code="bad_deadline", hint="e.g. 'within 5 minutes'")
    return seconds


def _hops(plan: Plan, defaults: Defaults) -> int:
    phrase = plan.single.get("hops")
    if phrase is None:
        return defaults.max_hops
    if phrase.first.kind == "DIRECT":
        return 1
    word = phrase.word("AMOUNT", "NUM_WORD")
    hops = _number(plan, word, parse_count, "a whole number of hops")
    if not 1 <= hops <= MAX_HOPS_LIMIT:
        raise plan.fail(word, f"{word.text} hops is outside 1 to {MAX_HOPS_LIMIT}",
                        code="bad_hops", hint="e.g. 'at most 2 hops'")
    return hops


def _gas(plan: Plan) -> int | None:
    phrase = plan.single.get("gas")
    if phrase is None:
        return None
    word = phrase.word("GAS_PRICE")
    wei = _number(plan, word, parse_gas_price_wei, "e.g. 30 gwei")
    if wei <= 0:
        raise plan.fail(word, "a gas price cap must be positive", code="bad_gas",
                        hint="e.g. 'max gas 30 gwei'")
    return wei


def _recipient(scope: Scope) -> str | None:
    phrase: Phrase | None = scope.plan.single.get("recipient")
    if phrase is None:
        return None
    word = phrase.words[1]
    if not is_address(word.text):
        hint = ("ENS names are not resolved; give the 0x address" if "." in word.text
                else "give a 0x address (40 hex digits)")
        raise scope.fail(word, f"the recipient {word.text!r} is not an address",
                         code="bad_recipient", hint=hint)
    try:
        token = scope.book.find(word.text)
        address = token.address
    except TokenLookupError as exc:
        if exc.code == "bad_address":
            raise scope.fail(word, exc.message, hint=exc.hint, code=exc.code) from None
        address = _checksum(scope, word)
    if address == ZERO_ADDRESS:
        raise scope.fail(word, "sending to the zero address burns the tokens",
                         code="bad_recipient", hint="give the address that should receive them")
    return address


def _checksum(scope: Scope, word: Word) -> str:
    from solver.addresses import to_checksum

    address = to_checksum(word.text)
    body = word.text[2:]
    if body != body.lower() and body != body.upper() and address != word.text:
        raise scope.fail(word, f"address {word.text} has a wrong EIP-55 checksum",
                         code="bad_address", hint=f"the checksummed form is {address}")
    return address


def _split(plan: Plan) -> bool:
    values = {}
    for allowed, word in plan.splits:
        other = values.get(not allowed)
        if other is not None:
            raise plan.fail(word, f"{word.text!r} contradicts {other.text!r}",
                            code="contradiction", hint="keep one of them")
        values.setdefault(allowed, word)
    return values.get(False) is None


# --- lists ------------------------------------------------------------------------------------

def parse_protocol(text: str) -> tuple[str, ...]:
    """'uniswap-v3', 'uniswap v3', 'univ3', 'v3' -> ('uniswap_v3',); 'uniswap' -> both."""
    lower = text.lower()
    if lower.endswith("2"):
        return ("uniswap_v2",)
    if lower.endswith("3"):
        return ("uniswap_v3",)
    return ("uniswap_v2", "uniswap_v3")


def _protocols(plan: Plan) -> tuple[tuple[str, ...] | None, tuple[str, ...]]:
    allow = {k: w for w in plan.allow for k in parse_protocol(w.text)}
    deny = {k: w for w in plan.deny for k in parse_protocol(w.text)}
    for kind, word in deny.items():
        if kind in allow:
            later = max(word, allow[kind], key=lambda w: w.column)
            raise plan.fail(later, f"{kind} is both allowed and avoided", code="contradiction",
                            hint="keep one of them")
    return (tuple(sorted(allow)) if allow else None), tuple(sorted(deny))


def _avoid_tokens(scope: Scope, sell: TokenInfo, buy: TokenInfo) -> tuple[TokenInfo, ...]:
    avoided: dict[str, TokenInfo] = {}
    for word in scope.plan.avoid:
        token, _native = scope.token(word, sides=False)
        if token.address in (sell.address, buy.address):
            side = "sell" if token.address == sell.address else "buy"
            raise scope.fail(word, f"can't avoid {word.text}: it is the token you {side}",
                             code="contradiction", hint=f"drop 'avoid {word.text}'")
        avoided[token.address.lower()] = token
    return tuple(avoided[k] for k in sorted(avoided))
