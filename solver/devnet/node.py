"""The anvil process: starting it detached, finding it again through a pid file, and stopping it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from solver.errors import ConfigError, RpcError
from solver.paths import devnet_dir
from solver.rpc import RpcClient

CHAIN_ID = 31337
READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 10.0
LOG_ROTATE_BYTES = 20_000_000
_LOG_HEADER = "\n--- solver devnet: "
# Popen objects of the anvils this process started. Holding them keeps Python from warning
# that a child is "still running" when the object is collected, and lets down() reap it.
_CHILDREN: dict[int, subprocess.Popen] = {}


class AnvilExited(ConfigError):
    """anvil quit while starting: a taken port, or a saved state it can't load."""

    def __init__(self, message: str, *, hint: str, port_in_use: bool) -> None:
        super().__init__(message, hint=hint)
        self.port_in_use = port_in_use


@dataclass(frozen=True, slots=True)
class Node:
    pid: int
    port: int
    url: str
    anvil_version: str


def pid_path() -> Path:
    return devnet_dir() / "anvil.pid"


def log_path() -> Path:
    return devnet_dir() / "anvil.log"


def url_for(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def check_port_free(port: int) -> None:
    """Fail fast, before any work, when something already listens on the port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            raise AnvilExited(f"port {port} on 127.0.0.1 is taken ({exc.strerror})",
                              hint="pass another port, or stop what listens there",
                              port_in_use=True) from exc


def free_port() -> int:
    """A port nothing listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_anvil(anvil: Path, *, port: int, version: str, load_state: Path | None = None,
                extra_args: tuple[str, ...] = ()) -> Node:
    """Start anvil in its own session, so it outlives the CLI that started it.

    The block gas limit check is off so that large eth_calls (multicalls, quotes over many
    pools) and the seeding txs never hit the 30M cap.
    """
    cmd = [str(anvil), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(CHAIN_ID),
           "--disable-block-gas-limit"]
    if load_state is not None:
        cmd += ["--load-state", str(load_state)]
    cmd += list(extra_args)
    devnet_dir().mkdir(parents=True, exist_ok=True)
    _rotate_log()
    with open(log_path(), "ab") as log:
        log.write(f"{_LOG_HEADER}{time.strftime('%Y-%m-%d %H:%M:%S')} {' '.join(cmd)}\n".encode())
        log.flush()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True)
    _CHILDREN[proc.pid] = proc
    node = Node(pid=proc.pid, port=port, url=url_for(port), anvil_version=version)
    try:
        _wait_ready(node, proc)
    except BaseException:
        stop_process(node.pid)
        raise
    return node


def _wait_ready(node: Node, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            _CHILDREN.pop(proc.pid, None)
            tail = _log_tail()
            in_use = "in use" in tail.lower()
            hint = ("another process holds the port: pass another port, or stop it"
                    if in_use else f"see {log_path()}")
            raise AnvilExited(f"anvil exited while starting on port {node.port}: {tail}", hint=hint,
                              port_in_use=in_use)
        if chain_id(node.url, timeout_s=1.0) is not None:
            return
        if time.monotonic() > deadline:
            raise RpcError(f"anvil did not answer on {node.url} within {READY_TIMEOUT_S:.0f} s",
                           hint=f"see {log_path()}")
        time.sleep(0.01)


def _rotate_log() -> None:
    """anvil logs a line per RPC method; keep one old log, so the file never grows unbounded."""
    try:
        if log_path().stat().st_size > LOG_ROTATE_BYTES:
            os.replace(log_path(), log_path().with_suffix(".log.1"))
    except OSError:
        pass


def _log_tail(lines: int = 3) -> str:
    """The last lines anvil wrote since its start header."""
    try:
        text = log_path().read_text(errors="replace").split(_LOG_HEADER)[-1].strip().splitlines()[1:]
    except OSError:
        return ""
    return " | ".join(line.strip() for line in text[-lines:] if line.strip())


def chain_id(url: str, *, timeout_s: float = 2.0) -> int | None:
    """The chain id a node answers with, or None when nothing answers."""
    async def ask() -> int:
        # No retries: a refused connection just means "not yet", and the caller polls.
        async with RpcClient(url, timeout_s=timeout_s, retries=0) as rpc:
            return int(await rpc.call("eth_chainId"), 16)
    try:
        return asyncio.run(ask())
    except RpcError:
        return None


def write_pid_file(node: Node) -> None:
    tmp = pid_path().with_suffix(".tmp")
    tmp.write_text(json.dumps({"pid": node.pid, "port": node.port, "url": node.url,
                               "anvil_version": node.anvil_version}))
    os.replace(tmp, pid_path())


def read_pid_file() -> Node | None:
    try:
        data = json.loads(pid_path().read_text())
        return Node(pid=int(data["pid"]), port=int(data["port"]), url=str(data["url"]),
                    anvil_version=str(data.get("anvil_version", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_pid_file() -> None:
    pid_path().unlink(missing_ok=True)


def is_anvil_alive(pid: int) -> bool:
    """True while pid is a live (not zombie) anvil process."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    proc_dir = Path("/proc") / str(pid)
    if not proc_dir.exists():  # no procfs (macOS): trust the signal check
        return True
    try:
        if ") Z" in (proc_dir / "stat").read_text():
            return False
        return b"anvil" in (proc_dir / "cmdline").read_bytes()
    except OSError:
        return False


def running_node() -> Node | None:
    """The devnet of the pid file, if its process is alive and answers with our chain id."""
    node = read_pid_file()
    if node is None or not is_anvil_alive(node.pid):
        return None
    return node if chain_id(node.url) == CHAIN_ID else None


def stop_process(pid: int) -> None:
    """SIGTERM, then SIGKILL if it lingers; reap it when it is our own child."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        _CHILDREN.pop(pid, None)
        return
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        try:
            child.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
        return
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while is_anvil_alive(pid):
        if time.monotonic() > deadline:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            break
        time.sleep(0.02)
