"""One quote: an intent and a market in, the INTERFACE.md JSON object out.

The steps are plain: build the RouteRequest from the intent's constraints, route, then
check what the router can't know (explicit minimum, gas-price cap), then shape the output.
Amounts stay integers all the way; they become decimal strings only in the JSON.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from routes.route import EXACT_IN, Route, price_impact_bps
from routes.router import RouteRequest, RouteResult
from solver.calibrate import CALIBRATED
from solver.engine import Market, QuoteEngine, gas_price_for_scoring
from solver.intent.bounds import effective_max_in, effective_min_out
from solver.errors import NoRouteError
from solver.tokens import TokenInfo
from solver.units import format_units

SCHEMA = "solver.quote/1"


@dataclass(frozen=True, slots=True)
class Quote:
    """Everything the renderers and the executor need about one quote."""

    intent: Any
    market: Market
    result: RouteResult
    route: Route
    sell: TokenInfo
    buy: TokenInfo
    limit: int            # min_amount_out for exact_in, max_amount_in for exact_out
    gas_price_wei: int
    impact_bps: int

    @property
    def exact_in(self) -> bool:
        return self.route.kind == EXACT_IN


def build_request(intent, *, amount: int, gas_price_wei: int, wrapped_native: str,
                  explain: bool) -> RouteRequest:
    return RouteRequest(
        sell=intent.sell, buy=intent.buy, amount=amount, kind=intent.kind,
        max_hops=intent.max_hops,
        allow_protocols=frozenset(intent.allow_protocols) if intent.allow_protocols is not None else None,
        deny_protocols=frozenset(intent.deny_protocols),
        avoid_tokens=frozenset(t.address for t in intent.avoid_tokens),
        split=intent.split, gas_price_wei=gas_price_wei, wrapped_native=wrapped_native,
        gas_model=CALIBRATED, explain=explain)


def quote_on_market(engine: QuoteEngine, market: Market, intent, *, amount: int,
                    explain: bool = False) -> Quote:
    """Route the intent on `market` and enforce every constraint; raise NoRouteError (exit 3)."""
    sell, buy = intent.sell_token, intent.buy_token
    gas_price = gas_price_for_scoring(market.snapshot)
    if intent.max_gas_price_wei is not None and gas_price > intent.max_gas_price_wei:
        raise NoRouteError(
            f"gas price {format_units(gas_price, 9, places=2)} gwei is above your cap of "
            f"{format_units(intent.max_gas_price_wei, 9, places=2)} gwei",
            hint="wait for cheaper gas or raise 'max gas'", code="gas_price_over_cap")
    request = build_request(intent, amount=amount, gas_price_wei=gas_price,
                            wrapped_native=engine.chain.wrapped_native, explain=explain)
    result = engine.route(market, request)
    route = result.route
    if route is None:
        raise NoRouteError(_no_route_message(result, request, sell, buy),
                           hint=_no_route_hint(intent), code="no_route",
                           context=_fill_context(result, request))
    if intent.kind == EXACT_IN:
        explicit = intent.min_amount_out
        if explicit is not None:
            if route.amount_out < explicit:
                raise NoRouteError(
                    f"best achievable {format_units(route.amount_out, buy.decimals)} {buy.symbol} "
                    f"< your minimum {format_units(explicit, buy.decimals)} {buy.symbol}",
                    hint="lower the minimum or the amount", code="min_out_unreachable")
        # the stricter of slippage and explicit minimum wins (docs/intent-language.md)
        limit = effective_min_out(route.amount_out, slippage_bps=intent.slippage_bps,
                                  min_amount_out=explicit)
    else:
        explicit = intent.max_amount_in
        if explicit is not None:
            if route.amount_in > explicit:
                raise NoRouteError(
                    f"cheapest achievable {format_units(route.amount_in, sell.decimals)} "
                    f"{sell.symbol} > your maximum {format_units(explicit, sell.decimals)} {sell.symbol}",
                    hint="raise the maximum or lower the amount", code="max_in_unreachable")
        limit = effective_max_in(route.amount_in, slippage_bps=intent.slippage_bps,
                                 max_amount_in=explicit)
    return Quote(intent, market, result, route, sell, buy, limit, gas_price, price_impact_bps(route))


def _humanise(reason: str, sell: TokenInfo, buy: TokenInfo) -> str:
    """The router speaks in addresses; a trader reads symbols."""
    return reason.replace(sell.address, sell.symbol).replace(buy.address, buy.symbol)


def _no_route_message(result: RouteResult, request: RouteRequest, sell: TokenInfo, buy: TokenInfo) -> str:
    """The router's reason for a trader: symbols, and a fill in token units, not base units."""
    if result.max_fill is None:
        return _humanise(result.reason or "no route", sell, buy)
    token = sell if request.kind == EXACT_IN else buy
    places = min(token.decimals, 6)  # JSON's max_fill keeps every base unit
    return (f"not enough liquidity: best fills {format_units(result.max_fill, token.decimals, places=places)}"
            f" of {format_units(request.amount, token.decimals, places=places)} {token.symbol}")


