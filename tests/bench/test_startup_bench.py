"""Start-up cost of the CLI, side by side with a bare interpreter in the same run.

Run: python -m pytest tests/bench/test_startup_bench.py --benchmark-only
The ratio (solver --help / python -c pass) is what we report; absolute times depend on
the machine's load.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "solver --help": [sys.executable, "-m", "solver.cli", "--help"],
    "solver parse": [sys.executable, "-m", "solver.cli", "parse", "swap 1 WETH for USDC", "--json"],
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_startup(benchmark, name):
    argv = COMMANDS[name]

    def launch() -> int:
        return subprocess.run(argv, capture_output=True).returncode

    code = benchmark.pedantic(launch, rounds=15, iterations=1, warmup_rounds=2)
    assert code == 0
