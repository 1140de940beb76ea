"""Text -> phrases: the lark LALR parser, built once per process, and its syntax errors.

The parse tables are cached on disk (lark `cache=`) under solver's cache directory, so a
fresh process loads them instead of analysing the grammar again.
"""

from __future__ import annotations

import difflib
import re
import sys
from pathlib import Path

from solver.errors import IntentError
from solver.intent.phrases import Phrase, collect_phrases

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")
MAX_INTENT_CHARS = 1_000

_parser = None
_EXPONENT = re.compile(r"^-?\d+(\.\d+)?e-?\d+$", re.IGNORECASE)

# What each terminal looks like, for "expected ..." hints.
_EXPECTED = {
    "AMOUNT": "an amount like 1.5, 1,500 or 10k",
    "SYMBOL": "a token symbol like USDC",
    "ADDRESS": "a token address",
    "PERCENT": "a percentage like 0.5%",
    "BPS": "basis points like 30 bps",
    "DURATION": "a duration like 90s or 2 minutes",
    "GAS_PRICE": "a gas price like 30 gwei",
    "HOPS": "'hops'",
    "SLIPPAGE": "'slippage'",
    "GAS": "'gas'",
    "PER": "'per'",
    "WORTH": "'worth of'",
    "PROTOCOL": "a protocol like uniswap-v3",
    "NUM_WORD": "a number of hops",
}

# Words a misspelling is compared against, for did-you-mean hints.
KEYWORDS = (
    "swap", "trade", "convert", "exchange", "sell", "buy", "get", "purchase", "receive",
    "for", "to", "into", "with", "using", "exactly", "worth", "all", "half", "quarter",
    "balance", "at least", "at most", "minimum", "maximum", "max", "min", "limit", "price",
    "per", "slippage", "deadline", "within", "in", "hops", "direct", "split", "no split",
    "single route", "send to", "recipient", "gas", "gwei", "wei", "bps", "via", "through",
    "on", "avoid", "exclude", "without", "chain", "from", "uniswap-v3", "uniswap-v2",
    "seconds", "minutes", "hours",
)


def get_parser():
    """The lark parser, built on first use (about 60 ms, or a few ms from the cache)."""
    global _parser
    if _parser is None:
        from lark import Lark

        options = dict(parser="lalr", lexer="contextual", maybe_placeholders=False)
        cache = _cache_file()
        grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
        try:
            _parser = Lark(grammar, cache=cache, **options) if cache else Lark(grammar, **options)
        except OSError:  # an unusable cache file: build without it
            _parser = Lark(grammar, **options)
    return _parser


def _cache_file() -> str | None:
    from lark import __version__ as lark_version

    from solver.paths import cache_home

    folder = cache_home()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    python = "".join(map(str, sys.version_info[:2]))
    return str(folder / f"intent-grammar-lark{lark_version}-py{python}.cache")


def read_phrases(text: str) -> list[Phrase]:
    """The phrases of an intent, or an IntentError pointing at the first word that fits none."""
    if len(text) > MAX_INTENT_CHARS:
        raise IntentError(f"the intent is too long ({len(text)} characters, at most "
                          f"{MAX_INTENT_CHARS})", text=text[:80], column=81, code="bad_intent",
                          hint="one trade per intent; shorten it")
    if not text.strip():
        raise IntentError("the intent is empty", text=text, column=1, code="bad_intent",
                          hint='say what to trade, e.g. "swap 1 WETH for USDC"')
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        tree = get_parser().parse(text)
    except UnexpectedToken as exc:
        raise _token_error(text, exc) from None
    except UnexpectedCharacters as exc:
        raise _character_error(text, exc) from None
    except UnexpectedInput as exc:  # any other lark input error, still the user's text
        raise IntentError("can't read the intent", text=text, column=1, code="syntax_error",
                          hint=str(exc).splitlines()[0]) from None
    return collect_phrases(tree)


def _token_error(text: str, exc) -> IntentError:
    token = exc.token
    expected = set(exc.expected or ())  # `accepts` is exact but costs ~0.7 ms
    if token.type == "$END":
        last = _last_word(text)
        return IntentError(f"the intent ends too early, after {last!r}", text=text,
                           column=len(text.rstrip()) + 1, code="syntax_error",
                           hint=_expected_hint(expected))
    word = str(token)
    before = _word_before(text, token.column)
    if _EXPONENT.match(before):
        column = text.rfind(before, 0, token.column - 1) + 1
        return IntentError(f"{before!r} is not an amount solver reads", text=text, column=column,
                           length=len(before), code="syntax_error",
                           hint="write amounts in plain digits (1.5, 1,500, 10k), not exponents")
    hint = _did_you_mean(word) if token.type == "SYMBOL" else None
    return IntentError(f"unexpected {word!r}", text=text, column=token.column,
                       length=len(word), code="syntax_error",
                       hint=hint or _expected_hint(expected, after=_word_before(text, token.column)))


def _character_error(text: str, exc) -> IntentError:
    column = exc.column
    word = _word_at(text, column)
    hint = _did_you_mean(word) or _expected_hint(set(exc.allowed or ()))
    char = text[column - 1] if 0 < column <= len(text) else ""
    what = f"unexpected {word!r}" if len(word) > 1 else f"unexpected character {char!r}"
    return IntentError(what, text=text, column=column, length=max(1, len(word)),
                       code="syntax_error", hint=hint)


def _expected_hint(expected: set[str], after: str = "") -> str:
    if "SELL_VERB" in expected or not expected:
        return ("expected a phrase such as 'for USDC', 'slippage 0.5%', 'within 2 minutes' "
                "or 'at most 2 hops' (see docs/intent-language.md)")
    names = [_EXPECTED[name] for name in sorted(expected) if name in _EXPECTED]
    if not names:
        return "see docs/intent-language.md for the phrases solver understands"
    where = f" after {after!r}" if after else ""
    return f"expected {' or '.join(dict.fromkeys(names[:4]))}{where}"


def _did_you_mean(word: str) -> str | None:
    close = difflib.get_close_matches(word.lower(), KEYWORDS, n=1, cutoff=0.75)
    if close and close[0] != word.lower():
        return f"did you mean {close[0]!r}?"
    return None


def _word_at(text: str, column: int) -> str:
    start = column - 1
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in ",;":
        end += 1
    return text[start:end] or text[start:start + 1]


def _word_before(text: str, column: int) -> str:
    before = text[:column - 1].split()
    return before[-1] if before else ""


def _last_word(text: str) -> str:
    words = text.split()
    return words[-1] if words else ""


def is_keyword(word: str) -> bool:
    """True when a terminal other than SYMBOL would claim the start of `word`, so the word
    can't be written as a token symbol (render.py then writes the address)."""
    for terminal in get_parser().terminals:
        if terminal.name in ("SYMBOL", "WS"):
            continue
        flags = re.IGNORECASE if "i" in terminal.pattern.flags else 0
        if re.match(terminal.pattern.to_regexp(), word, flags):
            return True
    return False
