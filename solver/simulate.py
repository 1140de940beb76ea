"""Dry-run an encoded trade on an anvil fork of the chain at the quote's block, and report it.

The report holds the realized amounts against the quote, gas used against the router's
estimate, every balance change of the sender and the recipient, and a decoded revert reason.
A simulation that reverts is a value (`ok=False`), not an exception: send.py decides.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any

from solver.encode import (EXACT_IN, MAX_UINT256, EncodedSwap, encode_allowance,
                           encode_approve, encode_balance_of)
from solver.errors import SimulationError, UsageError
from solver.fork import Fork, start_fork
from solver.rpc import JsonRpcError, RpcClient

ETH = "ETH"
# The swap runs with the block's gas limit (capped): a route that needs more gas than the
# estimate must show up as "gas used far above the estimate", not as an out-of-gas revert.
SIM_GAS_CAP = 100_000_000
_PROBE_MAGIC = 0x5EED_0F_5A17_0000_1234_5678_9ABC
_PROBE_SLOTS = range(0, 32)


@dataclass(frozen=True, slots=True)
class TradePlan:
    """A quoted route, encoded: everything simulate and send need, nothing they recompute.

    With native ETH, sell_token/buy_token hold the wrapped-native address. `limit` is the
    on-chain minimum output (exact-in) or maximum input (exact-out).
    """

    chain_id: int
    block_number: int
    kind: str
    sell_token: str
    buy_token: str
    native_in: bool
    native_out: bool
    amount_in: int
    amount_out: int
    limit: int
    recipient: str
    encoded: EncodedSwap
    gas_units: int | None = None
    price_impact_bps: int | None = None
    quote_json: dict = field(default_factory=dict, compare=False)

    @property
    def sell_key(self) -> str:
        return ETH if self.native_in else self.sell_token

    @property
    def buy_key(self) -> str:
        return ETH if self.native_out else self.buy_token


@dataclass(frozen=True, slots=True)
class Revert:
    """A decoded revert: kind is error (Error(string)), panic, custom (raw data) or empty."""

    kind: str
    reason: str
    data: str

    def to_json(self) -> dict:
        return {"kind": self.kind, "reason": self.reason, "data": self.data}


@dataclass(frozen=True, slots=True)
class SimulationResult:
    ok: bool
    sender: str
    recipient: str
    fork_block: int
    amount_in: int
    amount_out: int
    quoted_amount_in: int
    quoted_amount_out: int
    gas_used: int
    gas_estimate: int | None
    approvals: tuple[dict, ...]
    balance_changes: dict[str, dict[str, int]]
    revert: Revert | None
    meets_limit: bool
    timings_ms: dict[str, float]
    tx_hash: str | None = None  # on the fork: meaningful only with keep_fork
    fork_url: str | None = None
    fork_pid: int | None = None

    @property
    def gas_error_pct(self) -> float | None:
        if not self.gas_estimate or not self.gas_used:
            return None
        return round((self.gas_used - self.gas_estimate) * 100 / self.gas_estimate, 2)

    def to_json(self) -> dict:
        out: dict[str, Any] = {
            "ok": self.ok, "amount_in": str(self.amount_in), "amount_out": str(self.amount_out),
            "quoted_amount_in": str(self.quoted_amount_in),
            "quoted_amount_out": str(self.quoted_amount_out),
            "gas_used": self.gas_used, "gas_estimate": self.gas_estimate,
            "gas_error_pct": self.gas_error_pct, "meets_limit": self.meets_limit,
            "sender": self.sender, "recipient": self.recipient, "fork_block": self.fork_block,
            "approvals": list(self.approvals),
            "balance_changes": {holder: {token: str(delta) for token, delta in changes.items()}
                                for holder, changes in self.balance_changes.items()},
            "revert": self.revert.to_json() if self.revert else None,
            "timings_ms": self.timings_ms,
        }
        if self.fork_url:
            out["fork_url"] = self.fork_url
            out["fork_pid"] = self.fork_pid
            out["tx_hash"] = self.tx_hash
        return out


def approval_steps(current: int, needed: int, *, approve_max: bool) -> list[int]:
    """The approve() amounts to send, in order. A nonzero allowance is reset to 0 first,
    because some tokens (USDT) refuse to change one nonzero allowance into another."""
    if needed <= 0 or current >= needed:
        return []
    target = MAX_UINT256 if approve_max else needed
    return [0, target] if current else [target]


async def simulate_trade(plan: TradePlan, *, parent_url: str, sender: str | None, fund: bool,
                         approve_max: bool = False, keep_fork: bool = False) -> SimulationResult:
    """Fork at the quote's block, act as `sender` (or a funded throwaway), approve, execute."""
    if sender is None and not fund:
        raise UsageError("--simulate needs --from ADDRESS, or --fund for a funded throwaway account",
                         code="missing_sender")
    started = time.perf_counter()
    fork = await start_fork(parent_url, plan.block_number, keep=keep_fork)
    fork_ms = (time.perf_counter() - started) * 1000
    try:
        async with RpcClient(fork.url, timeout_s=60) as rpc:
            result = await _run_on_fork(rpc, fork, plan, sender=sender, fund=fund,
                                        approve_max=approve_max)
    except BaseException:
        fork.stop()
        raise
    timings = {"fork_start": round(fork_ms, 1), **result.timings_ms}
    if keep_fork:
        extra = {"fork_url": fork.url, "fork_pid": fork.pid}
    else:
        fork.stop()
        extra = {}
    timings["total"] = round((time.perf_counter() - started) * 1000, 1)
    return _replace(result, timings_ms=timings, **extra)


