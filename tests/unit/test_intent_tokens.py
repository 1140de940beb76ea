"""TokenBook: built-ins, token lists, config overrides, lookups and their errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solver.config import ChainConfig, TokenConfig
from solver.errors import ConfigError
from solver.tokens import (MAINNET_TOKENS, MAINNET_WETH, ChainBooks, TokenBook, TokenInfo,
                           TokenLookupError)

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


def chain(**kw) -> ChainConfig:
    base = dict(name="devnet", chain_id=31337, rpc_urls=("http://127.0.0.1:18545",),
                multicall3="0xcA11bde05977b3631167028862bE2a173976CA11",
                wrapped_native=MAINNET_WETH, router="0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45")
    return ChainConfig(**{**base, **kw})


def write_list(path: Path, tokens: list[dict]) -> Path:
    path.write_text(json.dumps({"name": "test", "tokens": tokens}))
    return path


def test_builtin_table_has_the_mainnet_tokens():
    book = TokenBook.builtin_mainnet()
    assert {t.symbol for t in book} == {"WETH", "USDC", "USDT", "WBTC", "DAI", "LINK", "cbBTC",
                                        "UNI"}
    assert book.find("usdc").decimals == 6
    assert book.find("CBBTC").address == "0xcbB7C0000aB88B473b1f5aFd9ef808440eed33Bf"
    assert book.find(USDC.lower()).symbol == "USDC"
    assert book.find(USDC).symbol == "USDC"


def test_builtin_checksums_are_right():
    from solver.addresses import to_checksum

    for token in MAINNET_TOKENS:
        assert to_checksum(token.address) == token.address


def test_native_symbol_maps_to_the_wrapped_token():
    book = TokenBook.builtin_mainnet()
    assert book.is_native("eth") and not book.is_native("WETH")
    assert book.native_wrapped().symbol == "WETH"


def test_unknown_symbol_suggests_close_ones():
    with pytest.raises(TokenLookupError) as caught:
        TokenBook.builtin_mainnet().find("USCD")
    assert caught.value.code == "unknown_token"
    assert "USDC" in caught.value.hint


def test_mixed_case_address_with_a_bad_checksum():
    with pytest.raises(TokenLookupError) as caught:
        TokenBook.builtin_mainnet().find("0xa0B86991c6218b36c1d19D4a2e9Eb0cE3606eB48")
    assert caught.value.code == "bad_address" and USDC in caught.value.hint


def test_fetch_hook_resolves_unknown_addresses():
    other = "0x" + "ab" * 20
    seen = []

    def fetch(address: str) -> TokenInfo:
        seen.append(address)
        return TokenInfo("0x" + "Ab" * 20, "NEW", 9)

    book = TokenBook(MAINNET_TOKENS, fetch=fetch)
    assert book.find(other).symbol == "NEW" and seen == [other]


def test_from_chain_reads_lists_and_lets_config_override(tmp_path):
    listed = write_list(tmp_path / "list.json", [
        {"chainId": 31337, "address": "0x" + "11" * 20, "symbol": "FOO", "decimals": 9,
         "name": "Foo"},
        {"chainId": 1, "address": "0x" + "22" * 20, "symbol": "BAR", "decimals": 4, "name": "Bar"},
        {"chainId": 10, "address": "0x" + "33" * 20, "symbol": "OPT", "decimals": 18},
        {"chainId": 1, "address": "0x" + "44" * 20, "symbol": "UNI", "decimals": 18},
    ])
    override = TokenConfig(symbol="DAI", address="0x" + "55" * 20, decimals=6)
    book = TokenBook.from_chain(chain(token_lists=(listed,), tokens=(override,)))
    assert book.find("foo").decimals == 9
    assert book.find("BAR").decimals == 4          # chainId 1 entries: the devnet mirrors mainnet
    assert "OPT" not in book                       # another chain's token
    assert book.find("UNI").address == "0x" + "44" * 20       # a list overrides a builtin
    assert book.find("dai").address == "0x" + "55" * 20 and book.find("dai").decimals == 6
    assert book.by_address("0x6B175474E89094C44Da98b954EedeAC495271d0F").symbol == "DAI"


def test_a_chain_that_does_not_mirror_mainnet_has_no_builtins(tmp_path):
    book = TokenBook.from_chain(chain(name="base", chain_id=8453,
                                      wrapped_native="0x4200000000000000000000000000000000000006"))
    assert len(book) == 0
    assert book.native_wrapped().address == "0x4200000000000000000000000000000000000006"


def test_same_symbol_twice_in_lists_is_ambiguous(tmp_path):
    listed = write_list(tmp_path / "list.json", [
        {"chainId": 31337, "address": "0x" + "11" * 20, "symbol": "USDC", "decimals": 6},
        {"chainId": 31337, "address": "0x" + "22" * 20, "symbol": "usdc", "decimals": 6},
    ])
    book = TokenBook.from_chain(chain(token_lists=(listed,)))
    with pytest.raises(TokenLookupError) as caught:
        book.find("Usdc")
    assert caught.value.code == "ambiguous_token" and len(caught.value.candidates) == 2
    assert book.find("usdc").address == "0x" + "22" * 20  # an exact-case match settles it


@pytest.mark.parametrize("content", [
    "not json", json.dumps([1, 2]), json.dumps({"tokens": [{"address": "0x1"}]}),
    json.dumps({"tokens": [{"chainId": 31337, "address": "0x12", "symbol": "X", "decimals": 1}]}),
    json.dumps({"tokens": [{"chainId": 31337, "address": "0x" + "11" * 20, "symbol": "X",
                            "decimals": -1}]}),
    json.dumps({"tokens": [{"chainId": 31337, "address": "0x" + "11" * 20, "symbol": "",
                            "decimals": 1}]}),
])
def test_a_malformed_list_is_a_config_error_naming_the_file(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ConfigError) as caught:
        TokenBook.from_chain(chain(token_lists=(path,)))
    assert str(path) in caught.value.message and caught.value.exit_code == 6


def test_a_missing_list_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError):
        TokenBook.from_chain(chain(token_lists=(tmp_path / "nope.json",)))


def test_chain_books_build_lazily():
    from solver.config import Config, Defaults

    config = Config(path=None, defaults=Defaults(),
                    chains={"devnet": chain(), "broken": chain(token_lists=(Path("/nope"),))})
    books = ChainBooks(config)
    assert list(books) == ["devnet", "broken"] and len(books) == 2
    assert books["devnet"].find("WETH").address == MAINNET_WETH
    with pytest.raises(KeyError):
        books["base"]
    with pytest.raises(ConfigError):
        books["broken"]


def test_usd_token_prefers_usdc():
    assert TokenBook.builtin_mainnet().usd_token().symbol == "USDC"
    assert TokenBook([MAINNET_TOKENS[2]]).usd_token().symbol == "USDT"
    assert TokenBook([MAINNET_TOKENS[0]]).usd_token() is None
