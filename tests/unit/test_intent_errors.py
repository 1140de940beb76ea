"""Table-driven: intents that must be refused (exit 2), the reason code, and the column blamed."""

from __future__ import annotations

import pytest

from solver.config import Defaults
from solver.errors import ConfigError, IntentError
from solver.intent import parse_intent, read_intent
from solver.tokens import MAINNET_TOKENS, TokenBook, TokenInfo

VITALIK = "0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045"
BOOKS = {"devnet": TokenBook.builtin_mainnet(chain_name="devnet"),
         "mainnet": TokenBook.builtin_mainnet(chain_name="mainnet")}
DEFAULTS = Defaults(chain="devnet")


def col(text: str, word: str, nth: int = 1) -> int:
    """The 1-based column of the nth occurrence of word in text."""
    at = -1
    for _ in range(nth):
        at = text.index(word, at + 1)
    return at + 1


# (intent, error code, the word blamed (its first occurrence unless a number follows), hint part)
ERRORS = [
    # the same token on both sides
    ("swap 1 WETH for WETH", "same_token", ("WETH", 2), "different"),
    ("swap 1 ETH for WETH", "same_token", "WETH", "wrapping"),
    ("buy 1 usdc with USDC", "same_token", "usdc", "different"),
    # zero or negative amounts
    ("swap 0 WETH for USDC", "bad_amount", "0", "greater than zero"),
    ("swap -1 WETH for USDC", "bad_amount", "-1", "greater than zero"),
    ("swap 0.0 WETH for USDC", "bad_amount", "0.0", "greater than zero"),
    ("buy 0 WBTC with USDT", "bad_amount", "0", "greater than zero"),
    ("swap 1 WETH for at least 0 USDC", "bad_amount", "0", "greater than zero"),
    ("swap 150% of my WETH for USDC", "bad_amount", "150%", "25%"),
    ("swap 0% of my WETH for USDC", "bad_amount", "0%", "25%"),
    ("swap $0 worth of WETH for USDC", "bad_amount", "$0", "greater than zero"),
    # too many decimals: an error, never rounding
    ("swap 1.0000000000000000001 WETH for USDC", "too_many_decimals", "1.0", "never rounds"),
    ("swap 1.0000001 USDC for WETH", "too_many_decimals", "1.0", "6 decimals"),
    ("swap 0.000000001 WBTC for USDC", "too_many_decimals", "0.0", "8 decimals"),
    ("swap 1 WETH for at least 0.0000001 USDC", "too_many_decimals", "0.0", "6 decimals"),
    ("swap 1 WETH for USDC max gas 0.0000000001 gwei", "bad_amount", "0.0", "30 gwei"),
    ("swap 1 WETH for USDC slippage 0.001%", "bad_amount", "0.001%", "0.5%"),
    ("swap 1 WETH for USDC slippage 2.5 bps", "bad_amount", "2.5 bps", "0.5%"),
    # contradictions
    ("swap 1 WETH for USDC no split, split across routes", "contradiction", "split across",
     "keep one"),
    ("swap 1 WETH for USDC single route, split allowed", "contradiction", "split allowed",
     "keep one"),
    ("swap 1 WETH for USDC split, no split", "contradiction", "no split", "keep one"),
    ("swap 1 WETH for USDC no split, split only", "contradiction", ("split", 2), "keep one"),
    ("swap 1 WETH for USDC must split, single route", "contradiction", "single route", "keep one"),
    ("swap 1 WETH for USDC via uniswap-v3, avoid uniswap-v3", "contradiction", ("uniswap-v3", 2),
     "keep one"),
    ("swap 1 WETH for USDC avoid v2 via uniswap", "contradiction", "uniswap", "keep one"),
    ("swap 1 WETH for USDC avoid WETH", "contradiction", ("WETH", 2), "drop"),
    ("swap 1 WETH for USDC avoid usdc", "contradiction", "usdc", "drop"),
    ("swap 1 ETH for USDC avoid WETH", "contradiction", "WETH", "drop"),
    ("swap 1 WETH for exactly 2 USDC", "contradiction", "2", "not both"),
    ("swap 1 WETH for all my USDC", "contradiction", "all", "not both"),
    ("buy 1 WETH with $500 worth of USDC", "contradiction", "$500", "not both"),
    ("buy 1 WETH with USDC for at least 2700 USDC", "contradiction", "for at least", "paying at most"),
    ("swap 1 WETH for USDC paying at most 3000 USDC", "contradiction", "paying at most",
     "for at least"),
    ("swap 1 WETH for USDC at least 2700 DAI", "contradiction", "DAI", "give it in USDC"),
    ("buy 1 WETH with USDC paying at most 3000 DAI", "contradiction", "DAI", "give it in USDC"),
    ("swap 1 WETH for USDC at a price of at most 2700 USDC per WETH", "contradiction",
     "at a price", "at least"),
    ("buy 1 WETH with USDC at a price of at least 2700 USDC per WETH", "contradiction",
     "at a price", "at most"),
    ("swap 1 WETH for USDC at least 2700 DAI per WETH", "contradiction", "DAI", "USDC per WETH"),
    ("swap 1 WETH for USDC limit 2700 USDC per USDC", "contradiction", ("USDC", 3), "per"),
    ("swap 1 WETH for USDC limit 2700, limit 2800", "contradiction", ("limit", 2), "keep one"),
    ("buy half WBTC with USDC", "bad_amount", "half", "sell half"),
    # a recipient that is not an address
    ("swap 1 WETH for USDC to bob", "bad_recipient", "bob", "0x address"),
    ("swap 1 WETH for USDC send to vitalik.eth", "bad_recipient", "vitalik.eth", "ENS"),
    ("swap 1 WETH for USDC send to 0x1234", "bad_recipient", "0x1234", "0x address"),
    ("swap 1 WETH for USDC recipient me123", "bad_recipient", "me123", "0x address"),
    ("swap 1 WETH for USDC send to 0x0000000000000000000000000000000000000000", "bad_recipient",
     "0x0000", "receive"),
    ("swap 1 WETH for USDC send to 0xD8dA6BF26964aF9D7eEd9e03E53415D37aA96045", "bad_address",
     "0xD8dA", "checksummed"),
    (f"swap 1 WETH for USDC send to {VITALIK}, send to {VITALIK}", "bad_intent", ("send to", 2),
     "keep one"),
    # slippage of 100% or more
    ("swap 1 WETH for USDC slippage 100%", "bad_slippage", "100%", "1%"),
    ("swap 1 WETH for USDC slippage 150%", "bad_slippage", "150%", "1%"),
    ("swap 1 WETH for USDC max slippage 10000 bps", "bad_slippage", "10000 bps", "1%"),
    ("swap 1 WETH for USDC slippage -1%", "bad_slippage", "-1%", "0.5%"),
    ("swap 1 WETH for USDC slippage 1%, slippage 2%", "bad_intent", ("slippage", 2), "keep one"),
    # cross-chain and chains
    ("swap 1 WETH for USDC on any chain", "cross_chain_unsupported", "on any chain", "one chain"),
    ("swap 1 WETH for USDC from base to arbitrum", "cross_chain_unsupported", "arbitrum",
     "one chain"),
    ("swap 1 WETH on base for USDC on arbitrum", "cross_chain_unsupported", "arbitrum", "one chain"),
    ("bridge 1 WETH to arbitrum", "cross_chain_unsupported", "bridge", "one chain"),
    ("swap 1 WETH for USDC cross-chain", "cross_chain_unsupported", "cross-chain", "one chain"),
    ("swap 1 WETH for USDC to arbitrum", "cross_chain_unsupported", "arbitrum", "one chain"),
    ("swap 1 WETH for arbitrum", "cross_chain_unsupported", "arbitrum", "one chain"),
    ("swap 1 WETH for USDC avoid polygon", "unknown_token", "polygon", "token lists"),
    ("swap 1 WETH for USDC on mainnet and devnet", "cross_chain_unsupported", "devnet", "one chain"),
    ("swap 1 WETH for USDC on base", "unknown_chain", "base", "configured chains: devnet, mainnet"),
    ("swap 1 WETH for USDC on mainet", "unknown_chain", "mainet", "did you mean mainnet"),
    (f"swap 1 WETH for USDC from {VITALIK}", "bad_intent", VITALIK, "--from"),
    # tokens
    ("swap 1 WETH for USDCC", "unknown_token", "USDCC", "did you mean USDC"),
    ("swap 1 WTEH for USDC", "unknown_token", "WTEH", "did you mean WETH"),
    ("swap 1 WETH for FOOBAR", "unknown_token", "FOOBAR", "token lists"),
    ("swap 1 0x1111111111111111111111111111111111111111 for USDC", "unknown_token", "0x1111",
     "decimals"),
    ("swap 1 0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756CC2 for USDC", "bad_address", "0xC02a",
     "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"),
    ("swap 1 WETH for USDC via USDT", "unsupported", "USDT", "avoid USDT"),
    ("swap 1 WETH for USDC avoid FOOBAR", "unknown_token", "FOOBAR", "token lists"),
    # missing pieces and nonsense
    ("swap WETH for USDC", "missing_amount", "WETH", "all my WETH"),
    ("swap my WETH for USDC", "missing_amount", "WETH", "all my WETH"),
    ("buy WBTC with USDC", "missing_amount", "WBTC", "1.5 WBTC"),
    ("swap 1 WETH", "missing_token", "swap", "for USDC"),
    ("buy 1 WBTC", "missing_token", "buy", "with USDC"),
    ("swap 1 WETH USDC", "syntax_error", "USDC", "for USDC"),
    ("for USDC", "no_trade", "for", "swap 1 WETH for USDC"),
    ("slippage 1%", "no_trade", "slippage", "swap 1 WETH for USDC"),
    ("swap 1 WETH for USDC, buy 1 WBTC with DAI", "bad_intent", "buy", "batch"),
    ("swap 1 WETH with USDC", "bad_intent", "with", "for USDC"),
    ("buy 1 WBTC into USDC", "bad_intent", "into", "with USDC"),
    ("swap 1 WETH for USDC for DAI", "bad_intent", ("for", 2), "name each token once"),
    ("swap 1 WETH for USDC at most 5 hops", "bad_hops", "5", "at most 2 hops"),
    ("swap 1 WETH for USDC at most 0 hops", "bad_hops", "0", "at most 2 hops"),
    ("swap 1 WETH for USDC at most 1.5 hops", "bad_amount", "1.5", "whole number"),
    ("swap 1 WETH for USDC within 0 seconds", "bad_amount", "0 seconds", "positive duration"),
    ("swap 1 WETH for USDC deadline -5m", "bad_amount", "-5m", "positive duration"),
    ("swap 1 WETH for USDC deadline 48h", "bad_deadline", "48h", "within 5 minutes"),
    ("swap 1 WETH for USDC within 1.5 seconds", "bad_amount", "1.5 seconds", "positive duration"),
    ("swap 1 WETH for USDC max gas 30", "syntax_error", "30", "gas price like 30 gwei"),
    ("swap 1 WETH for USDC max gas 0 gwei", "bad_gas", "0 gwei", "30 gwei"),
    ("swap 1 WETH for USDC slipage 1%", "syntax_error", "slipage", "did you mean 'slippage'"),
    ("swap 1 WETH for USDC deadlin 5m", "syntax_error", "deadlin", "did you mean 'deadline'"),
    ("swap 1 WETH for USDC 🚀", "syntax_error", "🚀", "expected"),
    ("swap 1 WETH for USDC within 2 days", "syntax_error", "days", "expected"),
    ("swap 1e18 WETH for USDC", "syntax_error", "1e18", "plain digits"),
    ("swap 1 WETH for", "syntax_error", None, "token symbol"),
    ("swap", "syntax_error", None, "amount"),
    ("", "bad_intent", None, "swap 1 WETH for USDC"),
    ("   ", "bad_intent", None, "swap 1 WETH for USDC"),
    ("swap 1 WETH for USDC, at most", "syntax_error", None, "amount"),
]


