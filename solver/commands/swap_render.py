"""Human output of `solver swap`: the simulation report, the confirmation prompt, the send report."""

from __future__ import annotations

from typing import Any

from solver.units import format_units


def _tokens(quote: Any) -> dict[str, tuple[str, int]]:
    """Balance-change keys (token address or ETH) -> (symbol, decimals)."""
    names = {"ETH": ("ETH", 18)}
    for token in (quote.sell, quote.buy):
        names[token.address] = ("WETH" if token.symbol == "ETH" else token.symbol, token.decimals)
    return names


def _sides(quote: Any, plan: Any) -> tuple[tuple[str, int], tuple[str, int]]:
    sell = ("ETH" if plan.native_in else quote.sell.symbol, quote.sell.decimals)
    buy = ("ETH" if plan.native_out else quote.buy.symbol, quote.buy.decimals)
    return sell, buy


def _amount(value: int, side: tuple[str, int]) -> str:
    return f"{format_units(value, side[1])} {side[0]}"


def _diff(realized: int, quoted: int, side: tuple[str, int]) -> str:
    delta = realized - quoted
    if delta == 0:
        return "exactly as quoted"
    sign = "+" if delta > 0 else "-"
    return f"{sign}{format_units(abs(delta), side[1])} {side[0]} vs quote ({delta:+d} base units)"


def simulation_table(quote: Any, plan: Any, sim: Any):
    from rich.table import Table

    sell, buy = _sides(quote, plan)
    table = Table(title=f"simulation on a fork at block {sim.fork_block}", show_header=False,
                  title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    status = "[green]succeeded[/green]" if sim.ok else f"[red]reverted[/red]: {sim.revert.reason}"
    table.add_row("status", status)
    table.add_row("sender", sim.sender + ("" if sim.recipient == sim.sender else f" → {sim.recipient}"))
    table.add_row("paid", f"{_amount(sim.amount_in, sell)} ({_diff(sim.amount_in, plan.amount_in, sell)})")
    table.add_row("received", f"{_amount(sim.amount_out, buy)} ({_diff(sim.amount_out, plan.amount_out, buy)})")
    limit_side = buy if plan.kind == "exact_in" else sell
    label = "on-chain minimum" if plan.kind == "exact_in" else "on-chain maximum in"
    table.add_row(label, _amount(plan.limit, limit_side) + ("" if sim.meets_limit else " [red](broken)[/red]"))
    error = f" ({sim.gas_error_pct:+.1f}% vs estimate {sim.gas_estimate:,})" if sim.gas_error_pct is not None else ""
    table.add_row("gas used", f"{sim.gas_used:,}{error}")
    for approval in sim.approvals:
        table.add_row("approval", f"approve({approval['spender']}, {approval['amount']}) "
                                  f"gas {approval['gas_used']:,}")
    names = _tokens(quote)
    for holder, changes in sim.balance_changes.items():
        moved = [f"{format_units(d, names[t][1]) if d < 0 else '+' + format_units(d, names[t][1])} "
                 f"{names[t][0]}" for t, d in changes.items() if d]
        table.add_row(f"balance {holder[:8]}…", ", ".join(moved) or "no change")
    table.add_row("time", f"{sim.timings_ms.get('total', 0):.0f} ms "
                          f"(fork start {sim.timings_ms.get('fork_start', 0):.0f} ms)")
    if sim.fork_url:
        table.add_row("fork", f"{sim.fork_url} (anvil pid {sim.fork_pid}; stop it with `kill {sim.fork_pid}`)")
    return table


def render_simulation(quote: Any, plan: Any, sim: Any, chain: Any) -> None:
    from solver.render import render_quote
    from solver.ui import console

    from solver.tokens import TokenBook

    book = TokenBook.from_chain(chain)
    render_quote(quote, symbols={t.address: t.symbol for t in book},
                 decimals={t.address: t.decimals for t in book})
    console().print(simulation_table(quote, plan, sim))


def confirm_prompt(quote: Any, plan: Any, sim: Any, chain: Any) -> bool:
    """The summary and a y/N question on stderr; anything but yes (or EOF) declines."""
    import sys

    from solver.ui import console

    err = console(stderr=True)
    sell, buy = _sides(quote, plan)
    err.print(simulation_table(quote, plan, sim))
    err.print(f"[bold]send[/bold] {_amount(plan.amount_in, sell)} for {_amount(plan.amount_out, buy)} "
              f"on {chain.name} (chain {chain.chain_id}) through router {plan.encoded.to}, "
              f"from {sim.sender}?")
    sys.stderr.write("send this transaction? [y/N] ")
    sys.stderr.flush()
    answer = sys.stdin.readline()
    if not sys.stdin.isatty():  # a piped answer does not echo its newline
        sys.stderr.write("\n")
    return answer.strip().lower() in ("y", "yes")


def render_sent(quote: Any, result: Any, chain: Any) -> None:
    from rich.table import Table

    from solver.ui import console

    plan, receipt, realized = result.plan, result.receipt, result.realized
    sell, buy = _sides(quote, plan)
    table = Table(title=f"sent {result.tx_hash}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("status", f"[green]mined[/green] in block {receipt['block_number']}")
    paid, got = int(realized["amount_in"]), int(realized["amount_out"])
    table.add_row("paid", f"{_amount(paid, sell)} ({_diff(paid, plan.amount_in, sell)})")
    table.add_row("received", f"{_amount(got, buy)} ({_diff(got, plan.amount_out, buy)})")
    table.add_row("gas", f"{receipt['gas_used']:,} used (simulated {result.simulation.gas_used:,}), "
                         f"fee {format_units(int(realized['gas_fee_wei']), 18)} ETH")
    for approval in result.approvals:
        table.add_row("approval", f"{approval['tx_hash']} approve {approval['amount']}")
    if result.requoted:
        table.add_row("note", "the chain moved after the first quote: re-quoted and re-simulated")
    console().print(table)
