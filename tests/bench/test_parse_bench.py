"""How fast intents parse (goal: under 5 ms each) and what `solver parse` costs to start.

Run: python -m pytest tests/bench/test_parse_bench.py --benchmark-only -s
The start-up test prints its figures next to a bare `python -c pass` from the same run.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time

import pytest

from solver.config import Defaults
from solver.intent import parse_intent, read_intent
from solver.tokens import TokenBook

BOOK = TokenBook.builtin_mainnet(chain_name="devnet")
INTENTS = [
    "swap 2.5 WETH for USDC",
    "swap 2.5 WETH for USDC, max slippage 0.3%, within 2 minutes",
    "buy 0.1 WBTC with USDT paying at most 3,000 USDT",
    "sell 1 WETH at a price of at least 2700 USDC per WETH, at most 2 hops, via uniswap-v3 only",
    "swap all my ETH for DAI avoid USDT, uniswap v2, no split, max gas 30 gwei, "
    "send to 0xd8dA6BF26964aF9D7eEd9e03E53415D37aA96045",
    "swap $500 worth of WETH for USDC limit 2700 deadline 5m 0.5% slippage",
]


def parse_all() -> None:
    for text in INTENTS:
        parse_intent(text, tokens=BOOK, defaults=Defaults())


def test_parse_time_per_intent(benchmark):
    parse_all()  # build the parser outside the measurement
    benchmark(parse_all)  # the pytest-benchmark table, when run with --benchmark-enable
    # Our own figure too, since pyproject disables pytest-benchmark by default.
    rounds = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(20):
            parse_all()
        rounds.append((time.perf_counter() - start) / (20 * len(INTENTS)))
    best_ms, median_ms = min(rounds) * 1000, statistics.median(rounds) * 1000
    print(f"\nparse: {median_ms:.3f} ms per intent (median of 5 rounds), best {best_ms:.3f} ms")
    assert best_ms < 5


def test_syntax_step_alone(benchmark):
    text = INTENTS[3]
    read_intent(text)
    benchmark(read_intent, text)


def _median_run_s(argv: list[str], env: dict, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, env=env, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@pytest.fixture
def offline_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SOLVER_CONFIG"}
    env.update(HOME=str(tmp_path), SOLVER_HOME=str(tmp_path / "solver"),
               SOLVER_CACHE=str(tmp_path / "cache"))
    return env


def test_startup_against_bare_python(offline_env):
    """solver parse --json vs python -c pass, medians of several runs in this same process."""
    solver = shutil.which("solver")
    cli = [solver] if solver else [sys.executable, "-m", "solver.cli"]
    parse = [*cli, "parse", INTENTS[1], "--json"]
    subprocess.run(parse, capture_output=True, env=offline_env)  # writes the parser cache
    bare = _median_run_s([sys.executable, "-c", "pass"], offline_env)
    warm = _median_run_s(parse, offline_env)
    human = _median_run_s([*cli, "parse", INTENTS[1]], offline_env)
    imports = _median_run_s([sys.executable, "-c", "import solver.intent.parser, lark"],
                            offline_env)
    print(f"\npython -c pass: {bare * 1000:.0f} ms; solver parse --json: {warm * 1000:.0f} ms; "
          f"solver parse (table): {human * 1000:.0f} ms; import lark+parser: "
          f"{imports * 1000:.0f} ms")
    assert warm < bare + 2.0  # a loose bound: loaded CI machines vary a lot
