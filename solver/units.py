"""Small conversions between what humans type and integers: durations, decimals."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation, localcontext

_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours)?\s*$",
                          re.IGNORECASE)
_UNIT_S = {"s": 1, "m": 60, "h": 3600}
# Wide enough that no uint256 amount at any token's decimals rounds (the default is 28 digits).
_PRECISION = 200


def parse_duration_s(text: str) -> int:
    """'90s', '2 minutes', '5m', '1h' -> seconds. Bare numbers are seconds."""
    match = _DURATION_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a duration")
    number, unit = match.groups()
    seconds = Decimal(number) * _UNIT_S[(unit or "s")[0].lower()]
    if seconds <= 0 or seconds != seconds.to_integral_value():
        raise ValueError(f"{text!r} must be a positive whole number of seconds")
    return int(seconds)


def to_base_units(amount: Decimal, decimals: int) -> int:
    """Exact conversion; raises ValueError when the amount has more decimals than the token."""
    with localcontext(prec=max(_PRECISION, len(amount.as_tuple().digits) + abs(decimals) + 2)):
        try:
            scaled = amount.scaleb(decimals)
        except InvalidOperation as exc:
            raise ValueError(str(exc)) from None
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {decimals} decimals")
    return int(scaled)


def format_units(amount: int, decimals: int, *, places: int | None = None) -> str:
    """Base units -> a human decimal string with thousands separators, no float on the way."""
    with localcontext(prec=_PRECISION):
        value = Decimal(amount).scaleb(-decimals)
        if places is not None:
            value = value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)
        text = f"{value:,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