def _fill_context(result: RouteResult, request: RouteRequest) -> dict:
    """For bots: the fill the router could do and the amount asked, both in base units."""
    if result.max_fill is None:
        return {}
    return {"max_fill": str(result.max_fill), "amount": str(request.amount)}


def _no_route_hint(intent) -> str:
    if intent.max_hops < 3 or intent.avoid_tokens or intent.allow_protocols or intent.deny_protocols:
        return "relax the routing constraints (hops, avoided tokens, protocols)"
    return "try a smaller amount, or check `solver pools list` for pools of these tokens"


# --- JSON ---------------------------------------------------------------------------------

def route_to_json(route: Route) -> list[dict]:
    return [{"share_bps": leg.share_bps, "amount_in": str(leg.amount_in),
             "amount_out": str(leg.amount_out),
             "hops": [{"protocol": h.protocol, "dex": h.pool.dex, "pool": h.pool.address,
                       "fee": h.fee_pips, "token_in": h.token_in, "token_out": h.token_out,
                       "amount_in": str(h.amount_in), "amount_out": str(h.amount_out),
                       "ticks_crossed": h.ticks_crossed}
                      for h in leg.hops]}
            for leg in route.legs]


def quote_to_json(q: Quote, *, tx: dict | None = None, explain: bool = False) -> dict:
    route = q.route
    market = q.market
    cost = route.gas_cost
    out: dict[str, Any] = {
        "ok": True, "schema": SCHEMA,
        "chain_id": market.snapshot.chain_id, "block_number": market.block_number,
        "block_age_s": round(max(0.0, time.time() - market.read_at), 3),
        "intent": q.intent.to_json(),
        "sell_token": q.sell.to_json(), "buy_token": q.buy.to_json(),
        "amount_in": str(route.amount_in), "amount_out": str(route.amount_out),
    }
    if q.exact_in:
        out["min_amount_out"] = str(q.limit)
    else:
        out["max_amount_in"] = str(q.limit)
    out["gas"] = {"units": route.gas_units, "price_wei": str(q.gas_price_wei),
                  "cost_in_buy_token": str(cost) if q.exact_in and cost is not None else None}
    if not q.exact_in:
        out["gas"]["cost_in_sell_token"] = str(cost) if cost is not None else None
    if q.exact_in:
        out["net_amount_out"] = str(route.net_amount)
    else:
        out["net_amount_in"] = str(route.net_amount)
    out["price_impact_bps"] = q.impact_bps
    out["routes"] = route_to_json(route)
    out["warnings"] = price_warnings(q)
    if tx is not None:
        out["tx"] = tx
    if explain:
        out["explain"] = explain_to_json(q)
    return out


def price_warnings(q: Quote) -> list[dict]:
    """The manipulation guard's flags that concern this trade: pools among the tokens the
    route touches (sell, buy and every hop). `warnings` is always present in the JSON, an
    empty list when nothing is flagged."""
    touched = {q.sell.address, q.buy.address}
    used = set()
    for leg in q.route.legs:
        for hop in leg.hops:
            touched |= {hop.token_in, hop.token_out}
            used.add(hop.pool.address)
    return [{"code": "pool_price_deviation", "pool": d.pool, "token0": d.token0,
             "token1": d.token1, "deviation_bps": d.deviation_bps, "sources": d.sources,
             "excluded": d.excluded, "in_route": d.pool in used,
             "message": f"pool {d.pool} mid price is {d.deviation_bps / 100:.2f}% off the rest of "
                        f"the market for its pair ({d.sources} sources)"
                        + ("; excluded from routing" if d.excluded else "")}
            for d in q.market.deviations if d.token0 in touched and d.token1 in touched]


def alternative_to_json(name: str, route: Route | None, chosen: Route) -> dict:
    if route is None:
        return {"name": name, "available": False}
    return {"name": name, "available": True, "chosen": route == chosen,
            "amount_in": str(route.amount_in), "amount_out": str(route.amount_out),
            "gas_units": route.gas_units,
            "gas_cost": str(route.gas_cost) if route.gas_cost is not None else None,
            "net_amount": str(route.net_amount), "legs": len(route.legs),
            "hops": route.hop_count, "routes": route_to_json(route)}


def explain_to_json(q: Quote) -> dict:
    r = q.result
    return {"paths_considered": r.paths_considered, "split_candidates": r.candidates,
            "alternatives": [alternative_to_json("chosen", q.route, q.route),
                             alternative_to_json("best_single_path", r.best_single, q.route),
                             alternative_to_json("best_split_ignoring_gas", r.best_split_gross, q.route),
                             alternative_to_json("grid_split_5pct", r.grid_split, q.route)]}
