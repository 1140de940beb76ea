"""`solver quote`: parse, read the market at one block, route, check constraints, print."""

from __future__ import annotations

from solver.addresses import is_address, to_checksum
from solver.context import AppContext
from solver.errors import UsageError
from solver.ui import emit_json


def parse_sender(sender: str | None) -> str | None:
    if sender is None:
        return None
    if not is_address(sender):
        raise UsageError(f"--from {sender!r} is not an address", hint="use 0x + 40 hex digits",
                         code="bad_address")
    return to_checksum(sender)


def load_intent(ctx: AppContext, text: str):
    """Parse against the selected chain's tokens; an 'on CHAIN' phrase selects the chain."""
    config = ctx.config  # config errors (exit 6) come before intent errors
    chain = ctx.chain
    from solver.intent import parse_intent
    from solver.tokens import TokenBook

    intent = parse_intent(text, tokens=TokenBook.from_chain(chain), defaults=config.defaults,
                          chains=tuple(config.chains))
    if intent.chain and intent.chain != chain.name:
        ctx.chain_name = intent.chain
        chain = ctx.chain
        intent = parse_intent(text, tokens=TokenBook.from_chain(chain), defaults=config.defaults,
                              chains=tuple(config.chains))
    return intent, chain


async def produce_quote(engine, intent, *, sender: str | None, explain: bool,
                        max_age_s: float = 0.0):
    """(Quote, tx or None) for one parsed intent: the path shared by `quote` and `batch`."""
    from dataclasses import replace

    from solver.amounts import resolve_amount
    from solver.intent.bounds import limit_max_in, limit_min_out
    from solver.quote import quote_on_market

    market = await engine.market(max_age_s=max_age_s)
    amount = await resolve_amount(engine, market, intent, sender=sender)
    # A limit price on an amount known only now (balance or notional) becomes a bound now.
    if intent.limit_price is not None and intent.amount is None:
        if intent.kind == "exact_in" and intent.min_amount_out is None:
            intent = replace(intent, min_amount_out=limit_min_out(
                intent.limit_price, amount_in=amount, sell_address=intent.sell))
        elif intent.kind == "exact_out" and intent.max_amount_in is None:
            intent = replace(intent, max_amount_in=limit_max_in(
                intent.limit_price, amount_out=amount, sell_address=intent.sell))
    quote = quote_on_market(engine, market, intent, amount=amount, explain=explain)
    tx = None
    if sender:
        # The same encoding `swap` sends: chain-clock deadline, router factories checked.
        from solver.commands.swap import plan_from_quote

        plan = await plan_from_quote(engine.reader.rpc, engine.chain, quote, sender=sender)
        tx = plan.encoded.tx_json()
    return quote, tx


def run_quote(ctx: AppContext, text: str, *, sender: str | None, explain: bool,
              check_tokens: bool = False) -> None:
    from solver.engine import QuoteEngine
    from solver.quote import quote_to_json
    from solver.rpc import run

    sender = parse_sender(sender)
    intent, chain = load_intent(ctx, text)

    async def go():
        engine = QuoteEngine(chain, ctx.config.defaults)
        try:
            quote, tx = await produce_quote(engine, intent, sender=sender, explain=explain)
        finally:
            await engine.close()
        screen = await check_quote_tokens(chain, quote, sender=sender) if check_tokens else None
        return quote, tx, screen

    quote, tx, screen = run(go())
    if ctx.json:
        out = quote_to_json(quote, tx=tx, explain=explain)
        if screen is not None:
            out["token_checks"] = screen.to_json()
            out["warnings"] += [{"code": f.kind, "token": f.token, "message": f"{f.symbol}: {f.detail}"}
                                for f in screen.findings]
        emit_json(out)
        return
    from solver.render import render_quote
    from solver.tokens import TokenBook

    book = TokenBook.from_chain(chain)
    symbols = {t.address: t.symbol for t in book}
    decimals = {t.address: t.decimals for t in book}
    render_quote(quote, symbols=symbols, decimals=decimals, explain=explain)
    warn_about_prices(quote, symbols)
    if screen is not None:
        import sys

        for f in screen.findings:
            sys.stderr.write(f"warning: {f.symbol} ({f.token}): {f.detail}\n")
        from solver.units import format_units

        realized = screen.realized_amount_out
        print(f"tokens checked on a fork: {len(screen.tokens)}, none hostile; simulated swap: "
              + (f"{format_units(realized, quote.buy.decimals)} {quote.buy.symbol}"
                 if realized is not None else str(screen.swap_note)))
    if tx is not None:
        print(f"tx: to {tx['to']} value {tx['value']} data {tx['data'][:18]}… "
              f"({(len(tx['data']) - 2) // 2} bytes)")


def warn_about_prices(quote, symbols: dict[str, str]) -> None:
    """The manipulation guard's flags, one line each on stderr (stdout stays the quote)."""
    import sys

    from solver.quote import price_warnings

    for w in price_warnings(quote):
        pair = f"{symbols.get(w['token0'], w['token0'][:10])}/{symbols.get(w['token1'], w['token1'][:10])}"
        what = ("excluded from routing" if w["excluded"]
                else "USED by this route: check the price" if w["in_route"] else "not used")
        sys.stderr.write(f"warning: {pair} pool {w['pool']} is {w['deviation_bps'] / 100:.2f}% off "
                         f"the market ({w['sources']} sources): {what}\n")


async def check_quote_tokens(chain, quote, *, sender: str | None):
    """--check-tokens: probe the route's tokens and the swap on a fork (solver.hostile);
    a hostile token ends the command with exit 5, a mere oddity is a warning."""
    from solver.hostile import screen_quote, throwaway_address

    recipient = quote.intent.recipient or sender or throwaway_address()
    screen = await screen_quote(quote, chain=chain, parent_url=chain.rpc_url, recipient=recipient)
    error = screen.error()
    if error is not None:
        raise error
    return screen
