"""Human output of a quote with rich: the route as a tree, then the numbers a trader checks."""

from __future__ import annotations

from decimal import Decimal

from solver.quote import Quote
from solver.units import format_units as _exact_units


def format_units(amount: int, decimals: int, *, places: int | None = None) -> str:
    """Human amounts: at most 6 decimals (JSON keeps every wei)."""
    return _exact_units(amount, decimals, places=places if places is not None else min(decimals, 6))


def _fee_text(fee_pips: int) -> str:
    return f"{Decimal(fee_pips) / Decimal(10_000):f}%".replace(".00%", "%")


def _short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


def render_quote(q: Quote, *, symbols: dict[str, str], decimals: dict[str, int],
                 explain: bool = False) -> None:
    from rich.table import Table
    from rich.tree import Tree

    from solver.ui import console

    out = console()
    route, sell, buy = q.route, q.sell, q.buy
    amount_in = format_units(route.amount_in, sell.decimals)
    amount_out = format_units(route.amount_out, buy.decimals)
    tree = Tree(f"[bold]{amount_in} {sell.symbol} → {amount_out} {buy.symbol}[/bold]")
    for leg in route.legs:
        branch = tree.add(f"{leg.share_bps / 100:.2f}%  "
                          f"{format_units(leg.amount_in, sell.decimals)} {sell.symbol} → "
                          f"{format_units(leg.amount_out, buy.decimals)} {buy.symbol}")
        for hop in leg.hops:
            sym_in = symbols.get(hop.token_in, _short(hop.token_in))
            sym_out = symbols.get(hop.token_out, _short(hop.token_out))
            branch.add(f"{hop.pool.dex} {_fee_text(hop.fee_pips)}  {sym_in} → {sym_out}  "
                       f"[dim]pool {_short(hop.pool.address)}[/dim]  "
                       f"{format_units(hop.amount_out, decimals.get(hop.token_out, 18))} {sym_out}")
    out.print(tree)

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    price = _price(route.amount_in, sell.decimals, route.amount_out, buy.decimals)
    table.add_row("price", f"{price} {buy.symbol} per {sell.symbol}")
    table.add_row("price impact", f"{q.impact_bps / 100:.2f}%")
    if q.exact_in:
        table.add_row("minimum received", f"{format_units(q.limit, buy.decimals)} {buy.symbol} "
                      f"(slippage {q.intent.slippage_bps / 100:.2f}%)")
    else:
        table.add_row("maximum paid", f"{format_units(q.limit, sell.decimals)} {sell.symbol} "
                      f"(slippage {q.intent.slippage_bps / 100:.2f}%)")
    native_wei = route.gas_units * q.gas_price_wei
    scored = buy if q.exact_in else sell
    gwei_places = 3 if q.gas_price_wei >= 10**6 else 9  # devnets run at tiny base fees
    gas_line = (f"{route.gas_units:,} units at {format_units(q.gas_price_wei, 9, places=gwei_places)} gwei "
                f"= {format_units(native_wei, 18, places=8)} ETH")
    if route.gas_cost is not None:
        gas_line += f" ≈ {format_units(route.gas_cost, scored.decimals)} {scored.symbol}"
    table.add_row("gas", gas_line)
    if q.exact_in:
        table.add_row("net of gas", f"{format_units(route.net_amount, buy.decimals)} {buy.symbol}")
    else:
        table.add_row("cost with gas", f"{format_units(route.net_amount, sell.decimals)} {sell.symbol}")
    import time

    age = max(0.0, time.time() - q.market.read_at)
    table.add_row("block", f"{q.market.block_number:,} (read {age:.1f} s ago)")
    out.print(table)
    if explain:
        render_explain(q, out)


def _price(amount_in: int, dec_in: int, amount_out: int, dec_out: int) -> str:
    value = (Decimal(amount_out).scaleb(-dec_out) / Decimal(amount_in).scaleb(-dec_in))
    return f"{value:,.6g}" if value < 1 else f"{value:,.4f}"


def render_explain(q: Quote, out) -> None:
    from rich import box
    from rich.table import Table

    r = q.result
    scored = q.buy if q.exact_in else q.sell
    # no vertical rules: the figures need the width on an 80-column terminal
    table = Table(title=f"alternatives considered ({r.paths_considered} paths, "
                        f"{r.candidates} split candidates)", box=box.SIMPLE_HEAD, pad_edge=False)
    rows = []
    for name, route in (("chosen", q.route), ("best single path", r.best_single),
                        ("split ignoring gas", r.best_split_gross), ("5% grid split", r.grid_split)):
        if route is None:
            rows.append((name, "-", "-", "n/a", "-", "-", "-"))
            continue
        gross = route.amount_out if q.exact_in else route.amount_in
        diff = route.net_amount - q.route.net_amount
        bps = diff * 10_000 / q.route.net_amount if q.route.net_amount else 0
        rows.append((name, str(len(route.legs)), str(route.hop_count),
                     format_units(gross, scored.decimals),
                     format_units(route.gas_cost or 0, scored.decimals),
                     format_units(route.net_amount, scored.decimals),
                     "—" if route == q.route else f"{bps:+.2f} bp"))
    for k, col in enumerate(("route", "legs", "hops", "gross", "gas", "net", "vs chosen")):
        if col == "route":  # the label wraps on a narrow terminal; the figures never do
            table.add_column(col, justify="left", min_width=8)
        else:
            table.add_column(col, justify="right", no_wrap=True,
                             min_width=max(len(col), *(len(row[k]) for row in rows)))
    for row in rows:
        table.add_row(*row)
    out.print(table)
