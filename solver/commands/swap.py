"""`solver swap INTENT --simulate | --send`: quote, encode, dry-run on a fork, then maybe send."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from solver.context import AppContext
from solver.errors import SimulationError, UsageError
from solver.ui import emit_json

SWAP_RESUME_SCHEMA = "solver.swap_resume/1"


def run_swap(ctx: AppContext, intent_text: str, *, simulate: bool, send: bool, sender: str | None,
             fund: bool, keystore: Path | None, private_key_env: str | None, yes: bool,
             approve_max: bool, keep_fork: bool, check_tokens: bool = False) -> None:
    from solver.commands.quote import load_intent, parse_sender
    from solver.rpc import run

    _check_flags(simulate=simulate, send=send, fund=fund, keep_fork=keep_fork, sender=sender,
                 keystore=keystore, private_key_env=private_key_env)
    sender = parse_sender(sender)
    intent, chain = load_intent(ctx, intent_text)
    signer = None
    if not send and sender is None and keystore is not None and private_key_env is None:
        from solver.signer import keystore_address

        sender = keystore_address(keystore)  # simulating needs the address, not the password
    if send or (sender is None and not fund and private_key_env):
        from solver.signer import load_signer

        signer = load_signer(keystore=keystore, private_key_env=private_key_env)
        if sender is not None and sender != signer.address:
            raise UsageError(f"--from {sender} is not the address of the key ({signer.address})",
                             code="sender_mismatch")
        sender = signer.address
    if send:
        run(_send(ctx, chain, intent, intent_text, signer, yes=yes, approve_max=approve_max,
                  check_tokens=check_tokens))
    else:
        run(_simulate(ctx, chain, intent, sender=sender, fund=fund, approve_max=approve_max,
                      keep_fork=keep_fork, check_tokens=check_tokens))


def _check_flags(*, simulate: bool, send: bool, fund: bool, keep_fork: bool, sender: str | None,
                 keystore: Path | None, private_key_env: str | None) -> None:
    if not simulate and not send:
        raise UsageError("choose --simulate (dry-run on a fork) or --send (simulate, then sign and send)",
                         code="bad_usage")
    if send and fund:
        raise UsageError("--fund only applies to --simulate: a real send spends real funds",
                         code="bad_usage")
    if send and keep_fork:
        raise UsageError("--keep-fork only applies to --simulate", code="bad_usage")
    if send and keystore is None and private_key_env is None:
        raise UsageError("--send needs a key: --keystore FILE or --private-key-env VAR",
                         hint="a key is never taken as a literal argument", code="missing_key")
    if not send and sender is None and not fund and keystore is None and private_key_env is None:
        raise UsageError("--simulate needs --from ADDRESS, or --fund for a funded throwaway account",
                         code="missing_sender")


async def make_plan(engine, chain, intent, *, sender: str):
    """Quote the intent now and encode it for `sender`: a TradePlan."""
    from solver.commands.quote import produce_quote
    from solver.quote import quote_to_json

    quote, _ = await produce_quote(engine, intent, sender=sender, explain=False)
    plan = await plan_from_quote(engine.reader.rpc, chain, quote, sender=sender)
    return replace(plan, quote_json=quote_to_json(quote, tx=plan.encoded.tx_json())), quote


async def plan_from_quote(rpc, chain, quote, *, sender: str):
    """Encode a quote into one SwapRouter02 transaction, deadline from the chain's clock."""
    from solver.addresses import to_checksum
    from solver.encode import (SEL_FACTORY_V2, SEL_FACTORY_V3, RouterFactories, SwapSpec,
                               encode_swap)
    from solver.rpc import JsonRpcError
    from solver.simulate import TradePlan

    intent, route = quote.intent, quote.route
    block = await rpc.call("eth_getBlockByNumber", [hex(quote.market.block_number), False])
    try:
        factory_v2, factory_v3 = await rpc.batch([
            ("eth_call", [{"to": chain.router, "data": "0x" + SEL_FACTORY_V2.hex()}, "latest"]),
            ("eth_call", [{"to": chain.router, "data": "0x" + SEL_FACTORY_V3.hex()}, "latest"])])
    except JsonRpcError:  # not a SwapRouter02: the simulation will tell
        factory_v2 = factory_v3 = None
    from solver.reader import malformed, quantity

    # A header that isn't an object with a timestamp is a malformed answer (exit 4).
    if block is not None and not isinstance(block, dict):
        raise malformed("eth_getBlockByNumber", block)
    chain_time = quantity(block.get("timestamp"), "eth_getBlockByNumber timestamp") if block else 0
    recipient = to_checksum(intent.recipient or sender)
    spec = SwapSpec(kind=intent.kind, sell_token=intent.sell, buy_token=intent.buy,
                    recipient=recipient, deadline=max(int(time.time()), chain_time) + intent.deadline_s,
                    limit=quote.limit, native_in=intent.native_in, native_out=intent.native_out)
    factories = RouterFactories(v2=_word_address(factory_v2), v3=_word_address(factory_v3))
    encoded = encode_swap(route, spec, router=chain.router, factories=factories)
    return TradePlan(
        chain_id=chain.chain_id, block_number=quote.market.block_number, kind=intent.kind,
        sell_token=intent.sell, buy_token=intent.buy, native_in=intent.native_in,
        native_out=intent.native_out, amount_in=route.amount_in, amount_out=route.amount_out,
        limit=quote.limit, recipient=recipient, encoded=encoded, gas_units=route.gas_units,
        price_impact_bps=quote.impact_bps)