async def _run_on_fork(rpc: RpcClient, fork: Fork, plan: TradePlan, *, sender: str | None,
                       fund: bool, approve_max: bool) -> SimulationResult:
    from solver.addresses import to_checksum

    t0 = time.perf_counter()
    sender = to_checksum(sender) if sender else _throwaway_address()
    recipient = to_checksum(plan.recipient)
    tx = plan.encoded
    block = await rpc.call("eth_getBlockByNumber", ["latest", False])
    gas_limit = min(int(block["gasLimit"], 16), SIM_GAS_CAP)
    # The next block gets a later timestamp, as the real inclusion will: a V3 pool writes its
    # oracle observation (and a V2 pair its price accumulators) only in a new second, and
    # that gas must be in the simulation.
    next_ts = max(int(time.time()), int(block["timestamp"], 16) + 1)
    setup: list[tuple[str, list]] = [("anvil_setNextBlockBaseFeePerGas", ["0x0"]),
                                     ("evm_setNextBlockTimestamp", [hex(next_ts)])]
    if fund:
        setup += await _funding_calls(rpc, plan, sender)
    await rpc.batch(setup)
    holders = [sender] if recipient == sender else [sender, recipient]
    tokens = _tracked_tokens(plan)
    before = await read_balances(rpc, holders, tokens, "latest")
    approvals = await _apply_approvals(rpc, plan, sender, approve_max=approve_max)
    t_exec = time.perf_counter()
    tx_hash = await rpc.call("eth_sendTransaction", [{
        "from": sender, "to": tx.to, "data": "0x" + tx.data.hex(), "value": hex(tx.value),
        "gas": hex(gas_limit), "maxFeePerGas": "0x0", "maxPriorityFeePerGas": "0x0"}])
    receipt = await fork_receipt(rpc, tx_hash)
    exec_ms = (time.perf_counter() - t_exec) * 1000
    after = await read_balances(rpc, holders, tokens, "latest")
    changes = {h: {t: after[h][t] - before[h][t] for t in tokens} for h in holders}
    ok = int(receipt["status"], 16) == 1
    gas_used = int(receipt["gasUsed"], 16)
    revert = None
    if not ok and gas_used * 100 >= gas_limit * 98:
        revert = Revert("out_of_gas", f"ran out of gas: used {gas_used} of {gas_limit}", "0x")
    elif not ok:
        revert = await replay_revert(rpc, {"from": sender, "to": tx.to, "data": "0x" + tx.data.hex(),
                                           "value": hex(tx.value), "gas": hex(gas_limit)},
                                     int(receipt["blockNumber"], 16) - 1)
    amount_in = -changes[sender][plan.sell_key]
    amount_out = changes[recipient][plan.buy_key]
    return SimulationResult(
        ok=ok, sender=sender, recipient=recipient, fork_block=fork.block_number,
        amount_in=amount_in, amount_out=amount_out,
        quoted_amount_in=plan.amount_in, quoted_amount_out=plan.amount_out,
        gas_used=gas_used, gas_estimate=plan.gas_units,
        approvals=tuple(approvals), balance_changes=changes, revert=revert,
        meets_limit=ok and meets_limit(plan, amount_in=amount_in, amount_out=amount_out),
        timings_ms={"setup": round((t_exec - t0) * 1000, 1), "execute": round(exec_ms, 1)},
        tx_hash=tx_hash)


