"""The constraint set an intent becomes: frozen value objects that reject impossible values."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

from solver.tokens import TokenInfo

KINDS = ("exact_in", "exact_out")
PROTOCOLS = ("uniswap_v2", "uniswap_v3")
MAX_HOPS_LIMIT = 4
MAX_DEADLINE_S = 86_400
BPS = 10_000
_FORMAT_PRECISION = 400  # any uint256 at any decimals, exactly (the default context has 28)


@dataclass(frozen=True, slots=True)
class BalanceAmount:
    """A share of the sender's balance of the sold token, read when the intent is quoted."""

    fraction_bps: int

    def __post_init__(self) -> None:
        if not 0 < self.fraction_bps <= BPS:
            raise ValueError(f"fraction_bps {self.fraction_bps} outside (0, 10000]")

    def to_json(self) -> dict:
        return {"kind": "balance", "fraction_bps": self.fraction_bps}


@dataclass(frozen=True, slots=True)
class NotionalAmount:
    """An amount given as its value in another token ("$500 worth", "500 USDC worth"),
    converted at the mid price when the intent is quoted."""

    quote_token: TokenInfo
    amount: int               # base units of quote_token
    currency: str | None = None   # "USD" when typed as "$500"

    def __post_init__(self) -> None:
        if self.amount <= 0:
            raise ValueError("a notional amount must be positive")

    def to_json(self) -> dict:
        return {"kind": "notional", "quote_token": self.quote_token.address,
                "amount": str(self.amount), "currency": self.currency}


AmountSpec = BalanceAmount | NotionalAmount


@dataclass(frozen=True, slots=True)
class LimitPrice:
    """A worst acceptable price: `price` units of `quote` per one unit of `base`, exact.

    bound "min": receive at least this rate (quote is the token bought);
    bound "max": pay at most this rate (quote is the token sold).
    """

    quote: TokenInfo
    base: TokenInfo
    price: Decimal
    bound: str

    def __post_init__(self) -> None:
        if self.bound not in ("min", "max"):
            raise ValueError(f"bound {self.bound!r}")
        if not self.price.is_finite() or self.price <= 0:
            raise ValueError("a limit price must be positive")
        if self.quote.address == self.base.address:
            raise ValueError("a price needs two different tokens")

    @property
    def ratio(self) -> Fraction:
        """The price in base units: quote base units per base base unit."""
        return Fraction(self.price) * Fraction(10 ** self.quote.decimals, 10 ** self.base.decimals)

    def to_json(self) -> dict:
        ratio = self.ratio
        return {"quote_token": self.quote.address, "base_token": self.base.address,
                "price": format_decimal(self.price), "bound": self.bound,
                "ratio": {"numerator": str(ratio.numerator), "denominator": str(ratio.denominator)}}


@dataclass(frozen=True, slots=True)
class Intent:
    """One trade and its constraints. `amount` is what is sold (exact_in) or bought
    (exact_out), in base units, or None when it depends on chain state (amount_spec)."""

    kind: str
    sell_token: TokenInfo
    buy_token: TokenInfo
    amount: int | None
    slippage_bps: int
    deadline_s: int
    max_hops: int
    min_amount_out: int | None = None
    max_amount_in: int | None = None
    allow_protocols: tuple[str, ...] | None = None
    deny_protocols: tuple[str, ...] = ()
    avoid_tokens: tuple[TokenInfo, ...] = ()
    recipient: str | None = None
    max_gas_price_wei: int | None = None
    split: bool = True
    amount_spec: AmountSpec | None = None
    native_in: bool = False
    native_out: bool = False
    limit_price: LimitPrice | None = None
    chain: str | None = None

    def __post_init__(self) -> None:
        _check_intent(self)

    @property
    def sell(self) -> str:
        return self.sell_token.address

    @property
    def buy(self) -> str:
        return self.buy_token.address

    def to_json(self) -> dict:
        """The INTERFACE.md `intent` object, then the documented additions."""
        return {
            "kind": self.kind, "sell": self.sell, "buy": self.buy,
            "amount": _opt_str(self.amount),
            "slippage_bps": self.slippage_bps, "deadline_s": self.deadline_s,
            "min_amount_out": _opt_str(self.min_amount_out), "max_hops": self.max_hops,
            "allow_protocols": None if self.allow_protocols is None else list(self.allow_protocols),
            "deny_protocols": list(self.deny_protocols),
            "avoid_tokens": [t.address for t in self.avoid_tokens],
            "recipient": self.recipient,
            "max_gas_price_wei": _opt_str(self.max_gas_price_wei),
            "split": self.split,
            "max_amount_in": _opt_str(self.max_amount_in),
            "amount_spec": None if self.amount_spec is None else self.amount_spec.to_json(),
            "native_in": self.native_in, "native_out": self.native_out,
            "limit_price": None if self.limit_price is None else self.limit_price.to_json(),
            "chain": self.chain,
        }


