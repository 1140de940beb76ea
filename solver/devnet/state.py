"""The saved chain state: writing anvil's dump to disk, and deciding whether a dump may be reused.

A dump is reused only when the same anvil binary wrote it (the format belongs to the anvil
version) and the devnet's recipe is unchanged (our contracts, the pool data, the seeding code
and the npm pins), so a code change never meets a stale chain.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from pathlib import Path

import orjson

from solver.devnet.tools import NPM_PACKAGES
from solver.paths import devnet_dir
from solver.rpc import RpcClient

_PACKAGE = Path(__file__).resolve().parent.parent
RECIPE_FILES = (
    "devnet/chain.py", "devnet/deploy.py", "devnet/plan.py", "devnet/seed.py", "devnet/setup.py",
    "contracts/TestToken.sol", "contracts/DevnetSeeder.sol",
    "data/mainnet_v3_pools.json", "data/mainnet_v3_pools_at_blocks.json",
)


def state_path() -> Path:
    return devnet_dir() / "state.json"


def meta_path() -> Path:
    return devnet_dir() / "state.meta.json"


def deployment_path() -> Path:
    return devnet_dir() / "deployment.json"


def recipe_hash() -> str:
    digest = hashlib.sha256(json.dumps(NPM_PACKAGES, sort_keys=True).encode())
    for rel in RECIPE_FILES:
        digest.update(rel.encode())
        digest.update((_PACKAGE / rel).read_bytes())
    return digest.hexdigest()[:24]


def reusable_state(anvil_version: str) -> bool:
    """True when a saved dump exists that this anvil may load for this recipe."""
    try:
        meta = json.loads(meta_path().read_text())
    except (OSError, ValueError):
        return False
    return (state_path().is_file() and deployment_path().is_file()
            and meta.get("anvil_version") == anvil_version and meta.get("recipe") == recipe_hash())


def slim_dump(raw_hex: str) -> bytes:
    """anvil_dumpState's answer (hex of gzipped JSON) as the JSON that --load-state reads.

    The past blocks and transactions (with their traces: over 80% of the dump) are dropped; only
    the newest block stays, since anvil needs its header to resume the chain.
    """
    state = orjson.loads(gzip.decompress(bytes.fromhex(raw_hex.removeprefix("0x"))))
    blocks = state.get("blocks") or []
    if blocks:
        newest = max(blocks, key=lambda b: int(b["header"]["number"], 16))
        newest["transactions"] = []
        state["blocks"] = [newest]
    state["transactions"] = []
    state["historical_states"] = None
    return orjson.dumps(state)


def saved_recipe() -> str:
    """The recipe the saved chain was built with ("" when unknown)."""
    try:
        return str(json.loads(meta_path().read_text()).get("recipe", ""))
    except (OSError, ValueError, AttributeError):
        return ""


async def save_state(rpc: RpcClient, *, anvil_version: str, recipe: str) -> None:
    """Dump the chain through RPC and write it atomically, with the facts that allow reuse.

    `recipe` is that of the code that built this chain, not necessarily of the code running
    now: a chain built before an upgrade must not pass for a new one.
    """
    data = slim_dump(await rpc.call("anvil_dumpState"))
    tmp = state_path().with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, state_path())
    write_json(meta_path(), {"anvil_version": anvil_version, "recipe": recipe})


def write_json(path: Path, value: object) -> None:
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(value, indent=2) + "\n")
    os.replace(tmp, path)
