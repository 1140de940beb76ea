"""Minimal, fast ABI helpers: 4-byte selectors, static-argument encoding and word decoding.

The hot paths (multicall payloads of thousands of calls, their answers) only ever need
32-byte words, so they are packed and sliced by hand here. eth_abi handles the rare
dynamic shapes and is imported lazily: it costs ~0.17 s, web3 ~0.7 s.
"""

from __future__ import annotations

from typing import Any, Sequence

# Each selector is keccak256(signature)[:4]; tests/unit/test_abi.py recomputes every one.
GET_PAIR = bytes.fromhex("e6a43905")  # getPair(address,address)
GET_POOL = bytes.fromhex("1698ee82")  # getPool(address,address,uint24)
FEE_AMOUNT_TICK_SPACING = bytes.fromhex("22afcccb")  # feeAmountTickSpacing(uint24)
GET_RESERVES = bytes.fromhex("0902f1ac")  # getReserves()
SLOT0 = bytes.fromhex("3850c7bd")  # slot0()
LIQUIDITY = bytes.fromhex("1a686502")  # liquidity()
FEE = bytes.fromhex("ddca3f43")  # fee()
TICK_SPACING = bytes.fromhex("d0c93a7c")  # tickSpacing()
TICK_BITMAP = bytes.fromhex("5339c296")  # tickBitmap(int16)
TICKS = bytes.fromhex("f30dba93")  # ticks(int24)
TOKEN0 = bytes.fromhex("0dfe1681")  # token0()
TOKEN1 = bytes.fromhex("d21220a7")  # token1()
DECIMALS = bytes.fromhex("313ce567")  # decimals()
SYMBOL = bytes.fromhex("95d89b41")  # symbol()
NAME = bytes.fromhex("06fdde03")  # name()
BALANCE_OF = bytes.fromhex("70a08231")  # balanceOf(address)
AGGREGATE3 = bytes.fromhex("82ad56cb")  # aggregate3((address,bool,bytes)[])
GET_BLOCK_NUMBER = bytes.fromhex("42cbb15c")  # getBlockNumber()
GET_POPULATED_TICKS_IN_WORD = bytes.fromhex("351fb478")  # getPopulatedTicksInWord(address,int16)
QUOTE_EXACT_INPUT_SINGLE = bytes.fromhex("c6a5026a")  # quoteExactInputSingle((address,address,uint256,uint24,uint160))
QUOTE_EXACT_OUTPUT_SINGLE = bytes.fromhex("bd21704a")  # quoteExactOutputSingle((address,address,uint256,uint24,uint160))
GET_AMOUNTS_OUT = bytes.fromhex("d06ca61f")  # getAmountsOut(uint256,address[])
GET_AMOUNTS_IN = bytes.fromhex("1f00ca74")  # getAmountsIn(uint256,address[])
POOL_SWAP = bytes.fromhex("128acb08")  # swap(address,bool,int256,uint160,bytes)
ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
PANIC_UINT = bytes.fromhex("4e487b71")  # Panic(uint256)

_MOD = 1 << 256
_ZERO12 = bytes(12)


class AbiDecodeError(ValueError):
    """Return data that does not have the expected shape (short, or a bad offset)."""


def selector(signature: str) -> bytes:
    """keccak256(signature)[:4], for signatures that have no constant above."""
    from eth_hash.auto import keccak

    return keccak(signature.encode())[:4]


# --- encoding --------------------------------------------------------------------------

def word_address(address: str) -> bytes:
    raw = bytes.fromhex(address[2:] if address[:2] in ("0x", "0X") else address)
    if len(raw) != 20:
        raise ValueError(f"{address!r} is not a 20-byte address")
    return _ZERO12 + raw


def word_int(value: int) -> bytes:
    """Any intN/uintN as one word: negatives in two's complement."""
    if not -(1 << 255) <= value < _MOD:
        raise ValueError(f"{value} does not fit in 256 bits")
    return (value % _MOD).to_bytes(32, "big")


def encode_static(*args: Any) -> bytes:
    """Head encoding of static arguments: str → address, bool → bool, int → int/uint word.

    Tuples of static members encode inline, as the ABI does, so a struct like
    QuoteExactInputSingleParams is just its fields in order.
    """
    out = bytearray()
    for arg in args:
        if isinstance(arg, bool):
            out += word_int(int(arg))
        elif isinstance(arg, int):
            out += word_int(arg)
        elif isinstance(arg, str):
            out += word_address(arg)
        elif isinstance(arg, tuple):
            out += encode_static(*arg)
        else:
            raise TypeError(f"can't encode {type(arg).__name__} statically")
    return bytes(out)


def encode_call(sel: bytes, *args: Any) -> bytes:
    """Calldata for a function whose arguments are all static."""
    return sel + encode_static(*args)


def encode(types: Sequence[str], values: Sequence[Any]) -> bytes:
    """General ABI encoding (dynamic types too), via eth_abi."""
    from eth_abi import encode as abi_encode

    return abi_encode(list(types), list(values))


def decode(types: Sequence[str], data: bytes) -> tuple:
    """General ABI decoding, via eth_abi; raises AbiDecodeError on malformed data."""
    from eth_abi import decode as abi_decode
    from eth_abi.exceptions import DecodingError

    try:
        return abi_decode(list(types), data)
    except (DecodingError, ValueError, OverflowError) as exc:
        raise AbiDecodeError(str(exc)) from exc


# --- word decoding ---------------------------------------------------------------------

def uint_at(data: bytes, index: int) -> int:
    """The index-th 32-byte word as an unsigned int."""
    start = index * 32
    if len(data) < start + 32:
        raise AbiDecodeError(f"need {start + 32} bytes, got {len(data)}")
    return int.from_bytes(data[start:start + 32], "big")


def int_at(data: bytes, index: int) -> int:
    """The index-th word as a signed int (two's complement over 256 bits covers every intN)."""
    value = uint_at(data, index)
    return value - _MOD if value >> 255 else value


def address_at(data: bytes, index: int) -> str:
    """The index-th word as a lower-case 0x address."""
    value = uint_at(data, index)
    if value >> 160:
        raise AbiDecodeError("address word has dirty high bytes")
    return "0x" + value.to_bytes(20, "big").hex()


def words(data: bytes) -> list[int]:
    """All whole words of data as unsigned ints."""
    return [int.from_bytes(data[i:i + 32], "big") for i in range(0, len(data) - 31, 32)]


def to_signed(value: int, bits: int = 256) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def decode_string_or_bytes32(data: bytes) -> str:
    """A token's symbol()/name(): ABI string, or bytes32 as older tokens (MKR) return."""
    if len(data) == 32:
        return data.rstrip(b"\x00").decode("utf-8", errors="replace")
    if len(data) >= 64:
        offset = uint_at(data, 0)
        if offset + 32 <= len(data):
            length = int.from_bytes(data[offset:offset + 32], "big")
            if offset + 32 + length <= len(data):
                raw = data[offset + 32:offset + 32 + length]
                return raw.decode("utf-8", errors="replace")
    raise AbiDecodeError("not an ABI string or bytes32")


def decode_revert(data: bytes) -> str:
    """A readable reason for revert data: Error(string), Panic(uint256), or hex."""
    if data[:4] == ERROR_STRING:
        try:
            return decode_string_or_bytes32(data[4:])
        except AbiDecodeError:
            pass
    if data[:4] == PANIC_UINT and len(data) >= 36:
        return f"panic 0x{uint_at(data[4:], 0):x}"
    return "0x" + data.hex() if data else "reverted without a reason"