@pytest.mark.parametrize(("text", "code", "blamed", "hint"), ERRORS, ids=[e[0] for e in ERRORS])
def test_refused_with_reason_and_column(text, code, blamed, hint):
    with pytest.raises(IntentError) as caught:
        parse_intent(text, tokens=BOOKS, defaults=DEFAULTS)
    err = caught.value
    assert err.exit_code == 2
    assert err.code == code, (err.code, err.message, err.hint)
    if blamed is None:
        assert err.column == max(1, len(text.rstrip()) + 1)
    else:
        word, nth = blamed if isinstance(blamed, tuple) else (blamed, 1)
        assert err.column == col(text, word, nth), (err.message, err.column)
    assert hint in (err.hint or ""), err.hint
    assert err.to_json()["error"]["column"] == err.column
    if text:
        caret = err.caret_lines()
        assert caret.splitlines()[1].index("^") == err.column + 1  # two spaces of indent


def test_there_are_many_refusals():
    assert len(ERRORS) >= 90


def test_ambiguous_symbol_lists_the_candidates():
    bridged = TokenInfo("0x1111111111111111111111111111111111111111", "USDC", 6, "Bridged USDC")
    book = TokenBook([MAINNET_TOKENS, (MAINNET_TOKENS[1], bridged)], chain_name="devnet",
                     wrapped_native=MAINNET_TOKENS[0].address)
    with pytest.raises(IntentError) as caught:
        parse_intent("swap 1 WETH for usdc", tokens=book)
    err = caught.value
    assert err.code == "ambiguous_token" and err.column == 17
    assert "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48" in err.hint
    assert "0x1111111111111111111111111111111111111111" in err.hint
    # the address disambiguates
    got = parse_intent("swap 1 WETH for 0x1111111111111111111111111111111111111111", tokens=book)
    assert got.buy == bridged.address


