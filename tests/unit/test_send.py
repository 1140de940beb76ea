"""solver.send with a fake chain: resume decisions, broadcast errors, guards and staleness."""

from __future__ import annotations

import asyncio

import pytest

from solver import send as send_mod
from solver.encode import EncodedSwap
from solver.errors import RpcError, SafetyError
from solver.journal import BROADCAST, DROPPED, EXPIRED, MINED, REJECTED, SIGNED, Journal
from solver.rpc import JsonRpcError
from solver.send import Sender, _send_locked, read_fees
from solver.signer import load_signer
from solver.simulate import SimulationResult, TradePlan

KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"
ROUTER = "0x0B306BF915C4d645ff596e518fAf3F9669b97016"
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"


class FakeChain:
    """Just the JSON-RPC methods send.py uses. Sent raw txs are mined at once unless `hold`."""

    url = "http://fake"

    def __init__(self) -> None:
        self.block = 100
        self.timestamp = 1_000_000
        self.nonce = 0
        self.receipts: dict[str, dict] = {}
        self.pending: set[str] = set()
        self.raw_sent: list[str] = []
        self.hold = False
        self.send_error: Exception | None = None

    async def call(self, method, params=None):
        params = params or []
        if method == "eth_chainId":
            return hex(31337)
        if method == "eth_blockNumber":
            return hex(self.block)
        if method == "eth_getTransactionCount":
            return hex(self.nonce + (len(self.pending) if params[1] == "pending" else 0))
        if method == "eth_getTransactionReceipt":
            return self.receipts.get(params[0])
        if method == "eth_getTransactionByHash":
            return {"hash": params[0]} if params[0] in self.pending or params[0] in self.receipts else None
        if method == "eth_getBlockByNumber":
            return {"timestamp": hex(self.timestamp), "number": hex(self.block)}
        if method == "eth_feeHistory":
            return {"baseFeePerGas": ["0x3b9aca00"] * 6, "reward": [["0x5f5e100"]] * 5}
        if method == "eth_call":
            return "0x" + "00" * 32
        if method == "eth_getBalance":
            return "0x0"
        if method == "eth_sendRawTransaction":
            if self.send_error:
                raise self.send_error
            from eth_utils import keccak

            raw = bytes.fromhex(params[0][2:])
            tx_hash = "0x" + keccak(raw).hex()
            self.raw_sent.append(params[0])
            if self.hold:
                self.pending.add(tx_hash)
            else:
                self.mine(tx_hash)
            return tx_hash
        raise AssertionError(f"unexpected {method}")

    def mine(self, tx_hash, status=1):
        self.pending.discard(tx_hash)
        self.block += 1
        self.nonce += 1
        self.receipts[tx_hash] = {"status": hex(status), "blockNumber": hex(self.block), "gasUsed": hex(100_000),
                                  "effectiveGasPrice": hex(10**9), "transactionHash": tx_hash}

    async def batch(self, calls):
        return [await self.call(m, p) for m, p in calls]

    async def close(self):
        pass