async def fork_receipt(rpc: RpcClient, tx_hash: str, *, timeout_s: float = 30.0) -> dict:
    """anvil's automine answers eth_sendTransaction before it has mined the block: poll."""
    deadline = time.monotonic() + timeout_s
    delay = 0.001
    while True:
        receipt = await rpc.call("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            return receipt
        if time.monotonic() > deadline:
            raise SimulationError(f"the fork did not mine {tx_hash} within {timeout_s:.0f} s")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


def meets_limit(plan: TradePlan, *, amount_in: int, amount_out: int) -> bool:
    """Did the realized amounts keep the intent's constraint?"""
    if plan.kind == EXACT_IN:
        return amount_out >= plan.limit and amount_in <= plan.amount_in
    return amount_in <= plan.limit and amount_out >= plan.amount_out


def _tracked_tokens(plan: TradePlan) -> list[str]:
    tokens = [ETH]
    for token in (plan.sell_token, plan.buy_token):
        if token not in tokens:
            tokens.append(token)
    return tokens


async def read_balances(rpc: RpcClient, holders: list[str], tokens: list[str],
                        block: str | int) -> dict[str, dict[str, int]]:
    """ETH and ERC-20 balances of each holder, in one batch."""
    tag = block if isinstance(block, str) else hex(block)
    calls = []
    for holder in holders:
        for token in tokens:
            if token == ETH:
                calls.append(("eth_getBalance", [holder, tag]))
            else:
                calls.append(("eth_call", [{"to": token, "data": "0x" + encode_balance_of(holder).hex()}, tag]))
    answers = iter(await rpc.batch(calls))
    return {holder: {token: int(next(answers) or "0x0", 16) for token in tokens} for holder in holders}


async def _apply_approvals(rpc: RpcClient, plan: TradePlan, sender: str, *,
                           approve_max: bool) -> list[dict]:
    tx = plan.encoded
    if tx.approve_token is None:
        return []
    current = int(await rpc.call("eth_call", [{"to": tx.approve_token, "data": "0x" + encode_allowance(
        sender, tx.to).hex()}, "latest"]), 16)
    done = []
    for amount in approval_steps(current, tx.approve_amount, approve_max=approve_max):
        tx_hash = await rpc.call("eth_sendTransaction", [{
            "from": sender, "to": tx.approve_token, "data": "0x" + encode_approve(tx.to, amount).hex(),
            "gas": hex(200_000), "maxFeePerGas": "0x0", "maxPriorityFeePerGas": "0x0"}])
        receipt = await fork_receipt(rpc, tx_hash)
        if int(receipt["status"], 16) != 1:
            raise SimulationError(f"approve({tx.to}, {amount}) on {tx.approve_token} reverted on the fork",
                                  hint="the sell token refuses this approval")
        done.append({"token": tx.approve_token, "spender": tx.to, "amount": str(amount),
                     "gas_used": int(receipt["gasUsed"], 16)})
    return done


async def _funding_calls(rpc: RpcClient, plan: TradePlan, holder: str) -> list[tuple[str, list]]:
    """Give the throwaway account exactly what the trade spends: ETH, or the sell token."""
    if plan.native_in:
        return [("anvil_setBalance", [holder, hex(plan.encoded.value)])]
    key = await find_balance_key(rpc, plan.sell_token, holder)
    return [("anvil_setStorageAt", [plan.sell_token, key, "0x" + plan.encoded.approve_amount.to_bytes(32, "big").hex()])]


async def find_balance_key(rpc: RpcClient, token: str, holder: str) -> str:
    """The storage key of `holder`'s balance in `token`'s balanceOf mapping.

    Probes mapping slots 0..31 in both layouts (Solidity keccak(holder . slot), Vyper
    keccak(slot . holder)) with eth_call state overrides, all in one batch, and keeps the key
    whose override balanceOf reads back. Nothing is written while probing.
    """
    from eth_hash.auto import keccak

    word_holder = bytes(12) + bytes.fromhex(holder[2:])
    keys = []
    for slot in _PROBE_SLOTS:
        word_slot = slot.to_bytes(32, "big")
        keys += ["0x" + keccak(word_holder + word_slot).hex(), "0x" + keccak(word_slot + word_holder).hex()]
    magic = "0x" + _PROBE_MAGIC.to_bytes(32, "big").hex()
    call = {"to": token, "data": "0x" + encode_balance_of(holder).hex()}
    answers = await rpc.batch([("eth_call", [call, "latest", {token: {"stateDiff": {key: magic}}}])
                               for key in keys])
    for key, answer in zip(keys, answers):
        if answer and int(answer, 16) == _PROBE_MAGIC:
            return key
    raise SimulationError(f"can't find the balance slot of token {token} to fund the throwaway account",
                          hint="simulate as a real holder with --from ADDRESS instead of --fund",
                          code="cannot_fund")


async def replay_revert(rpc: RpcClient, call: dict, block: int | str) -> Revert:
    """Re-run a failed call as eth_call on the state before it, for its revert data."""
    tag = block if isinstance(block, str) else hex(block)
    try:
        await rpc.call("eth_call", [call, tag])
    except JsonRpcError as exc:
        return decode_revert(exc.revert_data, fallback=exc.message)
    return Revert("unknown", "reverted, but the replay did not (the state moved?)", "0x")


PANIC_CODES = {0x01: "assert failed", 0x11: "arithmetic overflow or underflow", 0x12: "division by zero",
               0x21: "invalid enum value", 0x22: "bad storage byte array", 0x31: "pop on empty array",
               0x32: "array index out of bounds", 0x41: "out of memory", 0x51: "call to a zero function"}


def decode_revert(data: bytes, *, fallback: str = "") -> Revert:
    """Error(string) and Panic(uint256) decoded; custom errors are kept raw (selector + args)."""
    from solver.abi import AbiDecodeError, PANIC_UINT, ERROR_STRING, decode_string_or_bytes32

    raw = "0x" + data.hex()
    if data[:4] == ERROR_STRING:
        try:
            return Revert("error", decode_string_or_bytes32(data[4:]), raw)
        except AbiDecodeError:
            pass
    if data[:4] == PANIC_UINT and len(data) >= 36:
        code = int.from_bytes(data[4:36], "big")
        return Revert("panic", f"panic 0x{code:02x}: {PANIC_CODES.get(code, 'unknown panic code')}", raw)
    if data:
        return Revert("custom", f"custom error 0x{data[:4].hex()}", raw)
    return Revert("empty", fallback or "reverted without a reason", raw)


def explain_revert(revert: Revert | None) -> str | None:
    """A hint for the reasons SwapRouter02 and the pools give."""
    if revert is None:
        return None
    hints = {
        "Too little received": "the output fell below the on-chain minimum: the price moved",
        "Insufficient token": "the aggregate output fell below the on-chain minimum: the price moved",
        "Insufficient WETH9": "the ETH output fell below the on-chain minimum: the price moved",
        "Too much requested": "the input needed rose above the on-chain maximum: the price moved",
        "Transaction too old": "the deadline passed before inclusion",
        "STF": "the router could not pull the sell token: balance or allowance too low",
        "SPL": "a V3 price limit was hit",
    }
    for needle, hint in hints.items():
        if needle in revert.reason:
            return hint
    return None


def _throwaway_address() -> str:
    from solver.addresses import to_checksum

    return to_checksum("0x" + os.urandom(20).hex())


def _replace(result: SimulationResult, **changes: Any) -> SimulationResult:
    from dataclasses import replace

    return replace(result, **changes)
