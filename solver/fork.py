"""A throwaway anvil fork of the configured chain, pinned to one block, on a free local port.

The fork only reads from its parent, so nothing done on it reaches the real chain. anvil runs
with no dev accounts (its banner would otherwise print the well-known dev keys into the log),
picks its own port (`--port 0`, read back from its log, so two forks never race for a port),
and accepts transactions from any address (`--auto-impersonate`) at a zero gas price
(`--disable-min-priority-fee` plus a zero next base fee), so that ETH balance changes on the
fork are the swap's own, without gas.
"""

from __future__ import annotations

import asyncio
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from solver.errors import RpcError, SimulationError

START_TIMEOUT_S = 20.0
_LISTENING_RE = re.compile(rb"Listening on (127\.0\.0\.1:\d+)")
# anvil needs nothing from our environment; a key in a variable must not reach a child process.
_CHILD_ENV_KEYS = ("PATH", "HOME", "TMPDIR", "LANG", "SSL_CERT_FILE", "SSL_CERT_DIR",
                   "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")


@dataclass
class Fork:
    url: str
    pid: int
    block_number: int
    log_path: Path
    started_s: float
    kept: bool = False
    _process: subprocess.Popen | None = field(default=None, repr=False)

    def alive(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        try:
            os.kill(self.pid, 0)
        except OSError:
            return False
        return True

    def stop(self) -> None:
        """Terminate anvil and remove its log; safe to call twice."""
        process, self._process = self._process, None
        if process is None:
            if self.kept and self.alive():
                os.kill(self.pid, signal.SIGTERM)
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        try:
            self.log_path.unlink()
            self.log_path.parent.rmdir()
        except OSError:
            pass


async def start_fork(parent_url: str, block_number: int, *, keep: bool = False) -> Fork:
    """Start `anvil --fork-url parent --fork-block-number N` and wait until it answers.

    A fork that is not kept is our child and dies with this process, even a SIGKILLed one
    (Linux PR_SET_PDEATHSIG). A kept one (--keep-fork) is daemonized through `sh -c '… &'`:
    it belongs to init, in its own session, so neither our exit nor a Ctrl-C stops it.
    """
    from solver.devnet.tools import require_anvil

    anvil = require_anvil()
    log_dir = Path(tempfile.mkdtemp(prefix="solver-fork-"))
    log_path = log_dir / "anvil.log"
    cmd = [str(anvil), "--fork-url", parent_url, "--fork-block-number", str(block_number),
           "--host", "127.0.0.1", "--port", "0", "--accounts", "0", "--no-storage-caching",
           "--auto-impersonate", "--disable-min-priority-fee", "--base-fee", "0"]
    env = {k: v for k, v in os.environ.items() if k in _CHILD_ENV_KEYS}
    started = time.perf_counter()
    fork = Fork(url="", pid=0, block_number=block_number, log_path=log_path, started_s=started,
                kept=keep)
    if keep:
        line = f"{shlex.join(cmd)} >{shlex.quote(str(log_path))} 2>&1 </dev/null & echo $!"
        done = subprocess.run(["/bin/sh", "-c", line], env=env, capture_output=True, text=True,
                              start_new_session=True, timeout=30)
        fork.pid = int(done.stdout.strip() or 0)
    else:
        with open(log_path, "wb") as log:
            fork._process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT, env=env,
                                             preexec_fn=_die_with_parent)
        fork.pid = fork._process.pid
    try:
        fork.url = await _wait_listening(fork)
    except BaseException:
        fork.stop()
        raise
    return fork


def _die_with_parent() -> None:
    """In the child before exec: ask Linux for SIGTERM when the parent dies (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


async def _wait_listening(fork: Fork) -> str:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        text = fork.log_path.read_bytes()
        match = _LISTENING_RE.search(text)
        if match:
            return "http://" + match.group(1).decode()
        if not fork.alive():
            tail = text.decode(errors="replace").strip().splitlines()[-3:]
            if any("fork" in line.lower() or "rpc" in line.lower() for line in tail):
                raise RpcError("anvil could not fork the chain: " + " | ".join(tail),
                               hint="is the RPC reachable, and does it serve that block's state?")
            raise SimulationError("anvil exited while starting the fork: " + " | ".join(tail))
        await asyncio.sleep(0.002)
    raise SimulationError(f"the anvil fork did not start within {START_TIMEOUT_S:.0f} s",
                          hint="check that the RPC serves historical state for the quote's block")
