"""solver.abi: selectors, static encoding and word decoding agree with keccak and eth_abi."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from eth_abi import encode as abi_encode
from eth_hash.auto import keccak
from hypothesis import given, strategies as st

from solver import abi

SOURCE = Path(abi.__file__).read_text()
CONSTANT_RE = re.compile(r'^(\w+) = bytes\.fromhex\("([0-9a-f]{8})"\)  # (\S+)', re.M)


def test_every_selector_is_the_keccak_of_its_commented_signature():
    found = CONSTANT_RE.findall(SOURCE)
    assert len(found) >= 20
    for name, hex_sel, signature in found:
        assert keccak(signature.encode())[:4].hex() == hex_sel, name
        assert getattr(abi, name) == bytes.fromhex(hex_sel)


def test_selector_helper():
    assert abi.selector("getPair(address,address)") == abi.GET_PAIR


ADDR = "0x" + "12" * 20


@given(st.integers(min_value=-(2**255), max_value=2**255 - 1))
def test_signed_words_match_eth_abi(value):
    assert abi.encode_static(value) == abi_encode(["int256"], [value])
    assert abi.int_at(abi.encode_static(value), 0) == value


@given(st.integers(min_value=0, max_value=2**256 - 1))
def test_unsigned_words_match_eth_abi(value):
    assert abi.encode_static(value) == abi_encode(["uint256"], [value])
    assert abi.uint_at(abi.encode_static(value), 0) == value


def test_static_struct_encoding_matches_eth_abi():
    params = (ADDR, "0x" + "34" * 20, 10**18, 3000, 0)
    expected = abi_encode(["(address,address,uint256,uint24,uint160)"], [params])
    assert abi.encode_call(abi.QUOTE_EXACT_INPUT_SINGLE, params) == abi.QUOTE_EXACT_INPUT_SINGLE + expected
    assert abi.encode_static(True, -5, ADDR) == abi_encode(["bool", "int24", "address"], [True, -5, ADDR])


def test_bad_inputs_raise():
    with pytest.raises(ValueError):
        abi.word_address("0x1234")
    with pytest.raises(ValueError):
        abi.word_int(2**256)
    with pytest.raises(TypeError):
        abi.encode_static(1.5)
    with pytest.raises(abi.AbiDecodeError):
        abi.uint_at(b"\x00" * 31, 0)
    with pytest.raises(abi.AbiDecodeError):
        abi.address_at(b"\xff" * 32, 0)
    with pytest.raises(abi.AbiDecodeError):
        abi.decode(["uint256"], b"\x01")


def test_address_and_signed_helpers():
    assert abi.address_at(abi.word_address(ADDR), 0) == ADDR
    assert abi.to_signed(2**24 - 1, 24) == -1
    assert abi.words(bytes(64) + b"\x01") == [0, 0]


def test_strings_and_bytes32_symbols():
    assert abi.decode_string_or_bytes32(abi_encode(["string"], ["USDC"])) == "USDC"
    assert abi.decode_string_or_bytes32(b"MKR".ljust(32, b"\x00")) == "MKR"
    with pytest.raises(abi.AbiDecodeError):
        abi.decode_string_or_bytes32(b"")


def test_revert_reasons():
    assert abi.decode_revert(abi.ERROR_STRING + abi_encode(["string"], ["STF"])) == "STF"
    assert abi.decode_revert(abi.PANIC_UINT + abi_encode(["uint256"], [0x11])) == "panic 0x11"
    assert abi.decode_revert(b"") == "reverted without a reason"
    assert abi.decode_revert(b"\x01\x02") == "0x0102"


def test_general_encode_decode_round_trip():
    data = abi.encode(["uint256", "address[]"], [5, [ADDR]])
    assert abi.decode(["uint256", "address[]"], data) == (5, (ADDR,))
