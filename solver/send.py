"""Send a trade: simulate, confirm, sign, journal, broadcast once, wait, and report.

The order is fixed: quote → guards (price impact) → simulation on a fork → guards (it must
succeed and keep the limit) → confirmation → re-quote if the chain moved too far → sign →
journal → broadcast → receipt → realized against quoted. A transaction is broadcast at most
once per signing; resuming after a crash only re-sends the same signed bytes (journal.py).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from solver.encode import encode_allowance, encode_approve
from solver.errors import RpcError, SafetyError, SimulationError
from solver.journal import (BROADCAST, DROPPED, EXPIRED, MINED, REJECTED, REVERTED, Entry, Journal)
from solver.rpc import JsonRpcError, RpcClient
from solver.signer import Signer
from solver.simulate import (SimulationResult, TradePlan, approval_steps, explain_revert,
                             read_balances, replay_revert, simulate_trade, ETH)

STALE_BLOCKS = 2          # re-quote when the head moved more than this past the quote's block
STALE_AFTER_S = 30.0      # ... or when the quote is older than this (a slow confirmation)
RECEIPT_TIMEOUT_S = 300.0
GAS_HEADROOM_PCT = 25     # gas limit = simulated gas used + 25% (+ a fixed margin)

PlanMaker = Callable[[], Awaitable[TradePlan]]
Confirm = Callable[[TradePlan, SimulationResult], bool]


@dataclass
class SendResult:
    plan: TradePlan | None = None
    simulation: SimulationResult | None = None
    tx_hash: str | None = None
    receipt: dict | None = None
    realized: dict | None = None
    approvals: list[dict] = field(default_factory=list)
    resumed: list[Entry] = field(default_factory=list)
    requoted: bool = False


@dataclass(frozen=True, slots=True)
class Fees:
    max_fee_wei: int | None
    priority_fee_wei: int | None
    gas_price_wei: int | None  # legacy chains only

    def tx_fields(self) -> dict[str, int]:
        if self.max_fee_wei is None:
            return {"gasPrice": self.gas_price_wei or 0}
        return {"maxFeePerGas": self.max_fee_wei, "maxPriorityFeePerGas": self.priority_fee_wei or 0}


async def send_trade(*, rpc_url: str, private_rpc_url: str | None, signer: Signer, make_plan: PlanMaker,
                     intent_text: str, yes: bool, confirm: Confirm, approve_max: bool,
                     max_impact_bps: int, max_gas_price_wei: int | None = None,
                     journal: Journal | None = None,
                     receipt_timeout_s: float = RECEIPT_TIMEOUT_S) -> SendResult:
    """The whole guarded send. Raises SafetyError (7), SimulationError (5) or RpcError (4)."""
    journal = journal or Journal()
    with journal.send_lock():
        async with RpcClient(rpc_url, timeout_s=30) as rpc:
            sender = Sender(rpc, private_rpc_url, journal, signer, receipt_timeout_s)
            try:
                return await _send_locked(sender, make_plan=make_plan, intent_text=intent_text, yes=yes,
                                          confirm=confirm, approve_max=approve_max,
                                          max_impact_bps=max_impact_bps,
                                          max_gas_price_wei=max_gas_price_wei)
            finally:
                await sender.close()


async def _send_locked(sender: "Sender", *, make_plan: PlanMaker, intent_text: str, yes: bool,
                       confirm: Confirm, approve_max: bool, max_impact_bps: int,
                       max_gas_price_wei: int | None) -> SendResult:
    chain_id = int(await sender.rpc.call("eth_chainId", []), 16)
    pending = sender.journal.unfinished(chain_id=chain_id, sender=sender.signer.address)
    if pending:
        # A crash or a lost answer left a signed tx behind: settle it, and trade nothing new.
        return SendResult(resumed=[await sender.resume(entry) for entry in sorted(pending, key=lambda e: e.nonce)])
    plan, sim = await _checked_plan(sender, make_plan, approve_max, max_impact_bps)
    quoted_at = time.monotonic()
    if not yes and not confirm(plan, sim):
        raise SafetyError("declined at the confirmation prompt; nothing was sent", code="declined")
    head = int(await sender.rpc.call("eth_blockNumber", []), 16)
    requoted = False
    if head - plan.block_number > STALE_BLOCKS or time.monotonic() - quoted_at > STALE_AFTER_S:
        confirmed = plan
        plan, sim = await _checked_plan(sender, make_plan, approve_max, max_impact_bps)
        requoted = True
        if not yes and _worse(plan, confirmed) and not confirm(plan, sim):
            raise SafetyError("declined the re-quote; nothing was sent", code="declined")
    fees = await read_fees(sender.rpc, max_gas_price_wei=max_gas_price_wei)
    nonce = int(await sender.rpc.call("eth_getTransactionCount", [sender.signer.address, "pending"]), 16)
    approvals, nonce = await _send_approvals(sender, plan, sim, fees=fees, nonce=nonce,
                                             approve_max=approve_max, chain_id=chain_id, intent_text=intent_text)
    entry = await sender.sign_and_journal(plan.encoded.tx_json() | {"value": plan.encoded.value},
                                          gas=_gas_limit(sim.gas_used), fees=fees, nonce=nonce,
                                          chain_id=chain_id, kind="swap", intent_text=intent_text,
                                          quote=plan.quote_json, deadline=plan.encoded.deadline)
    await sender.broadcast(entry)
    receipt = await sender.wait_receipt(entry)
    result = SendResult(plan=plan, simulation=sim, tx_hash=entry.tx_hash, receipt=receipt_summary(receipt),
                        approvals=approvals, requoted=requoted)
    if int(receipt["status"], 16) != 1:
        await _raise_reverted(sender, plan, sim.sender, entry, receipt)
    result.realized = await realized_amounts(sender.rpc, plan, sim.sender, receipt)
    return result


async def _checked_plan(sender: "Sender", make_plan: PlanMaker, approve_max: bool,
                        max_impact_bps: int) -> tuple[TradePlan, SimulationResult]:
    """Quote and simulate, refusing (exit 7) anything the guards reject."""
    plan = await make_plan()
    if plan.price_impact_bps is not None and plan.price_impact_bps > max_impact_bps:
        raise SafetyError(f"price impact {plan.price_impact_bps / 100:.2f}% is over the limit of "
                          f"{max_impact_bps / 100:.2f}%", hint="trade a smaller amount, or raise "
                          "defaults.max_price_impact_bps in the config", code="price_impact_over_limit")
    sim = await simulate_trade(plan, parent_url=sender.rpc.url, sender=sender.signer.address, fund=False,
                               approve_max=approve_max)
    context = {"simulation": sim.to_json()}
    if not sim.ok:
        reason = sim.revert.reason if sim.revert else "reverted"
        raise SafetyError(f"refusing to send: the simulation reverted ({reason})",
                          hint=explain_revert(sim.revert), code="simulation_failed", context=context)
    if not sim.meets_limit:
        raise SafetyError(f"refusing to send: the simulation broke the limit (got {sim.amount_out} out "
                          f"for {sim.amount_in} in, limit {plan.limit})", code="simulation_below_limit",
                          context=context)
    return plan, sim


def _worse(plan: TradePlan, confirmed: TradePlan) -> bool:
    if plan.kind == "exact_in":
        return plan.limit < confirmed.limit
    return plan.limit > confirmed.limit


def _gas_limit(gas_used: int) -> int:
    return gas_used * (100 + GAS_HEADROOM_PCT) // 100 + 20_000


async def _send_approvals(sender: "Sender", plan: TradePlan, sim: SimulationResult, *, fees: Fees,
                          nonce: int, approve_max: bool, chain_id: int,
                          intent_text: str) -> tuple[list[dict], int]:
    tx = plan.encoded
    if tx.approve_token is None:
        return [], nonce
    data = "0x" + encode_allowance(sender.signer.address, tx.to).hex()
    current = int(await sender.rpc.call("eth_call", [{"to": tx.approve_token, "data": data}, "latest"]), 16)
    done = []
    for amount in approval_steps(current, tx.approve_amount, approve_max=approve_max):
        call = {"to": tx.approve_token, "data": "0x" + encode_approve(tx.to, amount).hex(), "value": 0}
        entry = await sender.sign_and_journal(call, gas=120_000, fees=fees, nonce=nonce, chain_id=chain_id,
                                              kind="approve", intent_text=intent_text)
        await sender.broadcast(entry)
        receipt = await sender.wait_receipt(entry)
        if int(receipt["status"], 16) != 1:
            raise SimulationError(f"approve({tx.to}, {amount}) reverted on-chain ({entry.tx_hash})",
                                  code="approval_reverted", context={"tx_hash": entry.tx_hash})
        done.append({"token": tx.approve_token, "spender": tx.to, "amount": str(amount),
                     "tx_hash": entry.tx_hash, "gas_used": int(receipt["gasUsed"], 16)})
        nonce += 1
    return done, nonce


async def _raise_reverted(sender: "Sender", plan: TradePlan, address: str, entry: Entry,
                          receipt: dict) -> None:
    call = {"from": address, "to": plan.encoded.to, "data": "0x" + plan.encoded.data.hex(),
            "value": hex(plan.encoded.value)}
    revert = await replay_revert(sender.rpc, call, int(receipt["blockNumber"], 16))
    hint = explain_revert(revert)
    raise SimulationError(
        f"the swap reverted on-chain in block {int(receipt['blockNumber'], 16)}: {revert.reason}. "
        "The on-chain limit protected you: nothing was traded, only gas was spent",
        hint=hint, code="reverted_onchain",
        context={"tx_hash": entry.tx_hash, "receipt": receipt_summary(receipt), "revert": revert.to_json()})


async def realized_amounts(rpc: RpcClient, plan: TradePlan, sender: str, receipt: dict) -> dict:
    """Balance changes across the swap's block, and the amounts they imply, against the quote."""
    block = int(receipt["blockNumber"], 16)
    holders = [sender] if plan.recipient.lower() == sender.lower() else [sender, plan.recipient]
    tokens = [ETH] + [t for t in dict.fromkeys((plan.sell_token, plan.buy_token))]
    before = await read_balances(rpc, holders, tokens, block - 1)
    after = await read_balances(rpc, holders, tokens, block)
    changes = {h: {t: after[h][t] - before[h][t] for t in tokens} for h in holders}
    fee = int(receipt["gasUsed"], 16) * int(receipt.get("effectiveGasPrice") or "0x0", 16)
    without_gas = {h: dict(c) for h, c in changes.items()}
    without_gas[sender][ETH] += fee
    amount_in = -without_gas[sender][plan.sell_key]
    amount_out = without_gas[plan.recipient if plan.recipient in without_gas else sender][plan.buy_key]
    return {"amount_in": str(amount_in), "amount_out": str(amount_out),
            "quoted_amount_in": str(plan.amount_in), "quoted_amount_out": str(plan.amount_out),
            "gas_fee_wei": str(fee),
            "balance_changes": {h: {t: str(d) for t, d in c.items()} for h, c in changes.items()},
            "balance_changes_excluding_gas": {h: {t: str(d) for t, d in c.items()}
                                              for h, c in without_gas.items()}}


