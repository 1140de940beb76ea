"""Where solver keeps its files: the devnet state, caches and the npm tool cache."""

from __future__ import annotations

import os
from pathlib import Path


def data_home() -> Path:
    """Devnet state and profile. Override with SOLVER_HOME (tests do, to stay isolated)."""
    root = os.environ.get("SOLVER_HOME")
    if root:
        return Path(root)
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "solver"


def cache_home() -> Path:
    """Downloaded tools (anvil, npm artifacts, solc output) and the pool-discovery cache.

    Kept apart from data_home so that isolated test homes still share one npm install.
    """
    root = os.environ.get("SOLVER_CACHE")
    if root:
        return Path(root)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "solver"


def devnet_dir() -> Path:
    return data_home() / "devnet"


def devnet_profile_path() -> Path:
    """The config file `solver devnet up` writes; used when nothing else is configured."""
    return devnet_dir() / "profile.toml"
