"""Hostile-token screening: fee-on-transfer, rebasing, blacklisting and broken ERC-20s, found by
running the trade's tokens and the trade itself on an anvil fork of the quote's block.

Pool math assumes a token moves exactly the amount asked, keeps balances still, and lets
anyone hold it. When a token breaks that, the quote is a number the trade will not deliver.
Two simulations tell, without touching the real chain:
1. A transfer probe of every token the route touches, on one fork (each probe reverted
   after): a pool of the route that holds the token sends 1% of its balance to the
   recipient, who sends half of it back. Received less than sent: fee on transfer. Reverted:
   blacklisted (or paused). Returned false: broken. Returned nothing: USDT-style, which
   SwapRouter02 copes with (a warning). Then a day passes: a balance that moved by itself is
   a rebasing token. decimals() that reverts or returns nothing is a warning.
2. The swap itself, encoded with no minimum (so a shortfall shows as a number, not as a
   "Too little received" revert), through solver.simulate: realized output against quoted.
`screen_quote` returns a TokenScreen; the caller decides (solver quote --check-tokens turns
a hostile finding into SimulationError, exit 5).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from typing import Any

from solver import abi
from solver.errors import RpcError, SimulationError, SolverError
from solver.rpc import JsonRpcError, RpcClient

TRANSFER = bytes.fromhex("a9059cbb")  # transfer(address,uint256)
PROBE_SHARE_BPS = 100   # the probe moves 1% of the holder's balance
REBASE_WAIT_S = 86_400  # how long the rebasing probe lets pass
ROUNDING_WEI = 2        # share-based tokens (stETH) lose a wei or two per transfer: not a fee
HOSTILE, WARNING = "hostile", "warning"


@dataclass(frozen=True, slots=True)
class TokenFinding:
    token: str
    symbol: str
    kind: str      # fee_on_transfer | rebasing | transfer_reverts | transfer_returns_false |
                   # overcharges_sender | shortfall (hostile); no_return_value |
                   # decimals_unreadable | transfer_rounding (warnings)
    severity: str  # hostile | warning
    detail: str
    bps: int | None = None

    def to_json(self) -> dict:
        return {"token": self.token, "symbol": self.symbol, "kind": self.kind,
                "severity": self.severity, "detail": self.detail, "bps": self.bps}


@dataclass(frozen=True, slots=True)
class TokenScreen:
    block_number: int
    tokens: tuple[str, ...]
    findings: tuple[TokenFinding, ...]
    quoted_amount_out: int
    realized_amount_out: int | None  # None: the simulated swap reverted or could not run
    swap_note: str | None

    @property
    def hostile(self) -> tuple[TokenFinding, ...]:
        return tuple(f for f in self.findings if f.severity == HOSTILE)

    @property
    def shortfall_bps(self) -> int | None:
        if self.realized_amount_out is None or not self.quoted_amount_out:
            return None
        gap = self.quoted_amount_out - self.realized_amount_out
        return -(-gap * 10_000 // self.quoted_amount_out) if gap > 0 else 0

    def to_json(self) -> dict:
        return {"block_number": self.block_number, "tokens": list(self.tokens),
                "findings": [f.to_json() for f in self.findings],
                "quoted_amount_out": str(self.quoted_amount_out),
                "realized_amount_out": None if self.realized_amount_out is None
                else str(self.realized_amount_out),
                "shortfall_bps": self.shortfall_bps, "swap_note": self.swap_note}

    def error(self) -> SimulationError | None:
        """Exit 5 naming each hostile token and the shortfall; None when all is clean."""
        if not self.hostile:
            return None
        names = "; ".join(f"{f.symbol} ({f.token}): {f.detail}" for f in self.hostile)
        if self.realized_amount_out is not None and self.shortfall_bps:
            tail = (f"; the simulated swap delivered {self.realized_amount_out} of the "
                    f"{self.quoted_amount_out} quoted ({self.shortfall_bps} bps short)")
        elif self.swap_note:
            tail = f"; the simulated swap: {self.swap_note}"
        else:
            tail = ""
        return SimulationError(f"hostile token: {names}{tail}",
                               hint="the quote assumes a plain ERC-20; this trade would not deliver it",
                               code="hostile_token", context={"token_checks": self.to_json()})


async def screen_quote(quote: Any, *, chain: Any, parent_url: str, recipient: str) -> TokenScreen:
    """Probe every token of the quote's route, then simulate the swap with no minimum."""
    from solver.fork import start_fork

    route, block = quote.route, quote.market.block_number
    tokens, holders = route_tokens(route)
    symbols = {quote.sell.address: quote.sell.symbol, quote.buy.address: quote.buy.symbol}
    fork = await start_fork(parent_url, block)
    try:
        async with RpcClient(fork.url, timeout_s=60) as rpc:
            findings: list[TokenFinding] = []
            for token in tokens:
                symbol = symbols.get(token) or await read_symbol(rpc, token)
                findings += await probe_token(rpc, token, symbol, holder=holders[token],
                                              recipient=recipient)
    finally:
        fork.stop()
    realized, note = await simulate_unlimited(quote, chain=chain, parent_url=parent_url,
                                              recipient=recipient)
    if realized is not None and realized < route.amount_out - ROUNDING_WEI and not any(
            f.severity == HOSTILE for f in findings):
        findings.append(TokenFinding(quote.buy.address, quote.buy.symbol, "shortfall", HOSTILE,
                                     f"received {realized} of {route.amount_out} quoted"))
    return TokenScreen(block, tuple(tokens), tuple(findings), route.amount_out, realized, note)


