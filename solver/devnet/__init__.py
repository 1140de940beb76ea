"""A local anvil chain with the real Uniswap V2/V3 contracts and real mainnet liquidity.

Public API, used by `solver devnet up/down/status` and by the integration tests:
    up(port=18545, *, fresh=False, progress=None) -> DevnetInfo
    down() -> bool
    status() -> dict

The first `up` installs the tools (npm, into the cache), deploys, seeds and checks every pool,
and saves the chain state; later ones load that state and are ready in well under a second.
Files live in devnet_dir(): state.json, deployment.json, profile.toml, anvil.pid, anvil.log.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from solver.devnet import node as _node
from solver.devnet import state as _state
from solver.devnet.tools import (anvil_version, file_lock, install_npm_packages, multicall3_runtime,
                                 require_anvil)
from solver.errors import RpcError
from solver.paths import devnet_dir, devnet_profile_path
from solver.rpc import RpcClient

__all__ = ["DevnetInfo", "up", "down", "status"]

Progress = Callable[[str, int, int], None]
SAVE_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class DevnetInfo:
    url: str
    chain_id: int
    pid: int
    profile_path: Path
    deployment_path: Path
    reused_state: bool  # False when this call deployed and seeded from scratch
    seconds: float


def _report(progress: Progress | None, step: str, done: int, total: int) -> None:
    if progress is not None:
        progress(step, done, total)


def _lock():
    return file_lock(devnet_dir() / "devnet.lock")


def _info(node: _node.Node, *, reused: bool, started: float) -> DevnetInfo:
    return DevnetInfo(url=node.url, chain_id=_node.CHAIN_ID, pid=node.pid,
                      profile_path=devnet_profile_path(), deployment_path=_state.deployment_path(),
                      reused_state=reused, seconds=time.monotonic() - started)


def up(port: int = 18545, *, fresh: bool = False, progress: Progress | None = None) -> DevnetInfo:
    """Start the devnet, or return the one already running (whatever its port).

    fresh=True throws away any running devnet and saved state and deploys from scratch.
    """
    started = time.monotonic()
    devnet_dir().mkdir(parents=True, exist_ok=True)
    with _lock():
        running = _node.running_node()
        if running is not None and not fresh:
            if not devnet_profile_path().is_file():
                _write_profile(running)
            return _info(running, reused=True, started=started)
        if running is not None:
            _node.stop_process(running.pid)
            _node.remove_pid_file()
        else:
            _clear_stale_node()
        _node.check_port_free(port)
        anvil = require_anvil()
        version = anvil_version(anvil)
        node = None
        if not fresh and _state.reusable_state(version):
            _report(progress, "load saved state", 0, 1)
            node = _start_from_state(anvil, port=port, version=version)
            if node is not None:
                _report(progress, "load saved state", 1, 1)
        reused = node is not None
        if node is None:
            node = _start_fresh(anvil, port=port, version=version, progress=progress)
        _write_profile(node)
        _node.write_pid_file(node)
        return _info(node, reused=reused, started=started)


def _write_profile(node: _node.Node) -> None:
    from solver.devnet.profile import write_profile

    write_profile(json.loads(_state.deployment_path().read_text()), node.url)


def _start_from_state(anvil: Path, *, port: int, version: str) -> _node.Node | None:
    """Start on the saved dump; None if anvil won't load it (then the caller redeploys)."""
    try:
        return _node.start_anvil(anvil, port=port, version=version, load_state=_state.state_path())
    except _node.AnvilExited as exc:
        if exc.port_in_use:
            raise
        return None


def _start_fresh(anvil: Path, *, port: int, version: str, progress: Progress | None) -> _node.Node:
    """Deploy and seed on a private build anvil, save its state, then serve that state.

    Serving the saved state, rather than the build node itself, makes a fresh devnet and a
    reused one the same chain. The build node keeps no transaction history (its setup txs and
    their traces would make the dump six times bigger and slower to write).
    """
    _report(progress, "install tools", 0, 3)
    install_npm_packages()  # the contract artifacts are needed even when anvil is on PATH
    _report(progress, "install tools", 1, 3)
    from solver.devnet.compile import compile_contracts
    from solver.devnet.setup import deploy_and_seed  # eth_abi and friends: only on this path

    compile_contracts()
    _report(progress, "install tools", 2, 3)
    multicall3_runtime()
    _report(progress, "install tools", 3, 3)
    for stale in (_state.state_path(), _state.meta_path(), _state.deployment_path()):
        stale.unlink(missing_ok=True)
    _report(progress, "start anvil", 0, 1)
    build = _node.start_anvil(anvil, port=_node.free_port(), version=version,
                              extra_args=("--transaction-block-keeper", "1"))
    _report(progress, "start anvil", 1, 1)
    try:
        deployment = asyncio.run(deploy_and_seed(build.url, anvil_version=version, progress=progress))
    finally:
        _node.stop_process(build.pid)
    _state.write_json(_state.deployment_path(), deployment)
    _report(progress, "load saved state", 0, 1)
    node = _node.start_anvil(anvil, port=port, version=version, load_state=_state.state_path())
    _report(progress, "load saved state", 1, 1)
    return node


def down() -> bool:
    """Save the chain state and stop the devnet. False when none was running."""
    devnet_dir().mkdir(parents=True, exist_ok=True)
    with _lock():
        running = _node.running_node()
        if running is None:
            return _clear_stale_node()
        try:
            asyncio.run(_save(running))
        except RpcError:
            pass  # keep the previous dump rather than fail to stop
        finally:
            _node.stop_process(running.pid)
            _node.remove_pid_file()
        return True


def _clear_stale_node() -> bool:
    """Stop an anvil of the pid file that is alive but doesn't answer (nothing to save); True if
    there was one. Callers hold the lock, so it isn't one that another `up` is starting."""
    stale = _node.read_pid_file()
    deaf = stale is not None and _node.is_anvil_alive(stale.pid)
    if deaf:
        _node.stop_process(stale.pid)
    _node.remove_pid_file()
    return deaf


async def _save(node: _node.Node) -> None:
    async with RpcClient(node.url, timeout_s=SAVE_TIMEOUT_S) as rpc:
        await _state.save_state(rpc, anvil_version=node.anvil_version, recipe=_state.saved_recipe())


def status() -> dict:
    """What `solver devnet status` shows: running?, pid, url, block, chain id, pools."""
    node = _node.running_node()
    result: dict = {"running": node is not None, "pid": None, "url": None, "chain_id": None,
                    "block_number": None, "pool_count": 0, "v3_pools": 0, "v2_pairs": 0,
                    "state_saved": _state.state_path().is_file(),
                    "profile_path": str(devnet_profile_path()),
                    "deployment_path": str(_state.deployment_path()),
                    "log_path": str(_node.log_path())}
    try:
        pools = json.loads(_state.deployment_path().read_text())["pools"]
    except (OSError, ValueError, KeyError):
        pools = []
    result["v3_pools"] = sum(1 for p in pools if p["protocol"] == "uniswap_v3")
    result["v2_pairs"] = sum(1 for p in pools if p["protocol"] == "uniswap_v2")
    result["pool_count"] = len(pools)
    if node is not None:
        result.update(pid=node.pid, url=node.url, chain_id=_node.CHAIN_ID)
        try:
            result["block_number"] = asyncio.run(_block_number(node.url))
        except RpcError:
            pass
    return result


async def _block_number(url: str) -> int:
    async with RpcClient(url, timeout_s=2.0) as rpc:
        return int(await rpc.call("eth_blockNumber"), 16)
