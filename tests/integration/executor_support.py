"""Helpers for the executor's devnet tests: the CLI in a subprocess, pool-state fingerprints,
Swap-event decoding, and a JSON-RPC relay that can hang (a private endpoint gone silent)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from eth_abi import encode as abi_encode

from solver import encode as enc
from solver.addresses import to_checksum

ROOT = Path(__file__).resolve().parents[2]

# anvil's default accounts (the public test mnemonic); account 0 deploys the devnet.
ALICE = (to_checksum("0x70997970c51812dc3a010c7d01b50e0d17dc79c8"),
         "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
BOB = (to_checksum("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc"),
       "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
CAROL = (to_checksum("0x90f79bf6eb2c4f870365e785982e1f101e93b906"),
         "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6")

V3_SWAP_TOPIC = "0xc42079f94a6350d7e6235f29174924f928cc2ac818eb64fed8004e115fbcca67"
V2_SWAP_TOPIC = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:
        return json.loads(self.stdout)


def solver_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SOLVER_HOME"}
    return {**env, "SOLVER_HOME": str(home), "NO_COLOR": "1", **extra}


def run_cli(*args: str, home: Path, config: Path, env: dict | None = None, stdin: str = "",
            timeout: float = 120) -> Run:
    proc = subprocess.run([sys.executable, "-m", "solver.cli", *args, "--config", str(config)],
                          capture_output=True, text=True, input=stdin, timeout=timeout, cwd=ROOT,
                          env=solver_env(home, **(env or {})))
    return Run(proc.returncode, proc.stdout, proc.stderr)


def start_cli(*args: str, home: Path, config: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "solver.cli", *args, "--config", str(config)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                            stdin=subprocess.DEVNULL, env=solver_env(home, **(env or {})))


def pool_fingerprint(devnet) -> dict:
    """Block, and every pool's reserves / slot0 / liquidity, in one batch."""
    calls, keys = [], []
    for pool in devnet.deployment["pools"]:
        address = pool["address"]
        if pool["protocol"] == "uniswap_v2":
            calls.append(("eth_call", [{"to": address, "data": "0x0902f1ac"}, "latest"]))  # getReserves()
            keys.append((address, "reserves"))
        else:
            calls.append(("eth_call", [{"to": address, "data": "0x3850c7bd"}, "latest"]))  # slot0()
            calls.append(("eth_call", [{"to": address, "data": "0x1a686502"}, "latest"]))  # liquidity()
            keys += [(address, "slot0"), (address, "liquidity")]
    calls.append(("eth_getBlockByNumber", ["latest", False]))
    answers = devnet.batch(calls)
    block = answers.pop()
    state = {f"{a}:{k}": v for (a, k), v in zip(keys, answers)}
    return {"block": int(block["number"], 16), "hash": block["hash"], "pools": state}


def erc20_balance(devnet, token: str, holder: str, block: str = "latest") -> int:
    data = "0x" + enc.encode_balance_of(holder).hex()
    return int(devnet.call("eth_call", [{"to": token, "data": data}, block]), 16)


def eth_balance(devnet, holder: str, block: str = "latest") -> int:
    return int(devnet.call("eth_getBalance", [holder, block]), 16)


def nonce_of(devnet, holder: str, tag: str = "latest") -> int:
    return int(devnet.call("eth_getTransactionCount", [holder, tag]), 16)


def swap_events(receipt: dict) -> list[tuple[str, int, int]]:
    """(pool, amount0 into pool, amount1 into pool) of every V2/V3 Swap, in log order."""
    events = []
    for log in receipt["logs"]:
        topic = log["topics"][0] if log["topics"] else None
        words = [int(log["data"][2 + 64 * i: 2 + 64 * (i + 1)], 16) for i in range((len(log["data"]) - 2) // 64)]
        if topic == V3_SWAP_TOPIC:
            signed = [w - 2**256 if w >> 255 else w for w in words[:2]]
            events.append((log["address"].lower(), signed[0], signed[1]))
        elif topic == V2_SWAP_TOPIC:
            in0, in1, out0, out1 = words[:4]
            events.append((log["address"].lower(), in0 - out0, in1 - out1))
    return events


def hop_deltas(hop) -> tuple[int, int]:
    """What the quote says this hop does to the pool: (amount0 in, amount1 in)."""
    if hop.token_in.lower() == hop.pool.token0.lower():
        return hop.amount_in, -hop.amount_out
    return -hop.amount_out, hop.amount_in


def racer_swap_tx(router: str, *, sender: str, token_in: str, token_out: str, fee: int,
                  amount_in_wei: int, tip_wei: int) -> dict:
    """A plain ETH-in exactInputSingle through SwapRouter02, with a high tip to go first."""
    params = (token_in, token_out, fee, sender, amount_in_wei, 0, 0)
    data = enc.SEL_EXACT_INPUT_SINGLE + abi_encode([enc.EXACT_SINGLE_TYPE], [params])
    return {"from": sender, "to": router, "data": "0x" + data.hex(), "value": hex(amount_in_wei),
            "gas": hex(3_000_000), "maxPriorityFeePerGas": hex(tip_wei), "maxFeePerGas": hex(tip_wei * 4)}


def config_with_private_rpc(profile: Path, url: str, dest: Path) -> Path:
    """The devnet profile plus `private_rpc_url`, so sends go through our relay."""
    lines = []
    for line in profile.read_text().splitlines():
        lines.append(line)
        if line.startswith("rpc_url"):
            lines.append(f'private_rpc_url = "{url}"')
    dest.write_text("\n".join(lines) + "\n")
    return dest


class StallingRelay:
    """A private RPC that never answers. mode "drop": it swallows eth_sendRawTransaction;
    mode "forward": it passes the tx on to the chain first, then goes silent."""

    def __init__(self, upstream: str, mode: str) -> None:
        self.upstream, self.mode = upstream, mode
        self.received = threading.Event()
        self.forwarded = threading.Event()
        self.release = threading.Event()
        relay = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                relay.received.set()
                if relay.mode == "forward":
                    request = urllib.request.Request(relay.upstream, data=body,
                                                     headers={"Content-Type": "application/json"})
                    urllib.request.urlopen(request, timeout=10).read()
                    relay.forwarded.set()
                relay.release.wait(60)
                self.send_response(503)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "StallingRelay":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
