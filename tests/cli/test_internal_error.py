"""Exit 1 is a bug: the user gets one line telling them to rerun with --debug, never a
traceback (unless --debug), and --debug prints a traceback without local variables."""

from __future__ import annotations

import json
import subprocess
import sys

CRASH = """
import sys
import solver.commands.parse as p
def boom(ctx, text):
    secret_local = "do-not-print-me"
    raise RuntimeError("boom")
p.run_parse = boom
sys.argv = ["solver"] + sys.argv[1:]
from solver.cli import main
main()
"""


def run_crash(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CRASH, *args], capture_output=True, text=True,
                          timeout=60)


def test_unexpected_exception_is_exit_1_with_a_hint():
    proc = run_crash("parse", "swap 1 WETH for USDC")
    assert proc.returncode == 1
    assert "rerun with --debug" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_unexpected_exception_in_json_mode():
    proc = run_crash("parse", "swap 1 WETH for USDC", "--json")
    assert proc.returncode == 1
    error = json.loads(proc.stdout)["error"]
    assert error["exit_code"] == 1 and error["code"] == "internal_error"


def test_debug_shows_a_traceback_without_locals():
    proc = run_crash("parse", "swap 1 WETH for USDC", "--debug")
    assert proc.returncode == 1
    assert "Traceback" in proc.stderr and "RuntimeError: boom" in proc.stderr
    assert "do-not-print-me" not in proc.stderr