def make_plan(block=100, impact=5, approve=None):
    encoded = EncodedSwap(to=ROUTER, data=b"\x5a\xe4\x01\xdc", value=10**18, calls=(), approve_token=approve,
                          approve_amount=0 if approve is None else 10**18, deadline=1_000_300)
    return TradePlan(chain_id=31337, block_number=block, kind="exact_in", sell_token=WETH, buy_token=USDC,
                     native_in=True, native_out=False, amount_in=10**18, amount_out=2_700_000_000,
                     limit=2_690_000_000, recipient="0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                     encoded=encoded, gas_units=200_000, price_impact_bps=impact)


def make_sim(ok=True, meets=True, sender="0x70997970C51812dc3A010C7d01b50e0d17dc79C8"):
    return SimulationResult(ok=ok, sender=sender, recipient=sender, fork_block=100, amount_in=10**18,
                            amount_out=2_700_000_000, quoted_amount_in=10**18, quoted_amount_out=2_700_000_000,
                            gas_used=180_000, gas_estimate=200_000, approvals=(), balance_changes={},
                            revert=None, meets_limit=meets, timings_ms={})


@pytest.fixture
def world(tmp_path, monkeypatch):
    chain = FakeChain()
    signer = load_signer(private_key_env="K", environ={"K": KEY})
    sender = Sender(chain, None, Journal(tmp_path), signer, receipt_timeout_s=0.3)
    sims = []

    async def fake_simulate(plan, **kwargs):
        return sims.pop(0) if sims else make_sim()

    async def fake_realized(rpc, plan, address, receipt):
        return {"amount_out": str(plan.amount_out)}

    monkeypatch.setattr(send_mod, "simulate_trade", fake_simulate)
    monkeypatch.setattr(send_mod, "realized_amounts", fake_realized)
    return chain, sender, sims


def run_send(sender, plans, *, yes=True, confirm=lambda p, s: True, max_impact_bps=500):
    calls = []

    async def next_plan():
        calls.append(1)
        return plans[min(len(calls), len(plans)) - 1]

    result = asyncio.run(_send_locked(sender, make_plan=next_plan, intent_text="swap 1 ETH for USDC", yes=yes,
                                      confirm=confirm, approve_max=False, max_impact_bps=max_impact_bps,
                                      max_gas_price_wei=None))
    return result, len(calls)


def test_send_journals_before_broadcast_and_finishes_mined(world):
    chain, sender, _ = world
    result, quotes = run_send(sender, [make_plan()])
    [entry] = sender.journal.entries()
    assert entry.status == MINED and entry.tx_hash == result.tx_hash and entry.nonce == 0
    assert chain.raw_sent == [entry.raw_tx] and quotes == 1


def test_stale_quote_is_requoted(world):
    chain, sender, _ = world
    chain.block = 100 + send_mod.STALE_BLOCKS + 1
    result, quotes = run_send(sender, [make_plan(block=100), make_plan(block=chain.block)])
    assert quotes == 2 and result.requoted


@pytest.mark.parametrize(("plan", "sim", "code"), [
    (make_plan(impact=900), make_sim(), "price_impact_over_limit"),
    (make_plan(), make_sim(ok=False), "simulation_failed"),
    (make_plan(), make_sim(meets=False), "simulation_below_limit"),
])
def test_guards_refuse_with_exit_7_and_send_nothing(world, plan, sim, code):
    chain, sender, sims = world
    sims.append(sim)
    with pytest.raises(SafetyError) as info:
        run_send(sender, [plan])
    assert info.value.code == code and info.value.exit_code == 7
    assert chain.raw_sent == [] and sender.journal.entries() == []


def test_declined_confirmation_sends_nothing(world):
    chain, sender, _ = world
    with pytest.raises(SafetyError) as info:
        run_send(sender, [make_plan()], yes=False, confirm=lambda p, s: False)
    assert info.value.code == "declined" and chain.raw_sent == []


def test_unfinished_entry_is_resumed_and_nothing_new_is_sent(world):
    chain, sender, _ = world
    chain.send_error = RpcError("connection reset")
    with pytest.raises(RpcError) as info:
        run_send(sender, [make_plan()])
    assert info.value.code == "broadcast_unclear"
    [entry] = sender.journal.entries()
    assert entry.status == SIGNED
    chain.send_error = None
    result, quotes = run_send(sender, [make_plan()])
    assert quotes == 0 and [e.status for e in result.resumed] == [MINED]
    assert chain.raw_sent == [entry.raw_tx]  # the same bytes, once


def _signed_entry(sender, chain, *, deadline=1_000_300):
    fees = send_mod.Fees(2 * 10**9, 10**8, None)
    return asyncio.run(sender.sign_and_journal({"to": ROUTER, "data": "0x", "value": 1}, gas=50_000, fees=fees,
                                               nonce=chain.nonce, chain_id=31337, kind="swap",
                                               intent_text="x", deadline=deadline))


def test_resume_marks_dropped_when_the_nonce_went_elsewhere(world):
    chain, sender, _ = world
    entry = _signed_entry(sender, chain)
    chain.nonce += 1  # another wallet used the nonce
    assert asyncio.run(sender.resume(entry)).status == DROPPED
    assert chain.raw_sent == []


def test_resume_marks_expired_past_the_deadline(world):
    chain, sender, _ = world
    entry = _signed_entry(sender, chain, deadline=chain.timestamp - 1)
    assert asyncio.run(sender.resume(entry)).status == EXPIRED
    assert chain.raw_sent == []


def test_resume_follows_a_pending_tx_without_resending(world):
    chain, sender, _ = world
    entry = _signed_entry(sender, chain)
    chain.hold = True
    asyncio.run(sender.broadcast(entry))
    assert sender.journal.entries()[0].status == BROADCAST
    with pytest.raises(RpcError):  # still pending after the (short) timeout
        asyncio.run(sender.resume(entry))
    chain.mine(entry.tx_hash)
    assert asyncio.run(sender.resume(entry)).status == MINED
    assert chain.raw_sent == [entry.raw_tx]


@pytest.mark.parametrize(("message", "status"), [("already known", BROADCAST), ("nonce too low", REJECTED)])
def test_broadcast_node_answers(world, message, status):
    chain, sender, _ = world
    entry = _signed_entry(sender, chain)
    chain.send_error = JsonRpcError("eth_sendRawTransaction", {"code": -32000, "message": message})
    if status == REJECTED:
        with pytest.raises(RpcError):
            asyncio.run(sender.broadcast(entry))
    else:
        asyncio.run(sender.broadcast(entry))
    assert sender.journal.entries()[0].status == status


def test_fees_respect_the_gas_cap():
    chain = FakeChain()
    fees = asyncio.run(read_fees(chain, max_gas_price_wei=None))
    assert (fees.max_fee_wei, fees.priority_fee_wei) == (2 * 10**9 + 10**8, 10**8)
    capped = asyncio.run(read_fees(chain, max_gas_price_wei=15 * 10**8))
    assert capped.max_fee_wei == 15 * 10**8
    with pytest.raises(SafetyError):
        asyncio.run(read_fees(chain, max_gas_price_wei=10**9))