def _check_intent(intent: Intent) -> None:
    """Reject constraint sets no parse can produce; the resolver reports these to users first."""
    problems = []
    if intent.kind not in KINDS:
        problems.append(f"kind {intent.kind!r}")
    if intent.sell_token.address == intent.buy_token.address:
        problems.append("the same token on both sides")
    if intent.amount is None and intent.amount_spec is None:
        problems.append("no amount")
    if intent.amount is not None and intent.amount <= 0:
        problems.append("amount must be positive")
    if intent.amount is not None and intent.amount_spec is not None:
        problems.append("both amount and amount_spec")
    if intent.kind == "exact_out" and isinstance(intent.amount_spec, BalanceAmount):
        problems.append("a balance amount on the bought side")
    if not 0 <= intent.slippage_bps < BPS:
        problems.append(f"slippage_bps {intent.slippage_bps}")
    if not 0 < intent.deadline_s <= MAX_DEADLINE_S:
        problems.append(f"deadline_s {intent.deadline_s}")
    if not 1 <= intent.max_hops <= MAX_HOPS_LIMIT:
        problems.append(f"max_hops {intent.max_hops}")
    if intent.min_amount_out is not None and (intent.kind != "exact_in" or intent.min_amount_out <= 0):
        problems.append("min_amount_out is for exact_in and positive")
    if intent.max_amount_in is not None and (intent.kind != "exact_out" or intent.max_amount_in <= 0):
        problems.append("max_amount_in is for exact_out and positive")
    for protocols in (intent.allow_protocols or (), intent.deny_protocols):
        if any(p not in PROTOCOLS for p in protocols) or list(protocols) != sorted(set(protocols)):
            problems.append(f"protocols {protocols} (sorted, from {PROTOCOLS})")
    if intent.allow_protocols is not None and not set(intent.allow_protocols) - set(intent.deny_protocols):
        problems.append("no protocol left to route through")
    avoided = [t.address.lower() for t in intent.avoid_tokens]
    if avoided != sorted(set(avoided)):
        problems.append("avoid_tokens must be sorted by address and unique")
    if {intent.sell.lower(), intent.buy.lower()} & set(avoided):
        problems.append("avoiding a token of the trade itself")
    if intent.max_gas_price_wei is not None and intent.max_gas_price_wei <= 0:
        problems.append("max_gas_price_wei must be positive")
    if problems:
        raise ValueError("impossible intent: " + "; ".join(problems))


def _opt_str(value: int | None) -> str | None:
    return None if value is None else str(value)


def format_decimal(value: Decimal) -> str:
    """Plain digits, no exponent and no trailing zeros: Decimal('2.70E+3') -> '2700'."""
    with localcontext(prec=_FORMAT_PRECISION):
        text = format(value.normalize(), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_base_units(amount: int, decimals: int) -> str:
    """Base units -> the exact human decimal, plain digits: 1500000 (6) -> '1.5'."""
    with localcontext(prec=_FORMAT_PRECISION):
        return format_decimal(Decimal(amount).scaleb(-decimals))
