"""Numbers as traders type them -> exact Decimals and integers. Never a float, never rounding.

Each function raises ValueError with a message fit for the user; resolve.py adds the column.
All arithmetic runs in a context wide enough for every accepted number and trapping
Inexact, so a result is either exact or an error.
"""

from __future__ import annotations

import re
from decimal import (Context, Decimal, DivisionByZero, Inexact, InvalidOperation, Overflow,
                     localcontext)

from solver.units import parse_duration_s, to_base_units

MAX_DIGITS = 80  # more than any uint256 amount needs; longer numbers are typos
_PRECISION = 4 * MAX_DIGITS
_SCALE = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "bn": 10**9}
_NUMBER_RE = re.compile(r"^(-?)\$?\s*(-?)([\d,]*\.?\d+)\s*(k|m|bn|b)?\s*\$?$", re.IGNORECASE)
_UNIT_RE = re.compile(r"^\s*(-?[\d,]*\.?\d+)\s*(%|bps|bp|basis\s+points?|gwei|wei)\s*$",
                      re.IGNORECASE)
NUM_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


_EXACT = Context(prec=_PRECISION, traps=[Inexact, InvalidOperation, DivisionByZero, Overflow])


def exact_context():
    """A decimal context in which no accepted input ever rounds (rounding raises)."""
    return localcontext(_EXACT)


def parse_number(text: str) -> Decimal:
    """'1,500' -> 1500, '2.5m' -> 2500000, '$500' -> 500, '-3' -> -3 (the caller rejects it)."""
    match = _NUMBER_RE.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a number")
    sign_a, sign_b, digits, suffix = match.groups()
    with exact_context():
        value = _decimal(digits) * _SCALE[(suffix or "").lower()]
        return -value if sign_a or sign_b else value


def parse_count(text: str) -> int:
    """A whole number of things (hops): '2' or 'two'."""
    if text.lower() in NUM_WORDS:
        return NUM_WORDS[text.lower()]
    value = parse_number(text)
    if value != value.to_integral_value():
        raise ValueError(f"{text!r} is not a whole number")
    return int(value)


def parse_rate_bps(text: str) -> int:
    """'0.3%' -> 30, '30 bps' -> 30. A fraction of a basis point is an error."""
    value, unit = _split_unit(text)
    with exact_context():
        bps = value * 100 if unit == "%" else value
    if bps != bps.to_integral_value():
        raise ValueError(f"{text.strip()} is not a whole number of basis points (0.01%)")
    return int(bps)


def parse_gas_price_wei(text: str) -> int:
    """'30 gwei' -> 30000000000, '1500 wei' -> 1500."""
    value, unit = _split_unit(text)
    with exact_context():
        wei = value * 10**9 if unit == "gwei" else value
    if wei != wei.to_integral_value():
        raise ValueError(f"{text.strip()} is not a whole number of wei")
    return int(wei)


def parse_deadline_s(text: str) -> int:
    """'90s', '2 minutes', '5m', '300' (seconds) -> whole seconds."""
    cleaned = text.replace(",", "")
    if len(cleaned) > MAX_DIGITS:
        raise ValueError(f"{text[:12]}… is too long for a duration")
    with exact_context():
        return parse_duration_s(cleaned)


def to_base_units_exact(value: Decimal, decimals: int, *, symbol: str) -> int:
    """Human amount -> base units; more decimals than the token has is an error."""
    with exact_context():
        try:
            return to_base_units(value, decimals)
        except (ValueError, ArithmeticError):
            raise ValueError(f"{format(value, 'f')} has more decimals than {symbol} "
                             f"allows ({decimals})") from None


def _decimal(digits: str) -> Decimal:
    digits = digits.replace(",", "")
    if len(digits) > MAX_DIGITS:
        raise ValueError(f"{digits[:12]}… has too many digits")
    try:
        return Decimal(digits)
    except InvalidOperation:
        raise ValueError(f"{digits!r} is not a number") from None


def _split_unit(text: str) -> tuple[Decimal, str]:
    match = _UNIT_RE.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a number with a unit")
    number, unit = match.groups()
    return _decimal(number), unit.lower()
