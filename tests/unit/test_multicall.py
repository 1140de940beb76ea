"""solver.multicall: aggregate3 encoding/decoding against eth_abi, and chunk planning."""

from __future__ import annotations

from eth_abi import decode as abi_decode, encode as abi_encode
from hypothesis import given, strategies as st

from solver import abi
from solver.multicall import (Call, CallResult, decode_aggregate3, encode_aggregate3,
                              plan_chunks)

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
calls = st.lists(st.builds(Call, addresses, st.binary(max_size=100), st.booleans()), max_size=12)


@given(calls)
def test_encoding_matches_eth_abi(cs):
    data = encode_aggregate3(cs)
    assert data[:4] == abi.AGGREGATE3
    (decoded,) = abi_decode(["(address,bool,bytes)[]"], data[4:])
    assert [(a.lower(), f, d) for a, f, d in decoded] == [(c.target, c.allow_failure, c.data) for c in cs]
    expected = abi_encode(["(address,bool,bytes)[]"], [[(c.target, c.allow_failure, c.data) for c in cs]])
    assert data[4:] == expected


@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=200)), max_size=12))
def test_decoding_matches_eth_abi(results):
    data = abi_encode(["(bool,bytes)[]"], [results])
    assert decode_aggregate3(data) == [CallResult(s, d) for s, d in results]


def test_truncated_result_is_an_error():
    import pytest

    data = abi_encode(["(bool,bytes)[]"], [[(True, b"x" * 64)]])
    with pytest.raises(abi.AbiDecodeError):
        decode_aggregate3(data[:-40])


def test_chunks_respect_gas_and_size_budgets():
    cs = [Call("0x" + "11" * 20, b"\x00" * 36, gas=10_000) for _ in range(1000)]
    chunks = list(plan_chunks(cs, gas_budget=95_000, max_calldata_bytes=10**9))
    assert all(b - a <= 9 for a, b in chunks)
    assert chunks[0] == (0, 9) and chunks[-1][1] == 1000
    assert [a for a, _ in chunks[1:]] == [b for _, b in chunks[:-1]]
    sized = list(plan_chunks(cs, gas_budget=10**12, max_calldata_bytes=224 * 100))
    assert all(b - a == 100 for a, b in sized)


def test_an_oversized_call_gets_its_own_chunk():
    cs = [Call("0x" + "11" * 20, b"", gas=10), Call("0x" + "11" * 20, b"", gas=10**9),
          Call("0x" + "11" * 20, b"", gas=10)]
    assert list(plan_chunks(cs, gas_budget=100)) == [(0, 1), (1, 2), (2, 3)]
    assert list(plan_chunks([])) == []
