"""`solver pools sync` and `solver pools list`: discover pools into the cache, show their state."""

from __future__ import annotations

from contextlib import nullcontext
from decimal import Decimal, localcontext

from routes.pools import V2Pool, V3Pool
from solver.context import AppContext
from solver.discovery import PoolRef, cache_path
from solver.reader import RpcChainReader, Snapshot, open_reader
from solver.rpc import run
from solver.units import format_units


async def _tokens(reader: RpcChainReader, refs: tuple[PoolRef, ...]) -> dict[str, tuple[str, int]]:
    """address (lower) -> (symbol, decimals): from the config, else read from the chain."""
    chain = reader.chain
    known = {t.address.lower(): (t.symbol, t.decimals) for t in chain.tokens}
    unknown = sorted({a for r in refs for a in (r.token0, r.token1) if a.lower() not in known})
    if unknown:
        for meta in await reader.token_metadata(unknown):
            known[meta.address.lower()] = (meta.symbol, meta.decimals)
    return known


def _progress(ctx: AppContext):
    if ctx.json:
        return nullcontext(None)
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from solver.ui import console

    return Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                    TimeElapsedColumn(), console=console(stderr=True), transient=True)


async def _sync(ctx: AppContext) -> dict:
    chain = ctx.chain
    reader = open_reader(chain)
    async with reader.rpc:
        with _progress(ctx) as progress:
            task = progress.add_task("asking the factories", total=3) if progress else None
            refs = await reader.discover_pools(refresh=True)
            if progress:
                progress.update(task, advance=1, description=f"reading {len(refs)} pools")
            snap = await reader.snapshot(refs)
            if progress:
                progress.update(task, advance=1, description="reading token metadata")
            await _tokens(reader, refs)
            if progress:
                progress.update(task, advance=1, description="done")
        return {
            "ok": True, "schema": "solver.pools.sync/1", "chain_id": snap.chain_id,
            "block_number": snap.block_number, "pools": len(snap.pools),
            "v2_pools": sum(isinstance(p, V2Pool) for p in snap.pools),
            "v3_pools": sum(isinstance(p, V3Pool) for p in snap.pools),
            "uninitialized": list(snap.skipped),
            "tokens": len({a for r in refs for a in (r.token0, r.token1)}),
            "cache": [str(cache_path(chain.chain_id, d)) for d in chain.dexes],
            "round_trips": reader.rpc.round_trips,
        }


def run_sync(ctx: AppContext) -> None:
    """Refresh the pool cache from the factories, then read every pool once to check it."""
    result = run(_sync(ctx))
    if ctx.json:
        from solver.ui import emit_json

        emit_json(result)
        return
    from solver.ui import console

    out = console()
    out.soft_wrap = True
    out.print(f"{result['pools']} pools ({result['v2_pools']} V2, {result['v3_pools']} V3) among "
              f"{result['tokens']} tokens on chain {result['chain_id']} at block "
              f"{result['block_number']}, in {result['round_trips']} round trips")
    if result["uninitialized"]:
        out.print(f"{len(result['uninitialized'])} V3 pools exist but have no price yet")
    for path in result["cache"]:
        out.print(f"cache: {path}")


def _price(pool: V2Pool | V3Pool, d0: int, d1: int) -> Decimal | None:
    """Token1 per token0 in human units (display only)."""
    with localcontext() as dc:
        dc.prec = 40
        if isinstance(pool, V2Pool):
            if pool.reserve0 == 0:
                return None
            raw = Decimal(pool.reserve1) / Decimal(pool.reserve0)
        else:
            raw = (Decimal(pool.sqrt_price_x96) / Decimal(2**96)) ** 2
        return (raw * Decimal(10) ** (d0 - d1)).normalize()


def _short(value: Decimal | None) -> str:
    if value is None:
        return "-"
    with localcontext() as dc:
        dc.prec = 8
        return format(+value, "f") if abs(value) >= Decimal("1e-6") else format(+value, "e")


