"""Multicall3 aggregate3: hand-rolled encoding and decoding, and chunking under node limits.

Each chunk becomes one eth_call. A chunk stays under a gas budget (nodes cap eth_call gas,
anvil at 30M, and the 63/64 rule eats into deep calls) and under a calldata size that keeps
the JSON-RPC body far below anvil's ~2 MB limit. Chunks are sent in one JSON-RPC batch; the
RPC edge splits the batch across HTTP requests when the bodies add up to too much.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Sequence

from solver.abi import AGGREGATE3, AbiDecodeError, uint_at, word_address

# Gas to send with every aggregate3 eth_call: the eth_call cap of anvil and of many nodes.
CALL_GAS_LIMIT = 30_000_000
# What we plan a chunk to use at most: the rest is headroom for Multicall3's own loop and
# the 1/64 that every nested call withholds.
CHUNK_GAS_BUDGET = 24_000_000
# Calldata per chunk; hex doubles it, so one chunk's eth_call body stays under ~1.2 MB.
CHUNK_MAX_CALLDATA_BYTES = 600_000
DEFAULT_CALL_GAS = 30_000


@dataclass(frozen=True, slots=True)
class Call:
    """One call inside a multicall. `gas` is our estimate, used only to plan chunks."""

    target: str
    data: bytes
    allow_failure: bool = True
    gas: int = DEFAULT_CALL_GAS

    def encoded_size(self) -> int:
        # array offset + (address, bool, offset) + length + data padded to words
        return 32 + 96 + 32 + (len(self.data) + 31) // 32 * 32


@dataclass(frozen=True, slots=True)
class CallResult:
    success: bool
    data: bytes


def encode_aggregate3(calls: Sequence[Call]) -> bytes:
    """Calldata for Multicall3.aggregate3((address,bool,bytes)[])."""
    n = len(calls)
    heads = bytearray()
    tails = bytearray()
    offset = 32 * n  # element offsets are relative to the start of the offsets table
    for call in calls:
        heads += offset.to_bytes(32, "big")
        padded = (len(call.data) + 31) // 32 * 32
        tails += word_address(call.target)
        tails += (1 if call.allow_failure else 0).to_bytes(32, "big")
        tails += (96).to_bytes(32, "big")
        tails += len(call.data).to_bytes(32, "big")
        tails += call.data + bytes(padded - len(call.data))
        offset += 128 + padded
    return AGGREGATE3 + (32).to_bytes(32, "big") + n.to_bytes(32, "big") + bytes(heads) + bytes(tails)


def decode_aggregate3(data: bytes) -> list[CallResult]:
    """Return data of aggregate3: (bool success, bytes returnData)[]."""
    try:
        base = uint_at(data, 0)
        n = int.from_bytes(data[base:base + 32], "big")
        table = base + 32
        if table + 32 * n > len(data):
            raise AbiDecodeError("aggregate3 result is shorter than its array")
        results = []
        for i in range(n):
            start = table + int.from_bytes(data[table + 32 * i:table + 32 * i + 32], "big")
            success = int.from_bytes(data[start:start + 32], "big") == 1
            rel = int.from_bytes(data[start + 32:start + 64], "big")
            length_at = start + rel
            length = int.from_bytes(data[length_at:length_at + 32], "big")
            body = data[length_at + 32:length_at + 32 + length]
            if len(body) != length:
                raise AbiDecodeError("aggregate3 returnData runs past the end")
            results.append(CallResult(success, bytes(body)))
        return results
    except IndexError as exc:  # pragma: no cover - slicing doesn't raise, kept for safety
        raise AbiDecodeError(str(exc)) from exc


def plan_chunks(calls: Sequence[Call], *, gas_budget: int = CHUNK_GAS_BUDGET,
                max_calldata_bytes: int = CHUNK_MAX_CALLDATA_BYTES) -> Iterator[tuple[int, int]]:
    """Split calls into consecutive [start, stop) ranges that each fit both budgets.

    A single call bigger than a budget gets a chunk of its own rather than being dropped.
    """
    start = 0
    gas = size = 0
    for i, call in enumerate(calls):
        call_size = call.encoded_size()
        if i > start and (gas + call.gas > gas_budget or size + call_size > max_calldata_bytes):
            yield start, i
            start, gas, size = i, 0, 0
        gas += call.gas
        size += call_size
    if start < len(calls):
        yield start, len(calls)