def route_tokens(route: Any) -> tuple[list[str], dict[str, str]]:
    """The route's tokens in order, each with a pool of the route that holds it."""
    tokens: list[str] = []
    holders: dict[str, str] = {}
    for leg in route.legs:
        for hop in leg.hops:
            for token in (hop.token_in, hop.token_out):
                if token not in holders:
                    tokens.append(token)
                    holders[token] = hop.pool.address
    return tokens, holders


async def probe_token(rpc: RpcClient, token: str, symbol: str, *, holder: str,
                      recipient: str) -> list[TokenFinding]:
    """What one token does to a plain transfer, on the fork; the fork is reverted after."""
    snapshot = await rpc.call("evm_snapshot")
    try:
        return await _probe(rpc, token, symbol, holder=holder, recipient=recipient)
    finally:
        await rpc.call("evm_revert", [snapshot])


async def _probe(rpc: RpcClient, token: str, symbol: str, *, holder: str,
                 recipient: str) -> list[TokenFinding]:
    def finding(kind: str, severity: str, detail: str, bps: int | None = None) -> TokenFinding:
        return TokenFinding(token, symbol, kind, severity, detail, bps)

    out: list[TokenFinding] = []
    decimals = await static_call(rpc, token, abi.DECIMALS)
    if not isinstance(decimals, bytes) or len(decimals) < 32 or abi.uint_at(decimals, 0) > 255:
        why = decimals if isinstance(decimals, str) else "returned nothing" if not decimals else "garbage"
        out.append(finding("decimals_unreadable", WARNING, f"decimals() {why}"))
    balance = await balance_of(rpc, token, holder)
    amount = balance * PROBE_SHARE_BPS // 10_000
    if amount == 0:
        return out  # nothing to probe with; the swap simulation still runs
    call = {"from": holder, "to": token, "data": "0x" + (TRANSFER + abi.encode_static(recipient, amount)).hex()}
    answer = await static_call(rpc, token, None, tx=call)
    if isinstance(answer, str):
        return out + [finding("transfer_reverts", HOSTILE,
                              f"transfer to {recipient} reverts ({answer})")]
    if not answer:
        out.append(finding("no_return_value", WARNING,
                           "transfer returns no value (USDT-style; Uniswap's routers cope)"))
    elif len(answer) < 32 or abi.uint_at(answer, 0) != 1:
        return out + [finding("transfer_returns_false", HOSTILE,
                              "transfer returns false instead of moving the tokens")]
    before = await balances(rpc, token, [holder, recipient])
    await send(rpc, call)
    after = await balances(rpc, token, [holder, recipient])
    received, debited = after[1] - before[1], before[0] - after[0]
    if amount - ROUNDING_WEI <= received < amount:
        out.append(finding("transfer_rounding", WARNING,
                           f"a transfer of {amount} delivered {received}: {amount - received} wei "
                           "lost to rounding (a share-based token?)"))
    elif received < amount:
        fee_bps = -(-(amount - received) * 10_000 // amount)
        out.append(finding("fee_on_transfer", HOSTILE,
                           f"a transfer of {amount} delivered {received}: {fee_bps / 100:.2f}% "
                           "is taken on every transfer", fee_bps))
    elif debited > amount:
        out.append(finding("overcharges_sender", HOSTILE,
                           f"sending {amount} cost the sender {debited}"))
    back = await static_call(rpc, token, None, tx={
        "from": recipient, "to": token,
        "data": "0x" + (TRANSFER + abi.encode_static(holder, received // 2)).hex()})
    if isinstance(back, str) and received // 2:
        out.append(finding("transfer_reverts", HOSTILE,
                           f"transfer from {recipient} reverts ({back})"))
    out += await _rebase_probe(rpc, token, finding, holders=[holder, recipient], now=after)
    return out


async def _rebase_probe(rpc: RpcClient, token: str, finding, *, holders: list[str],
                        now: list[int]) -> list[TokenFinding]:
    await rpc.call("evm_increaseTime", [REBASE_WAIT_S])
    await rpc.call("evm_mine")
    later = await balances(rpc, token, holders)
    for before, after in zip(now, later):
        if before and after != before:
            bps = (after - before) * 10_000 // before
            return [finding("rebasing", HOSTILE,
                            f"balances change by themselves ({bps / 100:+.2f}% in a day, no "
                            "transfer)", bps)]
    return []


async def simulate_unlimited(quote: Any, *, chain: Any, parent_url: str,
                             recipient: str) -> tuple[int | None, str | None]:
    """The quoted route, encoded with no minimum out, run on a fork: (realized out, note)."""
    from solver.commands.swap import plan_from_quote
    from solver.encode import EXACT_IN
    from solver.simulate import simulate_trade

    # 1 wei: the encoder (rightly) refuses a zero minimum; 1 shows any shortfall as a number.
    loose = replace(quote, limit=1 if quote.route.kind == EXACT_IN else 2 * quote.route.amount_in)
    try:
        async with RpcClient(parent_url) as rpc:
            plan = await plan_from_quote(rpc, chain, loose, sender=recipient)
        sim = await simulate_trade(plan, parent_url=parent_url, sender=recipient, fund=True)
    except SolverError as err:  # e.g. a sell token whose balance slot can't be found
        return None, f"could not run: {err.message}"
    if not sim.ok:
        return None, f"reverted: {sim.revert.reason if sim.revert else 'no reason'}"
    return sim.amount_out, None


# --- small JSON-RPC helpers on the fork ------------------------------------------------------

def throwaway_address() -> str:
    """A fresh address nobody holds a key for: the recipient of probes and simulated swaps."""
    import os

    from solver.addresses import to_checksum

    return to_checksum("0x" + os.urandom(20).hex())


async def static_call(rpc: RpcClient, token: str, selector: bytes | None, *,
                      tx: dict | None = None) -> bytes | str:
    """eth_call: the return data, or the revert reason as a str."""
    from solver.reader import data_bytes

    call = tx or {"to": token, "data": "0x" + (selector or b"").hex()}
    try:
        return data_bytes(await rpc.call("eth_call", [call, "latest"]), "eth_call")
    except JsonRpcError as exc:
        if not exc.is_revert:
            raise
        return abi.decode_revert(exc.revert_data)


async def balance_of(rpc: RpcClient, token: str, owner: str) -> int:
    data = await static_call(rpc, token, None, tx={
        "to": token, "data": "0x" + abi.encode_call(abi.BALANCE_OF, owner).hex()})
    if isinstance(data, str) or len(data) < 32:
        raise SimulationError(f"token {token}: balanceOf() {data or 'returned nothing'}",
                              code="bad_token")
    return abi.uint_at(data, 0)


async def balances(rpc: RpcClient, token: str, owners: list[str]) -> list[int]:
    return [await balance_of(rpc, token, owner) for owner in owners]


async def read_symbol(rpc: RpcClient, token: str) -> str:
    data = await static_call(rpc, token, abi.SYMBOL)
    if isinstance(data, bytes):
        try:
            return abi.decode_string_or_bytes32(data).strip("\x00").strip() or token[:8]
        except abi.AbiDecodeError:
            pass
    return token[:8]


async def send(rpc: RpcClient, tx: dict) -> dict:
    """A transaction on the fork (any sender: the fork impersonates), mined and checked."""
    tx_hash = await rpc.call("eth_sendTransaction", [{**tx, "gas": hex(500_000), "maxFeePerGas": "0x0",
                                                      "maxPriorityFeePerGas": "0x0"}])
    for _ in range(3_000):  # anvil answers before it has mined the block
        receipt = await rpc.call("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            if receipt.get("status") != "0x1":
                raise SimulationError(f"the probe transfer {tx_hash} reverted on the fork")
            return receipt
        await asyncio.sleep(0.005)
    raise RpcError(f"the fork did not mine {tx_hash}")
