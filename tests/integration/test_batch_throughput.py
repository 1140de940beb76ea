"""Batch throughput on the devnet: one warm process, measured side by side with a 1-line batch
so that start-up and the first state read cancel out. A benchmark, not a timed test: it
prints the figure and checks only that every line was answered."""

from __future__ import annotations

import json
import time

import pytest

from tests.cli.helpers import run_solver

pytestmark = pytest.mark.integration

INTENTS = ["swap 1 WETH for USDC", "sell 2,500 USDC for WBTC", "swap 3 WETH for USDT",
           "buy 0.1 WBTC with USDT", "swap 1000 DAI for LINK", "swap 0.5 WBTC for WETH"]


def timed_batch(lines: list[str]) -> tuple[float, list[dict]]:
    started = time.perf_counter()
    result = run_solver("batch", stdin="\n".join(lines) + "\n", timeout=600)
    elapsed = time.perf_counter() - started
    assert result.code == 0, result.stderr[-1000:]
    return elapsed, [json.loads(line) for line in result.stdout.splitlines()]


def test_batch_throughput(devnet):
    lines = [INTENTS[i % len(INTENTS)] for i in range(300)]
    one, _ = timed_batch(lines[:1])
    many, outputs = timed_batch(lines)
    assert len(outputs) == 300 and all(o["ok"] for o in outputs)
    per_quote_s = max(many - one, 1e-9) / (len(lines) - 1)
    print(f"\nbatch: {len(lines)} quotes in {many:.2f} s, 1 quote in {one:.2f} s "
          f"-> warm throughput {1 / per_quote_s:.0f} quotes/s")