def _word_address(word: Any) -> str | None:
    if not isinstance(word, str) or len(word) != 66 or int(word, 16) >> 160:
        return None
    return "0x" + word[-40:]


# --- --simulate ----------------------------------------------------------------------------

async def _simulate(ctx: AppContext, chain, intent, *, sender: str | None, fund: bool,
                    approve_max: bool, keep_fork: bool, check_tokens: bool = False) -> None:
    from solver.commands.quote import check_quote_tokens
    from solver.engine import QuoteEngine
    from solver.simulate import _throwaway_address, explain_revert, simulate_trade

    actor = sender or _throwaway_address()
    engine = QuoteEngine(chain, ctx.config.defaults)
    try:
        plan, quote = await make_plan(engine, chain, intent, sender=actor)
    finally:
        await engine.close()
    # --check-tokens: a hostile token raises SimulationError (exit 5) before the dry-run
    screen = await check_quote_tokens(chain, quote, sender=actor) if check_tokens else None
    sim = await simulate_trade(plan, parent_url=chain.rpc_url, sender=actor, fund=fund,
                               approve_max=approve_max, keep_fork=keep_fork)
    if not ctx.json:
        from solver.commands.swap_render import render_simulation

        render_simulation(quote, plan, sim, chain)
    if not sim.ok or not sim.meets_limit:
        why = sim.revert.reason if sim.revert else "the result broke the intent's limit"
        raise SimulationError(f"the simulation failed: {why}", hint=explain_revert(sim.revert),
                              context={"simulation": sim.to_json(), "tx": plan.encoded.tx_json()})
    if ctx.json:
        emit_json(plan.quote_json | {"simulation": sim.to_json()} | _checks_json(screen))


# --- --send --------------------------------------------------------------------------------

async def _send(ctx: AppContext, chain, intent, intent_text: str, signer, *, yes: bool,
                approve_max: bool, check_tokens: bool = False) -> None:
    from solver.commands.quote import check_quote_tokens
    from solver.engine import QuoteEngine
    from solver.send import send_trade

    engine = QuoteEngine(chain, ctx.config.defaults)
    quotes: list[Any] = []
    screens: list[Any] = []

    async def plan_now():
        plan, quote = await make_plan(engine, chain, intent, sender=signer.address)
        if check_tokens:  # every (re)quote, before its simulation and long before any send
            screens.append(await check_quote_tokens(chain, quote, sender=signer.address))
        quotes.append(quote)
        return plan

    def confirm(plan, sim) -> bool:
        from solver.commands.swap_render import confirm_prompt

        return confirm_prompt(quotes[-1], plan, sim, chain)

    try:
        result = await send_trade(
            rpc_url=chain.rpc_url, private_rpc_url=chain.private_rpc_url, signer=signer,
            make_plan=plan_now, intent_text=intent_text, yes=yes, confirm=confirm,
            approve_max=approve_max, max_impact_bps=ctx.config.defaults.max_price_impact_bps,
            max_gas_price_wei=intent.max_gas_price_wei)
    finally:
        await engine.close()
    if result.resumed:
        _report_resumed(ctx, result.resumed)
        return
    if ctx.json:
        emit_json(result.plan.quote_json | {
            "simulation": result.simulation.to_json(), "tx_hash": result.tx_hash,
            "receipt": result.receipt, "realized": result.realized,
            "approvals": result.approvals, "requoted": result.requoted}
            | _checks_json(screens[-1] if screens else None))
        return
    from solver.commands.swap_render import render_sent

    render_sent(quotes[-1], result, chain)


def _checks_json(screen) -> dict:
    return {} if screen is None else {"token_checks": screen.to_json()}


def _report_resumed(ctx: AppContext, entries) -> None:
    """A previous send was unfinished: this run settled it and traded nothing new."""
    from solver.journal import REVERTED

    items = [{"kind": e.kind, "tx_hash": e.tx_hash, "nonce": e.nonce, "status": e.status,
              "receipt": e.receipt, "intent": e.intent, "note": e.note} for e in entries]
    reverted = [e for e in entries if e.status == REVERTED and e.kind == "swap"]
    if reverted:
        raise SimulationError(f"the resumed swap {reverted[0].tx_hash} reverted on-chain; nothing was traded",
                              code="reverted_onchain", context={"resumed": items})
    if ctx.json:
        emit_json({"ok": True, "schema": SWAP_RESUME_SCHEMA, "resumed": items,
                   "message": "an unfinished send was settled; no new swap was sent"})
        return
    import sys

    for item in items:
        sys.stdout.write(f"resumed {item['kind']} {item['tx_hash']} (nonce {item['nonce']}): {item['status']}"
                         + (f" in block {item['receipt']['block_number']}" if item["receipt"] else "")
                         + (f" — {item['note']}" if item["note"] else "") + "\n")
    sys.stdout.write("an unfinished send was settled; no new swap was sent. Run the command again "
                     "for a new swap.\n")
