"""Talking to anvil during setup: ABI helpers, predicted CREATE addresses, and whole blocks of txs.

Setup sends hundreds of transactions. Rather than mine each one, it switches automine off, sends
a block's worth of txs (explicit nonce and gas, so nothing is estimated against a pending state)
in a few JSON-RPC batches, mines once, and checks every receipt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from solver.errors import InternalError
from solver.rpc import RpcClient

# anvil rejects HTTP bodies over about 2 MB, and aiohttp warns about raw bodies over 1 MiB.
MAX_BODY_BYTES = 800_000
DEFAULT_TX_GAS = 15_000_000


def split_types(types: str) -> list[str]:
    """'address,(int24,int24,uint128)[]' -> ['address', '(int24,int24,uint128)[]']."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(types):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(types[start:i])
            start = i + 1
    if types[start:]:
        parts.append(types[start:])
    return parts


def calldata(signature: str, *args: Any) -> str:
    """ABI-encoded call of `name(types)` with args, as 0x hex."""
    types = split_types(signature[signature.index("(") + 1:-1])
    return "0x" + (keccak(text=signature)[:4] + encode(types, list(args))).hex()


def decode_hex(types: str, data: str) -> tuple:
    return decode(split_types(types), bytes.fromhex(data[2:] if data.startswith("0x") else data))


def create_address(sender: str, nonce: int) -> str:
    """The address a CREATE from sender at nonce gets: keccak(rlp([sender, nonce]))[12:]."""
    if nonce == 0:
        nonce_rlp = b"\x80"
    elif nonce < 0x80:
        nonce_rlp = bytes([nonce])
    else:
        raw = nonce.to_bytes((nonce.bit_length() + 7) // 8, "big")
        nonce_rlp = bytes([0x80 + len(raw)]) + raw
    body = b"\x94" + bytes.fromhex(sender[2:]) + nonce_rlp
    return to_checksum_address(keccak(bytes([0xC0 + len(body)]) + body)[12:])


@dataclass(frozen=True, slots=True)
class Tx:
    to: str | None  # None deploys `data` as creation code
    data: str
    label: str
    gas: int = DEFAULT_TX_GAS
    value: int = 0


class DevChain:
    """The deployer account of a local anvil, sending txs in mined-at-once blocks."""

    def __init__(self, rpc: RpcClient, sender: str) -> None:
        self.rpc = rpc
        self.sender = to_checksum_address(sender)
        self.nonce = 0
        self.tx_count = 0

    async def begin(self) -> None:
        self.nonce = int(await self.rpc.call("eth_getTransactionCount", [self.sender, "latest"]), 16)
        await self.rpc.call("evm_setAutomine", [False])

    async def end(self) -> None:
        await self.rpc.call("evm_setAutomine", [True])

    def next_create_address(self, offset: int = 0) -> str:
        return create_address(self.sender, self.nonce + offset)

    async def send_block(self, txs: list[Tx]) -> list[dict]:
        """Send txs in order, mine them into one block, and return their receipts.

        Raises InternalError naming the first tx that reverted.
        """
        if not txs:
            return []
        hashes: list[str] = []
        chunk: list[tuple[str, list]] = []
        size = 0
        for tx in txs:
            params = {"from": self.sender, "data": tx.data, "gas": hex(tx.gas),
                      "value": hex(tx.value), "nonce": hex(self.nonce)}
            if tx.to is not None:
                params["to"] = tx.to
            self.nonce += 1
            if chunk and size + len(tx.data) > MAX_BODY_BYTES:
                hashes += await self.rpc.batch(chunk)
                chunk, size = [], 0
            chunk.append(("eth_sendTransaction", [params]))
            size += len(tx.data) + 200
        hashes += await self.rpc.batch(chunk)
        await self.rpc.call("evm_mine", [])
        receipts = await self.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        for tx, receipt in zip(txs, receipts):
            if receipt is None:
                raise InternalError(f"devnet setup: tx '{tx.label}' was not mined",
                                    hint="the block may have hit its gas limit")
            if int(receipt["status"], 16) != 1:
                raise InternalError(f"devnet setup: tx '{tx.label}' reverted "
                                    f"(gas used {int(receipt['gasUsed'], 16)} of {tx.gas})")
        self.tx_count += len(txs)
        return receipts

    async def call_many(self, calls: list[tuple[str, str]], *, gas: int | None = None) -> list[str]:
        """eth_call each (to, data) at the latest block, in batches; returns the raw hex results."""
        results: list[str] = []
        step = 500
        for start in range(0, len(calls), step):
            batch = []
            for to, data in calls[start:start + step]:
                call = {"to": to, "data": data}
                if gas is not None:
                    call["gas"] = hex(gas)
                batch.append(("eth_call", [call, "latest"]))
            results += await self.rpc.batch(batch)
        return results
