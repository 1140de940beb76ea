"""`solver tokens [SEARCH]`: the known tokens of the selected chain."""

from __future__ import annotations

from solver.context import AppContext
from solver.ui import emit_json


def run_tokens(ctx: AppContext, search: str | None) -> None:
    from solver.tokens import TokenBook

    offline = getattr(ctx, "config_for_offline", None)
    config = offline() if callable(offline) else ctx.config
    chain = config.chain(ctx.chain_name)
    book = TokenBook.from_chain(chain)
    needle = (search or "").lower()
    rows = sorted((t for t in book if not needle or needle in t.symbol.lower()
                   or needle in t.name.lower() or needle in t.address.lower()),
                  key=lambda t: t.symbol.lower())
    if ctx.json:
        emit_json({"ok": True, "schema": "solver.tokens/1", "chain": chain.name,
                   "tokens": [{**t.to_json(), "name": t.name} for t in rows]})
        return
    from rich.table import Table

    from solver.ui import console

    table = Table(title=f"tokens on {chain.name} ({len(rows)})")
    for col in ("symbol", "name", "decimals", "address"):
        table.add_column(col)
    for t in rows:
        table.add_row(t.symbol, t.name, str(t.decimals), t.address)
    console().print(table)
