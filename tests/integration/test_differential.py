"""Differential test: off-chain routes.swap against the real contracts on the devnet, to the wei.

Seeded random cases over every devnet pool, both directions, exact input and exact output:
- V3 against QuoterV2 quoteExactInputSingle / quoteExactOutputSingle (amount, price after,
  initialized ticks crossed), and against the pool itself through a swap probe, which also
  tells how much a partial fill really took in;
- V2 against Router02 getAmountsOut / getAmountsIn.
Amounts run from a few wei to past all liquidity, so the cases cross many ticks and exhaust
pools. All on-chain answers come from one JSON-RPC batch at the snapshot's block.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from dataclasses import dataclass

import pytest

from routes.pools import V2Pool, V3Pool
from routes.swap import swap_exact_in, swap_exact_out
from routes.tick_math import MAX_SQRT_RATIO, MIN_SQRT_RATIO
from routes.v3_swap import swap_v3_exact_in
from reader_support import (Onchain, at_block, contract, make_reader, parse_probe, parse_quoter,
                            parse_router, probe_call, quoter_call, router_call)

pytestmark = pytest.mark.integration

SEED = 20240611
AMOUNTS_PER_SIDE = 13  # per pool x direction x kind: 4 x 13 = 52 cases per pool
PROBE_SAMPLE = 0.15  # share of complete V3 cases also checked against the pool itself
HUGE = 2**180


@dataclass(frozen=True, slots=True)
class Case:
    pool: V2Pool | V3Pool
    zero_for_one: bool
    exact_in: bool
    amount: int

    @property
    def token_in(self) -> str:
        return self.pool.token0 if self.zero_for_one else self.pool.token1

    @property
    def token_out(self) -> str:
        return self.pool.token1 if self.zero_for_one else self.pool.token0

    def label(self) -> str:
        kind = "in" if self.exact_in else "out"
        fee = self.pool.fee if isinstance(self.pool, V3Pool) else "v2"
        return f"{self.pool.address} fee={fee} zfo={self.zero_for_one} exact_{kind} {self.amount}"


def capacity(pool, token_in: str, exact_in: bool) -> tuple[int, int]:
    """(deep, full): what moves the price 256x (V3) or takes the reserve's size (V2), and the
    most the pool can take in (exact in) or give out (exact out) at all, off-chain."""
    if isinstance(pool, V2Pool):
        r_in, r_out = ((pool.reserve0, pool.reserve1) if token_in == pool.token0
                       else (pool.reserve1, pool.reserve0))
        return (r_in, r_in) if exact_in else (r_out, r_out)
    full = swap_exact_in(pool, token_in, HUGE)
    zero_for_one = token_in == pool.token0
    limit = pool.sqrt_price_x96 // 16 if zero_for_one else pool.sqrt_price_x96 * 16
    limit = min(max(limit, MIN_SQRT_RATIO + 1), MAX_SQRT_RATIO - 1)
    deep = swap_v3_exact_in(pool, token_in, HUGE, limit)
    if exact_in:
        return max(deep.amount_in, 1), full.amount_in
    return max(deep.amount_out, 1), full.amount_out


def sample_amounts(rng: random.Random, deep: int, cap: int) -> list[int]:
    """A tiny amount, a log-uniform spread up to a 256x price move, and one edge: just under
    the capacity, just over it, or far past it."""
    amounts = [rng.randint(1, 10_000)]
    for _ in range(AMOUNTS_PER_SIDE - 2):
        amounts.append(max(1, int(deep * 10 ** rng.uniform(-9, 0))))
    edge = rng.choice((max(1, cap - rng.randint(1, max(1, cap // 10**6))),
                       cap + rng.randint(1, max(1, cap // 100)),
                       int(cap * rng.uniform(2, 50)) + 1))
    return amounts + [edge]


def make_cases(pools) -> list[Case]:
    rng = random.Random(SEED)
    cases = []
    for pool in pools:
        for zero_for_one in (True, False):
            for exact_in in (True, False):
                token_in = pool.token0 if zero_for_one else pool.token1
                deep, cap = capacity(pool, token_in, exact_in)
                cases += [Case(pool, zero_for_one, exact_in, a)
                          for a in sample_amounts(rng, deep, cap)]
    return cases


def onchain_request(devnet, case: Case, block: int) -> tuple[str, list]:
    if isinstance(case.pool, V2Pool):
        return at_block(router_call(contract(devnet, "v2_router02"), exact_in=case.exact_in,
                                    token_in=case.token_in, token_out=case.token_out,
                                    amount=case.amount), block)
    return at_block(quoter_call(contract(devnet, "quoter_v2"), exact_in=case.exact_in,
                                token_in=case.token_in, token_out=case.token_out,
                                amount=case.amount, fee=case.pool.fee), block)


def probe_request(case: Case, block: int) -> tuple[str, list]:
    return at_block(probe_call(case.pool.address, zero_for_one=case.zero_for_one,
                               exact_in=case.exact_in, amount=case.amount), block, probe=True)


def check_v2(case: Case, off, router: Onchain) -> list[str]:
    if case.exact_in:
        if not router.ok:
            return [f"router reverted ({router.reason}) but off-chain gave {off}"]
        return [] if off.amount_out == router.amount_out else \
            [f"amount_out {off.amount_out} != router {router.amount_out}"]
    if not router.ok:
        return [] if not off.complete else [f"router reverted ({router.reason}), off-chain complete"]
    if not off.complete or off.amount_in != router.amount_in:
        return [f"amount_in {off.amount_in} (complete={off.complete}) != router {router.amount_in}"]
    return []


def check_v3(case: Case, off, quote: Onchain, probe: Onchain | None) -> list[str]:
    errors = []
    if probe is not None and not probe.ok:
        errors.append(f"probe failed: {probe.reason}")
    elif probe is not None and (off.amount_in, off.amount_out) != (probe.amount_in, probe.amount_out):
        errors.append(f"off-chain ({off.amount_in}, {off.amount_out}) != pool "
                      f"({probe.amount_in}, {probe.amount_out})")
    requested = off.amount_in if case.exact_in else off.amount_out
    if off.complete != (requested == case.amount):
        errors.append(f"complete={off.complete} but filled {requested} of {case.amount}")
    if not quote.ok:
        if off.complete:
            errors.append(f"quoter reverted ({quote.reason}) but off-chain is complete")
        return errors
    if off.complete and (off.amount_in, off.amount_out) != (quote.amount_in, quote.amount_out):
        errors.append(f"off-chain ({off.amount_in}, {off.amount_out}) != quoter "
                      f"({quote.amount_in}, {quote.amount_out})")
    if not off.complete and (not case.exact_in or off.amount_out != quote.amount_out):
        errors.append(f"quoter filled ({quote.amount_in}, {quote.amount_out}) but off-chain "
                      f"is partial ({off.amount_in}, {off.amount_out})")
    if off.pool_after.sqrt_price_x96 != quote.sqrt_price_after:
        errors.append(f"price after {off.pool_after.sqrt_price_x96} != quoter {quote.sqrt_price_after}")
    if off.ticks_crossed != quote.ticks_crossed:
        errors.append(f"ticks crossed {off.ticks_crossed} != quoter {quote.ticks_crossed}")
    return errors


def off_chain(case: Case):
    if case.exact_in:
        return swap_exact_in(case.pool, case.token_in, case.amount)
    return swap_exact_out(case.pool, case.token_in, case.amount)


async def run_differential(devnet, tmp_path) -> dict:
    """Round 1: QuoterV2 / Router02 for every case. Round 2: the pool probe for every V3 case
    that is partial on either side, and for a sample of the others."""
    rng = random.Random(SEED + 1)
    reader = make_reader(devnet, tmp_path)
    async with reader.rpc:
        refs = await reader.discover_pools()
        snap = await reader.snapshot(refs)
        block = snap.block_number
        cases = make_cases(snap.pools)
        offs = [off_chain(case) for case in cases]
        answers = await reader.rpc.batch([onchain_request(devnet, c, block) for c in cases],
                                         return_errors=True)
        quotes = [parse_router(a) if isinstance(c.pool, V2Pool) else
                  parse_quoter(a, exact_in=c.exact_in, amount=c.amount)
                  for c, a in zip(cases, answers)]
        probed = [i for i, (c, off, q) in enumerate(zip(cases, offs, quotes))
                  if isinstance(c.pool, V3Pool)
                  and (not off.complete or not q.ok or rng.random() < PROBE_SAMPLE)]
        probe_answers = await reader.rpc.batch([probe_request(cases[i], block) for i in probed],
                                               return_errors=True)
    probes = {i: parse_probe(a, zero_for_one=cases[i].zero_for_one)
              for i, a in zip(probed, probe_answers)}
    failures, stats = [], Counter()
    for i, (case, off, quote) in enumerate(zip(cases, offs, quotes)):
        if isinstance(case.pool, V2Pool):
            errors = check_v2(case, off, quote)
            stats["v2"] += 1
        else:
            errors = check_v3(case, off, quote, probes.get(i))
            stats["v3"] += 1
            stats[f"fee_{case.pool.fee}"] += 1
            stats["multi_tick"] += off.ticks_crossed >= 2
            stats["ten_ticks"] += off.ticks_crossed >= 10
            stats["v3_exhausted"] += not off.complete
            stats["quoter_reverted"] += not quote.ok
            stats["probed"] += i in probes
        stats["exhausted"] += not off.complete
        failures += [f"{case.label()}: {e}" for e in errors]
    return {"cases": len(cases), "pools": snap.pools, "failures": failures, "stats": stats,
            "deployed": {p["address"].lower() for p in devnet.deployment["pools"]}}


def test_off_chain_swaps_equal_the_contracts_to_the_wei(devnet, tmp_path):
    result = asyncio.run(run_differential(devnet, tmp_path))
    stats = result["stats"]
    print(f"\ndifferential: {result['cases']} cases, {len(result['failures'])} failures, {dict(stats)}")
    assert result["cases"] >= 1_000
    assert {p.address.lower() for p in result["pools"]} == result["deployed"]
    assert not result["failures"], "\n".join(result["failures"][:20])
    fees = {p.fee for p in result["pools"] if isinstance(p, V3Pool)}
    assert fees == {p["fee"] for p in devnet.deployment["pools"] if p["protocol"] == "uniswap_v3"}
    assert {100, 500, 3000} <= fees
    assert stats["v2"] > 0 and stats["multi_tick"] > 100 and stats["ten_ticks"] > 20
    assert stats["v3_exhausted"] > 0 and stats["quoter_reverted"] > 0