def _compact(amount: int, decimals: int) -> str:
    """A human amount in at most ~6 significant digits: 12.3M, 4,567.1, 0.0012."""
    value = Decimal(amount).scaleb(-decimals)
    for unit, scale in (("B", Decimal(10) ** 9), ("M", Decimal(10) ** 6), ("k", Decimal(10) ** 3)):
        if value >= scale:
            return f"{value / scale:.2f}{unit}"
    return format_units(amount, decimals, places=4)


def pool_json(pool: V2Pool | V3Pool, tokens: dict[str, tuple[str, int]]) -> dict:
    from solver.addresses import to_checksum

    def token(address: str) -> dict:
        symbol, decimals = tokens.get(address.lower(), ("?", 0))
        return {"address": to_checksum(address), "symbol": symbol, "decimals": decimals}

    t0, t1 = token(pool.token0), token(pool.token1)
    price = _price(pool, t0["decimals"], t1["decimals"])
    out = {"address": to_checksum(pool.address), "dex": pool.dex, "protocol": pool.protocol,
           "token0": t0, "token1": t1,
           "price_token1_per_token0": None if price is None else format(price, "f")}
    if isinstance(pool, V2Pool):
        out.update(fee_pips=pool.fee_bps * 100, reserve0=str(pool.reserve0),
                   reserve1=str(pool.reserve1))
    else:
        out.update(fee_pips=pool.fee, tick_spacing=pool.tick_spacing,
                   sqrt_price_x96=str(pool.sqrt_price_x96), tick=pool.tick,
                   liquidity=str(pool.liquidity), tick_count=len(pool.ticks),
                   scan_lo=pool.scan_lo, scan_hi=pool.scan_hi)
    return out


async def _list(ctx: AppContext) -> tuple[Snapshot, dict]:
    reader = open_reader(ctx.chain)
    async with reader.rpc:
        refs = await reader.discover_pools()
        snap = await reader.snapshot(refs)
        return snap, await _tokens(reader, refs)


def run_list(ctx: AppContext) -> None:
    """Every known pool with its live state: a table, or JSON."""
    snap, tokens = run(_list(ctx))
    rows = [pool_json(p, tokens) for p in snap.pools]
    if ctx.json:
        from solver.ui import emit_json

        emit_json({"ok": True, "schema": "solver.pools/1", "chain_id": snap.chain_id,
                   "block_number": snap.block_number, "pools": rows})
        return
    from rich.table import Table

    from solver.ui import console

    table = Table(title=f"{len(rows)} pools on chain {snap.chain_id} at block {snap.block_number}")
    for name, justify in (("pool", "left"), ("dex", "left"), ("tokens", "left"), ("fee", "right"),
                          ("price", "right"), ("reserves / L", "right"), ("ticks", "right")):
        table.add_column(name, justify=justify, no_wrap=True)
    for pool, row in zip(snap.pools, rows):
        s0, s1 = row["token0"]["symbol"], row["token1"]["symbol"]
        fee = f"{Decimal(row['fee_pips']) / Decimal(10_000):f}%"
        price = _price(pool, row["token0"]["decimals"], row["token1"]["decimals"])
        if isinstance(pool, V2Pool):
            depth = (f"{_compact(pool.reserve0, row['token0']['decimals'])} / "
                     f"{_compact(pool.reserve1, row['token1']['decimals'])}")
            ticks = "-"
        else:
            depth = f"L={pool.liquidity:.3e}"
            ticks = str(len(pool.ticks))
        address = row["address"]
        table.add_row(f"{address[:6]}…{address[-4:]}", row["dex"], f"{s0}/{s1}", fee,
                      _short(price), depth, ticks)
    out = console()
    if not out.is_terminal:
        out.width = max(out.width, 120)  # a pipe has no width: don't squeeze the table
    out.print(table)
    out.print("price: token1 per token0 (the second symbol per the first); reserves: token0 / token1",
              style="dim")
