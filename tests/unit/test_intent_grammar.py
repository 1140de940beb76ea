"""The grammar itself: conflict-free LALR(1), keywords vs symbols, and the render fallback."""

from __future__ import annotations

import logging

import pytest

from solver.intent import parse_intent, render_intent
from solver.intent.parser import GRAMMAR_PATH, get_parser, is_keyword, read_phrases
from solver.tokens import MAINNET_TOKENS, TokenBook, TokenInfo


def test_grammar_has_no_lalr_conflicts(caplog):
    """lark resolves a shift/reduce conflict silently (as shift) unless asked; a conflict
    would mean some phrasing parses differently from what the grammar reads like."""
    from lark import Lark, logger

    def conflicts(grammar: str) -> list[str]:
        caplog.clear()
        logger.setLevel(logging.DEBUG)
        try:
            with caplog.at_level(logging.DEBUG, logger="lark"):
                Lark(grammar, parser="lalr", debug=True)
        finally:
            logger.setLevel(logging.CRITICAL)
        return [r.getMessage() for r in caplog.records if "conflict" in r.getMessage().lower()]

    assert conflicts('start: a b?\na: "x" "y"?\nb: "y"\n')  # the check does see conflicts
    assert conflicts(GRAMMAR_PATH.read_text(encoding="utf-8")) == []


def test_parser_is_built_once():
    assert get_parser() is get_parser()


@pytest.mark.parametrize("word", ["swap", "ALL", "v3", "one", "direct", "for", "the", "30gwei"])
def test_keywords_are_not_symbols(word):
    assert is_keyword(word)


@pytest.mark.parametrize("word", ["WETH", "USDC", "cbBTC", "UNI", "LINK", "1INCH", "USDC.e",
                                  "stETH", "USD+"])
def test_symbols_are_not_keywords(word):
    assert not is_keyword(word)


def test_phrases_keep_their_columns():
    phrases = read_phrases("swap 2.5 WETH for USDC, slippage 0.3%")
    assert [p.kind for p in phrases] == ["sell", "counter", "slippage"]
    assert phrases[0].side.quantity.column == 6 and phrases[0].side.token.column == 10
    assert phrases[2].word("PERCENT").text == "0.3%"


def test_a_token_named_like_a_keyword_renders_as_its_address():
    odd = TokenInfo("0x" + "12" * 20, "ALL", 18)
    book = TokenBook([MAINNET_TOKENS + (odd,)], chain_name="devnet",
                     wrapped_native=MAINNET_TOKENS[0].address)
    intent = parse_intent(f"swap 1 {odd.address} for USDC", tokens=book)
    text = render_intent(intent, book=book)
    assert odd.address in text
    assert parse_intent(text, tokens=book) == intent


def test_render_without_a_book_uses_symbols():
    book = TokenBook.builtin_mainnet(chain_name="devnet")
    intent = parse_intent("buy 1 WBTC with USDT no split", tokens=book)
    assert render_intent(intent).startswith("buy exactly 1 WBTC with USDT")
