"""A fresh devnet from nothing: deploy the contracts, seed and check the pools, save the state."""

from __future__ import annotations

from typing import Callable

from solver.devnet.chain import MAX_BODY_BYTES, DevChain
from solver.devnet.deploy import deploy_core
from solver.devnet.plan import build_plan
from solver.devnet.seed import seed_pools, verify_pools
from solver.devnet.state import recipe_hash, save_state
from solver.rpc import RpcClient

Progress = Callable[[str, int, int], None]
SETUP_TIMEOUT_S = 300.0


def _noop(step: str, done: int, total: int) -> None:
    return None


async def deploy_and_seed(url: str, *, anvil_version: str, progress: Progress | None = None) -> dict:
    """Build the whole devnet on the empty anvil at url. Returns the deployment record."""
    report = progress or _noop
    plan = build_plan()
    async with RpcClient(url, timeout_s=SETUP_TIMEOUT_S, max_body_bytes=MAX_BODY_BYTES) as rpc:
        accounts = await rpc.call("eth_accounts")
        chain = DevChain(rpc, accounts[0])
        await chain.begin()
        try:
            report("deploy contracts", 0, 1)
            deployment = await deploy_core(chain)
            report("deploy contracts", 1, 1)
            await seed_pools(chain, deployment, plan, progress=report)
            report("verify pools", 0, 1)
            await verify_pools(chain, deployment, plan)
            report("verify pools", 1, 1)
        finally:
            await chain.end()
        # An empty block on top lets the build node (which keeps one block of transactions)
        # forget the seeding txs and their traces before the dump.
        await rpc.call("anvil_mine", ["0x1"])
        deployment["setup_transactions"] = chain.tx_count
        deployment["block_number"] = int(await rpc.call("eth_blockNumber"), 16)
        report("save state", 0, 1)
        await save_state(rpc, anvil_version=anvil_version, recipe=recipe_hash())
        report("save state", 1, 1)
    return deployment
