"""Shared fixtures for tests against a real local chain: one devnet per test session.

`devnet` starts it in a throwaway SOLVER_HOME (the tool cache, SOLVER_CACHE, stays shared so
npm runs once per machine) on a free port, and stops it at the end. `anvil_snapshot` wraps a
test in evm_snapshot/evm_revert, so a test that swaps leaves the pools as seeded.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import pytest

from solver import devnet as devnet_api
from solver.devnet.node import free_port
from solver.rpc import RpcClient


@dataclass
class Devnet:
    """The running devnet: its URL, profile and deployment record (every address)."""

    url: str
    profile_path: Path
    deployment_path: Path
    deployment: dict
    home: Path
    port: int
    info: devnet_api.DevnetInfo

    def call(self, method: str, params: list | None = None) -> Any:
        """One JSON-RPC call, synchronously."""
        return self.batch([(method, params or [])])[0]

    def transact(self, tx: dict, *, timeout_s: float = 10.0) -> dict:
        """eth_sendTransaction from an unlocked account, then wait for the receipt.

        anvil's automine runs beside the RPC handler: the hash can come back before the
        receipt exists, so the receipt is polled rather than read once.
        """
        tx_hash = self.call("eth_sendTransaction", [tx])
        deadline = time.monotonic() + timeout_s
        while True:
            receipt = self.call("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return receipt
            if time.monotonic() > deadline:
                raise AssertionError(f"no receipt for {tx_hash} after {timeout_s} s")
            time.sleep(0.005)

    def batch(self, calls: list[tuple[str, list]]) -> list[Any]:
        async def send() -> list[Any]:
            async with RpcClient(self.url, timeout_s=60.0) as rpc:
                return await rpc.batch(calls)
        return asyncio.run(send())


@pytest.fixture(scope="session")
def devnet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Devnet]:
    home = tmp_path_factory.mktemp("solver-home")
    saved = os.environ.get("SOLVER_HOME")
    os.environ["SOLVER_HOME"] = str(home)
    port = free_port()
    try:
        info = devnet_api.up(port)
        yield Devnet(url=info.url, profile_path=info.profile_path,
                     deployment_path=info.deployment_path,
                     deployment=json.loads(info.deployment_path.read_text()),
                     home=home, port=port, info=info)
    finally:
        try:
            devnet_api.down()
        finally:
            if saved is None:
                os.environ.pop("SOLVER_HOME", None)
            else:
                os.environ["SOLVER_HOME"] = saved


@pytest.fixture
def anvil_snapshot(devnet: Devnet) -> Iterator[str]:
    """Run the test on a snapshot of the chain and revert to it afterwards."""
    snapshot_id = devnet.call("evm_snapshot")
    try:
        yield snapshot_id
    finally:
        if not devnet.call("evm_revert", [snapshot_id]):
            raise AssertionError(f"evm_revert({snapshot_id}) failed: the chain was not restored")