def receipt_summary(receipt: dict) -> dict:
    return {"status": int(receipt["status"], 16), "block_number": int(receipt["blockNumber"], 16),
            "gas_used": int(receipt["gasUsed"], 16),
            "effective_gas_price": str(int(receipt.get("effectiveGasPrice") or "0x0", 16)),
            "transaction_hash": receipt["transactionHash"]}


async def read_fees(rpc: RpcClient, *, max_gas_price_wei: int | None) -> Fees:
    """EIP-1559 fees: the next base fee and the median tip of recent blocks (eth_feeHistory)."""
    try:
        history = await rpc.call("eth_feeHistory", [5, "latest", [50]])
    except JsonRpcError:
        history = None
    base = history and history.get("baseFeePerGas") and int(history["baseFeePerGas"][-1], 16)
    if not base:
        price = int(await rpc.call("eth_gasPrice", []), 16)
        if max_gas_price_wei is not None and price > max_gas_price_wei:
            raise SafetyError(f"gas price {price} wei is over your cap of {max_gas_price_wei}",
                              code="gas_price_over_cap")
        return Fees(None, None, price)
    tips = sorted(int(r[0], 16) for r in history.get("reward") or [] if r)
    tip = tips[len(tips) // 2] if tips else 1_000_000_000
    max_fee = 2 * base + tip
    if max_gas_price_wei is not None:
        if base + tip > max_gas_price_wei:
            raise SafetyError(f"gas price {base + tip} wei is over your cap of {max_gas_price_wei}",
                              hint="wait for cheaper gas or raise 'max gas'", code="gas_price_over_cap")
        max_fee = min(max_fee, max_gas_price_wei)
    return Fees(max_fee, min(tip, max_fee), None)


class Sender:
    """Signs, journals, broadcasts and watches transactions for one signer."""

    def __init__(self, rpc: RpcClient, private_rpc_url: str | None, journal: Journal, signer: Signer,
                 receipt_timeout_s: float) -> None:
        self.rpc = rpc
        self.send_rpc = RpcClient(private_rpc_url, timeout_s=30) if private_rpc_url else rpc
        self.journal = journal
        self.signer = signer
        self.receipt_timeout_s = receipt_timeout_s

    async def close(self) -> None:
        if self.send_rpc is not self.rpc:
            await self.send_rpc.close()

    async def sign_and_journal(self, call: dict, *, gas: int, fees: Fees, nonce: int, chain_id: int,
                               kind: str, intent_text: str, quote: dict | None = None,
                               deadline: int | None = None) -> Entry:
        from solver.addresses import to_checksum

        tx = {"chainId": chain_id, "nonce": nonce, "to": to_checksum(call["to"]), "data": call["data"],
              "value": int(call.get("value") or 0), "gas": gas, **fees.tx_fields()}
        if "maxFeePerGas" in tx:
            tx["type"] = 2
        signed = self.signer.sign(tx)
        return self.journal.record(chain_id=chain_id, sender=self.signer.address, nonce=nonce, kind=kind,
                                   tx_hash=signed.tx_hash, raw_tx=signed.raw_hex, deadline=deadline,
                                   intent=intent_text, quote=quote)

    async def broadcast(self, entry: Entry) -> Entry:
        """Send the journaled bytes. An unclear failure leaves the entry for the next run."""
        try:
            await self.send_rpc.call("eth_sendRawTransaction", [entry.raw_tx])
        except JsonRpcError as exc:
            text = exc.message.lower()
            if "already known" in text or "known transaction" in text or await self._known(entry):
                return self.journal.update(entry, status=BROADCAST)
            if "nonce too low" in text or "insufficient funds" in text or "underpriced" in text:
                self.journal.update(entry, status=REJECTED, note=exc.message[:300])
                raise RpcError(f"the node refused the transaction: {exc.message}", code="tx_rejected",
                               hint="nothing was sent; check the sender's ETH balance and pending txs") from None
            raise RpcError(f"broadcasting {entry.tx_hash} failed: {exc.message}", code="broadcast_unclear",
                           hint="run the same command again: it looks the transaction up and "
                                "re-sends only the same signed bytes") from None
        except RpcError as exc:
            raise RpcError(f"broadcasting {entry.tx_hash} failed: {exc.message}", code="broadcast_unclear",
                           hint="run the same command again: it looks the transaction up and "
                                "re-sends only the same signed bytes") from None
        return self.journal.update(entry, status=BROADCAST)

    async def _known(self, entry: Entry) -> bool:
        try:
            return await self.rpc.call("eth_getTransactionByHash", [entry.tx_hash]) is not None
        except RpcError:
            return False

    async def wait_receipt(self, entry: Entry) -> dict:
        deadline = time.monotonic() + self.receipt_timeout_s
        delay = 0.05
        while True:
            receipt = await self.rpc.call("eth_getTransactionReceipt", [entry.tx_hash])
            if receipt is not None:
                status = MINED if int(receipt["status"], 16) == 1 else REVERTED
                self.journal.update(entry, status=status, receipt=receipt_summary(receipt))
                return receipt
            if time.monotonic() > deadline:
                raise RpcError(f"{entry.tx_hash} was not mined within {self.receipt_timeout_s:.0f} s",
                               code="receipt_timeout",
                               hint="it may still be mined: run the same command again to follow it "
                                    "(nothing new is signed while it is pending)")
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 2.0)

    async def resume(self, entry: Entry) -> Entry:
        """Settle an unfinished entry: find it, or re-send its same bytes, or mark it dead."""
        receipt = await self.rpc.call("eth_getTransactionReceipt", [entry.tx_hash])
        if receipt is None and not await self._known(entry):
            latest_nonce = int(await self.rpc.call("eth_getTransactionCount", [entry.sender, "latest"]), 16)
            receipt = await self.rpc.call("eth_getTransactionReceipt", [entry.tx_hash])
            if receipt is None and latest_nonce > entry.nonce:
                return self.journal.update(entry, status=DROPPED,
                                           note="its nonce was used by another transaction")
            if receipt is None and entry.deadline is not None:
                block = await self.rpc.call("eth_getBlockByNumber", ["latest", False])
                if int(block["timestamp"], 16) > entry.deadline:
                    return self.journal.update(entry, status=EXPIRED,
                                               note="past its deadline: it could only revert")
            if receipt is None:
                entry = await self.broadcast(entry)
        if receipt is None:
            receipt = await self.wait_receipt(entry)
        status = MINED if int(receipt["status"], 16) == 1 else REVERTED
        return self.journal.update(entry, status=status, receipt=receipt_summary(receipt))
