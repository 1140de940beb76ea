"""`solver parse INTENT`: show the constraint set an intent becomes. Needs no chain.

JSON mode prints {"ok": true, "schema": "solver.intent/1", "intent": {...}}; errors raise
and solver.cli turns them into exit 2 (bad intent) or 6 (bad config). rich is imported
only to draw the human table.
"""

from __future__ import annotations

from solver.context import AppContext
from solver.ui import emit_json


def run_parse(ctx: AppContext, text: str) -> None:
    from solver.intent import SCHEMA, read_intent, resolve_plan
    from solver.tokens import ChainBooks

    config = ctx.config_for_offline()  # a broken config (exit 6) is reported first
    plan = read_intent(text)
    books = ChainBooks(config)
    intent = resolve_plan(plan, tokens=books, defaults=config.defaults, chain=ctx.chain_name)
    if ctx.json:
        emit_json({"ok": True, "schema": SCHEMA, "intent": intent.to_json()})
        return
    print_intent(intent, book=books[intent.chain], defaults=config.defaults)


def print_intent(intent, *, book, defaults) -> None:
    from rich import box
    from rich.table import Table

    from solver.intent import render_intent
    from solver.ui import console

    table = Table(box=box.SIMPLE, show_header=False, title="constraint set", title_justify="left",
                  pad_edge=False)
    table.add_column("constraint", style="bold")
    table.add_column("value")
    for label, value in describe_intent(intent, defaults=defaults):
        table.add_row(label, value)
    out = console()
    out.print(table)
    if intent.min_amount_out is not None or intent.max_amount_in is not None:
        out.print("note: when quoted, the stricter of the slippage bound and this "
                  + ("minimum" if intent.kind == "exact_in" else "maximum") + " wins",
                  markup=False, highlight=False)
    out.print(f"canonical: {render_intent(intent, book=book)}", markup=False, highlight=False,
              soft_wrap=True)


def describe_intent(intent, *, defaults) -> list[tuple[str, str]]:
    """(label, value) rows for humans; amounts shown both as decimals and base units."""
    from solver.intent.model import format_base_units

    def default(value, default_value) -> str:
        return "  (default)" if value == default_value else ""

    trade = "exact input (sell a fixed amount)" if intent.kind == "exact_in" \
        else "exact output (buy a fixed amount)"
    if intent.native_in:
        trade += ", native ETH in"
    if intent.native_out:
        trade += ", native ETH out"
    rows = [("trade", trade), ("sell", _token(intent.sell_token)),
            ("buy", _token(intent.buy_token))]
    rows += _amount_rows(intent)
    rows += [
        ("slippage", f"{format_base_units(intent.slippage_bps, 2)}%  ({intent.slippage_bps} bps)"
                     + default(intent.slippage_bps, defaults.slippage_bps)),
        ("deadline", _duration(intent.deadline_s) + default(intent.deadline_s, defaults.deadline_s)),
        ("max hops", str(intent.max_hops) + default(intent.max_hops, defaults.max_hops)),
        ("protocols", _protocols(intent)),
        ("avoid tokens", ", ".join(t.symbol for t in intent.avoid_tokens) or "none"),
        ("recipient", intent.recipient or "the sender"),
        ("gas price cap", format_base_units(intent.max_gas_price_wei, 9) + " gwei"
         if intent.max_gas_price_wei is not None else "none"),
        ("split", "allowed across routes" if intent.split else "no: one route"),
        ("chain", intent.chain or "the configured default"),
    ]
    return rows


def _amount_rows(intent) -> list[tuple[str, str]]:
    """The amount, the bound on the other side, and the limit price."""
    from solver.intent.model import BalanceAmount, NotionalAmount, format_base_units

    def amount(units: int, token) -> str:
        return f"{format_base_units(units, token.decimals)} {token.symbol}  ({units} base units)"

    sell, buy = intent.sell_token, intent.buy_token
    fixed = sell if intent.kind == "exact_in" else buy
    spec = intent.amount_spec
    if isinstance(spec, BalanceAmount):
        held = "ETH" if intent.native_in else sell.symbol
        rows = [("amount", f"{format_base_units(spec.fraction_bps, 2)}% of the sender's "
                           f"{held} balance  (read when quoted; needs --from)")]
    elif isinstance(spec, NotionalAmount):
        dollars = "$" + format_base_units(spec.amount, spec.quote_token.decimals) + " = " \
            if spec.currency == "USD" else ""
        rows = [("amount", f"{fixed.symbol} worth {dollars}{amount(spec.amount, spec.quote_token)}"
                           f", at the mid price when quoted")]
    else:
        rows = [("amount", amount(intent.amount, fixed))]
    if intent.kind == "exact_in":
        rows.append(("minimum out", amount(intent.min_amount_out, buy)
                     if intent.min_amount_out is not None else "from slippage, when quoted"))
    else:
        rows.append(("maximum in", amount(intent.max_amount_in, sell)
                     if intent.max_amount_in is not None else "from slippage, when quoted"))
    if intent.limit_price is not None:
        limit = intent.limit_price
        word = "at least" if limit.bound == "min" else "at most"
        rows.append(("limit price", f"{word} {limit.to_json()['price']} {limit.quote.symbol} "
                                    f"per {limit.base.symbol}"))
    return rows


def _token(token) -> str:
    return f"{token.symbol}  {token.address}"


def _protocols(intent) -> str:
    allowed = " or ".join(intent.allow_protocols) + " only" if intent.allow_protocols else "any"
    if intent.deny_protocols:
        allowed += ", not " + ", ".join(intent.deny_protocols)
    return allowed


def _duration(seconds: int) -> str:
    for unit, size in (("h", 3600), ("min", 60)):
        if seconds % size == 0:
            return f"{seconds // size} {unit}  ({seconds} s)"
    return f"{seconds} s"
