"""Gas model: units per route from its hops and ticks, and their cost in the token being scored.

units = base + sum over hops of (per-hop units for its protocol + per-tick units * initialized
ticks crossed). The defaults below are plausible figures for SwapRouter02 on mainnet, NOT
measurements; the devnet calibration (solver side) replaces them by passing its own GasModel.

The cost is converted into the scored token with a `NativePrice`: how much of that token one
amount of the native token is worth, as a pair of integers so that no float touches an amount.
"""

from __future__ import annotations

from dataclasses import dataclass

from routes.pools import UNISWAP_V2


@dataclass(frozen=True, slots=True)
class GasModel:
    """Gas units. Defaults are uncalibrated placeholders (see module docstring)."""

    base: int = 50_000
    v2_hop: int = 60_000
    v3_hop: int = 75_000
    v3_tick: int = 10_000

    def hop_units(self, protocol: str, ticks_crossed: int = 0) -> int:
        if protocol == UNISWAP_V2:
            return self.v2_hop
        return self.v3_hop + self.v3_tick * ticks_crossed

    def route_units(self, legs) -> int:
        """Units for legs of Hops (routes.route.Hop): the base once, then every hop of every leg."""
        return self.base + sum(self.hop_units(h.protocol, h.ticks_crossed) for leg in legs for h in leg)


@dataclass(frozen=True, slots=True)
class NativePrice:
    """`token_amount` of the scored token is worth `native_amount` wei of the native token."""

    native_amount: int
    token_amount: int

    def __post_init__(self) -> None:
        if self.native_amount <= 0 or self.token_amount < 0:
            raise ValueError("a native price needs a positive native amount")

    def convert(self, wei: int) -> int:
        """`wei` of native in the scored token, rounded up: a cost is never understated."""
        return -(-wei * self.token_amount // self.native_amount)

    def rate(self) -> float:
        """Scored-token units per wei, for the float optimizer only."""
        return self.token_amount / self.native_amount


IDENTITY = NativePrice(1, 1)


def gas_cost(units: int, gas_price_wei: int, price: NativePrice | None) -> int | None:
    """Cost of `units` at `gas_price_wei` in the scored token; None when it can't be priced."""
    if gas_price_wei <= 0:
        return 0
    if price is None:
        return None
    return price.convert(units * gas_price_wei)