def test_dollar_amount_needs_a_known_stablecoin():
    book = TokenBook([MAINNET_TOKENS[0], MAINNET_TOKENS[3]], chain_name="x",
                     wrapped_native=MAINNET_TOKENS[0].address)
    with pytest.raises(IntentError) as caught:
        parse_intent("swap $500 worth of WETH for WBTC", tokens=book)
    assert caught.value.code == "unknown_token" and caught.value.column == 6


def test_chain_option_conflicting_with_the_intent():
    with pytest.raises(IntentError) as caught:
        parse_intent("swap 1 WETH for USDC on mainnet", tokens=BOOKS, defaults=DEFAULTS,
                     chain="devnet")
    assert caught.value.code == "chain_conflict" and caught.value.column == 25


def test_an_unconfigured_chain_option_is_a_config_error():
    with pytest.raises(ConfigError):
        parse_intent("swap 1 WETH for USDC", tokens=BOOKS, defaults=DEFAULTS, chain="base")


def test_too_long_an_intent():
    with pytest.raises(IntentError) as caught:
        read_intent("swap 1 WETH for USDC " * 100)
    assert caught.value.code == "bad_intent"


def test_syntax_errors_come_before_token_lookups():
    """read_intent needs no book: a typo is reported even where tokens can't be loaded."""
    with pytest.raises(IntentError) as caught:
        read_intent("swap 1 WETH fro USDC")
    assert caught.value.code == "syntax_error" and caught.value.column == 13
