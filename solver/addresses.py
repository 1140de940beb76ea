"""EIP-55 checksums without importing web3 (its import costs ~0.7 s of start-up)."""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=4096)
def to_checksum(address: str) -> str:
    from eth_hash.auto import keccak

    hex_part = address.lower().removeprefix("0x")
    if len(hex_part) != 40 or any(c not in "0123456789abcdef" for c in hex_part):
        raise ValueError(f"{address!r} is not an address")
    digest = keccak(hex_part.encode()).hex()
    return "0x" + "".join(c.upper() if int(d, 16) >= 8 else c for c, d in zip(hex_part, digest))


def is_address(text: str) -> bool:
    body = text[2:] if text[:2] in ("0x", "0X") else None
    return body is not None and len(body) == 40 and all(c in "0123456789abcdefABCDEF" for c in body)
