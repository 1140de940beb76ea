"""Run the real `solver` console entry in a subprocess, as bots and traders do."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def run_solver(*args: str, env: dict | None = None, stdin: str | None = None,
               timeout: float = 120) -> Result:
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run([sys.executable, "-m", "solver.cli", *args], capture_output=True,
                          text=True, env=full_env, input=stdin, timeout=timeout, cwd=ROOT)
    return Result(proc.returncode, proc.stdout, proc.stderr)


CHAIN_TEMPLATE = """
[defaults]
chain = "local"

[chains.local]
chain_id = {chain_id}
rpc_url = "{url}"
multicall3 = "0xcA11bde05977b3631167028862bE2a173976CA11"
wrapped_native = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
router = "0x68b3465833fb72A70ecDF485E0e4C7bD8665Fc45"

[[chains.local.dexes]]
name = "uniswap-v2"
kind = "uniswap_v2"
factory = "0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f"
"""


def write_config(tmp_path: Path, *, url: str, chain_id: int = 1) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CHAIN_TEMPLATE.format(url=url, chain_id=chain_id))
    return path
